"""A whole refresh of the bundled samples, checked the way a BI user would check it."""

import os
import stat

import dagster as dg

from orchestration.checks.gates import GATES
from orchestration.refresh import open_instance
from orchestration.warehouse.publish import wal_path
from tests.conftest import column_compressions

SAMPLE_LINES = 389 + 613 + 518


def test_refresh_publishes_every_mart(sample_refresh):
    report = sample_refresh.report
    assert report.published
    assert report.gates_failed == []
    assert len(report.gates_passed) == len(GATES)
    counts = {
        table: sample_refresh.scalar(f"select count(*) from main.{table}")
        for table in ("papers", "paper_links", "links", "paper_keywords", "keywords")
    }
    assert counts["papers"] == 494
    assert counts["paper_links"] == 119
    assert counts["links"] == 118
    assert counts["paper_keywords"] > 494
    assert counts["keywords"] > 0


def test_papers_are_deduplicated_across_dumps(sample_refresh):
    records, papers, repeated = sample_refresh.query(
        "select sum(n_records), count(*), count(*) filter (where n_dumps > 1) from main.papers"
    )[0]
    assert (records, papers) == (504, 494)
    assert repeated == 10
    assert sample_refresh.scalar("select count(distinct paper_id) from main.papers") == 494


def test_latest_dump_wins_and_dump_range_is_recorded(sample_refresh):
    rows = sample_refresh.query(
        "select first_seen_dump, last_seen_dump, n_dumps from main.papers where n_dumps > 1"
    )
    assert all(first < last for first, last, _ in rows)
    assert {n for _, _, n in rows} == {2}


def test_each_keyword_counts_its_papers_and_spans_their_dumps(sample_refresh):
    recounted = """
        select keyword, kind, count(*), min(first_seen_dump), max(last_seen_dump)
        from main.paper_keywords join main.papers using (paper_id)
        group by all order by all
    """
    published = """
        select keyword, kind, n_papers, first_seen_dump, last_seen_dump
        from main.keywords order by all
    """
    rows = sample_refresh.query(published)
    assert rows == sample_refresh.query(recounted)
    # all three dumps appear, and keywords that span more than one
    assert len({first for *_, first, _ in rows} | {last for *_, last in rows}) == 3
    assert any(first < last for *_, first, last in rows)


def test_glued_title_and_listing_date(sample_refresh):
    title = "Training Energy-Based Normalizing Flow with Score-Matching Objectives"
    assert sample_refresh.query("select count(*) from main.papers where title = ?", [title]) == [
        (1,)
    ]
    # only dump 000 shows a date line (Apr 23): its 95 papers carry it, no other paper does
    dated, undated = sample_refresh.query(
        "select count(*) filter (where listing_date = '04-23'),"
        " count(*) filter (where listing_date is null) from main.papers"
    )[0]
    assert (dated, undated) == (95, 399)


def test_text_is_cleaned(sample_refresh):
    abstracts = " ".join(r[0] for r in sample_refresh.query("select abstract from main.papers"))
    assert "Súmulas" in abstracts
    assert "naïve" in abstracts
    assert "\\'u" not in abstracts
    assert " rightarrow" not in abstracts
    assert "  " not in abstracts


def test_every_raw_line_is_accounted_for(sample_refresh):
    rows = sample_refresh.query(
        "select lines, chrome_lines + blank_lines + 2 * records + rejects, status"
        " from ops.dump_files"
    )
    assert len(rows) == 3
    assert all(lines == accounted and status == "loaded" for lines, accounted, status in rows)
    assert sum(lines for lines, _, _ in rows) == SAMPLE_LINES


def test_gate_history_is_published(sample_refresh):
    gates = sample_refresh.query(
        "select gate, bool_and(success), sum(raised) from ops.gate_results group by gate"
    )
    assert len(gates) == len(GATES)
    assert all(success and raised == 0 for _, success, raised in gates)


def test_served_file_is_read_only_for_others_and_has_no_wal(sample_refresh):
    served = sample_refresh.settings.served_db
    mode = stat.S_IMODE(os.stat(served).st_mode)
    assert mode & (stat.S_IWGRP | stat.S_IWOTH) == 0
    assert not wal_path(served).exists()
    schemas = {
        r[0] for r in sample_refresh.query("select schema_name from information_schema.schemata")
    }
    assert {"main", "ops"} <= schemas


def test_the_build_database_writes_the_papers_text_with_zstd(sample_refresh):
    """The build's text tables are written with zstd (a few times fewer bytes for the
    disk; see dbt_project/macros/text_compression.sql), and the models after each one get
    DuckDB's default compression back."""
    build = sample_refresh.settings.build_db
    for table in ("raw.records", "staging.stg_records", "intermediate.int_papers", "marts.papers"):
        for column in ("title", "abstract"):
            assert column_compressions(build, table, column) == {"ZSTD"}, (table, column)
    # built after stg_records, int_papers and papers in their dbt runs: not in zstd
    for table, column in (
        ("reference.stopwords", "word"),
        ("intermediate.int_abstract_urls", "url"),
        ("intermediate.int_keyword_candidates", "keyword"),
        ("marts.keywords", "keyword"),
    ):
        assert "ZSTD" not in column_compressions(build, table, column), table


def test_dbt_leaves_its_log_and_no_json_artifacts(sample_refresh):
    """Each dbt layer runs with --no-write-json: the refresh's results are Dagster's, and
    writing dbt's manifest and run results three times a refresh cost 0.25 s."""
    target = sample_refresh.settings.dbt_target_dir
    assert "model.paperhouse.papers" in (target / "dbt.log").read_text()
    assert not (target / "manifest.json").exists()
    assert not (target / "run_results.json").exists()


def test_each_dbt_table_is_materialized_with_its_row_count(sample_refresh):
    def metadata(*key):
        with open_instance(sample_refresh.settings) as instance:
            event = instance.get_latest_materialization_event(dg.AssetKey(list(key)))
        return {name: value.value for name, value in event.asset_materialization.metadata.items()}

    assert metadata("marts", "papers")["dagster/row_count"] == 494
    assert metadata("marts", "links")["dagster/row_count"] == 118
    # a view is not counted (that would run it), but previewed
    phrases = metadata("intermediate", "int_paper_phrases")
    assert "dagster/row_count" not in phrases and "keyword" in phrases["preview"]
