"""Acronym definitions with the Schwartz and Hearst (2003) algorithm, as polars expressions.

Schwartz and Hearst look at every parenthesis in a sentence:

- ``long form (SHORT)``: the short form is inside; the long form is found among the words
  before it. If the parenthesis holds more than two words, or more text than precedes it,
  the roles swap (``SHORT (long form)``): the short form is the word before.
- A short form is 2 to 10 characters, starts with a letter or digit and has a letter.
  Inside a parenthesis only the text before the first ``,`` or ``;`` counts.
- The long form is the shortest tail of the candidate words that contains the short form's
  letters and digits in order, case-insensitively, with the first one at the start of a
  word; it then extends back to the start of that whitespace word. Scanning right to left
  and matching each character as late as possible (their algorithm) gives exactly that tail.
- It is kept when it has no more than ``min(n + 5, 2n)`` words (split on spaces and
  hyphens; ``n`` = letters and digits in the short form), is longer than the short form,
  and does not contain the short form as a word.

One rule is ours, for precision: a short form needs at least two capital letters
(``LLMs``, ``ViT``, ``iLA-SDP``), which drops ``(e.g.``, ``(ii)``, ``(Smith)`` and similar.

The character matching is that of the regular expression ``^(.*[^a-z0-9]|)l.*l.*m`` for
``LLMs`` (the greedy prefix makes the match start as late as possible), done as a few
literal searches on the reversed text (``with_match_start``), column-wise by polars: no
pattern is compiled per candidate and no Python code runs per abstract.
"""

from __future__ import annotations

import polars as pl

#: Up to MAX_WORDS words (no parentheses inside), then a parenthesis of up to 100 characters.
MAX_WORDS = 15
PARENTHESIS = rf"((?:[^\s()]+\s+){{1,{MAX_WORDS}}})\(([^()]{{1,100}})\)"
NOT_ALNUM = r"[^\p{L}\p{N}]"
#: Sentence ends inside the candidate window: the long form never reaches back past one.
SENTENCE_END = r"^.*[.!?]\s+"


def _last_word(text: pl.Expr) -> pl.Expr:
    return text.str.extract(r"(\S+)\s*$")


def _word_count(text: pl.Expr) -> pl.Expr:
    """Words as Schwartz and Hearst count them: split on whitespace and hyphens."""
    return text.str.count_matches(r"[^\s-]+").cast(pl.Int64)


def _candidates(frame: pl.DataFrame, text: str, keys: list[str]) -> pl.DataFrame:
    """One row per parenthesis: ``short_form`` and the text to search (``source``)."""
    found = (
        frame.select(*keys, pl.col(text).str.extract_all(PARENTHESIS).alias("match"))
        .explode("match")
        .drop_nulls("match")
        # a match is words, "(", the inside and ")", with no other parenthesis: its two
        # groups are the text on either side of the "(" (a literal split; no regex again)
        .with_columns(
            pl.col("match")
            .str.split_exact("(", 1)
            .struct.rename_fields(["before", "inside"])
            .alias("groups")
        )
        .unnest("groups")
        .with_columns(
            pl.col("before").str.replace(SENTENCE_END, "").str.strip_chars(),
            pl.col("inside").str.strip_suffix(")").str.replace(r"[,;].*$", "").str.strip_chars(),
        )
    )
    swap = (pl.col("inside").str.count_matches(r"\S+") > 2) | (
        pl.col("inside").str.len_chars() > pl.col("before").str.len_chars()
    )
    return found.select(
        *keys,
        pl.when(swap).then(_last_word(pl.col("before"))).otherwise("inside").alias("short_form"),
        pl.when(swap).then("inside").otherwise("before").alias("source"),
    )


def _is_valid_short_form(short_form: pl.Expr) -> pl.Expr:
    return (
        short_form.str.len_chars().is_between(2, 10)
        & short_form.str.contains(r"^[\p{L}\p{N}]")
        & short_form.str.contains(r"\p{L}")
        & (short_form.str.count_matches(r"\p{Lu}") >= 2)
    )


#: Where the matching works, every character that is not a-z or 0-9 is one space.
_NOT_ASCII_ALNUM = "[^a-z0-9]"


def _letters(short_form: pl.Expr) -> pl.Expr:
    """What the long form must hold in order: the short form's letters and digits, lower-cased."""
    return short_form.str.to_lowercase().str.replace_all(NOT_ALNUM, "")


