"""Keyword quality on the samples against the hand-labelled gold sets (tests/fixtures)."""

import duckdb
import polars as pl
import pytest

from orchestration.keyword_quality import acronym_scores, keyphrase_scores, load_gold


@pytest.fixture(scope="module")
def paper_keywords(sample_refresh) -> pl.DataFrame:
    with duckdb.connect(str(sample_refresh.settings.served_db), read_only=True) as con:
        return con.sql("select * from main.paper_keywords").pl()


def test_gold_sets_are_the_size_the_issue_asks_for():
    acronyms, keyphrases = load_gold()
    assert acronyms.height >= 60
    per_paper = keyphrases.group_by("paper_id").len()
    assert per_paper.height == 30 and per_paper["len"].to_list() == [5] * 30


def test_acronym_precision_and_recall_meet_the_targets(paper_keywords):
    gold, _ = load_gold()
    scores = acronym_scores(paper_keywords.filter(pl.col("kind") == "acronym"), gold)
    assert scores.gold == 139
    assert scores.precision >= 0.95, scores
    assert scores.recall >= 0.85, scores


def test_keyphrases_reach_tfidf_on_inspec(paper_keywords):
    _, gold = load_gold()
    phrases = paper_keywords.filter(pl.col("kind") == "phrase")
    assert keyphrase_scores(phrases, gold, 10).f1 >= 0.35
    assert keyphrase_scores(phrases, gold, 5).f1 >= 0.35


def test_scores_count_a_wrong_expansion_as_a_miss():
    gold = pl.DataFrame(
        {
            "paper_id": ["0a", "0a"],
            "short_form": ["RL", "LM"],
            "long_form": ["reinforcement learning", "language model"],
        }
    )
    predicted = pl.DataFrame(
        {
            "paper_id": ["0a", "0a", "9z"],
            "keyword": ["RL", "LM", "X"],
            "expansion": ["Reinforcement  Learning", "large model", "x"],
        }
    )
    scores = acronym_scores(predicted, gold)
    # the 9z paper is outside the labelled scope; LM's expansion is wrong
    assert (scores.predicted, scores.correct, scores.precision, scores.recall) == (2, 1, 0.5, 0.5)


def test_keyphrase_matching_is_after_stemming():
    gold = pl.DataFrame({"paper_id": ["p"] * 2, "keyphrase": ["Graph Neural Networks", "pooling"]})
    predicted = pl.DataFrame(
        {
            "paper_id": ["p"] * 4,
            "surface": ["graph neural network", "pool", "graphs", "attention"],
            "rank": [1, 2, 3, 4],
        }
    )
    at_2 = keyphrase_scores(predicted, gold, 2)
    assert (at_2.precision, at_2.recall, at_2.f1) == (1.0, 1.0, 1.0)
    at_4 = keyphrase_scores(predicted, gold, 4)
    assert (at_4.precision, at_4.recall) == (0.5, 1.0)


def test_keywords_mart_links_an_acronym_to_its_expansion(sample_refresh):
    rows = sample_refresh.query(
        "select keyword, kind, expansion, n_papers from main.keywords"
        " where keyword in ('LLMs', 'MIG', 'SPaR') order by all"
    )
    assert rows == [
        ("LLMs", "acronym", "large language models", 90),
        ("MIG", "acronym", "maximize the information gain", 1),
        ("MIG", "title_name", None, 1),
        ("SPaR", "title_name", None, 1),
    ]
    # a user searching the long form finds the papers tagged with the short form
    found = sample_refresh.scalar(
        "select count(distinct pk.paper_id) from main.keywords as k"
        " join main.paper_keywords as pk using (keyword, kind)"
        " where k.expansion = 'large language models'"
    )
    assert found == 90


def test_phrases_are_ranked_top_ten_per_paper(sample_refresh):
    per_kind = sample_refresh.query(
        "select kind, min(rank), max(rank), count(distinct paper_id) from main.paper_keywords"
        " group by kind order by kind"
    )
    assert per_kind == [("acronym", 1, 7, 321), ("phrase", 1, 10, 494), ("title_name", 1, 1, 119)]
    top = sample_refresh.query(
        "select surface from main.paper_keywords where kind = 'phrase'"
        " and paper_id = '82b11fd24b3f31a5' and rank <= 3 order by rank"
    )
    assert top == [("neural machine translation",), ("map decoding",), ("translation",)]
