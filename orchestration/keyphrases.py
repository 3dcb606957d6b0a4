"""The keyphrase ranking of one build: the Python side of the ``int_phrase_ranking`` model.

TF-IDF needs the document frequency of every term, over every paper, before it can rank
any paper. A build therefore makes two passes over the papers it ranks:

1. count each batch's terms (``paper_terms``), keep them in a spill file, and add the
   batch's terms to the document frequencies;
2. rank each batch with the finished frequencies (``rank_phrases``) and yield its rows.

The spill files are written and read past the page cache (``orchestration/spill.py``).
The papers a build does not rank keep their rows, and their terms still count: their
stored term keys come in as ``untouched`` frequencies, looked up for the terms of the
papers ranked now, the only ones ranking reads. Counting happens once per paper, and what
reaches DuckDB is one row per paper: its term keys and its top keyphrases.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import polars as pl

from orchestration.parsing.phrases import PHRASE, acronym_stem_keys, paper_terms, rank_phrases
from orchestration.spill import read_frame, write_frame
from orchestration.workers import map_batches

COLUMNS = {
    "paper_id": pl.String,
    "stem_keys": pl.List(pl.UInt64),
    "phrases": pl.List(pl.Struct(PHRASE)),
    "corpus_papers": pl.Int64,
    "ranked_at": pl.Datetime("us"),
    #: how many ``stem_keys``: what the kept document frequencies add up to is checked
    #: from these (``term_frequencies_kept``), not from 149M keys at 1M
    "n_keys": pl.Int32,
}
#: Document frequencies: papers (``df``) per term key.
FREQUENCIES = {"stem_key": pl.UInt64, "df": pl.Int64}
#: Partial document frequencies are merged once they hold this many rows.
MERGE_ROWS = 20_000_000


def ranking_rows(
    batches: Iterator[pl.DataFrame],
    stopwords: pl.Series,
    *,
    n_papers: int,
    candidates: pl.DataFrame,
    untouched: Callable[[pl.Series], pl.DataFrame],
    spill_dir: Path,
    ranked_at: datetime,
) -> Iterator[pl.DataFrame]:
    """One frame of rows (``COLUMNS``) per batch of papers to rank (``paper_id``,
    ``title``, ``abstract``). ``n_papers`` is the size of the corpus, ``candidates`` the
    acronyms and title names of the papers to rank. Both passes run on worker processes
    (``orchestration/workers.py``).

    ``untouched(keys)`` gives the document frequencies (``stem_key``, ``df``) of the
    papers not ranked in this build, for the term ``keys`` of the papers ranked now: the
    only terms ranking looks up. A one-dump refresh thus reads the stored counts of its
    papers' terms, not all of them (1.07M at 1M bench papers, whose load and merge took
    0.25 s, and more with a real vocabulary). It is called once, between the passes,
    before the first frame is made."""
    with tempfile.TemporaryDirectory(prefix="keyphrases-", dir=spill_dir) as spill:
        spill = Path(spill)
        acronym_keys = acronym_stem_keys(candidates)
        count_jobs = (
            _CountJob(spill, number, papers, stopwords, acronym_keys)
            for number, papers in enumerate(batches)
        )
        counted, counts = [], [pl.DataFrame(schema=FREQUENCIES)]
        for spilled, batch_counts in map_batches(_count, count_jobs):
            counted.append(spilled)
            counts = _add(counts, batch_counts)
        counted_now = _merged(counts)
        kept = untouched(counted_now["stem_key"]).select("stem_key", "df")
        frequencies = spill / "document_frequency.arrow"
        write_frame(_merged([kept, counted_now]) if kept.height else counted_now, frequencies)
        rank_jobs = (
            _RankJob(
                spilled.terms,
                frequencies,
                n_papers,
                candidates.join(spilled.paper_ids.to_frame(), on="paper_id", how="semi"),
            )
            for spilled in counted
        )
        for spilled, phrases in zip(counted, map_batches(_rank, rank_jobs), strict=True):
            yield _rows(read_frame(spilled.keys), phrases, n_papers, ranked_at)
            spilled.keys.unlink()


class _CountJob(NamedTuple):
    spill: Path
    number: int
    papers: pl.DataFrame
    stopwords: pl.Series
    #: the stem keys of the acronyms of the papers to rank
    acronym_keys: pl.Series


class _Spilled(NamedTuple):
    """A counted batch: its papers, their terms (for ranking) and their term keys (the
    rows' ``stem_keys``, in ascending order: the gate checks there are none twice by
    comparing neighbours), in spill files."""

    paper_ids: pl.Series
    terms: Path
    keys: Path


class _RankJob(NamedTuple):
    terms_path: Path
    frequencies_path: Path
    n_papers: int
    candidates: pl.DataFrame


def _count(job: _CountJob) -> tuple[_Spilled, pl.DataFrame]:
    """First pass, one batch: count its terms into spill files; the document frequencies
    it adds."""
    terms = paper_terms(job.papers, job.stopwords)
    spilled = _Spilled(
        terms["paper_id"],
        job.spill / f"terms-{job.number:05d}.arrow",
        job.spill / f"keys-{job.number:05d}.arrow",
    )
    stem_key = pl.element().struct.field("stem_key")
    keys = terms.select("paper_id", stem_keys=pl.col("stems").list.eval(stem_key).list.sort())
    write_frame(keys, spilled.keys)
    # the ranking reads a paper's stems only for the uses of its acronyms: the rest of them
    # (3M of a 20,000-paper batch, a third of its spill file) stay out of the spill
    slim = terms.with_columns(
        pl.col("stems").list.eval(pl.element().filter(stem_key.is_in(job.acronym_keys.implode())))
    )
    write_frame(slim, spilled.terms)
    return spilled, _document_frequencies(keys)


def _rank(job: _RankJob) -> pl.DataFrame:
    """Second pass, one batch: its papers' top phrases, one row per paper that has any."""
    terms = read_frame(job.terms_path)
    ranked = rank_phrases(terms, _frequencies(job.frequencies_path), job.n_papers, job.candidates)
    job.terms_path.unlink()
    return ranked.group_by("paper_id", maintain_order=True).agg(phrases=pl.struct(*PHRASE))


