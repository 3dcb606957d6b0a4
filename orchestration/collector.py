"""Python's cycle collector in a refresh process, kept off what lives as long as the process.

A refresh imports Dagster, dagster-dbt and dbt, GX (in the validation process, when
there is one: ``orchestration/checks/validation.py``) and paperhouse's definitions: about
500,000 objects, nearly all of them kept until the process ends. The collector walks
every one of them in each full collection, and imports trigger full collections as they
go: importing what a refresh needs took 4.0 s, 0.94 s of it in 7 full collections, and
3.1 s with the collector off (3,700 objects of garbage in all). Later full collections
walk them all again: about 0.4 s each in the refresh process, one or more in every
refresh, and one after each gate that held a big frame (``orchestration/memory.py``).

So a refresh's imports run with the collector off, and what they made is then moved to
the permanent generation (``gc.freeze``), which collections skip. Only when the block
imported something: in a process that refreshes again (``paperhouse watch``) the imports
are done, and a freeze would keep what the earlier refreshes left, garbage included,
for the life of the process.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def long_lived_imports() -> Iterator[None]:
    """Run the block (imports) with the cycle collector off; if it imported a module,
    freeze every object there is after it."""
    modules = len(sys.modules)
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if len(sys.modules) > modules:
            gc.freeze()
        if enabled:
            gc.enable()
