"""The refresh job, the landing-folder sensor and the daily schedule.

A refresh run covers a range of dump-version partitions in one run (the ingest asset
has a single-run backfill policy) plus every unpartitioned asset downstream.
"""

import dagster as dg
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from orchestration.assets.ingest import DUMP_PARTITIONS
from orchestration.settings import Settings
from orchestration.warehouse.landing import LandedFile, scan_landing

refresh_job = dg.define_asset_job(
    "refresh",
    selection=dg.AssetSelection.all(),
    description="Ingest the given dump versions, rebuild the marts behind the gates, publish.",
)


def partition_range_tags(keys: list[str]) -> dict[str, str]:
    """Run tags that make one run cover the partitions from ``keys[0]`` to ``keys[-1]``."""
    return {ASSET_PARTITION_RANGE_START_TAG: keys[0], ASSET_PARTITION_RANGE_END_TAG: keys[-1]}


def register_landing(
    instance: dg.DagsterInstance, landed_files: list[LandedFile] | None = None
) -> tuple[list[str], list[str]]:
    """Add a partition for every dump version in the landing folder (or ``landed_files``,
    a scan of it) that has none.

    Returns (all partition keys, the new ones), in partition order.
    """
    known = instance.get_dynamic_partitions(DUMP_PARTITIONS.name)
    if landed_files is None:
        settings = Settings.from_env()
        landed_files = scan_landing(settings.landing_dir, settings.landing_hashes)
    hashes = dict.fromkeys(f.sha256 for f in landed_files)
    known_hashes = set(known)
    landed = [sha for sha in hashes if sha not in known_hashes]
    if landed:
        instance.add_dynamic_partitions(DUMP_PARTITIONS.name, landed)
    return instance.get_dynamic_partitions(DUMP_PARTITIONS.name), landed


@dg.sensor(
    job=refresh_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts a refresh when a new or changed dump appears in the landing folder.",
)
def landing_sensor(context: dg.SensorEvaluationContext):
    _, new = register_landing(context.instance)
    if not new:
        return dg.SkipReason("no new dump versions in the landing folder")
    return dg.RunRequest(run_key=f"landing-{new[0]}-{new[-1]}", tags=partition_range_tags(new))


@dg.schedule(
    job=refresh_job,
    cron_schedule="0 6 * * *",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Daily refresh of every dump version and everything downstream.",
)
def refresh_schedule(context: dg.ScheduleEvaluationContext):
    keys, _ = register_landing(context.instance)
    if not keys:
        return dg.SkipReason("the landing folder holds no dumps")
    return dg.RunRequest(tags=partition_range_tags(keys))
