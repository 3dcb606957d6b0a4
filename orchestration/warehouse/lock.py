"""One refresh at a time per warehouse folder: an exclusive, non-blocking file lock."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from orchestration.settings import Settings


class RefreshAlreadyRunning(RuntimeError):
    pass


_held_locks: dict[Path, int] = {}


@contextmanager
def refresh_lock(settings: Settings) -> Iterator[None]:
    """Hold the warehouse's refresh lock, or raise at once if another process has it.

    Re-entrant within a process: the CLI takes it, and the run it starts in-process takes
    it again through the Dagster resource. The kernel drops it when the process dies.
    """
    path = settings.lock_file
    if path in _held_locks:
        yield
        return
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise RefreshAlreadyRunning(
                f"refresh already running on {settings.warehouse_dir} (lock {path})"
            ) from error
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        _held_locks[path] = fd
        yield
    finally:
        _held_locks.pop(path, None)
        os.close(fd)
