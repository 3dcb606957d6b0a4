"""Shared by the reliability tests: a 'previous good' warehouse and a refresh subprocess
that can be stopped at a named pause point (and killed: ``tests.conftest.kill_process_group``)."""

import hashlib
import os
import shutil
import subprocess
import sys
import time

import duckdb
import pytest

from orchestration.faults import PAUSE_ENV
from orchestration.settings import LANDING_ENV, WAREHOUSE_ENV, Settings
from orchestration.warehouse.publish import MART_TABLES
from tests.conftest import SAMPLE_FILES, make_settings, refresh

PAUSE_TIMEOUT = 300


@pytest.fixture(scope="session")
def two_dump_warehouse(tmp_path_factory, dbt_manifest) -> Settings:
    """A published warehouse of the first two sample dumps: the 'previous good' state."""
    root = tmp_path_factory.mktemp("two_dumps")
    settings = make_settings(root, {p.name: p.read_bytes() for p in SAMPLE_FILES[:2]})
    result = refresh(settings)
    assert result.report.success
    return settings


@pytest.fixture
def warehouse(two_dump_warehouse, tmp_path, isolated_env) -> Settings:
    """A copy of the two-dump warehouse whose landing folder now holds all three dumps."""
    settings = make_settings(tmp_path)
    shutil.copytree(two_dump_warehouse.warehouse_dir, settings.warehouse_dir)
    settings.export()
    return settings


def file_state(path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_ino


def table_hashes(served) -> dict[str, tuple[int, int]]:
    con = duckdb.connect(str(served), read_only=True)
    try:
        return {
            t: con.execute(f"select count(*), bit_xor(hash(x)) from main.{t} as x").fetchone()
            for t in MART_TABLES
        }
    finally:
        con.close()


def cli(settings: Settings, **popen) -> subprocess.Popen:
    """``paperhouse refresh`` as a subprocess in its own process group."""
    env = {
        **os.environ,
        LANDING_ENV: str(settings.landing_dir),
        WAREHOUSE_ENV: str(settings.warehouse_dir),
        **popen.pop("env", {}),
    }
    env.pop("PAPERHOUSE_BUILD_DB", None)
    return subprocess.Popen(
        [sys.executable, "-m", "orchestration.cli", "refresh"],
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def start_paused_at(settings: Settings, point: str) -> subprocess.Popen:
    process = cli(settings, env={PAUSE_ENV: point})
    marker = settings.warehouse_dir / f".paused-{point}"
    deadline = time.monotonic() + PAUSE_TIMEOUT
    while not marker.exists():
        if process.poll() is not None:
            raise AssertionError(f"refresh ended before {point}: {process.stderr.read()[-3000:]}")
        assert time.monotonic() < deadline, f"never reached {point}"
        time.sleep(0.5)
    return process