def with_match_start(candidates: pl.DataFrame) -> pl.DataFrame:
    """``candidates`` (``short_form`` and lower-cased ``source``) with ``start``: where the
    Schwartz-Hearst match of the short form begins in ``source``, null if it has none.

    The match is that of ``^(.*[^a-z0-9]|)l.*l.*m`` for ``LLMs``: its first letter as late
    as the other letters still follow in order. So, reading the source backwards: the last
    letter is its last occurrence, each earlier letter the last occurrence before the
    letter after it, and the first letter the last occurrence at a word start before the
    second. On the reversed source each step is a search for one literal character (the
    first letter's is the letter then a space: a word start), column-wise with no pattern
    to compile. The reversed source has one ASCII byte per character (every other
    character is a space), so the byte offsets ``str.find`` gives are character offsets.
    Short forms with letters outside a-z and 0-9 (rare) take the regular expression."""
    indexed = candidates.with_row_index("_row").with_columns(
        _letters=_letters(pl.col("short_form"))
    )
    ascii_letters = pl.col("_letters").str.contains(r"^[a-z0-9]+$").fill_null(False)
    return (
        pl.concat(
            [
                _scan_start(indexed.filter(ascii_letters)),
                _regex_start(indexed.filter(~ascii_letters)),
            ]
        )
        .sort("_row")
        .drop("_row", "_letters")
    )


def _scan_start(frame: pl.DataFrame) -> pl.DataFrame:
    letters, n = pl.col("_letters"), pl.col("_letters").str.len_chars()
    # a space after the reversed source: its first character is at a word start
    reversed_source = pl.col("source").str.replace_all(_NOT_ASCII_ALNUM, " ").str.reverse() + " "
    work = frame.with_columns(_reversed=reversed_source, _from=pl.lit(0, pl.UInt32))

    def after(found: pl.Expr) -> pl.Expr:  # the next search starts after this match
        return pl.col("_from") + pl.col("_reversed").str.slice(pl.col("_from")).str.find(
            found, literal=True
        )

    for back in range(1, (frame["_letters"].str.len_chars().max() or 0)):
        letter = letters.str.slice(n - back, 1)
        work = work.with_columns(
            _from=pl.when(n > back).then(after(letter) + 1).otherwise(pl.col("_from"))
        )
    first = after(letters.str.slice(0, 1) + " ")
    return work.with_columns(
        start=(pl.col("source").str.len_chars() - 1 - first).cast(pl.Int64)
    ).drop("_reversed", "_from")


def _regex_start(frame: pl.DataFrame) -> pl.DataFrame:
    """The same match as a regular expression, compiled once per candidate."""
    letters = pl.col("_letters")
    pattern = pl.concat_str(
        pl.lit("^(.*[^a-z0-9]|)"),
        letters.str.slice(0, 1),
        letters.str.slice(1).str.replace_all(r"(.)", ".*${1}"),
    )
    prefix = pl.col("source").str.extract(pattern, 1)
    return frame.with_columns(start=prefix.str.len_chars().cast(pl.Int64))


def acronym_definitions(frame: pl.DataFrame, text: str = "abstract") -> pl.DataFrame:
    """One row per acronym definition in ``text``: the frame's other columns, ``keyword``
    (the short form as written, plural ``s`` kept) and ``expansion`` (the long form,
    lower-cased, surrounding punctuation and quotes removed)."""
    keys = [c for c in frame.columns if c != text]
    candidates = _candidates(frame, text, keys).filter(_is_valid_short_form(pl.col("short_form")))
    size = pl.col("short_form").str.count_matches(r"[\p{L}\p{N}]").cast(pl.Int64)
    found = (
        with_match_start(candidates.with_columns(pl.col("source").str.to_lowercase()))
        .drop_nulls("start")
        .with_columns(
            # back to the start of the whitespace word holding the first letter
            pl.col("source")
            .str.slice(
                pl.col("source")
                .str.slice(0, pl.col("start"))
                .str.replace(r"\S*$", "")
                .str.len_chars()
            )
            .alias("long_form")
        )
    )
    return (
        found.filter(
            (_word_count(pl.col("long_form")) <= pl.min_horizontal(size + 5, size * 2))
            & (pl.col("long_form").str.len_chars() > pl.col("short_form").str.len_chars())
            & ~pl.col("long_form").str.contains(
                pl.col("short_form").str.to_lowercase() + " ", literal=True
            )
            & ~pl.col("long_form").str.ends_with(pl.col("short_form").str.to_lowercase())
        )
        .select(
            *keys,
            pl.col("short_form").alias("keyword"),
            pl.col("long_form")
            .str.replace_all(r"\s+", " ")
            .str.replace_all(r"^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$", "")
            .alias("expansion"),
        )
        .unique(keep="first", maintain_order=True)
    )
