"""Title names, as polars expressions (acronym definitions are in ``acronyms.py``).

A title name is what a title calls the paper before its colon (``SPaR: Self-Play ...``),
when that reads like a name (one token, or a hyphenated one, with a capital or digit after
its first letter) and is not a generic lead-in (``Survey:``, ``Position:``).
"""

from __future__ import annotations

import polars as pl

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
