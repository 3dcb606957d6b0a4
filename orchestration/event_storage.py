"""Dagster's SQLite event log, writing a batch of asset events in one transaction, and every
event on a kept connection.

A refresh of thousands of dump versions (one Dagster partition each) emits a "planned"
and a "materialization" event per partition and ingest asset: 12,600 events for 2,100
dumps. The stock ``SqliteEventLogStorage`` stores each on its own: it builds a new
SQLAlchemy engine and opens the run's database, then again the index database, and
upserts the asset's row, for every event. That is 12 to 16 ms an event on this machine,
about three minutes for 2,100 dumps.

Dagster already hands those events over in batches (``DAGSTER_EVENT_BATCH_SIZE``, which
``BATCH_SIZE_ENV`` names): the planned events of a run, and the materializations of a
step's partitions. This storage writes such a batch with one connection to each database:
every event row in one insert, the asset index rows in one insert, and the asset's own row
(last materialization, last run) once per asset and kind of event, from the batch's last
event of that kind, which is the row the stock storage leaves after its one-by-one
updates. Other events keep the stock path, in their order within the batch. What ends up
stored equals what the stock storage stores (``tests/integration/test_event_storage.py``).

Every event also pays for its connections. The stock storage builds a new SQLAlchemy
engine for each connection it opens (one to three per event, and one more per check
event to ask whether the asset-check table exists), and a new engine inspects the database
on its first connection: one more dump's refresh stored 350 events one by one in 4.6 s,
13 ms each, and its one batch in 1.8 s. This storage keeps one engine and one open
connection per database file (the index and the latest runs), each used by one thread at
a time under the storage's lock, and remembers the tables it has found: 0.9 s and 0.6 to
0.8 s. Each event is still its own committed transaction, which other processes (the UI)
see at once; the connections close with the instance.

A commit does not wait for the disk (SQLite's ``synchronous = NORMAL`` in its write-ahead
log mode, which Dagster's files use): the log is synced when SQLite folds it into the
file. A crash of the process loses nothing; a power cut may lose the last events, never
the file's consistency. A synced commit cost 0.2 ms alone, but waited behind the
refresh's other writes: about 0.3 s of a one-dump refresh at 1M, in a py-spy profile.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy
from dagster._core.events import ASSET_EVENTS
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.schema import SqlEventLogStorageTable
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SqliteEventLogStorage,
)
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy.engine import Connection, Engine

#: Dagster stores events in batches of up to this many when the variable is set.
BATCH_SIZE_ENV = "DAGSTER_EVENT_BATCH_SIZE"
BATCH_SIZE = 1000
#: Database files with a connection kept open at once: the index and the latest runs.
KEPT_DATABASES = 8


def _is_asset_event(event: EventLogEntry) -> bool:
    return bool(
        event.is_dagster_event
        and event.dagster_event_type in ASSET_EVENTS
        and event.get_dagster_event().asset_key
    )


def _runs_of(events: Sequence[EventLogEntry]) -> Iterator[tuple[bool, list[EventLogEntry]]]:
    """The events in order, as runs of consecutive asset events and of other events."""
    run: list[EventLogEntry] = []
    for event in events:
        if run and _is_asset_event(run[-1]) != _is_asset_event(event):
            yield _is_asset_event(run[0]), run
            run = []
        run.append(event)
    if run:
        yield _is_asset_event(run[0]), run


class BatchingSqliteEventLogStorage(SqliteEventLogStorage):
    """``SqliteEventLogStorage`` with a real ``store_event_batch`` and kept connections
    (see the module docs)."""

    def __init__(self, base_dir: str, inst_data: Any = None) -> None:
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._tables_seen: set[str] = set()
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(  # type: ignore[override]
        cls, inst_data: Any, config_value: Any
    ) -> BatchingSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        """The stock ``_connect`` (a transaction on the shard's file, created and migrated
        on first use) on the shard's kept connection."""
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn
            if shard != INDEX_SHARD_NAME:
                # the UI follows a running run by watching the run's file for changes; the
                # events now stay in its write-ahead log, beside it, until a checkpoint
                os.utime(self.path_for_shard(shard))

    def has_table(self, table_name: str) -> bool:
        """Whether the index database has the table; tables are never dropped, so a table
        once found is not looked for again."""
        if table_name not in self._tables_seen and super().has_table(table_name):
            self._tables_seen.add(table_name)
        return table_name in self._tables_seen

    def dispose(self) -> None:
        """Close the kept connections too (SQLite then folds and removes each ``-wal``)."""
        self._dispose_engines()
        super().dispose()

    def wipe(self) -> None:
        self._dispose_engines()  # the files are deleted: no connection may outlive them
        super().wipe()

    def _engine(self, shard: str) -> Engine:
        """The shard's engine: a pool of one connection, kept for the latest shards."""
        engines = self._engines
        if shard in engines:
            engines.move_to_end(shard)
        else:
            engine = create_engine(
                self.conn_string_for_shard(shard),
                pool_size=1,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            )
            sqlalchemy.event.listen(engine, "connect", _commit_without_sync)
            engines[shard] = engine
            while len(engines) > KEPT_DATABASES:
                engines.popitem(last=False)[1].dispose()
        return engines[shard]

    def _dispose_engines(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        for is_asset, run in _runs_of(events):
            if is_asset and len(run) > 1:
                self._store_asset_events(run)
            else:
                for event in run:
                    self.store_event(event)

    def _store_asset_events(self, events: list[EventLogEntry]) -> None:
        rows = [self._event_to_row(event) for event in events]
        for run_id in dict.fromkeys(event.run_id for event in events):
            with self.run_connection(run_id) as conn:
                conn.execute(
                    SqlEventLogStorageTable.insert(),
                    [row for row in rows if row["run_id"] == run_id],
                )
        insert = SqlEventLogStorageTable.insert().returning(
            SqlEventLogStorageTable.c.id, sort_by_parameter_order=True
        )
        with self.index_transaction() as conn:
            ids = [row[0] for row in conn.execute(insert, rows)]
            self._store_asset_event_tags(conn, events, ids)
            for position in _last_of_each_kind(events):
                self._store_asset_event(conn, events[position], ids[position])


def _commit_without_sync(connection: Any, _record: Any) -> None:
    """A new SQLite connection's commits leave syncing to the write-ahead log's checkpoints."""
    connection.execute("pragma synchronous = normal")


def _last_of_each_kind(events: list[EventLogEntry]) -> list[int]:
    """Positions, in order, of the last event of each asset and kind: a later event of the
    same asset and kind overwrites every column of the asset's row an earlier one sets."""
    last: dict[tuple, int] = {}
    for position, event in enumerate(events):
        dagster_event = event.get_dagster_event()
        kind = (
            dagster_event.is_step_materialization,
            dagster_event.is_asset_materialization_planned,
            dagster_event.is_asset_observation,
        )
        last[(dagster_event.asset_key, kind)] = position
    return sorted(last.values())
