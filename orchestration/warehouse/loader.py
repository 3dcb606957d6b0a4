"""Load dumps into the build database: one transaction per batch of dumps, nothing
loaded twice.

Rules, per landed file ``name`` with hash ``h`` (statuses in ``ops.dump_files``):

- ``(name, h)`` already recorded as loaded, empty, duplicate or rejected: nothing to do.
- ``h`` already loaded under another name: ``duplicate`` of that name, nothing loaded.
- a file that is not a text dump (binary, not UTF-8): ``rejected``, with the reason.
- a file that vanished or changed between scan and read: ``unreadable``; it is retried
  by the next refresh.
- otherwise the dump is parsed and, in its batch's transaction, every earlier version of
  ``name`` is removed from ``raw.records`` / ``ops.rejects`` and marked ``superseded``,
  and this version's records and line-level rejects are inserted: ``loaded``, or
  ``empty`` when the file holds no title/abstract pair (empty, chrome only, all lines
  rejected).

Values reach SQL only as parameters or Arrow tables, never spliced into the text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path

import duckdb
import polars as pl

from orchestration.faults import pause_point
from orchestration.parsing.dump_parser import (
    DumpFormatError,
    ParsedDump,
    decode_dump,
    parse_texts,
)
from orchestration.warehouse.landing import LandedFile
from orchestration.workers import map_batches

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


@dataclass(frozen=True)
class _Recorded:
    """What ``ops.dump_files`` says of the landed files before a load: the status of each
    (name, hash), and the names each hash is loaded under."""

    statuses: dict[tuple[str, str], str]
    loaded_names: dict[str, list[str]]

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection) -> _Recorded:
        rows = con.execute(
            "select file_name, sha256, status from ops.dump_files order by file_name"
        ).fetchall()
        loaded: dict[str, list[str]] = {}
        for name, sha256, status in rows:  # per recorded file, not per record
            if status == STATUS_LOADED:
                loaded.setdefault(sha256, []).append(name)
        return cls({(name, sha256): status for name, sha256, status in rows}, loaded)

    def loaded_under_other_name(self, file: LandedFile) -> str | None:
        return next((n for n in self.loaded_names.get(file.sha256, []) if n != file.name), None)


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


#: Dumps per write transaction: a commit costs about as much as loading a whole dump, so
#: a refresh of thousands of dumps commits once per batch, not once per dump.
BATCH_FILES = 100

#: The columns of a manifest row (``_Plan.manifest_row``); their types are the table's
#: (``build_db.DDL``), which DuckDB casts to on insert.
MANIFEST_COLUMNS = (
    "file_name", "sha256", "bytes", "lines", "blank_lines", "chrome_lines", "records",
    "rejects", "listing_date", "status", "reason", "duplicate_of", "loaded_at",
)  # fmt: skip


@dataclass(frozen=True)
class _Plan:
    """What loading one file will write: its manifest row, and its rows when parsed."""

    file: LandedFile
    status: str
    parsed: ParsedDump | None = None
    reason: str | None = None
    duplicate_of: str | None = None

    def manifest_row(self, loaded_at: datetime) -> tuple:
        parsed = self.parsed
        counts = (
            (
                parsed.lines,
                parsed.blank_lines,
                parsed.chrome_lines,
                parsed.records.height,
                parsed.rejected_lines,
                parsed.listing_date,
            )
            if parsed
            else (None,) * 6
        )
        file = self.file
        return (file.name, file.sha256, file.bytes, *counts, self.status, self.reason,
                self.duplicate_of, loaded_at)  # fmt: skip

    def outcome(self) -> LoadOutcome:
        parsed = self.parsed
        records = parsed.records.height if parsed else 0
        rejects = parsed.rejected_lines if parsed else 0
        return LoadOutcome(self.file.name, self.file.sha256, self.status, records, rejects,
                           self.reason)  # fmt: skip


def _parse_files(files: list[LandedFile]) -> _ParsedFiles:
    """Read and parse landed files, all their texts in one pass (no database: it runs on a
    worker process)."""
    read = [_read_text(file) for file in files]  # per file, not per record
    parsed = iter(parse_texts([text for text in read if isinstance(text, str)]))
    return _ParsedFiles(
        _parsed_plan(file, next(parsed)) if isinstance(text, str) else text
        for file, text in zip(files, read, strict=True)
    )


class _ParsedFiles(list[_Plan]):
    """The plans of one worker task. They cross to the calling process with one frame of
    records and one of rejects for all the dumps, cut back into each dump's frames there
    (slices, no copy): a frame each per dump took 3.4 ms a dump to read back, 7.4 s of
    the refresh process at 1M (loading the 2,101 dumps: 16.3-16.9 s -> 13.8-14.4 s)."""

    def __reduce__(self):
        parsed = [plan.parsed for plan in self if plan.parsed is not None]
        if not parsed:
            return list, (list(self),)
        records = pl.concat([dump.records for dump in parsed])
        rejects = pl.concat([dump.rejects for dump in parsed])
        heights = [(dump.records.height, dump.rejects.height) for dump in parsed]
        # the frames travel stacked; the plans go without them, for _unstacked to restore
        bare = [
            replace(plan, parsed=replace(plan.parsed, records=None, rejects=None))
            if plan.parsed is not None
            else plan
            for plan in self
        ]
        return _unstacked, (bare, records, rejects, heights)


def _unstacked(
    plans: list[_Plan], records: pl.DataFrame, rejects: pl.DataFrame, heights: list[tuple]
) -> list[_Plan]:
    """``_ParsedFiles.__reduce__`` undone: each parsed plan gets its dump's slices."""
    restored = []
    sizes = iter(heights)
    at_record = at_reject = 0
    for plan in plans:
        if plan.parsed is not None:
            n_records, n_rejects = next(sizes)
            dump = replace(
                plan.parsed,
                records=records.slice(at_record, n_records),
                rejects=rejects.slice(at_reject, n_rejects),
            )
            plan = replace(plan, parsed=dump)
            at_record += n_records
            at_reject += n_rejects
        restored.append(plan)
    return restored


