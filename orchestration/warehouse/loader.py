"""Load dumps into the build database: one transaction per dump, nothing loaded twice.

Rules, per landed file ``name`` with hash ``h`` (statuses in ``ops.dump_files``):

- ``(name, h)`` already recorded as loaded, empty, duplicate or rejected: nothing to do.
- ``h`` already loaded under another name: ``duplicate`` of that name, nothing loaded.
- a file that is not a text dump (binary, not UTF-8): ``rejected``, with the reason.
- a file that vanished or changed between scan and read: ``unreadable``; it is retried
  by the next refresh.
- otherwise the dump is parsed and, in one transaction, every earlier version of
  ``name`` is removed from ``raw.records`` / ``ops.rejects`` and marked ``superseded``,
  and this version's records and line-level rejects are inserted: ``loaded``, or
  ``empty`` when the file holds no title/abstract pair (empty, chrome only, all lines
  rejected).

Values reach SQL only as parameters or Arrow tables, never spliced into the text.
"""

from __future__ import annotations

from pathlib import Path

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import polars as pl

from orchestration.faults import pause_point
from orchestration.parsing.dump_parser import DumpFormatError, ParsedDump, parse_dump
from orchestration.warehouse.landing import LandedFile

STATUS_LOADED = "loaded"
STATUS_EMPTY = "empty"
STATUS_DUPLICATE = "duplicate"
STATUS_SUPERSEDED = "superseded"
STATUS_REJECTED = "rejected"
STATUS_UNREADABLE = "unreadable"
#: Statuses after which the same (name, bytes) is never looked at again.
FINAL_STATUSES = (STATUS_LOADED, STATUS_EMPTY, STATUS_DUPLICATE, STATUS_REJECTED)


@dataclass(frozen=True)
class LoadOutcome:
    file_name: str
    sha256: str
    status: str
    records: int = 0
    rejects: int = 0
    reason: str | None = None
    skipped: bool = False


def _status_of(con: duckdb.DuckDBPyConnection, file: LandedFile) -> str | None:
    row = con.execute(
        "select status from ops.dump_files where file_name = ? and sha256 = ?",
        [file.name, file.sha256],
    ).fetchone()
    return row[0] if row else None


def pending_files(build_db: Path, files: list[LandedFile]) -> list[LandedFile]:
    """The landed files a refresh still has to look at: every file whose (name, hash) has
    no final status in the build database (all of them when it does not exist yet)."""
    if not build_db.exists():
        return list(files)
    try:
        con = duckdb.connect(str(build_db), read_only=True)
    except duckdb.IOException:
        # another refresh holds the build database: every file stays a candidate, and the
        # run itself is refused by the refresh lock (nothing is retried here)
        return list(files)
    try:
        done = set(
            con.execute(
                "select file_name, sha256 from ops.dump_files where list_contains(?, status)",
                [list(FINAL_STATUSES)],
            ).fetchall()
        )
    except duckdb.CatalogException:  # a build database without the ops schema yet
        return list(files)
    finally:
        con.close()
    return [f for f in files if (f.name, f.sha256) not in done]


def _loaded_under_other_name(con: duckdb.DuckDBPyConnection, file: LandedFile) -> str | None:
    row = con.execute(
        "select file_name from ops.dump_files"
        " where sha256 = ? and status = ? and file_name <> ? order by file_name limit 1",
        [file.sha256, STATUS_LOADED, file.name],
    ).fetchone()
    return row[0] if row else None


