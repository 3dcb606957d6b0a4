"""Importing the GX validation leaves scipy.stats and altair unexecuted, and they still
work when used.

Each case runs in a fresh interpreter: this test process has long imported everything.
"""

import json
import subprocess
import sys
import textwrap

from orchestration.settings import PROJECT_ROOT


def run_fresh(code: str) -> dict:
    """Run ``code`` in a new interpreter (in the project folder, so ``orchestration``
    imports); it prints one JSON object, returned here."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_gx_validation_import_does_not_execute_scipy_stats_or_altair():
    seen = run_fresh(
        """
        import json, sys
        import orchestration.checks.gx_validation
        print(json.dumps({
            "gx": "great_expectations.expectations.core" in sys.modules,
            "stats_executed": "scipy.stats._stats_py" in sys.modules,
            "altair_executed": "altair.vegalite" in sys.modules,
        }))
        """
    )
    assert seen == {"gx": True, "stats_executed": False, "altair_executed": False}


def test_gx_uses_the_deferred_module_when_an_expectation_needs_it():
    """GX's KL-divergence expectation calls ``stats.entropy`` on the module it imported
    while scipy.stats was deferred: it validates, and scipy.stats is executed then."""
    seen = run_fresh(
        """
        import json, sys
        from orchestration.checks.gx_validation import validate_frame  # defers, then GX
        from orchestration.checks.suites import Suite
        import great_expectations.expectations as gxe
        import pandas as pd

        executed_before = "scipy.stats._stats_py" in sys.modules
        partition = {"values": ["a", "b"], "weights": [0.5, 0.5]}
        suite = Suite("kl", [
            gxe.ExpectColumnKLDivergenceToBeLessThan(
                column="c", partition_object=partition, threshold=0.1
            ).configuration.to_json_dict()
        ])
        even = validate_frame(pd.DataFrame({"c": ["a", "b"] * 50}), suite)
        skewed = validate_frame(pd.DataFrame({"c": ["a"] * 95 + ["b"] * 5}), suite)
        altair_validated = "altair.vegalite" in sys.modules
        import altair
        print(json.dumps({
            "executed_before": executed_before,
            "executed_after": "scipy.stats._stats_py" in sys.modules,
            "altair": [altair_validated, altair.Chart.__name__],
            "even": [even.success, [o.raised for o in even.outcomes]],
            "skewed": [skewed.success, [o.raised for o in skewed.outcomes]],
            "observed": skewed.outcomes[0].observed,
        }))
        """
    )
    assert seen["executed_before"] is False
    assert seen["executed_after"] is True
    assert seen["altair"] == [False, "Chart"]  # not needed to validate, there when read
    assert seen["even"] == [True, [False]]
    assert seen["skewed"] == [False, [False]]
    assert seen["observed"] > 0.1


def test_a_deferred_module_imports_like_the_real_one():
    """Code that scans every module (``inspect.stack()``, as dbt calls it) leaves it
    deferred; ``import x``, ``from x import y`` and an import of a submodule reach the real
    module; deferring a module already imported, or one that does not exist, behaves."""
    seen = run_fresh(
        """
        import inspect, json, sys
        from orchestration.checks.deferred_import import DeferredModule, defer_import

        defer_import("scipy.stats")
        inspect.stack()  # asks every module in sys.modules for its __file__
        deferred = isinstance(sys.modules["scipy.stats"], DeferredModule)
        deferred = deferred and "scipy.stats._stats_py" not in sys.modules
        import scipy.stats
        from scipy.stats import entropy
        import scipy.stats.distributions as distributions
        real = sys.modules["scipy.stats"]
        defer_import("scipy.stats")  # already imported: left as it is
        try:
            defer_import("scipy.no_such_module")
            missing = "no error"
        except ModuleNotFoundError as error:
            missing = error.name
        print(json.dumps({
            "deferred": deferred,
            "entropy": round(float(entropy([1, 2], [2, 1])), 6),
            "norm_cdf": float(distributions.norm.cdf(0)),
            "real": not isinstance(real, DeferredModule) and real.entropy is entropy,
            "kept": sys.modules["scipy.stats"] is real,
            "missing": missing,
        }))
        """
    )
    assert seen == {
        "deferred": True,
        "entropy": 0.231049,
        "norm_cdf": 0.5,
        "real": True,
        "kept": True,
        "missing": "scipy.no_such_module",
    }
