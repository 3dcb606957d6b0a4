"""Keyphrase candidates: runs of words, stopwords, stems, spellings and counts."""

import duckdb
import polars as pl
import pytest

from orchestration.incremental import arrow_stream
from orchestration.parsing import phrases
from orchestration.parsing.phrases import count_phrases, light_stem

STOPWORDS = pl.Series(["a", "of", "the", "we", "for", "and"])


def counted(title: str, abstract: str) -> dict[str, tuple[str, int, bool]]:
    papers = pl.DataFrame({"paper_id": ["p"], "title": [title], "abstract": [abstract]})
    rows = count_phrases(papers, STOPWORDS)
    assert rows["paper_id"].to_list() == ["p"] * rows.height
    return {r["surface"]: (r["stem"], r["n"], r["in_title"]) for r in rows.iter_rows(named=True)}


def test_candidates_are_one_to_three_words_inside_a_run_without_stopwords():
    rows = counted("Graph Models", "We train graph models of the web.")
    assert rows == {
        "graph": ("graph", 2, True),
        "models": ("model", 2, True),
        "graph models": ("graph model", 2, True),
        "train": ("train", 1, False),
        "train graph": ("train graph", 1, False),
        "train graph models": ("train graph model", 1, False),
        "web": ("web", 1, False),
    }


def test_punctuation_and_spaced_hyphens_end_a_run_inner_hyphens_do_not():
    rows = counted("X", "few-shot learning, image models - deep nets")
    assert "few-shot learning" in rows
    assert "learning image" not in rows
    assert "models deep" not in rows
    assert rows["deep nets"] == ("deep net", 1, False)


def test_one_letter_words_and_numbers_stop_a_candidate():
    rows = counted("X", "x net 2024 3-layer nets 12-34")
    assert rows == {
        "net": ("net", 1, False),
        "3-layer": ("3-layer", 1, False),
        "3-layer nets": ("3-layer net", 1, False),
        "nets": ("net", 1, False),
    }


def test_the_title_and_the_abstract_are_separate_texts():
    rows = counted("Deep", "Learning")
    assert set(rows) == {"deep", "learning"}


def test_tf_counts_a_stem_once_per_paper_in_all_spellings_with_its_longest_holder():
    papers = pl.DataFrame(
        {
            "paper_id": ["p", "q"],
            "title": ["Language Models", "Large Models"],
            "abstract": ["A language model. Large language models and language models.", "-"],
        }
    )
    every = count_phrases(papers, STOPWORDS)
    # q's stems are its own: a paper's terms never mix with another's in the batch
    assert every.filter(pl.col("paper_id") == "q").select("stem", "tf", "container_tf").sort(
        "stem"
    ).rows() == [("large", 1, 1), ("large model", 1, 0), ("model", 1, 1)]
    rows = every.filter(pl.col("paper_id") == "p")
    given = rows.filter(pl.col("tf").is_not_null())
    assert given["stem"].is_unique().all()  # one row per stem carries tf
    assert (
        rows.filter(pl.col("tf").is_null())["container_tf"].null_count()
        == rows.height - given.height
    )
    assert given.select("stem", "tf", "container_tf", "in_title").sort("stem").rows() == [
        ("language", 4, 4, True),  # most often inside "language model"
        ("language model", 4, 1, True),  # spelled "language models" 3 times, "model" once
        ("large", 1, 1, False),
        ("large language", 1, 1, False),
        ("large language model", 1, 0, False),  # no longer candidate holds a trigram
        ("model", 4, 4, True),
    ]
    spellings = rows.filter(pl.col("stem") == "language model")
    assert sorted(spellings.select("surface", "n", "tf").rows()) == [
        ("language model", 1, 4),  # the first spelling, in word order, carries the stem's tf
        ("language models", 3, None),
    ]


def test_light_stem_matches_the_sql_macro_on_single_words():
    words = ["studies", "models", "class", "analysis", "ies", "gas", "bias", "lens"]
    sql = duckdb.sql(
        r"""select regexp_replace(regexp_replace(w, 'ies(\s|$)', 'y\1', 'g'),
            '([^s])s(\s|$)', '\1\2', 'g') from unnest($words) as t(w)""",
        params={"words": words},
    ).fetchall()
    stems = pl.select(light_stem(pl.lit(pl.Series(words)))).to_series().to_list()
    assert stems == [row[0] for row in sql]
    assert stems[:3] == ["study", "model", "class"]


def test_a_batch_too_wide_for_the_packed_ids_is_counted_in_halves(monkeypatch):
    papers = pl.DataFrame(
        {
            "paper_id": ["p1", "p2", "p3"],
            "title": ["alpha beta", "gamma delta", "epsilon zeta"],
            "abstract": ["beta gamma", "delta", "zeta eta"],
        }
    )
    whole = count_phrases(papers, STOPWORDS).sort(pl.all())
    monkeypatch.setattr(phrases, "_BASE", 8)  # fewer than the batch's 9 ids (with BREAK)
    assert count_phrases(papers, STOPWORDS).sort(pl.all()).equals(whole)
    monkeypatch.setattr(phrases, "_BASE", 2)
    with pytest.raises(ValueError, match="one paper"):
        count_phrases(papers, STOPWORDS)


def test_frames_stream_into_duckdb_as_one_table():
    frames = (pl.DataFrame({"paper_id": [f"p{i}"], "n": [i]}) for i in range(3))
    con = duckdb.connect()
    con.register("stream", arrow_stream(frames))
    rows = con.sql("select * from stream order by n").fetchall()
    assert rows == [("p0", 0), ("p1", 1), ("p2", 2)]
