"""The dbt project as dagster-dbt sees it. Its manifest is prepared by ``dagster dev``
(``prepare_if_dev``) and explicitly by the CLI and the tests, never at plain import."""

import os
import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from orchestration.settings import BUILD_DB_ENV, DBT_PROJECT_DIR, Settings

# dbt only re-uses its partial parse when the profile is unchanged, so parse and build
# must see the same build database path.
os.environ.setdefault(BUILD_DB_ENV, str(Settings.from_env().build_db))

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def dbt_executable() -> str:
    """The dbt installed beside this Python (found even when the venv is not on PATH)."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())


def prepare_manifest() -> Path:
    """``dbt parse``: writes the manifest the Definitions load."""
    dbt_resource().cli(["parse", "--quiet"], target_path=dbt_project.target_path).wait()
    return dbt_project.manifest_path
