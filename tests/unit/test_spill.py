"""Spill files written and read past the page cache (orchestration/spill.py)."""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import mmap
import os
from pathlib import Path

import polars as pl
import pytest

from orchestration import spill
from orchestration.parsing.phrases import COLUMNS

TERMS = pl.DataFrame(
    {
        "paper_id": ["2401.00001", "2401.00002", "2401.00003"],
        "stems": [
            [{"stem_key": 2**63 + 5, "tf": 3}, {"stem_key": 7, "tf": 1}],
            [],
            [{"stem_key": 11, "tf": 2}],
        ],
        "terms": [
            [
                {
                    "stem_key": 2**63 + 5,
                    "keyword": "large language model",
                    "surface": "large language models",
                    "tf": 3,
                    "in_title": True,
                }
            ],
            [],
            [{"stem_key": 11, "keyword": "diffusion", "surface": None, "tf": 2, "in_title": False}],
        ],
    },
    schema=COLUMNS,
)


def _direct_supported(folder: Path) -> bool:
    if not getattr(os, "O_DIRECT", 0):
        return False
    probe = folder / "probe"
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_DIRECT, 0o600))
    except OSError:
        return False
    finally:
        probe.unlink(missing_ok=True)
    return True


@pytest.fixture
def direct_dir(tmp_path: Path) -> Path:
    """A folder whose filesystem takes direct transfers (else the test is skipped)."""
    if not _direct_supported(tmp_path):
        pytest.skip("this filesystem refuses O_DIRECT")
    return tmp_path


def _filesystem(path: Path) -> str:
    """The type of the filesystem ``path`` is on (the longest mount point holding it)."""
    mounts = [line.split()[1:3] for line in Path("/proc/self/mounts").read_text().splitlines()]
    held = [(point, kind) for point, kind in mounts if path.resolve().is_relative_to(point)]
    return max(held, key=lambda mount: len(mount[0]))[1]


def _cached_pages(path: Path) -> int:
    """How many of the file's pages the page cache holds (``mincore`` over a mapping)."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [
        ctypes.c_void_p,
        ctypes.c_size_t,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_long,
    ]
    libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_ubyte)]
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    size = path.stat().st_size
    pages = (ctypes.c_ubyte * -(-size // mmap.PAGESIZE))()
    fd = os.open(path, os.O_RDONLY)
    try:
        address = libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
        if address in (None, ctypes.c_void_p(-1).value):
            raise OSError(ctypes.get_errno(), "mmap failed")
        try:
            if libc.mincore(address, size, pages) != 0:
                raise OSError(ctypes.get_errno(), "mincore failed")
        finally:
            libc.munmap(address, size)
    finally:
        os.close(fd)
    return sum(page & 1 for page in pages)


def test_a_frame_comes_back_as_it_went_out(tmp_path):
    path = tmp_path / "terms.arrow"
    spill.write_frame(TERMS, path)
    back = spill.read_frame(path)
    assert back.schema == TERMS.schema
    assert back.equals(TERMS)
    # the same file as an ordinary write: any Arrow reader reads it, and its length is the
    # frame's, not padded to blocks
    assert pl.read_ipc(path).equals(TERMS)
    assert path.stat().st_size % spill.ALIGN != 0
    ordinary = tmp_path / "ordinary.arrow"
    TERMS.write_ipc(ordinary)
    assert path.read_bytes() == ordinary.read_bytes()


def test_an_empty_frame_keeps_its_columns(tmp_path):
    path = tmp_path / "empty.arrow"
    spill.write_frame(TERMS.head(0), path)
    back = spill.read_frame(path)
    assert back.height == 0
    assert back.schema == TERMS.schema


def _large() -> pl.DataFrame:
    """About 2 MB of spill: many pages, not a multiple of the block size."""
    return pl.concat([TERMS] * 5_001)


def test_a_direct_write_leaves_nothing_in_the_page_cache(direct_dir):
    if _filesystem(direct_dir) == "tmpfs":
        pytest.skip("a tmpfs file is page cache, however it is written")
    buffered, direct = direct_dir / "buffered.arrow", direct_dir / "direct.arrow"
    _large().write_ipc(buffered)
    assert spill.write_frame(_large(), direct) is True
    # the probe sees a buffered write's pages, so it would see a direct write's too
    assert _cached_pages(buffered) > 100
    assert _cached_pages(direct) == 0
    assert spill.read_frame(direct).equals(_large())
    assert _cached_pages(direct) == 0


def test_a_frame_read_stays_valid_after_the_next_read(tmp_path):
    first, second = tmp_path / "first.arrow", tmp_path / "second.arrow"
    spill.write_frame(_large(), first)
    spill.write_frame(TERMS.reverse(), second)
    kept = spill.read_frame(first)
    assert spill.read_frame(second).equals(TERMS.reverse())
    assert kept.equals(_large())


def test_the_write_buffer_grows_to_a_frame_larger_than_it(direct_dir, monkeypatch):
    monkeypatch.setattr(spill, "_FIRST_BUFFER", spill.ALIGN)
    monkeypatch.setattr(spill, "_writer", None)
    path = direct_dir / "large.arrow"
    assert spill.write_frame(_large(), path) is True
    assert len(spill._writer.buffer) >= path.stat().st_size > spill.ALIGN
    assert spill.read_frame(path).equals(_large())
    spill.write_frame(TERMS, path)  # a smaller frame after a larger one: no stale tail
    assert spill.read_frame(path).equals(TERMS)


def test_without_direct_transfers_files_are_written_the_ordinary_way(tmp_path, monkeypatch):
    monkeypatch.setattr(spill, "_DIRECT", 0)
    path = tmp_path / "terms.arrow"
    assert spill.write_frame(TERMS, path) is False
    assert spill.read_frame(path).equals(TERMS)


def _failing_with(code: int):
    def write_all(fd, data):
        raise OSError(code, os.strerror(code))

    return write_all


def test_a_file_that_refuses_a_direct_write_is_written_the_ordinary_way(direct_dir, monkeypatch):
    monkeypatch.setattr(spill, "_write_all", _failing_with(errno.EINVAL))
    path = direct_dir / "terms.arrow"
    assert spill.write_frame(TERMS, path) is False
    assert spill.read_frame(path).equals(TERMS)


def test_other_write_errors_are_raised(direct_dir, monkeypatch):
    monkeypatch.setattr(spill, "_write_all", _failing_with(errno.ENOSPC))
    with pytest.raises(OSError, match="No space left"):
        spill.write_frame(TERMS, direct_dir / "terms.arrow")
