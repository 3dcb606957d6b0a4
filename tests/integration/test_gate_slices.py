"""Once a gate has passed, it validates row by row only what changed since (the rows of
newly loaded dumps, newly ranked papers); table-scope expectations still check aggregates
of the whole table; after a failure the gate validates every row again."""

import shutil
from datetime import UTC, datetime

import pytest

from orchestration.checks.gates import GATES_BY_NAME, record_gate_result, run_gate
from orchestration.checks.suites import ExpectationOutcome, SuiteOutcome
from orchestration.warehouse.build_db import connect

STG_RECORDS = GATES_BY_NAME["gx_stg_records"]


@pytest.fixture
def build(sample_refresh, tmp_path):
    """A read-write copy of the sample warehouse's build database, all gates passed."""
    path = tmp_path / "build.duckdb"
    shutil.copy(sample_refresh.settings.build_db, path)
    con = connect(path)
    yield con
    con.close()


def third_dump(con) -> tuple[str, int]:
    return con.execute(
        "select sha256, records from ops.dump_files where status = 'loaded'"
        " order by file_name desc limit 1"
    ).fetchone()


def test_after_a_pass_only_rows_of_newly_loaded_dumps_are_validated(build):
    outcome = run_gate(build, STG_RECORDS)
    assert outcome.success and outcome.sliced and outcome.rows == 0

    sha, records = third_dump(build)
    build.execute(
        "update ops.dump_files set loaded_at = ? where sha256 = ?",
        [datetime.now(UTC).replace(tzinfo=None), sha],
    )
    outcome = run_gate(build, STG_RECORDS)
    assert outcome.success and outcome.sliced and outcome.rows == records

    build.execute(
        "update staging.stg_records set title = 'Subscribe'"
        " where dump_sha256 = ? and line_number = (select min(line_number)"
        " from staging.stg_records where dump_sha256 = ?)",
        [sha, sha],
    )
    outcome = run_gate(build, STG_RECORDS)
    assert not outcome.success
    assert [(o.column, o.unexpected_count) for o in outcome.failed] == [("title", 1)]


@pytest.mark.parametrize(
    ("gate", "table", "damage", "caught_by"),
    [
        (
            "gx_int_papers",
            "intermediate.int_papers",
            "n_records = 0",
            "expect_column_pair_values_a_to_be_greater_than_b",
        ),
        (
            "gx_papers",
            "marts.papers",
            "title = 'Subscribe'",
            "expect_column_values_to_not_match_regex",
        ),
    ],
)
def test_paper_slices_read_by_row_id_hold_exactly_the_papers_of_new_dumps(
    build, gate, table, damage, caught_by
):
    sha, _ = third_dump(build)
    now = datetime.now(UTC).replace(tzinfo=None)
    build.execute("update ops.dump_files set loaded_at = ? where sha256 = ?", [now, sha])
    dump_papers = "select paper_id from staging.stg_records where dump_sha256 = ?"
    [(papers,)] = build.execute(
        f"select count(distinct paper_id) from ({dump_papers})", [sha]
    ).fetchall()
    assert GATES_BY_NAME[gate].slice_by_rowid

    outcome = run_gate(build, GATES_BY_NAME[gate])
    assert outcome.success and outcome.sliced
    assert outcome.rows == papers > 0

    # damage outside the slice is not looked at; inside it, it fails the gate
    build.execute(
        f"update {table} set {damage} where paper_id = (select min(paper_id) from {table}"
        f" where paper_id not in ({dump_papers}))",
        [sha],
    )
    assert run_gate(build, GATES_BY_NAME[gate]).success
    build.execute(
        f"update {table} set {damage} where paper_id = (select min(paper_id) from ({dump_papers}))",
        [sha],
    )
    assert [o.expectation for o in run_gate(build, GATES_BY_NAME[gate]).failed] == [caught_by]


