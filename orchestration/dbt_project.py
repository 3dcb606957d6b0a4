"""The dbt project as dagster-dbt sees it. Its manifest is prepared by ``dagster dev``
(``prepare_if_dev``) and explicitly by the CLI and the tests, never at plain import."""

import os
from collections.abc import Sequence
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtProject
from pydantic import Field

from orchestration.dbt_in_process import invoke_dbt
from orchestration.settings import BUILD_DB_ENV, DBT_PROJECT_DIR, Settings

# dbt only re-uses its partial parse when the profile is unchanged, so parse and build
# must see the same build database path.
os.environ.setdefault(BUILD_DB_ENV, str(Settings.from_env().build_db))

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


class DbtResource(dg.ConfigurableResource):
    """Where the dbt project and its profile are. paperhouse runs dbt inside the Dagster
    process (``orchestration/dbt_in_process.py``), so this only gives dbt's paths."""

    project_dir: str = Field(description="The dbt project folder.")
    profiles_dir: str = Field(description="The folder of the dbt profile (profiles.yml).")

    def args(
        self, command: Sequence[str], target_path: Path, project_dir: Path | None = None
    ) -> list[str]:
        """The arguments of dbt ``command`` on this project (or on a copy of it in
        ``project_dir``), with its run artifacts and log in ``target_path``."""
        return [
            *command,
            "--project-dir",
            str(project_dir or self.project_dir),
            "--profiles-dir",
            self.profiles_dir,
            "--target-path",
            str(target_path),
            "--log-path",
            str(target_path),
            "--no-send-anonymous-usage-stats",
        ]


def dbt_resource() -> DbtResource:
    return DbtResource(
        project_dir=str(dbt_project.project_dir), profiles_dir=str(dbt_project.profiles_dir)
    )


def manifest_is_current(project: DbtProject = dbt_project) -> bool:
    """The manifest exists and is newer than every file of the dbt project."""
    manifest = project.manifest_path
    if not manifest.exists():
        return False
    built = manifest.stat().st_mtime
    generated = {project.project_dir / "target", project.project_dir / "logs"}
    sources = (
        path
        for path in project.project_dir.rglob("*")
        if path.is_file() and not any(folder in path.parents for folder in generated)
    )
    return all(path.stat().st_mtime <= built for path in sources)


def prepare_manifest(force: bool = False, project: DbtProject = dbt_project) -> Path:
    """``dbt parse`` when the project changed since the manifest was written (or always,
    with ``force``): writes the manifest the Definitions load. dbt's log goes beside it
    (``project.target_path`` is relative, and dbt would put its log under the current
    folder)."""
    if force or not manifest_is_current(project):
        target = project.manifest_path.parent
        args = dbt_resource().args(["parse", "--quiet"], target, project.project_dir)
        parse = invoke_dbt(args)
        if not parse.success:
            raise RuntimeError("dbt parse failed: " + "; ".join(parse.errors))
    return project.manifest_path