def _record_manifest(
    con: duckdb.DuckDBPyConnection,
    file: LandedFile,
    status: str,
    parsed: ParsedDump | None = None,
    reason: str | None = None,
    duplicate_of: str | None = None,
) -> None:
    counts = (
        [
            parsed.lines,
            parsed.blank_lines,
            parsed.chrome_lines,
            parsed.records.height,
            parsed.rejected_lines,
            parsed.listing_date,
        ]
        if parsed
        else [None] * 6
    )
    con.execute(
        "insert or replace into ops.dump_files (file_name, sha256, bytes, lines, blank_lines,"
        " chrome_lines, records, rejects, listing_date, status, reason, duplicate_of, loaded_at)"
        " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            file.name,
            file.sha256,
            file.bytes,
            *counts,
            status,
            reason,
            duplicate_of,
            datetime.now(UTC).replace(tzinfo=None),
        ],
    )


def _replace_rows(con: duckdb.DuckDBPyConnection, file: LandedFile, parsed: ParsedDump) -> None:
    """Swap every earlier version of this file name for this one (caller holds the txn)."""
    con.execute("delete from raw.records where file_name = ?", [file.name])
    con.execute("delete from ops.rejects where file_name = ?", [file.name])
    con.execute(
        "update ops.dump_files set status = ?"
        " where file_name = ? and sha256 <> ? and status in (?, ?)",
        [STATUS_SUPERSEDED, file.name, file.sha256, STATUS_LOADED, STATUS_EMPTY],
    )
    identity = [pl.lit(file.sha256).alias("dump_sha256"), pl.lit(file.name).alias("file_name")]
    for table, frame in (("raw.records", parsed.records), ("ops.rejects", parsed.rejects)):
        con.register("incoming", frame.select(*identity, pl.all()).to_arrow())
        try:
            con.execute(f"insert into {table} by name select * from incoming")
        finally:
            con.unregister("incoming")


def load_file(con: duckdb.DuckDBPyConnection, file: LandedFile) -> LoadOutcome:
    """Bring one landed file into the build database (see the module rules)."""
    status = _status_of(con, file)
    if status in FINAL_STATUSES:
        return LoadOutcome(file.name, file.sha256, status, skipped=True)

    original = _loaded_under_other_name(con, file)
    if original is not None:
        _record_manifest(con, file, STATUS_DUPLICATE, duplicate_of=original)
        return LoadOutcome(
            file.name, file.sha256, STATUS_DUPLICATE, reason=f"same bytes as {original}"
        )

    try:
        data = file.path.read_bytes()
    except FileNotFoundError:
        return _unreadable(con, file, "vanished: the file disappeared before it was read")
    if hashlib.sha256(data).hexdigest() != file.sha256:
        return _unreadable(con, file, "changed_while_reading: bytes differ from the scanned hash")
    try:
        parsed = parse_dump(data)
    except DumpFormatError as error:
        _record_manifest(con, file, STATUS_REJECTED, reason=f"{error.reason}: {error}")
        return LoadOutcome(file.name, file.sha256, STATUS_REJECTED, reason=str(error))

    status, reason = _parsed_status(parsed)
    con.execute("begin transaction")
    try:
        _replace_rows(con, file, parsed)
        _record_manifest(con, file, status, parsed=parsed, reason=reason)
        pause_point("ingest")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return LoadOutcome(
        file.name, file.sha256, status, parsed.records.height, parsed.rejected_lines, reason
    )


def _parsed_status(parsed: ParsedDump) -> tuple[str, str | None]:
    if parsed.records.height:
        return STATUS_LOADED, None
    if parsed.rejected_lines:
        return STATUS_EMPTY, f"no title/abstract pair; all {parsed.rejected_lines} content lines rejected"
    if parsed.chrome_lines:
        return STATUS_EMPTY, "no title/abstract pair: page chrome only"
    return STATUS_EMPTY, "no title/abstract pair: the file is empty"


def _unreadable(con: duckdb.DuckDBPyConnection, file: LandedFile, reason: str) -> LoadOutcome:
    """Record a file that could not be read as scanned; the next refresh tries again."""
    _record_manifest(con, file, STATUS_UNREADABLE, reason=f"{reason}; retried by the next refresh")
    return LoadOutcome(file.name, file.sha256, STATUS_UNREADABLE, reason=reason)
