"""Batches of pure work on worker processes: in order, one polars thread each, and the
calling process left as it was."""

import os
import sys

import polars as pl
import pytest

from orchestration.workers import map_batches


def where(batch: int) -> tuple[int, int, int]:
    """The batch, the process that ran it and its polars threads."""
    return batch, os.getpid(), pl.thread_pool_size()


def allocator_setting(batch: int) -> str | None:
    return os.environ.get(ALLOCATOR)


#: polars' jemalloc reads its settings from here (polars' own defaults: memory freed is
#: handed back to the kernel within a second).
ALLOCATOR = "_RJEM_MALLOC_CONF"


def fail_on_three(batch: int) -> int:
    if batch == 3:
        raise ValueError("batch 3 is bad")
    return batch


def test_many_batches_run_in_order_on_single_threaded_workers():
    results = list(map_batches(where, range(9), workers=2))
    assert [batch for batch, _, _ in results] == list(range(9))
    workers = {pid for _, pid, _ in results}
    assert os.getpid() not in workers and len(workers) == 2
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


def test_a_workers_error_reaches_the_caller():
    with pytest.raises(ValueError, match="batch 3 is bad"):
        list(map_batches(fail_on_three, range(8), workers=2))
