"""The dbt project as dagster-dbt sees it. Its manifest is prepared by ``dagster dev``
(``prepare_if_dev``) and explicitly by the CLI and the tests, never at plain import."""

import os

from dagster_dbt import DbtProject

from orchestration.settings import BUILD_DB_ENV, DBT_PROJECT_DIR, Settings

# dbt only re-uses its partial parse when the profile is unchanged, so parse and build
# must see the same build database path.
os.environ.setdefault(BUILD_DB_ENV, str(Settings.from_env().build_db))

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
