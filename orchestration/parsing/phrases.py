"""Keyphrase candidates, counted per paper (the rows of ``int_phrase_counts``).

A candidate is a 1-3 word n-gram inside a run of words of the lower-cased title or
abstract: runs end at punctuation (anything but letters, digits, hyphens and spaces, or a
hyphen next to a space), and no candidate holds a stopword, a one-letter word or a word of
digits and hyphens. Each candidate is counted per paper with its light stem (every word's
plural ending dropped, as the ``light_stem`` dbt macro does) and its spelling.

The work is vectorised over integer ids: each word is stored once in a vocabulary, an
n-gram is its words' ids packed into one 64-bit key, and the counting groups by (paper,
key). Strings are built again only for the distinct n-grams.

The per-paper half of the keyphrase ranking is done here too, where it is a matter of
integers: how often the paper has each stem in any spelling (``tf``), whether its title
has it, and how often the paper's most frequent longer candidate holding it occurs
(``container_tf``: "few-shot image" inside "few-shot image classification"). The
corpus-wide half (document frequency, most common spelling, the score) is SQL, in
int_paper_phrases. A batch of 20,000 papers (3M rows) takes about 3.5 s on two cores.
"""

from __future__ import annotations

import polars as pl

#: What ends a run of words, as in the SQL model this replaced.
SEPARATORS = r"[^a-z0-9\- ]+|\s-\s|\s-|-\s"
#: Stands for a separator among the words; never a word itself (it is a separator).
BREAK = "|"
#: Bits of a word id in a packed n-gram key: three ids fit in 64 bits.
WORD_BITS = 21
_BASE = 2**WORD_BITS
#: A term packs a paper's row number above its stem's number in the batch.
_TERM_BASE = 2**32

COLUMNS = {
    "paper_id": pl.String,
    "stem": pl.String,
    "surface": pl.String,
    "n": pl.Int32,
    "in_title": pl.Boolean,
    "tf": pl.Int32,
    "container_tf": pl.Int32,
}


def light_stem(word: pl.Expr) -> pl.Expr:
    """A single word's light stem: ``studies`` -> ``study``, ``models`` -> ``model``,
    ``class`` stays (the ``light_stem`` macro, on one word)."""
    return word.str.replace(r"ies$", "y").str.replace(r"([^s])s$", "${1}")


def count_phrases(papers: pl.DataFrame, stopwords: pl.Series) -> pl.DataFrame:
    """One row per paper, candidate stem and spelling of ``papers`` (``paper_id``,
    ``title``, ``abstract``): ``paper_id``, ``stem``, ``surface``, ``n`` (occurrences of
    the spelling) and, for the stem within the paper, ``in_title`` (in any spelling),
    ``tf`` (occurrences in all spellings) and ``container_tf`` (occurrences of the most
    frequent longer candidate holding it, 0 if none). ``tf`` and ``container_tf`` are
    given on the row of the stem's first spelling (word by word in alphabetical order),
    null on the others, so that sums and counts over rows see each stem of a paper once."""
    words = _words(papers)
    vocabulary = _vocabulary(words, stopwords)
    if vocabulary.height >= _BASE:  # the ids would not pack: count each half on its own
        half = papers.height // 2
        if half == 0:
            raise ValueError(f"one paper has more than {_BASE - 1:,} distinct words")
        return pl.concat(
            [count_phrases(papers[:half], stopwords), count_phrases(papers[half:], stopwords)]
        )
    counts = _count(words.join(vocabulary, on="word", how="left"), papers.height)
    rows = _with_terms(counts, vocabulary)
    first = pl.col("key") == pl.col("first_key")
    return (
        rows.join(_spell(rows.select(pl.col("key").unique()), vocabulary), on="key")
        .select(
            papers["paper_id"].gather(rows["paper"]),
            "stem",
            "surface",
            "n",
            "in_title",
            pl.when(first).then("tf").alias("tf"),
            pl.when(first).then("container_tf").alias("container_tf"),
        )
        .cast(COLUMNS)
    )


def _words(papers: pl.DataFrame) -> pl.DataFrame:
    """Every word of every text in order, ``BREAK`` where a run ends: ``text`` numbers
    the titles 0..n-1 and the abstracts n..2n-1."""
    texts = pl.concat([papers.select(body="title"), papers.select(body="abstract")])
    return (
        texts.select(
            text=pl.int_range(pl.len(), dtype=pl.UInt32),
            word=pl.col("body")
            .str.to_lowercase()
            .str.replace_all(SEPARATORS, f" {BREAK} ")
            .str.split(" "),
        )
        .explode("word")
        .filter(pl.col("word") != "")
    )


def _vocabulary(words: pl.DataFrame, stopwords: pl.Series) -> pl.DataFrame:
    """The distinct words, numbered from 1, with their stems and whether they stop a
    candidate."""
    word = pl.col("word")
    return (
        words.select(word.unique().sort())
        .with_row_index("id", offset=1)
        .with_columns(
            stem=light_stem(word),
            stops=word.is_in(stopwords.implode())
            | (word.str.len_chars() < 2)
            | word.str.contains(r"^[0-9\-]+$")
            | (word == BREAK),
        )
    )


