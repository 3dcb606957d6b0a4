"""Python models read the papers to build in batches, never the removed ones."""

import duckdb

from orchestration.incremental import papers_to_build


def relations():
    con = duckdb.connect()
    papers = con.sql(
        "select 'p' || i as paper_id, 'title ' || i as title, 'abstract ' || i as abstract"
        " from range(5) as r(i)"
    )
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