@pytest.mark.parametrize(
    ("gate", "rows_of_changed_papers"),
    [
        ("gx_paper_keywords", "select count(*) from marts.paper_keywords where paper_id in {}"),
        (
            "gx_keywords",
            "select count(*) from marts.keywords where keyword in"
            " (select keyword from marts.paper_keywords where paper_id in {})",
        ),
    ],
)
def test_keyword_slices_hold_the_papers_of_new_dumps_and_of_new_rankings_once(
    build, gate, rows_of_changed_papers
):
    now = datetime.now(UTC).replace(tzinfo=None)
    assert run_gate(build, GATES_BY_NAME[gate]).rows == 0
    sha, _ = third_dump(build)
    build.execute("update ops.dump_files set loaded_at = ? where sha256 = ?", [now, sha])
    dump_papers = "select paper_id from staging.stg_records where dump_sha256 = $sha"
    # re-ranked: one paper of the new dump (to count once) and one paper of no new dump
    build.execute(
        "update intermediate.int_phrase_ranking set ranked_at = $now where paper_id in"
        f" ((select min(paper_id) from ({dump_papers}))"
        f" union all (select min(paper_id) from intermediate.int_paper_phrases"
        f" where paper_id not in ({dump_papers})))",
        {"now": now, "sha": sha},
    )
    changed = (
        f"select paper_id from ({dump_papers}) union"
        " select paper_id from intermediate.int_paper_phrases where ranked_at = $now"
    )
    expected = build.execute(
        rows_of_changed_papers.format(f"({changed})"), {"now": now, "sha": sha}
    ).fetchone()[0]

    outcome = run_gate(build, GATES_BY_NAME[gate])

    assert outcome.success and outcome.sliced
    assert outcome.rows == expected > 0


@pytest.mark.parametrize(
    "mess", ["two  spaces", "a LaTeX rightarrow arrow", "an accent: caf\\'e", "trailing "]
)
def test_abstract_mess_found_in_duckdb_fails_the_gate_with_the_abstract(build, mess):
    build.execute(
        "update staging.stg_records set abstract = abstract || ' ' || ?"
        " where rowid = (select min(rowid) from staging.stg_records)",
        [mess],
    )
    build.execute("delete from ops.gate_results")  # never passed: every row is validated
    outcome = run_gate(build, STG_RECORDS)
    [failed] = outcome.failed
    assert (failed.column, failed.unexpected_count) == ("messy_abstract", 1)
    assert failed.examples[0].endswith(mess)


def test_a_repeated_key_in_a_slice_fails_its_uniqueness_expectation(build):
    """A slice reaches GX in one frame, its keys unfiltered (a gate that validates every
    row hands uniqueness only the rows whose key hash repeats)."""
    sha, records = third_dump(build)
    build.execute(
        "update ops.dump_files set loaded_at = ? where sha256 = ?",
        [datetime.now(UTC).replace(tzinfo=None), sha],
    )
    build.execute(
        "insert into raw.records select * from raw.records"
        " where dump_sha256 = ? order by line_number limit 1",
        [sha],
    )
    outcome = run_gate(build, GATES_BY_NAME["gx_raw_records"])
    assert outcome.sliced and outcome.rows == records + 1
    [repeated] = outcome.failed
    assert repeated.expectation == "expect_compound_columns_to_be_unique"
    assert repeated.unexpected_count == 2


def test_table_scope_expectations_check_the_whole_table_in_a_slice(build):
    build.execute(
        "delete from staging.stg_records where rowid = (select min(rowid) from staging.stg_records)"
    )
    outcome = run_gate(build, STG_RECORDS)
    assert outcome.sliced and outcome.rows == 0
    assert not outcome.success
    assert [o.column for o in outcome.failed] == ["staged_rows"]


def test_after_a_failure_every_row_is_validated_again(build):
    failed = SuiteOutcome(
        suite="stg_records",
        rows=0,
        outcomes=[ExpectationOutcome("gate_query", None, success=False, raised=True, error="x")],
    )
    record_gate_result(build, STG_RECORDS, failed, run_id="earlier")
    outcome = run_gate(build, STG_RECORDS)
    assert outcome.success and not outcome.sliced
    assert outcome.rows == 504


