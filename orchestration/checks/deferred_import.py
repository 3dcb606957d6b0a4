"""Put off executing a module that an import pulls in but that may never be used.

Importing GX imports ``scipy.stats`` (``from scipy import stats`` in its KL-divergence
expectation, used only when that expectation runs): about 1.5 of the 3.9 s that importing
GX took in a refresh (medians), paid by every refresh although no paperhouse suite runs a
statistical test. The same expectation imports ``altair`` for its charts in GX's data docs,
which paperhouse does not build: 0.06 to 0.1 s of the 1.1 s GX takes now.
``defer_import("scipy.stats")`` before importing GX leaves a stand-in in ``sys.modules``
that imports the real module the first time anything reads an attribute of it, so code
that does use it still works (and pays then).

``importlib.util.LazyLoader`` does not do this: its module loads on any attribute read,
and the import statement reads ``__spec__``, so the next ``from scipy import stats``
loaded it at once.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types


class DeferredModule(types.ModuleType):
    """Stands in ``sys.modules`` for a module not executed yet; any attribute it lacks
    (everything but the import system's own: ``__spec__``, ``__file__`` and so on)
    executes the real module and is read there."""

    def __getattr__(self, attribute: str):
        return getattr(load_deferred(self), attribute)


def defer_import(name: str) -> None:
    """Leave ``name`` unexecuted until something reads it (a no-op once it is imported).
    Its parent packages are imported now."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None:
        raise ModuleNotFoundError(f"no module named {name!r}", name=name)
    if name in sys.modules:  # finding it imported it (a parent package imports it)
        return
    stand_in = DeferredModule(name)
    # what code that scans every module reads (dbt calls ``inspect.stack()``, which asks
    # each one for its ``__file__``), so that reading it does not execute the module
    stand_in.__spec__, stand_in.__loader__ = spec, spec.loader
    stand_in.__file__, stand_in.__package__ = spec.origin, spec.parent
    sys.modules[name] = stand_in


def load_deferred(stand_in: DeferredModule) -> types.ModuleType:
    """The real module behind ``stand_in``, imported now if it is not yet."""
    name = stand_in.__name__
    if sys.modules.get(name) is stand_in:
        del sys.modules[name]
    return importlib.import_module(name)  # also binds it in its parent package
