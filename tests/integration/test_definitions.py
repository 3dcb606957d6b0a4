"""The code location: one Definitions, described assets, a blocking GX gate on every table."""

import shutil

import dagster as dg
import pytest

from orchestration.checks import GATE_PREFIX
from orchestration.checks.gates import GATES
from orchestration.settings import Settings
from tests.conftest import build_query

SERVED = dg.AssetKey("served_warehouse")


@pytest.fixture(scope="module")
def defs(dbt_manifest):
    from orchestration.definitions import defs

    return defs


@pytest.fixture(scope="module")
def asset_graph(defs):
    return defs.resolve_asset_graph()


def test_definitions_load(defs):
    dg.Definitions.validate_loadable(defs)
    assert defs.resolve_job_def("refresh") is not None
    assert {s.name for s in defs.sensors} == {"landing_sensor"}
    assert {s.name for s in defs.schedules} == {"refresh_schedule"}


def test_every_asset_has_a_description_and_a_layer_group(asset_graph):
    graph = asset_graph
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description, key
        assert node.group_name in {"ingest", "staging", "marts", "serve"}, key


def test_every_table_producing_asset_has_a_blocking_gx_gate(defs, asset_graph):
    graph = asset_graph
    tables = set(graph.get_all_asset_keys()) - {SERVED}
    gated = {}
    for checks_def in defs.asset_checks or []:
        for spec in checks_def.check_specs:
            if spec.name.startswith(GATE_PREFIX):
                gated[spec.asset_key] = spec
                assert spec.blocking, spec.name
    assert tables == set(gated), tables ^ set(gated)
    assert len(GATES) == len(tables)


def test_publish_sits_downstream_of_every_mart(asset_graph):
    graph = asset_graph
    upstream = graph.get(SERVED).parent_keys
    tables = ("papers", "paper_links", "links", "paper_keywords", "keywords")
    marts = {dg.AssetKey(["marts", t]) for t in tables}
    assert marts <= upstream


def test_every_writer_is_in_the_duckdb_pool(asset_graph):
    graph = asset_graph
    for key in graph.get_all_asset_keys():
        assert graph.get(key).pools == {"duckdb_writer"}, key


def test_the_gates_run_one_step_per_writing_step(defs):
    steps = {
        checks.node_def.name: {spec.name for spec in checks.check_specs}
        for checks in defs.asset_checks
    }
    assert set(steps) == {
        "gates_after_ingest_dumps",
        "gates_after_dbt_staging",
        "gates_after_dbt_intermediate",
        "gates_after_dbt_marts",
    }
    gate_names = [
        name for names in steps.values() for name in names if name.startswith(GATE_PREFIX)
    ]
    assert sorted(gate_names) == sorted(gate.name for gate in GATES)
    assert "gx_int_paper_state" in steps["gates_after_dbt_marts"]  # built with the marts


def test_a_run_of_one_gate_runs_that_gate_alone(defs, sample_refresh, tmp_path, isolated_env):
    good = sample_refresh.settings
    settings = Settings(landing_dir=good.landing_dir, warehouse_dir=tmp_path / "warehouse")
    shutil.copytree(good.warehouse_dir, settings.warehouse_dir)
    settings.export()
    check = dg.AssetCheckKey(dg.AssetKey(["marts", "links"]), "gx_links")
    job = dg.Definitions(
        assets=defs.assets,
        asset_checks=defs.asset_checks,
        resources=defs.resources,
        jobs=[dg.define_asset_job("one_gate", selection=dg.AssetSelection.checks(check))],
        executor=dg.in_process_executor,
    ).resolve_job_def("one_gate")

    result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral())

    assert result.success
    evaluations = [
        event.event_specific_data.check_name
        for event in result.all_events
        if event.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    assert evaluations == ["gx_links"]
    recorded = build_query(
        settings, f"select gate from ops.gate_results where run_id = '{result.run_id}'"
    )
    assert recorded == [("gx_links",)]
