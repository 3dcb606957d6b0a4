"""Benchmark a full refresh of N generated papers, then an incremental one-dump refresh.

    uv run python bench/run.py --papers 100000
    uv run python bench/run.py --papers 5000 --json /tmp/bench.json   # the CI smoke run
    uv run python bench/run.py --papers 5000 --watch                  # in paperhouse watch

On a fresh folder: generate N papers (``bench/generate.py``), run ``paperhouse refresh``
as a child process and time it, then add one more 500-paper dump and time the second
refresh. Wall time per stage comes from the refresh's own progress lines (ingest, each
dbt layer, each gate, publish; ``startup`` is the time before the first line); peak RSS
is the largest sum of the resident sets of the refresh process and all its children
(the workers of the Python models), sampled every 50 ms from /proc; CPU time is the
user and system time of the refresh and all its children. Prints a table and writes it
as JSON.

With ``--watch`` both refreshes run in one ``paperhouse watch`` process (with its default
interval: a dump landing brings a look at once): the full one from the process's start,
the one-dump one from the moment the dump lands in the landing folder, so it includes
the watch's look at the landing folder (``pickup``, with the summary after publishing).
The watch's resident memory between the two is recorded.

The machine's speed is measured too, before and after (``bench/calibrate.py``): compare
runs whose calibrations agree. ``bench/compare.py`` prints two result files side by side.

The results must also be correct: papers = distinct titles generated, links = URLs
generated, and the refresh published (every gate passed); otherwise the exit code is 1.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TextIO

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from calibrate import calibrate
from generate import PAPERS_PER_DUMP, generate

PROGRESS = re.compile(r"^\[\s*([\d.]+)s\] ([^:]+): (.*)$")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):  # the process or thread may be gone by now
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants.

    A child between fork and exec shares its parent's memory, yet /proc shows it with all
    of the parent's resident pages: spawning a worker from a 3 GB process shows a 3 GB
    child for a moment. Such a child still has its parent's command line, and is not
    counted again."""
    total, pending = 0, [(root, b"")]
    while pending:
        pid, parent_command = pending.pop()
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
            resident = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE
        except OSError:
            continue
        if command != parent_command:
            total += resident
        pending += [(child, command) for child in _children(pid)]
    return total


def waited_children_cpu() -> tuple[float, float]:
    """User and system seconds of every child this process has waited for so far, with
    the children those waited for (a refresh waits for its worker processes)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime, usage.ru_stime


def process_cpu(pid: int) -> tuple[float, float]:
    """User and system seconds of process ``pid`` and of the children it has waited for
    (a refresh waits for its worker processes)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    utime, stime, cutime, cstime = (int(value) for value in fields[11:15])
    return (utime + cutime) / CLOCK_TICKS, (stime + cstime) / CLOCK_TICKS


@dataclass
class Run:
    label: str
    wall_s: float = 0.0
    peak_rss_mb: float = 0.0
    #: when (seconds after the start) and in which stage the tree's resident set peaked
    peak_at_s: float = 0.0
    peak_stage: str = ""
    exit_code: int = 0
    stages: dict[str, float] = field(default_factory=dict)
    #: CPU time of the refresh and its children, user and system. System time grows
    #: when the kernel is slow to hand out memory and page cache (README, "Performance")
    cpu_user_s: float = 0.0
    cpu_system_s: float = 0.0


def timed_refresh(label: str, env: dict[str, str], log: Path, cwd: Path | None = None) -> Run:
    """Run ``paperhouse refresh`` (of the checkout ``cwd``, by default the current
    folder's); stage times from its progress lines, peak tree RSS."""
    started = time.perf_counter()
    user_before, system_before = waited_children_cpu()
    command = [sys.executable, "-m", "orchestration.cli", "refresh"]
    with log.open("w") as out:
        child = subprocess.Popen(
            command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=out, text=True, bufsize=1
        )
        run, _ = timed_progress(label, child.stdout, out, child.pid, started)
        run.exit_code = child.wait()
    run.wall_s = time.perf_counter() - started
    user, system = waited_children_cpu()
    run.cpu_user_s = round(user - user_before, 1)
    run.cpu_system_s = round(system - system_before, 1)
    run.stages["shutdown"] = round(run.wall_s - sum(run.stages.values()), 2)
    return run


