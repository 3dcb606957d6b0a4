"""paper_id is derived from the title alone: stable across runs and across dump order;
a second refresh with no new input changes nothing and does not republish."""

import shutil
import subprocess
import sys

from orchestration.checks.gates import GATES
from orchestration.settings import LANDING_ENV, WAREHOUSE_ENV, Settings
from tests.conftest import SAMPLE_FILES, Refreshed, make_settings, refresh


def papers(result: Refreshed) -> dict[str, str]:
    return dict(result.query("select paper_id, title from main.papers"))


def test_paper_ids_survive_a_different_file_order(sample_refresh, tmp_path):
    # the same dumps, named so that they sort (and load) in the opposite order
    reversed_names = {
        f"{chr(ord('c') - i)}_{path.name}": path.read_bytes() for i, path in enumerate(SAMPLE_FILES)
    }
    settings = make_settings(tmp_path, reversed_names)
    env = {
        **__import__("os").environ,
        LANDING_ENV: str(settings.landing_dir),
        WAREHOUSE_ENV: str(settings.warehouse_dir),
    }
    env.pop("PAPERHOUSE_BUILD_DB", None)
    cli = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "refresh"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert cli.returncode == 0, cli.stderr[-3000:]
    assert "papers" in cli.stdout and "494" in cli.stdout
    assert f"gates            {len(GATES)} passed, 0 failed" in cli.stdout
    other = Refreshed(settings=settings, report=None)
    assert papers(other) == papers(sample_refresh)
    # the dump range follows the file names, whatever the load order
    assert other.scalar("select min(first_seen_dump) from main.papers").startswith("a_")


def test_second_refresh_without_new_input_changes_nothing(sample_refresh, tmp_path, isolated_env):
    good = sample_refresh.settings
    settings = Settings(landing_dir=good.landing_dir, warehouse_dir=tmp_path / "warehouse")
    shutil.copytree(good.warehouse_dir, settings.warehouse_dir)
    before = settings.served_db.stat()
    papers_before = papers(sample_refresh)

    second = refresh(settings)

    assert second.report.success
    after = settings.served_db.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert papers(second) == papers_before
    assert second.query("select status, count(*), sum(records) from ops.dump_files group by 1") == [
        ("loaded", 3, 504)
    ]
