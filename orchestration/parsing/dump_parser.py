"""Parse one raw "Daily Papers" dump into title/abstract records and line-level rejects.

A dump is the text a person gets by copying a listing page: page chrome, an optional
listing date line (``Apr 23``), then title/abstract pairs, either separated by blank
lines or packed with none. Every line of the file ends up in exactly one bucket::

    chrome + blank + 2 * records + rejected = lines

The work is vectorised: the file becomes one polars frame of lines, and every
classification is an expression over that frame. No Python loop runs per line.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from orchestration.parsing.text import title_key

UTF8_BOM = b"\xef\xbb\xbf"

#: Whole lines that are page chrome, never content.
CHROME_LINE = (
    r"^(?:new|Subscribe|Daily Papers|by ?AK and the research community"
    r"|Get trending papers in your email inbox(?: once a day)?!)$"
)
#: Chrome glued onto the start of the first title (``SubscribeTraining ...``). The title
#: must start right after it with a capital, digit or opening quote/bracket.
GLUED_CHROME = (
    r"^(?:Subscribe|Daily Papers|by ?AK and the research community)+"
    r"([A-Z0-9\"'(\[].*)$"
)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
#: The listing date line: ``Apr 23`` (the page shows no year).
DATE_LINE = r"^(" + "|".join(MONTHS) + r")[a-z]* (\d{1,2})$"

#: A content line is abstract-shaped when it is long, or several sentences long.
#: In the samples titles are at most 174 characters and abstracts at least 523.
ABSTRACT_MIN_CHARS = 250
ABSTRACT_MIN_CHARS_MULTI_SENTENCE = 100
SENTENCE_BREAK = r"[.!?] [A-Z]"

#: No title or abstract is this long; a longer line is garbage (a pasted blob, minified
#: data) and is rejected whole. Rejected lines are stored cut to REJECT_RAW_MAX_CHARS.
MAX_LINE_CHARS = 20_000
REJECT_RAW_MAX_CHARS = 2_000

REASON_TITLE_WITHOUT_ABSTRACT = "title_without_abstract"
REASON_ABSTRACT_WITHOUT_TITLE = "abstract_without_title"
REASON_LINE_TOO_LONG = "line_too_long"
REJECT_REASONS = (
    REASON_TITLE_WITHOUT_ABSTRACT,
    REASON_ABSTRACT_WITHOUT_TITLE,
    REASON_LINE_TOO_LONG,
)

RECORD_SCHEMA = {
    "line_number": pl.Int64,
    "title": pl.String,
    "abstract": pl.String,
    "title_key": pl.String,
    "listing_date": pl.String,
}
REJECT_SCHEMA = {"line_number": pl.Int64, "raw_line": pl.String, "reason": pl.String}


class DumpFormatError(ValueError):
    """The file is not a text dump at all (binary, or not UTF-8). ``reason`` is a slug."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class ParsedDump:
    """What one dump yields. ``records`` and ``rejects`` follow the schemas above."""

    records: pl.DataFrame
    rejects: pl.DataFrame
    lines: int
    blank_lines: int
    chrome_lines: int
    listing_date: str | None

    @property
    def rejected_lines(self) -> int:
        return self.rejects.height

    @property
    def unaccounted_lines(self) -> int:
        """Zero for every dump: the reconciliation the gates check."""
        accounted = (
            self.chrome_lines + self.blank_lines + 2 * self.records.height + self.rejected_lines
        )
        return self.lines - accounted


def decode_dump(data: bytes) -> str:
    """Decode dump bytes as UTF-8 (a leading BOM is dropped); raise on binary or other text."""
    if b"\x00" in data:
        raise DumpFormatError("binary", "file contains NUL bytes: not a text dump")
    try:
        return data.removeprefix(UTF8_BOM).decode("utf-8")
    except UnicodeDecodeError as error:
        raise DumpFormatError(
            "not_utf8",
            f"not UTF-8 text (byte {error.start}: {data[error.start : error.start + 1]!r})",
        ) from error


def split_lines(text: str) -> pl.DataFrame:
    """One row per line: ``line_number`` (1-based), ``raw_line`` and the stripped ``text``.

    Lines end at ``\\n``; a ``\\r`` before it (Windows endings) is dropped. A final line
    terminator does not start another line, as in ``wc -l`` plus an unterminated last line.
    """
    if not text:
        return pl.DataFrame(
            schema={"line_number": pl.Int64, "raw_line": pl.String, "text": pl.String}
        )
    body = text.removesuffix("\n")
    return (
        pl.DataFrame({"raw_line": [body]})
        .select(pl.col("raw_line").str.split("\n"))
        .explode("raw_line")
        .with_columns(pl.col("raw_line").str.strip_suffix("\r"))
        .with_row_index("line_number", offset=1)
        .with_columns(
            pl.col("line_number").cast(pl.Int64),
            pl.col("raw_line").str.strip_chars().alias("text"),
        )
    )


