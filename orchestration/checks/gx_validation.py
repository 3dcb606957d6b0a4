"""Run a Great Expectations (GX 1.x) suite over a table and judge the outcome.

GX 1.x has no working DuckDB datasource (its SQL datasource over duckdb-engine closes the
connection before fetching metrics), so the rows go to GX through its pandas datasource:
DuckDB -> Arrow -> pandas, in an ephemeral context. The suites are plain GX JSON files in
``expectations/``, one per gated table.

The verdict is stricter than GX's own ``success``: an expectation that *raised* (bad
column, engine error) counts as failed, and so does one whose success is missing. A gate
never passes on an exception. The suites and verdicts themselves are plain Python
(``suites.py``); this module is where GX runs, in the refresh's validation process or in
the process that asks (``validation.py``).
"""

from __future__ import annotations

import logging
import os
from functools import cache
from typing import Any

from orchestration.checks.deferred_import import defer_import
from orchestration.checks.suites import ExpectationOutcome, Suite, SuiteOutcome, raised

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
defer_import("scipy.stats")  # GX imports it, no paperhouse suite uses it: about 1.5 s
defer_import("altair")  # the KL-divergence expectation's charts (GX's data docs): 0.06-0.1 s

import great_expectations as gx  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402
from great_expectations.execution_engine import pandas_execution_engine  # noqa: E402

EXAMPLES_PER_EXPECTATION = 5
logging.getLogger("great_expectations").setLevel(logging.ERROR)
# GX fingerprints each pandas batch below 1 GB (an MD5 over a hash of every cell), twice
# per validation, for a batch marker paperhouse never reads: 11 of the 25 s that
# validating 11M keyword rows took. A threshold of 0 bytes turns it off.
pandas_execution_engine.HASH_THRESHOLD = 0


@cache
def _batch_definition() -> Any:
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("paperhouse")
    return source.add_dataframe_asset("table").add_batch_definition_whole_dataframe("whole")


def expectation_raised(exception_info: Any) -> bool:
    """True when GX recorded an exception for an expectation, in any of the shapes GX 1.x
    uses (a flat ``{"raised_exception": ...}`` or a mapping of metric id -> that dict)."""
    if not exception_info:
        return False
    if isinstance(exception_info, dict):
        if exception_info.get("raised_exception"):
            return True
        if exception_info.get("exception_message") or exception_info.get("exception_traceback"):
            return True
        return any(expectation_raised(v) for v in exception_info.values() if isinstance(v, dict))
    return bool(getattr(exception_info, "raised_exception", False))


def _error_message(exception_info: Any) -> str | None:
    if isinstance(exception_info, dict):
        if exception_info.get("exception_message"):
            return str(exception_info["exception_message"]).splitlines()[0][:300]
        for value in exception_info.values():
            message = _error_message(value) if isinstance(value, dict) else None
            if message:
                return message
    return None


def _outcome(result: Any) -> ExpectationOutcome:
    config = result.expectation_config
    raised = expectation_raised(result.exception_info)
    details = result.result or {}
    examples = details.get("partial_unexpected_list") or []
    return ExpectationOutcome(
        expectation=config.type,
        column=config.kwargs.get("column") or config.kwargs.get("column_A"),
        success=bool(result.success) and not raised,
        raised=raised,
        observed=_plain(details.get("observed_value")),
        unexpected_count=details.get("unexpected_count"),
        examples=[_plain(e) for e in examples[:EXAMPLES_PER_EXPECTATION]],
        error=_error_message(result.exception_info) if raised else None,
    )


def _plain(value: Any) -> Any:
    """Numpy scalars and tuples -> JSON-friendly Python values for metadata."""
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def validate_table(table: pa.Table, suite: Suite) -> SuiteOutcome:
    """Validate ``table`` against ``suite`` (``validate_frame``); anything that raises on
    the way (a suite GX cannot read, a column pandas cannot hold) fails the suite."""
    try:
        return validate_frame(table.to_pandas(), suite)
    except Exception as error:  # a gate never passes on an exception
        return raised(suite.name, "gx_validation", f"{type(error).__name__}: {error}"[:300])


def gx_suite(suite: Suite) -> gx.ExpectationSuite:
    """The suite as GX's. GX leaves out, with a log line, an expectation it cannot read (an
    unknown type, a bad argument): here that raises, so the suite's gate fails."""
    built = gx.ExpectationSuite(name=suite.name, expectations=suite.expectations, meta=suite.meta)
    if len(built.expectations) != len(suite.expectations):
        unread = len(suite.expectations) - len(built.expectations)
        raise ValueError(f"suite {suite.name}: GX could not read {unread} of its expectations")
    return built


def validate_frame(frame: pd.DataFrame, suite: Suite) -> SuiteOutcome:
    """Validate ``frame`` against ``suite``; see the module docstring for the verdict.

    GX first only judges (``BOOLEAN_ONLY``: success and exceptions, in about half the
    time of ``SUMMARY`` over the 11M ``paper_keywords`` rows and over 500-row slices); a
    suite with a failure is validated again in ``SUMMARY`` for the counts and examples
    of what failed."""
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    expectations = gx_suite(suite)
    outcomes = [
        _outcome(r) for r in batch.validate(expectations, result_format="BOOLEAN_ONLY").results
    ]
    if not all(outcome.success for outcome in outcomes):
        result = batch.validate(expectations, result_format="SUMMARY")
        outcomes = [_outcome(r) for r in result.results]
    return SuiteOutcome(suite=suite.name, rows=len(frame), outcomes=outcomes)
