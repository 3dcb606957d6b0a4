"""Where the gates' GX validations run: in a process of their own when the refresh
started one, else in the process that asks.

Importing GX and pandas takes about a second, one core's work. ``paperhouse refresh``
starts the validation process first thing (``start_validation_process``), so that it
imports them on the second core while the refresh process imports Dagster and dbt, which
then never imports GX itself: a one-dump refresh at 1M starts about 0.8 s sooner.

A gate hands over its rows as an Arrow table; they cross as an Arrow IPC file in the
frame folder (``/dev/shm`` when it has room: ``orchestration/workers.py``), which the
validation process maps, and its verdict comes back through a pipe. A validation process
that ends before it answers fails the gate that asked (never a pass); the gates after it
validate in the asking process. The process ends when the pipe closes: when the refresh
process ends, killed or not.
"""

from __future__ import annotations

import itertools
import multiprocessing
import multiprocessing.util
import os
import signal
import threading
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.checks.suites import Suite, SuiteOutcome, raised
from orchestration.collector import long_lived_imports
from orchestration.spawning import main_script_hidden

if TYPE_CHECKING:
    import pyarrow as pa

#: After a validation of this many rows the validation process gives memory back.
BIG_FRAME_ROWS = 100_000


class ValidationProcess:
    """A spawned process that validates tables with GX, one at a time."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._pipe, theirs = context.Pipe()
        with main_script_hidden():
            self._process = context.Process(
                target=_serve, args=(theirs,), name="paperhouse-gx", daemon=True
            )
            self._process.start()
        theirs.close()
        self._frames = None  # made at the first validation (polars is imported by then)
        self._numbers = itertools.count()
        self._lock = threading.Lock()
        self.broken = False

    @property
    def usable(self) -> bool:
        return not self.broken and self._process.is_alive()

    def validate(self, table: pa.Table, suite: Suite) -> SuiteOutcome:
        with self._lock:
            if self._frames is None:
                from orchestration.workers import frame_folder

                self._frames = frame_folder()
            path = Path(self._frames.name) / f"{next(self._numbers)}.arrow"
            try:
                _write_table(table, path)
                self._pipe.send((str(path), suite))
                return self._pipe.recv()
            except (EOFError, OSError) as error:
                self.broken = True
                self._process.join(timeout=1)
                return raised(
                    suite.name,
                    "gx_validation_process",
                    f"the GX validation process ended (exit code {self._process.exitcode})"
                    f" before answering: {type(error).__name__} {error}".strip(),
                    rows=table.num_rows,
                )
            finally:
                path.unlink(missing_ok=True)

    def close(self) -> None:
        """End the process (it ends at the closed pipe) and remove the frame folder."""
        self._pipe.close()
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        if self._frames is not None:
            self._frames.cleanup()


_process: ValidationProcess | None = None


def start_validation_process() -> ValidationProcess:
    """Validate in a process of this one's from now on (see the module docs)."""
    global _process
    if _process is None or not _process.usable:
        _process = ValidationProcess()
    return _process


def stop_validation_process() -> None:
    global _process
    if _process is not None:
        _process.close()
        _process = None


def validate(table: pa.Table, suite: Suite) -> SuiteOutcome:
    """The verdict of ``suite`` on ``table``: in the validation process when one runs,
    else here."""
    if _process is not None and _process.usable:
        return _process.validate(table, suite)
    with long_lived_imports():  # GX, the first time (orchestration/collector.py)
        from orchestration.checks.gx_validation import validate_table

    return validate_table(table, suite)


def _write_table(table: pa.Table, path: Path) -> None:
    import pyarrow as pa

    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)


def _serve(pipe: Connection) -> None:
    """The validation process: import GX, then validate each table sent until the pipe
    closes. Ctrl-C is the refresh process's to handle; it closes the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with long_lived_imports():
        import pyarrow as pa

        from orchestration.checks.gx_validation import validate_table
        from orchestration.memory import release_memory

    while True:
        try:
            path, suite = pipe.recv()
        except (EOFError, OSError):
            break
        try:
            with pa.memory_map(path) as source:
                table = pa.ipc.open_file(source).read_all()
            outcome = validate_table(table, suite)
            rows = table.num_rows
            del table
        except Exception as error:  # the gate fails, the process goes on
            outcome, rows = raised(suite.name, "gx_validation", f"{error}"[:300]), 0
        pipe.send(outcome)
        if rows >= BIG_FRAME_ROWS:
            release_memory()
    # what multiprocessing does at a process's end (the named semaphores an import made
    # are removed), without the interpreter's teardown of GX's objects: nothing is left
    multiprocessing.util._exit_function()
    os._exit(0)
