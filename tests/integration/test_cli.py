"""The CLI's answers when it cannot refresh: clear message, distinct exit code, no work."""

import os
import subprocess
import sys

import pytest

from orchestration.settings import LANDING_ENV, WAREHOUSE_ENV, Settings
from orchestration.warehouse.lock import refresh_lock


def run_cli(settings: Settings, command: str = "refresh") -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        LANDING_ENV: str(settings.landing_dir),
        WAREHOUSE_ENV: str(settings.warehouse_dir),
    }
    return subprocess.run(
        [sys.executable, "-m", "orchestration.cli", command],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("command", ["refresh", "watch"])
def test_missing_landing_folder_exits_2(tmp_path, command):
    settings = Settings(landing_dir=tmp_path / "nowhere", warehouse_dir=tmp_path / "wh")
    result = run_cli(settings, command)
    assert result.returncode == 2
    assert f"landing folder {tmp_path / 'nowhere'} does not exist" in result.stderr
    assert not (tmp_path / "wh").exists()


def test_second_refresh_exits_at_once_while_one_runs(tmp_path):
    (tmp_path / "landing").mkdir()
    settings = Settings(landing_dir=tmp_path / "landing", warehouse_dir=tmp_path / "wh")
    with refresh_lock(settings):
        result = run_cli(settings)
    assert result.returncode == 3
    assert "refresh already running" in result.stderr
    assert not settings.build_db.exists()
