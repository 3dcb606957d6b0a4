"""Bad input is quarantined with a clear status and reason; nothing is lost or loaded twice.

Each bad file alone goes through the real loader into a real DuckDB file; the mixed case
goes through a whole refresh.
"""

import pickle

import duckdb
import pytest

from orchestration.parsing.dump_parser import MAX_LINE_CHARS, REJECT_RAW_MAX_CHARS
from orchestration.warehouse import loader
from orchestration.warehouse.build_db import connect, ensure_schema
from orchestration.warehouse.landing import scan_landing
from orchestration.warehouse.loader import load_batch, load_file
from tests.conftest import SAMPLE_FILES, make_settings, refresh

ABSTRACT = (
    "We study a problem. We propose a method that works well on many benchmarks and "
    "improves over strong baselines by a wide margin, while using less compute. Our "
    "experiments cover five datasets and three model sizes, and the code is released."
)
GOOD = f"A Good Title\n\n{ABSTRACT}\n".encode()

BAD_FILES = {
    "empty.txt": (b"", "empty", "the file is empty", 0),
    "chrome.txt": (b"new\n\nSubscribe\n\nDaily Papers\n", "empty", "page chrome only", 0),
    "binary.bin": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "rejected", "binary", 0),
    "latin1.txt": (
        "Caf\u00e9 Title\n".encode("latin-1") + ABSTRACT.encode(),
        "rejected",
        "not_utf8",
        0,
    ),
    "one_huge_line.txt": (b"x" * (50 * 1024 * 1024), "empty", "all 1 content lines rejected", 1),
    "dangling.txt": (GOOD + b"Dangling Title\n", "loaded", None, 1),
    "shifted.txt": (
        f"{ABSTRACT}\nTitle One\n{ABSTRACT} Two.\nTitle Two\n{ABSTRACT} Three.\n".encode(),
        "loaded",
        None,
        1,
    ),
}


def load_alone(tmp_path, name: str, data: bytes):
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / name).write_bytes(data)
    con = connect(tmp_path / "build.duckdb")
    ensure_schema(con)
    [file] = scan_landing(landing)
    outcome = load_file(con, file)
    return con, outcome


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_each_bad_file_alone_gets_a_status_reason_and_line_rejects(tmp_path, name):
    data, status, reason, rejected_lines = BAD_FILES[name]
    con, outcome = load_alone(tmp_path, name, data)
    row = con.execute(
        "select status, reason, lines, chrome_lines + blank_lines + 2 * records + rejects"
        " from ops.dump_files"
    ).fetchone()
    assert outcome.status == row[0] == status
    if reason:
        assert reason in row[1]
    if row[2] is not None:
        assert row[2] == row[3], "every line accounted for"
    rejects = con.execute(
        "select line_number, length(raw_line), reason from ops.rejects"
    ).fetchall()
    assert len(rejects) == rejected_lines
    assert all(length <= REJECT_RAW_MAX_CHARS for _, length, _ in rejects)
    con.close()


def test_huge_line_is_rejected_as_too_long(tmp_path):
    con, _ = load_alone(tmp_path, "huge.txt", b"T" * (MAX_LINE_CHARS + 1))
    assert con.execute("select line_number, reason from ops.rejects").fetchall() == [
        (1, "line_too_long")
    ]


def test_shifted_pairs_load_the_good_pairs(tmp_path):
    con, outcome = load_alone(tmp_path, "shifted.txt", BAD_FILES["shifted.txt"][0])
    assert outcome.records == 2
    titles = [r[0] for r in con.execute("select title from raw.records order by 1").fetchall()]
    assert titles == ["Title One", "Title Two"]
    assert con.execute("select line_number, reason from ops.rejects").fetchall() == [
        (1, "abstract_without_title")
    ]


def test_file_that_vanishes_before_it_is_read_is_retried(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "gone.txt").write_bytes(GOOD)
    [file] = scan_landing(landing)
    (landing / "gone.txt").unlink()
    con = connect(tmp_path / "build.duckdb")
    ensure_schema(con)
    assert load_file(con, file).status == "unreadable"
    (landing / "gone.txt").write_bytes(GOOD)
    [again] = scan_landing(landing)
    assert load_file(con, again).status == "loaded"
    assert con.execute("select status from ops.dump_files").fetchall() == [("loaded",)]


