"""Publish the validated marts as a fresh, read-only DuckDB file for BI tools.

The served path is never opened read-write: a new file is built beside it, checkpointed,
closed, made read-only for group and others, and atomically renamed onto the served
path. Readers that have the old file open keep their (unlinked) inode and see the new
data when they reconnect.

Every mart's rows are grouped by the hash of their key (``PATCH_KEYS``) into key
digests: the group's row count and the xor of its rows' hashes. The served file keeps
the digests it was published with (``ops.publish_digests``), so a publish hashes the
build's marts once and never the served copy's. The build keeps the digests of its
marts itself (``KEPT_DIGESTS``: each mart's post-hook recomputes the groups it rebuilt
or counted again, in its transaction), so a publish hashes none of them (a one-dump
refresh at 1M: 0.9 s -> 0.25 s with the per-paper marts' kept, of which hashing ``links``
and ``keywords`` was 0.14 to 0.17 s, now read as kept too); a mart whose kept counts do
not add up to its rows is hashed.

A refresh that changed nothing does not republish: the content fingerprint of the marts
and the manifest (row count and an order-independent hash per table, the marts' derived
from their key digests) plus the number of failed gate evaluations is stored in the
served file's ``ops.publish_info``, and an equal fingerprint leaves the served file
untouched (same inode, same mtime). So a gate failure since the last publish always
makes the next good refresh republish, carrying that history; the all-passing gate rows
of a no-op run reach BI users with the next publish.

A refresh that changed little patches a copy of the served file instead of writing every
mart again (a million papers' marts take 20 s to write): per mart, the key groups whose
digest differs from the served file's get the build's rows, and the copy is published
only if its fingerprint then equals the build's. Otherwise, and when a tenth of a mart's
key groups or more changed, the new file is written whole. The copy's fingerprint is read
from all its rows, unless the served file is untouched since this code published it (same
inode, size, mtime and ctime as recorded beside it then, in ``.<name>.published``): its
rows were checked then, so only the patched key groups' rows are read, group by group,
with each mart's row count (at 1M: 0.6 s -> 0.1 s).

The copy can be made ahead (``ServedCopy``), in a thread while the refresh builds: the
served file changes only when a refresh publishes, and one refresh at a time holds the
warehouse's lock. Copying a million papers' served file takes 0.9 s.

The papers' text is compressed with zstd instead of DuckDB's default (dictionary and
FSST), which takes three times as long for it (see ``ZSTD_MARTS``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.faults import pause_point
from orchestration.warehouse import build_db

MART_TABLES = ("papers", "paper_links", "links", "paper_keywords", "keywords")
#: The columns a mart is patched by: all the rows of a key (of a key hash, in fact) are
#: replaced together.
PATCH_KEYS = {
    "papers": ("paper_id",),
    "paper_links": ("paper_id",),
    "paper_keywords": ("paper_id",),
    "links": ("url",),
    "keywords": ("keyword", "kind"),
}
#: Marts of long text (titles, abstracts), compressed with zstd: a million papers take
#: 2.8 s and 190 MiB, against 9.3 s and 781 MiB with DuckDB's default; 300,000 abstracts
#: with their words shuffled (less repetitive than the bench's) 2.4 s and 155 MiB against
#: 3.3 s and 232 MiB. Short strings keep the default (``paper_keywords`` in zstd: 4.4 s
#: and 433 MiB against 3.9 s and 161 MiB).
ZSTD_MARTS = ("papers",)
#: A mart with this share of its key groups changed or more is written whole.
PATCH_MAX_SHARE = 0.1
OPS_TABLES = ("dump_files", "rejects", "gate_results")
#: What the fingerprint covers: everything BI users query except the gate history.
FINGERPRINTED = (*(f"marts.{t}" for t in MART_TABLES), "ops.dump_files", "ops.rejects")
#: Per mart and key hash: the rows' count and the xor of their hashes, as published.
DIGESTS = "ops.publish_digests"
#: The same digests of the per-paper marts as the build keeps them, each mart's post-hook
#: in its transaction (``dbt_project/macros/mart_digests.sql``): read, not hashed again.
KEPT_DIGESTS = "build.intermediate.int_mart_digests"
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
    #: the patched copy was made ahead, while the refresh built (``ServedCopy``)
    copied_ahead: bool = False
    #: the patched copy's rows were read only in the key groups patched (the served file
    #: was untouched since its publish), not all of them
    checked_patched_only: bool = False
    #: the marts whose key digests the build kept (``KEPT_DIGESTS``), taken, not hashed
    kept_digests: tuple[str, ...] = ()


def wal_path(served: Path) -> Path:
    return served.with_name(served.name + ".wal")


def _staging_path(served: Path) -> Path:
    """A new file beside ``served`` to build the next served file in (``_remove_stale_builds``
    clears those a killed process left)."""
    return served.with_name(f".{served.name}.{uuid.uuid4().hex}.tmp")


def _identity(path: Path) -> tuple[int, ...] | None:
    """What changes when the file is replaced or written to (the ctime also when its mtime
    is set back); None when it is missing."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


