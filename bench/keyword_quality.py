"""Keyword quality of the published warehouse against the hand-labelled gold sets.

    uv run paperhouse refresh                  # build from the bundled samples first
    uv run python bench/keyword_quality.py     # acronym P/R, keyphrase F1@5/@10, top 20
    uv run python bench/keyword_quality.py --time 100000   # acronym extraction speed

Prints acronym precision and recall, keyphrase precision, recall and F1 at 5 and 10, the
20 keywords with the most papers, and with ``--time N`` how long the Schwartz-Hearst
extraction takes over N abstracts (the sample abstracts repeated).
"""

from __future__ import annotations

import argparse
import sys
import time

import duckdb
import polars as pl

from orchestration.keyword_quality import acronym_scores, keyphrase_scores, load_gold
from orchestration.parsing.acronyms import acronym_definitions
from orchestration.settings import Settings


def report_quality(connection: duckdb.DuckDBPyConnection) -> None:
    keywords = connection.sql("select * from paper_keywords").pl()
    gold_acronyms, gold_keyphrases = load_gold()
    acronyms = acronym_scores(keywords.filter(pl.col("kind") == "acronym"), gold_acronyms)
    print(
        f"acronyms    precision {acronyms.precision:.3f}  recall {acronyms.recall:.3f}"
        f"  ({acronyms.correct} correct of {acronyms.predicted} found, {acronyms.gold} in gold)"
    )
    phrases = keywords.filter(pl.col("kind") == "phrase")
    for k in (5, 10):
        s = keyphrase_scores(phrases, gold_keyphrases, k)
        scores = f"precision {s.precision:.3f}  recall {s.recall:.3f}  F1 {s.f1:.3f}"
        print(f"keyphrases  @{k:<2}  {scores}")
    print("\ntop 20 keywords by papers")
    top = connection.sql(
        "select keyword, kind, coalesce(expansion, '') as expansion, n_papers from keywords "
        "order by n_papers desc, keyword, kind limit 20"
    ).fetchall()
    for keyword, kind, expansion, n_papers in top:
        print(f"  {n_papers:>4}  {kind:<10}  {keyword:<32}  {expansion}")


def time_acronyms(connection: duckdb.DuckDBPyConnection, n_abstracts: int) -> None:
    papers = connection.sql("select paper_id, title || ' . ' || abstract as text from papers").pl()
    repeats = -(-n_abstracts // papers.height)
    corpus = (
        pl.concat([papers] * repeats)
        .head(n_abstracts)
        .with_columns(
            pl.concat_str("paper_id", pl.int_range(pl.len()).cast(pl.String), separator="-")
        )
    )
    started = time.perf_counter()
    found = acronym_definitions(corpus, text="text")
    seconds = time.perf_counter() - started
    per_100k = seconds * 100_000 / n_abstracts
    print(
        f"acronym extraction: {n_abstracts} abstracts in {seconds:.2f} s "
        f"({per_100k:.2f} s per 100k abstracts, {found.height} definitions)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--time", type=int, metavar="N", help="time acronym extraction on N abstracts"
    )
    args = parser.parse_args(argv)
    served = Settings.from_env().served_db
    if not served.exists():
        print(f"no warehouse at {served}: run `uv run paperhouse refresh` first", file=sys.stderr)
        return 2
    with duckdb.connect(str(served), read_only=True) as connection:
        if args.time:
            time_acronyms(connection, args.time)
        else:
            report_quality(connection)
    return 0


if __name__ == "__main__":
    sys.exit(main())
