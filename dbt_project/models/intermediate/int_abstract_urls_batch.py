"""Every URL occurrence in the papers' abstracts, canonicalised.

The extraction and canonicalisation rules live in orchestration/parsing/urls.py, where
they are unit-tested; this model runs them column-wise over batches of abstracts, on
worker processes (orchestration/workers.py), and DuckDB writes each batch's rows as they
come (arrow_stream).
Holds only the papers this build adds or changes (all of them on a full build);
int_abstract_urls appends them (dbt-duckdb cannot materialise Python models incrementally).
"""

from orchestration.incremental import arrow_stream, papers_to_build
from orchestration.parsing.urls import extract_urls
from orchestration.workers import map_batches


def model(dbt, session):
    dbt.config(materialized="table")
    batches = papers_to_build(
        dbt.ref("int_papers"), dbt.ref("int_paper_changes"), "paper_id", "abstract"
    )
    return arrow_stream(map_batches(extract_urls, batches))
