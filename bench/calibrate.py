"""A fixed piece of work timed on this machine, so benchmark runs can be compared.

The machine's speed varies from hour to hour (the same commit has taken 335 s and 481 s
for a 1M full refresh), so ``bench/run.py`` times this before and after its refreshes
and stores it with the results: runs are comparable when their calibrations are.
"""

from __future__ import annotations

import time

import duckdb

#: hash aggregation on both cores, the shape of most of the pipeline's DuckDB work
DUCKDB_WORK = """
    select count(*), sum(n) from (
        select (i * 2654435761) % 4000000 as k, count(*) as n from range(30000000) t(i) group by k
    )
"""


def _duckdb_seconds() -> float:
    with duckdb.connect() as con:
        con.execute("set threads = 2")
        start = time.perf_counter()
        con.sql(DUCKDB_WORK).fetchall()
        return time.perf_counter() - start


def _python_seconds() -> float:
    """Dictionary updates on one thread: the interpreter's own speed (dbt, Dagster, GX)."""
    start = time.perf_counter()
    sums: dict[int, int] = {}
    for i in range(3_000_000):
        sums[i % 10_007] = sums.get(i % 10_007, 0) + i
    return time.perf_counter() - start


def calibrate() -> dict[str, float]:
    """Seconds for the fixed DuckDB and Python work (1.3 to 1.5 s and 0.4 s on the
    2-core machine of the README's results when it runs fast)."""
    return {"duckdb_s": round(_duckdb_seconds(), 3), "python_s": round(_python_seconds(), 3)}


if __name__ == "__main__":
    print(calibrate())
