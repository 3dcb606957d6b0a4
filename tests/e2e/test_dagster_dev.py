"""End to end: ``dagster dev`` with the shipped instance config. The UI serves the asset
graph with its gates, the landing sensor starts a refresh run for the new dumps, and the
run publishes the warehouse."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest

from orchestration.checks.gates import GATES
from orchestration.settings import BUILD_DB_ENV, LANDING_ENV, PROJECT_ROOT, WAREHOUSE_ENV
from tests.conftest import kill_process_group, make_settings

pytestmark = pytest.mark.e2e

STARTUP_TIMEOUT = 180
RUN_TIMEOUT = 600


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        body = json.load(response)
    assert "errors" not in body, body
    return body["data"]


def wait_for(predicate, timeout: float, what: str, interval: float = 2.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture
def dagster_dev(tmp_path, dbt_manifest):
    settings = make_settings(tmp_path)
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    port = free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        LANDING_ENV: str(settings.landing_dir),
        WAREHOUSE_ENV: str(settings.warehouse_dir),
    }
    env.pop(BUILD_DB_ENV, None)
    log = (tmp_path / "dagster_dev.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "dagster", "dev", "--host", "127.0.0.1", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        # as from a terminal: started from a script in the background, the suite ignores
        # SIGINT, and dagster dev inherited that and never stopped on the SIGTERM below
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )

    def up():
        if process.poll() is not None:
            raise AssertionError(f"dagster dev exited: {Path(log.name).read_text()[-3000:]}")
        try:
            return graphql(port, "{ version }")
        except OSError:
            return None

    try:
        wait_for(up, STARTUP_TIMEOUT, "the Dagster UI")
        yield port, settings, Path(log.name)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            kill_process_group(process)
        log.close()


def test_ui_graph_and_sensor_run_publish_the_warehouse(dagster_dev):
    port, settings, log = dagster_dev

    nodes = graphql(port, "{ assetNodes { assetKey { path } groupName description } }")
    keys = {"/".join(n["assetKey"]["path"]): n for n in nodes["assetNodes"]}
    assert {"raw/records", "staging/stg_records", "marts/papers", "served_warehouse"} <= set(keys)
    assert keys["served_warehouse"]["groupName"] == "serve"
    assert all(n["description"] for n in keys.values())

    def finished_run():
        data = graphql(
            port,
            '{ runsOrError(filter: {pipelineName: "refresh"}) '
            "{ ... on Runs { results { runId status tags { key value } } } } }",
        )
        runs = data["runsOrError"]["results"]
        done = [r for r in runs if r["status"] in ("SUCCESS", "FAILURE", "CANCELED")]
        return done[0] if done else None

    run = wait_for(finished_run, RUN_TIMEOUT, "the sensor's refresh run", interval=5)
    assert run["status"] == "SUCCESS", log.read_text()[-5000:]
    tags = {t["key"]: t["value"] for t in run["tags"]}
    assert tags.get("dagster/sensor_name") == "landing_sensor"

    con = duckdb.connect(str(settings.served_db), read_only=True)
    try:
        assert con.execute("select count(*) from main.papers").fetchone()[0] == 494
        gates = con.execute("select count(distinct gate) from ops.gate_results").fetchone()[0]
        assert gates == len(GATES)
    finally:
        con.close()
