"""Time one-dump refreshes on top of a kept bench build: the A/B harness for the code of
a one-dump refresh, which a whole bench run measures once, after its full refresh.

    uv run python bench/run.py --papers 1000000 --workdir W --keep   # once: the build
    uv run python bench/one_dump.py W --trials 3                      # this checkout
    uv run python bench/one_dump.py W --repo ../other --trials 3     # another checkout
    uv run python bench/one_dump.py W --warm --trials 3               # in one process

A trial puts W's warehouse back as the bench left it (a copy saved beside it, as
``warehouse.kept``, by the first trial), drops a dump of 500 new papers into W's landing
folder (the same dump in every trial), lets dbt parse the checkout's project, untimed
(dbt parses a changed project again once, and keeps its parse only for the warehouse's
own path, which is why a trial runs there), then times ``paperhouse refresh`` of the
checkout, stage by stage as ``bench/run.py`` does, and takes the dump out again.
A trial fails unless the refresh published the 500 new papers.

With ``--warm`` the trials' refreshes run one after another in one process that stays up
(``paperhouse refresh`` as a function call, on a signal from this harness), after an
untimed warm-up refresh of one more trial: a refresh without the start of a process and
its imports, or what a one-dump refresh would cost in a refresh process that lives on.

This machine's speed drifts by tens of percent within an hour: alternate the checkouts
(a trial or two each, in turn) and compare medians.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import PAPERS_PER_DUMP, generate
from run import RefreshProcess, Run, print_table, served_counts, timed_refresh

from orchestration.warehouse.publish import published_record, record_published

#: dbt's parse of the checkout's project into the warehouse's target folder
PARSE = """
from orchestration.settings import Settings
settings = Settings.from_env()
settings.prepare()
from orchestration.dbt_in_process import invoke_dbt
from orchestration.dbt_project import dbt_resource
parse = invoke_dbt(dbt_resource().args(["parse", "--quiet"], settings.dbt_target_dir))
raise SystemExit(0 if parse.success else "dbt parse failed: " + "; ".join(parse.errors))
"""


def restore(warehouse: Path) -> None:
    """``warehouse`` as it was before the first trial (saved then). Its served file is a
    copy of the one the bench published, so it is recorded as published again when the
    bench had recorded it: the trial's publish then checks the patched copy as a refresh
    of the bench's warehouse in place would (``orchestration/warehouse/publish.py``)."""
    kept = warehouse.with_name(warehouse.name + ".kept")
    if not kept.exists():
        if not (warehouse / "papers.duckdb").exists():
            raise SystemExit(f"{warehouse} holds no published warehouse: run bench/run.py --keep")
        shutil.copytree(warehouse, kept, symlinks=True)
    shutil.rmtree(warehouse)
    shutil.copytree(kept, warehouse, symlinks=True)
    served = warehouse / "papers.duckdb"
    if published_record(served).exists():
        record_published(served)
    # the copy on disk before the trial, as a warehouse between refreshes is: its writeback
    # would otherwise slow whatever in the trial syncs a file
    os.sync()


def new_dump(landing: Path) -> Path:
    """A dump of 500 papers that none of the landing folder's dumps holds (the bench's
    dumps hold fewer papers than 500 times their number), numbered after them, so it
    sorts last."""
    dumps = len(list(landing.glob("dump_*.txt")))
    with tempfile.TemporaryDirectory() as scratch:
        generate(PAPERS_PER_DUMP, Path(scratch), first=dumps * PAPERS_PER_DUMP, first_dump=dumps)
        [made] = Path(scratch).glob("*.txt")
        target = landing / f"{made.stem}-one-dump.txt"
        shutil.move(made, target)
    return target


#: A process that runs a refresh for each line it reads, then prints ``DONE`` and the
#: exit code (``--warm``).
DONE = "=== refresh done:"
WARM = f"""
import sys
from orchestration import cli
for _ in sys.stdin:
    print("{DONE}", cli.main(["refresh"]), flush=True)
"""

#: Times a refresh: (the trial's label, its log) -> the run.
Refresh = Callable[[str, Path], Run]


def bench_env(work: Path) -> dict[str, str]:
    return os.environ | {
        "PAPERHOUSE_LANDING_DIR": str(work / "landing"),
        "PAPERHOUSE_WAREHOUSE_DIR": str(work / "warehouse"),
    }


def one_trial(work: Path, repo: Path, trial: int | str, refresh: Refresh) -> Run:
    landing, warehouse = work / "landing", work / "warehouse"
    restore(warehouse)
    before = served_counts(warehouse / "papers.duckdb")["papers"]
    dump = new_dump(landing)
    log = work / f"one_dump_{trial}.log"
    try:
        subprocess.run([sys.executable, "-c", PARSE], cwd=repo, env=bench_env(work), check=True)
        run = refresh(f"trial {trial}", log)
    finally:
        dump.unlink()
    after = served_counts(warehouse / "papers.duckdb")["papers"] if run.exit_code == 0 else 0
    if after != before + PAPERS_PER_DUMP:
        raise SystemExit(
            f"trial {trial}: exit code {run.exit_code}, {before} -> {after} papers published,"
            f" not {before + PAPERS_PER_DUMP}; see {log}"
        )
    return run


def cold_refresh(work: Path, repo: Path) -> Refresh:
    """Each refresh a ``paperhouse refresh`` process."""
    return lambda label, log: timed_refresh(label, bench_env(work), log, cwd=repo)


@contextmanager
def warm_refresh(work: Path, repo: Path) -> Iterator[Refresh]:
    """Each refresh a call in one process that stays up (``WARM``), its output in each
    trial's log."""
    command = [sys.executable, "-c", WARM]
    process = RefreshProcess(command, bench_env(work), cwd=repo, stdin=subprocess.PIPE)
    child = process.child

    def refresh(label: str, log: Path) -> Run:
        started = time.perf_counter()
        child.stdin.write("refresh\n")
        child.stdin.flush()
        with log.open("w") as out:
            run, done = process.timed(label, out, started, (DONE,), "shutdown")
        run.exit_code = int(done.removeprefix(DONE)) if done else child.wait()
        return run

    try:
        yield refresh
    finally:
        child.stdin.close()
        child.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workdir", type=Path, help="a bench work folder kept with --keep")
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--trials", type=int, default=1)
    parser.add_argument(
        "--warm", action="store_true", help="run the refreshes in one process that stays up"
    )
    parser.add_argument("--json", type=Path, help="write the trials here")
    args = parser.parse_args(argv)
    if not (args.workdir / "landing").is_dir():
        parser.error(f"{args.workdir} is not a bench work folder (no landing folder)")
    work, repo, runs = args.workdir, args.repo.resolve(), []
    refreshes = warm_refresh(work, repo) if args.warm else nullcontext(cold_refresh(work, repo))
    with refreshes as refresh:
        if args.warm:
            warm_up = one_trial(work, repo, "warm-up", refresh)
            print(f"warm-up (imports, first refresh of the process): {warm_up.wall_s:.1f} s")
        for trial in range(1, args.trials + 1):
            runs.append(one_trial(work, repo, trial, refresh))
            print(f"trial {trial}: {runs[-1].wall_s:.1f} s", flush=True)
    print_table(runs, median=True)
    if args.json:
        args.json.write_text(json.dumps([run.__dict__ for run in runs], indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
