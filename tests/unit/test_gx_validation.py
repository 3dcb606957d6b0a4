"""The GX verdict: failures fail, and an expectation that raised fails too."""

import great_expectations as gx
import great_expectations.expectations as gxe
import pandas as pd

from orchestration.checks.gx_validation import expectation_raised, load_suite, validate_frame
from orchestration.settings import EXPECTATIONS_DIR

FRAME = pd.DataFrame({"id": ["a", "b", "c"], "n": [1, 2, 3]})


def suite(*expectations) -> gx.ExpectationSuite:
    return gx.ExpectationSuite(name="test", expectations=list(expectations))


def test_passing_suite_passes():
    outcome = validate_frame(FRAME, suite(gxe.ExpectColumnValuesToBeUnique(column="id")))
    assert outcome.success
    assert outcome.rows == 3


def test_failing_expectation_fails_with_examples():
    outcome = validate_frame(
        FRAME, suite(gxe.ExpectColumnValuesToBeBetween(column="n", max_value=2))
    )
    assert not outcome.success
    [failed] = outcome.failed
    assert failed.unexpected_count == 1
    assert failed.examples == [3]
    assert not failed.raised


def test_expectation_that_raises_fails_the_gate():
    outcome = validate_frame(
        FRAME,
        suite(
            gxe.ExpectColumnValuesToBeUnique(column="id"),
            gxe.ExpectColumnValuesToNotBeNull(column="no_such_column"),
        ),
    )
    assert not outcome.success
    [raised] = outcome.raised
    assert raised.column == "no_such_column"
    assert raised.error
    assert "raised" in outcome.summary()


def test_both_shapes_of_exception_info_count_as_raised():
    assert expectation_raised({"raised_exception": True, "exception_message": "x"})
    assert expectation_raised(
        {"metric-id": {"exception_traceback": "tb", "raised_exception": True}}
    )
    assert not expectation_raised({"raised_exception": False})
    assert not expectation_raised(None)


def test_an_empty_suite_never_passes():
    assert not validate_frame(FRAME, suite()).success


def test_every_committed_suite_loads_and_says_something():
    paths = sorted(EXPECTATIONS_DIR.glob("*.json"))
    assert len(paths) == 22
    for path in paths:
        loaded = load_suite(path)
        assert loaded.name == path.stem
        assert len(loaded.expectations) >= 4, path.name
