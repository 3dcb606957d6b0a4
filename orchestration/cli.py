"""``paperhouse``: the command-line entry point.

paperhouse refresh    parse every new dump in the landing folder, bring the marts up
                      to date behind the GX gates, publish papers.duckdb; exit 0 only
                      if published. --full rebuilds every dbt model from scratch.
paperhouse watch      refresh whenever a new or changed dump lands, in this process,
                      until interrupted (Ctrl-C): a refresh without the start of a
                      process and its imports, 3 to 4 s of a one-dump refresh.
"""

from __future__ import annotations

import argparse
import logging
import math
import multiprocessing.util
import os
import signal
import sys
import time
import traceback

from orchestration.checks.validation import start_validation_process, stop_validation_process
from orchestration.collector import long_lived_imports
from orchestration.settings import LANDING_ENV, WAREHOUSE_ENV, Settings

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_BUSY = 3
DEBUG_ENV = "PAPERHOUSE_DEBUG"


class _ProgressFormatter(logging.Formatter):
    def __init__(self, started: float) -> None:
        super().__init__()
        self.started = started

    def format(self, record: logging.LogRecord) -> str:
        return f"[{time.monotonic() - self.started:6.1f}s] {record.getMessage()}"


def _quiet_libraries() -> None:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    logging.getLogger("dagster").setLevel(logging.WARNING)


