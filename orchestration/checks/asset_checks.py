"""The GX gates as blocking Dagster asset checks: a failed gate stops everything downstream."""

import dagster as dg

from orchestration import progress
from orchestration.assets.ingest import WRITER_POOL
from orchestration.checks.gates import GATES, Gate, record_gate_result, run_gate
from orchestration.memory import release_memory
from orchestration.resources import LOCK_KEY
from orchestration.settings import Settings
from orchestration.warehouse.build_db import connect, ensure_schema


def _check_metadata(gate: Gate, outcome) -> dict[str, dg.MetadataValue]:
    return {
        "suite": dg.MetadataValue.text(gate.suite),
        "rows_validated": dg.MetadataValue.int(outcome.rows),
        "expectations": dg.MetadataValue.int(len(outcome.outcomes)),
        "failed": dg.MetadataValue.int(len(outcome.failed)),
        "raised": dg.MetadataValue.int(len(outcome.raised)),
        "summary": dg.MetadataValue.text(outcome.summary()),
        "results": dg.MetadataValue.json(
            [
                {
                    "expectation": o.expectation,
                    "column": o.column,
                    "success": o.success,
                    "raised": o.raised,
                    "observed": o.observed,
                    "unexpected_count": o.unexpected_count,
                    "examples": o.examples,
                    "error": o.error,
                }
                for o in outcome.outcomes
            ]
        ),
    }


#: A gate that validated this many rows held a frame worth collecting afterwards.
BIG_FRAME_ROWS = 100_000


def gate_check(gate: Gate) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(list(gate.asset_key)),
        name=gate.name,
        description=f"GX suite expectations/{gate.suite}.json. {gate.description}",
        blocking=True,
        pool=WRITER_POOL,
        required_resource_keys={LOCK_KEY},
    )
    def _check(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        settings = Settings.from_env()
        con = connect(settings.build_db)
        try:
            ensure_schema(con)
            outcome = run_gate(con, gate)
            record_gate_result(con, gate, outcome, context.run.run_id)
        finally:
            con.close()
        release_memory(collect=outcome.rows >= BIG_FRAME_ROWS)
        verdict = "passed" if outcome.success else "FAILED"
        progress.report(context, f"gate {gate.name}: {verdict} - {outcome.summary()}")
        return dg.AssetCheckResult(
            passed=outcome.success,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata=_check_metadata(gate, outcome),
        )

    return _check


GATE_CHECKS = [gate_check(gate) for gate in GATES]