def test_file_that_changes_while_read_is_not_loaded_under_the_wrong_hash(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    path = landing / "moving.txt"
    path.write_bytes(GOOD)
    [file] = scan_landing(landing)
    path.write_bytes(GOOD + b"Another Title\n" + ABSTRACT.encode() + b"\n")
    con = connect(tmp_path / "build.duckdb")
    ensure_schema(con)
    outcome = load_file(con, file)
    assert outcome.status == "unreadable"
    assert "changed_while_reading" in outcome.reason
    assert con.execute("select count(*) from raw.records").fetchone() == (0,)
    [settled] = scan_landing(landing)
    assert load_file(con, settled).records == 2


def test_same_bytes_again_under_any_name_never_load_twice(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "a.txt").write_bytes(GOOD)
    (landing / "b.txt").write_bytes(GOOD)
    con = connect(tmp_path / "build.duckdb")
    ensure_schema(con)
    for file in scan_landing(landing) + scan_landing(landing):
        load_file(con, file)
    rows = con.execute(
        "select file_name, status, duplicate_of from ops.dump_files order by 1"
    ).fetchall()
    assert rows == [("a.txt", "loaded", None), ("b.txt", "duplicate", "a.txt")]
    assert con.execute("select count(*) from raw.records").fetchone() == (1,)


def test_one_batch_writes_what_file_by_file_loading_writes(tmp_path):
    """A batch shares one transaction, so a duplicate inside it is only known from the
    batch itself; every status, row and reject must still match loading file by file."""
    landing = tmp_path / "landing"
    landing.mkdir()
    dumps = {"a.txt": GOOD, "b_same_as_a.txt": GOOD, "c.txt": BAD_FILES["dangling.txt"][0]}
    dumps.update({name: BAD_FILES[name][0] for name in ("empty.txt", "binary.bin")})
    for name, data in dumps.items():
        (landing / name).write_bytes(data)
    files = scan_landing(landing)
    tables = ("ops.dump_files", "raw.records", "ops.rejects")

    def contents(con):
        return {
            table: sorted(
                con.execute(f"select * exclude (loaded_at) from {table}").fetchall()
                if table == "ops.dump_files"
                else con.execute(f"select * from {table}").fetchall()
            )
            for table in tables
        }

    batched = connect(tmp_path / "batched.duckdb")
    ensure_schema(batched)
    outcomes = load_batch(batched, files)
    one_by_one = connect(tmp_path / "one_by_one.duckdb")
    ensure_schema(one_by_one)
    for file in files:
        load_file(one_by_one, file)

    assert {o.file_name: o.status for o in outcomes} == {
        "a.txt": "loaded",
        "b_same_as_a.txt": "duplicate",
        "c.txt": "loaded",
        "empty.txt": "empty",
        "binary.bin": "rejected",
    }
    assert contents(batched) == contents(one_by_one)
    assert batched.execute("select count(*) from raw.records").fetchone() == (2,)
    assert [o.skipped for o in load_batch(batched, files)] == [True] * len(files)


def test_files_parsed_on_worker_processes_load_as_in_one_process(tmp_path, monkeypatch):
    """The load of a refresh parses on worker processes while it writes earlier batches;
    it writes exactly what parsing in this process and one transaction write."""
    landing = tmp_path / "landing"
    landing.mkdir()
    for i in range(7):
        (landing / f"dump_{i}.txt").write_bytes(f"Title {i}\n\n{ABSTRACT}\n".encode())
    (landing / "dump_7_again.txt").write_bytes((landing / "dump_3.txt").read_bytes())
    for name in ("empty.txt", "binary.bin", "dangling.txt"):
        (landing / name).write_bytes(BAD_FILES[name][0])
    files = scan_landing(landing)
    monkeypatch.setattr(loader, "PARSE_FILES", 2)  # 6 chunks: enough for 2 workers

    on_workers = connect(tmp_path / "workers.duckdb")
    ensure_schema(on_workers)
    batches = list(loader.load(on_workers, files, batch_files=4, workers=2))
    in_process = connect(tmp_path / "in_process.duckdb")
    ensure_schema(in_process)
    load_batch(in_process, files)

    assert [len(batch) for batch in batches] == [4, 4, 3]
    statuses = {o.file_name: o.status for batch in batches for o in batch}
    assert statuses["dump_7_again.txt"] == "duplicate"
    assert statuses["binary.bin"] == "rejected" and statuses["empty.txt"] == "empty"
    for table in ("ops.dump_files", "raw.records", "ops.rejects"):
        columns = "* exclude (loaded_at)" if table == "ops.dump_files" else "*"
        query = f"select {columns} from {table} order by all"
        assert on_workers.execute(query).fetchall() == in_process.execute(query).fetchall()


def test_a_workers_parsed_files_cross_to_the_caller_intact(tmp_path):
    """A worker's plans travel with their dumps' rows stacked in two frames; each plan
    gets back exactly its own records and rejects, and the unparsed keep none."""
    landing = tmp_path / "landing"
    landing.mkdir()
    for name in ("dangling.txt", "binary.bin", "shifted.txt", "empty.txt"):
        (landing / name).write_bytes(BAD_FILES[name][0])
    (landing / "good.txt").write_bytes(GOOD)
    sent = loader._parse_files(scan_landing(landing))
    received = pickle.loads(pickle.dumps(sent))
    assert [p.file.name for p in received] == [p.file.name for p in sent]
    for before, after in zip(sent, received, strict=True):
        assert (after.status, after.reason) == (before.status, before.reason)
        if before.parsed is None:
            assert after.parsed is None
            continue
        assert after.parsed.records.equals(before.parsed.records)
        assert after.parsed.rejects.equals(before.parsed.rejects)
    assert sum(p.parsed.rejects.height for p in received if p.parsed) == 2


def test_corrected_dump_supersedes_the_old_version(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    path = landing / "dump.txt"
    path.write_bytes(GOOD + b"Second Title\n" + ABSTRACT.encode() + b"\n")
    con = connect(tmp_path / "build.duckdb")
    ensure_schema(con)
    [old] = scan_landing(landing)
    load_file(con, old)
    path.write_bytes(b"Corrected Title\n" + ABSTRACT.encode() + b"\n")
    [new] = scan_landing(landing)
    load_file(con, new)
    statuses = dict(con.execute("select sha256, status from ops.dump_files").fetchall())
    assert statuses == {old.sha256: "superseded", new.sha256: "loaded"}
    titles = con.execute("select title, dump_sha256 from raw.records").fetchall()
    assert titles == [("Corrected Title", new.sha256)]


def test_mixed_bad_and_good_files_still_publish(tmp_path, isolated_env, dbt_manifest):
    dumps = {p.name: p.read_bytes() for p in SAMPLE_FILES}
    dumps["copy_of_000.txt"] = SAMPLE_FILES[0].read_bytes()
    dumps.update({name: data for name, (data, *_rest) in BAD_FILES.items()})
    result = refresh(make_settings(tmp_path, dumps))

    assert result.report.success, result.report
    statuses = dict(result.query("select file_name, status from ops.dump_files"))
    assert statuses == {
        **{p.name: "loaded" for p in SAMPLE_FILES},
        "copy_of_000.txt": "duplicate",
        **{name: status for name, (_, status, *_rest) in BAD_FILES.items()},
    }
    # good pairs of the bad files are in, nothing twice
    assert result.scalar("select count(*) from main.papers") == 494 + 1 + 2
    assert result.scalar("select sum(n_records) from main.papers") == 504 + 1 + 2
    assert result.scalar("select count(*) from ops.rejects") == 3


def test_gate_catches_a_line_that_is_not_accounted_for(tmp_path):
    from orchestration.checks.gates import GATES_BY_NAME, run_gate

    con, _ = load_alone(tmp_path, "dump.txt", GOOD)
    assert run_gate(con, GATES_BY_NAME["gx_dump_files"]).success
    con.execute("update ops.dump_files set lines = lines + 1")
    outcome = run_gate(con, GATES_BY_NAME["gx_dump_files"])
    assert not outcome.success
    assert [o.column for o in outcome.failed] == ["unaccounted_lines"]


def test_gate_whose_query_fails_is_a_failed_gate(tmp_path):
    from orchestration.checks.gates import GATES_BY_NAME, run_gate

    con = duckdb.connect(str(tmp_path / "empty.duckdb"))
    outcome = run_gate(con, GATES_BY_NAME["gx_papers"])
    assert not outcome.success
    assert outcome.raised and "marts.papers" in outcome.raised[0].error


def test_hostile_file_name_never_reaches_sql_as_text(tmp_path):
    name = "x'); drop table papers; --.txt"
    con, outcome = load_alone(tmp_path, name, GOOD)
    assert outcome.status == "loaded"
    assert con.execute("select file_name from ops.dump_files").fetchall() == [(name,)]
    assert con.execute("select file_name, title from raw.records").fetchall() == [
        (name, "A Good Title")
    ]