@lru_cache(maxsize=1)
def _frequencies(path: Path) -> pl.DataFrame:
    """The document frequencies of a build, read once per process."""
    return read_frame(path)


def _document_frequencies(keys: pl.DataFrame) -> pl.DataFrame:
    """Papers per term key (``stem_key``, ``df``): a paper lists each of its terms once."""
    return keys["stem_keys"].explode().drop_nulls().alias("stem_key").value_counts(name="df")


def _add(counts: list[pl.DataFrame], more: pl.DataFrame) -> list[pl.DataFrame]:
    counts = [*counts, more]
    if sum(frame.height for frame in counts) > MERGE_ROWS:
        counts = [_merged(counts)]
    return counts


def _merged(counts: list[pl.DataFrame]) -> pl.DataFrame:
    """Partial counts as one frame per key, sorted by key (ranking searches it)."""
    return (
        pl.concat([frame.cast(FREQUENCIES) for frame in counts])
        .group_by("stem_key")
        .agg(pl.col("df").sum())
        .sort("stem_key")
    )


def _rows(
    keys: pl.DataFrame, phrases: pl.DataFrame, n_papers: int, ranked_at: datetime
) -> pl.DataFrame:
    """A batch's rows: every paper's term keys and their number, its phrases (none for
    some), the corpus size and the time of the ranking."""
    return (
        keys.join(phrases, on="paper_id", how="left", maintain_order="left")
        .with_columns(
            pl.col("phrases").fill_null(pl.lit([], dtype=COLUMNS["phrases"])),
            corpus_papers=pl.lit(n_papers),
            ranked_at=pl.lit(ranked_at),
            n_keys=pl.col("stem_keys").list.len(),
        )
        .select(list(COLUMNS))
        .cast(COLUMNS)
    )
