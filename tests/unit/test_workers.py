"""Batches of pure work on worker processes: in order, one polars thread each, and the
calling process left as it was."""

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from orchestration import workers
from orchestration.workers import FRAME_DIR_PREFIX, frame_root, map_batches


def where(batch: int) -> tuple[int, int, int]:
    """The batch, the process that ran it and its polars threads."""
    return batch, os.getpid(), pl.thread_pool_size()


def where_after_a_while(batch: int) -> tuple[int, int, int]:
    """``where``, long enough that a worker still starting gets batches too."""
    time.sleep(0.25)
    return where(batch)


def allocator_setting(batch: int) -> str | None:
    return os.environ.get(ALLOCATOR)


#: polars' jemalloc reads its settings from here (polars' own defaults: memory freed is
#: handed back to the kernel within a second).
ALLOCATOR = "_RJEM_MALLOC_CONF"


def fail_on_three(batch: int) -> int:
    if batch == 3:
        raise ValueError("batch 3 is bad")
    return batch


def dies_on_sigterm(batch: int) -> bool:
    return signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


def fail_on_frame_three(frame: pl.DataFrame) -> pl.DataFrame:
    fail_on_three(frame["n"][0])
    return frame


def frame_received(frame: pl.DataFrame) -> tuple[pl.DataFrame, str, int]:
    """The frame as the worker got it, one column added, where its frames go and how many
    frame files are there now."""
    directory = workers._frame_dir
    return frame.with_columns(doubled=pl.col("n") * 2), str(directory), len(os.listdir(directory))


def every_kind_of_column(batch: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "text": ["a", None, "\u00e9t\u00e9"],
            "n": pl.Series([batch, 2**63, 0], dtype=pl.UInt64),
            "keys": [[1, 2], [], None],
            "phrase": [{"stem": "x", "score": 1.5}, None, {"stem": "y", "score": None}],
            "at": [datetime(2026, 1, 1), None, datetime(1999, 12, 31, 23, 59)],
            "kind": pl.Series(["acronym", "phrase", "acronym"], dtype=pl.Categorical),
            "change": pl.Series(["added", "removed", None], dtype=pl.Enum(["added", "removed"])),
            "nothing": [None, None, None],
        }
    )


@pytest.fixture
def frame_dir(tmp_path, monkeypatch):
    """Where the pools of a test keep the frames they send."""
    monkeypatch.setattr(workers, "_SHARED_MEMORY", tmp_path)
    monkeypatch.setattr(workers, "SHARED_MEMORY_NEEDED", 0)
    return tmp_path


def test_a_pool_removes_the_frame_folders_of_killed_processes(frame_dir):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    orphaned = frame_dir / f"{FRAME_DIR_PREFIX}{gone.pid}-abc"
    orphaned.mkdir()
    (orphaned / "1-0.arrow").write_bytes(b"x" * 1000)
    running = frame_dir / f"{FRAME_DIR_PREFIX}{os.getpid()}-def"
    running.mkdir()
    unrelated = frame_dir / "someone-else"
    unrelated.mkdir()

    assert list(map_batches(fail_on_three, [1, 2, 4, 5], workers=2)) == [1, 2, 4, 5]
    assert sorted(p.name for p in frame_dir.iterdir()) == sorted([running.name, unrelated.name])


def test_workers_die_on_sigterm_even_when_the_caller_ignores_it():
    # a worker that kept the caller's SIG_IGN (Dagster leaves it so after a run, when
    # SIGINT is ignored) would outlive any SIGTERM
    ignored = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        assert list(map_batches(dies_on_sigterm, range(4), workers=2)) == [True] * 4
    finally:
        signal.signal(signal.SIGTERM, ignored)


POOLS_IN_A_PROCESS_IGNORING_SIGTERM = """
import signal
from orchestration.workers import map_batches
from tests.unit.test_workers import fail_on_three

if __name__ == "__main__":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    for _ in range(10):
        assert list(map_batches(fail_on_three, [1, 2, 4, 5], workers=2)) == [1, 2, 4, 5]
        try:
            list(map_batches(fail_on_three, range(8), workers=2))
        except ValueError as error:
            assert str(error) == "batch 3 is bad"
        else:
            raise AssertionError("the error of batch 3 did not reach the caller")
"""


