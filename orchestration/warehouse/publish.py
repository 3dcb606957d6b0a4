"""Publish the validated marts as a fresh, read-only DuckDB file for BI tools.

The served path is never opened read-write: a new file is built beside it, checkpointed,
closed, made read-only for group and others, and atomically renamed onto the served
path. Readers that have the old file open keep their (unlinked) inode and see the new
data when they reconnect.

A refresh that changed nothing does not republish: the content fingerprint of the marts
and the manifest (row count and an order-independent hash per table) plus the number of
failed gate evaluations is stored in the served file's ``ops.publish_info``, and an equal
fingerprint leaves the served file untouched (same inode, same mtime). So a gate failure
since the last publish always makes the next good refresh republish, carrying that
history; the all-passing gate rows of a no-op run reach BI users with the next publish.

A refresh that changed little patches a copy of the served file instead of writing every
mart again (a million papers' marts take 20 s to write): per mart, the keys whose rows
differ between the build and the served copy (a hash of each key's rows on either side)
get the build's rows, and the copy is published only if its fingerprint then equals the
build's. Otherwise, and when a tenth of a mart's keys or more changed, the new file is
written whole.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.faults import pause_point

MART_TABLES = ("papers", "paper_links", "links", "paper_keywords", "keywords")
#: The columns a mart is patched by: all the rows of a key are replaced together.
PATCH_KEYS = {
    "papers": ("paper_id",),
    "paper_links": ("paper_id",),
    "paper_keywords": ("paper_id",),
    "links": ("url",),
    "keywords": ("keyword", "kind"),
}
#: A mart with this share of its keys changed or more is written whole.
PATCH_MAX_SHARE = 0.1
OPS_TABLES = ("dump_files", "rejects", "gate_results")
#: What the fingerprint covers: everything BI users query except the gate history.
FINGERPRINTED = tuple(f"marts.{t}" for t in MART_TABLES) + ("ops.dump_files", "ops.rejects")
SERVED_MODE = 0o644


class PublishRefused(RuntimeError):
    """Publishing would be unsafe; the served file was left untouched."""


@dataclass(frozen=True)
class PublishResult:
    path: Path
    row_counts: dict[str, int]
    bytes: int
    republished: bool
    fingerprint: str
    #: the previous served file was copied and patched (else written whole)
    patched: bool = False


def wal_path(served: Path) -> Path:
    return served.with_name(served.name + ".wal")


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def publish(build_db: Path, served: Path, run_id: str | None = None) -> PublishResult:
    """Copy marts (schema ``main``) and ops tables (schema ``ops``) into a new served file,
    unless the served file already holds exactly this content."""
    if wal_path(served).exists():
        raise PublishRefused(
            f"refusing to publish: {wal_path(served)} exists, so something opened the served "
            "file read-write. Close it, check the file, remove the .wal, and refresh again."
        )
    served.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_builds(served)
    build = duckdb.connect(str(build_db), read_only=True)
    try:
        fingerprint = content_fingerprint(build)
        counts = _row_counts(build, "marts")
    finally:
        build.close()
    if served.exists() and served_fingerprint(served) == fingerprint:
        return PublishResult(served, counts, served.stat().st_size, False, fingerprint)

    staging = served.with_name(f".{served.name}.{uuid.uuid4().hex}.tmp")
    try:
        patched = served.exists() and _patched_copy(build_db, served, staging, fingerprint, run_id)
        if not patched:
            staging.unlink(missing_ok=True)
            wal_path(staging).unlink(missing_ok=True)
            _build_served_file(build_db, staging, fingerprint, run_id)
        os.chmod(staging, SERVED_MODE)
        pause_point("publish")
        os.replace(staging, served)
        _fsync_dir(served.parent)
    finally:
        staging.unlink(missing_ok=True)
        wal_path(staging).unlink(missing_ok=True)
    return PublishResult(served, counts, served.stat().st_size, True, fingerprint, patched)


def content_fingerprint(con: duckdb.DuckDBPyConnection, marts: str = "marts") -> str:
    """Row count and order-independent row hash of every fingerprinted table; the marts
    are read from schema ``marts`` (``main`` in a served file)."""
    parts = []
    for table in FINGERPRINTED:
        source = table.replace("marts.", f"{marts}.", 1)
        count, digest = con.execute(
            f"select count(*), coalesce(bit_xor(hash(t)), 0) from {source} as t"
        ).fetchone()
        parts.append(f"{table}:{count}:{digest}")
    failures = con.execute("select count(*) from ops.gate_results where not success").fetchone()[0]
    parts.append(f"gate_failures:{failures}")
    return ";".join(parts)


def served_fingerprint(served: Path) -> str | None:
    """The fingerprint recorded in a served file, or None for an older or foreign file."""
    con = duckdb.connect(str(served), read_only=True)
    try:
        row = con.execute("select fingerprint from ops.publish_info").fetchone()
    except duckdb.Error:
        return None
    finally:
        con.close()
    return row[0] if row else None


def _row_counts(con: duckdb.DuckDBPyConnection, schema: str) -> dict[str, int]:
    return {
        table: con.execute(f"select count(*) from {schema}.{table}").fetchone()[0]
        for table in MART_TABLES
    }


def _patched_copy(
    build_db: Path, served: Path, target: Path, fingerprint: str, run_id: str | None
) -> bool:
    """``target``: a copy of the served file with every mart's changed keys replaced by
    the build's rows and the ops tables replaced whole. False when the marts changed too
    much (or differ in their columns) for a patch, or when the patched copy's fingerprint
    is not the build's: the caller then writes the file whole."""
    shutil.copyfile(served, target)
    try:
        con = duckdb.connect(str(target))
    except duckdb.Error:  # not a DuckDB file we can open: write the file whole
        return False
    try:
        con.execute(f"attach {_sql_string(str(build_db))} as build (read_only)")
        for table in MART_TABLES:
            if not _patch(con, table, PATCH_KEYS[table]):
                return False
        for table in OPS_TABLES:
            con.execute(f"create or replace table ops.{table} as select * from build.ops.{table}")
        _write_publish_info(con, fingerprint, run_id)
        if content_fingerprint(con, marts="main") != fingerprint:
            return False
        con.execute("detach build")
        con.execute("checkpoint")
        return True
    except duckdb.Error:
        return False
    finally:
        con.close()


