"""Acronym definitions (Schwartz-Hearst) in titles and abstracts, and title names.

Rules: orchestration/parsing/acronyms.py and keywords.py (unit-tested there).
"""

import polars as pl

from orchestration.parsing.acronyms import acronym_definitions
from orchestration.parsing.keywords import title_names


def model(dbt, session):
    dbt.config(materialized="table")
    papers = dbt.ref("int_papers").select("paper_id, title, abstract").pl()
    text = papers.select("paper_id", (pl.col("title") + " . " + pl.col("abstract")).alias("text"))
    acronyms = acronym_definitions(text, text="text").with_columns(kind=pl.lit("acronym"))
    names = title_names(papers.select("paper_id", "title")).with_columns(
        kind=pl.lit("title_name"), expansion=pl.lit(None, dtype=pl.String)
    )
    columns = ["paper_id", "keyword", "kind", "expansion"]
    return pl.concat([acronyms.select(columns), names.select(columns)]).to_arrow()
