"""A refresh rebuilds only what its new dumps change, and the result is the warehouse a
single refresh over all dumps would build.

The per-paper models rebuild only the papers a new or corrected dump adds, changes or
removes (int_paper_changes). Keyphrases are the one deliberate exception to "equal to a
build from scratch": the papers a refresh does not touch keep the ranking made with the
corpus statistics of their own build, until the corpus outgrows the oldest ranking by
PAPERHOUSE_PHRASE_RERANK_GROWTH (or ``refresh --full``), which ranks every paper again.
"""

import os

import dagster as dg
import duckdb
import pytest

from orchestration.refresh import open_instance
from orchestration.warehouse import publish
from tests.conftest import GROWTH_ENV, SAMPLE_FILES, build_query, make_settings, refresh

PER_PAPER_MODELS = (
    "int_phrase_ranking",
    "int_abstract_urls",
    "int_keyword_candidates",
    "int_paper_links",
    "int_paper_phrases",
)
EXACT_MARTS = {
    "papers": "select * from main.papers",
    "paper_links": "select * from main.paper_links",
    "links": "select * from main.links",
    "paper_keywords": "select * from main.paper_keywords where kind <> 'phrase'",
    "keywords": "select * from main.keywords where kind <> 'phrase'",
}
ALL_MARTS = {t: f"select * from main.{t}" for t in EXACT_MARTS}
PHRASES = "select * from main.paper_keywords where kind = 'phrase'"


#: The document frequencies of the stored rankings: as kept beside them, and as counted
KEPT_FREQUENCIES = "select stem_key, df from int_term_frequencies order by all"
COUNTED_FREQUENCIES = """
    select key, count(*) from (select unnest(stem_keys) as key from int_phrase_ranking)
    group by key order by all
"""


def assert_frequencies_kept(settings) -> None:
    kept = build_query(settings, KEPT_FREQUENCIES)
    assert kept and kept == build_query(settings, COUNTED_FREQUENCIES)


def assert_digests_kept(settings) -> None:
    """The key digests every mart's hooks kept (macros/mart_digests.sql) are those of the
    mart's rows, group by group, grouped by the keys publish patches by."""
    for mart in publish.MART_TABLES:
        key = ", ".join(publish.PATCH_KEYS[mart])
        kept = build_query(
            settings,
            f"select key_hash, n, digest from int_mart_digests where mart = '{mart}' order by all",
        )
        counted = build_query(
            settings,
            f"select hash({key}), count(*), bit_xor(hash(t)) from marts.{mart} as t"
            " group by all order by all",
        )
        assert kept and kept == counted, mart


#: The marts that count papers per key, counted again from every row
#: (dbt_project/macros/counted_by_change.sql)
COUNTED = {
    "keywords": """
        with expansions as (
            select keyword, kind, expansion
            from marts.paper_keywords
            where expansion is not null
            group by keyword, kind, expansion
            qualify row_number() over (
                partition by keyword, kind order by count(*) desc, expansion
            ) = 1
        )
        select
            keywords.keyword, keywords.kind, any_value(expansions.expansion), count(*)::integer,
            min(papers.first_seen_dump), max(papers.last_seen_dump)
        from marts.paper_keywords as keywords
        inner join int_papers as papers on keywords.paper_id = papers.paper_id
        left join expansions
            on keywords.keyword = expansions.keyword and keywords.kind = expansions.kind
        group by keywords.keyword, keywords.kind
        order by all
    """,
    "links": """
        select
            links.url, any_value(links.link_type), any_value(links.host),
            any_value(links.repo_id), count(distinct links.paper_id)::integer,
            min(papers.first_seen_dump), max(papers.last_seen_dump)
        from marts.paper_links as links
        inner join int_papers as papers on links.paper_id = papers.paper_id
        group by links.url
        order by all
    """,
}


def assert_counts_kept(settings, by_change: bool = True) -> None:
    """The keywords and links marts hold what counting every row gives, and they were
    built ``by_change`` (from the rows that changed) or not."""
    for mart, recount in COUNTED.items():
        kept = build_query(settings, f"select * from marts.{mart} order by all")
        assert kept and kept == build_query(settings, recount), mart
        compiled = settings.dbt_target_dir / f"compiled/paperhouse/models/marts/{mart}.sql"
        assert ("from count_updates" in compiled.read_text()) == by_change, mart


