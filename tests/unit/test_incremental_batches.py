"""Python models read the papers to build in batches, never the removed ones."""

import duckdb
import pytest

from orchestration.incremental import papers_in, papers_to_build, ref_table


def relations():
    """int_papers and int_paper_changes as dbt-duckdb hands a Python model its refs."""
    con = duckdb.connect()
    con.execute(
        "create table int_papers as select 'p' || i as paper_id, 'title ' || i as title,"
        " 'abstract ' || i as abstract from range(5) as r(i)"
    )
    papers = con.query("select * from int_papers")
    changes = con.sql(
        "select 'p' || i as paper_id, case when i = 2 then 'removed' else 'added' end as change"
        " from range(5) as r(i)"
    )
    return con, papers, changes


def test_batches_hold_every_paper_to_build_once_and_no_more_than_the_batch_size():
    _con, papers, changes = relations()
    batches = list(papers_to_build(papers, changes, "paper_id", "abstract", batch_papers=2))
    assert [b.height for b in batches] == [2, 2]
    assert all(b.columns == ["paper_id", "abstract"] for b in batches)
    ids = sorted(i for b in batches for i in b["paper_id"])
    assert ids == ["p0", "p1", "p3", "p4"]


def test_nothing_to_build_is_one_empty_batch_with_the_columns():
    _con, papers, changes = relations()
    nothing = changes.filter("change = 'none'")
    [batch] = papers_to_build(papers, nothing, "paper_id", "title")
    assert batch.height == 0
    assert batch.columns == ["paper_id", "title"]


def test_papers_are_read_at_their_row_ids_wherever_they_lie_in_the_table():
    con = duckdb.connect()
    con.execute(
        "create table int_papers as select 'p' || i as paper_id, 'abstract ' || i as abstract"
        " from range(300000) as r(i)"
    )
    # a middle row, the first, the last, one rewritten (deleted and appended at the end),
    # and a paper the table does not hold
    con.execute("delete from int_papers where paper_id = 'p7'")
    con.execute("insert into int_papers values ('p7', 'abstract 7 rewritten')")
    ids = con.query("select unnest(['p150000', 'p0', 'p299999', 'p7', 'p300000']) as paper_id")
    batches = papers_in(con.query("select * from int_papers"), ids, "paper_id", "abstract")
    assert dict(row for batch in batches for row in batch.iter_rows()) == {
        "p0": "abstract 0",
        "p7": "abstract 7 rewritten",
        "p150000": "abstract 150000",
        "p299999": "abstract 299999",
    }


def test_a_relation_that_is_not_a_ref_is_refused():
    con = duckdb.connect()
    con.execute("attach ':memory:' as build")
    con.execute("create schema build.intermediate")
    con.execute("create table build.intermediate.int_papers (paper_id varchar)")
    assert ref_table(con.query('select * from "build"."intermediate"."int_papers"')) == (
        '"build"."intermediate"."int_papers"'
    )
    with pytest.raises(ValueError, match="expected a dbt ref"):
        ref_table(con.sql("select 'p1' as paper_id"))