def test_pools_end_in_a_process_that_ignores_sigterm(tmp_path):
    # pools are closed, not terminated, after an error too: terminating sends SIGTERM,
    # which a worker still starting up (before it resets it) ignores, and the pool
    # then waited for it forever
    script = tmp_path / "pools.py"
    script.write_text(POOLS_IN_A_PROCESS_IGNORING_SIGTERM)
    done = subprocess.run(
        [sys.executable, str(script)], cwd=Path(__file__).parents[2], timeout=60, check=False
    )
    assert done.returncode == 0


def test_frames_go_to_shared_memory_only_when_it_has_room(tmp_path):
    free = shutil.disk_usage(tmp_path).free
    assert frame_root(tmp_path, needed=free // 2) == tmp_path
    assert frame_root(tmp_path, needed=free * 2) is None  # a container's 64 MB /dev/shm
    assert frame_root(tmp_path / "missing", needed=0) is None


def test_frames_cross_to_workers_and_back_unchanged_through_files_cleaned_after(frame_dir):
    frames = [every_kind_of_column(batch) for batch in range(16)]
    results = list(map_batches(frame_received, frames, workers=2))
    for sent, (received, directory, _) in zip(frames, results, strict=True):
        assert received.drop("doubled").equals(sent)
        assert received.schema == sent.schema | {"doubled": pl.UInt64}
        assert directory.startswith(str(frame_dir))
    # a file is removed once read: only the batches in flight (4) and results have one
    assert max(files for _, _, files in results) <= 8
    # the frames still pickle as polars does once the pool is gone
    assert workers._frame_dir is None
    assert list(frame_dir.iterdir()) == []


def test_frames_made_by_workers_arrive_whole(frame_dir):
    made = list(map_batches(every_kind_of_column, range(5), workers=2))
    assert [frame["n"][0] for frame in made] == list(range(5))
    assert all(frame.equals(every_kind_of_column(batch)) for batch, frame in enumerate(made))
    assert list(frame_dir.iterdir()) == []


def test_many_batches_run_in_order_on_single_threaded_workers():
    results = list(map_batches(where_after_a_while, range(9), workers=2))
    assert [batch for batch, _, _ in results] == list(range(9))
    pids = {pid for _, pid, _ in results}
    assert os.getpid() not in pids and len(pids) == 2
    assert {threads for _, _, threads in results} == {1}


def test_the_calling_process_is_left_as_it_was():
    main_file = sys.modules["__main__"].__dict__.get("__file__")
    before = {name: os.environ.get(name) for name in ("POLARS_MAX_THREADS", ALLOCATOR)}
    list(map_batches(where, range(6), workers=2))
    assert sys.modules["__main__"].__dict__.get("__file__") == main_file
    assert {name: os.environ.get(name) for name in before} == before


def test_workers_keep_the_memory_polars_frees():
    # polars puts its own defaults first when it loads; jemalloc applies the last value
    settings = set(map_batches(allocator_setting, range(4), workers=2))
    assert len(settings) == 1
    assert settings.pop().endswith(",dirty_decay_ms:-1,muzzy_decay_ms:-1")


@pytest.mark.parametrize(("batches", "workers"), [(3, 2), (9, 1), (1, 4)])
def test_a_few_batches_or_one_worker_stay_in_this_process(batches, workers):
    results = list(map_batches(where, range(batches), workers=workers))
    assert [batch for batch, _, _ in results] == list(range(batches))
    assert {pid for _, pid, _ in results} == {os.getpid()}


def test_a_workers_error_reaches_the_caller_and_no_frame_is_left(frame_dir):
    with pytest.raises(ValueError, match="batch 3 is bad"):
        list(map_batches(fail_on_three, range(8), workers=2))
    with pytest.raises(ValueError, match="batch 3 is bad"):
        list(map_batches(fail_on_frame_three, [pl.DataFrame({"n": [n]}) for n in range(8)]))
    assert list(frame_dir.iterdir()) == []
