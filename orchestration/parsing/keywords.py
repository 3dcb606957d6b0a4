"""Title names, as polars expressions, and a paper's keyword candidates: its acronym
definitions (``acronyms.py``) and its title name.

A title name is what a title calls the paper before its colon (``SPaR: Self-Play ...``),
when that reads like a name (one token, or a hyphenated one, with a capital or digit after
its first letter) and is not a generic lead-in (``Survey:``, ``Position:``).
"""

from __future__ import annotations

import polars as pl

from orchestration.parsing.acronyms import acronym_definitions

#: Title lead-ins that are not names of the paper.
GENERIC_LEAD_INS = frozenset(
    {
        "survey", "position", "review", "tutorial", "overview", "perspective", "commentary",
        "beyond", "towards", "toward", "rethinking", "revisiting", "benchmarking", "editorial",
        "note", "abstract", "introduction", "opinion", "report", "erratum", "correction",
        "dataset", "benchmark", "case", "study", "vision", "keynote",
    }
)  # fmt: skip
TITLE_NAME = r"^([A-Za-z0-9][A-Za-z0-9+.]*(?:-[A-Za-z0-9+.]+)*)\s*:"


def title_names(frame: pl.DataFrame, title: str = "title") -> pl.DataFrame:
    """One row per title that names its paper before a colon: other columns and ``keyword``."""
    keys = [c for c in frame.columns if c != title]
    name = pl.col(title).str.extract(TITLE_NAME)
    return (
        frame.select(*keys, name.alias("keyword"))
        .drop_nulls("keyword")
        .filter(
            pl.col("keyword").str.slice(1).str.contains(r"[A-Z0-9]")
            & ~pl.col("keyword").str.to_lowercase().is_in(sorted(GENERIC_LEAD_INS))
            & (pl.col("keyword").str.len_chars() <= 30)
        )
    )


def keyword_candidates(papers: pl.DataFrame) -> pl.DataFrame:
    """The acronyms and title names of ``papers`` (``paper_id``, ``title``, ``abstract``):
    ``paper_id``, ``keyword``, ``kind`` (``acronym`` or ``title_name``) and ``expansion``
    (the long form of an acronym)."""
    text = papers.select("paper_id", (pl.col("title") + " . " + pl.col("abstract")).alias("text"))
    acronyms = acronym_definitions(text, text="text").with_columns(kind=pl.lit("acronym"))
    names = title_names(papers.select("paper_id", "title")).with_columns(
        kind=pl.lit("title_name"), expansion=pl.lit(None, dtype=pl.String)
    )
    columns = ["paper_id", "keyword", "kind", "expansion"]
    return pl.concat([acronyms.select(columns), names.select(columns)])