def _count(words: pl.DataFrame, n_papers: int) -> pl.DataFrame:
    """Occurrences per paper (its row number) and packed n-gram key, and whether any
    occurrence is in the title. Key: the ids of the n-gram's words in base 2**21."""
    word_id = pl.col("id").cast(pl.UInt64)
    stops = pl.col("stops")

    def free(k: int) -> pl.Expr:  # the k-th next word is a candidate's in the same text
        return ~stops.shift(-k) & (pl.col("text").shift(-k) == pl.col("text"))

    one = ~stops
    two = one & free(1)
    three = two & free(2)
    second, third = word_id.shift(-1), word_id.shift(-2)
    grams = (
        words.select(
            "text",
            pl.when(one).then(word_id).alias("1"),
            pl.when(two).then(_pack(0, word_id, second)).alias("2"),
            pl.when(three).then(_pack(word_id, second, third)).alias("3"),
        )
        .unpivot(index="text", value_name="key")
        .drop_nulls("key")
    )
    text = pl.col("text")
    return grams.group_by(paper=text % n_papers, key="key").agg(
        n=pl.len(), in_title=(text < n_papers).any()
    )


def _pack(first, middle, last):
    """Three ids (expressions or series) as one packed key; 0 is no word, so a bigram is
    ``_pack(0, a, b)``. The inverse of ``_positions``."""
    return (first * _BASE + middle) * _BASE + last


def _positions(key: pl.Expr | pl.Series) -> tuple:
    """The word ids of a packed key, first to last: 0 where a shorter n-gram has none
    (a unigram's id is the last, a bigram's the last two)."""
    return key // (_BASE * _BASE), (key // _BASE) % _BASE, key % _BASE


def _with_terms(counts: pl.DataFrame, vocabulary: pl.DataFrame) -> pl.DataFrame:
    """``counts`` with, per paper and stem (a term), ``first_key`` (its spelling of lowest
    key), ``tf``, ``in_title`` (now of the stem) and ``container_tf``.

    The spellings of a stem share a stem key: their words' stem ids, packed. Numbered
    densely within the batch, a stem packs with its paper into one integer, ``term``.
    Sorted on it, a term's spellings are adjacent, and matching terms is binary search."""
    stem_ids = vocabulary.select(pl.col("stem").rank("dense").cast(pl.UInt64)).to_series()
    of_word = pl.concat([pl.Series([0], dtype=pl.UInt64), stem_ids])  # id 0: no word
    stem_keys = _pack(*(of_word.gather(ids) for ids in _positions(counts["key"])))
    stems = stem_keys.unique().sort()
    rows = counts.with_columns(
        stem_key=stem_keys, term=_term(counts["paper"], stems.search_sorted(stem_keys))
    ).sort("term")
    terms = rows.group_by("term", maintain_order=True).agg(
        pl.col("stem_key").first(),
        first_key=pl.col("key").min(),
        tf=pl.col("n").sum(),
        in_title=pl.col("in_title").any(),
    )
    terms = terms.with_columns(container_tf=_container_tf(terms, stems))
    of_row = rows["term"].rle_id()
    return rows.drop("in_title").with_columns(
        terms.select("first_key", "tf", "in_title", "container_tf")[of_row]
    )


def _term(paper: pl.Series, stem: pl.Series) -> pl.Series:
    """A paper's row number and a stem's dense number in the batch, as one integer."""
    return paper.cast(pl.UInt64) * _TERM_BASE + stem.cast(pl.UInt64)


def _container_tf(terms: pl.DataFrame, stems: pl.Series) -> pl.Series:
    """Per term (``terms`` sorted on it), the ``tf`` of the most frequent longer term of
    the same paper holding it, 0 if none. A bigram holds its two words; a trigram its
    three words and its two bigrams; each is a term of the paper too."""
    first, middle, last = _positions(pl.col("stem_key"))
    trigram = first > 0
    held = (
        terms.filter(middle > 0)
        .select(
            paper=pl.col("term") // _TERM_BASE,
            tf="tf",
            w1=pl.when(trigram).then(first),
            w2=middle,
            w3=last,
            w12=pl.when(trigram).then(_pack(0, first, middle)),
            w23=pl.when(trigram).then(_pack(0, middle, last)),
        )
        .unpivot(index=["paper", "tf"], value_name="stem_key")
        .drop_nulls("stem_key")
    )
    held = (
        held.with_columns(term=_term(held["paper"], stems.search_sorted(held["stem_key"])))
        .group_by("term")
        .agg(pl.col("tf").max())
    )
    at = terms["term"].search_sorted(held["term"])
    return pl.zeros(terms.height, pl.Int64, eager=True).scatter(at, held["tf"])


def _spell(keys: pl.DataFrame, vocabulary: pl.DataFrame) -> pl.DataFrame:
    """``stem`` and ``surface`` of each packed key (id 0 is no word)."""
    w1, w2, w3 = _positions(pl.col("key"))
    spelled = keys.with_columns(w1=w1, w2=w2, w3=w3)
    ids = vocabulary.select(pl.col("id").cast(pl.UInt64), "word", "stem")
    for position in ("w1", "w2", "w3"):
        spelled = spelled.join(
            ids.rename({"id": position, "word": f"{position}_word", "stem": f"{position}_stem"}),
            on=position,
            how="left",
        )

    def joined(part: str) -> pl.Expr:
        columns = [f"{position}_{part}" for position in ("w1", "w2", "w3")]
        return pl.concat_str(columns, separator=" ", ignore_nulls=True)

    return spelled.select("key", stem=joined("stem"), surface=joined("word"))
