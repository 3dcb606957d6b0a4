"""dbt on a copy of a real build database: the project's own generic test, the tests of
the kept document frequencies and mart digests, and the keyphrase ranking's memory
setting; and the staging text cleanup, compiled by dbt."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.settings import BUILD_DB_ENV, DBT_PROJECT_DIR

KEYWORD_KEY_TEST = "unique_combination_paper_keywords_paper_id__kind__keyword"
KEPT_COUNTS_TEST = "test_name:term_frequencies_kept"


@pytest.fixture
def build_db(sample_refresh, tmp_path) -> Path:
    """A copy of the samples' build database, for dbt to test and the test to break."""
    copy = tmp_path / "build.duckdb"
    shutil.copy(sample_refresh.settings.build_db, copy)
    return copy


def _dbt(build_db, target, *args: str) -> subprocess.CompletedProcess:
    """The ``dbt`` command line a user runs, installed beside this Python."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), *args, "--target-path", str(target)],
        cwd=DBT_PROJECT_DIR,
        env=os.environ | {BUILD_DB_ENV: str(build_db)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def _dbt_test(build_db, target, select: str = KEYWORD_KEY_TEST) -> subprocess.CompletedProcess:
    return _dbt(build_db, target, "test", "--select", select)


def _assert_passes(build_db, target, select: str, tests: int) -> None:
    clean = _dbt_test(build_db, target, select)
    assert clean.returncode == 0, clean.stdout
    assert f"PASS={tests}" in clean.stdout


def _dbt_test_after(build_db, target, select: str, *statements: str) -> subprocess.CompletedProcess:
    """``dbt test --select select`` after ``statements`` ran on the build database."""
    con = duckdb.connect(str(build_db))
    for statement in statements:
        con.execute(statement)
    con.close()
    return _dbt_test(build_db, target, select)


def test_unique_combination_fails_on_a_repeated_key_and_only_then(build_db, tmp_path):

    clean = _dbt_test(build_db, tmp_path / "target")
    assert clean.returncode == 0, clean.stdout
    assert "PASS=1" in clean.stdout

    con = duckdb.connect(str(build_db))
    con.execute("insert into marts.paper_keywords select * from marts.paper_keywords limit 1")
    con.close()
    repeated = _dbt_test(build_db, tmp_path / "target")
    assert repeated.returncode == 1, repeated.stdout
    assert f"FAIL 1 {KEYWORD_KEY_TEST}" in repeated.stdout, repeated.stdout
    assert "Got 1 result" in repeated.stdout


def test_after_an_incremental_build_the_key_test_reads_the_rebuilt_papers_only(build_db, tmp_path):
    """As a one-dump build leaves it: one paper changed, another one ranked again. A
    repeated key in either fails the test; one in a paper the build did not touch is not
    looked at (its rows were checked by the build that wrote them, and the gate checks
    every row written since it last passed): 2 results, not 3."""
    con = duckdb.connect(str(build_db))
    changed, ranked, untouched = (
        row[0]
        for row in con.execute(
            "select distinct paper_id from marts.paper_keywords order by paper_id limit 3"
        ).fetchall()
    )
    con.execute(
        "create or replace table intermediate.int_paper_changes as"
        " select ?::varchar as paper_id, 'changed' as change",
        [changed],
    )
    con.execute(
        "create or replace table intermediate.int_phrase_targets as select ?::varchar as paper_id",
        [ranked],
    )
    for paper in (changed, ranked, untouched):
        con.execute(
            "insert into marts.paper_keywords"
            " select * from marts.paper_keywords where paper_id = ? limit 1",
            [paper],
        )
    con.close()

    repeated = _dbt_test(build_db, tmp_path / "target")
    assert repeated.returncode == 1, repeated.stdout
    assert "Got 2 results" in repeated.stdout, repeated.stdout


def test_the_ranking_applies_its_duckdb_memory_limit(build_db, tmp_path):
    """The ranking lowers DuckDB's memory limit to var('ranking_duckdb_memory') for its
    workers: a value DuckDB cannot read fails the model, so the setting really reaches it."""
    ranking = ("run", "--select", "int_phrase_ranking")

    lowered = _dbt(build_db, tmp_path / "target", *ranking, "--vars", "ranking_duckdb_memory: 64MB")
    assert lowered.returncode == 0, lowered.stdout

    unreadable = _dbt(
        build_db, tmp_path / "target", *ranking, "--vars", "ranking_duckdb_memory: plenty"
    )
    assert unreadable.returncode == 1, unreadable.stdout
    assert "Memory must have a number" in unreadable.stdout, unreadable.stdout


#: Texts that need each rule of the ``clean_text`` macro (alone, and one rule's output
#: feeding the next), and texts it must leave alone, with what the cleanup makes of them.
CLEANED = {
    "S\\'umulas and T\\\"ulu": "Súmulas and Tülu",
    "na\\\"{\\i}ve and caf\\'{e}": "naïve and café",
    "\\^{o} and \\`a and \\~n": "ô and à and ñ",
    "results. % Moreover": "results. Moreover",
    "results. \\% Moreover": "results. Moreover",
    "5% of the cases, 10 \\% of the rest": "5% of the cases, 10 % of the rest",
    "Done. % ": "Done.",
    "a $\\rightarrow$ b": "a $→$ b",
    "x rightarrow y leftarrow z, narrow": "x → y ← z, narrow",
    "a -- b --- c": "a – b — c",
    "https://x.org/a--b and a--b": "https://x.org/a--b and a--b",
    "  lots\tof\n\nspace  ": "lots of space",
    "plain text": "plain text",
}


def test_clean_text_applies_its_rules_in_order_and_only_where_needed(tmp_path):
    compiled = _dbt(
        tmp_path / "build.duckdb",
        tmp_path / "target",
        "compile",
        "--quiet",
        "--inline",
        "select t, {{ clean_text('t') }} as cleaned from cases",
    )
    assert compiled.returncode == 0, compiled.stdout

    con = duckdb.connect()
    con.execute("create table cases (t varchar)")
    con.executemany("insert into cases values (?)", [[text] for text in CLEANED])
    assert dict(con.execute(compiled.stdout).fetchall()) == CLEANED


FREQUENCIES = "intermediate.int_term_frequencies"


def test_the_kept_term_frequencies_pass_their_test(build_db, tmp_path):
    _assert_passes(build_db, tmp_path / "target", KEPT_COUNTS_TEST, tests=1)


@pytest.mark.parametrize(
    ("statements", "failures"),
    [
        pytest.param(
            (
                "delete from intermediate.int_phrase_ranking"
                " where paper_id = (select min(paper_id) from intermediate.int_phrase_ranking)",
                f"update {FREQUENCIES} set df = 0"
                f" where stem_key = (select min(stem_key) from {FREQUENCIES})",
            ),
            "Got 2 results",
            id="a paper's keys counted after its row went, and a key with no paper left",
        ),
        pytest.param(
            # the stored keys are summed from each row's n_keys; a row this build ranked
            # (every row: the samples' build is a full one) must hold as many keys as its
            # n_keys says, even when a count grows with it so that the totals agree
            (
                "update intermediate.int_phrase_ranking set n_keys = n_keys + 1"
                " where paper_id = (select min(paper_id) from intermediate.int_phrase_targets)",
                f"update {FREQUENCIES} set df = df + 1"
                f" where stem_key = (select min(stem_key) from {FREQUENCIES})",
            ),
            "Got 1 result",
            id="a ranked row miscounts its keys while the totals agree",
        ),
    ],
)
def test_the_kept_term_frequencies_fail_their_test(build_db, tmp_path, statements, failures):
    failed = _dbt_test_after(build_db, tmp_path / "target", KEPT_COUNTS_TEST, *statements)

    assert failed.returncode == 1, failed.stdout
    assert failures in failed.stdout, failed.stdout


KEPT_DIGESTS_TEST = "test_name:mart_digests_kept"
DIGESTS = "intermediate.int_mart_digests"


def test_the_kept_mart_digests_pass_their_test(build_db, tmp_path):
    _assert_passes(build_db, tmp_path / "target", KEPT_DIGESTS_TEST, tests=5)


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param(
            "delete from marts.paper_links"
            " where paper_id = (select min(paper_id) from marts.paper_links)",
            id="a row gone behind the hooks",
        ),
        pytest.param(
            f"insert into {DIGESTS} select * from {DIGESTS}"
            " where mart = 'paper_keywords' order by key_hash limit 1",
            id="a key group kept twice",
        ),
    ],
)
def test_the_kept_mart_digests_fail_their_test(build_db, tmp_path, statement):
    failed = _dbt_test_after(build_db, tmp_path / "target", KEPT_DIGESTS_TEST, statement)

    assert failed.returncode == 1, failed.stdout
    assert "PASS=4" in failed.stdout and "Got 1 result" in failed.stdout, failed.stdout


RANKED_PHRASES_TEST = "test_name:ranked_phrases_have_keywords"


def test_a_ranked_phrase_without_its_keyword_fails_the_rankings_test(build_db, tmp_path):
    _assert_passes(build_db, tmp_path / "target", RANKED_PHRASES_TEST, tests=1)

    failed = _dbt_test_after(
        build_db,
        tmp_path / "target",
        RANKED_PHRASES_TEST,
        """
        update intermediate.int_phrase_ranking
        set phrases = list_transform(phrases, lambda p: {
            'keyword': if(p.rank = 2, null, p.keyword),
            'surface': p.surface, 'score': p.score, 'rank': p.rank
        })
        where paper_id = (select min(paper_id) from intermediate.int_phrase_targets)
        """,
    )

    assert failed.returncode == 1, failed.stdout
    assert "Got 1 result" in failed.stdout, failed.stdout
