"""Give memory back to the system after a step that held a big frame.

The refresh is one long-lived process: without this, the few GB a gate's frame took at
a million papers stay resident (Python, Arrow and glibc all keep freed memory for
re-use) while dbt runs beside it, and count against the refresh's peak.
"""

import contextlib
import ctypes
import gc

import pyarrow as pa

#: A frame of this many rows is worth collecting after: a gate that validated it gives
#: memory back in the refresh process (DuckDB's cache, Arrow) and in the validation
#: process (pandas, GX).
BIG_FRAME_ROWS = 100_000


def release_memory(collect: bool = True) -> None:
    """``collect`` also runs the cycle collector, so callers ask for it only after a big
    frame: about 0.04 s in a refresh process whose imports are frozen out of its way
    (``orchestration/collector.py``), 0.3 to 0.4 s before."""
    if collect:
        gc.collect()
    pa.default_memory_pool().release_unused()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to trim
        ctypes.CDLL("libc.so.6").malloc_trim(0)
