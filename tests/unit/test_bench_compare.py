"""bench/compare.py: the README's table is summed from the right stages of each run."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from compare import table


def _result(scale: float, calibration: dict | None = None) -> dict:
    stages = {
        "startup": 10.0,
        "ingest": 30.0,
        "gate gx_dump_files": 3.0,
        "gate gx_raw_records": 2.0,
        "dbt marts": 20.0,
        "gate gx_papers": 2.5,
        "gate gx_paper_keywords": 12.0,
        "gate gx_int_papers": 1.0,
        "publish": 16.0,
    }
    runs = [
        {"label": label, "wall_s": 100.0 * share * scale, "peak_rss_mb": 5000.0 * share}
        | {"stages": {name: seconds * share * scale for name, seconds in stages.items()}}
        for label, share in (("full", 1.0), ("incremental", 0.2))
    ]
    return {"runs": runs} | ({"calibration": calibration} if calibration else {})


def test_rows_sum_the_stages_of_their_group_for_each_run():
    cells = [
        line.strip("| ").split(" | ") for line in table(_result(2.0), _result(1.0)).splitlines()
    ]
    rows = {label: values for label, *values in cells[2:]}
    # columns: full before, full now, +1 before, +1 now
    assert rows["ingest gates (dump_files, rejects, raw_records)"] == ["10.0", "5.0", "2.0", "1.0"]
    assert rows["mart gates (5)"] == ["29.0", "14.5", "5.8", "2.9"]
    assert rows["intermediate gates (`gx_int_*`)"] == ["2.0", "1.0", "0.4", "0.2"]
    assert rows["**total wall**"] == [
        "**200.0**",
        "**100.0**",
        "**40.0** (20.0%)",
        "**20.0** (20.0%)",
    ]
    assert rows["peak RSS of the process tree (MiB)"] == ["5,000", "5,000", "1,000", "1,000"]


def test_cpu_row_shows_user_and_system_time_or_a_dash_for_an_older_result():
    now = _result(1.0)
    for run, (user, system) in zip(now["runs"], ((310.4, 52.0), (41.2, 6.5)), strict=True):
        run |= {"cpu_user_s": user, "cpu_system_s": system}
    [row] = [line for line in table(_result(1.0), now).splitlines() if "CPU" in line]
    assert (
        row
        == "| CPU time of the process tree (user s, system s) | - | 310.4, 52.0 | - | 41.2, 6.5 |"
    )


def test_calibration_row_shows_each_sample_or_a_dash_when_a_run_has_none():
    calibration = {
        "before": {"duckdb_s": 1.5, "python_s": 0.4},
        "after": {"duckdb_s": 2.1, "python_s": 0.6},
    }
    last = table(_result(1.0), _result(1.0, calibration)).splitlines()[-1]
    assert last == "| machine calibration (DuckDB s, Python s) | - | 1.50, 0.40 | - | 2.10, 0.60 |"
