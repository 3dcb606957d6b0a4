"""GX validation in a process of its own: the same verdicts as in this process, each
to the request that asked however they are read, a process that dies fails the gates
still waiting, and the refresh process never imports GX."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import great_expectations.expectations as gxe
import pyarrow as pa
import pytest

from orchestration.checks import validation
from orchestration.checks.gx_validation import validate_table
from orchestration.checks.suites import Suite
from orchestration.checks.validation import ValidationProcess
from orchestration.settings import PROJECT_ROOT

TABLE = pa.table({"id": ["a", "b", "c", "c"], "n": [1, 2, 3, 4]})

SUITES = {
    "passes": [gxe.ExpectColumnValuesToNotBeNull(column="id")],
    "fails": [gxe.ExpectColumnValuesToBeUnique(column="id")],
    "raises": [
        gxe.ExpectColumnValuesToNotBeNull(column="id"),
        gxe.ExpectColumnValuesToNotBeNull(column="no_such_column"),
    ],
    "empty": [],
}


def suite(name: str) -> Suite:
    return Suite(name, [e.configuration.to_json_dict() for e in SUITES[name]])


@pytest.fixture
def process():
    process = ValidationProcess()
    yield process
    process.close()


def test_the_process_judges_as_this_process_does_and_leaves_no_frame(process):
    # all sent before any is read, read in reverse: each verdict reaches its request
    awaited = {name: process.submit(TABLE, suite(name)) for name in SUITES}
    verdicts = {name: awaited[name].result() for name in reversed(SUITES)}
    assert verdicts == {name: validate_table(TABLE, suite(name)) for name in SUITES}
    assert verdicts["passes"].success
    [failed] = verdicts["fails"].failed
    assert (failed.unexpected_count, failed.examples) == (2, ["c", "c"])
    [raised] = verdicts["raises"].raised
    assert raised.column == "no_such_column"
    assert not verdicts["raises"].success
    assert not verdicts["empty"].success
    assert verdicts["passes"].rows == 4
    assert list(Path(process._frames.name).iterdir()) == []


def test_a_suite_gx_cannot_read_fails_and_the_process_goes_on(process):
    unreadable = Suite("bad", [{"type": "expect_no_such_thing", "kwargs": {}}])
    outcome = process.submit(TABLE, unreadable).result()
    assert not outcome.success
    assert [o.expectation for o in outcome.raised] == ["gx_validation"]
    assert process.submit(TABLE, suite("passes")).result().success


def test_rows_that_cannot_be_written_fail_their_gate_and_the_process_goes_on(process, monkeypatch):
    def full(table, path):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(validation, "_write_table", full)
        outcome = process.submit(TABLE, suite("passes")).result()
    assert not outcome.success
    [raised] = outcome.raised
    assert "No space left on device" in raised.error
    assert process.usable
    assert process.submit(TABLE, suite("passes")).result().success


def test_a_process_that_dies_fails_the_gates_waiting_then_gates_validate_here(monkeypatch):
    process = ValidationProcess()
    monkeypatch.setattr(validation, "_process", process)
    try:
        assert validation.submit(TABLE, suite("passes")).result().success
        process._pipe.send("not a request")  # the process fails on it and ends
        waiting = [process.submit(TABLE, suite("passes")) for _ in range(2)]
        process._process.join(timeout=30)
        for verdict in waiting:
            outcome = verdict.result()
            assert not outcome.success
            [raised] = outcome.raised
            assert raised.expectation == "gx_validation_process"
            assert "exit code 1" in raised.error
        assert not process.usable
        # the next gates validate in this process
        assert validation.submit(TABLE, suite("passes")).result().success
        assert not validation.submit(TABLE, suite("fails")).result().success
    finally:
        process.close()
    assert not Path(process._frames.name).exists()


def test_a_killed_process_fails_the_gate_that_asks(process):
    assert process.submit(TABLE, suite("passes")).result().success
    os.kill(process._process.pid, signal.SIGKILL)
    process._process.join(timeout=10)
    [raised] = process.submit(TABLE, suite("passes")).result().raised
    assert "exit code -9" in raised.error


def test_without_a_process_gates_validate_here(monkeypatch, capsys):
    def cannot_start():
        raise OSError("Resource temporarily unavailable")

    monkeypatch.setattr(validation, "_process", None)
    monkeypatch.setattr(validation, "ValidationProcess", cannot_start)
    assert validation.start_validation_process() is None
    assert "GX validates in this process" in capsys.readouterr().err
    assert validation.submit(TABLE, suite("passes")).result().success
    assert not validation.submit(TABLE, suite("raises")).result().success


def run_fresh(code: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def test_the_process_ends_when_the_refresh_process_is_killed():
    parent = run_fresh(
        """
        import time
        from orchestration.checks.validation import start_validation_process
        process = start_validation_process()
        print(process._process.pid, flush=True)
        time.sleep(60)
        """
    )
    child = int(parent.stdout.readline())
    os.kill(child, 0)  # running
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 20
    while Path(f"/proc/{child}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{child}").exists()


def test_a_validation_process_leaves_no_semaphore_behind():
    """GX's imports make a named semaphore in the validation process (tqdm's lock); the
    process removes it as it ends, or the system keeps it and Python warns of a leak."""
    script = run_fresh(
        """
        import pyarrow as pa
        from orchestration.checks import validation
        from orchestration.checks.suites import Suite
        validation.start_validation_process()
        check = {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "c"}}
        print(validation.submit(pa.table({"c": [1]}), Suite("s", [check])).result().success)
        validation.stop_validation_process()
        """,
        stderr=subprocess.PIPE,
    )
    out, err = script.communicate(timeout=120)
    assert (script.returncode, out.strip()) == (0, "True")
    assert "leaked" not in err, err


def test_a_refresh_process_with_a_validation_process_never_imports_gx():
    """What the CLI does (``orchestration/cli.py``): start the validation process, import
    what a refresh needs, run a gate; GX and pandas are imported only over there."""
    script = run_fresh(
        """
        import sys
        import duckdb
        from orchestration.checks.validation import start_validation_process
        start_validation_process()
        from orchestration.refresh import run_refresh
        from orchestration.definitions import defs
        from orchestration.checks.gates import GATES_BY_NAME, run_gate
        con = duckdb.connect()
        con.execute("create schema reference")
        con.execute(
            "create table reference.stopwords as"
            " select 'w' || chr((97 + i // 26)::int) || chr((97 + i % 26)::int) as word"
            " from range(200) as r(i)"
        )
        outcome = run_gate(con, GATES_BY_NAME["gx_stopwords"])
        print(outcome.success, "great_expectations" in sys.modules, "pandas" in sys.modules)
        """
    )
    out, _ = script.communicate(timeout=120)
    assert script.returncode == 0
    assert out.split() == ["True", "False", "False"]
