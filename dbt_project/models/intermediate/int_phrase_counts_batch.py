"""Keyphrase candidates counted per paper: one row per paper, candidate stem and spelling.

Rules: orchestration/parsing/phrases.py (unit-tested there). About 150 rows a paper, so
the rows stream into DuckDB batch by batch instead of being held at once.
Holds only the papers this build adds or changes (all of them on a full build);
int_phrase_counts appends them (dbt-duckdb cannot materialise Python models incrementally).
"""

from orchestration.incremental import arrow_stream, papers_to_build
from orchestration.parsing.phrases import count_phrases

#: Papers counted at once: 20,000 papers' words, n-grams and counts take about 1 GB (50,000
#: took the refresh to 8.7 GB at 1M papers, beside DuckDB's 4 GB).
BATCH_PAPERS = 20_000


def model(dbt, session):
    dbt.config(materialized="table")
    stopwords = dbt.ref("stopwords").pl()["word"]
    batches = papers_to_build(
        dbt.ref("int_papers"),
        dbt.ref("int_paper_changes"),
        "paper_id",
        "title",
        "abstract",
        batch_papers=BATCH_PAPERS,
    )
    return arrow_stream(count_phrases(papers, stopwords) for papers in batches)
