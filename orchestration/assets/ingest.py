"""Ingest: parse each dump version (a dynamic partition keyed by the file's SHA-256) into
``raw.records``, ``ops.dump_files`` and ``ops.rejects``."""

from collections import Counter

import dagster as dg

from orchestration import progress
from orchestration.resources import LOCK_KEY
from orchestration.settings import Settings
from orchestration.warehouse.build_db import connect, ensure_schema
from orchestration.warehouse.landing import scan_landing
from orchestration.warehouse.loader import STATUS_LOADED, LoadOutcome, load

DUMP_PARTITIONS = dg.DynamicPartitionsDefinition(name="dump_versions")
WRITER_POOL = "duckdb_writer"

RAW_RECORDS = dg.AssetKey(["raw", "records"])
DUMP_FILES = dg.AssetKey(["ops", "dump_files"])
REJECTS = dg.AssetKey(["ops", "rejects"])


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            RAW_RECORDS,
            description="Title/abstract records parsed by polars from each dump version; "
            "a dump's rows are replaced in one transaction.",
            group_name="ingest",
            kinds={"polars", "duckdb"},
        ),
        dg.AssetSpec(
            DUMP_FILES,
            description="Manifest of every landed file: name, sha256, bytes, line counts, "
            "records, rejects, status (loaded, duplicate, superseded, rejected).",
            group_name="ingest",
            kinds={"duckdb"},
        ),
        dg.AssetSpec(
            REJECTS,
            description="Lines of loaded dumps that could not be paired, with the reason.",
            group_name="ingest",
            kinds={"duckdb"},
        ),
    ],
    partitions_def=DUMP_PARTITIONS,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WRITER_POOL,
    required_resource_keys={LOCK_KEY},
)
def ingest_dumps(context: dg.AssetExecutionContext):
    """Load the dump versions of this run's partitions from the landing folder."""
    settings = Settings.from_env()
    settings.prepare()
    wanted = set(context.partition_keys)
    scanned = scan_landing(settings.landing_dir, settings.landing_hashes)
    landed = [f for f in scanned if f.sha256 in wanted]
    progress.report(context, f"ingest: {len(landed)} file(s) for {len(wanted)} dump version(s)")

    con = connect(settings.build_db)
    try:
        ensure_schema(con)
        # raw text in zstd: cheap to write, and about 1.5 GB fewer bytes for the disk at a
        # million papers (DuckDB's default took 20 of the 52 s of loading them; see the
        # text_compression dbt macros)
        con.execute("pragma force_compression = 'zstd'")
        outcomes = []
        for batch in load(con, landed):
            outcomes += batch
            _report_batch(context, batch, done=len(outcomes), total=len(landed))
        totals = con.execute(
            "select (select count(*) from raw.records), (select count(*) from ops.rejects)"
        ).fetchone()
        statuses = dict(
            con.execute("select status, count(*) from ops.dump_files group by status").fetchall()
        )
        preview = (
            con.sql(
                "select file_name, status, records, rejects, reason from ops.dump_files"
                " order by loaded_at desc limit 10"
            )
            .to_arrow_table()
            .to_pandas()
        )
    finally:
        con.close()

    this_run = Counter(o.status for o in outcomes if not o.skipped)
    yield dg.MaterializeResult(
        asset_key=RAW_RECORDS,
        metadata={
            "dagster/row_count": totals[0],
            "loaded_this_run": sum(o.records for o in outcomes if not o.skipped),
        },
    )
    yield dg.MaterializeResult(
        asset_key=DUMP_FILES,
        metadata={
            "dagster/row_count": sum(statuses.values()),
            "files_by_status": dg.MetadataValue.json(statuses),
            "this_run": dg.MetadataValue.json(dict(this_run)),
            "preview": dg.MetadataValue.md(preview.to_markdown(index=False)),
        },
    )
    yield dg.MaterializeResult(asset_key=REJECTS, metadata={"dagster/row_count": totals[1]})


def _report_batch(
    context: dg.AssetExecutionContext, batch: list[LoadOutcome], done: int, total: int
) -> None:
    """A line for every file that did not simply load, then one for the batch."""
    for outcome in batch:
        if outcome.status != STATUS_LOADED or outcome.skipped:
            verb = "skipped (already recorded)" if outcome.skipped else outcome.status
            reason = f" ({outcome.reason})" if outcome.reason else ""
            progress.report(context, f"ingest: {outcome.file_name}: {verb}{reason}")
    loaded = [o for o in batch if o.status == STATUS_LOADED and not o.skipped]
    progress.report(
        context,
        f"ingest: {done}/{total} files: {len(loaded)} loaded in this batch, "
        f"{sum(o.records for o in loaded)} records, {sum(o.rejects for o in batch)} rejects",
    )
