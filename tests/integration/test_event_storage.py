"""The batching event log stores exactly what Dagster's own SQLite event log stores."""

import logging
import os
import queue
import time
from collections import Counter
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy
from dagster._core.events.log import EventLogEntry
from dagster._core.instance.ref import InstanceRef
from sqlalchemy.pool import Pool

from orchestration.event_storage import BATCH_SIZE_ENV, BatchingSqliteEventLogStorage
from orchestration.jobs import partition_range_tags
from orchestration.refresh import instance_config, open_instance
from orchestration.settings import Settings

PARTITIONS = dg.DynamicPartitionsDefinition(name="versions")
KEYS = [f"v{i:03d}" for i in range(40)]
ASSETS = [dg.AssetKey(name) for name in ("records", "manifest")]


@dg.multi_asset(
    specs=[dg.AssetSpec(key) for key in ASSETS],
    partitions_def=PARTITIONS,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def loaded(context: dg.AssetExecutionContext):
    for key in ASSETS:
        yield dg.MaterializeResult(
            asset_key=key, metadata={"partitions": len(context.partition_keys)}
        )


@dg.asset(deps=ASSETS)
def downstream() -> None:
    return None


JOB = dg.Definitions(
    assets=[loaded, downstream], jobs=[dg.define_asset_job("all", selection="*")]
).resolve_job_def("all")


def _instance(home: Path, batching: bool) -> dg.DagsterInstance:
    home.mkdir()
    config = instance_config(home) if batching else "telemetry:\n  enabled: false\n"
    (home / "dagster.yaml").write_text(config)
    return dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home), config_dir=str(home)))


def _stored(instance: dg.DagsterInstance, run_id: str) -> dict:
    """What a user (or the UI) reads back: the run's event sequence, the partitions of each
    asset, and each asset's latest materialization and last run."""
    log = [
        (e.dagster_event_type, e.dagster_event.asset_key, e.dagster_event.partition)
        for e in instance.all_logs(run_id)
        if e.is_dagster_event
    ]
    records = {r.asset_entry.asset_key: r.asset_entry for r in instance.get_asset_records()}
    assets = {}
    for key in [*ASSETS, dg.AssetKey("downstream")]:
        latest = instance.get_latest_materialization_event(key)
        entry = records[key]
        assets[key] = {
            "partitions": sorted(instance.get_materialized_partitions(key)),
            "latest_partition": latest.dagster_event.partition,
            "latest_metadata": latest.asset_materialization.metadata,
            "last_run_id": entry.last_run_id == run_id,
            "last_materialization_run": entry.last_materialization_record.run_id == run_id,
            "last_materialization_partition": (
                entry.last_materialization_record.event_log_entry.dagster_event.partition
            ),
        }
    planned = instance.get_event_records(
        dg.EventRecordsFilter(dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED, ASSETS[0])
    )
    return {"log": log, "assets": assets, "planned_partitions": len(planned)}


def _run(instance: dg.DagsterInstance, monkeypatch) -> tuple[dict, list[int]]:
    """Run the job over every partition; what was stored, and the sizes of the batches the
    batching storage wrote (none for the stock storage)."""
    storage = instance.event_log_storage
    batches: list[int] = []
    if isinstance(storage, BatchingSqliteEventLogStorage):
        write = storage._store_asset_events

        def spy(events):
            batches.append(len(events))
            write(events)

        monkeypatch.setattr(storage, "_store_asset_events", spy)
    instance.add_dynamic_partitions(PARTITIONS.name, KEYS)
    result = JOB.execute_in_process(instance=instance, tags=partition_range_tags(KEYS))
    assert result.success
    return _stored(instance, result.run_id), batches


def test_batched_events_are_stored_as_dagster_stores_them(tmp_path, monkeypatch):
    monkeypatch.setenv(BATCH_SIZE_ENV, "16")
    with _instance(tmp_path / "stock", batching=False) as instance:
        assert not isinstance(instance.event_log_storage, BatchingSqliteEventLogStorage)
        expected, _ = _run(instance, monkeypatch)
    with _instance(tmp_path / "batching", batching=True) as instance:
        stored, batches = _run(instance, monkeypatch)

    # the batched path really ran, for the planned and the stored events alike
    assert sum(batches) >= 2 * len(KEYS) * len(ASSETS)
    assert max(batches) == 16
    assert stored == expected
    assert stored["assets"][ASSETS[0]]["partitions"] == KEYS
    assert stored["planned_partitions"] == len(KEYS)


