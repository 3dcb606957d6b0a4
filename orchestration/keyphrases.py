"""The keyphrase ranking of one build: the Python side of the ``int_phrase_ranking`` model.

TF-IDF needs the document frequency of every term, over every paper, before it can rank
any paper. A build therefore makes two passes over the papers it ranks:

1. count each batch's terms (``paper_terms``), keep them in a spill file, and add the
   batch's terms to the document frequencies;
2. rank each batch with the finished frequencies (``rank_phrases``) and yield its rows.

The papers a build does not rank keep their rows, and their terms still count: their
stored term keys come in as ``untouched`` frequencies. Counting happens once per paper,
and what reaches DuckDB is one row per paper: its term keys and its top keyphrases.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import polars as pl

from orchestration.parsing.phrases import PHRASE, paper_terms, rank_phrases

COLUMNS = {
    "paper_id": pl.String,
    "stem_keys": pl.List(pl.UInt64),
    "phrases": pl.List(pl.Struct(PHRASE)),
    "corpus_papers": pl.Int64,
    "ranked_at": pl.Datetime("us"),
}
#: Partial document frequencies are merged once they hold this many rows.
MERGE_ROWS = 20_000_000


def ranking_rows(
    batches: Iterator[pl.DataFrame],
    stopwords: pl.Series,
    *,
    n_papers: int,
    candidates: pl.DataFrame,
    untouched: pl.DataFrame,
    spill_dir: Path,
    ranked_at: datetime,
) -> Iterator[pl.DataFrame]:
    """One frame of rows (``COLUMNS``) per batch of papers to rank (``paper_id``,
    ``title``, ``abstract``). ``n_papers`` is the size of the corpus, ``candidates`` the
    acronyms and title names of the papers to rank, ``untouched`` the document
    frequencies (``stem_key``, ``df``) of the papers not ranked in this build."""
    with tempfile.TemporaryDirectory(prefix="keyphrases-", dir=spill_dir) as spill:
        spilled, counts = [], [untouched.select("stem_key", "df")]
        for number, papers in enumerate(batches):
            terms = paper_terms(papers, stopwords)
            counts = _add(counts, _stem_keys(terms).value_counts(name="df"))
            path = Path(spill) / f"batch-{number:05d}.arrow"
            terms.write_ipc(path)
            spilled.append(path)
        document_frequency = _merged(counts)
        for path in spilled:
            terms = pl.read_ipc(path)
            path.unlink()
            ranked = rank_phrases(
                terms,
                document_frequency,
                n_papers,
                candidates.join(terms.select("paper_id"), on="paper_id", how="semi"),
            )
            yield _rows(terms, ranked, n_papers, ranked_at)


def _stem_keys(terms: pl.DataFrame) -> pl.Series:
    """Every (paper, term) of the frame as the term's key: one count each."""
    return (
        terms.select(
            pl.col("stems").list.eval(pl.element().struct.field("stem_key")).explode().drop_nulls()
        )
        .to_series()
        .alias("stem_key")
    )


def _add(counts: list[pl.DataFrame], more: pl.DataFrame) -> list[pl.DataFrame]:
    counts = [*counts, more]
    if sum(frame.height for frame in counts) > MERGE_ROWS:
        counts = [_merged(counts)]
    return counts


def _merged(counts: list[pl.DataFrame]) -> pl.DataFrame:
    """Partial counts as one frame per key, sorted by key (ranking searches it)."""
    return (
        pl.concat([frame.cast({"stem_key": pl.UInt64, "df": pl.Int64}) for frame in counts])
        .group_by("stem_key")
        .agg(pl.col("df").sum())
        .sort("stem_key")
    )


def _rows(
    terms: pl.DataFrame, ranked: pl.DataFrame, n_papers: int, ranked_at: datetime
) -> pl.DataFrame:
    phrases = ranked.group_by("paper_id", maintain_order=True).agg(phrases=pl.struct(*PHRASE))
    return (
        terms.select(
            "paper_id",
            stem_keys=pl.col("stems").list.eval(pl.element().struct.field("stem_key")),
        )
        .join(phrases, on="paper_id", how="left", maintain_order="left")
        .with_columns(
            pl.col("phrases").fill_null(pl.lit([], dtype=COLUMNS["phrases"])),
            corpus_papers=pl.lit(n_papers),
            ranked_at=pl.lit(ranked_at),
        )
        .cast(COLUMNS)
    )
