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
