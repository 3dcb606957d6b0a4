"""Refreshing dump by dump gives exactly the warehouse of one refresh over all dumps, while
the per-paper models only rebuild the papers a new or corrected dump adds, changes or
removes (int_paper_changes)."""

import duckdb
import pytest

from tests.conftest import SAMPLE_FILES, make_settings, refresh

MART_TABLES = ("papers", "paper_links", "links", "paper_keywords", "keywords")
PER_PAPER_MODELS = (
    "int_phrase_counts",
    "int_abstract_urls",
    "int_keyword_candidates",
    "int_paper_links",
)


def rows(result, table: str) -> list[tuple]:
    return sorted(result.query(f"select * from main.{table}"), key=repr)


def build_query(settings, sql: str) -> list[tuple]:
    con = duckdb.connect(str(settings.build_db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def dump_by_dump(tmp_path_factory, dbt_manifest):
    """Refresh the first two sample dumps, then again with the third added."""
    first, second, third = SAMPLE_FILES
    settings = make_settings(
        tmp_path_factory.mktemp("incremental"), {p.name: p.read_bytes() for p in (first, second)}
    )
    assert refresh(settings).report.success
    (settings.landing_dir / third.name).write_bytes(third.read_bytes())
    result = refresh(settings)
    assert result.report.success
    return result


def test_dump_by_dump_equals_all_at_once(dump_by_dump, sample_refresh):
    for table in MART_TABLES:
        assert rows(dump_by_dump, table) == rows(sample_refresh, table), table


def test_only_the_new_dumps_papers_were_rebuilt(dump_by_dump):
    settings = dump_by_dump.settings
    third = SAMPLE_FILES[2].name
    changes = dict(
        build_query(
            settings, "select change, count(*) from intermediate.int_paper_changes group by 1"
        )
    )
    in_third = build_query(
        settings,
        f"select count(distinct paper_id) from staging.stg_records where dump_name = '{third}'",
    )[0][0]
    # every rebuilt paper is one the third dump brought or rewrote, and not all of them:
    # a paper it repeats word for word keeps its rows
    assert set(changes) <= {"added", "changed"}
    assert 0 < changes["added"] + changes.get("changed", 0) < in_third
    outside = build_query(
        settings,
        "select count(*) from intermediate.int_paper_changes where paper_id not in"
        f" (select paper_id from staging.stg_records where dump_name = '{third}')",
    )[0][0]
    assert outside == 0


def test_corrected_dump_removes_its_paper_everywhere(dump_by_dump):
    settings = dump_by_dump.settings
    third = settings.landing_dir / SAMPLE_FILES[2].name
    # a paper that only the third dump holds: drop its title and abstract lines
    paper_id, line_number = build_query(
        settings,
        f"""
        select paper_id, min(line_number) from staging.stg_records
        group by paper_id
        having count(distinct dump_name) = 1 and min(dump_name) = '{third.name}'
        order by paper_id limit 1
        """,
    )[0]
    counts_before = {
        m: build_query(
            settings, f"select count(*) from intermediate.{m} where paper_id <> '{paper_id}'"
        )[0][0]
        for m in PER_PAPER_MODELS
    }
    lines = third.read_bytes().splitlines(keepends=True)
    del lines[line_number - 1 : line_number + 1]
    third.write_bytes(b"".join(lines))

    result = refresh(settings)

    assert result.report.success
    assert build_query(settings, "select paper_id, change from intermediate.int_paper_changes") == [
        (paper_id, "removed")
    ]
    for model in PER_PAPER_MODELS:
        assert (
            build_query(settings, f"select count(*) from intermediate.{model}")[0][0]
            == counts_before[model]
        )
    for table in ("papers", "paper_links", "paper_keywords"):
        assert result.query(
            f"select count(*) from main.{table} where paper_id = ?", [paper_id]
        ) == [(0,)]
    assert result.scalar("select count(*) from main.papers") == 493
