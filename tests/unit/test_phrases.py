"""Keyphrase terms (runs of words, stopwords, stems, spellings, counts) and their ranking."""

import hashlib
import math
from datetime import datetime

import duckdb
import polars as pl
import pytest

from orchestration.incremental import arrow_stream
from orchestration.keyphrases import FREQUENCIES, ranking_rows
from orchestration.parsing import phrases
from orchestration.parsing.phrases import light_stem, paper_terms, rank_phrases, stem_keys_of

STOPWORDS = pl.Series(["a", "of", "the", "we", "for", "and"])


def papers(*texts: tuple[str, str]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "paper_id": [f"p{i}" for i in range(len(texts))],
            "title": [title for title, _ in texts],
            "abstract": [abstract for _, abstract in texts],
        }
    )


def every_term(title: str, abstract: str) -> dict[str, int]:
    """All terms of one paper with their tf, the terms found through their keys."""
    [row] = paper_terms(papers((title, abstract)), STOPWORDS).rows(named=True)
    by_key = {stem["stem_key"]: stem["tf"] for stem in row["stems"]}
    assert len(by_key) == len(row["stems"])  # no term twice
    names = [t for t in _spelled_terms(title, abstract)]
    keys = stem_keys_of(pl.Series(names, dtype=pl.String)).to_list()
    found = {name: by_key[key] for name, key in zip(names, keys, strict=True) if key in by_key}
    assert len(found) == len(by_key), "a term of the paper is not among the expected names"
    return found


def _spelled_terms(title: str, abstract: str) -> list[str]:
    """Every 1-3 word window of the texts' words, stemmed: a superset of the terms."""
    windows = set()
    for text in (title, abstract):
        words = [
            w
            for w in text.lower().replace(",", " , ").replace(".", " . ").split()
            if w not in {",", "."}
        ]
        for n in (1, 2, 3):
            for i in range(len(words) - n + 1):
                windows.add(" ".join(words[i : i + n]))
    stems = pl.select(light_stem(pl.lit(pl.Series(sorted(windows), dtype=pl.String))))
    return sorted(set(stems.to_series().to_list()))


def rankable(title: str, abstract: str) -> dict[str, tuple[str | None, int, bool]]:
    [row] = paper_terms(papers((title, abstract)), STOPWORDS).rows(named=True)
    return {t["keyword"]: (t["surface"], t["tf"], t["in_title"]) for t in row["terms"]}


def test_terms_are_one_to_three_words_inside_a_run_without_stopwords():
    assert every_term("Graph Models", "We train graph models of the web.") == {
        "graph": 2,
        "model": 2,
        "graph model": 2,
        "train": 1,
        "train graph": 1,
        "train graph model": 1,
        "web": 1,
    }


def test_punctuation_and_spaced_hyphens_end_a_run_inner_hyphens_do_not():
    terms = every_term("X", "few-shot learning, image models - deep nets")
    assert "few-shot learning" in terms
    assert "learning image" not in terms
    assert "model deep" not in terms
    assert terms["deep net"] == 1


def test_one_letter_words_and_numbers_stop_a_term():
    assert every_term("X", "x net 2024 3-layer nets 12-34") == {
        "net": 2,
        "3-layer": 1,
        "3-layer net": 1,
    }


def test_the_title_and_the_abstract_are_separate_texts():
    assert set(every_term("Deep", "Learning")) == {"deep", "learning"}


def test_tf_counts_every_spelling_and_the_surface_is_the_papers_most_frequent():
    terms = rankable(
        "Language Models", "A language model. Large language models and language models."
    )
    # "language model" spelled "language models" 3 times and "language model" once
    assert terms["language model"] == ("language models", 4, True)
    # a spelling equal to the term is not repeated
    assert terms["large language model"] == ("large language models", 1, False)


def test_spelling_ties_go_to_the_alphabetically_first():
    assert rankable("X", "graph models. graph model.")["graph model"] == (None, 2, False)


def test_a_term_no_more_frequent_than_a_longer_term_holding_it_is_not_ranked():
    terms = rankable("Language Models", "A language model. Large language models.")
    # "large" and "large language" occur only inside "large language models"
    assert "large" not in terms and "large language" not in terms
    # "language" occurs 3 times, always inside "language model": not ranked either
    assert "language" not in terms
    assert set(terms) == {"language model", "large language model"}
    # but every term still counts in the document frequencies
    assert (
        len(paper_terms(papers(("Language Models", "A language model.")), STOPWORDS)[0, "stems"])
        == 3
    )


