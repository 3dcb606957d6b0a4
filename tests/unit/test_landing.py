"""The landing scan remembers hashes, and never trusts one it cannot be sure of."""

import hashlib
import os

import pytest

from orchestration.warehouse import landing
from orchestration.warehouse.landing import scan_landing

HOUR_NS = 3600 * 10**9


@pytest.fixture
def hashed(monkeypatch):
    """Names of the files each scan actually read and hashed."""
    reads: list[str] = []
    real = landing.sha256_of

    def counting(path):
        reads.append(path.name)
        return real(path)

    monkeypatch.setattr(landing, "sha256_of", counting)
    return reads


def write(path, data: bytes, age_ns: int = HOUR_NS):
    path.write_bytes(data)
    then = path.stat().st_mtime_ns - age_ns
    os.utime(path, ns=(then, then))


def test_unchanged_files_are_not_read_again(tmp_path, hashed):
    folder, cache = tmp_path / "landing", tmp_path / "build" / "hashes.json"
    folder.mkdir()
    write(folder / "a.txt", b"first dump")
    write(folder / "b.txt", b"second dump")

    first = scan_landing(folder, cache)
    assert sorted(hashed) == ["a.txt", "b.txt"]  # hashed on threads, in either order
    assert scan_landing(folder, cache) == first
    assert sorted(hashed) == ["a.txt", "b.txt"]
    assert first[0].sha256 == hashlib.sha256(b"first dump").hexdigest()


def test_a_replaced_file_is_hashed_again(tmp_path, hashed):
    folder, cache = tmp_path / "landing", tmp_path / "hashes.json"
    folder.mkdir()
    write(folder / "a.txt", b"first dump")
    scan_landing(folder, cache)

    write(folder / "a.txt", b"a corrected, longer dump", age_ns=0)
    [again] = scan_landing(folder, cache)
    assert again.sha256 == hashlib.sha256(b"a corrected, longer dump").hexdigest()
    assert hashed == ["a.txt", "a.txt"]


def test_a_hash_taken_right_after_a_write_is_not_trusted(tmp_path, hashed):
    """Same size, rewritten within the file clock's tick: only the racy rule catches it."""
    folder, cache = tmp_path / "landing", tmp_path / "hashes.json"
    folder.mkdir()
    path = folder / "a.txt"
    path.write_bytes(b"version 1")
    stamp = path.stat().st_mtime_ns
    scan_landing(folder, cache)

    path.write_bytes(b"version 2")
    os.utime(path, ns=(stamp, stamp))
    [again] = scan_landing(folder, cache)
    assert again.sha256 == hashlib.sha256(b"version 2").hexdigest()


def test_an_unreadable_cache_means_hashing_everything(tmp_path, hashed):
    folder, cache = tmp_path / "landing", tmp_path / "hashes.json"
    folder.mkdir()
    write(folder / "a.txt", b"first dump")
    cache.write_text("{not json")
    [file] = scan_landing(folder, cache)
    assert file.sha256 == hashlib.sha256(b"first dump").hexdigest()
    assert hashed == ["a.txt"]


def test_a_dump_landing_sets_the_change_event_and_reading_one_does_not(tmp_path):
    landing_dir = tmp_path / "landing"
    landing_dir.mkdir()
    loaded = landing_dir / "a.txt"
    loaded.write_text("a dump")
    with landing.landing_changes(landing_dir) as changed:
        scan_landing(landing_dir)  # reads and hashes a.txt
        loaded.read_bytes()
        assert not changed.wait(0.5)
        downloaded = tmp_path / "b.txt"
        downloaded.write_text("another dump")
        downloaded.rename(landing_dir / "b.txt")
        assert changed.wait(10)
