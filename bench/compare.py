"""Two benchmark result files side by side, as the README's Markdown table.

    uv run python bench/compare.py bench/results/1000000-at-41eaf14.json bench/results/1000000.json

Stage times are grouped as in the README (the gates of a layer together); the last rows
are the peak RSS, the CPU time of the process tree (user and system: much system time
means the kernel was slow to hand out memory) and, when both files have one, the machine
calibration (``bench/calibrate.py``, taken before the full refresh and after the
incremental one): only runs whose calibrations agree compare the code alone.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def _stage(name: str):
    return lambda stage: stage == name


def _gates(*names: str):
    return lambda stage: stage.removeprefix("gate ") in names


#: (row label, which of ``bench/run.py``'s stage names it sums)
GROUPS = (
    ("startup (imports, landing scan, run creation)", _stage("startup")),
    ("ingest (parse + load)", _stage("ingest")),
    (
        "ingest gates (dump_files, rejects, raw_records)",
        _gates("gx_dump_files", "gx_rejects", "gx_raw_records"),
    ),
    ("dbt staging", _stage("dbt staging")),
    (
        "staging gates (stopwords, stg_dump_files, stg_records)",
        _gates("gx_stopwords", "gx_stg_dump_files", "gx_stg_records"),
    ),
    ("dbt intermediate", _stage("dbt intermediate")),
    ("intermediate gates (`gx_int_*`)", lambda stage: stage.startswith("gate gx_int_")),
    ("dbt marts", _stage("dbt marts")),
    (
        "mart gates (5)",
        _gates("gx_papers", "gx_paper_links", "gx_links", "gx_paper_keywords", "gx_keywords"),
    ),
    ("publish", _stage("publish")),
    # a --watch run has no process exit, and waits for the watch's look at the landing
    ("shutdown (summary, exit) or pickup (`--watch`)", lambda s: s in ("shutdown", "pickup")),
)


def _runs(result: dict) -> tuple[dict, dict]:
    by_label = {run["label"]: run for run in result["runs"]}
    return by_label["full"], by_label["incremental"]


def _cpu(run: dict) -> str:
    """A run's CPU time, user and system; older results have none."""
    if "cpu_user_s" not in run:
        return "-"
    return f"{run['cpu_user_s']:.1f}, {run['cpu_system_s']:.1f}"


def _calibration(result: dict, when: str) -> str:
    sample = result.get("calibration", {}).get(when)
    return f"{sample['duckdb_s']:.2f}, {sample['python_s']:.2f}" if sample else "-"


def table(before: dict, now: dict) -> str:
    """The Markdown table: per stage group, full and one-more-dump, before and now."""
    full_b, inc_b = _runs(before)
    full_n, inc_n = _runs(now)
    columns = (full_b, full_n, inc_b, inc_n)
    lines = [
        "| stage | full, before (s) | full, now (s) | +1 dump, before (s) | +1 dump, now (s) |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, member in GROUPS:
        cells = (sum(t for s, t in run["stages"].items() if member(s)) for run in columns)
        lines.append(f"| {label} | " + " | ".join(f"{cell:.1f}" for cell in cells) + " |")
    share_b = f"{inc_b['wall_s'] / full_b['wall_s']:.1%}"
    share_n = f"{inc_n['wall_s'] / full_n['wall_s']:.1%}"
    lines.append(
        f"| **total wall** | **{full_b['wall_s']:.1f}** | **{full_n['wall_s']:.1f}** "
        f"| **{inc_b['wall_s']:.1f}** ({share_b}) | **{inc_n['wall_s']:.1f}** ({share_n}) |"
    )
    peaks = " | ".join(f"{run['peak_rss_mb']:,.0f}" for run in columns)
    lines.append(f"| peak RSS of the process tree (MiB) | {peaks} |")
    cpu = " | ".join(_cpu(run) for run in columns)
    lines.append(f"| CPU time of the process tree (user s, system s) | {cpu} |")
    # sampled before the full refresh and after the incremental one
    calibrations = (
        _calibration(before, "before"),
        _calibration(now, "before"),
        _calibration(before, "after"),
        _calibration(now, "after"),
    )
    lines.append("| machine calibration (DuckDB s, Python s) | " + " | ".join(calibrations) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("now", type=Path)
    args = parser.parse_args(argv)
    before, now = (json.loads(path.read_text()) for path in (args.before, args.now))
    print(table(before, now))
    print(f"\ncommits: {before.get('commit')} -> {now.get('commit')}")


if __name__ == "__main__":
    main()
