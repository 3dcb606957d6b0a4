"""Publish the validated marts as a fresh, read-only DuckDB file for BI tools.

The served path is never opened read-write: a new file is built beside it, checkpointed,
closed, made read-only for group and others, and atomically renamed onto the served
path. Readers that have the old file open keep their (unlinked) inode and see the new
data when they reconnect.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

MART_TABLES = ("papers", "paper_links", "links", "paper_keywords", "keywords")
OPS_TABLES = ("dump_files", "rejects", "gate_results")
SERVED_MODE = 0o644


class PublishRefused(RuntimeError):
    """Publishing would be unsafe; the served file was left untouched."""


@dataclass(frozen=True)
class PublishResult:
    path: Path
    row_counts: dict[str, int]
    bytes: int


def wal_path(served: Path) -> Path:
    return served.with_name(served.name + ".wal")


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def publish(build_db: Path, served: Path) -> PublishResult:
    """Copy marts (schema ``main``) and ops tables (schema ``ops``) into a new served file."""
    if wal_path(served).exists():
        raise PublishRefused(
            f"refusing to publish: {wal_path(served)} exists, so something opened the served "
            "file read-write. Close it, check the file, remove the .wal, and refresh again."
        )
    served.parent.mkdir(parents=True, exist_ok=True)
    staging = served.with_name(f".{served.name}.{uuid.uuid4().hex}.tmp")
    try:
        counts = _build_served_file(build_db, staging)
        os.chmod(staging, SERVED_MODE)
        os.replace(staging, served)
        _fsync_dir(served.parent)
    finally:
        staging.unlink(missing_ok=True)
        wal_path(staging).unlink(missing_ok=True)
    return PublishResult(path=served, row_counts=counts, bytes=served.stat().st_size)


def _build_served_file(build_db: Path, target: Path) -> dict[str, int]:
    con = duckdb.connect(str(target))
    try:
        con.execute(f"attach {_sql_string(str(build_db))} as build (read_only)")
        con.execute("create schema ops")
        for table in MART_TABLES:
            con.execute(f"create table main.{table} as select * from build.marts.{table}")
        for table in OPS_TABLES:
            con.execute(f"create table ops.{table} as select * from build.ops.{table}")
        counts = {
            table: con.execute(f"select count(*) from main.{table}").fetchone()[0]
            for table in MART_TABLES
        }
        con.execute("detach build")
        con.execute("checkpoint")
    finally:
        con.close()
    return counts


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
