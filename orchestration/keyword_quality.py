"""Keyword quality against the hand-labelled gold sets in ``tests/fixtures/``.

- Acronyms: precision and recall of (paper, short form, long form) triples, exact match
  (the long form lower-cased, whitespace collapsed), over the papers the gold set covers:
  every paper whose ``paper_id`` starts with 0-3 (a quarter of the sample corpus, all of
  its parenthesised definitions labelled).
- Keyphrases: F1@k of each labelled paper's top-k ``phrase`` keywords against its five
  gold keyphrases, exact match after Snowball (Porter 2) stemming of every word, averaged
  over the 30 papers (macro F1, as in the Inspec evaluations it is compared with).

Run ``uv run python bench/keyword_quality.py`` for the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import snowballstemmer

from orchestration.settings import PROJECT_ROOT

FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
GOLD_ACRONYMS = FIXTURES / "gold_acronyms.csv"
GOLD_KEYPHRASES = FIXTURES / "gold_keyphrases.csv"


def in_acronym_gold_scope(paper_id: pl.Expr) -> pl.Expr:
    """The papers whose acronym definitions were all labelled."""
    return paper_id.str.slice(0, 1).is_in(["0", "1", "2", "3"])


@dataclass(frozen=True)
class AcronymScores:
    predicted: int
    gold: int
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else 0.0


def _normalise(text: pl.Expr) -> pl.Expr:
    return text.str.to_lowercase().str.replace_all(r"\s+", " ").str.strip_chars()


def acronym_scores(predicted: pl.DataFrame, gold: pl.DataFrame) -> AcronymScores:
    """``predicted``: paper_id, keyword, expansion (any papers); ``gold``: paper_id,
    short_form, long_form. Only papers in the gold scope are scored."""
    found = (
        predicted.filter(in_acronym_gold_scope(pl.col("paper_id")))
        .select("paper_id", "keyword", _normalise(pl.col("expansion")).alias("long_form"))
        .unique()
    )
    truth = gold.select(
        "paper_id", pl.col("short_form").alias("keyword"), _normalise(pl.col("long_form"))
    ).unique()
    correct = found.join(truth, on=["paper_id", "keyword", "long_form"], how="semi")
    return AcronymScores(predicted=found.height, gold=truth.height, correct=correct.height)


def stem_phrase(phrase: pl.Expr) -> pl.Expr:
    """Lower-case, split on spaces, stem each word (Snowball English), rejoin."""
    stemmer = snowballstemmer.stemmer("english")
    return (
        _normalise(phrase)
        .str.split(" ")
        .list.eval(
            pl.element().map_batches(
                lambda words: pl.Series(stemmer.stemWords(words.to_list()), dtype=pl.String),
                return_dtype=pl.String,
            )
        )
        .list.join(" ")
    )


@dataclass(frozen=True)
class KeyphraseScores:
    k: int
    precision: float
    recall: float
    f1: float


def keyphrase_scores(predicted: pl.DataFrame, gold: pl.DataFrame, k: int) -> KeyphraseScores:
    """``predicted``: paper_id, surface, rank (1 = best); ``gold``: paper_id, keyphrase.
    Per-paper precision, recall and F1 of the top ``k``, averaged over the gold papers."""
    papers = gold.select("paper_id").unique()
    top = (
        predicted.join(papers, on="paper_id", how="semi")
        .filter(pl.col("rank") <= k)
        .select("paper_id", stem_phrase(pl.col("surface")).alias("stem"))
        .unique()
    )
    truth = gold.select("paper_id", stem_phrase(pl.col("keyphrase")).alias("stem")).unique()
    hits = top.join(truth, on=["paper_id", "stem"], how="semi").group_by("paper_id").len("hits")
    per_paper = (
        papers.join(truth.group_by("paper_id").len("n_gold"), on="paper_id", how="left")
        .join(top.group_by("paper_id").len("n_found"), on="paper_id", how="left")
        .join(hits, on="paper_id", how="left")
        .fill_null(0)
        .with_columns(
            precision=pl.when(pl.col("n_found") > 0).then(pl.col("hits") / pl.col("n_found")),
            recall=pl.col("hits") / pl.col("n_gold"),
        )
        .fill_null(0.0)
        .with_columns(
            f1=pl.when(pl.col("hits") > 0)
            .then(
                2
                * pl.col("precision")
                * pl.col("recall")
                / (pl.col("precision") + pl.col("recall"))
            )
            .otherwise(0.0)
        )
    )
    means = per_paper.select(pl.col("precision", "recall", "f1").mean()).row(0)
    return KeyphraseScores(k, *means)


def load_gold() -> tuple[pl.DataFrame, pl.DataFrame]:
    return pl.read_csv(GOLD_ACRONYMS), pl.read_csv(GOLD_KEYPHRASES)
