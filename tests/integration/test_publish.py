"""Publishing: a fresh file renamed onto the served path; readers keep what they had."""

import os
from pathlib import Path

import duckdb
import pytest

from orchestration.warehouse import publish as publish_module
from orchestration.warehouse.publish import (
    MART_TABLES,
    PublishRefused,
    publish,
    served_copy_ahead,
    wal_path,
)
from tests.conftest import column_compressions

#: What publishing leaves in the folder it shares with the build: the served file and the
#: record of what was published (temp files and copies all gone)
LEFT_BESIDE_THE_BUILD = [".papers.duckdb.published", "build.duckdb", "papers.duckdb"]


def make_build_db(path, n_papers: int) -> None:
    make_marts(path, {f"p{i:03d}": f"title {i}" for i in range(n_papers)})


def test_reader_keeps_old_data_and_a_new_connection_sees_the_new(tmp_path):
    build, served = tmp_path / "build.duckdb", tmp_path / "papers.duckdb"
    make_build_db(build, 3)
    publish(build, served)
    reader = duckdb.connect(str(served), read_only=True)
    assert reader.execute("select count(*) from papers").fetchone() == (3,)

    build.unlink()
    make_build_db(build, 5)
    result = publish(build, served)

    assert result.row_counts["papers"] == 5
    assert reader.execute("select count(*) from papers").fetchone() == (3,)
    reader.close()
    fresh = duckdb.connect(str(served), read_only=True)
    assert fresh.execute("select count(*) from papers").fetchone() == (5,)
    fresh.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == LEFT_BESIDE_THE_BUILD


def test_publish_refuses_when_a_wal_sits_beside_the_served_file(tmp_path):
    build, served = tmp_path / "build.duckdb", tmp_path / "papers.duckdb"
    make_build_db(build, 3)
    publish(build, served)
    before = served.read_bytes()
    wal_path(served).write_bytes(b"stale")

    with pytest.raises(PublishRefused, match=r"papers\.duckdb\.wal exists"):
        publish(build, served)

    assert served.read_bytes() == before
    assert wal_path(served).read_bytes() == b"stale"


def test_identical_content_is_not_republished_and_stale_builds_are_cleared(tmp_path):
    build, served = tmp_path / "build.duckdb", tmp_path / "papers.duckdb"
    make_build_db(build, 3)
    first = publish(build, served)
    before = served.stat()
    stale = tmp_path / ".papers.duckdb.deadbeef.tmp"
    stale.write_bytes(b"left by a killed publish")

    second = publish(build, served)

    assert first.republished and not second.republished
    assert second.fingerprint == first.fingerprint
    after = served.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert not stale.exists()


def test_warehouse_path_with_a_quote_publishes(tmp_path):
    folder = tmp_path / "it's; drop table papers; --"
    folder.mkdir()
    build, served = folder / "build.duckdb", folder / "papers.duckdb"
    make_build_db(build, 2)
    assert publish(build, served).row_counts["papers"] == 2


def test_a_gate_failure_since_the_last_publish_forces_a_republish(tmp_path):
    build, served = tmp_path / "build.duckdb", tmp_path / "papers.duckdb"
    make_build_db(build, 3)
    publish(build, served)
    con = duckdb.connect(str(build))
    con.execute("insert into ops.gate_results values (false)")
    con.close()

    result = publish(build, served)

    assert result.republished
    reader = duckdb.connect(str(served), read_only=True)
    assert reader.execute("select count(*) from ops.gate_results").fetchone() == (1,)
    reader.close()