def test_past_participles_count_but_are_never_ranked():
    [row] = paper_terms(papers(("X", "generated data")), STOPWORDS).rows(named=True)
    # "generated" is a past participle; "data" only occurs inside "generated data"
    assert {t["keyword"] for t in row["terms"]} == {"generated data"}
    assert len(row["stems"]) == 3  # all three count in the document frequencies


def test_a_paper_without_terms_gets_empty_lists_and_papers_keep_their_order():
    rows = paper_terms(papers(("The", "of a"), ("Graphs", "-")), STOPWORDS)
    assert rows["paper_id"].to_list() == ["p0", "p1"]
    assert rows.row(0) == ("p0", [], [])
    assert rows[1, "terms"][0]["keyword"] == "graph"


def test_terms_of_two_papers_never_mix():
    rows = paper_terms(
        papers(("Language Models", "language models"), ("Large Models", "-")), STOPWORDS
    )
    second = {t["keyword"]: t["tf"] for t in rows[1, "terms"]}
    assert second == {"large model": 1}


def test_light_stem_matches_the_sql_macro_on_words_and_phrases():
    texts = ["studies", "models", "class", "analysis", "ies", "gas", "bias", "lens"]
    texts += ["large language models", "case studies of gas lens", "bias terms"]
    sql = duckdb.sql(
        r"""select regexp_replace(regexp_replace(w, 'ies(\s|$)', 'y\1', 'g'),
            '([^s])s(\s|$)', '\1\2', 'g') from unnest($texts) as t(w)""",
        params={"texts": texts},
    ).fetchall()
    stems = pl.select(light_stem(pl.lit(pl.Series(texts)))).to_series().to_list()
    assert stems == [row[0] for row in sql]
    assert stems[:3] == ["study", "model", "class"]
    assert stems[-3:] == ["large language model", "case study of ga len", "bia term"]


def test_stem_keys_are_the_first_8_bytes_of_the_md5_little_endian():
    [key] = stem_keys_of(pl.Series(["graph model"])).to_list()
    assert key == int.from_bytes(hashlib.md5(b"graph model").digest()[:8], "little")


def test_a_batch_too_wide_for_the_packed_ids_is_counted_in_halves(monkeypatch):
    batch = papers(
        ("alpha beta", "beta gamma"), ("gamma delta", "delta"), ("epsilon zeta", "zeta eta")
    )
    whole = paper_terms(batch, STOPWORDS)
    monkeypatch.setattr(phrases, "_BASE", 8)  # fewer than the batch's 9 ids (with BREAK)
    assert paper_terms(batch, STOPWORDS).equals(whole)
    monkeypatch.setattr(phrases, "_BASE", 2)
    with pytest.raises(ValueError, match="one paper"):
        paper_terms(batch, STOPWORDS)


def test_frames_stream_into_duckdb_as_one_table():
    frames = (pl.DataFrame({"paper_id": [f"p{i}"], "n": [i]}) for i in range(3))
    con = duckdb.connect()
    con.register("stream", arrow_stream(frames))
    rows = con.sql("select * from stream order by n").fetchall()
    assert rows == [("p0", 0), ("p1", 1), ("p2", 2)]


NO_CANDIDATES = pl.DataFrame(
    schema={"paper_id": pl.String, "keyword": pl.String, "kind": pl.String, "expansion": pl.String}
)


def no_frequencies(keys: pl.Series) -> pl.DataFrame:
    """Document frequencies of no other papers (``ranking_rows``' ``untouched``)."""
    return pl.DataFrame(schema=FREQUENCIES)


def lookup(stored: pl.DataFrame, asked: list[pl.Series]):
    """``ranking_rows``' ``untouched`` over ``stored`` counts; the keys it is asked for
    go to ``asked``."""

    def untouched(keys: pl.Series) -> pl.DataFrame:
        asked.append(keys)
        return stored.filter(pl.col("stem_key").is_in(keys.implode()))

    return untouched


def frequencies(terms: pl.DataFrame, extra: dict[str, int] | None = None) -> pl.DataFrame:
    """Document frequencies of the papers' terms, plus ``extra`` papers per term."""
    keys = terms.select(pl.col("stems").list.eval(pl.element().struct.field("stem_key"))).explode(
        "stems"
    )["stems"]
    counted = keys.value_counts(name="df").rename({"stems": "stem_key"})
    if extra:
        more = pl.DataFrame(
            {"stem_key": stem_keys_of(pl.Series(list(extra))), "df": list(extra.values())}
        )
        counted = pl.concat([counted.cast({"df": pl.Int64}), more.cast({"df": pl.Int64})])
        counted = counted.group_by("stem_key").agg(pl.col("df").sum())
    return counted.cast(FREQUENCIES).sort("stem_key")


