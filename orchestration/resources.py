"""Dagster resources of the code location."""

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
from pydantic import PrivateAttr

from orchestration.settings import Settings
from orchestration.warehouse.lock import refresh_lock
from orchestration.warehouse.publish import ServedCopy, served_copy_ahead

LOCK_KEY = "refresh_lock"


class RefreshLock(dg.ConfigurableResource):
    """Holds the warehouse's refresh lock for the whole run, so a Dagster run and a CLI
    refresh never interleave: whichever starts second fails at once, saying a refresh is
    already running.

    While it holds the lock, nothing else can publish, so the served file is copied for
    this run's publish from the start, beside the run's work (``served_copy``); a run
    that does not publish (a selection in the UI) removes its copy at the end."""

    _served_copy: ServedCopy | None = PrivateAttr(default=None)

    @property
    def served_copy(self) -> ServedCopy | None:
        return self._served_copy

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator["RefreshLock"]:
        settings = Settings.from_env()
        with refresh_lock(settings), served_copy_ahead(settings.served_db) as copy:
            self._served_copy = copy
            try:
                yield self
            finally:
                self._served_copy = None
