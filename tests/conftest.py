"""Shared fixtures: the bundled sample dumps and a whole refresh on them in a temp folder."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from orchestration.settings import PROJECT_ROOT, Settings
from orchestration.workers import remove_orphaned_frame_dirs

SAMPLES_DIR = PROJECT_ROOT / "warehouse" / "landing"
SAMPLE_FILES = sorted(SAMPLES_DIR.glob("*.txt"))
#: Read by dbt_project.yml: the corpus growth that makes a build rank every paper again.
#: Tests set it high to keep a refresh's ranking to the papers it changes.
GROWTH_ENV = "PAPERHOUSE_PHRASE_RERANK_GROWTH"


@dataclass
class Refreshed:
    settings: Settings
    report: object

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        """Read the served file the way a BI tool does: read-only."""
        con = duckdb.connect(str(self.settings.served_db), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def scalar(self, sql: str) -> object:
        return self.query(sql)[0][0]


def build_query(settings, sql: str) -> list[tuple]:
    """Query the build database (intermediate and staging models by bare name)."""
    con = duckdb.connect(str(settings.build_db), read_only=True)
    try:
        con.execute("set search_path = 'intermediate,staging'")
        return con.execute(sql).fetchall()
    finally:
        con.close()


def column_compressions(database: Path, table: str, column: str) -> set[str]:
    """How a DuckDB file stores a column's values (its validity masks left out)."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        rows = con.execute(
            "select distinct compression from pragma_storage_info(?)"
            " where column_name = ? and segment_type <> 'VALIDITY'",
            [table, column],
        ).fetchall()
        return {compression for (compression,) in rows}
    finally:
        con.close()


def make_settings(root: Path, dumps: dict[str, bytes] | None = None) -> Settings:
    """A landing folder holding ``dumps`` (default: the bundled samples) under ``root``."""
    landing = root / "landing"
    landing.mkdir(parents=True)
    if dumps is None:
        for path in SAMPLE_FILES:
            shutil.copy(path, landing / path.name)
    else:
        for name, data in dumps.items():
            (landing / name).write_bytes(data)
    return Settings(landing_dir=landing, warehouse_dir=root / "warehouse")


def refresh(settings: Settings, full_refresh: bool = False) -> Refreshed:
    """One whole refresh in-process (the Dagster refresh job), as the CLI runs it. The dbt
    manifest is prepared once per session (the ``dbt_manifest`` fixture)."""
    from orchestration.refresh import open_instance, run_refresh

    settings.export()
    settings.prepare()
    with open_instance(settings) as instance:
        report = run_refresh(settings, instance, full_refresh=full_refresh)
    return Refreshed(settings=settings, report=report)


@pytest.fixture
def isolated_env(monkeypatch):
    """Restore the paperhouse environment variables after a test that exports its own."""
    for name in ("PAPERHOUSE_LANDING_DIR", "PAPERHOUSE_WAREHOUSE_DIR", "PAPERHOUSE_BUILD_DB"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture(scope="session")
def dbt_manifest() -> Path:
    """dbt's manifest, prepared explicitly (the Definitions load it, never parse it)."""
    from orchestration.dbt_project import prepare_manifest

    return prepare_manifest()


@pytest.fixture(scope="session")
def sample_refresh(tmp_path_factory, dbt_manifest) -> Refreshed:
    """A whole refresh of the bundled samples, shared by the read-only integration tests."""
    result = refresh(make_settings(tmp_path_factory.mktemp("samples")))
    assert result.report.success, result.report
    return result


SHARED_MEMORY = Path("/dev/shm")


def kill_process_group(process: subprocess.Popen) -> None:
    """SIGKILL to the whole process group ``process`` leads.

    Its multiprocessing semaphores (named files in /dev/shm, removed by their owners or
    their resource tracker, killed too) are then removed here, and so are its frame
    folders (removed by the next refresh's otherwise), or every run of the suite would
    leave a few behind."""
    semaphores = _semaphore_inodes(process.pid)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    for name in SHARED_MEMORY.glob("sem.mp-*"):
        with contextlib.suppress(FileNotFoundError):
            if name.stat().st_ino in semaphores:
                name.unlink()
    remove_orphaned_frame_dirs(SHARED_MEMORY)


def _semaphore_inodes(group: int) -> set[int]:
    """Inodes of the POSIX named semaphores the processes of ``group`` have mapped. A
    mapping shows the semaphore under the temporary name glibc created it with (since
    removed), not under its name, so the name is found again by its inode."""
    found = set()
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if int((proc / "stat").read_text().rpartition(")")[2].split()[2]) != group:
                continue
            maps = (proc / "maps").read_text().splitlines()
        except (OSError, ValueError):  # the process ended meanwhile
            continue
        fields = (line.split(maxsplit=5) for line in maps)
        found |= {int(f[4]) for f in fields if len(f) == 6 and f[5].startswith("/dev/shm/sem.")}
    return found