def test_ranking_is_tf_idf_with_longer_and_title_terms_favoured():
    terms = paper_terms(
        papers(("Graph Pooling", "graph pooling helps. pooling layers. pooling layers.")),
        STOPWORDS,
    )
    df = frequencies(terms, {"graph pooling": 1, "pooling": 3, "layer": 3, "pooling layer": 1})
    ranked = rank_phrases(terms, df, n_papers=20, candidates=NO_CANDIDATES)
    scores = dict(zip(ranked["keyword"], ranked["score"], strict=True))
    # graph pooling: tf 2, df 2, two words, in the title
    assert scores["graph pooling"] == round(2 * math.log(1 + 20 / 2) * 1.5 * 2, 6)
    # pooling layer: tf 2, df 2, two words
    assert scores["pooling layer"] == round(2 * math.log(1 + 20 / 2) * 1.5, 6)
    assert ranked["rank"].to_list() == list(range(1, ranked.height + 1))
    assert ranked["keyword"][0] == "graph pooling"
    assert set(ranked["surface"]) >= {"pooling layers"}  # as the paper spells it


def test_ranking_drops_common_terms_one_off_terms_and_the_papers_own_keywords():
    terms = paper_terms(papers(("X", "graph pooling. pooling. noisy labels. LLMs.")), STOPWORDS)
    candidates = pl.DataFrame(
        {"paper_id": ["p0"], "keyword": ["Labels"], "kind": ["title_name"], "expansion": [None]},
        schema=NO_CANDIDATES.schema,
    )
    # graph: in 5 of 20 papers (too common); noisy: seen once here and nowhere else
    df = frequencies(terms, {"graph": 4, "pooling": 2, "graph pooling": 1, "llm": 1})
    ranked = rank_phrases(terms, df, n_papers=20, candidates=candidates)
    kept = set(ranked["keyword"])
    assert "graph" not in kept  # df 5 >= 0.2 * 20
    assert "noisy" not in kept and "noisy label" not in kept  # tf = df = 1
    assert "label" not in kept  # the paper's own title name
    assert {"pooling", "graph pooling", "llm"} <= kept


def test_an_acronyms_uses_count_for_its_long_form():
    text = "large language models (LLMs) help. LLMs reason. LLMs plan."
    terms = paper_terms(papers(("X", text)), STOPWORDS)
    candidates = pl.DataFrame(
        {
            "paper_id": ["p0"],
            "keyword": ["LLMs"],
            "kind": ["acronym"],
            "expansion": ["large language models"],
        }
    )
    df = frequencies(terms, {"large language model": 1})
    ranked = rank_phrases(terms, df, n_papers=50, candidates=candidates)
    score = dict(zip(ranked["keyword"], ranked["score"], strict=True))
    # tf 1 + 3 uses of "LLMs" (whose own term is never ranked: it is the paper's acronym)
    assert score["large language model"] == round((1 + 3) * math.log(1 + 50 / 2) * 2, 6)
    assert "llm" not in score


def test_ties_go_to_the_alphabetically_first_and_ten_are_kept():
    abstract = ". ".join(f"topic{chr(97 + i)} topic{chr(97 + i)}" for i in range(12))
    terms = paper_terms(papers(("X", abstract)), STOPWORDS)
    ranked = rank_phrases(terms, frequencies(terms), n_papers=100, candidates=NO_CANDIDATES)
    assert ranked["keyword"].to_list() == [f"topic{chr(97 + i)}" for i in range(10)]


def test_a_tie_at_the_tenth_place_goes_to_the_alphabetically_first_of_any_length():
    # nine terms score 4 (tf 4), then a tie at the tenth place: "zeta" (tf 3, one word)
    # and "alpha beta" (tf 2, two words: 2 x 1.5). The paper lists its one-word terms
    # first, yet the tenth place goes to the alphabetically first
    high = [f"high{chr(97 + i)}" for i in range(9)]
    abstract = ". ".join([w for w in high for _ in range(4)] + ["zeta"] * 3 + ["alpha beta"] * 2)
    terms = paper_terms(papers(("X", abstract)), STOPWORDS)
    ranked = rank_phrases(terms, frequencies(terms), n_papers=100, candidates=NO_CANDIDATES)
    assert ranked["keyword"].to_list() == [*high, "alpha beta"]
    assert ranked["rank"].to_list() == list(range(1, 11))


