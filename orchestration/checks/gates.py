"""The gates: which suite validates which table, over which rows (no Dagster here).

Each gate's query selects the table plus a few derived columns its suite needs
(lengths, reconciliation counts, foreign-key presence), so every expectation is a plain
GX column expectation. The queries are fixed text; no value is spliced into them.

When a gate validates every row of its table, a uniqueness expectation gets only the
rows whose key hashes like another row's key (``rows_with_repeated_keys``): rows with
equal keys hash equally, so GX still sees every repeated key, and decides on the keys
themselves (a hash collision only hands it rows to clear). pandas' ``duplicated`` over
every row took 3.8 to 4 s per compound key of the 11M ``paper_keywords`` rows. The key
hashes come with the rows the other expectations read, in the same query, and sorting
them finds the repeated ones; the rows of those are read only when there are any. A
slice goes to GX in one frame: reading it twice more would cost more than its few keys.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import polars as pl
import pyarrow as pa

from orchestration.checks import GATE_PREFIX
from orchestration.checks.suites import SuiteOutcome, load_suite, raised, split_suite, suite_columns
from orchestration.checks.validation import Given, Verdict, submit
from orchestration.settings import EXPECTATIONS_DIR
from orchestration.warehouse.build_db import rows_where

REPO_TYPES = "('github_repo', 'hf_model', 'hf_dataset', 'hf_space')"
#: What cleaning must have removed from a text (RE2, as the body of an SQL string):
#: doubled, leading or trailing whitespace, a bare LaTeX ``rightarrow``, a LaTeX accent
#: command such as \'e. Matched in DuckDB, so the abstracts never travel to pandas.
MESSY_TEXT = r"""\s{2,}|^\s|\s$|(^|[^A-Za-z])rightarrow|\\[''"`^~][A-Za-z]"""


#: Dumps loaded since the gate last passed (``gate_since``, set by ``start_gate``).
NEW_DUMPS = "(select sha256 from ops.dump_files where loaded_at > getvariable('gate_since'))"
#: Papers with a record in one of those dumps.
NEW_DUMP_PAPERS = f"(select paper_id from staging.stg_records where dump_sha256 in {NEW_DUMPS})"
#: Row predicate: the row's paper has a record in one of those dumps.
OF_NEW_DUMP_PAPERS = f"paper_id in {NEW_DUMP_PAPERS}"
#: Row predicate: the row's paper is in a new dump or had its keyphrases ranked since.
#: One IN over both sets: with an OR of two, DuckDB tested every row against each, which
#: for the 11M rows of paper_keywords took 1.0 to 1.4 s a one-dump slice at 1M, not 0.25 s.
OF_CHANGED_KEYWORD_PAPERS = f"""
    paper_id in (
        {NEW_DUMP_PAPERS}
        union all
        select paper_id from intermediate.int_paper_phrases
        where ranked_at > getvariable('gate_since')
    )
"""


def _in_papers(alias: str, name: str) -> str:
    """A column: the row's paper_id is a paper of int_papers."""
    return (
        "exists (select 1 from intermediate.int_papers as p"
        f" where p.paper_id = {alias}.paper_id) as {name}"
    )


def _url_occurrences(table: str) -> str:
    return f"select u.*, {_in_papers('u', 'paper_exists')} from {table} as u"


def _keyword_candidates(table: str) -> str:
    return (
        "select *, expansion is not null as has_expansion, kind = 'acronym' as is_acronym"
        f" from {table}"
    )


@dataclass(frozen=True)
class Gate:
    """``query`` selects every row of the table (plus derived columns). A gate with a
    ``slice`` validates, once it has passed, only the rows that predicate (over the
    query's rows) picks: what changed since its last pass. A ``since_aware`` query
    narrows itself through ``getvariable('gate_since')`` (NULL: check everything).
    Expectations whose ``meta`` says ``"scope": "table"`` are checked on the one row of
    ``totals`` instead: cheap aggregates over the whole table (counts, reconciliations)."""

    suite: str
    asset_key: tuple[str, ...]
    query: str
    description: str
    slice: str | None = None
    totals: str | None = None
    #: the query itself narrows to what changed when ``gate_since`` is set
    since_aware: bool = False
    #: the slice picks rows of the gated table by row id first (``sliced_query``); the
    #: query must then read the table once, as ``from <table>`` without an alias, and the
    #: slice only read the table's columns
    slice_by_rowid: bool = False

    def __post_init__(self) -> None:
        if self.slice_by_rowid and len(self._table_read.findall(self.query)) != 1:
            raise ValueError(f"{self.name}: the query must read {self.table} once, unaliased")

    @property
    def _table_read(self) -> re.Pattern:
        return re.compile(rf"\bfrom {re.escape(self.table)}\b(?!\s+as\b)")

    def sliced_query(self) -> str:
        """The query over only the rows of the slice.

        Filtering the query's rows works for every gate. But a slice on a scattered key
        (``paper_id`` is a hash) cannot skip any part of the table, so DuckDB read every
        column the query needs for all rows: 1.7 GB of abstracts (1.7 to 2.5 s when not
        cached) to validate 500 papers of ``int_papers`` at 1M. With ``slice_by_rowid``,
        the slice finds its rows' ids first, reading only the key, and the table is then
        read at those ids, which new rows keep together at its end: 0.15 GB, 0.2 s."""
        if not self.slice_by_rowid:
            return f"select * from ({self.query}) as gated where {self.slice}"
        table, alias = self.table, self.asset_key[-1]
        picked = f"(select * from {table} where {rows_where(table, self.slice)}) as {alias}"
        return self._table_read.sub(lambda _: f"from {picked}", self.query)

    @property
    def table(self) -> str:
        """The gated table: its schema and name are the asset key."""
        return ".".join(self.asset_key)

    @property
    def name(self) -> str:
        return f"{GATE_PREFIX}{self.suite}"

    @property
    def suite_path(self):
        return EXPECTATIONS_DIR / f"{self.suite}.json"


GATES: tuple[Gate, ...] = (
    Gate(
        suite="raw_records",
        asset_key=("raw", "records"),
        description="Parsed records: keys present and unique, no page chrome in titles, "
        "abstracts longer than titles, listing dates well-formed.",
        query="""
            select *, length(title) as title_chars, length(abstract) as abstract_chars
            from raw.records
        """,
        slice=f"dump_sha256 in {NEW_DUMPS}",
        totals="select count(*) as n_rows from raw.records",
    ),
    Gate(
        suite="dump_files",
        asset_key=("ops", "dump_files"),
        description="Manifest: every raw line accounted for "
        "(chrome + blank + 2 x records + rejects = lines), statuses valid, hashes well-formed.",
        query="""
            select
                *,
                lines - (chrome_lines + blank_lines + 2 * records + rejects) as unaccounted_lines,
                status in ('loaded', 'empty', 'superseded') as parsed,
                lines is not null as has_line_counts
            from ops.dump_files
        """,
    ),
    Gate(
        suite="rejects",
        asset_key=("ops", "rejects"),
        description="Rejected lines: known reasons, real line numbers, each from a recorded dump.",
        query="""
            select
                r.*,
                exists (
                    select 1 from ops.dump_files as d
                    where d.sha256 = r.dump_sha256 and d.file_name = r.file_name
                ) as dump_recorded
            from ops.rejects as r
        """,
    ),
    Gate(
        suite="stopwords",
        asset_key=("reference", "stopwords"),
        description="Stopword seed: unique lower-case words.",
        query="select * from reference.stopwords",
    ),
    Gate(
        suite="stg_dump_files",
        asset_key=("staging", "stg_dump_files"),
        description="Staged manifest: lines reconcile, dump order exactly for loaded dumps.",
        query="""
            select *, dump_order is not null as has_dump_order, status = 'loaded' as is_loaded
            from staging.stg_dump_files
        """,
    ),
    Gate(
        suite="stg_records",
        asset_key=("staging", "stg_records"),
        description="Cleaned records: paper_id well-formed, no chrome, no LaTeX remnants or "
        "stray whitespace, one staged row per raw row of a loaded dump.",
        query=f"""
            select
                *,
                length(title) as title_chars,
                length(abstract) as abstract_chars,
                case when regexp_matches(abstract, '{MESSY_TEXT}') then abstract end
                    as messy_abstract
            from staging.stg_records
        """,
        slice=f"dump_sha256 in {NEW_DUMPS}",
        totals="""
            select
                count(*) as n_rows,
                count(*) as staged_rows,
                (
                    select count(*) from raw.records as r
                    inner join ops.dump_files as d
                        on r.dump_sha256 = d.sha256 and r.file_name = d.file_name
                    where d.status = 'loaded'
                ) as raw_rows_of_loaded_dumps
            from staging.stg_records
        """,
    ),
    Gate(
        suite="int_papers",
        asset_key=("intermediate", "int_papers"),
        description="Deduplicated papers: one row per paper_id, records >= dumps.",
        query="select * from intermediate.int_papers",
        slice=OF_NEW_DUMP_PAPERS,
        slice_by_rowid=True,
        totals="select count(*) as n_rows from intermediate.int_papers",
    ),
    Gate(
        suite="int_paper_changes",
        asset_key=("intermediate", "int_paper_changes"),
        description="Papers to rebuild: one row per paper, known changes, removed exactly "
        "for papers no longer in int_papers.",
        query=f"""
            select c.*, {_in_papers("c", "in_papers")}, c.change <> 'removed' as not_removed
            from intermediate.int_paper_changes as c
        """,
    ),
    Gate(
        suite="int_abstract_urls_batch",
        asset_key=("intermediate", "int_abstract_urls_batch"),
        description="This build's new URL occurrences, row by row: canonical pattern, one row "
        "per occurrence, paper exists.",
        query=_url_occurrences("intermediate.int_abstract_urls_batch"),
    ),
    Gate(
        suite="int_keyword_candidates_batch",
        asset_key=("intermediate", "int_keyword_candidates_batch"),
        description="This build's new acronyms and title names, row by row: one or two words, "
        "expansion exactly for acronyms.",
        query=_keyword_candidates("intermediate.int_keyword_candidates_batch"),
    ),
    Gate(
        suite="int_paper_state",
        asset_key=("intermediate", "int_paper_state"),
        description="Processed text versions: one per paper of int_papers, none missing.",
        query=f"""
            select s.*, {_in_papers("s", "in_papers")} from intermediate.int_paper_state as s
        """,
        slice=OF_NEW_DUMP_PAPERS,
        totals="""
            select (select count(*) from intermediate.int_papers) - count(*) as papers_missing
            from intermediate.int_paper_state
        """,
    ),
    Gate(
        suite="int_abstract_urls",
        asset_key=("intermediate", "int_abstract_urls"),
        description="URL occurrences: canonical pattern, one row per occurrence, paper exists.",
        query=_url_occurrences("intermediate.int_abstract_urls"),
        slice=OF_NEW_DUMP_PAPERS,
    ),
    Gate(
        suite="int_paper_links",
        asset_key=("intermediate", "int_paper_links"),
        description="Classified links: one row per paper and URL, known types, offsets found.",
        query="select * from intermediate.int_paper_links",
        slice=OF_NEW_DUMP_PAPERS,
    ),
    Gate(
        suite="int_keyword_candidates",
        asset_key=("intermediate", "int_keyword_candidates"),
        description="Acronyms and title names: one or two words, expansion exactly for acronyms.",
        query=_keyword_candidates("intermediate.int_keyword_candidates"),
        slice=OF_NEW_DUMP_PAPERS,
    ),
    Gate(
        suite="int_phrase_ranking",
        asset_key=("intermediate", "int_phrase_ranking"),
        description="Keyphrase ranking (one row per paper), validated on one row of "
        "aggregates: one row per paper of int_papers and none for a paper that is gone; in "
        "the rows ranked since the gate last passed, every paper has terms in ascending key "
        "order (so none twice), at most 10 phrases, and the best phrase is one of the "
        "paper's terms (its MD5 key).",
        query="""
            with ranked as (
                select
                    len(stem_keys) as terms,
                    -- keys are stored in ascending order, so none is there twice when
                    -- each is above the one before (list_distinct takes 13 s at 1M papers)
                    len(list_filter(
                        range(1, len(stem_keys)), lambda i: stem_keys[i] >= stem_keys[i + 1]
                    )) as keys_not_ascending,
                    len(phrases) as phrases,
                    -- the best phrase (a check of every phrase costs 10 s at 1M papers)
                    len(phrases) = 0
                    or list_contains(stem_keys, md5_number_upper(phrases[1].keyword))
                        as phrases_among_terms
                from intermediate.int_phrase_ranking
                where getvariable('gate_since') is null or ranked_at > getvariable('gate_since')
            )

            select
                (select count(*) from intermediate.int_phrase_ranking) as n_rows,
                (
                    select count(*) - count(distinct paper_id)
                    from intermediate.int_phrase_ranking
                ) as duplicate_papers,
                (
                    select count(*) from intermediate.int_papers
                    anti join intermediate.int_phrase_ranking using (paper_id)
                ) as papers_not_ranked,
                (
                    select count(*) from intermediate.int_phrase_ranking
                    anti join intermediate.int_papers using (paper_id)
                ) as unknown_papers,
                count(*) filter (where terms = 0) as papers_without_terms,
                count(*) filter (where keys_not_ascending > 0) as terms_not_ascending,
                coalesce(max(phrases), 0) as most_phrases,
                count(*) filter (where not phrases_among_terms) as phrases_not_among_terms
            from ranked
        """,
        since_aware=True,
    ),
    Gate(
        suite="int_phrase_targets",
        asset_key=("intermediate", "int_phrase_targets"),
        description="Papers to rank this build: one row per paper, each in int_papers.",
        query=f"""
            select t.*, {_in_papers("t", "in_papers")} from intermediate.int_phrase_targets as t
        """,
    ),
    Gate(
        suite="int_paper_phrases",
        asset_key=("intermediate", "int_paper_phrases"),
        description="Keyphrases: ranks 1..10 unique per paper, positive scores.",
        query="select * from intermediate.int_paper_phrases",
        slice="ranked_at > getvariable('gate_since')",
    ),
    Gate(
        suite="papers",
        asset_key=("marts", "papers"),
        description="Papers: paper_id unique and well-formed, no chrome, abstracts longer "
        "than titles, papers <= staged records, dump range ordered.",
        query="""
            select
                *,
                length(title) as title_chars,
                length(abstract) as abstract_chars
            from marts.papers
        """,
        slice=OF_NEW_DUMP_PAPERS,
        slice_by_rowid=True,
        totals="""
            select
                count(*) as n_rows,
                count(*) as papers,
                (select count(*) from staging.stg_records) as staged_records
            from marts.papers
        """,
    ),
    Gate(
        suite="paper_links",
        asset_key=("marts", "paper_links"),
        description="Paper links: canonical URLs (pattern, no trailing punctuation, slash or "
        ".git), known link types, repo_id exactly for repo types, every paper exists.",
        query=f"""
            select
                l.*,
                l.repo_id is not null as has_repo_id,
                l.link_type in {REPO_TYPES} as is_repo_type,
                p.paper_id is not null as paper_exists
            from marts.paper_links as l
            left join marts.papers as p on l.paper_id = p.paper_id
        """,
        slice=OF_NEW_DUMP_PAPERS,
    ),
    Gate(
        suite="links",
        asset_key=("marts", "links"),
        description="Links: one row per canonical URL, pattern, types, repo_id for repo types.",
        query=f"""
            select
                *,
                repo_id is not null as has_repo_id,
                link_type in {REPO_TYPES} as is_repo_type
            from marts.links
        """,
        slice=f"url in (select url from marts.paper_links where {OF_NEW_DUMP_PAPERS})",
    ),
    Gate(
        suite="paper_keywords",
        asset_key=("marts", "paper_keywords"),
        description="Paper keywords: no empty keyword, known kinds, expansion exactly for "
        "acronyms, ranks 1..10 unique per paper and kind, every paper exists.",
        query=r"""
            select
                paper_keywords.*,
                case
                    when not regexp_matches(paper_keywords.keyword, '\S')
                        then paper_keywords.keyword
                end as blank_keyword,
                paper_keywords.expansion is not null as has_expansion,
                paper_keywords.kind = 'acronym' as is_acronym,
                p.paper_id is not null as paper_exists
            from marts.paper_keywords
            left join marts.papers as p on paper_keywords.paper_id = p.paper_id
        """,
        slice=OF_CHANGED_KEYWORD_PAPERS,
        # a one-dump slice at 1M: 0.38 to 0.53 s -> 0.22 to 0.26 s (the same rows)
        slice_by_rowid=True,
    ),
    Gate(
        suite="keywords",
        asset_key=("marts", "keywords"),
        description="Keywords: one row per keyword and kind, none empty, n_papers >= 1.",
        query="select * from marts.keywords",
        # the changed papers' paper_keywords rows picked by row id: a one-dump slice at
        # 1M 0.14 to 0.35 s -> 0.08 to 0.10 s, the same rows
        slice=f"""
            keyword in (
                select keyword from marts.paper_keywords
                where {rows_where("marts.paper_keywords", OF_CHANGED_KEYWORD_PAPERS)}
            )
        """,
    ),
)

GATES_BY_NAME = {gate.name: gate for gate in GATES}


def run_gate(con: duckdb.DuckDBPyConnection, gate: Gate) -> SuiteOutcome:
    """Validate the gate's rows with its suite (``start_gate``) and wait for the verdict."""
    return start_gate(con, gate).outcome()


@dataclass(frozen=True)
class GateRun:
    """A gate whose rows are read and handed to GX; ``outcome`` waits for the verdicts."""

    gate: Gate
    rows: int
    verdicts: tuple[Verdict, ...]
    sliced: bool

    def outcome(self) -> SuiteOutcome:
        outcomes = [o for verdict in self.verdicts for o in verdict.result().outcomes]
        return SuiteOutcome(self.gate.suite, rows=self.rows, outcomes=outcomes, sliced=self.sliced)


def start_gate(con: duckdb.DuckDBPyConnection, gate: Gate) -> GateRun:
    """Read the gate's rows and hand them to GX: all rows, or only the slice changed since
    its last pass (a gate that has never passed, or failed last time, sees every row).
    Table-scope expectations run on the totals row. A query that fails fails the gate.
    Each part goes to GX as soon as it is read, so that GX validates it while the next
    is read (``orchestration/checks/validation.py``); the run keeps the verdicts to come,
    not the rows."""
    since = None
    verdicts: list[Verdict] = []
    rows = 0
    try:
        since = last_pass(con, gate) if gate.slice or gate.since_aware else None
        con.execute("set variable gate_since = ?::timestamp", [since])
        rows_suite = load_suite(gate.suite_path, scope="rows" if gate.totals else None)
        rows_query = gate.query
        if since is not None and gate.slice:
            rows_query = gate.sliced_query()
        # uniqueness on its own rows for a whole table only (module docs)
        per_row, uniqueness = (
            split_suite(rows_suite, UNIQUENESS) if since is None else (rows_suite, [])
        )
        keys = [suite_columns(one) for one in uniqueness]
        table, key_hashes = _fetch(con, rows_query, suite_columns(per_row), keys)
        rows = table.num_rows
        verdicts.append(submit(table, per_row))
        del table
        for one, key, hashes in zip(uniqueness, keys, key_hashes, strict=True):
            verdicts.append(submit(rows_with_repeated_keys(con, rows_query, key, hashes), one))
        if gate.totals:
            totals = con.sql(gate.totals).to_arrow_table()
            verdicts.append(submit(totals, load_suite(gate.suite_path, scope="table")))
    except duckdb.Error as error:  # after the verdicts of what was read, if any
        verdicts.append(Given(raised(gate.suite, "gate_query", str(error), rows=rows)))
    return GateRun(gate, rows, tuple(verdicts), sliced=since is not None)


NULL_CHECK = "expect_column_values_to_not_be_null"
#: Expectations that a column, or a combination of columns, never repeats.
UNIQUENESS = ("expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique")
#: Numbers reach GX's pandas as 64-bit: GX compares only int64 and float64 columns
#: column-wise, and anything else one Python call per row (15 s for 11M ranks).
WIDER = {
    "TINYINT": "BIGINT",
    "SMALLINT": "BIGINT",
    "INTEGER": "BIGINT",
    "UTINYINT": "BIGINT",
    "USMALLINT": "BIGINT",
    "UINTEGER": "BIGINT",
    "FLOAT": "DOUBLE",
}


def _rows(con: duckdb.DuckDBPyConnection, query: str, columns: dict[str, set[str]]) -> pa.Table:
    """The query's rows, narrowed to what the suite reads (``_fetch``)."""
    return _fetch(con, query, columns)[0]


def _fetch(
    con: duckdb.DuckDBPyConnection,
    query: str,
    columns: dict[str, set[str]],
    keys: Sequence[dict[str, set[str]]] = (),
) -> tuple[pa.Table, list[pa.ChunkedArray | None]]:
    """The query's rows narrowed to what the suite reads: only its columns, and a column
    it only checks for nulls as a flag (NULL or true), so wide text such as abstracts
    stays in DuckDB. A column the query lacks is left out, so GX reports that
    expectation as raised (a failure). With ``keys``, read in the same pass: the hash of
    each key per row (None for a key with a column the query lacks)."""
    relation = con.sql(query)
    types = dict(zip(relation.columns, map(str, relation.types), strict=True))
    wanted = [name for name in columns if name in types] or list(types)
    projection = [
        f'case when "{name}" is not null then true end as "{name}"'
        if columns.get(name) == {NULL_CHECK}
        else f'"{name}"::{WIDER[types[name]]} as "{name}"'
        if types[name] in WIDER
        else f'"{name}"'
        for name in wanted
    ]
    names = [f"__key_hash_{number}" for number in range(len(keys))]
    hashed = {name: key for name, key in zip(names, keys, strict=True) if set(key) <= types.keys()}
    projection += [f'{_key_hash(key)} as "{name}"' for name, key in hashed.items()]
    table = con.sql(f"select {', '.join(projection)} from ({query}) as gated").to_arrow_table()
    hashes = [table[name] if name in hashed else None for name in names]
    return table.drop_columns(list(hashed)), hashes


def _key_hash(key: dict[str, set[str]]) -> str:
    return "hash(" + ", ".join(f'"{name}"' for name in key) + ")"


def rows_with_repeated_keys(
    con: duckdb.DuckDBPyConnection,
    query: str,
    key: dict[str, set[str]],
    hashes: pa.ChunkedArray | None = None,
) -> pa.Table:
    """The ``key`` columns of the rows of ``query`` whose key hashes like another row's:
    every row with a repeated key, and at worst a few more (a hash collision). ``hashes``
    are the key hashes of the query's rows when already read (``_fetch``). A key column
    the query lacks gives every row without it, as ``_rows`` does, so GX reports the
    expectation as raised."""
    if not set(key) <= set(con.sql(query).columns):
        return _rows(con, query, key)
    if hashes is None:
        hashes = con.sql(f"select {_key_hash(key)} from ({query}) as gated").to_arrow_table()[0]
    repeated = _repeated(hashes)
    if repeated.is_empty():
        return _rows(con, f"select * from ({query}) as gated limit 0", key)
    con.register("repeated_key_hashes", repeated.to_frame("key_hash").to_arrow())
    try:
        return _rows(
            con,
            f"select * from ({query}) as gated"
            f" where {_key_hash(key)} in (select key_hash from repeated_key_hashes)",
            key,
        )
    finally:
        con.unregister("repeated_key_hashes")


def _repeated(hashes: pa.ChunkedArray) -> pl.Series:
    """The values that occur more than once, each once. Sorted neighbours: for the 11M
    key hashes of ``paper_keywords``, 0.3 to 0.5 s, against 2.4 to 2.8 s for polars'
    hash-based ``is_duplicated`` and 1.3 to 3.4 s for DuckDB's ``group by``."""
    ordered = pl.from_arrow(hashes).sort()
    equal = ordered.slice(1) == ordered.slice(0, max(len(ordered) - 1, 0))
    return ordered.slice(1).filter(equal).unique()


def last_pass(con: duckdb.DuckDBPyConnection, gate: Gate) -> datetime | None:
    """When the gate last passed, if its latest evaluation passed; else None (also when
    the build database has no gate history yet)."""
    try:
        rows = con.execute(
            "select success, evaluated_at from ops.gate_results where gate = ?"
            " order by evaluated_at desc limit 1",
            [gate.name],
        ).fetchall()  # fetch everything: a half-read result blocks the next query
    except duckdb.CatalogException:
        return None
    return rows[0][1] if rows and rows[0][0] else None


def record_gate_result(
    con: duckdb.DuckDBPyConnection, gate: Gate, outcome: SuiteOutcome, run_id: str | None
) -> None:
    """Append the outcome to ``ops.gate_results`` (the history BI users see)."""
    details = [
        {"expectation": o.expectation, "column": o.column, "success": o.success, "raised": o.raised}
        for o in outcome.outcomes
    ]
    con.execute(
        "insert into ops.gate_results values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run_id,
            gate.name,
            gate.table,
            outcome.success,
            len(outcome.outcomes),
            len(outcome.failed),
            len(outcome.raised),
            outcome.rows,
            json.dumps({"summary": outcome.summary(), "expectations": details}),
            datetime.now(UTC).replace(tzinfo=None),
        ],
    )
