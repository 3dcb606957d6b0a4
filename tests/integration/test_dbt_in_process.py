"""dbt run inside the test's process, on a copy of a real build database: what it reports,
and that it lets go of the database afterwards, after a failure too."""

import shutil

import duckdb
import pytest
from dagster_dbt import DbtProject

from orchestration.dbt_in_process import invoke_dbt
from orchestration.dbt_project import (
    dbt_project,
    dbt_resource,
    manifest_is_current,
    prepare_manifest,
)
from orchestration.settings import BUILD_DB_ENV

KEYWORD_KEY_TEST = "unique_combination_paper_keywords_paper_id__kind__keyword"


@pytest.fixture
def build_db(sample_refresh, tmp_path, monkeypatch):
    build_db = tmp_path / "build.duckdb"
    shutil.copy(sample_refresh.settings.build_db, build_db)
    monkeypatch.setenv(BUILD_DB_ENV, str(build_db))
    return build_db


def _opens_read_only(path) -> int:
    """Opens ``path`` read-only in this process (DuckDB refuses while this process holds
    it with another configuration) and counts the paper keywords."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.sql("select count(*) from marts.paper_keywords").fetchall()[0][0]
    finally:
        con.close()


def test_a_passing_test_is_reported_and_the_database_is_let_go(build_db, tmp_path):
    invocation = invoke_dbt(
        dbt_resource().args(["test", "--select", KEYWORD_KEY_TEST], tmp_path / "target")
    )

    assert invocation.success
    assert invocation.errors == []
    assert [(r["info"]["name"], r["data"]["status"]) for r in invocation.results] == [
        ("LogTestResult", "pass")
    ]
    assert invocation.results[0]["data"]["node_info"]["unique_id"].startswith(
        f"test.paperhouse.{KEYWORD_KEY_TEST}"
    )
    assert _opens_read_only(build_db) == 5656


def test_a_failing_model_is_reported_with_its_error_and_the_database_is_let_go(build_db, tmp_path):
    invocation = invoke_dbt(
        dbt_resource().args(
            ["run", "--select", "int_phrase_ranking", "--vars", "ranking_duckdb_memory: plenty"],
            tmp_path / "target",
        )
    )

    assert not invocation.success
    assert [(r["info"]["name"], r["data"]["status"]) for r in invocation.results] == [
        ("LogModelResult", "error")
    ]
    assert invocation.errors[0] == (
        "Failure in model int_phrase_ranking (models/intermediate/int_phrase_ranking.py)"
    )
    assert "Memory must have a number" in invocation.errors[1]
    assert _opens_read_only(build_db) == 5656


def test_a_bad_command_line_is_reported(tmp_path):
    invocation = invoke_dbt(dbt_resource().args(["run", "--bogus"], tmp_path / "target"))

    assert not invocation.success
    assert invocation.results == []
    assert invocation.errors == ["DbtUsageException: No such option '--bogus'."]


def test_preparing_the_manifest_leaves_nothing_in_the_current_folder(tmp_path, monkeypatch):
    """dbt's own default puts its log under the current folder: a refresh run from a
    clone's root would leave an untracked target/dbt.log there."""
    project_dir = tmp_path / "dbt_project"
    shutil.copytree(
        dbt_project.project_dir, project_dir, ignore=shutil.ignore_patterns("target", "logs")
    )
    copy = DbtProject(project_dir=project_dir, profiles_dir=dbt_project.profiles_dir)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    assert not manifest_is_current(copy)
    manifest = prepare_manifest(project=copy)

    assert manifest == project_dir / "target" / "manifest.json"
    assert manifest_is_current(copy)
    assert (project_dir / "target" / "dbt.log").exists()
    assert list(elsewhere.iterdir()) == []