def classify_lines(lines: pl.DataFrame) -> pl.DataFrame:
    """Add ``kind`` (blank, chrome, date, content) and the de-chromed ``content``."""
    text = pl.col("text")
    return lines.with_columns(
        pl.when(text == "")
        .then(pl.lit("blank"))
        .when(text.str.contains(CHROME_LINE))
        .then(pl.lit("chrome"))
        .when(text.str.contains(DATE_LINE))
        .then(pl.lit("date"))
        .otherwise(pl.lit("content"))
        .alias("kind"),
        text.str.replace(GLUED_CHROME, "$1").alias("content"),
    )


def is_abstract_shaped(content: pl.Expr) -> pl.Expr:
    """True where a content line reads like an abstract rather than a title."""
    length = content.str.len_chars()
    sentences = content.str.count_matches(SENTENCE_BREAK)
    return (length >= ABSTRACT_MIN_CHARS) | (
        (length >= ABSTRACT_MIN_CHARS_MULTI_SENTENCE) & (sentences >= 2)
    )


def pair_content(content: pl.DataFrame) -> pl.DataFrame:
    """Mark each content line as ``title``, ``abstract`` or a reject reason.

    A record is a title-shaped line directly followed (blank lines and chrome aside) by an
    abstract-shaped line. Anything else is rejected with the reason it could not pair.
    """
    shaped = content.with_columns(is_abstract_shaped(pl.col("content")).alias("abstract_shaped"))
    next_is_abstract = pl.col("abstract_shaped").shift(-1).fill_null(False)
    is_title = ~pl.col("abstract_shaped") & next_is_abstract
    return (
        shaped.with_columns(is_title.alias("is_title"))
        .with_columns(pl.col("is_title").shift(1).fill_null(False).alias("is_abstract"))
        .with_columns(
            pl.when(pl.col("is_title"))
            .then(pl.lit("title"))
            .when(pl.col("is_abstract"))
            .then(pl.lit("abstract"))
            .when(pl.col("abstract_shaped"))
            .then(pl.lit(REASON_ABSTRACT_WITHOUT_TITLE))
            .otherwise(pl.lit(REASON_TITLE_WITHOUT_ABSTRACT))
            .alias("role")
        )
    )


def listing_date_of(dates: pl.DataFrame) -> str | None:
    """The first date line as ``MM-DD`` (ISO month and day; the page gives no year)."""
    if dates.is_empty():
        return None
    parts = dates.select(pl.col("text").str.extract_groups(DATE_LINE)).unnest("text").row(0)
    month, day = MONTHS.index(parts[0]) + 1, int(parts[1])
    return f"{month:02d}-{day:02d}"


def parse_text(text: str) -> ParsedDump:
    """Parse decoded dump text. Pure: same text, same result."""
    lines = classify_lines(split_lines(text))
    counts = lines.group_by("kind").len()
    count = dict(zip(counts["kind"].to_list(), counts["len"].to_list(), strict=True))
    listing_date = listing_date_of(lines.filter(pl.col("kind") == "date"))

    content = lines.filter(pl.col("kind") == "content")
    too_long = pl.col("content").str.len_chars() > MAX_LINE_CHARS
    paired = pair_content(content.filter(~too_long))
    roles = pl.col("role")
    records = (
        paired.with_columns(
            pl.col("content").shift(-1).alias("abstract"),
        )
        .filter(roles == "title")
        .select(
            "line_number",
            pl.col("content").alias("title"),
            "abstract",
            title_key(pl.col("content")).alias("title_key"),
            pl.lit(listing_date, dtype=pl.String).alias("listing_date"),
        )
    )
    unpaired = paired.filter(~roles.is_in(["title", "abstract"])).select(
        "line_number", "raw_line", roles.alias("reason")
    )
    garbage = content.filter(too_long).select(
        "line_number", "raw_line", pl.lit(REASON_LINE_TOO_LONG).alias("reason")
    )
    rejects = (
        pl.concat([unpaired, garbage])
        .sort("line_number")
        .with_columns(pl.col("raw_line").str.slice(0, REJECT_RAW_MAX_CHARS))
    )
    return ParsedDump(
        records=records.cast(RECORD_SCHEMA),
        rejects=rejects.cast(REJECT_SCHEMA),
        lines=lines.height,
        blank_lines=count.get("blank", 0),
        chrome_lines=count.get("chrome", 0) + count.get("date", 0),
        listing_date=listing_date,
    )


def parse_dump(data: bytes) -> ParsedDump:
    """Parse the raw bytes of a dump; raises :class:`DumpFormatError` for non-text files."""
    return parse_text(decode_dump(data))
