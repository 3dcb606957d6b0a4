"""Text normalisation shared by the parser and the tests."""

from __future__ import annotations

import polars as pl

#: Runs of anything that is not a letter or a digit collapse to one space.
NON_ALNUM_RUN = r"[^\p{L}\p{N}]+"


def title_key(title: pl.Expr) -> pl.Expr:
    """The normalised title a paper is identified by.

    NFKC (full-width and ligature forms fold to plain ones), lower-cased, every run of
    punctuation, symbols and whitespace collapsed to one space, trimmed. Two dumps that
    write the same title with different dashes, quotes, spacing or case agree on it.
    ``paper_id`` is derived from this key in the staging model (sha256, 16 hex chars).
    """
    return (
        title.str.normalize("NFKC")
        .str.to_lowercase()
        .str.replace_all(NON_ALNUM_RUN, " ")
        .str.strip_chars()
    )