def published_record(served: Path) -> Path:
    """Where a publish records the identity of the file it published."""
    return served.with_name(f".{served.name}.published")


def record_published(served: Path) -> None:
    """Record the identity of the file just published. Best effort: the file is published
    either way, and without a record (or with another file's) the next publish reads every
    row of its copy."""
    record = published_record(served)
    staging = record.with_name(record.name + ".tmp")
    with contextlib.suppress(OSError):
        staging.write_text(json.dumps({"identity": _identity(served)}))
        os.replace(staging, record)


def _untouched_since_published(served: Path) -> bool:
    """The served file is the one a publish wrote and checked, unchanged since. (Unlike
    the landing scan's cache, no window for writes within one clock tick of the record:
    an edit would have to open the file read-write, write and close it within the few
    milliseconds after the rename, and its ``.wal`` stops a publish while it is open.)"""
    try:
        recorded = json.loads(published_record(served).read_text())["identity"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    identity = _identity(served)
    return identity is not None and list(identity) == recorded


class ServedCopy:
    """A copy of the served file, made in a background thread from construction on, for
    the next publish to patch. ``take`` hands it over only if the served file is still
    the one copied (``_identity``); ``discard`` removes it if not taken."""

    def __init__(self, served: Path) -> None:
        self.served = served
        self.path = _staging_path(served)
        self._source = _identity(served)
        self._error: OSError | None = None
        self._thread = threading.Thread(target=self._copy, name="served-copy", daemon=True)
        self._thread.start()

    def _copy(self) -> None:
        try:
            shutil.copyfile(self.served, self.path)
            # on disk now, not when the patch's first checkpoint syncs the file (0.2 s at 1M)
            _fsync(self.path)
        except OSError as error:  # gone or unreadable: publish copies it itself
            self._error = error

    def take(self) -> Path | None:
        """The finished copy, now the caller's, or None (the copy removed) when the copy
        failed or the served file changed since."""
        self._thread.join()
        if self._error is None and self._source == _identity(self.served) is not None:
            return self.path
        self.discard()
        return None

    def discard(self) -> None:
        self._thread.join()
        self.path.unlink(missing_ok=True)


@contextmanager
def served_copy_ahead(served: Path) -> Iterator[ServedCopy | None]:
    """A ``ServedCopy`` of ``served`` while in the block (None if there is no served file
    yet); removed at the end unless a publish took it. Hold the refresh lock around it."""
    if not served.exists():
        yield None
        return
    copy = ServedCopy(served)
    try:
        yield copy
    finally:
        copy.discard()


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def publish(
    build: Path, served: Path, run_id: str | None = None, copy: ServedCopy | None = None
) -> PublishResult:
    """Copy marts (schema ``main``) and ops tables (schema ``ops``) into a new served file,
    unless the served file already holds exactly this content. ``copy``: the served file
    copied ahead, patched instead of a copy made here when it is still current."""
    if wal_path(served).exists():
        raise PublishRefused(
            f"refusing to publish: {wal_path(served)} exists, so something opened the served "
            "file read-write. Close it, check the file, remove the .wal, and refresh again."
        )
    served.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_builds(served, keep=copy.path if copy else None)
    # one in-memory connection: the build attached read-only, its key digests as temp
    # tables, and the file being written attached as ``out``
    con = build_db.connect(Path(":memory:"))
    try:
        con.execute(f"attach {_sql_string(str(build))} as build (read_only)")
        kept = _digest_build(con)
        fingerprint = content_fingerprint(con, "build", "marts", from_digests=BUILD_DIGESTS)
        counts = {
            table: con.execute(f"select coalesce(sum(n), 0) from digests_{table}").fetchone()[0]
            for table in MART_TABLES
        }
        if served.exists() and served_fingerprint(served) == fingerprint:
            size = served.stat().st_size
            return PublishResult(served, counts, size, False, fingerprint, kept_digests=kept)

        copied = copy.take() if copy else None
        staging = copied or _staging_path(served)
        try:
            # a copy made ahead is of the served file as it is now (``take`` compared their
            # identities); a copy made in _patched_copy is checked again after copying
            trusted = _untouched_since_published(served)
            patched = served.exists() and _patched_copy(
                con, served, staging, fingerprint, run_id, copied is not None, trusted
            )
            if not patched:
                staging.unlink(missing_ok=True)
                wal_path(staging).unlink(missing_ok=True)
                _write_whole(con, staging, fingerprint, run_id)
            os.chmod(staging, SERVED_MODE)
            pause_point("publish")
            os.replace(staging, served)
            _fsync(served.parent)
            record_published(served)
        finally:
            staging.unlink(missing_ok=True)
            wal_path(staging).unlink(missing_ok=True)
    finally:
        con.close()
    return PublishResult(
        served,
        counts,
        served.stat().st_size,
        True,
        fingerprint,
        patched,
        copied_ahead=patched and copied is not None,
        checked_patched_only=patched and trusted,
        kept_digests=kept,
    )


#: A mart's key digests in temp tables (the build's, ``_digest_build``), and as a served
#: file keeps them (attached as ``out``)
BUILD_DIGESTS = "digests_{mart}"
OUT_DIGESTS = f"(from out.{DIGESTS} where mart = '{{mart}}')"


def content_fingerprint(
    con: duckdb.DuckDBPyConnection, db: str, marts: str, from_digests: str | None = None
) -> str:
    """Row count and order-independent row hash of every fingerprinted table of the
    attached database ``db`` (its marts in schema ``marts``: ``marts`` in the build,
    ``main`` in a served file), and the number of failed gate evaluations. With
    ``from_digests`` (``BUILD_DIGESTS`` or ``OUT_DIGESTS``) the marts' part is summed from
    their key digests (the xor of the groups' xors is the xor of all rows) instead of read
    from the rows."""
    parts = []
    for table in FINGERPRINTED:
        schema, name = table.split(".")
        if schema != "marts":
            query = f"select count(*), bit_xor(hash(t)) from {db}.{table} as t"
        elif from_digests:
            query = f"select sum(n), bit_xor(digest) from {from_digests.format(mart=name)}"
        else:
            query = f"select count(*), bit_xor(hash(t)) from {db}.{marts}.{name} as t"
        count, digest = con.execute(query).fetchone()
        parts.append(f"{table}:{count or 0}:{digest or 0}")
    failures = con.execute(f"select count(*) from {db}.ops.gate_results where not success")
    parts.append(f"gate_failures:{failures.fetchone()[0]}")
    return ";".join(parts)


def _key_hash(table: str) -> str:
    return "hash(" + ", ".join(f'"{column}"' for column in PATCH_KEYS[table]) + ")"


def _key_digests(table: str, rows: str, where: str = "true") -> str:
    """A query of the key digests of ``rows`` (a relation holding mart ``table``'s rows):
    key hash, row count and xor of row hashes per key group, of the rows ``where`` picks.
    The marts' hooks compute the same (``dbt_project/macros/mart_digests.sql``)."""
    return f"""
        select {_key_hash(table)} as key_hash, count(*) as n, bit_xor(hash(t)) as digest
        from {rows} as t
        where {where}
        group by key_hash
    """


def _digest_build(con: duckdb.DuckDBPyConnection) -> tuple[str, ...]:
    """Temp table ``digests_<mart>`` per mart: key hash, row count, xor of row hashes. For
    the marts whose digests the build keeps (``_kept_digests``) those, else hashed from
    the mart's rows. Returns the marts whose kept digests were taken."""
    kept = _kept_digests(con)
    for table in MART_TABLES:
        if table in kept:
            digests = f"select key_hash, n, digest from {KEPT_DIGESTS} where mart = '{table}'"
        else:
            digests = _key_digests(table, f"build.marts.{table}")
        con.execute(f"create or replace temp table digests_{table} as {digests}")
    return kept


def _kept_digests(con: duckdb.DuckDBPyConnection) -> tuple[str, ...]:
    """The marts whose key digests the build keeps in ``KEPT_DIGESTS`` and whose kept row
    counts add up to the mart's rows (a build made before them keeps none; a count that
    differs means rows changed behind the hooks: those marts are hashed)."""
    found = con.execute(
        "select count(*) from duckdb_tables()"
        " where database_name = ? and schema_name = ? and table_name = ?",
        KEPT_DIGESTS.split("."),
    ).fetchone()[0]
    if not found:
        return ()
    counted = dict(con.execute(f"select mart, sum(n) from {KEPT_DIGESTS} group by mart").fetchall())
    return tuple(
        mart
        for mart in MART_TABLES
        if mart in counted
        and counted[mart] == con.execute(f"select count(*) from build.marts.{mart}").fetchone()[0]
    )


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


def _patched_copy(
    con: duckdb.DuckDBPyConnection,
    served: Path,
    target: Path,
    fingerprint: str,
    run_id: str | None,
    copied: bool,
    trusted: bool,
) -> bool:
    """``target``: a copy of the served file (made here unless ``copied``) with every
    mart's changed key groups replaced by the build's rows and the ops tables replaced
    whole. False when the served file has no digests, when the marts changed too much (or
    differ in their columns) for a patch, or when the patched copy's fingerprint is not the
    build's: the caller then writes the file whole. The fingerprint is read from every row
    unless the served file is ``trusted`` (untouched since published): then from the
    copy's digests, with the patched groups' rows checked against them."""
    if not copied:
        shutil.copyfile(served, target)
        trusted = trusted and _untouched_since_published(served)
    try:
        with _attached_as_out(con, target):
            for table in MART_TABLES:
                if not _patch(con, table):
                    return False
            for table in OPS_TABLES:
                con.execute(f"create or replace table out.ops.{table} as from build.ops.{table}")
            _write_publish_info(con, fingerprint, run_id)
            if trusted:
                same = content_fingerprint(con, "out", "main", OUT_DIGESTS) == fingerprint
                same = same and all(_patched_rows_match(con, table) for table in MART_TABLES)
            else:
                same = content_fingerprint(con, "out", "main") == fingerprint
            if not same:
                return False
            con.execute("checkpoint out")
            return True
    except duckdb.Error:  # not a DuckDB file we can open, or a mart's columns changed
        return False


def _in_changed(table: str) -> str:
    """Row predicate: the row's key group is one ``_patch`` replaces in ``table``."""
    return f"{_key_hash(table)} in (from changed_{table})"


def _patch(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Replace the rows of ``out.main.table`` whose key group's digest differs from the
    build's (or exists on one side only), and those digests; False if too many changed."""
    con.execute(
        f"""
        create or replace temp table changed_{table} as
        select key_hash
        from digests_{table} as new
        full outer join (from out.{DIGESTS} where mart = '{table}') as old using (key_hash)
        where new.digest is distinct from old.digest or new.n is distinct from old.n
        """
    )
    changed, total = con.execute(
        f"select (select count(*) from changed_{table}), (select count(*) from digests_{table})"
    ).fetchone()
    if changed > PATCH_MAX_SHARE * max(total, 1):
        return False
    con.execute(f"delete from out.main.{table} where {_in_changed(table)}")
    # the build's rows picked by row id (one dump at 1M: 0.32 s -> 0.016 s for papers,
    # 0.12 s -> 0.04 s for paper_keywords)
    picked = build_db.rows_where(f"build.marts.{table}", _in_changed(table))
    with _compressed_as_wanted(con, table):
        con.execute(
            f"insert into out.main.{table} by name select * from build.marts.{table} where {picked}"
        )
    con.execute(
        f"delete from out.{DIGESTS} where mart = '{table}' and key_hash in (from changed_{table})"
    )
    con.execute(
        f"insert into out.{DIGESTS} select '{table}', * from digests_{table}"
        f" where key_hash in (from changed_{table})"
    )
    return True


def _patched_rows_match(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """The copy's ``table`` holds as many rows as the build's mart, and its rows in the key
    groups ``_patch`` replaced hash as the build's, group by group (a group the build no
    longer has must be gone)."""
    rows, built = con.execute(
        f"select (select count(*) from out.main.{table}),"
        f" (select coalesce(sum(n), 0) from digests_{table})"
    ).fetchone()
    if rows != built:
        return False
    picked = build_db.rows_where(f"out.main.{table}", _in_changed(table))
    differing = con.execute(
        f"""
        select count(*)
        from ({_key_digests(table, f"out.main.{table}", picked)}) as patched
        full outer join (
            from digests_{table} where key_hash in (from changed_{table})
        ) as built using (key_hash)
        where patched.n is distinct from built.n or patched.digest is distinct from built.digest
        """
    ).fetchone()[0]
    return differing == 0


def _write_publish_info(
    con: duckdb.DuckDBPyConnection, fingerprint: str, run_id: str | None
) -> None:
    con.execute(
        "create or replace table out.ops.publish_info as"
        " select ?::varchar as fingerprint, ?::varchar as run_id,"
        " now()::timestamp as published_at",
        [fingerprint, run_id],
    )


def _write_whole(
    con: duckdb.DuckDBPyConnection, target: Path, fingerprint: str, run_id: str | None
) -> None:
    with _attached_as_out(con, target):
        con.execute("create schema out.ops")
        for table in MART_TABLES:
            with _compressed_as_wanted(con, table):
                con.execute(f"create table out.main.{table} as from build.marts.{table}")
        for table in OPS_TABLES:
            con.execute(f"create table out.ops.{table} as from build.ops.{table}")
        con.execute(
            f"create table out.{DIGESTS} as "
            + " union all ".join(
                f"select '{table}' as mart, key_hash, n, digest from digests_{table}"
                for table in MART_TABLES
            )
        )
        _write_publish_info(con, fingerprint, run_id)
        con.execute("checkpoint out")


@contextmanager
def _compressed_as_wanted(con: duckdb.DuckDBPyConnection, table: str) -> Iterator[None]:
    """Rows written into ``out.main.<table>`` in the block are compressed as the mart
    wants: zstd for a mart of ``ZSTD_MARTS``, forced until a checkpoint at the end of the
    block (DuckDB compresses a large write as it goes, a small one at a checkpoint);
    DuckDB's own choice for the others."""
    if table not in ZSTD_MARTS:
        yield
        return
    con.execute("pragma force_compression = 'zstd'")
    try:
        yield
        con.execute("checkpoint out")
    finally:
        con.execute("reset force_compression")


@contextmanager
def _attached_as_out(con: duckdb.DuckDBPyConnection, target: Path) -> Iterator[None]:
    """``target`` attached read-write as ``out`` (created if missing) while in the block."""
    con.execute(f"attach {_sql_string(str(target))} as out")
    try:
        yield
    finally:
        con.execute("detach out")


def _remove_stale_builds(served: Path, keep: Path | None = None) -> None:
    """Temp files left by a publish that was killed before its rename (and the WAL of one),
    except ``keep``: this refresh's copy made ahead."""
    for stale in served.parent.glob(f".{served.name}.*.tmp*"):
        if stale != keep:
            stale.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    """Write what the file or folder at ``path`` has in the page cache to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
