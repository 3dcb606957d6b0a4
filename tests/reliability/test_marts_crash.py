"""kill -9 in the marts layer of an incremental refresh, after the intermediate layer has
caught up: the next refresh still brings every mart up to date. Keyphrase re-ranking is
held off, so a build rebuilds only the papers that changed, as a one-dump refresh of a
large warehouse does."""

import shutil

from tests.conftest import (
    GROWTH_ENV,
    SAMPLE_FILES,
    build_query,
    kill_process_group,
    make_settings,
    refresh,
)
from tests.reliability.conftest import start_paused_at, table_hashes


def _refreshed_without_crash(two_dump_warehouse, tmp_path, change_landing=None):
    """The same refresh as the crashed one, not crashed (its landing folder changed by
    ``change_landing`` first, as the crashed one's is): its settings."""
    uncrashed = make_settings(tmp_path / "uncrashed")
    if change_landing is not None:
        change_landing(uncrashed.landing_dir)
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
    """What keywords counted is logged by papers and paper_keywords in their transactions
    and read by keywords in its own (macros/counted_by_change.sql): a crash in between
    leaves the logs for the next refresh, which rebuilds the same papers again without
    logging them twice. The third dump also rewrites a paper of the first two, so the
    logs hold rows and a dump range counted before the crashed build, not only new
    papers'."""
    monkeypatch.setenv(GROWTH_ENV, "1000")
    _rewrite_a_repeated_abstract(warehouse.landing_dir)
    uncrashed = _refreshed_without_crash(
        two_dump_warehouse, tmp_path, change_landing=_rewrite_a_repeated_abstract
    )
    assert build_query(uncrashed, "select change from int_paper_changes").count(("changed",)) == 1
    warehouse.export()

    kill_process_group(start_paused_at(warehouse, "dbt_built_paper_keywords"))
    assert _count(warehouse, "marts.paper_keywords") == _count(uncrashed, "marts.paper_keywords")
    assert _count(warehouse, "intermediate.int_keywords_counted_rows") > 0
    recovered = refresh(warehouse)

    assert recovered.report.success, recovered.report
    assert _count(warehouse, "intermediate.int_keywords_counted_rows") == 0
    assert table_hashes(warehouse.served_db) == table_hashes(uncrashed.served_db)


def _rewrite_a_repeated_abstract(landing) -> None:
    """Rewrite, in the third dump, the abstract of the first paper it repeats word for
    word from the first two (a title line and the abstract line after it)."""
    first, second, third = (landing / path.name for path in SAMPLE_FILES)
    earlier = set(first.read_text().splitlines()) | set(second.read_text().splitlines())
    lines = third.read_text().splitlines(keepends=True)
    title = next(
        i
        for i, line in enumerate(lines[:-1])
        if line.rstrip("\n") in earlier
        and lines[i + 1].rstrip("\n") in earlier
        and len(line) < 300 < len(lines[i + 1])
    )
    lines[title + 1] = lines[title + 1].rstrip("\n") + " We also release a revised benchmark.\n"
    third.write_text("".join(lines))


def _count(settings, table: str) -> int:
    return build_query(settings, f"select count(*) from {table}")[0][0]
