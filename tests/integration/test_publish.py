"""Publishing: a fresh file renamed onto the served path; readers keep what they had."""

import duckdb
import pytest

from orchestration.warehouse.publish import MART_TABLES, PublishRefused, publish, wal_path


def make_build_db(path, n_papers: int) -> None:
    con = duckdb.connect(str(path))
    con.execute("create schema marts; create schema ops")
    for table in MART_TABLES:
        con.execute(f"create table marts.{table} (id integer)")
    con.execute("insert into marts.papers select range from range(?)", [n_papers])
    for table in ("dump_files", "rejects"):
        con.execute(f"create table ops.{table} (id integer)")
    con.execute("create table ops.gate_results (success boolean)")
    con.close()


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
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build.duckdb", "papers.duckdb"]


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
