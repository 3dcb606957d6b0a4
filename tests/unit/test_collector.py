"""A refresh's imports run without the cycle collector, and what they made is frozen out of
its way (``orchestration/collector.py``); a block that imports nothing freezes nothing."""

import gc
import importlib
import sys
import uuid

import pytest

from orchestration.collector import long_lived_imports


@pytest.fixture
def nothing_frozen():
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    yield
    gc.unfreeze()


def test_an_import_runs_without_the_collector_and_what_it_made_is_frozen(
    tmp_path, monkeypatch, nothing_frozen
):
    name = f"probe_{uuid.uuid4().hex}"
    (tmp_path / f"{name}.py").write_text(
        "import gc\ncollector_on = gc.isenabled()\nrows = [[n] for n in range(10_000)]\n"
    )
    monkeypatch.syspath_prepend(tmp_path)
    try:
        with long_lived_imports():
            module = importlib.import_module(name)
        assert module.collector_on is False
        assert gc.isenabled()
        assert gc.get_freeze_count() >= 10_000  # the module's rows among them
    finally:
        sys.modules.pop(name, None)


def test_a_block_that_imports_nothing_freezes_nothing(nothing_frozen):
    kept = []
    with long_lived_imports():
        import json  # noqa: F401  (imported long ago)

        kept.append([[n] for n in range(10_000)])  # a refresh's leftovers, say

    assert gc.get_freeze_count() == 0
    assert gc.isenabled()


def test_the_collector_is_back_on_after_a_failed_import(nothing_frozen):
    with pytest.raises(ModuleNotFoundError), long_lived_imports():
        importlib.import_module(f"missing_{uuid.uuid4().hex}")

    assert gc.isenabled()