def resummed_sql(settings) -> str | None:
    """The SQL with which int_papers' last build found the papers whose records changed
    (temp table papers_resummed), from dbt's log; None when it built every paper."""
    log = (settings.dbt_target_dir / "dbt.log").read_text()
    start = log.rindex("Began running node model.paperhouse.int_papers\n")
    build = log[start : log.index("Finished running node model.paperhouse.int_papers", start)]
    at = build.find("create or replace temp table papers_resummed")
    return None if at < 0 else build[at : build.index("SQL status", at)]


def assert_papers_compared(settings, only_added: bool | None, logged: bool = True) -> None:
    """int_papers kept the dump pairs it was built from, and summed up the records of the
    papers with a record in a new dump only (``only_added``: no dump left since its last
    build), of every paper (False) or built every paper (None: macros/incremental_dumps.sql).
    int_paper_changes compared, and int_paper_state copied again, the papers int_papers
    logged as changed (``logged``) or every paper; the state is int_papers' hashes, and
    the log is empty again (macros/papers_changed_log.sql)."""
    kept = build_query(settings, "select * from int_papers_dumps order by all")
    staged = build_query(
        settings, "select distinct dump_sha256, dump_name from staging.stg_records order by all"
    )
    assert kept and kept == staged
    resummed = resummed_sql(settings)
    if only_added is None:
        assert resummed is None
    else:
        assert resummed is not None
        assert ("where dump_sha256 in (" in resummed) == only_added
    hashes = "select paper_id, text_hash, records_hash from {} order by all"
    assert build_query(settings, hashes.format("int_paper_state")) == build_query(
        settings, hashes.format("int_papers")
    )
    assert build_query(settings, "select count(*) from int_papers_changed") == [(0,)]
    compiled = settings.dbt_target_dir / "compiled/paperhouse/models"
    for model in ("intermediate/int_paper_changes.sql", "marts/int_paper_state.sql"):
        assert ('"int_papers_changed"' in (compiled / model).read_text()) == logged, model


def rows(result, sql: str) -> list[tuple]:
    return sorted(result.query(sql), key=repr)


def phrases_by_paper(result) -> dict[str, list[tuple]]:
    grouped: dict[str, list[tuple]] = {}
    for row in rows(result, PHRASES):
        grouped.setdefault(row[0], []).append(row)
    return grouped


def with_growth(value: str, action):
    before = os.environ.get(GROWTH_ENV)
    os.environ[GROWTH_ENV] = value
    try:
        return action()
    finally:
        if before is None:
            os.environ.pop(GROWTH_ENV)
        else:
            os.environ[GROWTH_ENV] = before


@pytest.fixture(scope="module")
def dump_by_dump(tmp_path_factory, dbt_manifest):
    """Refresh the first two sample dumps, then again with the third added (keyphrase
    re-ranking held off, so the incremental ranking is what gets tested; the served file
    patched whatever share of it changed, so the patched copy is what gets compared). The
    tests below run in file order, and the later ones refresh this warehouse further."""
    first, second, third = SAMPLE_FILES
    settings = make_settings(
        tmp_path_factory.mktemp("incremental"), {p.name: p.read_bytes() for p in (first, second)}
    )
    two_dumps = refresh(settings)
    assert two_dumps.report.success
    phrases_before = phrases_by_paper(two_dumps)
    (settings.landing_dir / third.name).write_bytes(third.read_bytes())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(publish, "PATCH_MAX_SHARE", 1.0)
        result = with_growth("1000", lambda: refresh(settings))
    assert result.report.success
    return result, phrases_before


def test_dump_by_dump_equals_all_at_once_but_for_untouched_rankings(dump_by_dump, sample_refresh):
    result, phrases_before = dump_by_dump
    for table, sql in EXACT_MARTS.items():
        assert rows(result, sql) == rows(sample_refresh, sql), table

    assert_frequencies_kept(result.settings)
    assert_digests_kept(result.settings)
    assert_counts_kept(result.settings)
    ranked = {p for (p,) in build_query(result.settings, "select * from int_phrase_targets")}
    now, from_scratch = phrases_by_paper(result), phrases_by_paper(sample_refresh)
    assert ranked and set(now) == set(from_scratch)
    for paper_id, phrases in now.items():
        # ranked in this build: exactly as from scratch; untouched: as the build before
        expected = from_scratch if paper_id in ranked else phrases_before
        assert phrases == expected[paper_id], paper_id


