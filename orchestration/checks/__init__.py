"""The GX gates: validation, the gate registry, and the gates as Dagster asset checks."""

#: Every GX gate check is named ``gx_<suite>``; dbt tests (also asset checks) are not.
GATE_PREFIX = "gx_"
