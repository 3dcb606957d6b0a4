"""The code location: one Definitions, described assets, a blocking GX gate on every table."""

import dagster as dg
import pytest

from orchestration.checks import GATE_PREFIX
from orchestration.checks.gates import GATES

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