def failed_columns(con, gate_name: str) -> list[str]:
    outcome = run_gate(con, GATES_BY_NAME[gate_name])
    return [o.column for o in outcome.failed]


def test_keyphrase_ranking_gate_catches_bad_terms_phrases_and_papers(build):
    build.execute("delete from ops.gate_results")  # never passed: every paper is checked
    assert failed_columns(build, "gx_int_phrase_ranking") == []
    table = "intermediate.int_phrase_ranking"
    paper = build.execute(f"select min(paper_id) from {table} where len(phrases) > 0").fetchone()[0]
    keys, phrases = build.execute(
        f"select stem_keys, phrases from {table} where paper_id = ?", [paper]
    ).fetchone()

    def change(assignment: str) -> list[str]:
        build.execute(f"update {table} set {assignment} where paper_id = ?", [paper])
        failed = failed_columns(build, "gx_int_phrase_ranking")
        build.execute(
            f"update {table} set stem_keys = ?, phrases = ? where paper_id = ?",
            [keys, phrases, paper],
        )
        return failed

    assert change("stem_keys = list_append(stem_keys, stem_keys[-1])") == ["terms_not_ascending"]
    assert change("stem_keys = list_reverse(stem_keys)") == ["terms_not_ascending"]
    assert change("stem_keys = []::ubigint[]") == [
        "papers_without_terms",
        "phrases_not_among_terms",
    ]
    assert change(
        "phrases = list_transform(phrases, lambda p: struct_update(p, keyword := 'no such term'))"
    ) == ["phrases_not_among_terms"]
    assert change("phrases = list_reverse(phrases)") == []  # any phrase of its terms may lead
    assert change("phrases = list_concat(phrases, phrases)") == ["most_phrases"]
    assert failed_columns(build, "gx_int_phrase_ranking") == []

    build.execute(
        f"insert into {table} select 'no-such-paper', stem_keys, phrases, corpus_papers,"
        f" ranked_at, n_keys from {table} where paper_id = ?",
        [paper],
    )
    build.execute(f"delete from {table} where paper_id = ?", [paper])
    assert failed_columns(build, "gx_int_phrase_ranking") == ["papers_not_ranked", "unknown_papers"]
    build.execute(f"insert into {table} select * from {table} where paper_id = 'no-such-paper'")
    assert "duplicate_papers" in failed_columns(build, "gx_int_phrase_ranking")


def test_paper_keywords_gate_catches_an_invisible_keyword_and_a_repeated_rank(build):
    build.execute("delete from ops.gate_results")  # never passed: every row is checked
    assert failed_columns(build, "gx_paper_keywords") == []
    table = "marts.paper_keywords"
    paper, kind, rank = build.execute(
        f"select paper_id, kind, rank from {table} where kind = 'phrase' and rank = 2 limit 1"
    ).fetchone()
    where = "where paper_id = ? and kind = ? and rank = ?"

    build.execute(f"update {table} set keyword = ' \t' {where}", [paper, kind, rank])
    assert failed_columns(build, "gx_paper_keywords") == ["blank_keyword"]
    build.execute(
        f"update {table} set keyword = 'a visible keyword', rank = 1 {where}", [paper, kind, rank]
    )
    [repeated] = run_gate(build, GATES_BY_NAME["gx_paper_keywords"]).failed
    assert repeated.expectation == "expect_compound_columns_to_be_unique"
    assert repeated.unexpected_count == 2  # both rows of rank 1 in that paper and kind


@pytest.mark.parametrize(
    "url", ["http://example.org/a", "https://example.org/a.", "https://github.com/a/b.git"]
)
def test_links_gate_fails_a_url_that_is_not_canonical(build, url):
    build.execute("delete from ops.gate_results")  # never passed: every row is checked
    assert failed_columns(build, "gx_links") == []
    build.execute(
        "update marts.links set url = ? where url = (select min(url) from marts.links)", [url]
    )
    [failed] = run_gate(build, GATES_BY_NAME["gx_links"]).failed
    assert (failed.column, failed.unexpected_count, failed.examples) == ("url", 1, [url])
