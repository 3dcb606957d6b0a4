"""The GX verdict: failures fail, and an expectation that raised fails too."""

import duckdb
import great_expectations.expectations as gxe
import pandas as pd
from great_expectations.execution_engine import pandas_execution_engine

from orchestration.checks.gates import GATES, GATES_BY_NAME, rows_with_repeated_keys, run_gate
from orchestration.checks.gx_validation import expectation_raised, gx_suite, validate_frame
from orchestration.checks.suites import Suite, load_suite, suite_columns
from orchestration.settings import EXPECTATIONS_DIR

FRAME = pd.DataFrame({"id": ["a", "b", "c"], "n": [1, 2, 3]})


def suite(*expectations) -> Suite:
    return Suite("test", [e.configuration.to_json_dict() for e in expectations])


def test_passing_suite_passes():
    outcome = validate_frame(FRAME, suite(gxe.ExpectColumnValuesToBeUnique(column="id")))
    assert outcome.success
    assert outcome.rows == 3


def test_validation_does_not_fingerprint_the_rows(monkeypatch):
    hashed = []
    monkeypatch.setattr(pandas_execution_engine, "hash_pandas_dataframe", hashed.append)
    outcome = validate_frame(FRAME, suite(gxe.ExpectColumnValuesToBeUnique(column="id")))
    assert outcome.success
    assert hashed == []


def test_failing_expectation_fails_with_examples():
    outcome = validate_frame(
        FRAME, suite(gxe.ExpectColumnValuesToBeBetween(column="n", max_value=2))
    )
    assert not outcome.success
    [failed] = outcome.failed
    assert failed.unexpected_count == 1
    assert failed.examples == [3]
    assert not failed.raised


def test_expectation_that_raises_fails_the_gate():
    outcome = validate_frame(
        FRAME,
        suite(
            gxe.ExpectColumnValuesToBeUnique(column="id"),
            gxe.ExpectColumnValuesToNotBeNull(column="no_such_column"),
        ),
    )
    assert not outcome.success
    [raised] = outcome.raised
    assert raised.column == "no_such_column"
    assert raised.error
    assert "raised" in outcome.summary()


def test_both_shapes_of_exception_info_count_as_raised():
    assert expectation_raised({"raised_exception": True, "exception_message": "x"})
    assert expectation_raised(
        {"metric-id": {"exception_traceback": "tb", "raised_exception": True}}
    )
    assert not expectation_raised({"raised_exception": False})
    assert not expectation_raised(None)


def test_an_empty_suite_never_passes():
    assert not validate_frame(FRAME, suite()).success


def test_every_committed_suite_loads_and_says_something():
    paths = sorted(EXPECTATIONS_DIR.glob("*.json"))
    assert len(paths) == len(GATES)
    for path in paths:
        loaded = load_suite(path)
        assert loaded.name == path.stem
        assert len(loaded.expectations) >= 4, path.name
        assert len(gx_suite(loaded).expectations) == len(loaded.expectations), path.name


def keywords_build(tmp_path, rows: str) -> duckdb.DuckDBPyConnection:
    """A build database whose ``marts.keywords`` holds ``rows`` (a select)."""
    con = duckdb.connect(str(tmp_path / "build.duckdb"))
    con.execute("create schema marts")
    con.execute(f"create table marts.keywords as {rows}")
    return con


def test_gate_sends_only_read_columns_and_a_missing_one_fails(tmp_path):
    con = keywords_build(
        tmp_path,
        "select 'LLMs' as keyword, 'acronym' as kind, 3 as n_papers,"
        " repeat('x', 100) as unread_text",
    )
    gate = GATES_BY_NAME["gx_keywords"]
    columns = suite_columns(load_suite(gate.suite_path))
    assert list(columns) == ["keyword", "kind", "n_papers"]
    assert columns["kind"] == {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_in_set",
        "expect_compound_columns_to_be_unique",
    }
    assert run_gate(con, gate).success

    con.execute("alter table marts.keywords drop column n_papers")
    outcome = run_gate(con, gate)
    assert not outcome.success
    assert {o.column for o in outcome.raised} == {"n_papers"}


def test_a_column_only_checked_for_nulls_reaches_gx_as_a_flag_and_a_null_still_fails(tmp_path):
    gate = GATES_BY_NAME["gx_raw_records"]
    assert suite_columns(load_suite(gate.suite_path))["abstract"] == {
        "expect_column_values_to_not_be_null"
    }
    con = duckdb.connect(str(tmp_path / "build.duckdb"))
    con.execute("create schema raw")
    con.execute(
        "create table raw.records as select repeat('a', 64) as dump_sha256, 'd.txt' as file_name,"
        " 1 as line_number, 'A Title' as title, repeat('An abstract. ', 20) as abstract,"
        " '01-02' as listing_date, 'a title' as title_key"
    )
    assert run_gate(con, gate).success, run_gate(con, gate).summary()
    con.execute("update raw.records set abstract = null")
    failed = {(o.expectation, o.column) for o in run_gate(con, gate).failed}
    assert ("expect_column_values_to_not_be_null", "abstract") in failed


def test_uniqueness_sees_the_rows_whose_key_repeats_and_a_missing_key_column_fails(tmp_path):
    con = keywords_build(
        tmp_path,
        "select 'k' || i as keyword, 'phrase' as kind, 1 as n_papers from range(1000) as r(i)",
    )
    gate = GATES_BY_NAME["gx_keywords"]
    key = {"keyword": set(), "kind": set()}
    assert rows_with_repeated_keys(con, gate.query, key).num_rows == 0
    assert run_gate(con, gate).success

    con.execute("insert into marts.keywords values ('k7', 'phrase', 2)")
    repeated = rows_with_repeated_keys(con, gate.query, key)
    assert repeated.to_pylist() == [{"keyword": "k7", "kind": "phrase"}] * 2
    [failed] = run_gate(con, gate).failed
    assert failed.expectation == "expect_compound_columns_to_be_unique"
    assert failed.unexpected_count == 2
    assert failed.examples == [{"keyword": "k7", "kind": "phrase"}] * 2

    con.execute("alter table marts.keywords drop column kind")
    outcome = run_gate(con, gate)
    assert not outcome.success
    assert "expect_compound_columns_to_be_unique" in {o.expectation for o in outcome.raised}


def test_each_uniqueness_expectation_judges_its_own_key(tmp_path):
    """paper_keywords has two keys, read in one pass with the other columns: a keyword
    listed twice at two ranks repeats (paper_id, kind, keyword) but not (paper_id, kind,
    rank), and only the expectation of the first fails."""
    con = duckdb.connect(str(tmp_path / "build.duckdb"))
    con.execute("create schema marts")
    con.execute("create table marts.papers as select 'p' || i as paper_id from range(50) as r(i)")
    con.execute(
        "create table marts.paper_keywords as select 'p' || (i // 10) as paper_id,"
        " 'kw' || i as keyword, 'kw' || i as surface, 'phrase' as kind, 1.5 as score,"
        " i % 10 + 1 as rank, null::varchar as expansion from range(500) as r(i)"
    )
    gate = GATES_BY_NAME["gx_paper_keywords"]
    assert run_gate(con, gate).success, run_gate(con, gate).summary()

    con.execute(
        "update marts.paper_keywords set keyword = 'kw1' where paper_id = 'p0' and rank = 3"
    )
    [failed] = run_gate(con, gate).failed
    assert failed.expectation == "expect_compound_columns_to_be_unique"
    assert failed.unexpected_count == 2
    assert failed.examples == [{"paper_id": "p0", "kind": "phrase", "keyword": "kw1"}] * 2
