"""Acronym definitions (Schwartz-Hearst) in titles and abstracts, and title names.

Rules: orchestration/parsing/acronyms.py and keywords.py (unit-tested there), run on
worker processes (orchestration/workers.py), batch by batch.
Holds only the papers this build adds or changes (all of them on a full build);
int_keyword_candidates appends them (dbt-duckdb cannot materialise Python models incrementally).
"""

from orchestration.incremental import arrow_stream, papers_to_build
from orchestration.parsing.keywords import keyword_candidates
from orchestration.workers import map_batches


def model(dbt, session):
    dbt.config(materialized="table")
    batches = papers_to_build(
        dbt.ref("int_papers"), dbt.ref("int_paper_changes"), "paper_id", "title", "abstract"
    )
    return arrow_stream(map_batches(keyword_candidates, batches))
