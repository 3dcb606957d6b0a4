"""Concurrent refreshes, a reader holding the served file, and a full disk."""

import resource
import signal
import threading
import time

import duckdb
import pytest

from orchestration.warehouse.lock import RefreshAlreadyRunning, refresh_lock
from orchestration.warehouse.publish import wal_path
from tests.conftest import Refreshed, kill_process_group, refresh
from tests.reliability.conftest import cli, file_state, start_paused_at


def test_a_second_refresh_exits_at_once_while_one_is_running(warehouse):
    running = start_paused_at(warehouse, "ingest")
    try:
        second = cli(warehouse)
        _, stderr = second.communicate(timeout=120)
        assert second.returncode == 3
        assert "refresh already running" in stderr
        # a Dagster run cannot start its writers either: the lock resource refuses
        served_before = file_state(warehouse.served_db)
        with pytest.raises(RefreshAlreadyRunning), refresh_lock(warehouse):
            pass
        blocked = refresh(warehouse)
        assert not blocked.report.success
        assert not blocked.report.published
        assert file_state(warehouse.served_db) == served_before
    finally:
        kill_process_group(running)


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
