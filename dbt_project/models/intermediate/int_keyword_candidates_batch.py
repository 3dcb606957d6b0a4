"""Acronym definitions (Schwartz-Hearst) in titles and abstracts, and title names.

Rules: orchestration/parsing/acronyms.py and keywords.py (unit-tested there).
Holds only the papers this build adds or changes (all of them on a full build);
int_keyword_candidates appends them (dbt-duckdb cannot materialise Python models incrementally).
"""

import polars as pl

from orchestration.incremental import arrow_stream, papers_to_build
from orchestration.parsing.acronyms import acronym_definitions
from orchestration.parsing.keywords import title_names


def model(dbt, session):
    dbt.config(materialized="table")
    batches = papers_to_build(
        dbt.ref("int_papers"), dbt.ref("int_paper_changes"), "paper_id", "title", "abstract"
    )
    return arrow_stream(candidates(papers) for papers in batches)


def candidates(papers: pl.DataFrame) -> pl.DataFrame:
    """The acronyms and title names of one batch of papers."""
    text = papers.select("paper_id", (pl.col("title") + " . " + pl.col("abstract")).alias("text"))
    acronyms = acronym_definitions(text, text="text").with_columns(kind=pl.lit("acronym"))
    names = title_names(papers.select("paper_id", "title")).with_columns(
        kind=pl.lit("title_name"), expansion=pl.lit(None, dtype=pl.String)
    )
    columns = ["paper_id", "keyword", "kind", "expansion"]
    return pl.concat([acronyms.select(columns), names.select(columns)])
