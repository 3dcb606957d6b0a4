"""Run a Great Expectations (GX 1.x) suite over a table and judge the outcome.

GX 1.x has no working DuckDB datasource (its SQL datasource over duckdb-engine closes the
connection before fetching metrics), so the rows go to GX through its pandas datasource:
DuckDB -> Arrow -> pandas, in an ephemeral context. The suites are plain GX JSON files in
``expectations/``, one per gated table.

The verdict is stricter than GX's own ``success``: an expectation that *raised* (bad
column, engine error) counts as failed, and so does one whose success is missing. A gate
never passes on an exception.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from orchestration.checks.deferred_import import defer_import

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
defer_import("scipy.stats")  # GX imports it, no paperhouse suite uses it: about 1.5 s
defer_import("altair")  # the KL-divergence expectation's charts (GX's data docs): 0.06-0.1 s

import great_expectations as gx  # noqa: E402
import pandas as pd  # noqa: E402
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402
from great_expectations.execution_engine import pandas_execution_engine  # noqa: E402

EXAMPLES_PER_EXPECTATION = 5
logging.getLogger("great_expectations").setLevel(logging.ERROR)
# GX fingerprints each pandas batch below 1 GB (an MD5 over a hash of every cell), twice
# per validation, for a batch marker paperhouse never reads: 11 of the 25 s that
# validating 11M keyword rows took. A threshold of 0 bytes turns it off.
pandas_execution_engine.HASH_THRESHOLD = 0


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation: str
    column: str | None
    success: bool
    raised: bool
    observed: Any = None
    unexpected_count: int | None = None
    examples: list[Any] = field(default_factory=list)
    error: str | None = None

    def describe(self) -> str:
        target = f"{self.expectation}({self.column})" if self.column else self.expectation
        if self.raised:
            return f"{target}: raised {self.error}"
        if self.success:
            return f"{target}: ok"
        detail = f"{self.unexpected_count} unexpected" if self.unexpected_count else "failed"
        if self.observed is not None:
            detail += f", observed {self.observed}"
        if self.examples:
            detail += f", e.g. {self.examples[:3]}"
        return f"{target}: {detail}"


@dataclass(frozen=True)
class SuiteOutcome:
    suite: str
    rows: int
    outcomes: list[ExpectationOutcome]
    #: the rows were only those changed since the gate last passed
    sliced: bool = False

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]

    @property
    def raised(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if o.raised]

    @property
    def success(self) -> bool:
        return bool(self.outcomes) and not self.failed

    def summary(self) -> str:
        if self.success:
            rows = f"{self.rows} rows" + (" changed since the last pass" if self.sliced else "")
            return f"{self.suite}: {len(self.outcomes)} expectations passed on {rows}"
        return f"{self.suite}: {len(self.failed)}/{len(self.outcomes)} failed: " + "; ".join(
            o.describe() for o in self.failed
        )


def load_suite(path: Path, scope: str | None = None) -> gx.ExpectationSuite:
    """Load a suite saved as GX JSON (``ExpectationSuite.to_json_dict()``). With ``scope``,
    only its expectations of that scope: ``"table"`` for those whose ``meta`` says
    ``"scope": "table"``, ``"rows"`` for the others."""
    data = json.loads(path.read_text())
    expectations = data["expectations"]
    if scope is not None:
        expectations = [e for e in expectations if expectation_scope(e) == scope]
    return gx.ExpectationSuite(name=data["name"], expectations=expectations, meta=data.get("meta"))


def split_suite(
    suite: gx.ExpectationSuite, types: tuple[str, ...]
) -> tuple[gx.ExpectationSuite, list[gx.ExpectationSuite]]:
    """The suite without its expectations of ``types``, and a suite of its own for each of
    those, in suite order."""

    def of(expectations: list) -> gx.ExpectationSuite:
        return gx.ExpectationSuite(
            name=suite.name,
            expectations=[e.configuration.to_json_dict() for e in expectations],
            meta=suite.meta,
        )

    picked = [e for e in suite.expectations if e.configuration.type in types]
    rest = [e for e in suite.expectations if e.configuration.type not in types]
    return of(rest), [of([e]) for e in picked]


COLUMN_KWARGS = ("column", "column_A", "column_B")


def suite_columns(suite: gx.ExpectationSuite) -> dict[str, set[str]]:
    """The columns the suite's expectations read (in first-use order), each with the
    types of the expectations that read it."""
    columns: dict[str, set[str]] = {}
    for expectation in suite.expectations:
        config = expectation.configuration
        kwargs = config.kwargs
        names = [kwargs[key] for key in COLUMN_KWARGS if kwargs.get(key)]
        for name in names + list(kwargs.get("column_list") or []):
            columns.setdefault(name, set()).add(config.type)
    return columns


def expectation_scope(expectation: dict[str, Any]) -> str:
    return (expectation.get("meta") or {}).get("scope", "rows")


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


def validate_frame(frame: pd.DataFrame, suite: gx.ExpectationSuite) -> SuiteOutcome:
    """Validate ``frame`` against ``suite``; see the module docstring for the verdict.

    GX first only judges (``BOOLEAN_ONLY``: success and exceptions, in about half the
    time of ``SUMMARY`` over the 11M ``paper_keywords`` rows and over 500-row slices); a
    suite with a failure is validated again in ``SUMMARY`` for the counts and examples
    of what failed."""
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    outcomes = [_outcome(r) for r in batch.validate(suite, result_format="BOOLEAN_ONLY").results]
    if not all(outcome.success for outcome in outcomes):
        result = batch.validate(suite, result_format="SUMMARY")
        outcomes = [_outcome(r) for r in result.results]
    return SuiteOutcome(suite=suite.name, rows=len(frame), outcomes=outcomes)
