"""Where paperhouse reads and writes, resolved from the environment at run time."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"

LANDING_ENV = "PAPERHOUSE_LANDING_DIR"
WAREHOUSE_ENV = "PAPERHOUSE_WAREHOUSE_DIR"
#: Read by dbt_project/profiles.yml; always set by paperhouse before dbt runs.
BUILD_DB_ENV = "PAPERHOUSE_BUILD_DB"

SERVED_FILE_NAME = "papers.duckdb"


@dataclass(frozen=True)
class Settings:
    """The two folders a user chooses, and every path derived from them."""

    landing_dir: Path
    warehouse_dir: Path

    @classmethod
    def from_env(cls) -> Settings:
        """``PAPERHOUSE_LANDING_DIR`` / ``PAPERHOUSE_WAREHOUSE_DIR``, defaulting to the repo's
        ``warehouse/landing`` and ``warehouse``. Relative paths resolve against the cwd."""
        warehouse = Path(os.environ.get(WAREHOUSE_ENV) or PROJECT_ROOT / "warehouse")
        landing = Path(os.environ.get(LANDING_ENV) or PROJECT_ROOT / "warehouse" / "landing")
        return cls(landing_dir=landing.resolve(), warehouse_dir=warehouse.resolve())

    @property
    def build_dir(self) -> Path:
        """Private to the pipeline: the read-write build database lives here."""
        return self.warehouse_dir / "build"

    @property
    def build_db(self) -> Path:
        return self.build_dir / "build.duckdb"

    @property
    def landing_hashes(self) -> Path:
        """Remembered SHA-256 of the landing folder's files (see ``scan_landing``)."""
        return self.build_dir / "landing_hashes.json"

    @property
    def dbt_target_dir(self) -> Path:
        """dbt's run artifacts and partial-parse state for this warehouse."""
        return self.build_dir / "dbt_target"

    @property
    def served_db(self) -> Path:
        """The published file BI tools open read-only."""
        return self.warehouse_dir / SERVED_FILE_NAME

    @property
    def dagster_home(self) -> Path:
        return self.warehouse_dir / "dagster_home"

    @property
    def lock_file(self) -> Path:
        return self.warehouse_dir / ".refresh.lock"

    def prepare(self) -> None:
        """Create the folders and export the build database path for dbt."""
        self.build_dir.mkdir(parents=True, exist_ok=True)
        os.environ[BUILD_DB_ENV] = str(self.build_db)

    def export(self) -> None:
        """Point this process (and dbt, which runs inside it) at these folders."""
        os.environ[LANDING_ENV] = str(self.landing_dir)
        os.environ[WAREHOUSE_ENV] = str(self.warehouse_dir)
        os.environ[BUILD_DB_ENV] = str(self.build_db)
