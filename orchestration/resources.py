"""Dagster resources of the code location."""

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from orchestration.settings import Settings
from orchestration.warehouse.lock import refresh_lock

LOCK_KEY = "refresh_lock"


class RefreshLock(dg.ConfigurableResource):
    """Holds the warehouse's refresh lock for the whole run, so a Dagster run and a CLI
    refresh never interleave: whichever starts second fails at once, saying a refresh is
    already running."""

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator["RefreshLock"]:
        with refresh_lock(Settings.from_env()):
            yield self
