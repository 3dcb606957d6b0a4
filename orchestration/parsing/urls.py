"""Find URLs in abstracts and bring them to one canonical form (polars expressions).

Extraction finds URLs with a scheme (``http://``, ``https://``), ``www.`` ones, and
scheme-less ones on the hosts papers use for code and models (``github.com/...``,
``huggingface.co/...``, ``hf.co/...``, ``*.github.io/...``). LaTeX wrappers are not
part of a URL: ``{``, ``}`` and ``\\`` end it, so ``\\url{u}``, ``\\href{u}{text}`` and
the broken ``\\href{u{u}}`` all give ``u``.

Line-wrap rule: a hyphen followed by a single space and a letter or digit, inside a URL,
is a line-wrap artefact (``efficient- NLP-multistage``); the URL goes on after the space
and the canonical form drops the space. Limit: a URL that really ends in ``-`` right
before a word would be over-joined; no such URL occurs in the samples.

Canonical form: ``https://``, lower-case host without ``www.``, ``hf.co`` spelled
``huggingface.co``, no fragment, no ``utm_*`` parameters, no trailing ``/`` or ``.git``,
no trailing sentence punctuation, and a closing bracket only when it is balanced inside
the URL. The path keeps its case.
"""

from __future__ import annotations

import polars as pl

_URL_CHAR = r"[^\s<>\"{}\\|^`]"
#: Wrapped continuation first, so leftmost-first matching prefers it over stopping at ``-``.
_URL_BODY = rf"(?:-\s[A-Za-z0-9]|{_URL_CHAR})"
_KNOWN_HOSTS = r"(?:[a-z0-9-]+\.github\.io|github\.com|huggingface\.co|hf\.co)"
URL_PATTERN = (
    rf"(?i)(?:https?://|\bwww\.){_URL_BODY}+"  # with a scheme, or www.
    rf"|\b{_KNOWN_HOSTS}/{_URL_BODY}*"  # scheme-less on a known host
)

#: Text holding none of these (in any case) has no URL_PATTERN match: each alternative of
#: the pattern contains one. Searching 25,000 abstracts for them takes 0.01 s, extracting
#: from them 0.35 s, and three abstracts in four (in the samples) hold none.
MAY_HOLD_URL = r"(?i)http|www\.|github|huggingface\.co|hf\.co"

TRAILING_PUNCTUATION = r"[.,;:!?'\"*]+$"
_BRACKETS = (("(", ")"), ("[", "]"))


_WORK = "_url"


def _strip_unbalanced_closer(url: pl.Expr) -> pl.Expr:
    """Drop one trailing ``)`` or ``]`` when the URL closes more than it opens."""
    for opener, closer in _BRACKETS:
        unbalanced = url.str.ends_with(closer) & (
            url.str.count_matches(closer, literal=True)
            > url.str.count_matches(opener, literal=True)
        )
        url = pl.when(unbalanced).then(url.str.strip_suffix(closer)).otherwise(url)
    return url


def _strip_trailing_steps(column: str) -> list[pl.Expr]:
    """Sequential steps (one ``with_columns`` each, so expressions never nest deeply) that
    remove sentence punctuation and unbalanced closers from the end of ``column``; a few
    rounds cover forms like ``url).`` and ``url.),``."""
    col = pl.col(column)
    return [_strip_unbalanced_closer(col.str.replace(TRAILING_PUNCTUATION, "")).alias(column)] * 3


def canonicalise(frame: pl.DataFrame, raw: str = "url_raw", out: str = "url") -> pl.DataFrame:
    """Add column ``out``: the canonical form of the URLs in ``raw`` (see module docs)."""
    url = pl.col(_WORK)
    steps: list[pl.Expr] = [pl.col(raw).str.replace_all(r"-\s+", "-").alias(_WORK)]
    steps += _strip_trailing_steps(_WORK)
    steps.append(
        pl.when(url.str.contains(r"(?i)^https?://"))
        .then(url.str.replace(r"(?i)^https?://", ""))
        .otherwise(url)
        .str.extract_groups(r"^([^/?#]*)([^?#]*)(\?[^#]*)?")
        .struct.rename_fields(["_host", "_path", "_query"])
        .alias("_parts")
    )
    host = (
        pl.col("_host")
        .str.to_lowercase()
        .str.replace(r":(?:443|80)$", "")
        .str.replace(r"^www\.", "")
        .str.replace(r"\.$", "")
    )
    query = (
        pl.col("_query")
        .fill_null("")
        .str.replace(r"^\?", "&")
        .str.replace_all(r"&utm_[^&]*", "")
        .str.replace(r"^&", "?")
    )
    result = frame.with_columns(steps[0])
    for step in steps[1:]:
        result = result.with_columns(step)
    result = result.unnest("_parts").with_columns(
        pl.when(host == "hf.co").then(pl.lit("huggingface.co")).otherwise(host).alias("_host"),
        pl.col("_path").str.replace(r"/+$", "").str.replace(r"(?i)\.git$", "").alias("_path"),
        query.alias("_query"),
    )
    for column in ("_path", "_query"):
        for step in _strip_trailing_steps(column):
            result = result.with_columns(step)
    return result.with_columns(
        (
            pl.lit("https://")
            + pl.col("_host")
            + pl.col("_path").str.replace(r"/+$", "")
            + pl.when(pl.col("_query") == "?").then(pl.lit("")).otherwise(pl.col("_query"))
        ).alias(out)
    ).drop(_WORK, "_host", "_path", "_query")


def url_host(canonical: pl.Expr) -> pl.Expr:
    return canonical.str.extract(r"^https://([^/?#]+)")


def extract_urls(abstracts: pl.DataFrame, text_column: str = "abstract") -> pl.DataFrame:
    """One row per URL occurrence: the input's other columns, ``url_raw`` (as written),
    ``occurrence`` (0-based, in order of appearance) and ``url`` (canonical)."""
    keys = [c for c in abstracts.columns if c != text_column]
    return (
        abstracts.filter(pl.col(text_column).str.contains(MAY_HOLD_URL))
        .select(*keys, pl.col(text_column).str.extract_all(URL_PATTERN).alias("url_raw"))
        .explode("url_raw")
        .drop_nulls("url_raw")
        .with_columns(pl.int_range(pl.len()).over(keys).alias("occurrence"))
        .pipe(canonicalise)
        .filter(url_host(pl.col("url")).str.contains(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$"))
    )
