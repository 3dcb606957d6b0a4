"""Parse one raw "Daily Papers" dump into title/abstract records and line-level rejects.

A dump is the text a person gets by copying a listing page: page chrome, an optional
listing date line (``Apr 23``), then title/abstract pairs, either separated by blank
lines or packed with none. Every line of the file ends up in exactly one bucket::

    chrome + blank + 2 * records + rejected = lines

The work is vectorised: the files of a batch become one polars frame of lines (``dump``
says whose), and every classification is an expression over that frame. No Python loop
runs per line.
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


def split_lines(texts: list[str]) -> pl.DataFrame:
    """One row per line of each text: ``dump`` (the text's position in ``texts``),
    ``line_number`` (1-based, per text), ``raw_line`` and the stripped ``text``.

    Lines end at ``\\n``; a ``\\r`` before it (Windows endings) is dropped. A final line
    terminator does not start another line, as in ``wc -l`` plus an unterminated last line;
    an empty text has no lines.
    """
    body, line = pl.col("body"), pl.col("line")
    return (
        pl.DataFrame({"body": texts}, schema={"body": pl.String})
        .with_row_index("dump")
        .filter(body != "")
        .select("dump", line=body.str.strip_suffix("\n").str.split("\n"))
        # the row of each text's first line once exploded (explode keeps the order)
        .with_columns(first=line.list.len().cum_sum() - line.list.len())
        .explode("line")
        .select(
            "dump",
            line_number=(pl.int_range(pl.len()) - pl.col("first") + 1).cast(pl.Int64),
            raw_line=line.str.strip_suffix("\r"),
        )
        .with_columns(text=pl.col("raw_line").str.strip_chars())
    )


#: What ``classify_lines`` says a line is: every line is one of these.
LINE_KINDS = ("blank", "chrome", "date", "content")


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


def _next_in_dump(column: str, offset: int) -> pl.Expr:
    """``column`` of the line ``offset`` rows on, null past its dump's first or last line."""
    same_dump = pl.col("dump").shift(-offset) == pl.col("dump")
    return pl.when(same_dump).then(pl.col(column).shift(-offset))


def pair_content(content: pl.DataFrame) -> pl.DataFrame:
    """Mark each content line as ``title``, ``abstract`` or a reject reason.

    A record is a title-shaped line directly followed (blank lines and chrome aside) by an
    abstract-shaped line of the same dump. Anything else is rejected with the reason it
    could not pair.
    """
    shaped = content.with_columns(is_abstract_shaped(pl.col("content")).alias("abstract_shaped"))
    next_is_abstract = _next_in_dump("abstract_shaped", 1).fill_null(False)
    is_title = ~pl.col("abstract_shaped") & next_is_abstract
    return (
        shaped.with_columns(is_title.alias("is_title"))
        .with_columns(_next_in_dump("is_title", -1).fill_null(False).alias("is_abstract"))
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


def listing_dates(dates: pl.DataFrame) -> pl.DataFrame:
    """Each dump's first date line as ``MM-DD`` (ISO month and day; the page gives no
    year): ``dump``, ``listing_date``."""
    parts = pl.col("text").str.extract_groups(DATE_LINE)
    month = parts.struct[0].replace_strict(MONTHS, [f"{m:02d}" for m in range(1, 13)])
    day = parts.struct[1].str.zfill(2)
    return dates.unique("dump", keep="first", maintain_order=True).select(
        "dump", listing_date=pl.concat_str(month, pl.lit("-"), day)
    )


def parse_texts(texts: list[str]) -> list[ParsedDump]:
    """Parse decoded dump texts, each on its own, in one pass over all their lines (a
    dump is a few thousand lines: polars' cost per operation would dominate each alone).
    Pure: same texts, same results, one per text in order."""
    lines = classify_lines(split_lines(texts))
    kind = pl.col("kind")
    counts = {
        (dump, line_kind): n
        for dump, line_kind, n in lines.group_by("dump", "kind").len().iter_rows()
    }
    dates = listing_dates(lines.filter(kind == "date"))

    content = lines.filter(kind == "content")
    too_long = pl.col("content").str.len_chars() > MAX_LINE_CHARS
    paired = pair_content(content.filter(~too_long))
    roles = pl.col("role")
    records = (
        # a title's next content line is its abstract, in the same dump (pair_content)
        paired.with_columns(pl.col("content").shift(-1).alias("abstract"))
        .filter(roles == "title")
        .join(dates, on="dump", how="left", maintain_order="left")
        .select(
            "dump",
            "line_number",
            pl.col("content").alias("title"),
            "abstract",
            title_key(pl.col("content")).alias("title_key"),
            "listing_date",
        )
    )
    unpaired = paired.filter(~roles.is_in(["title", "abstract"])).select(
        "dump", "line_number", "raw_line", roles.alias("reason")
    )
    garbage = content.filter(too_long).select(
        "dump", "line_number", "raw_line", pl.lit(REASON_LINE_TOO_LONG).alias("reason")
    )
    rejects = (
        pl.concat([unpaired, garbage])
        .sort("dump", "line_number")
        .with_columns(pl.col("raw_line").str.slice(0, REJECT_RAW_MAX_CHARS))
    )
    records_of = _per_dump(records, RECORD_SCHEMA)
    rejects_of = _per_dump(rejects, REJECT_SCHEMA)
    date_of = dict(dates.iter_rows())
    return [
        ParsedDump(
            records=records_of(dump),
            rejects=rejects_of(dump),
            lines=sum(counts.get((dump, line_kind), 0) for line_kind in LINE_KINDS),
            blank_lines=counts.get((dump, "blank"), 0),
            chrome_lines=counts.get((dump, "chrome"), 0) + counts.get((dump, "date"), 0),
            listing_date=date_of.get(dump),
        )
        for dump in range(len(texts))
    ]


def _per_dump(frame: pl.DataFrame, schema: dict[str, pl.DataType]):
    """A function giving the rows of ``frame`` of one dump, cast to ``schema``."""
    parts = frame.cast(schema).partition_by("dump", as_dict=True, include_key=False)
    empty = pl.DataFrame(schema=schema)
    return lambda dump: parts.get((dump,), empty)


def parse_text(text: str) -> ParsedDump:
    """Parse decoded dump text. Pure: same text, same result."""
    return parse_texts([text])[0]


def parse_dump(data: bytes) -> ParsedDump:
    """Parse the raw bytes of a dump; raises :class:`DumpFormatError` for non-text files."""
    return parse_text(decode_dump(data))
