"""Progress lines for long work: to the Dagster log and to the ``paperhouse`` logger,
which the CLI prints one line per stage."""

from __future__ import annotations

import logging

import dagster as dg

logger = logging.getLogger("paperhouse.progress")


def report(context: dg.OpExecutionContext | None, message: str) -> None:
    logger.info(message)
    if context is not None:
        context.log.info(message)
