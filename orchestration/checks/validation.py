"""Where the gates' GX validations run: in a process of their own when the refresh
started one, else in the process that asks.

Importing GX and pandas takes about a second, one core's work. ``paperhouse refresh``
starts the validation process first thing (``start_validation_process``), so that it
imports them on the second core while the refresh process imports Dagster and dbt, which
then never imports GX itself: a one-dump refresh at 1M starts about 0.8 s sooner.

A gate hands over its rows as an Arrow table (``submit``) and reads the verdict later
(``Verdict.result``): meanwhile the refresh process runs the gate's other queries and the
next gate's, while the validation process validates. The rows cross as an Arrow IPC file
in the frame folder (``/dev/shm`` when it has room: ``orchestration/workers.py``), which
the validation process maps; verdicts come back through a pipe, in the order asked, each
with its request's number. A validation process that ends before it answers fails every
gate still waiting for it (never a pass); later gates validate in the asking process.
The process ends when the pipe closes: when the refresh process ends, killed or not.
"""

from __future__ import annotations

import itertools
import multiprocessing
import multiprocessing.util
import os
import signal
import sys
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from orchestration.checks.suites import Suite, SuiteOutcome, raised
from orchestration.collector import long_lived_imports
from orchestration.spawning import main_script_hidden

if TYPE_CHECKING:
    import pyarrow as pa


class Verdict(Protocol):
    def result(self) -> SuiteOutcome: ...


@dataclass(frozen=True)
class Given:
    """A verdict reached already."""

    outcome: SuiteOutcome

    def result(self) -> SuiteOutcome:
        return self.outcome


@dataclass(frozen=True)
class _Awaited:
    """A verdict the validation process is reaching: request ``number``."""

    process: ValidationProcess
    number: int
    suite: str
    rows: int

    def result(self) -> SuiteOutcome:
        return self.process.receive(self)


class ValidationProcess:
    """A spawned process that validates tables with GX, one at a time, in the order sent."""

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
        #: verdicts received before the one asked for (each verdict is read once)
        self._received: dict[int, SuiteOutcome] = {}
        self._lock = threading.Lock()
        self.broken = False

    @property
    def usable(self) -> bool:
        return not self.broken and self._process.is_alive()

    def submit(self, table: pa.Table, suite: Suite) -> Verdict:
        with self._lock:
            if self._frames is None:
                from orchestration.workers import frame_folder

                self._frames = frame_folder()
            number = next(self._numbers)
            path = Path(self._frames.name) / f"{number}.arrow"
            try:
                _write_table(table, path)
            except OSError as error:  # a full disk or memory: this gate fails, not the process
                path.unlink(missing_ok=True)
                reason = f"the rows could not be handed to GX: {type(error).__name__} {error}"
                return Given(raised(suite.name, "gx_validation", reason, rows=table.num_rows))
            try:
                self._pipe.send((number, str(path), suite))
            except OSError as error:  # the pipe is closed: the process ended
                path.unlink(missing_ok=True)
                return Given(self._ended(suite.name, table.num_rows, error))
            return _Awaited(self, number, suite.name, table.num_rows)

    def receive(self, awaited: _Awaited) -> SuiteOutcome:
        with self._lock:
            while awaited.number not in self._received:
                if self.broken:
                    return self._ended(awaited.suite, awaited.rows)
                try:
                    number, outcome = self._pipe.recv()
                except (EOFError, OSError) as error:
                    return self._ended(awaited.suite, awaited.rows, error)
                self._received[number] = outcome
            return self._received.pop(awaited.number)

    def _ended(self, suite: str, rows: int, error: Exception | None = None) -> SuiteOutcome:
        self.broken = True
        self._process.join(timeout=1)
        reason = f": {type(error).__name__} {error}".rstrip() if error else ""
        return raised(
            suite,
            "gx_validation_process",
            f"the GX validation process ended (exit code {self._process.exitcode})"
            f" before answering{reason}",
            rows=rows,
        )

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


def start_validation_process() -> ValidationProcess | None:
    """Validate in a process of this one's from now on (see the module docs); None, and
    validation here, when the system cannot start a process (the error is printed)."""
    global _process
    if _process is None or not _process.usable:
        try:
            _process = ValidationProcess()
        except OSError as error:
            print(f"warning: GX validates in this process: {error}", file=sys.stderr)
            _process = None
    return _process


def stop_validation_process() -> None:
    global _process
    if _process is not None:
        _process.close()
        _process = None


def submit(table: pa.Table, suite: Suite) -> Verdict:
    """The verdict of ``suite`` on ``table``, to read later: reached in the validation
    process when one runs, else here and now."""
    if _process is not None and _process.usable:
        return _process.submit(table, suite)
    with long_lived_imports():  # GX, the first time (orchestration/collector.py)
        from orchestration.checks.gx_validation import validate_table

    return Given(validate_table(table, suite))


def _write_table(table: pa.Table, path: Path) -> None:
    import pyarrow as pa

    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)


#: What the validation process validates once, before the first table comes: GX makes
#: its context and loads what a validation needs (0.15 s of the first gate's, else).
_WARM_UP = Suite(
    "warm-up", [{"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "c"}}]
)


def _serve(pipe: Connection) -> None:
    """The validation process: import GX, then validate each table sent until the pipe
    closes. Ctrl-C is the refresh process's to handle; it closes the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with long_lived_imports():
        import pyarrow as pa

        from orchestration.checks.gx_validation import validate_table
        from orchestration.memory import BIG_FRAME_ROWS, release_memory

        validate_table(pa.table({"c": [1]}), _WARM_UP)
    while True:
        try:
            number, path, suite = pipe.recv()
        except (EOFError, OSError):
            break
        try:
            with pa.memory_map(path) as source:
                table = pa.ipc.open_file(source).read_all()
            os.unlink(path)  # the mapping stays readable
            outcome = validate_table(table, suite)
            rows = table.num_rows
            del table
        except Exception as error:  # the gate fails, the process goes on
            reason = f"{type(error).__name__}: {error}"[:300]
            outcome, rows = raised(suite.name, "gx_validation", reason), 0
        pipe.send((number, outcome))
        if rows >= BIG_FRAME_ROWS:
            release_memory()
    # what multiprocessing does at a process's end (the named semaphores an import made
    # are removed), without the interpreter's teardown of GX's objects: nothing is left
    multiprocessing.util._exit_function()
    os._exit(0)