def _show_progress(started: float) -> None:
    """Progress lines on stdout, timed from ``started``: those of this refresh only, when
    one process runs refreshes one after another (``bench/one_dump.py --warm``)."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(_ProgressFormatter(started))
    progress = logging.getLogger("paperhouse.progress")
    for earlier in [h for h in progress.handlers if isinstance(h.formatter, _ProgressFormatter)]:
        progress.removeHandler(earlier)
    progress.addHandler(handler)
    progress.setLevel(logging.INFO)
    progress.propagate = False


def refresh(args: argparse.Namespace) -> int:
    started = time.monotonic()  # before the imports: they take seconds
    # first: it imports GX on the other core while this process imports Dagster and dbt
    start_validation_process()
    with long_lived_imports():
        from orchestration.dbt_project import prepare_manifest
        from orchestration.refresh import (
            open_instance,
            quarantined_files,
            run_refresh,
            served_summary,
        )
        from orchestration.warehouse.lock import RefreshAlreadyRunning, refresh_lock

    settings = Settings.from_env()
    if not settings.landing_dir.is_dir():
        print(f"error: landing folder {settings.landing_dir} does not exist", file=sys.stderr)
        print(f"(set {LANDING_ENV}, or create the folder and drop dumps in it)", file=sys.stderr)
        return EXIT_USAGE
    _quiet_libraries()
    _show_progress(started)
    print(f"paperhouse refresh: landing {settings.landing_dir}, warehouse {settings.warehouse_dir}")
    try:
        with refresh_lock(settings):
            settings.prepare()
            prepare_manifest()
            with open_instance(settings) as instance:
                report = run_refresh(settings, instance, full_refresh=args.full)
    except RefreshAlreadyRunning as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BUSY
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as error:  # a failure outside any step: storage full, instance broken
        if os.environ.get(DEBUG_ENV):
            traceback.print_exc()
        reason = (str(error).strip().splitlines() or [""])[0][:300]
        print(
            f"\nrefresh FAILED after {time.monotonic() - started:.1f}s; nothing was published: "
            f"{type(error).__name__}: {reason} (set {DEBUG_ENV}=1 for the traceback)",
            file=sys.stderr,
        )
        return EXIT_FAILED
    elapsed = time.monotonic() - started

    gates = f"{len(report.gates_passed)} passed, {len(report.gates_failed)} failed"
    dbt_tests = f"{len(report.dbt_tests_passed)} passed, {len(report.dbt_tests_failed)} failed"
    if report.published:
        counts = served_summary(settings.served_db)
        rows = [
            ("files loaded", counts["files"]),
            ("records", counts["records"]),
            ("rejected lines", counts["rejects"]),
            ("papers", counts["papers"]),
            ("paper links", counts["paper_links"]),
            ("links", counts["links"]),
            ("paper keywords", counts["paper_keywords"]),
            ("keywords", counts["keywords"]),
            ("gates", gates),
            ("dbt tests", dbt_tests),
        ]
        print("\nsummary")
        for label, value in rows:
            print(f"  {label:<16}{value:>20}")
        for name, status, reason in quarantined_files(settings.served_db):
            print(f"warning: {name} {status}: {reason}")
        print(f"\npublished {settings.served_db} in {elapsed:.1f}s")
        return EXIT_OK

    print(f"\nrefresh FAILED after {elapsed:.1f}s; nothing was published", file=sys.stderr)
    if report.gates_failed:
        print(f"  failed gate(s): {', '.join(report.gates_failed)}", file=sys.stderr)
    if report.dbt_tests_failed:
        print(f"  failed dbt test(s): {', '.join(report.dbt_tests_failed)}", file=sys.stderr)
    for error in report.errors:
        print(f"  {error}", file=sys.stderr)
    print(f"  gates: {gates}; dbt tests: {dbt_tests}; run id {report.run_id}", file=sys.stderr)
    return EXIT_FAILED


def watch(args: argparse.Namespace) -> int:
    """Refresh (as ``paperhouse refresh``) whenever the landing folder holds a dump version
    not loaded yet, looking each time a file in it changes and every ``args.interval``
    seconds, until interrupted. A refresh that failed is not tried again for the same
    dumps: the next one starts when the landing folder changes (or run ``paperhouse
    refresh``)."""
    from orchestration.warehouse.landing import landing_changes

    settings = Settings.from_env()
    if not settings.landing_dir.is_dir():
        return refresh(args)  # its error message, and its exit code
    print(
        f"paperhouse watch: landing {settings.landing_dir}, on each change and every"
        f" {args.interval:g} s; Ctrl-C stops",
        flush=True,
    )
    tried: set[tuple[str, str]] = set()
    waiting = False
    try:
        with landing_changes(settings.landing_dir) as changed:
            while True:
                # Dagster swaps the SIGINT handler during a run (and maps SIGTERM to it):
                # Python's goes back, so Ctrl-C stops the watch whatever a run left
                signal.signal(signal.SIGINT, signal.default_int_handler)
                # cleared before the look: a change during it, or during the refresh,
                # brings the next look at once
                changed.clear()
                try:
                    pending = _pending(settings)
                except FileNotFoundError as error:  # the landing folder went away
                    print(f"error: {error}", file=sys.stderr)
                    return EXIT_USAGE
                if pending and pending != tried:
                    tried, waiting = pending, False
                    if refresh(args) != EXIT_OK:  # args.full is False (set_defaults)
                        print(
                            "paperhouse watch: these dumps are tried again when the landing"
                            " folder changes (or by paperhouse refresh)",
                            flush=True,
                        )
                elif not waiting:
                    print("waiting for a new or changed dump in", settings.landing_dir, flush=True)
                    waiting = True
                changed.wait(args.interval)
    except KeyboardInterrupt:
        print("\npaperhouse watch: stopped", flush=True)
        return EXIT_OK


def _pending(settings: Settings) -> set[tuple[str, str]]:
    """The dump versions (name, SHA-256) in the landing folder that ingest has not loaded."""
    from orchestration.warehouse.landing import scan_landing
    from orchestration.warehouse.loader import pending_files

    settings.prepare()
    landed = scan_landing(settings.landing_dir, settings.landing_hashes)
    return {(f.name, f.sha256) for f in pending_files(settings.build_db, landed)}


def _interval(value: str) -> float:
    seconds = float(value)
    if not 0 < seconds < math.inf:
        raise argparse.ArgumentTypeError(f"must be a finite number of seconds above 0, not {value}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="paperhouse",
        description="Build the paperhouse warehouse from raw Daily Papers dumps.",
        epilog=f"Folders: {LANDING_ENV} (default warehouse/landing), "
        f"{WAREHOUSE_ENV} (default warehouse).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    refresh_parser = commands.add_parser(
        "refresh", help="parse new dumps, rebuild the marts behind the gates, publish"
    )
    refresh_parser.add_argument(
        "--full",
        action="store_true",
        help="rebuild every dbt model from scratch instead of only what the new dumps "
        "change (also ranks every paper's keyphrases again with today's corpus statistics)",
    )
    refresh_parser.set_defaults(handler=refresh)
    watch_parser = commands.add_parser(
        "watch", help="refresh whenever a new or changed dump lands, until Ctrl-C"
    )
    watch_parser.add_argument(
        "--interval",
        type=_interval,
        default=5.0,
        help="seconds between looks at the landing folder when nothing in it changed"
        " (default 5; a change brings a look at once)",
    )
    watch_parser.set_defaults(handler=watch, full=False)
    args = parser.parse_args(argv)
    return args.handler(args)


def run() -> None:
    """The ``paperhouse`` command: ``main``, then exit at once.

    By the time ``main`` returns, the refresh lock is released, every DuckDB file is
    closed and Dagster's instance is disposed; what is left is the interpreter tearing
    down a heap of Dagster and dbt objects, about 2 s of garbage collection at exit for
    nothing. So the validation process is stopped (it ends at its closed pipe, and its
    frame folder goes), the output is flushed and the process ends without that teardown.

    Only multiprocessing's exit hook runs first: dbt, run in this process, holds two
    multiprocessing locks for the life of the process, whose named semaphores the hook
    removes (skipped, the resource tracker removes them and warns of a leak).
    """
    code = main()
    stop_validation_process()
    multiprocessing.util._exit_function()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