def _patch(con: duckdb.DuckDBPyConnection, table: str, keys: tuple[str, ...]) -> bool:
    """Replace the rows of ``main.table`` whose keys' rows differ in ``build.marts.table``
    (or exist on one side only); False if too many keys changed for a patch."""
    key = ", ".join(f'"{column}"' for column in keys)
    rows = "select {key}, count(*) as n, bit_xor(hash(t)) as digest from {source} as t group by all"
    con.execute(
        f"""
        create or replace temp table changed as
        select {key}
        from ({rows.format(key=key, source=f"build.marts.{table}")}) as new
        full outer join ({rows.format(key=key, source=f"main.{table}")}) as old using ({key})
        where new.digest is distinct from old.digest or new.n is distinct from old.n
        """
    )
    changed, total = con.execute(
        f"select (select count(*) from changed), (select count(*) from main.{table})"
    ).fetchone()
    if changed > PATCH_MAX_SHARE * max(total, 1):
        return False
    con.execute(f"delete from main.{table} where ({key}) in (select ({key}) from changed)")
    con.execute(
        f"insert into main.{table} by name select * from build.marts.{table}"
        f" where ({key}) in (select ({key}) from changed)"
    )
    return True


def _write_publish_info(
    con: duckdb.DuckDBPyConnection, fingerprint: str, run_id: str | None
) -> None:
    con.execute(
        "create or replace table ops.publish_info as"
        " select ?::varchar as fingerprint, ?::varchar as run_id,"
        " now()::timestamp as published_at",
        [fingerprint, run_id],
    )


def _build_served_file(build_db: Path, target: Path, fingerprint: str, run_id: str | None) -> None:
    con = duckdb.connect(str(target))
    try:
        con.execute(f"attach {_sql_string(str(build_db))} as build (read_only)")
        con.execute("create schema ops")
        for table in MART_TABLES:
            con.execute(f"create table main.{table} as select * from build.marts.{table}")
        for table in OPS_TABLES:
            con.execute(f"create table ops.{table} as select * from build.ops.{table}")
        _write_publish_info(con, fingerprint, run_id)
        con.execute("detach build")
        con.execute("checkpoint")
    finally:
        con.close()


def _remove_stale_builds(served: Path) -> None:
    """Temp files left by a publish that was killed before its rename."""
    for stale in served.parent.glob(f".{served.name}.*.tmp*"):
        stale.unlink(missing_ok=True)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
