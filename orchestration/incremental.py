"""The Python side of the per-paper incremental models (the SQL side is the
``papers_to_build`` macro): which papers a dbt Python model must (re)build this run."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import polars as pl
import pyarrow as pa

from orchestration.warehouse.build_db import rows_where

#: Papers a Python model hands to a worker at once: a million abstracts are 1.3 GB of
#: text, so a full build streams them in batches; two batches per worker are in flight.
BATCH_PAPERS = 25_000


def papers_to_build(
    papers: Any, changes: Any, *columns: str, batch_papers: int = BATCH_PAPERS
) -> Iterator[pl.DataFrame]:
    """``columns`` of int_papers (``papers``, a DuckDB relation) for the papers
    int_paper_changes (``changes``) lists as added or changed, in batches of at most
    ``batch_papers`` rows: every paper on a full build, only those of the new dumps on
    an incremental one. At least one batch, so an empty build keeps its columns."""
    rebuilt = changes.filter("change <> 'removed'")
    return papers_in(papers, rebuilt, *columns, batch_papers=batch_papers)


def papers_in(
    papers: Any, ids: Any, *columns: str, batch_papers: int = BATCH_PAPERS
) -> Iterator[pl.DataFrame]:
    """``columns`` of ``papers`` (a ref of a dbt Python model: a table) for the papers
    whose ``paper_id`` the relation ``ids`` holds, in batches of at most ``batch_papers``
    rows; at least one batch.

    The papers are picked by row id (``build_db.rows_where``): a join on the scattered
    key read every abstract of the table, 0.42 to 0.59 s for the 500 papers of a one-dump
    refresh at 1M, not 0.02 to 0.03 s. A full build reads every row in as long (0.95 to
    1.06 s against 0.99 to 1.26 s for a million papers)."""
    table = ref_table(papers)
    picked = rows_where(table, "paper_id in (select paper_id from paper_ids)")
    query = f"select {', '.join(columns)} from {table} where {picked}"
    reader = ids.query("paper_ids", query).to_arrow_reader(batch_papers)
    yielded = False
    for batch in reader:
        if batch.num_rows:
            yielded = True
            yield pl.from_arrow(batch)
    if not yielded:
        yield pl.from_arrow(reader.schema.empty_table())


#: How dbt-duckdb hands a Python model a ref: a query of the whole table.
_REF_QUERY = re.compile(r"select \* from (\S+)", re.IGNORECASE)


def ref_table(relation: Any) -> str:
    """The table a ref of a dbt Python model reads (dbt-duckdb loads a ref as
    ``select * from <table>``), for SQL that needs the table itself (its ``rowid``)."""
    query = relation.sql_query().strip()
    match = _REF_QUERY.fullmatch(query)
    if match is None:
        raise ValueError(f"expected a dbt ref (select * from <table>), got: {query[:200]}")
    return match.group(1)


def arrow_stream(frames: Iterator[pl.DataFrame]) -> pa.RecordBatchReader:
    """``frames`` (at least one, all of the first one's schema) as one Arrow stream, for a
    Python model whose rows do not fit in memory at once: DuckDB pulls each frame as it
    writes the table. The first frame is made now, so its query runs before DuckDB's.
    Strings stay Arrow string views, polars' own layout, which DuckDB reads as is: the
    oldest layout copied each string (a 20,000-row frame of ``int_phrase_ranking`` at
    1M: 0.108 s to convert and write, against 0.084 s)."""
    frames = iter(frames)
    first = next(frames).to_arrow(compat_level=pl.CompatLevel.newest())

    def batches() -> Iterator[pa.RecordBatch]:
        yield from first.to_batches()
        for frame in frames:
            table = frame.to_arrow(compat_level=pl.CompatLevel.newest())
            yield from table.cast(first.schema).to_batches()

    return pa.RecordBatchReader.from_batches(first.schema, batches())
