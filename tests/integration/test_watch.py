"""``paperhouse watch``: one process refreshes each time a dump lands, prints each
refresh's progress once, does not try a failed refresh again for the same dumps, and
stops on Ctrl-C with exit code 0; a dump landing brings a look at once, not at the next
interval."""

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time

import duckdb

from orchestration.settings import LANDING_ENV, WAREHOUSE_ENV
from orchestration.warehouse.lock import refresh_lock
from tests.conftest import SAMPLE_FILES, make_settings

WAITING = "waiting for a new or changed dump"
BUSY = "refresh already running"
PUBLISHED = "published /"


def read_until(lines: queue.Queue, text: str, timeout: float = 240) -> str:
    """The watch's output from now up to the first line holding ``text``."""
    seen, deadline = [], time.monotonic() + timeout
    while not seen or text not in seen[-1]:
        try:
            line = lines.get(timeout=max(deadline - time.monotonic(), 0.01))
        except queue.Empty:
            raise AssertionError(f"no {text!r} within {timeout} s:\n{''.join(seen)}") from None
        if line is None:
            raise AssertionError(f"watch ended before {text!r}:\n{''.join(seen)}")
        seen.append(line)
    return "".join(seen)


def served_papers(settings) -> int:
    with duckdb.connect(str(settings.served_db), read_only=True) as con:
        return con.execute("select count(*) from papers").fetchone()[0]


def land(settings, sample) -> None:
    """A dump moved into the landing folder whole, as a finished download is."""
    partial = settings.landing_dir.parent / sample.name
    partial.write_bytes(sample.read_bytes())
    partial.rename(settings.landing_dir / sample.name)


def stop(watch: subprocess.Popen, lines: queue.Queue) -> int:
    """Ctrl-C; the exit code. A watch still up a minute later is made to print where each
    of its threads is (SIGABRT, with PYTHONFAULTHANDLER), for the failure message."""
    watch.send_signal(signal.SIGINT)
    try:
        return watch.wait(timeout=60)
    except subprocess.TimeoutExpired:
        watch.send_signal(signal.SIGABRT)
        watch.wait(timeout=30)
        output = []
        with contextlib.suppress(queue.Empty):
            while (line := lines.get(timeout=5)) is not None:
                output.append(line)
        raise AssertionError("watch still up 60 s after Ctrl-C:\n" + "".join(output)) from None


def start_watch(settings, interval: float) -> tuple[subprocess.Popen, queue.Queue]:
    """``paperhouse watch --interval interval`` on ``settings``' folders; its output lines
    (None at its end)."""
    env = os.environ | {
        LANDING_ENV: str(settings.landing_dir),
        WAREHOUSE_ENV: str(settings.warehouse_dir),
        "PYTHONFAULTHANDLER": "1",  # SIGABRT prints every thread's stack (see stop)
    }
    watch = subprocess.Popen(
        [sys.executable, "-m", "orchestration.cli", "watch", "--interval", str(interval)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue = queue.Queue()
    threading.Thread(
        target=lambda: [*map(lines.put, watch.stdout), lines.put(None)], daemon=True
    ).start()
    return watch, lines


def test_watch_refreshes_when_a_dump_lands_and_stops_on_ctrl_c(tmp_path):
    first, second, third = SAMPLE_FILES
    settings = make_settings(tmp_path, {first.name: first.read_bytes()})
    with refresh_lock(settings):  # another refresh runs when the watch starts
        watch, lines = start_watch(settings, interval=0.2)
        try:
            refused = read_until(lines, WAITING)
            time.sleep(1)  # five more looks at the unchanged landing folder
        except BaseException:
            watch.kill()
            raise
    try:
        land(settings, second)  # the landing folder changed: the first dump comes with it
        two_dumps = read_until(lines, WAITING)
        papers_after_two = served_papers(settings)
        land(settings, third)
        three_dumps = read_until(lines, WAITING)
        assert stop(watch, lines) == 0
    finally:
        watch.kill()
    stopped = read_until(lines, "stopped", timeout=10)

    assert refused.count(BUSY) == 1 and "tried again when the landing folder changes" in refused
    assert "ingest: 2 file(s)" in two_dumps and BUSY not in two_dumps
    assert papers_after_two == 243
    assert three_dumps.count("paperhouse refresh:") == 1
    assert three_dumps.count("ingest: 1 file(s)") == 1  # each progress line once
    assert three_dumps.count("\npublished ") == 1
    assert served_papers(settings) == 494
    assert "paperhouse watch: stopped" in stopped


def test_a_dump_landing_is_picked_up_at_once_not_at_the_next_interval(tmp_path):
    first, second, _ = SAMPLE_FILES
    settings = make_settings(tmp_path, {first.name: first.read_bytes()})
    watch, lines = start_watch(settings, interval=3600)  # one look an hour
    try:
        first_refresh = read_until(lines, PUBLISHED)  # the first look is at the start
        land(settings, second)
        second_refresh = read_until(lines, PUBLISHED, timeout=120)
        assert stop(watch, lines) == 0
    finally:
        watch.kill()

    assert "every 3600 s" in first_refresh
    assert second_refresh.count("ingest: 1 file(s)") == 1
    assert served_papers(settings) == 243
