"""The keyphrase ranking, one row per paper: the keys of its terms (its share of the
corpus's document frequencies) and its top 10 keyphrases by TF-IDF.

Ranks the papers of int_phrase_targets (all of them on a full build) with the document
frequencies of the whole corpus: the terms of the papers ranked now, counted here, and
the stored term keys of the others, which keep their ranking. The pre-hooks (in
_intermediate.yml) first take the keys of the papers ranked now and of removed papers
out of the stored keys' counts (int_term_frequencies, macros/term_frequencies.sql), then
drop their rows; a post-hook adds the keys of the rows appended.
Rules: orchestration/parsing/phrases.py; the two passes: orchestration/keyphrases.py.
"""

from datetime import UTC, datetime

import polars as pl

from orchestration.incremental import arrow_stream, papers_in
from orchestration.keyphrases import FREQUENCIES, ranking_rows
from orchestration.settings import Settings

#: Papers counted at once: 20,000 papers' words, n-grams and counts take about 1 GB.
BATCH_PAPERS = 20_000


def model(dbt, session):
    dbt.config(materialized="incremental", incremental_strategy="append")
    # refs first, each on its own: dbt finds them by reading this code
    stopwords = dbt.ref("stopwords").pl()["word"]
    targets = dbt.ref("int_phrase_targets")
    papers = dbt.ref("int_papers")
    candidates = dbt.ref("int_keyword_candidates")
    kept = None  # the counts the pre-hooks kept, of the papers not ranked now
    if dbt.is_incremental:
        this = dbt.this
        kept = f'"{this.database}"."{this.schema}"."{dbt.config.get("term_frequencies")}"'

    def untouched(keys: pl.Series) -> pl.DataFrame:
        """The kept counts of the term ``keys`` (those of the papers ranked now)."""
        if kept is None:
            return pl.DataFrame(schema=FREQUENCIES)
        ranked = session.from_arrow(keys.to_frame("stem_key").to_arrow())
        return ranked.query(
            "ranked_term_keys",
            f"select stem_key, df from {kept} where stem_key in (from ranked_term_keys)",
        ).pl()

    # DuckDB gives back the pages earlier models left cached, for the workers
    session.execute(f"set memory_limit = '{dbt.config.get('workers_duckdb_memory')}'")
    rows = ranking_rows(
        papers_in(papers, targets, "paper_id", "title", "abstract", batch_papers=BATCH_PAPERS),
        stopwords,
        n_papers=papers.count("*").fetchall()[0][0],
        candidates=candidates.join(targets, "paper_id").pl(),
        untouched=untouched,
        spill_dir=Settings.from_env().build_dir,
        ranked_at=datetime.now(UTC).replace(tzinfo=None),
    )
    # a relation on dbt's own connection: the rows then land in the same transaction as
    # the append that follows (a stream would be written through a cursor of its own,
    # which that transaction cannot see)
    return session.from_arrow(arrow_stream(rows))
