"""paper_id is derived from the title alone: stable across runs and across dump order;
a second refresh with no new input changes nothing."""

import subprocess
import sys

from orchestration.settings import LANDING_ENV, WAREHOUSE_ENV
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
    assert "gates            16 passed, 0 failed" in cli.stdout
    other = Refreshed(settings=settings, report=None)
    assert papers(other) == papers(sample_refresh)
    # the dump range follows the file names, whatever the load order
    assert other.scalar("select min(first_seen_dump) from main.papers").startswith("a_")


def test_second_refresh_without_new_input_changes_nothing(tmp_path, isolated_env, dbt_manifest):
    settings = make_settings(tmp_path)
    first = refresh(settings)
    before = first.query("select * from main.papers order by paper_id")
    second = refresh(settings)
    assert second.report.success
    assert second.query("select * from main.papers order by paper_id") == before
    assert second.scalar("select count(*) from ops.dump_files") == 3
    con_rows = second.query("select sum(records) from ops.dump_files where status = 'loaded'")
    assert con_rows == [(504,)]