def test_only_the_new_dumps_papers_were_rebuilt(dump_by_dump):
    settings = dump_by_dump[0].settings
    third = SAMPLE_FILES[2].name
    changes = dict(
        build_query(settings, "select change, count(*) from int_paper_changes group by 1")
    )
    in_third = build_query(
        settings,
        f"select count(distinct paper_id) from staging.stg_records where dump_name = '{third}'",
    )[0][0]
    # every rebuilt paper is one the third dump brought or rewrote, and not all of them:
    # a paper it repeats word for word keeps its rows
    assert set(changes) <= {"added", "changed"}
    assert 0 < changes["added"] + changes.get("changed", 0) < in_third
    outside = build_query(
        settings,
        "select count(*) from int_paper_changes where paper_id not in"
        f" (select paper_id from staging.stg_records where dump_name = '{third}')",
    )[0][0]
    assert outside == 0
    assert build_query(settings, "select count(*) from int_phrase_targets") == [
        (sum(changes.values()),)
    ]
    assert_papers_compared(settings, only_added=True)


def test_the_publish_patched_the_served_file_copied_ahead(dump_by_dump):
    with open_instance(dump_by_dump[0].settings) as instance:
        event = instance.get_latest_materialization_event(dg.AssetKey("served_warehouse"))
    metadata = {key: value.value for key, value in event.asset_materialization.metadata.items()}
    assert metadata["patched"] and metadata["copied_ahead"]
    # the file the first refresh published was untouched: only the patched rows were read
    assert metadata["checked_patched_only"]
    # every mart's digests were read as the build kept them, not hashed
    assert metadata["kept_digests"] == list(publish.MART_TABLES)


def test_corpus_growth_ranks_every_paper_again(dump_by_dump, sample_refresh):
    settings = dump_by_dump[0].settings
    # no new dump; any growth since the oldest ranking (the two-dump one) is too much
    result = with_growth("0", lambda: refresh(settings))
    assert result.report.success
    assert build_query(settings, "select count(*) from int_phrase_targets") == [(494,)]
    assert build_query(settings, "select count(*) from int_paper_changes") == [(0,)]
    assert_papers_compared(settings, only_added=True)
    for table, sql in ALL_MARTS.items():
        assert rows(result, sql) == rows(sample_refresh, sql), table
    assert_frequencies_kept(settings)
    assert_digests_kept(settings)
    assert_counts_kept(settings)


def test_corrected_dump_removes_its_paper_everywhere(dump_by_dump):
    settings = dump_by_dump[0].settings
    third = settings.landing_dir / SAMPLE_FILES[2].name
    # a paper that only the third dump holds, with links (so links counts a paper gone):
    # drop its title and abstract lines
    paper_id, line_number = build_query(
        settings,
        f"""
        select paper_id, min(line_number) from staging.stg_records
        where paper_id in (select paper_id from int_paper_links)
        group by paper_id
        having count(distinct dump_name) = 1 and min(dump_name) = '{third.name}'
        order by paper_id limit 1
        """,
    )[0]
    counts_before = {
        m: build_query(settings, f"select count(*) from {m} where paper_id <> '{paper_id}'")[0][0]
        for m in PER_PAPER_MODELS
    }
    lines = third.read_bytes().splitlines(keepends=True)
    del lines[line_number - 1 : line_number + 1]
    third.write_bytes(b"".join(lines))

    result = with_growth("1000", lambda: refresh(settings))

    assert result.report.success
    assert build_query(settings, "select paper_id, change from int_paper_changes") == [
        (paper_id, "removed")
    ]
    for model in PER_PAPER_MODELS:
        assert build_query(settings, f"select count(*) from {model}")[0][0] == counts_before[model]
    for table in ("papers", "paper_links", "paper_keywords"):
        assert result.query(
            f"select count(*) from main.{table} where paper_id = ?", [paper_id]
        ) == [(0,)]
    assert result.scalar("select count(*) from main.papers") == 493
    # the dump's old version left: every paper's records compared
    assert_papers_compared(settings, only_added=False)
    assert_frequencies_kept(settings)
    assert_digests_kept(settings)
    assert_counts_kept(settings)


def test_full_refresh_rebuilds_every_paper(dump_by_dump):
    settings = dump_by_dump[0].settings
    result = refresh(settings, full_refresh=True)
    assert result.report.success
    assert build_query(settings, "select distinct change from int_paper_changes") == [("added",)]
    assert build_query(settings, "select count(*) from int_phrase_targets") == [(493,)]
    assert rows(result, "select count(*) from main.papers") == [(493,)]
    assert_papers_compared(settings, only_added=None, logged=False)
    assert_frequencies_kept(settings)
    assert_digests_kept(settings)
    assert_counts_kept(settings, by_change=False)