def _read_text(file: LandedFile) -> str | _Plan:
    """The file's text, or the plan of a file that cannot be parsed."""
    try:
        data = file.path.read_bytes()
    except FileNotFoundError:
        return _unreadable(file, "vanished: the file disappeared before it was read")
    if hashlib.sha256(data).hexdigest() != file.sha256:
        return _unreadable(file, "changed_while_reading: bytes differ from the scanned hash")
    try:
        return decode_dump(data)
    except DumpFormatError as error:
        return _Plan(file, STATUS_REJECTED, reason=f"{error.reason}: {error}")


def _parsed_plan(file: LandedFile, parsed: ParsedDump) -> _Plan:
    status, reason = _parsed_status(parsed)
    return _Plan(file, status, parsed=parsed, reason=reason)


def _duplicate(file: LandedFile, original: str) -> _Plan:
    return _Plan(file, STATUS_DUPLICATE, reason=f"same bytes as {original}", duplicate_of=original)


def _unreadable(file: LandedFile, reason: str) -> _Plan:
    """A file that could not be read as scanned; the next refresh tries again."""
    return _Plan(file, STATUS_UNREADABLE, reason=f"{reason}; retried by the next refresh")


def _write(con: duckdb.DuckDBPyConnection, plans: list[_Plan]) -> None:
    """Every earlier version of each parsed file's name is removed and marked superseded,
    its records and rejects inserted; every file gets its manifest row. Caller holds the
    transaction."""
    parsed = [plan for plan in plans if plan.parsed is not None]
    if parsed:
        versions = pl.DataFrame(
            {"file_name": [p.file.name for p in parsed], "sha256": [p.file.sha256 for p in parsed]}
        )
        con.register("incoming_versions", versions.to_arrow())
        try:
            for table in ("raw.records", "ops.rejects"):
                con.execute(
                    f"delete from {table}"
                    " where file_name in (select file_name from incoming_versions)"
                )
            con.execute(
                "update ops.dump_files as d set status = ? from incoming_versions as v"
                " where d.file_name = v.file_name and d.sha256 <> v.sha256"
                " and d.status in (?, ?)",
                [STATUS_SUPERSEDED, STATUS_LOADED, STATUS_EMPTY],
            )
        finally:
            con.unregister("incoming_versions")
        files = [p.file for p in parsed]
        _insert(con, "raw.records", _stacked(files, [p.parsed.records for p in parsed]))
        _insert(con, "ops.rejects", _stacked(files, [p.parsed.rejects for p in parsed]))
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    manifest = pl.DataFrame(
        [plan.manifest_row(loaded_at) for plan in plans], schema=MANIFEST_COLUMNS, orient="row"
    )
    # one statement for the batch: executemany ran one per row, 0.4 s per 100 files
    _insert(con, "ops.dump_files", manifest, or_replace=True)


