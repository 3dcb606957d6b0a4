"""Crashes, concurrent refreshes, readers and a full disk: the served file always stays a
good, openable warehouse, and the next refresh converges to what a clean run gives."""

import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time

import duckdb
import pytest

from orchestration.faults import PAUSE_ENV
from orchestration.settings import LANDING_ENV, WAREHOUSE_ENV, Settings
from orchestration.warehouse.lock import RefreshAlreadyRunning
from orchestration.warehouse.publish import MART_TABLES, wal_path
from tests.conftest import SAMPLE_FILES, Refreshed, make_settings, refresh

PAUSE_TIMEOUT = 300


@pytest.fixture(scope="module")
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


def kill_9(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)


@pytest.mark.parametrize("point", ["ingest", "dbt_intermediate", "publish"])
def test_kill_9_leaves_the_previous_good_file_and_the_next_refresh_converges(
    warehouse, sample_refresh, point
):
    served_before = file_state(warehouse.served_db)
    papers_before = table_hashes(warehouse.served_db)["papers"][0]

    kill_9(start_paused_at(warehouse, point))

    assert file_state(warehouse.served_db) == served_before
    assert table_hashes(warehouse.served_db)["papers"][0] == papers_before
    assert not wal_path(warehouse.served_db).exists()

    recovered = refresh(warehouse)
    assert recovered.report.success, recovered.report
    assert table_hashes(warehouse.served_db) == table_hashes(sample_refresh.settings.served_db)
    assert not list(warehouse.warehouse_dir.glob(".papers.duckdb.*.tmp"))


def test_a_second_refresh_exits_at_once_while_one_is_running(warehouse):
    running = start_paused_at(warehouse, "ingest")
    try:
        second = cli(warehouse)
        _, stderr = second.communicate(timeout=120)
        assert second.returncode == 3
        assert "refresh already running" in stderr
        # a Dagster run (here in-process) cannot start its writers either
        with pytest.raises(RefreshAlreadyRunning):
            from orchestration.warehouse.lock import refresh_lock

            with refresh_lock(warehouse):
                pass
    finally:
        kill_9(running)


def test_reader_keeps_reading_old_data_during_a_refresh(warehouse):
    reader = duckdb.connect(str(warehouse.served_db), read_only=True)
    before = reader.execute("select count(*), sum(n_records) from papers").fetchone()
    seen, errors, stop = set(), [], threading.Event()

    def keep_reading():
        while not stop.is_set():
            try:
                seen.add(reader.execute("select count(*), sum(n_records) from papers").fetchone())
            except Exception as error:  # any error is a failure of the guarantee
                errors.append(error)
            time.sleep(0.05)

    thread = threading.Thread(target=keep_reading)
    thread.start()
    try:
        result = refresh(warehouse)
    finally:
        stop.set()
        thread.join()
    reader.close()

    assert result.report.success
    assert errors == []
    assert seen == {before}
    fresh = Refreshed(settings=warehouse, report=None)
    assert fresh.scalar("select count(*) from main.papers") == 494


def test_full_disk_fails_cleanly_and_keeps_the_served_file(warehouse):
    served_before = file_state(warehouse.served_db)
    limit = 1_000_000  # bytes per file: the build database is far larger, so its writes fail

    def small_disk():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    process = cli(warehouse, preexec_fn=small_disk)
    stdout, stderr = process.communicate(timeout=600)

    assert process.returncode == 1, stdout + stderr
    assert "refresh FAILED" in stderr
    assert "nothing was published" in stderr
    assert file_state(warehouse.served_db) == served_before
    assert not wal_path(warehouse.served_db).exists()
