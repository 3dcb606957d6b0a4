"""Dagster resources of the code location."""

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
from pydantic import PrivateAttr

from orchestration.settings import Settings
from orchestration.warehouse.lock import refresh_lock
from orchestration.warehouse.publish import ServedCopy, served_copy_ahead

LOCK_KEY = "refresh_lock"
#: The asset publish materializes (``orchestration/assets/publish.py``)
SERVED_KEY = dg.AssetKey("served_warehouse")


class RefreshLock(dg.ConfigurableResource):
    """Holds the warehouse's refresh lock for the whole run, so a Dagster run and a CLI
    refresh never interleave: whichever starts second fails at once, saying a refresh is
    already running.

    While it holds the lock, nothing else can publish, so the served file is copied for
    this run's publish from the start, beside the run's work (``served_copy``)."""

    _served_copy: ServedCopy | None = PrivateAttr(default=None)

    @property
    def served_copy(self) -> ServedCopy | None:
        return self._served_copy

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator["RefreshLock"]:
        settings = Settings.from_env()
        with refresh_lock(settings):
            if not _publishes(context):
                yield self
                return
            with served_copy_ahead(settings.served_db) as copy:
                self._served_copy = copy
                try:
                    yield self
                finally:
                    self._served_copy = None


def _publishes(context: dg.InitResourceContext) -> bool:
    """The run materializes the served file (a run of every asset, or a selection with it)."""
    run = context.dagster_run
    selection = run.asset_selection if run is not None else None
    return selection is None or SERVED_KEY in selection