def _stacked(files: list[LandedFile], frames: list[pl.DataFrame]) -> pl.DataFrame:
    """The frames of ``files`` stacked, each row led by its file's ``dump_sha256`` and
    ``file_name`` (in one step: a select per file took 0.4 ms, 1.6 s at 2,100 dumps)."""
    identity = pl.DataFrame(
        {"dump_sha256": [f.sha256 for f in files], "file_name": [f.name for f in files]}
    )
    heights = pl.Series([frame.height for frame in frames], dtype=pl.UInt32)
    rows = identity.select(pl.all().repeat_by(heights)).explode(pl.all())
    return pl.concat([rows, pl.concat(frames, how="vertical_relaxed")], how="horizontal")


def _insert(
    con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, *, or_replace: bool = False
) -> None:
    """Insert the rows of ``frame`` into ``table`` by column name; with ``or_replace``, a
    row replaces the table's row of the same primary key."""
    if frame.height == 0:
        return
    # polars' own string layout (Arrow string views), which DuckDB reads as is: the
    # default converts every string, 0.1 s per 100 dumps
    con.register("incoming", frame.to_arrow(compat_level=pl.CompatLevel.newest()))
    try:
        verb = "insert or replace" if or_replace else "insert"
        con.execute(f"{verb} into {table} by name select * from incoming")
    finally:
        con.unregister("incoming")


#: Files a worker reads and parses per task, in one pass (``parse_texts``): 20 parse in
#: half the time they take one by one, and more gain little.
PARSE_FILES = 20


def load(
    con: duckdb.DuckDBPyConnection,
    files: list[LandedFile],
    *,
    batch_files: int = BATCH_FILES,
    workers: int | None = None,
) -> Iterator[list[LoadOutcome]]:
    """Bring landed files into the build database (see the module rules), yielding each
    write batch's outcomes, in file order. Files with a final status are skipped and
    files loaded under another name are duplicates, both from one read of the manifest;
    the others are read and parsed on worker processes (``orchestration/workers.py``)
    while earlier batches are written, one transaction per ``batch_files`` files."""
    recorded = _Recorded.read(con)

    def decided(file: LandedFile) -> LoadOutcome | _Plan | None:
        status = recorded.statuses.get((file.name, file.sha256))
        if status in FINAL_STATUSES:
            return LoadOutcome(file.name, file.sha256, status, skipped=True)
        original = recorded.loaded_under_other_name(file)
        return _duplicate(file, original) if original else None

    decisions = [(file, decided(file)) for file in files]
    to_parse = [file for file, decision in decisions if decision is None]
    chunks = (to_parse[i : i + PARSE_FILES] for i in range(0, len(to_parse), PARSE_FILES))
    parsed = chain.from_iterable(map_batches(_parse_files, chunks, workers=workers))
    loaded_now: dict[str, str] = {}  # hash -> name, for the files loaded by this call
    for start in range(0, len(decisions), batch_files):
        outcomes: list[LoadOutcome | _Plan] = []
        for file, decision in decisions[start : start + batch_files]:
            plan = next(parsed) if decision is None else decision
            if isinstance(plan, _Plan) and plan.status == STATUS_LOADED:
                original = loaded_now.setdefault(file.sha256, file.name)
                if original != file.name:
                    plan = _duplicate(file, original)
            outcomes.append(plan)
        plans = [plan for plan in outcomes if isinstance(plan, _Plan)]
        if plans:
            con.execute("begin transaction")
            try:
                _write(con, plans)
                pause_point("ingest")
                con.execute("commit")
            except BaseException:
                con.execute("rollback")
                raise
        yield [o.outcome() if isinstance(o, _Plan) else o for o in outcomes]


def load_batch(con: duckdb.DuckDBPyConnection, files: list[LandedFile]) -> list[LoadOutcome]:
    """``load`` of ``files`` in one transaction, parsed in this process."""
    return [
        o for batch in load(con, files, batch_files=max(len(files), 1), workers=1) for o in batch
    ]


def load_file(con: duckdb.DuckDBPyConnection, file: LandedFile) -> LoadOutcome:
    """Bring one landed file into the build database (see the module rules)."""
    return load_batch(con, [file])[0]


def _parsed_status(parsed: ParsedDump) -> tuple[str, str | None]:
    if parsed.records.height:
        return STATUS_LOADED, None
    if parsed.rejected_lines:
        return (
            STATUS_EMPTY,
            f"no title/abstract pair; all {parsed.rejected_lines} content lines rejected",
        )
    if parsed.chrome_lines:
        return STATUS_EMPTY, "no title/abstract pair: page chrome only"
    return STATUS_EMPTY, "no title/abstract pair: the file is empty"