def test_a_term_without_document_frequency_is_an_error():
    terms = paper_terms(papers(("Graph", "graph pooling")), STOPWORDS)
    with pytest.raises(ValueError, match="no document frequency"):
        rank_phrases(terms, frequencies(terms)[:1], n_papers=5, candidates=NO_CANDIDATES)


def test_ranking_a_few_papers_with_the_others_counts_equals_ranking_them_all(tmp_path):
    corpus = papers(
        ("Graph Pooling", "graph pooling layers. pooling layers help."),
        ("Graph Models", "graph models and pooling layers."),
        ("Noisy Labels", "noisy labels hurt graph models. noisy labels."),
        ("Label Noise", "label noise in graph pooling."),
    )
    at = datetime(2026, 1, 1)

    def rank(batches, untouched):
        rows = ranking_rows(
            iter(batches),
            STOPWORDS,
            n_papers=corpus.height,
            candidates=NO_CANDIDATES,
            untouched=untouched,
            spill_dir=tmp_path,
            ranked_at=at,
        )
        return pl.concat(list(rows))

    # four batches: both passes run on worker processes (two per worker, see workers.py)
    everything = rank([corpus[i : i + 1] for i in range(4)], no_frequencies)
    assert everything["paper_id"].to_list() == ["p0", "p1", "p2", "p3"]
    others = everything.filter(pl.col("paper_id") != "p2")
    stored = (
        others.select(pl.col("stem_keys").explode().alias("stem_key"))
        .group_by("stem_key")
        .agg(df=pl.len())
    )
    asked = []
    alone = rank([corpus[2:3]], lookup(stored, asked))
    assert alone.row(0) == everything.row(2)
    # the stored counts were asked for once, for the terms of the paper ranked only
    assert [sorted(keys) for keys in asked] == [sorted(everything["stem_keys"][2])]
    assert stored.height > len(asked[0])
    assert alone[0, "corpus_papers"] == 4 and alone[0, "ranked_at"] == at
    assert list(tmp_path.iterdir()) == []  # the spill files are gone


def test_the_two_passes_count_an_acronyms_uses_for_its_long_form(tmp_path):
    """The first pass spills only the stems of acronyms; the uses of "LLMs" must still
    count for "large language model", as ``rank_phrases`` counts them from all stems."""
    corpus = papers(
        ("X", "large language models (LLMs) help. LLMs reason. LLMs plan."),
        ("Y", "large language models. graph models (GMs) and GMs."),
        ("Z", "graph pooling. graph models."),
    )
    candidates = pl.DataFrame(
        {
            "paper_id": ["p0", "p1"],
            "keyword": ["LLMs", "GMs"],
            "kind": ["acronym", "acronym"],
            "expansion": ["large language models", "graph models"],
        }
    )
    rows = ranking_rows(
        iter([corpus[:2], corpus[2:]]),
        STOPWORDS,
        n_papers=20,  # the corpus these papers are in
        candidates=candidates,
        untouched=no_frequencies,
        spill_dir=tmp_path,
        ranked_at=datetime(2026, 1, 1),
    )
    ranked = pl.concat(list(rows)).explode("phrases").unnest("phrases").drop_nulls("keyword")
    terms = paper_terms(corpus, STOPWORDS)
    expected = rank_phrases(terms, frequencies(terms), n_papers=20, candidates=candidates)
    assert ranked.select(expected.columns).equals(expected)
    score = {(p, k): s for p, k, s in expected.select("paper_id", "keyword", "score").rows()}
    # p0: tf 1 + 3 uses of "LLMs"; df 2 ("large language model" is in p0 and p1)
    assert score["p0", "large language model"] == round((1 + 3) * math.log(1 + 20 / 2) * 2, 6)


def test_document_frequencies_are_looked_up_in_the_keys_own_order():
    frequencies = pl.DataFrame({"stem_key": [3, 8, 20, 41], "df": [1, 5, 2, 7]}, schema=FREQUENCIES)
    keys = pl.Series([41, 3, 20, 20, 8, 3], dtype=pl.UInt64)
    assert phrases._lookup(frequencies, keys).to_list() == [7, 1, 2, 2, 5, 1]
    with pytest.raises(ValueError, match="no document frequency"):
        phrases._lookup(frequencies, pl.Series([8, 9], dtype=pl.UInt64))
