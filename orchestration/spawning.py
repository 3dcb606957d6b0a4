"""Starting processes with ``spawn`` without running the calling program again."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def main_script_hidden() -> Iterator[None]:
    """While processes start, the calling program's main script is hidden from ``spawn``,
    which would otherwise run it again in each of them to find functions defined there
    (inside dbt that is dbt's whole command line, 2 s a process). What they run must live
    in modules of their own."""
    main = sys.modules["__main__"]
    main_file = main.__dict__.pop("__file__", None)
    try:
        yield
    finally:
        if main_file is not None:
            main.__file__ = main_file
