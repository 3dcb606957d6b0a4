"""The read-write build database: connection settings and the tables paperhouse owns.

dbt builds its models into the same file (schemas ``staging``, ``intermediate``,
``marts``). Only one process may hold it open at a time: Dagster's ``duckdb_writer``
pool and the refresh lock see to that.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

#: DuckDB gets explicit limits: the machine is shared with Dagster, dbt and the model workers.
MEMORY_LIMIT = os.environ.get("PAPERHOUSE_DUCKDB_MEMORY_LIMIT", "4GB")
THREADS = int(os.environ.get("PAPERHOUSE_DUCKDB_THREADS", "2"))

DDL = """
create schema if not exists raw;
create schema if not exists ops;

create table if not exists raw.records (
    dump_sha256   varchar not null,
    file_name     varchar not null,
    line_number   bigint  not null,
    title         varchar not null,
    abstract      varchar not null,
    title_key     varchar not null,
    listing_date  varchar
);

create table if not exists ops.dump_files (
    file_name     varchar not null,
    sha256        varchar not null,
    bytes         bigint  not null,
    lines         bigint,
    blank_lines   bigint,
    chrome_lines  bigint,
    records       bigint,
    rejects       bigint,
    listing_date  varchar,
    status        varchar not null,
    reason        varchar,
    duplicate_of  varchar,
    loaded_at     timestamp not null,
    primary key (file_name, sha256)
);

create table if not exists ops.rejects (
    dump_sha256   varchar not null,
    file_name     varchar not null,
    line_number   bigint  not null,
    raw_line      varchar not null,
    reason        varchar not null
);

create table if not exists ops.gate_results (
    run_id         varchar,
    gate           varchar   not null,
    table_name     varchar   not null,
    success        boolean   not null,
    expectations   integer   not null,
    failed         integer   not null,
    raised         integer   not null,
    rows_validated bigint    not null,
    summary        varchar   not null,
    evaluated_at   timestamp not null
);
"""


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the build database with paperhouse's memory and thread limits."""
    config = {"memory_limit": MEMORY_LIMIT, "threads": THREADS}
    return duckdb.connect(str(path), read_only=read_only, config=config)


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


def rows_where(table: str, condition: str) -> str:
    """Row predicate on ``table``: ``condition`` holds for the row, decided by row id.

    The row ids are found reading only the columns ``condition`` reads, and the rows are
    then read at those ids. A condition on a scattered key (``paper_id`` is a hash) skips
    no part of the table, so filtering the rows themselves read every column the query
    needs for every row: every abstract of a million papers to keep the 500 of a new dump.
    An incremental build writes its rows together at the table's end, where the ids lead.
    At 1M, one dump: a Python model's papers 0.42-0.59 s -> 0.02-0.03 s, publish's copy of
    ``papers`` 0.32 -> 0.016 s, ``gx_int_papers``' slice 1.7-2.5 s -> 0.2 s uncached. dbt's
    SQL has the same predicate as the ``rows_where`` macro
    (``dbt_project/macros/incremental_papers.sql``). ``table`` must be a table (a view
    has no ``rowid``)."""
    return f"rowid in (select rowid from {table} where {condition})"
