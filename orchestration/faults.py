"""Named pause points for the crash tests.

With ``PAPERHOUSE_PAUSE_AT=<point>`` in the environment, the process writes
``<warehouse>/.paused-<point>`` when it reaches that point and sleeps until it is killed,
so a test can ``kill -9`` it at a chosen moment. Unset (always, in normal use), a pause
point is a no-op. Points: ``ingest`` (inside a dump's transaction, rows inserted, not
committed), ``dbt_<layer>`` (while dbt builds the layer), ``dbt_built_<model>`` (the dbt
model built and committed, the next not begun), ``publish`` (new served file built, not
yet renamed).
"""

from __future__ import annotations

import os
import time

from orchestration.settings import Settings

PAUSE_ENV = "PAPERHOUSE_PAUSE_AT"


def pause_point(name: str) -> None:
    if os.environ.get(PAUSE_ENV) != name:
        return
    warehouse = Settings.from_env().warehouse_dir
    (warehouse / f".paused-{name}").write_text(str(os.getpid()))
    while True:
        time.sleep(1)
