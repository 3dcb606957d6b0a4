"""kill -9 in the marts layer of an incremental refresh, after the intermediate layer has
caught up: the next refresh still brings every mart up to date. Keyphrase re-ranking is
held off, so a build rebuilds only the papers that changed, as a one-dump refresh of a
large warehouse does."""

import shutil

from tests.conftest import GROWTH_ENV, build_query, kill_process_group, make_settings, refresh
from tests.reliability.conftest import start_paused_at, table_hashes


def _refreshed_without_crash(two_dump_warehouse, tmp_path):
    """The same refresh as the crashed one, not crashed: its settings."""
    uncrashed = make_settings(tmp_path / "uncrashed")
    shutil.copytree(two_dump_warehouse.warehouse_dir, uncrashed.warehouse_dir)
    assert refresh(uncrashed).report.success
    return uncrashed


def test_kill_9_in_the_marts_layer_and_the_next_refresh_converges(
    warehouse, two_dump_warehouse, tmp_path, monkeypatch
):
    monkeypatch.setenv(GROWTH_ENV, "1000")
    uncrashed = _refreshed_without_crash(two_dump_warehouse, tmp_path)
    warehouse.export()

    kill_process_group(start_paused_at(warehouse, "dbt_marts"))
    # killed with the intermediate layer done and the marts not yet rebuilt
    keywords_after_crash = _count(warehouse, "marts.paper_keywords")
    assert _count(warehouse, "intermediate.int_paper_links") == _count(
        uncrashed, "intermediate.int_paper_links"
    )
    assert keywords_after_crash < _count(uncrashed, "marts.paper_keywords")
    recovered = refresh(warehouse)

    assert recovered.report.success, recovered.report
    assert table_hashes(warehouse.served_db) == table_hashes(uncrashed.served_db)


def test_kill_9_between_paper_keywords_and_keywords_and_the_next_refresh_converges(
    warehouse, two_dump_warehouse, tmp_path, monkeypatch
):
    """paper_keywords' changes are logged in its transaction and counted by keywords in
    its own (macros/keyword_counts.sql): a crash in between leaves them for the next
    refresh, which rebuilds the same papers again and counts both builds' changes."""
    monkeypatch.setenv(GROWTH_ENV, "1000")
    uncrashed = _refreshed_without_crash(two_dump_warehouse, tmp_path)
    warehouse.export()

    kill_process_group(start_paused_at(warehouse, "dbt_built_paper_keywords"))
    assert _count(warehouse, "marts.paper_keywords") == _count(uncrashed, "marts.paper_keywords")
    assert _count(warehouse, "intermediate.int_keyword_changes") > 0
    recovered = refresh(warehouse)

    assert recovered.report.success, recovered.report
    assert _count(warehouse, "intermediate.int_keyword_changes") == 0
    assert table_hashes(warehouse.served_db) == table_hashes(uncrashed.served_db)


def _count(settings, table: str) -> int:
    return build_query(settings, f"select count(*) from {table}")[0][0]
