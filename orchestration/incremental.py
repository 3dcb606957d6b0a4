"""The Python side of the per-paper incremental models (the SQL side is the
``papers_to_build`` macro): which papers a dbt Python model must (re)build this run."""

from __future__ import annotations

from typing import Any

import polars as pl


def papers_to_build(papers: Any, changes: Any, *columns: str) -> pl.DataFrame:
    """``columns`` of int_papers (``papers``, a DuckDB relation) for the papers
    int_paper_changes (``changes``) lists as added or changed: every paper on a full
    build, only those of the new dumps on an incremental one."""
    rebuilt = changes.filter("change <> 'removed'").select("paper_id")
    return papers.select(", ".join(columns)).join(rebuilt, "paper_id").pl()