def third_dump_on_an_older_build(tmp_path, sample_refresh, make_older: str):
    """The first two dumps refreshed, the build then changed by ``make_older`` (SQL) to
    what an older version left, the third dump refreshed: the result is still the
    warehouse a single refresh over all dumps builds. Its settings."""
    first, second, third = SAMPLE_FILES
    settings = make_settings(tmp_path, {p.name: p.read_bytes() for p in (first, second)})
    assert refresh(settings).report.success
    con = duckdb.connect(str(settings.build_db))
    con.execute(make_older)
    con.close()
    (settings.landing_dir / third.name).write_bytes(third.read_bytes())

    result = with_growth("1000", lambda: refresh(settings))

    assert result.report.success
    for table, sql in EXACT_MARTS.items():
        assert rows(result, sql) == rows(sample_refresh, sql), table
    return settings


def test_a_build_without_kept_frequencies_counts_them_once(tmp_path, sample_refresh):
    """A build from before int_term_frequencies: its first incremental build counts the
    stored keys, then keeps the counts as every build does."""
    settings = third_dump_on_an_older_build(
        tmp_path, sample_refresh, "drop table intermediate.int_term_frequencies"
    )
    assert_frequencies_kept(settings)


def test_a_build_without_kept_digests_digests_its_marts_once(tmp_path, sample_refresh):
    """A build from before int_mart_digests: its first incremental build digests every row
    of the per-paper marts, then keeps the digests as every build does."""
    settings = third_dump_on_an_older_build(
        tmp_path, sample_refresh, "drop table intermediate.int_mart_digests"
    )
    assert_digests_kept(settings)
    assert_counts_kept(settings)


def test_a_build_without_counted_logs_counts_every_row_once(tmp_path, sample_refresh):
    """A build from before keywords and links counted by change: its first incremental
    build counts every row and starts the logs the next builds count."""
    logs = [f"int_{mart}_counted_{what}" for mart in COUNTED for what in ("spans", "rows")]
    settings = third_dump_on_an_older_build(
        tmp_path, sample_refresh, ";".join(f"drop table intermediate.{log}" for log in logs)
    )
    assert_counts_kept(settings, by_change=False)
    for log in logs:
        assert build_query(settings, f"select count(*) from {log}") == [(0,)]


def test_a_build_without_kept_dumps_compares_every_papers_records_once(tmp_path, sample_refresh):
    """A build from before int_papers_dumps: its first incremental build compares the
    records of every paper, then keeps the dumps it was built from."""
    settings = third_dump_on_an_older_build(
        tmp_path, sample_refresh, "drop table intermediate.int_papers_dumps"
    )
    assert_papers_compared(settings, only_added=False)


def test_a_build_without_the_changed_papers_log_compares_every_paper_once(tmp_path, sample_refresh):
    """A build from before int_papers_changed: its first incremental build compares every
    paper with int_paper_state, then starts the log."""
    settings = third_dump_on_an_older_build(
        tmp_path, sample_refresh, "drop table intermediate.int_papers_changed"
    )
    assert_papers_compared(settings, only_added=True, logged=False)
    assert_digests_kept(settings)
    assert_counts_kept(settings)


def test_a_ranking_without_key_counts_gets_them_once(tmp_path, sample_refresh):
    """A build from before int_phrase_ranking's n_keys: its first incremental build fills
    it in for the stored rows; the new rows come with theirs."""
    settings = third_dump_on_an_older_build(
        tmp_path, sample_refresh, "alter table intermediate.int_phrase_ranking drop column n_keys"
    )
    assert build_query(
        settings,
        "select count(*), count(*) filter (where n_keys = len(stem_keys)) from int_phrase_ranking",
    ) == [(494, 494)]
    assert_frequencies_kept(settings)


def test_state_without_records_hash_rebuilds_the_papers_mart(tmp_path, sample_refresh):
    """A build from before int_paper_state kept records_hash: the papers mart cannot tell
    which papers a new dump lists again, so it rebuilds every paper once (and keywords
    and links count every row: the papers mart logs no ranges for a rebuild of every
    paper)."""
    settings = third_dump_on_an_older_build(
        tmp_path,
        sample_refresh,
        "alter table intermediate.int_paper_state drop column records_hash",
    )
    assert build_query(settings, "select count(records_hash) from int_paper_state") == [(494,)]
    assert_digests_kept(settings)
    assert_counts_kept(settings, by_change=False)
