"""A failing gate stops everything downstream: no publish, the served file unchanged."""

import hashlib
import shutil

import duckdb

from orchestration.settings import Settings
from tests.conftest import refresh


def fingerprint(path):
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def test_corrupt_raw_table_fails_its_gate_and_blocks_publish(
    sample_refresh, tmp_path, isolated_env
):
    # start from a copy of a good warehouse
    good = sample_refresh.settings
    settings = Settings(landing_dir=good.landing_dir, warehouse_dir=tmp_path / "warehouse")
    shutil.copytree(good.warehouse_dir, settings.warehouse_dir)
    served_before = fingerprint(settings.served_db)
    staged_before = duckdb.connect(str(settings.build_db), read_only=True)
    stg_rows = staged_before.execute("select count(*) from staging.stg_records").fetchone()[0]
    staged_before.close()

    con = duckdb.connect(str(settings.build_db))
    original = con.execute(
        "select dump_sha256, line_number, title from raw.records order by all limit 1"
    ).fetchone()
    con.execute(
        "update raw.records set title = 'Daily Papers' where dump_sha256 = ? and line_number = ?",
        list(original[:2]),
    )
    # the gates, once passed, check the rows of dumps loaded since: make the corrupted
    # row's dump the newest load, as bad data arrives
    con.execute(
        "update ops.dump_files set loaded_at = timezone('UTC', now()) where sha256 = ?",
        [original[0]],
    )
    con.close()

    result = refresh(settings)

    assert not result.report.success
    assert not result.report.published
    assert "gx_raw_records" in result.report.gates_failed
    assert fingerprint(settings.served_db) == served_before
    # nothing downstream of the failed gate ran: staging still holds the old rows
    con = duckdb.connect(str(settings.build_db), read_only=True)
    assert con.execute("select count(*) from staging.stg_records").fetchone()[0] == stg_rows
    failed = con.execute(
        "select summary from ops.gate_results where gate = 'gx_raw_records' and not success"
    ).fetchall()
    con.close()
    assert len(failed) == 1
    assert "expect_column_values_to_not_match_regex(title)" in failed[0][0]
    assert "1/13 failed" in failed[0][0]

    # the operator repairs the table; the next good publish carries the gate history
    con = duckdb.connect(str(settings.build_db))
    con.execute(
        "update raw.records set title = ? where dump_sha256 = ? and line_number = ?",
        [original[2], *original[:2]],
    )
    con.close()
    repaired = refresh(settings)
    assert repaired.report.success
    history = repaired.query(
        "select success, count(*) from ops.gate_results where gate = 'gx_raw_records' group by 1"
    )
    assert dict(history) == {True: 2, False: 1}
