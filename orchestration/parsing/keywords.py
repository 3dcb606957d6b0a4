"""Keyword candidates from titles and abstracts (polars expressions).

- Acronym definitions written ``long form (SHORT)``: the long form is the run of words
  right before the parenthesis, one word per capital letter of the short form, and it
  must start with the short form's first letter. ``keyword`` is the short form as written
  (plural ``s`` kept), ``expansion`` the long form lower-cased.
- Title names: what a title calls the paper before its colon (``SPaR: Self-Play ...``),
  when that reads like a name (one token, or a hyphenated one, with a capital or digit
  after its first letter) and is not a generic lead-in (``Survey:``, ``Position:``).
"""

from __future__ import annotations

import polars as pl

#: Up to ten words, then a parenthesised short form: 2-10 characters, starting with a
#: letter, with at least two capitals in total (``LLMs``, ``RL``, ``GRPO``, ``ViT``).
ACRONYM_DEFINITION = r"((?:[A-Za-z0-9][\w'-]*\s+){1,10})\(([A-Za-z][A-Za-z0-9-]{1,9})\)"
SHORT_FORM = r"^[A-Za-z]*[A-Z][A-Za-z0-9-]*[A-Z][A-Za-z0-9-]*$|^[A-Z][a-z]*[A-Z]s?$"

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


def acronym_definitions(frame: pl.DataFrame, text: str = "abstract") -> pl.DataFrame:
    """One row per ``long form (SHORT)`` definition: the frame's other columns,
    ``keyword`` (short form as written) and ``expansion`` (lower-cased long form)."""
    keys = [c for c in frame.columns if c != text]
    matches = (
        frame.select(*keys, pl.col(text).str.extract_all(ACRONYM_DEFINITION).alias("match"))
        .explode("match")
        .drop_nulls("match")
        .with_columns(
            pl.col("match")
            .str.extract_groups(ACRONYM_DEFINITION)
            .struct.rename_fields(["words", "keyword"])
            .alias("groups")
        )
        .unnest("groups")
        .filter(pl.col("keyword").str.contains(SHORT_FORM))
    )
    letters = pl.col("keyword").str.replace(r"s$", "").str.count_matches(r"[A-Z]").cast(pl.Int64)
    words = pl.col("words").str.strip_chars().str.split(by=" ")
    return (
        matches.with_columns(
            words.list.slice(-letters, letters).list.join(" ").alias("long_form"),
            (words.list.len() >= letters).alias("enough_words"),
        )
        .filter(
            pl.col("enough_words")
            & (
                pl.col("long_form").str.slice(0, 1).str.to_lowercase()
                == pl.col("keyword").str.slice(0, 1).str.to_lowercase()
            )
        )
        .select(*keys, "keyword", pl.col("long_form").str.to_lowercase().alias("expansion"))
        .unique(keep="first", maintain_order=True)
    )


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