def make_marts(path, papers: dict[str, str]) -> None:
    """A build database whose marts are keyed as the real ones: ``papers`` maps paper ids
    to titles, and each paper has one link and one keyword."""
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    con.execute("create schema marts; create schema ops")
    con.execute("create table ops.dump_files (id integer); create table ops.rejects (id integer)")
    con.execute("create table ops.gate_results (success boolean)")
    rows = list(papers.items())
    con.execute("create table marts.papers (paper_id varchar, title varchar)")
    con.executemany("insert into marts.papers values (?, ?)", rows)
    con.execute(
        "create table marts.paper_links as select paper_id, 'https://x/' || title as url"
        " from marts.papers"
    )
    con.execute("create table marts.links as select url, 1 as n_papers from marts.paper_links")
    con.execute(
        "create table marts.paper_keywords as"
        " select paper_id, title as keyword, 'phrase' as kind from marts.papers"
    )
    con.execute(
        "create table marts.keywords as select keyword, kind, count(*) as n_papers"
        " from marts.paper_keywords group by all"
    )
    con.close()


def mart_rows(path, schema: str) -> dict[str, list[tuple]]:
    """Every mart's rows, sorted: ``schema`` is ``main`` in a served file, ``marts`` in a
    build database."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            t: sorted(con.execute(f"select * from {schema}.{t}").fetchall()) for t in MART_TABLES
        }
    finally:
        con.close()


PAPERS = {f"p{i:03d}": f"title {i}" for i in range(100)}


def published_marts(tmp_path) -> tuple[Path, Path]:
    """A build of ``PAPERS`` in ``tmp_path`` and the served file published from it."""
    build, served = tmp_path / "build.duckdb", tmp_path / "papers.duckdb"
    make_marts(build, PAPERS)
    publish(build, served)
    return build, served


def test_a_small_change_patches_a_copy_of_the_served_file(tmp_path):
    build, served = tmp_path / "build.duckdb", tmp_path / "papers.duckdb"
    make_marts(build, PAPERS)
    assert not publish(build, served).patched  # nothing to patch yet
    reader = duckdb.connect(str(served), read_only=True)

    changed = dict(PAPERS) | {"p001": "a new title", "p100": "a new paper"}
    del changed["p002"]
    make_marts(build, changed)
    result = publish(build, served)

    assert result.republished and result.patched
    assert reader.execute("select title from papers where paper_id = 'p001'").fetchall() == [
        ("title 1",)
    ]
    reader.close()  # this process would otherwise reopen the reader's (old) file
    assert mart_rows(served, "main") == mart_rows(build, "marts")
    assert not wal_path(served).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == LEFT_BESIDE_THE_BUILD


def test_a_copy_made_ahead_is_patched_and_published(tmp_path):
    build, served = published_marts(tmp_path)
    make_marts(build, dict(PAPERS) | {"p001": "a new title"})

    with served_copy_ahead(served) as copy:
        result = publish(build, served, copy=copy)

    assert result.republished and result.patched and result.copied_ahead
    assert mart_rows(served, "main") == mart_rows(build, "marts")
    assert sorted(p.name for p in tmp_path.iterdir()) == LEFT_BESIDE_THE_BUILD


def test_a_copy_of_a_served_file_replaced_since_is_left_and_removed(tmp_path):
    build, served = published_marts(tmp_path)
    with served_copy_ahead(served) as copy:
        make_marts(build, dict(PAPERS) | {"p001": "a new title"})
        publish(build, served)  # another publish replaced the file copied
        make_marts(build, dict(PAPERS) | {"p002": "another new title"})

        result = publish(build, served, copy=copy)

        assert result.patched and not result.copied_ahead
        assert not copy.path.exists()
    assert mart_rows(served, "main") == mart_rows(build, "marts")
    assert sorted(p.name for p in tmp_path.iterdir()) == LEFT_BESIDE_THE_BUILD


def test_a_copy_made_ahead_is_removed_when_no_publish_uses_it(tmp_path):
    build, served = published_marts(tmp_path)

    with served_copy_ahead(served) as copy:
        assert copy.take() == copy.path  # finished, and the served file unchanged
        assert copy.path.read_bytes() == served.read_bytes()
        assert not publish(build, served).republished  # nothing changed: kept
    assert sorted(p.name for p in tmp_path.iterdir()) == LEFT_BESIDE_THE_BUILD
    with served_copy_ahead(tmp_path / "missing.duckdb") as copy:
        assert copy is None


def test_a_large_change_writes_the_file_whole(tmp_path):
    build, served = tmp_path / "build.duckdb", tmp_path / "papers.duckdb"
    make_marts(build, PAPERS)
    publish(build, served)
    make_marts(build, {key: f"{title}, revised" for key, title in PAPERS.items()})

    result = publish(build, served)

    assert result.republished and not result.patched
    assert mart_rows(served, "main") == mart_rows(build, "marts")


def forgets_keywords(patch):
    """A patch that leaves the keywords out: the copy's digests are not the build's."""
    return lambda con, table: table == "keywords" or patch(con, table)


def then_runs(statement: str):
    """A patch that gets the digests right, then runs ``statement`` on the copy."""

    def broken(patch):
        def wrong_rows(con, table):
            patched = patch(con, table)
            con.execute(statement)
            return patched

        return wrong_rows

    return broken


@pytest.mark.parametrize(
    "broken",
    [
        forgets_keywords,
        then_runs("update out.main.papers set title = 'wrong' where paper_id = 'p001'"),
        then_runs("delete from out.main.papers where paper_id = 'p050'"),  # outside the patch
    ],
    ids=["keywords left out", "a patched row wrong", "a row outside the patch deleted"],
)
def test_a_patch_that_does_not_give_the_builds_content_is_never_published(
    tmp_path, monkeypatch, broken
):
    build, served = published_marts(tmp_path)
    make_marts(build, dict(PAPERS) | {"p001": "a new title"})
    monkeypatch.setattr(publish_module, "_patch", broken(publish_module._patch))

    result = publish(build, served)

    assert result.republished and not result.patched
    assert mart_rows(served, "main") == mart_rows(build, "marts")


def test_a_patch_of_the_file_as_published_reads_only_the_patched_rows(tmp_path):
    build, served = published_marts(tmp_path)
    make_marts(build, dict(PAPERS) | {"p001": "a new title"})
    assert publish(build, served).checked_patched_only

    os.utime(served)  # touched since: every row is read again
    make_marts(build, dict(PAPERS) | {"p001": "a newer title"})
    result = publish(build, served)

    assert result.patched and not result.checked_patched_only
    assert mart_rows(served, "main") == mart_rows(build, "marts")


def test_a_served_row_changed_since_its_publish_is_replaced(tmp_path):
    build, served = published_marts(tmp_path)
    con = duckdb.connect(str(served))  # someone edits the served file
    con.execute("update papers set title = 'edited' where paper_id = 'p050'")
    con.close()
    make_marts(build, dict(PAPERS) | {"p001": "a new title"})

    result = publish(build, served)

    assert result.republished and not result.checked_patched_only
    assert mart_rows(served, "main") == mart_rows(build, "marts")


def stored_and_actual_digests(served) -> tuple[list[tuple], list[tuple]]:
    """The key digests a served file keeps, and the same digests computed from its rows."""
    con = duckdb.connect(str(served), read_only=True)
    try:
        stored = con.execute("select * from ops.publish_digests order by all").fetchall()
        actual = con.execute(
            " union all ".join(
                f"select '{table}', {publish_module._key_hash(table)}, count(*), bit_xor(hash(t))"
                f" from main.{table} as t group by all"
                for table in MART_TABLES
            )
            + " order by all"
        ).fetchall()
        return stored, actual
    finally:
        con.close()


def test_the_served_digests_follow_its_rows_through_patches(tmp_path):
    build, served = tmp_path / "build.duckdb", tmp_path / "papers.duckdb"
    make_marts(build, PAPERS)
    publish(build, served)
    stored, actual = stored_and_actual_digests(served)
    assert len(stored) == 5 * 100 and stored == actual

    for revision in range(3):
        make_marts(build, dict(PAPERS) | {f"p00{revision}": f"revision {revision}"})
        assert publish(build, served).patched
        stored, actual = stored_and_actual_digests(served)
        assert stored == actual
        assert mart_rows(served, "main") == mart_rows(build, "marts")


def test_a_served_file_without_digests_is_written_whole_then_patched_again(tmp_path):
    build, served = tmp_path / "build.duckdb", tmp_path / "papers.duckdb"
    make_marts(build, PAPERS)
    publish(build, served)
    older = duckdb.connect(str(served))  # as published before the digests existed
    older.execute("drop table ops.publish_digests")
    older.close()

    make_marts(build, dict(PAPERS) | {"p001": "a new title"})
    assert not publish(build, served).patched
    make_marts(build, dict(PAPERS) | {"p001": "a newer title"})
    assert publish(build, served).patched
    assert mart_rows(served, "main") == mart_rows(build, "marts")


def test_a_wrong_served_digest_cannot_hide_a_change(tmp_path):
    build, served = tmp_path / "build.duckdb", tmp_path / "papers.duckdb"
    make_marts(build, PAPERS)
    publish(build, served)
    make_marts(build, dict(PAPERS) | {"p001": "a new title"})
    # the served file claims p001 already has the new title: no digest differs for it
    con = duckdb.connect(str(served))
    con.execute(f"attach '{build}' as build (read_only)")
    con.execute(
        """
        update ops.publish_digests as d set digest = b.digest
        from (
            select hash(paper_id) as key_hash, bit_xor(hash(t)) as digest
            from build.marts.papers as t group by all
        ) as b
        where d.mart = 'papers' and d.key_hash = b.key_hash
        """
    )
    con.close()

    result = publish(build, served)

    assert result.republished and not result.patched
    assert mart_rows(served, "main") == mart_rows(build, "marts")


def test_the_papers_text_is_compressed_with_zstd_written_whole_or_patched(tmp_path):
    build, served = tmp_path / "build.duckdb", tmp_path / "papers.duckdb"
    long_titles = {key: f"{title} " + "of a long abstract " * 20 for key, title in PAPERS.items()}
    make_marts(build, long_titles)
    publish(build, served)
    assert column_compressions(served, "papers", "title") == {"ZSTD"}
    assert "ZSTD" not in column_compressions(served, "paper_keywords", "kind")

    make_marts(build, long_titles | {"p100": "a new paper " * 20})
    assert publish(build, served).patched
    assert column_compressions(served, "papers", "title") == {"ZSTD"}
    assert mart_rows(served, "main") == mart_rows(build, "marts")


PER_PAPER_MARTS = ("papers", "paper_links", "paper_keywords")


def keep_digests(path) -> None:
    """The per-paper marts' key digests, kept in the build as the marts' hooks keep them."""
    con = duckdb.connect(str(path))
    con.execute("create schema if not exists intermediate")
    con.execute(
        "create or replace table intermediate.int_mart_digests as "
        + " union all ".join(
            f"select '{mart}' as mart, hash(paper_id) as key_hash, count(*) as n,"
            f" bit_xor(hash(t)) as digest from marts.{mart} as t group by all"
            for mart in PER_PAPER_MARTS
        )
    )
    con.close()


def test_the_digests_the_build_keeps_are_taken_not_hashed(tmp_path):
    build, served = published_marts(tmp_path)
    make_marts(build, dict(PAPERS) | {"p001": "a new title", "p100": "a new paper"})
    keep_digests(build)

    result = publish(build, served)

    assert result.kept_digests == PER_PAPER_MARTS
    assert result.patched and result.checked_patched_only
    assert mart_rows(served, "main") == mart_rows(build, "marts")
    stored, actual = stored_and_actual_digests(served)
    assert stored == actual


def test_kept_digests_that_do_not_count_a_marts_rows_are_not_taken(tmp_path):
    build, served = published_marts(tmp_path)
    make_marts(build, dict(PAPERS) | {"p001": "a new title"})
    keep_digests(build)
    con = duckdb.connect(str(build))  # a row goes behind the hooks' back
    con.execute("delete from marts.paper_links where paper_id = 'p050'")
    con.close()

    result = publish(build, served)

    assert result.kept_digests == ("papers", "paper_keywords")
    assert result.patched
    assert mart_rows(served, "main") == mart_rows(build, "marts")
