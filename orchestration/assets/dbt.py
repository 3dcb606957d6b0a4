"""dbt models as Dagster assets, split by layer so a gate can sit between layers:
staging (with the seeds), intermediate, marts. dbt tests run as Dagster asset checks."""

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import DagsterDbtTranslator, dbt_assets
from dagster_dbt.asset_utils import get_updated_cli_invocation_params_for_context
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage
from dbt_common.events.base_types import EventMsg
from pydantic import Field

from orchestration import progress
from orchestration.assets.ingest import WRITER_POOL
from orchestration.dbt_in_process import invoke_dbt
from orchestration.dbt_project import DbtResource, dbt_project
from orchestration.faults import pause_point
from orchestration.resources import RefreshLock
from orchestration.settings import Settings
from orchestration.warehouse.build_db import connect

dbt_project.prepare_if_dev()

LAYER_GROUPS = {"staging": "staging", "intermediate": "marts", "marts": "marts"}


class PaperhouseDbtTranslator(DagsterDbtTranslator):
    """Groups by layer; sources keep their ``schema/table`` keys (produced by ingest)."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "staging"
        tags = dbt_resource_props.get("tags", [])
        return next((LAYER_GROUPS[t] for t in tags if t in LAYER_GROUPS), "marts")


def _relation(props: Mapping[str, Any]) -> str:
    return f"{props['schema']}.{props['alias'] or props['name']}"


class DbtBuildConfig(dg.Config):
    """Run config of each dbt layer (settable in the launchpad, or ``refresh --full``)."""

    full_refresh: bool = Field(
        default=False,
        description="Rebuild the incremental models from scratch (dbt --full-refresh): "
        "every paper is processed and ranked again with the statistics of today's corpus.",
    )


def _build(
    context: dg.AssetExecutionContext, dbt: DbtResource, layer: str, full_refresh: bool
) -> Iterator[Any]:
    """``dbt build`` this layer's selection in this process, then translate dbt's results
    into Dagster events with row counts attached to each materialization.

    dbt holds the build database while it runs, so row counts are read afterwards.
    """
    settings = Settings.from_env()
    settings.prepare()
    progress.report(context, f"dbt {layer}: building" + (" (full refresh)" if full_refresh else ""))
    # The selection of this run (all of the layer, or the subset picked in the UI).
    params = get_updated_cli_invocation_params_for_context(
        context=context, manifest={}, dagster_dbt_translator=TRANSLATOR
    )
    # --no-write-json: dbt's manifest and run results would be written again by every layer
    # (0.25 s of a one-dump refresh); Dagster keeps the results, and dbt's log stays
    command = [
        "build",
        "--no-write-json",
        *(["--full-refresh"] if full_refresh else []),
        *params.selection_args,
    ]
    if params.indirect_selection:
        command += ["--indirect-selection", params.indirect_selection]
    project_dir = Path(params.dbt_project.project_dir) if params.dbt_project else None
    # One target folder per warehouse: dbt re-uses its partial parse only while the
    # profile (the build database path) is unchanged, and run artifacts stay with the data.
    target_path = settings.dbt_target_dir
    invocation = invoke_dbt(
        dbt.args(command, target_path, project_dir), on_event=_pause_points(layer)
    )
    nodes = {
        dg.AssetKey([node["schema"], node["name"]]): node
        for node in params.manifest["nodes"].values()
        if node["resource_type"] in ("model", "seed")
    }
    con = connect(settings.build_db, read_only=True)
    try:
        for result in invocation.results:
            for event in DbtCoreCliEventMessage(
                raw_event=result, event_history_metadata={}
            ).to_default_asset_events(
                manifest=params.manifest,
                dagster_dbt_translator=params.dagster_dbt_translator,
                context=context,
                target_path=target_path,
                project=params.dbt_project,
            ):
                if isinstance(event, dg.Output | dg.AssetMaterialization):
                    node = nodes.get(_event_key(context, event))
                    if node:
                        event = event.with_metadata(
                            {**event.metadata, **_table_metadata(con, node)}
                        )
                yield event
    finally:
        con.close()
    if not invocation.success:
        raise dg.Failure(
            f"dbt build of the {layer} layer failed: "
            + ("; ".join(invocation.errors[:3]) or "see the dbt log in the run output"),
            metadata={"layer": layer, "errors": "\n".join(invocation.errors)},
        )
    progress.report(context, f"dbt {layer}: done")


PREVIEW_ROWS = 5
PREVIEW_CHARS = 60


def _table_metadata(con: duckdb.DuckDBPyConnection, node: Mapping[str, Any]) -> dict[str, Any]:
    """Row count and a short preview (long text cut) of a table the build just wrote. A
    view gets no row count: counting its rows runs it (``int_paper_phrases``, which unnests
    every ranking, took 0.2 s at 1M papers)."""
    relation = _relation(node)
    metadata = {}
    if node["config"].get("materialized") != "view":
        metadata["dagster/row_count"] = con.sql(f"select count(*) from {relation}").fetchall()[0][0]
    preview = con.sql(f"select * from {relation} limit {PREVIEW_ROWS}").df()
    for column in preview.select_dtypes(include=["object", "string"]).columns:
        preview[column] = preview[column].astype("string").str.slice(0, PREVIEW_CHARS)
    metadata["preview"] = dg.MetadataValue.md(preview.to_markdown(index=False))
    return metadata


def _event_key(context: dg.AssetExecutionContext, event: Any) -> dg.AssetKey | None:
    if isinstance(event, dg.AssetMaterialization):
        return event.asset_key
    return context.asset_key_for_output(event.output_name)


TRANSLATOR = PaperhouseDbtTranslator()


def dbt_layer(layer: str) -> dg.AssetsDefinition:
    """The dbt models tagged ``layer`` as one multi-asset, built with ``dbt build``."""

    @dbt_assets(
        manifest=dbt_project.manifest_path,
        select=f"tag:{layer}",
        name=f"dbt_{layer}",
        dagster_dbt_translator=TRANSLATOR,
        project=dbt_project,
        pool=WRITER_POOL,
    )
    def _layer(
        context: dg.AssetExecutionContext,
        dbt: DbtResource,
        refresh_lock: RefreshLock,
        config: DbtBuildConfig,
    ):
        yield from _build(context, dbt, layer, config.full_refresh)

    return _layer


#: staging: cleaned text, the stable paper_id, the seeds; intermediate: papers
#: deduplicated, URLs, keyword candidates, keyphrases; marts: the BI contract.
dbt_staging = dbt_layer("staging")
dbt_intermediate = dbt_layer("intermediate")
dbt_marts = dbt_layer("marts")


def _pause_points(layer: str) -> Callable[[EventMsg], None]:
    """The crash tests' pause points in a dbt layer (``orchestration/faults.py``):
    ``dbt_<layer>`` at its first event, ``dbt_built_<model>`` once the model is built
    and committed."""

    def on_event(message: EventMsg) -> None:
        pause_point(f"dbt_{layer}")
        if message.info.name == "LogModelResult":
            pause_point(f"dbt_built_{message.data.node_info.node_name}")

    return on_event
