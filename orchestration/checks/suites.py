"""The gates' suites and their verdicts, as plain Python: no GX here.

A suite is a GX 1.x JSON file in ``expectations/`` (``ExpectationSuite.to_json_dict()``),
read as its expectations' JSON. The gates pick the columns and rows to validate from it
without importing GX, so the refresh process does not have to: a ``paperhouse refresh``
validates in a process of its own (``orchestration/checks/validation.py``), which
imports GX while the refresh process imports Dagster and dbt.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Suite:
    name: str
    #: each expectation as GX JSON: ``type``, ``kwargs``, ``meta``
    expectations: list[dict[str, Any]]
    meta: dict[str, Any] | None = None


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


def raised(suite: str, step: str, error: str, rows: int = 0) -> SuiteOutcome:
    """A suite that could not be validated: its gate fails, ``step`` saying what raised."""
    failure = ExpectationOutcome(
        expectation=step, column=None, success=False, raised=True, error=error
    )
    return SuiteOutcome(suite=suite, rows=rows, outcomes=[failure])


def load_suite(path: Path, scope: str | None = None) -> Suite:
    """Load a suite saved as GX JSON. With ``scope``, only its expectations of that scope:
    ``"table"`` for those whose ``meta`` says ``"scope": "table"``, ``"rows"`` for the
    others."""
    data = json.loads(path.read_text())
    expectations = data["expectations"]
    if scope is not None:
        expectations = [e for e in expectations if expectation_scope(e) == scope]
    return Suite(name=data["name"], expectations=expectations, meta=data.get("meta"))


def split_suite(suite: Suite, types: tuple[str, ...]) -> tuple[Suite, list[Suite]]:
    """The suite without its expectations of ``types``, and a suite of its own for each of
    those, in suite order."""
    picked = [e for e in suite.expectations if e["type"] in types]
    rest = [e for e in suite.expectations if e["type"] not in types]
    return Suite(suite.name, rest, suite.meta), [Suite(suite.name, [e], suite.meta) for e in picked]


COLUMN_KWARGS = ("column", "column_A", "column_B")


def suite_columns(suite: Suite) -> dict[str, set[str]]:
    """The columns the suite's expectations read (in first-use order), each with the
    types of the expectations that read it."""
    columns: dict[str, set[str]] = {}
    for expectation in suite.expectations:
        kwargs = expectation.get("kwargs") or {}
        names = [kwargs[key] for key in COLUMN_KWARGS if kwargs.get(key)]
        for name in names + list(kwargs.get("column_list") or []):
            columns.setdefault(name, set()).add(expectation["type"])
    return columns


def expectation_scope(expectation: dict[str, Any]) -> str:
    return (expectation.get("meta") or {}).get("scope", "rows")
