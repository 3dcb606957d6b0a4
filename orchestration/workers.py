"""Pure polars work on batches, spread over worker processes: one per core.

polars keeps a second core mostly idle on paperhouse's string work (tokenising, regular
expressions): two threads counted 40,000 papers' keyphrase terms in 9.8 s, one thread
in 11.6 s. Two processes of one thread each, on two batches at once, use both cores.

Workers start with ``spawn`` (a fork of a process holding polars' and DuckDB's threads
can deadlock), all of them when the pool is made, with ``_WORKER_ENV`` in the
environment they inherit (polars reads it once, at import, which in a spawned process
can come before any initializer runs). The calling process's environment is restored
at once. A run of one batch, or a machine of one core (``PAPERHOUSE_WORKERS=1``), stays
in the calling process.

Frames cross between the processes as Arrow IPC files in memory (``/dev/shm``, when it
has 1 GB free; else the temporary folder), not through the pool's pipes: a pipe moved
25,000 abstracts (37 MB) in many small writes and context switches, so the URL model at
1M spent 8.5 s where the files take 5.8 s.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import pickle
import shutil
import signal
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import chain
from multiprocessing.pool import AsyncResult, Pool
from multiprocessing.reduction import ForkingPickler
from pathlib import Path
from typing import TypeVar

import polars as pl

from orchestration.spawning import main_script_hidden

WORKERS_ENV = "PAPERHOUSE_WORKERS"
#: The environment workers start with: one polars thread each, and polars' allocator
#: (jemalloc) keeping the memory it frees. polars' own settings hand freed memory back
#: to the kernel within a second; a batch allocates and frees about 1.4 GB, so each
#: batch faulted it in again page by page, and a third of a worker's time went to the
#: kernel (counting 20,000 papers' keyphrase terms: 3.7 s, 1.1 s of it system time;
#: kept: 2.8 s, 0.1 s). polars appends this setting to its own, and the last one wins.
#: A worker lives for one ``map_batches`` call, so what it keeps is freed when it ends.
_WORKER_ENV = {
    "POLARS_MAX_THREADS": "1",
    "_RJEM_MALLOC_CONF": "dirty_decay_ms:-1,muzzy_decay_ms:-1",
}

Batch = TypeVar("Batch")
Result = TypeVar("Result")


#: Where this process writes the frames it sends while a pool runs (None: no pool).
_frame_dir: Path | None = None
_frame_numbers = itertools.count()
#: Memory-backed where the system has it, so a frame file never touches the disk.
_SHARED_MEMORY = Path("/dev/shm")
#: Free space ``/dev/shm`` must have to be used: a batch's frame is tens of MB, and a
#: container's ``/dev/shm`` is often 64 MB. With less, frames go to the temporary folder.
SHARED_MEMORY_NEEDED = 1 << 30
FRAME_DIR_PREFIX = "paperhouse-frames-"


def frame_root(shared_memory: Path, needed: int) -> Path | None:
    """Where a pool's frame folder goes: ``shared_memory`` if it exists with ``needed``
    bytes free, else None (the system's temporary folder)."""
    try:
        stats = os.statvfs(shared_memory)
    except OSError:
        return None
    return shared_memory if stats.f_bavail * stats.f_frsize >= needed else None


def remove_orphaned_frame_dirs(root: Path) -> None:
    """Remove the frame folders in ``root`` of processes that are gone: a process killed
    with ``kill -9`` skips every cleanup, and files in ``/dev/shm`` hold memory until
    removed. A folder's name holds the id of the process that made it."""
    for folder in root.glob(f"{FRAME_DIR_PREFIX}*-*"):
        pid = folder.name.removeprefix(FRAME_DIR_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def frame_folder() -> tempfile.TemporaryDirectory:
    """A new folder for the frames this process sends (in ``/dev/shm`` when it has room),
    once the folders of killed processes are gone."""
    root = frame_root(_SHARED_MEMORY, SHARED_MEMORY_NEEDED)
    remove_orphaned_frame_dirs(root or Path(tempfile.gettempdir()))
    return tempfile.TemporaryDirectory(prefix=f"{FRAME_DIR_PREFIX}{os.getpid()}-", dir=root)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        pass
    return True


def _use_frame_dir(directory: str | None) -> None:
    global _frame_dir
    _frame_dir = None if directory is None else Path(directory)


def _start_worker(directory: str) -> None:
    """Each worker's first step: it sends frames through ``directory``, and it dies on
    SIGTERM, so that stopping the refresh's process group stops its workers too. A
    process started with SIGTERM ignored keeps ignoring it, and Dagster leaves SIGTERM
    ignored after an in-process run in a process that ignores SIGINT (it maps SIGTERM to
    SIGINT's handler), such as one a script started in the background. Until this step
    runs, a worker ignores SIGTERM too, so pools are closed, never terminated
    (``_pool``)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _use_frame_dir(directory)


def _reduce_frame(frame: pl.DataFrame):
    """How multiprocessing pickles a frame: while a pool runs, as the path of an IPC file
    holding it (a name never used before: the reader may map the file); else as polars
    pickles it."""
    if _frame_dir is None:
        return frame.__reduce_ex__(pickle.DEFAULT_PROTOCOL)
    path = _frame_dir / f"{os.getpid()}-{next(_frame_numbers)}.arrow"
    frame.write_ipc(path)
    return _read_frame_file, (str(path),)


def _read_frame_file(path: str) -> pl.DataFrame:
    """A frame sent as a file, read whole; the file is gone after."""
    try:
        return pl.read_ipc(path)
    finally:
        os.unlink(path)


ForkingPickler.register(pl.DataFrame, _reduce_frame)


def worker_count() -> int:
    """``PAPERHOUSE_WORKERS``, or one per core."""
    return max(1, int(os.environ.get(WORKERS_ENV) or os.cpu_count() or 1))


@contextmanager
def _pool(workers: int) -> Iterator[Pool]:
    """A pool of ``workers`` spawned processes, each with one polars thread. The functions
    given to ``map_batches`` live in modules of their own (``main_script_hidden``)."""
    saved = {name: os.environ.get(name) for name in _WORKER_ENV}
    frames = frame_folder()
    os.environ.update(_WORKER_ENV)
    try:
        with main_script_hidden():
            pool = multiprocessing.get_context("spawn").Pool(workers, _start_worker, (frames.name,))
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    _use_frame_dir(frames.name)
    try:
        yield pool
    finally:
        _use_frame_dir(None)
        # closed, not terminated: each worker finishes the batches it has (at most two,
        # even after an error) and ends at its end-of-work message. Terminating relies
        # on SIGTERM, which a worker still starting up may ignore (see _start_worker).
        pool.close()
        pool.join()
        frames.cleanup()


def map_batches(
    function: Callable[[Batch], Result], batches: Iterable[Batch], *, workers: int | None = None
) -> Iterator[Result]:
    """``function(batch)`` for each batch, in order. With at least two batches per worker
    (fewer do not repay starting the workers), on worker processes, at most two batches
    per worker in flight (one running, one queued), so memory holds a bounded number of
    batches. ``function`` and the batches must pickle (a module-level function, frames)."""
    workers = worker_count() if workers is None else workers
    batches = iter(batches)
    head = [batch for _, batch in zip(range(2 * workers), batches, strict=False)]
    if workers <= 1 or len(head) < 2 * workers:
        yield from map(function, chain(head, batches))
        return
    with _pool(workers) as pool:
        pending: deque[AsyncResult[Result]] = deque()
        for batch in chain(head, batches):
            pending.append(pool.apply_async(function, (batch,)))
            if len(pending) >= 2 * workers:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
