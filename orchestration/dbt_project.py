"""The dbt project as dagster-dbt sees it. Its manifest is prepared by ``dagster dev``
(``prepare_if_dev``) and explicitly by the CLI and the tests, never at plain import."""

import os
import shutil
import sys
from functools import cached_property
from importlib.metadata import version
from pathlib import Path
from typing import Any

from dagster_dbt import DbtCliResource, DbtProject
from packaging.version import Version

from orchestration.settings import BUILD_DB_ENV, DBT_PROJECT_DIR, Settings

# dbt only re-uses its partial parse when the profile is unchanged, so parse and build
# must see the same build database path.
os.environ.setdefault(BUILD_DB_ENV, str(Settings.from_env().build_db))

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def dbt_executable() -> str:
    """The dbt installed beside this Python (found even when the venv is not on PATH)."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


class PaperhouseDbtResource(DbtCliResource):
    """``DbtCliResource`` without two costs paperhouse does not need, paid on every layer:

    - the dbt version comes from the installed dbt-core package, not a ``dbt --version``
      process (2.5 s);
    - no dbt adapter is built inside the Dagster process (0.6 to 2 s of macro loading):
      dagster-dbt only uses it to fetch column metadata, and row counts and previews are
      read by ``assets/dbt.py`` itself.
    """

    @cached_property
    def _cli_version(self) -> Version:
        return Version(version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Any) -> None:  # type: ignore[override]
        return None


def dbt_resource() -> DbtCliResource:
    return PaperhouseDbtResource(project_dir=dbt_project, dbt_executable=dbt_executable())


def manifest_is_current() -> bool:
    """The manifest exists and is newer than every file of the dbt project."""
    manifest = dbt_project.manifest_path
    if not manifest.exists():
        return False
    built = manifest.stat().st_mtime
    generated = {dbt_project.project_dir / "target", dbt_project.project_dir / "logs"}
    sources = (
        path
        for path in dbt_project.project_dir.rglob("*")
        if path.is_file() and not any(folder in path.parents for folder in generated)
    )
    return all(path.stat().st_mtime <= built for path in sources)


def prepare_manifest(force: bool = False) -> Path:
    """``dbt parse`` when the project changed since the manifest was written (or always,
    with ``force``): writes the manifest the Definitions load."""
    if force or not manifest_is_current():
        dbt_resource().cli(["parse", "--quiet"], target_path=dbt_project.target_path).wait()
    return dbt_project.manifest_path