def timed_progress(
    label: str,
    lines: Iterator[str],
    out: TextIO,
    pid: int,
    started: float,
    until: tuple[str, ...] = (),
) -> tuple[Run, str | None]:
    """A run's stage times from the progress lines of a refresh (copied to ``out``) until
    they end, or until a line that starts with one of ``until`` (returned with the run);
    the peak RSS of process ``pid`` and its descendants meanwhile. The time before the
    first progress line is ``startup``; the wall time and the time after the last stage
    are the caller's to add."""
    run = Run(label)
    stages: dict[str, float] = defaultdict(float)
    peak, peak_at = 0, 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, peak_at
        while not done.is_set():
            rss = tree_rss(pid)
            if rss > peak:
                peak, peak_at = rss, time.perf_counter() - started
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    last = 0.0
    ends: list[tuple[float, str]] = []  # (when the stage ended, stage)
    ending = None
    try:
        for line in lines:
            out.write(line)
            if until and line.startswith(until):
                ending = line
                break
            match = PROGRESS.match(line)
            if match:
                at, stage = float(match[1]), match[2]
                stage = "startup" if last == 0.0 else stage
                stages[stage] += at - last
                ends.append((at, stage))
                last = at
    finally:
        done.set()
        sampler.join()
    run.stages = {k: round(v, 2) for k, v in stages.items()}
    run.peak_rss_mb = round(peak / 2**20, 1)
    run.peak_at_s = round(peak_at, 1)
    run.peak_stage = next((stage for end, stage in ends if end >= peak_at), "shutdown")
    return run, ending


