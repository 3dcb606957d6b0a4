"""Frames spilled to disk by one step of a build and read back once by a later one, written
and read past the kernel's page cache (``O_DIRECT``) where the filesystem allows it.

The keyphrase ranking spills every batch's terms and term keys between its two passes:
about 90 MB a 20,000-paper batch, 4.5 GB at a million papers, all of it written before
the second pass starts. Written the usual way, each file is first copied into new page
cache pages, and on a virtual machine whose host takes back the memory the guest frees
(this one's balloon device reports free pages), a page touched for the first time in a
while is slow to get: ``perf`` over the ranking's first pass found 28% of all samples in
the kernel copying spill writes into the page cache. Six batches' spill files written
three times, one a second, took 12.9 to 13.7 s buffered and 1.7 to 2.0 s direct, and
reading them back 1.8 to 1.9 s against 2.6 to 2.7 s. The whole ranking of the 1M bench
build: 102.4 and 107.2 s -> 81.8 and 87.7 s, its workers' system time 43.1 and 41.3 s ->
10.4 and 10.7 s.

A direct write goes from a page-aligned buffer this process keeps and reuses (warm after
the first frame), padded to the block size and truncated to the frame's length after. A
direct read lands in a new page-aligned buffer that the frame then points into (Arrow
reads the IPC file without copying), so the frame stays valid for as long as it lives.
Where ``O_DIRECT`` is missing (macOS) or refused (some filesystems), the frame is written
and read as an ordinary Arrow IPC file; the file is the same either way.
"""

from __future__ import annotations

import errno
import mmap
import os
import threading
from pathlib import Path

import polars as pl
import pyarrow as pa

#: Offset, length and memory address of a direct transfer are multiples of the device's
#: logical block size: 512 or 4096 bytes on the devices this runs on.
ALIGN = 4096
#: The write buffer's first size (it grows to the largest frame written, and stays).
_FIRST_BUFFER = 64 << 20
_DIRECT = getattr(os, "O_DIRECT", 0)


class _AlignedWriter:
    """A growing page-aligned buffer that polars writes an IPC file into; reused."""

    def __init__(self) -> None:
        self.buffer = mmap.mmap(-1, _FIRST_BUFFER)
        self.size = 0

    def write(self, data: bytes | memoryview) -> int:
        end = self.size + len(data)
        if end > len(self.buffer):
            grown = mmap.mmap(-1, _aligned(max(end, 2 * len(self.buffer))))
            grown[: self.size] = self.buffer[: self.size]
            self.buffer.close()
            self.buffer = grown
        self.buffer[self.size : end] = data
        self.size = end
        return len(data)

    def flush(self) -> None:
        pass

    def padded(self) -> memoryview:
        """The written bytes and zeros up to the next block boundary."""
        end = _aligned(self.size)
        self.buffer[self.size : end] = bytes(end - self.size)
        return memoryview(self.buffer)[:end]


#: This process's write buffer (made by the first direct write), one writer at a time.
_writer: _AlignedWriter | None = None
_writing = threading.Lock()


def write_frame(frame: pl.DataFrame, path: Path) -> bool:
    """Write ``frame`` to ``path`` as an Arrow IPC file; True if it went past the page
    cache, False if it was written the ordinary way."""
    global _writer
    fd = _open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    if fd is None:
        frame.write_ipc(path)
        return False
    try:
        with _writing:
            writer = _writer = _writer or _AlignedWriter()
            writer.size = 0
            frame.write_ipc(writer)
            _write_all(fd, writer.padded())
            os.ftruncate(fd, writer.size)
        return True
    except OSError as error:
        if error.errno != errno.EINVAL:  # EINVAL: this file refuses direct transfers
            raise
    finally:
        os.close(fd)
    frame.write_ipc(path)  # refused: written again, the ordinary way
    return False


def read_frame(path: Path) -> pl.DataFrame:
    """The frame of the Arrow IPC file ``path`` (as ``write_frame`` writes it)."""
    size = path.stat().st_size
    fd = _open(path, os.O_RDONLY) if size else None
    if fd is None:
        return pl.read_ipc(path)
    try:
        # a new buffer each time: the frame points into it and keeps it alive
        buffer = mmap.mmap(-1, _aligned(size))
        _read_all(fd, memoryview(buffer), size)
    except OSError as error:
        if error.errno != errno.EINVAL:
            raise
        return pl.read_ipc(path)
    finally:
        os.close(fd)
    table = pa.ipc.open_file(pa.py_buffer(memoryview(buffer)[:size])).read_all()
    return pl.from_arrow(table)


def _open(path: Path, flags: int) -> int | None:
    """A direct file descriptor of ``path``, or None where direct transfers are refused."""
    if not _DIRECT:
        return None
    try:
        return os.open(path, flags | _DIRECT, 0o600)
    except OSError as error:
        if error.errno == errno.EINVAL:
            return None
        raise


def _write_all(fd: int, data: memoryview) -> None:
    written = 0
    while written < len(data):
        written += os.write(fd, data[written:])


def _read_all(fd: int, into: memoryview, size: int) -> None:
    """Read ``size`` bytes into ``into`` (padded to blocks): the last read stops at the
    end of the file, so no read starts there (a direct read must start on a block)."""
    read = 0
    while read < size:
        got = os.readv(fd, [into[read:]])
        if got == 0:
            raise OSError(errno.EIO, f"the file ended after {read} of {size} bytes")
        read += got


def _aligned(size: int) -> int:
    return -(-size // ALIGN) * ALIGN
