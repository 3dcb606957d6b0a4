"""The paperhouse code location: one Definitions object.

ingest (dynamic partitions, one per dump version) -> dbt staging -> dbt intermediate ->
dbt marts -> publish, with a blocking GX gate on every table (the gates of a step's tables
run as one step right after it: ``gate_steps``). A sensor watches the landing folder; a
schedule refreshes everything daily. Every step runs in the run's process (in-process
executor): steps share the build database one at a time.
"""

import dagster as dg

from orchestration.assets.dbt import dbt_intermediate, dbt_marts, dbt_staging
from orchestration.assets.ingest import ingest_dumps
from orchestration.assets.publish import served_warehouse
from orchestration.checks.asset_checks import gate_steps
from orchestration.dbt_project import dbt_resource
from orchestration.jobs import landing_sensor, refresh_job, refresh_schedule
from orchestration.resources import LOCK_KEY, RefreshLock

TABLE_WRITERS = [ingest_dumps, dbt_staging, dbt_intermediate, dbt_marts]

defs = dg.Definitions(
    assets=[*TABLE_WRITERS, served_warehouse],
    asset_checks=gate_steps(TABLE_WRITERS),
    jobs=[refresh_job],
    sensors=[landing_sensor],
    schedules=[refresh_schedule],
    resources={"dbt": dbt_resource(), LOCK_KEY: RefreshLock()},
    executor=dg.in_process_executor,
)
