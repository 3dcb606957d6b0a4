"""The GX gates as blocking Dagster asset checks: a failed gate stops everything downstream."""

from collections import deque
from collections.abc import Iterator, Sequence

import dagster as dg

from orchestration import progress
from orchestration.assets.ingest import WRITER_POOL
from orchestration.checks.gates import GATES, Gate, GateRun, record_gate_result, start_gate
from orchestration.memory import BIG_FRAME_ROWS, release_memory
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


def _asset_key(gate: Gate) -> dg.AssetKey:
    return dg.AssetKey(list(gate.asset_key))


def gate_checks(name: str, gates: Sequence[Gate]) -> dg.AssetChecksDefinition:
    """``gates`` as blocking asset checks run by one Dagster step, on one connection to
    the build (each selected gate in turn, each recording its result; a gate's rows are
    read while GX validates the gate's before). A gate that fails fails the step once all
    have run, so nothing downstream of any of them runs."""

    @dg.multi_asset_check(
        name=name,
        specs=[
            dg.AssetCheckSpec(
                gate.name,
                asset=_asset_key(gate),
                description=f"GX suite expectations/{gate.suite}.json. {gate.description}",
                blocking=True,
            )
            for gate in gates
        ],
        can_subset=True,
        pool=WRITER_POOL,
        required_resource_keys={LOCK_KEY},
    )
    def _checks(context: dg.AssetCheckExecutionContext) -> Iterator[dg.AssetCheckResult]:
        selected = context.selected_asset_check_keys
        build_db = Settings.from_env().build_db
        con = connect(build_db)

        def finish(run: GateRun) -> dg.AssetCheckResult:
            nonlocal con
            gate, outcome = run.gate, run.outcome()
            record_gate_result(con, gate, outcome, context.run.run_id)
            if outcome.rows >= BIG_FRAME_ROWS:
                # a big table's pages in DuckDB's cache go back with its frame
                con.close()
                release_memory()
                con = connect(build_db)
            else:
                release_memory(collect=False)
            verdict = "passed" if outcome.success else "FAILED"
            progress.report(context, f"gate {gate.name}: {verdict} - {outcome.summary()}")
            return dg.AssetCheckResult(
                asset_key=_asset_key(gate),
                check_name=gate.name,
                passed=outcome.success,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata=_check_metadata(gate, outcome),
            )

        try:
            ensure_schema(con)
            # one gate ahead: its rows are read while GX validates the last one's
            started: deque[GateRun] = deque()
            for gate in gates:
                if dg.AssetCheckKey(_asset_key(gate), gate.name) in selected:
                    started.append(start_gate(con, gate))
                if len(started) > 1:
                    yield finish(started.popleft())
            while started:
                yield finish(started.popleft())
        finally:
            con.close()

    return _checks


def gate_steps(producers: Sequence[dg.AssetsDefinition]) -> list[dg.AssetChecksDefinition]:
    """One step of gates per step that writes tables: ``gates_after_<producer>`` runs the
    gates of the tables ``producer`` wrote, right after it. 22 gate steps -> 4: the gates
    of a one-dump refresh at 1M took 3.0-3.6 s -> 2.2-2.8 s (a Dagster step and a
    connection to the build each)."""
    steps = []
    for producer in producers:
        gates = [gate for gate in GATES if _asset_key(gate) in producer.keys]
        if gates:
            steps.append(gate_checks(f"gates_after_{producer.node_def.name}", gates))
    return steps
