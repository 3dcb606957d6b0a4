"""kill -9 during ingest, dbt and publish: the served file stays the previous good one,
and the next refresh converges to what a run that never crashed gives."""

import pytest

from orchestration.warehouse.publish import wal_path
from tests.conftest import kill_process_group, refresh
from tests.reliability.conftest import file_state, start_paused_at, table_hashes


@pytest.mark.parametrize("point", ["ingest", "dbt_intermediate", "publish"])
def test_kill_9_leaves_the_previous_good_file_and_the_next_refresh_converges(
    warehouse, sample_refresh, point
):
    served_before = file_state(warehouse.served_db)
    papers_before = table_hashes(warehouse.served_db)["papers"][0]

    kill_process_group(start_paused_at(warehouse, point))  # kill -9, as a crash would

    assert file_state(warehouse.served_db) == served_before
    assert table_hashes(warehouse.served_db)["papers"][0] == papers_before
    assert not wal_path(warehouse.served_db).exists()

    recovered = refresh(warehouse)
    assert recovered.report.success, recovered.report
    assert table_hashes(warehouse.served_db) == table_hashes(sample_refresh.settings.served_db)
    assert not list(warehouse.warehouse_dir.glob(".papers.duckdb.*.tmp"))
