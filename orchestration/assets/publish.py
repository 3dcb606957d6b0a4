"""Publish: the validated marts become the served, read-only ``papers.duckdb``."""

import dagster as dg

from orchestration import progress
from orchestration.assets.ingest import DUMP_FILES, REJECTS, WRITER_POOL
from orchestration.resources import LOCK_KEY, RefreshLock
from orchestration.settings import Settings
from orchestration.warehouse.publish import MART_TABLES, publish


@dg.asset(
    key="served_warehouse",
    deps=[*(dg.AssetKey(["marts", t]) for t in MART_TABLES), DUMP_FILES, REJECTS],
    group_name="serve",
    kinds={"duckdb"},
    pool=WRITER_POOL,
    required_resource_keys={LOCK_KEY},
    description="papers.duckdb for BI tools: marts in schema main, ops tables in schema ops. "
    "Built as a new file and atomically renamed onto the served path; refused if a .wal "
    "sits beside it. Runs only when every upstream gate passed.",
)
def served_warehouse(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    settings = Settings.from_env()
    progress.report(context, f"publish: building {settings.served_db}")
    lock: RefreshLock = getattr(context.resources, LOCK_KEY)
    result = publish(
        settings.build_db, settings.served_db, context.run.run_id, copy=lock.served_copy
    )
    if result.republished:
        how = "written whole"
        if result.patched:
            how = "patched a copy made ahead" if result.copied_ahead else "patched a copy"
        progress.report(context, f"publish: {result.path} ({result.bytes} bytes, {how})")
    else:
        progress.report(context, f"publish: {result.path} already holds this content; kept")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.path)),
            "bytes": result.bytes,
            "republished": result.republished,
            "patched": result.patched,
            "copied_ahead": result.copied_ahead,
            "checked_patched_only": result.checked_patched_only,
            "kept_digests": dg.MetadataValue.json(list(result.kept_digests)),
            "fingerprint": result.fingerprint,
            "row_counts": dg.MetadataValue.json(result.row_counts),
            "dagster/row_count": result.row_counts["papers"],
        }
    )
