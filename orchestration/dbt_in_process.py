"""dbt run inside the calling process (dbt's ``dbtRunner``), not as a ``dbt`` subprocess.

A ``dbt`` process pays about 4 s on every layer before its first model: starting Python,
importing dbt, loading the parsed project and the adapter's macros. The Dagster process
has dbt imported already (dagster-dbt imports it), so a layer inside it starts in about a
second: 14.3 s -> 4.9 s for the three layers of the sample warehouse with nothing to do.

dbt reports what it does as structured events; the ones Dagster needs (a node's result,
an error) are kept in the form of dbt's JSON log lines, the form dagster-dbt translates into
materializations and check results. dbt still prints its usual log to stdout.

dbt-duckdb keeps the DuckDB database open after an invocation (in a class-level
environment, for the next one). It is closed here, so that this process can open the file
again with another configuration (read-only, for row counts) and other processes can open
it at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dbt.adapters.duckdb.connections import DuckDBConnectionManager
from dbt.cli.main import dbtRunner
from dbt_common.events.base_types import EventMsg
from dbt_common.events.functions import msg_to_dict

#: dbt events that carry a node's result: what dagster-dbt turns into Dagster events.
RESULT_EVENTS = frozenset({"LogSeedResult", "LogModelResult", "LogSnapshotResult", "LogTestResult"})

#: the colour codes dbt puts around a failure's headline
ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class DbtInvocation:
    """What one in-process dbt command did."""

    success: bool = False
    #: result events, each as a line of dbt's JSON log (``{"info": ..., "data": ...}``)
    results: list[dict[str, Any]] = field(default_factory=list)
    #: messages dbt logged at level error, then the exception that stopped dbt, if any
    errors: list[str] = field(default_factory=list)


def invoke_dbt(
    args: list[str], on_event: Callable[[EventMsg], None] | None = None
) -> DbtInvocation:
    """Run the dbt command ``args`` (``["build", "--select", ...]``) in this process.

    ``on_event`` sees every event as dbt fires it, on dbt's thread. The database dbt opened
    is closed when this returns, also after an error."""
    invocation = DbtInvocation()

    def collect(message: EventMsg) -> None:
        if message.info.name in RESULT_EVENTS:
            invocation.results.append(msg_to_dict(message))
        elif message.info.level == "error":
            invocation.errors.append(ANSI_COLOUR.sub("", message.info.msg).strip())
        if on_event is not None:
            on_event(message)

    try:
        result = dbtRunner(callbacks=[collect]).invoke(args)
    finally:
        close_duckdb()
    invocation.success = result.success
    if result.exception is not None:
        invocation.errors.append(f"{type(result.exception).__name__}: {result.exception}")
    return invocation


def close_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open between invocations."""
    manager = DuckDBConnectionManager
    with manager._LOCK:
        if manager._ENV is not None:
            manager._ENV.close()
        manager.close_all_connections()