def test_a_run_opens_each_database_file_once_and_closing_the_instance_closes_them(
    tmp_path, monkeypatch
):
    opened: list[str] = []

    def count(connection, _record) -> None:
        opened.append(connection.execute("pragma database_list").fetchone()[2])

    sqlalchemy.event.listen(Pool, "connect", count)
    try:
        with _instance(tmp_path / "home", batching=True) as instance:
            stored, _ = _run(instance, monkeypatch)
            events = len(stored["log"])
        runs = tmp_path / "home" / "history" / "runs"
        event_log = [Path(name).name for name in opened if Path(name).parent == runs]
        # the stock storage opens one to three connections per event: 525 for these 176
        assert events > 150
        assert "index.db" in event_log
        # creating and migrating each file, finding two tables, and one kept connection each
        assert len(event_log) <= 10, Counter(event_log)
        # closed with the instance: SQLite folded and removed every write-ahead log
        assert not list(runs.glob("*-wal"))
    finally:
        sqlalchemy.event.remove(Pool, "connect", count)


def test_a_second_instance_watching_a_run_sees_each_event_as_it_is_stored(tmp_path):
    """What the UI does when it shows a running run of the CLI's instance."""
    seen: queue.Queue[str] = queue.Queue()
    with (
        _instance(tmp_path / "home", batching=True) as writer,
        dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(tmp_path / "home"))) as reader,
    ):
        storage = writer.event_log_storage
        storage.store_event(_message("run-1", "first"))  # the run's file exists from here
        reader.event_log_storage.watch("run-1", None, lambda entry, _: seen.put(entry.message))
        # the watcher reads the run from its start once the file changes
        storage.store_event(_message("run-1", "second"))
        assert [seen.get(timeout=10), seen.get(timeout=10)] == ["first", "second"]
        storage.store_event(_message("run-1", "third"))
        assert seen.get(timeout=10) == "third"


def _message(run_id: str, text: str) -> EventLogEntry:
    return EventLogEntry(
        error_info=None,
        level=logging.INFO,
        user_message=text,
        run_id=run_id,
        timestamp=time.time(),
    )


def test_the_cli_instance_writes_events_in_batches(tmp_path):
    os.environ.pop(BATCH_SIZE_ENV, None)
    settings = Settings(landing_dir=tmp_path / "landing", warehouse_dir=tmp_path / "warehouse")
    with open_instance(settings) as instance:
        assert isinstance(instance.event_log_storage, BatchingSqliteEventLogStorage)
        assert int(os.environ[BATCH_SIZE_ENV]) > 1
    # an instance folder from before keeps its history and gets the batching storage
    (settings.dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    with open_instance(settings) as instance:
        assert isinstance(instance.event_log_storage, BatchingSqliteEventLogStorage)


@pytest.fixture(autouse=True)
def _restore_batch_size():
    """open_instance sets the batch size for its process; other tests start as they were."""
    before = os.environ.get(BATCH_SIZE_ENV)
    yield
    if before is None:
        os.environ.pop(BATCH_SIZE_ENV, None)
    else:
        os.environ[BATCH_SIZE_ENV] = before


def test_the_kept_connections_commit_without_waiting_for_the_disk(tmp_path, monkeypatch):
    with _instance(tmp_path / "home", batching=True) as instance:
        _run(instance, monkeypatch)
        storage = instance.event_log_storage
        modes = set()
        for shard in list(storage._engines):
            with storage._connect(shard) as conn:
                modes.add(conn.exec_driver_sql("pragma synchronous").scalar())
                journal = conn.exec_driver_sql("pragma journal_mode").scalar()
                assert journal == "wal", shard  # NORMAL is safe in this mode only
    assert modes == {1}  # NORMAL; SQLite's default is FULL (2)
