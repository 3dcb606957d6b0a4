"""A whole refresh, in-process and headless: what ``paperhouse refresh`` runs.

Registers every dump version in the landing folder as a partition, runs the ``refresh``
job over all of them (already-loaded versions are skipped by the loader), and reports
what happened. One refresh at a time per warehouse folder (an exclusive file lock).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
from dagster._core.instance.ref import InstanceRef

from orchestration.checks import GATE_PREFIX
from orchestration.collector import long_lived_imports
from orchestration.event_storage import BATCH_SIZE, BATCH_SIZE_ENV, BatchingSqliteEventLogStorage
from orchestration.settings import Settings
from orchestration.warehouse.landing import LandedFile, scan_landing
from orchestration.warehouse.loader import pending_files


@dataclass
class RefreshReport:
    success: bool
    run_id: str
    published: bool
    gates_passed: list[str] = field(default_factory=list)
    gates_failed: list[str] = field(default_factory=list)
    dbt_tests_passed: list[str] = field(default_factory=list)
    dbt_tests_failed: list[str] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def open_instance(settings: Settings) -> dg.DagsterInstance:
    """The CLI's Dagster instance: run history under the warehouse folder, its event log
    written in batches (``orchestration/event_storage.py``). Mutual exclusion comes from the
    refresh lock, so no pool limits apply to these in-process runs."""
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    wanted = instance_config(home)
    if not config.exists() or config.read_text() != wanted:
        config.write_text(wanted)
    os.environ.setdefault(BATCH_SIZE_ENV, str(BATCH_SIZE))
    return dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home), config_dir=str(home)))


def instance_config(home: Path) -> str:
    """``dagster.yaml`` of the CLI's instance: the default SQLite layout under ``home``,
    with the batching event log in Dagster's own place for it (``history/runs``)."""
    return (
        "telemetry:\n  enabled: false\n"
        "event_log_storage:\n"
        f"  module: {BatchingSqliteEventLogStorage.__module__}\n"
        f"  class: {BatchingSqliteEventLogStorage.__name__}\n"
        "  config:\n"
        f"    base_dir: {json.dumps(str(home / 'history' / 'runs'))}\n"
    )


def run_refresh(
    settings: Settings,
    instance: dg.DagsterInstance,
    log_level: str = "WARNING",
    full_refresh: bool = False,
) -> RefreshReport:
    """Run the refresh job over the dump versions still to load. Caller holds the lock.
    Dagster's own console log shows ``log_level`` and above; ``full_refresh`` rebuilds
    the incremental dbt models from scratch."""
    with long_lived_imports():  # the definitions load the dbt manifest
        from orchestration.definitions import defs
        from orchestration.jobs import partition_range_tags, register_landing

    settings.prepare()
    landed = scan_landing(settings.landing_dir, settings.landing_hashes)
    keys, _ = register_landing(instance, landed)
    if not keys:
        raise FileNotFoundError(f"no dumps in the landing folder {settings.landing_dir}")
    job = defs.resolve_job_def("refresh")
    result = job.execute_in_process(
        instance=instance,
        tags=partition_range_tags(run_partitions(keys, pending_files(settings.build_db, landed))),
        run_config={
            "loggers": {"console": {"config": {"log_level": log_level}}},
            "ops": {
                f"dbt_{layer}": {"config": {"full_refresh": full_refresh}}
                for layer in ("staging", "intermediate", "marts")
            },
        },
        raise_on_error=False,
    )
    return _report(result)


def run_partitions(keys: list[str], pending: list[LandedFile]) -> list[str]:
    """The dump versions a refresh runs over: from the first to the last one still to be
    loaded, so a run's cost (and its Dagster events, several per partition) follows the
    new dumps. With none pending, the latest one: the run still rebuilds and re-validates
    everything downstream, and ingest skips the recorded dump."""
    wanted = {f.sha256 for f in pending}
    run = [key for key in keys if key in wanted]
    return [run[0], run[-1]] if run else keys[-1:]


def _report(result: dg.ExecuteInProcessResult) -> RefreshReport:
    report = RefreshReport(success=result.success, run_id=result.run_id, published=False)
    for event in result.all_events:
        if event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            name = evaluation.check_name
            if name.startswith(GATE_PREFIX):
                (report.gates_passed if evaluation.passed else report.gates_failed).append(name)
            else:
                failed = report.dbt_tests_failed
                (report.dbt_tests_passed if evaluation.passed else failed).append(name)
        elif event.event_type_value == "STEP_FAILURE":
            report.failed_steps.append(event.step_key or "?")
            error = event.event_specific_data.error
            if error is not None:
                report.errors.append(f"{event.step_key}: {error.message.strip().splitlines()[0]}")
        elif event.event_type_value == "ASSET_MATERIALIZATION" and event.asset_key == dg.AssetKey(
            "served_warehouse"
        ):
            report.published = True
    report.success = report.success and report.published
    return report


def served_summary(served: Path) -> dict[str, int]:
    """Row counts of the served file, read the way a BI tool reads it."""
    import duckdb

    con = duckdb.connect(str(served), read_only=True)
    try:
        counts = {
            table: con.execute(f"select count(*) from main.{table}").fetchone()[0]
            for table in ("papers", "paper_links", "links", "paper_keywords", "keywords")
        }
        files, records, rejects = con.execute(
            "select count(*) filter (where status = 'loaded'), coalesce(sum(records), 0),"
            " coalesce(sum(rejects), 0) from ops.dump_files"
        ).fetchone()
        counts.update(files=files, records=int(records), rejects=int(rejects))
        return counts
    finally:
        con.close()


def quarantined_files(served: Path) -> list[tuple[str, str, str]]:
    """(file, status, reason) of every current file that did not load records."""
    import duckdb

    con = duckdb.connect(str(served), read_only=True)
    try:
        return con.execute(
            "select file_name, status, reason from ops.dump_files"
            " where status in ('empty', 'rejected', 'unreadable') order by file_name"
        ).fetchall()
    finally:
        con.close()
