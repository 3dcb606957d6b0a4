"""Dagster's SQLite event log, writing a batch of asset events in one transaction.

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
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from dagster._core.events import ASSET_EVENTS
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.schema import SqlEventLogStorageTable
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

#: Dagster stores events in batches of up to this many when the variable is set.
BATCH_SIZE_ENV = "DAGSTER_EVENT_BATCH_SIZE"
BATCH_SIZE = 1000


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
    """``SqliteEventLogStorage`` with a real ``store_event_batch`` (see the module docs)."""

    @classmethod
    def from_config_value(  # type: ignore[override]
        cls, inst_data: Any, config_value: Any
    ) -> BatchingSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

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