class RefreshProcess:
    """A child process that runs refreshes one after another and stays up (``paperhouse
    watch``, ``bench/one_dump.py --warm``), its output read here. ``timed`` times the
    next refresh from its output: stages as ``timed_refresh`` does, the wall time from
    ``started``, the time in no stage as ``leftover``, and the CPU time the process (with
    the children it waited for) used since the previous refresh ended."""

    def __init__(
        self, command: list[str], env: dict[str, str], cwd: Path | None = None, stdin=None
    ) -> None:
        self.child = subprocess.Popen(
            command,
            env=env,
            cwd=cwd,
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        self.cpu = (0.0, 0.0)

    def timed(
        self, label: str, out: TextIO, started: float, until: tuple[str, ...], leftover: str
    ) -> tuple[Run, str | None]:
        """The next refresh, up to its line that starts with one of ``until`` (returned)."""
        run, ending = timed_progress(label, self.child.stdout, out, self.child.pid, started, until)
        run.wall_s = time.perf_counter() - started
        run.stages[leftover] = round(run.wall_s - sum(run.stages.values()), 2)
        cpu, self.cpu = self.cpu, process_cpu(self.child.pid)
        run.cpu_user_s = round(self.cpu[0] - cpu[0], 1)
        run.cpu_system_s = round(self.cpu[1] - cpu[1], 1)
        return run, ending


#: How long after its refresh the watch's memory is read (``--watch``).
IDLE_AFTER_S = 1.0
#: The lines that end a refresh's output (stdout, stderr).
REFRESH_ENDS = ("published ", "refresh FAILED")


class Watch(RefreshProcess):
    """``paperhouse watch`` as a child process, its output in ``log``; times its refreshes.

    A refresh's time runs from ``started`` (the watch's start for the first refresh, the
    arrival of a dump for the next) to the end of its output. Stages are timed by the
    refresh's own clock, as in ``timed_refresh`` (``startup`` up to its first progress
    line); what is left is ``pickup``: the watch noticing the dump and looking at the
    landing folder before the refresh starts, and the summary after publishing."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        super().__init__([sys.executable, "-m", "orchestration.cli", "watch"], env)
        self.out = log.open("w")

    def next_refresh(self, label: str, started: float) -> Run:
        run, ending = self.timed(label, self.out, started, REFRESH_ENDS, "pickup")
        run.exit_code = 0 if ending and ending.startswith("published ") else 1
        return run

    def idle_rss_mb(self) -> float:
        """What the watch holds while it waits for the next dump."""
        time.sleep(IDLE_AFTER_S)
        return round(tree_rss(self.child.pid) / 2**20, 1)

    def stop(self) -> None:
        self.child.send_signal(signal.SIGINT)
        try:
            self.child.wait(timeout=60)
        finally:
            self.child.kill()
            self.out.close()


def land(dump: Path, landing: Path) -> None:
    """A copy of ``dump`` moved into ``landing`` whole (a watch may look at any time)."""
    partial = landing.parent / f".{dump.name}.partial"
    shutil.copy(dump, partial)
    partial.rename(landing / dump.name)


def served_counts(served: Path) -> dict[str, int]:
    with duckdb.connect(str(served), read_only=True) as con:
        papers, links, keywords = con.execute(
            "select (select count(*) from main.papers), (select count(*) from main.links),"
            " (select count(*) from main.paper_keywords)"
        ).fetchone()
    return {"papers": papers, "links": links, "paper_keywords": keywords}


def print_table(runs: list[Run], median: bool = False) -> None:
    """The runs side by side, a column each (and their median): stage times, wall time,
    peak RSS and CPU time."""
    columns = [f"{run.label} (s)" for run in runs] + (["median"] if median else [])
    width = max(12, *(len(column) + 2 for column in columns))

    def row(name: str, values: list[float], digits: int = 2) -> None:
        cells = [*values, statistics.median(values)] if median else values
        print(f"{name:<34}" + "".join(f"{value:>{width}.{digits}f}" for value in cells))

    print(f"\n{'stage':<34}" + "".join(f"{column:>{width}}" for column in columns))
    for name in dict.fromkeys(name for run in runs for name in run.stages):
        row(name, [run.stages.get(name, 0.0) for run in runs])
    row("total wall", [run.wall_s for run in runs])
    row("peak RSS of the tree (MB)", [run.peak_rss_mb for run in runs], 1)
    row("CPU user (s)", [run.cpu_user_s for run in runs], 1)
    row("CPU system (s)", [run.cpu_system_s for run in runs], 1)
    for run in runs:
        print(f"  {run.label} peaked at {run.peak_at_s:.1f} s, in {run.peak_stage}")


def _commit() -> str | None:
    """The commit measured (with ``+dirty`` when the work tree has changes)."""
    try:
        root = Path(__file__).resolve().parents[1]
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
    except OSError:
        return None
    return (head + ("+dirty" if dirty else "")) or None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, help="fresh folder to use (default: a temp dir)")
    parser.add_argument(
        "--json", type=Path, help="where to write the results (default bench/results/N.json)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument(
        "--watch",
        action="store_true",
        help="run both refreshes in one `paperhouse watch` process (the extra dump is timed"
        " from its arrival in the landing folder)",
    )
    args = parser.parse_args(argv)

    work = args.workdir or Path(tempfile.mkdtemp(prefix=f"paperhouse-bench-{args.papers}-"))
    shutil.rmtree(work, ignore_errors=True)
    landing, extra, warehouse = work / "landing", work / "extra", work / "warehouse"
    print(f"generating {args.papers} papers into {landing}")
    t = time.perf_counter()
    truth = generate(args.papers, landing, args.seed)
    added = generate(
        PAPERS_PER_DUMP, extra, args.seed, first=args.papers, first_dump=truth["dumps"]
    )
    dump_bytes = sum(p.stat().st_size for p in landing.glob("*.txt"))
    print(
        f"  {truth['dumps']} dumps, {dump_bytes / 2**20:.0f} MB in {time.perf_counter() - t:.1f}s"
    )

    env = os.environ | {
        "PAPERHOUSE_LANDING_DIR": str(landing),
        "PAPERHOUSE_WAREHOUSE_DIR": str(warehouse),
    }
    calibration = {"before": calibrate()}
    print(f"machine calibration before: {calibration['before']}")
    watch = Watch(env, work / "watch.log") if args.watch else None

    def timed(label: str, started: float) -> Run:
        if watch:
            return watch.next_refresh(label, started)
        return timed_refresh(label, env, work / f"{label}.log")

    try:
        print("full refresh" + (" (in paperhouse watch)" if watch else "") + " ...")
        full = timed("full", time.perf_counter())
        full_counts = served_counts(warehouse / "papers.duckdb") if full.exit_code == 0 else {}
        print("incremental refresh (one more dump) ...")
        started = time.perf_counter()
        for dump in extra.glob("*.txt"):
            land(dump, landing)
        incremental = timed("incremental", started)
        watch_idle_mb = watch.idle_rss_mb() if watch else None
    finally:
        if watch:
            watch.stop()
    inc_counts = served_counts(warehouse / "papers.duckdb") if incremental.exit_code == 0 else {}
    calibration["after"] = calibrate()
    print(f"machine calibration after: {calibration['after']}")

    expected_full = {"papers": truth["papers"], "links": truth["urls"]}
    expected_inc = {
        "papers": truth["papers"] + added["papers"],
        "links": truth["urls"] + added["urls"],
    }
    checks = {
        "full published (all gates passed)": full.exit_code == 0,
        "full papers = distinct titles": full_counts.get("papers") == expected_full["papers"],
        "full links = URLs generated": full_counts.get("links") == expected_full["links"],
        "incremental published": incremental.exit_code == 0,
        "incremental papers": inc_counts.get("papers") == expected_inc["papers"],
        "incremental links": inc_counts.get("links") == expected_inc["links"],
    }
    print_table([full, incremental])
    print(f"\nincremental / full wall: {incremental.wall_s / full.wall_s:.1%}")
    if watch:
        print(f"paperhouse watch held {watch_idle_mb:.0f} MB waiting for the next dump")
    for name, ok in checks.items():
        print(f"  {'ok  ' if ok else 'FAIL'} {name}")
    result = {
        "papers": args.papers,
        "dump_mb": round(dump_bytes / 2**20, 1),
        "truth": {"full": expected_full, "incremental": expected_inc},
        "counts": {"full": full_counts, "incremental": inc_counts},
        "runs": [asdict(full), asdict(incremental)],
        "checks": checks,
        "cpus": os.cpu_count(),
        "calibration": calibration,
        "commit": _commit(),
        "watch": {"idle_rss_mb": watch_idle_mb} if watch else None,
    }
    out = args.json or Path(__file__).parent / "results" / f"{args.papers}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nresults: {out}; logs: {work}")
    if not args.keep and args.workdir is None and all(checks.values()):
        shutil.rmtree(work)
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
