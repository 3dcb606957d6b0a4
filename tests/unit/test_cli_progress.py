"""The CLI's progress lines: a process that runs refreshes one after another (as
``bench/one_dump.py --warm`` does) prints each line once, timed from its own refresh."""

import logging
import time

from orchestration import cli

PROGRESS = logging.getLogger("paperhouse.progress")


def test_a_second_refresh_in_one_process_prints_each_line_once_timed_from_its_start(capsys):
    try:
        cli._show_progress(time.monotonic() - 100)  # the first refresh, 100 s ago
        cli._show_progress(time.monotonic())
        PROGRESS.info("ingest: 1 file")
    finally:
        for handler in list(PROGRESS.handlers):
            PROGRESS.removeHandler(handler)

    assert capsys.readouterr().out == "[   0.0s] ingest: 1 file\n"
