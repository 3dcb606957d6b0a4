"""bench/one_dump.py: each trial's dump holds 500 papers the bench's dumps do not, a
trial starts from the warehouse as it was kept, whatever the trial before it wrote, and a
refresh in a process that stays up (``--warm``) is timed from its own lines."""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from generate import generate
from one_dump import DONE, new_dump, restore
from run import timed_progress

from orchestration.parsing.dump_parser import parse_dump
from orchestration.warehouse import publish
from orchestration.warehouse.publish import record_published


def titles(path: Path) -> set[str]:
    return set(parse_dump(path.read_bytes()).records["title"])


def test_the_new_dump_holds_500_papers_no_bench_dump_holds_and_sorts_last(tmp_path):
    landing = tmp_path / "landing"
    generate(3000, landing)  # 3000 papers in 6 dumps, then the bench's extra dump
    generate(500, landing, first=3000, first_dump=6)
    bench_titles = set().union(*(titles(dump) for dump in landing.glob("*.txt")))

    dump = new_dump(landing)

    assert len(titles(dump)) == 500
    assert not titles(dump) & bench_titles
    assert sorted(landing.glob("*.txt"))[-1] == dump


def test_a_trial_starts_from_the_kept_warehouse(tmp_path):
    warehouse = tmp_path / "warehouse"
    warehouse.mkdir()
    (warehouse / "papers.duckdb").write_text("as the bench left it")
    restore(warehouse)  # the first trial keeps a copy
    (warehouse / "papers.duckdb").write_text("as a trial left it")
    (warehouse / "left by a trial").touch()

    restore(warehouse)

    assert (warehouse / "papers.duckdb").read_text() == "as the bench left it"
    assert sorted(p.name for p in warehouse.iterdir()) == ["papers.duckdb"]


def test_a_trial_starts_from_the_kept_served_file_recorded_as_published(tmp_path):
    warehouse = tmp_path / "warehouse"
    warehouse.mkdir()
    served = warehouse / "papers.duckdb"
    served.write_text("as the bench published it")
    record_published(served)
    restore(warehouse)  # the first trial keeps a copy

    restore(warehouse)  # a copy of the copy: another file, recorded again

    assert publish._untouched_since_published(served)
    served.write_text("changed by hand")
    assert not publish._untouched_since_published(served)


def test_a_refresh_in_a_process_that_stays_up_is_timed_until_it_is_done(tmp_path):
    lines = iter(
        [
            "[   1.5s] ingest: 1 file\n",
            "a line of dbt's log\n",
            "[   2.0s] dbt staging: done\n",
            f"{DONE} 0\n",
            "[   0.7s] ingest: the next refresh's\n",
        ]
    )
    log = tmp_path / "trial.log"
    with log.open("w") as out:
        run, ending = timed_progress("trial", lines, out, os.getpid(), time.perf_counter(), (DONE,))

    assert ending == f"{DONE} 0\n"
    assert run.stages == {"startup": 1.5, "dbt staging": 0.5}
    assert log.read_text().endswith(f"dbt staging: done\n{DONE} 0\n")
    assert next(lines) == "[   0.7s] ingest: the next refresh's\n"  # left for the next trial
