{#- The keywords mart kept up to date by what changed, instead of counted again from all
    of paper_keywords on every build (at 1M papers, 11M rows joined to the papers' dump
    ranges and grouped: 0.7 to 1.3 s of a one-dump refresh). Recounting only the keywords
    a build touched saves nothing: the 500 papers of a dump share their keywords with
    more than half of those rows.

    Two tables in the intermediate schema keep what the mart has counted:
    - int_keyword_changes, the rows paper_keywords deleted (-1) and appended (+1) since
      keywords last caught up, written by paper_keywords' hooks in its transaction;
    - int_keyword_spans, the dump range (and records_hash) of every paper as keywords
      last counted it, written by keywords' post-hook in its transaction, where the
      changes are also cleared.
    So a refresh that dies between the two models leaves the changes for the next build,
    and one that dies in keywords leaves both as they were.

    The papers to count again are those with logged changes and those whose records
    changed (their dump range may have moved). For each keyword of theirs:
    - n_papers moves by the rows appended less the rows deleted;
    - the dump range widens to their rows' ranges now;
    - a row counted before with a range its paper no longer covers (deleted, or the
      paper's range shrank) may have been the one that set the keyword's first or last
      dump: such keywords are recounted from all their rows (rare: a new dump only
      widens ranges);
    - the expansion is chosen again from all its rows (acronyms only: 0.01 s).
    Without these tables (the first build, a build by an older version, or after
    paper_keywords was built from scratch), keywords counts every row. -#}

{% macro keyword_changes_table() -%}
    {{- return(this.incorporate(path={'schema': 'intermediate', 'identifier': 'int_keyword_changes'})) -}}
{%- endmacro %}

{% macro keyword_spans_table() -%}
    {{- return(this.incorporate(path={'schema': 'intermediate', 'identifier': 'int_keyword_spans'})) -}}
{%- endmacro %}

{#- Whether both tables exist, asked of the database (not of dbt's relation cache, which
    does not see paper_keywords' hook drop them) -#}
{% macro keyword_counts_kept() %}
    {%- if not execute %}
        {{- return(false) }}
    {%- endif %}
    {%- set found = run_query(
        "select count(*) from duckdb_tables() where database_name = '" ~ this.database
        ~ "' and schema_name = 'intermediate'"
        ~ " and table_name in ('int_keyword_changes', 'int_keyword_spans')"
    ) %}
    {{- return(found.columns[0].values()[0] == 2) }}
{% endmacro %}

{#- keywords counts only what changed: an incremental build with both tables kept -#}
{% macro keywords_counted_by_change() %}
    {{- return(is_incremental() and keyword_counts_kept()) }}
{% endmacro %}

{#- paper_keywords' pre-hook (sign -1, before its delete) and post-hook (sign 1, after its
    append): log the rows of `papers` (a parenthesised subquery of paper ids). A build of
    paper_keywords from scratch drops both tables instead, so keywords counts every row. -#}
{% macro log_keyword_changes(papers, sign) %}
    {%- set changes = keyword_changes_table() %}
    {%- if is_incremental() -%}
        create table if not exists {{ changes }} (
            paper_id varchar not null, keyword varchar not null, kind varchar not null,
            change tinyint not null
        );
        insert into {{ changes }}
        select paper_id, keyword, kind, {{ sign }} from {{ this }}
        where {% call rows_where(this) %} paper_id in {{ papers }} {% endcall %}
    {%- elif sign > 0 -%}
        drop table if exists {{ changes }};
        drop table if exists {{ keyword_spans_table() }}
    {%- endif -%}
{% endmacro %}

{#- keywords' pre-hook. Counting by change: temp table keyword_updates, the new rows of
    the keywords touched (n_papers 0 for one now gone), whose old rows it deletes.
    Counting every row: on an incremental build, every row deleted. -#}
{% macro count_keyword_changes() %}
    {%- if not is_incremental() %}
        {{- return('') }}
    {%- elif not keyword_counts_kept() %}
        {{- return('delete from ' ~ this) }}
    {%- endif %}
    {%- set changes = keyword_changes_table() %}
    {%- set spans = keyword_spans_table() %}
    {%- set papers = ref('int_papers') %}
    {%- set paper_keywords = ref('paper_keywords') %}
    -- the papers with logged rows, and those whose records changed since last counted
    create or replace temp table keyword_papers as
    select paper_id from {{ changes }}
    union
    select coalesce(papers.paper_id, kept.paper_id)
    from (select paper_id, records_hash from {{ papers }}) as papers
    full outer join {{ spans }} as kept on papers.paper_id = kept.paper_id
    where papers.records_hash is distinct from kept.records_hash;

    -- their (paper, keyword) rows: whether each is in paper_keywords now, and whether it
    -- was when keywords last counted (now less the logged changes)
    create or replace temp table keyword_rows as
    with now as (
        select paper_id, keyword, kind from {{ paper_keywords }}
        where {% call rows_where(paper_keywords) %} paper_id in (from keyword_papers) {% endcall %}
    ),

    logged as (
        select paper_id, keyword, kind, sum(change)::integer as net
        from {{ changes }}
        group by paper_id, keyword, kind
    )

    select
        coalesce(now.paper_id, logged.paper_id) as paper_id,
        coalesce(now.keyword, logged.keyword) as keyword,
        coalesce(now.kind, logged.kind) as kind,
        (now.paper_id is not null)::integer as is_now,
        (now.paper_id is not null)::integer - coalesce(logged.net, 0) as was
    from now
    full outer join logged
        on now.paper_id = logged.paper_id and now.keyword = logged.keyword and now.kind = logged.kind;

    -- per keyword touched: the change in papers, the dump range its rows span now, and the
    -- range of the rows counted before that their paper no longer covers
    create or replace temp table keyword_updates as
    with ranged as (
        select
            keyword_rows.*,
            papers.first_seen_dump as first_now,
            papers.last_seen_dump as last_now,
            kept.first_seen_dump as first_before,
            kept.last_seen_dump as last_before
        from keyword_rows
        left join (
            select paper_id, first_seen_dump, last_seen_dump from {{ papers }}
            where {% call rows_where(papers) %} paper_id in (from keyword_papers) {% endcall %}
        ) as papers on keyword_rows.paper_id = papers.paper_id
        left join {{ spans }} as kept on keyword_rows.paper_id = kept.paper_id
    ),

    touched as (
        select
            keyword,
            kind,
            sum(is_now - was) as added,
            min(first_now) filter (where is_now = 1) as first_now,
            max(last_now) filter (where is_now = 1) as last_now,
            min(first_before) filter (where was = 1 and not covered) as first_lost,
            max(last_before) filter (where was = 1 and not covered) as last_lost
        from (
            select
                *,
                coalesce(
                    is_now = 1 and first_now <= first_before and last_now >= last_before, false
                ) as covered
            from ranged
        )
        group by keyword, kind
    )

    select
        touched.keyword,
        touched.kind,
        coalesce(counted.n_papers, 0) + touched.added as n_papers,
        least(counted.first_seen_dump, touched.first_now) as first_seen_dump,
        greatest(counted.last_seen_dump, touched.last_now) as last_seen_dump,
        coalesce(
            touched.first_lost <= counted.first_seen_dump
            or touched.last_lost >= counted.last_seen_dump,
            false
        ) as recount
    from touched
    left join {{ this }} as counted
        on touched.keyword = counted.keyword and touched.kind = counted.kind;

    -- the keywords whose range may have shrunk: their range from all their rows
    update keyword_updates
    set first_seen_dump = recounted.first_seen_dump, last_seen_dump = recounted.last_seen_dump
    from (
        select
            keywords.keyword,
            keywords.kind,
            min(papers.first_seen_dump) as first_seen_dump,
            max(papers.last_seen_dump) as last_seen_dump
        from {{ paper_keywords }} as keywords
        inner join (from keyword_updates where recount) as recount
            on keywords.keyword = recount.keyword and keywords.kind = recount.kind
        inner join {{ papers }} as papers on keywords.paper_id = papers.paper_id
        group by keywords.keyword, keywords.kind
    ) as recounted
    where keyword_updates.keyword = recounted.keyword and keyword_updates.kind = recounted.kind;

    delete from {{ this }} as counted
    using keyword_updates
    where counted.keyword = keyword_updates.keyword and counted.kind = keyword_updates.kind
{% endmacro %}

{#- keywords' post-hook: keep the dump ranges counted and clear the changes, in keywords'
    transaction. Counting by change (the pre-hook left its temp tables: is_incremental()
    is no guide here, the mart exists by now), for the papers counted again; else for all. -#}
{% macro keep_keyword_counts() %}
    {%- set changes = keyword_changes_table() %}
    {%- set spans = keyword_spans_table() %}
    {%- set papers = ref('int_papers') %}
    {%- set by_change = execute and run_query(
        "select count(*) from duckdb_tables() where temporary and table_name = 'keyword_updates'"
    ).columns[0].values()[0] > 0 %}
    {%- if by_change -%}
        delete from {{ spans }} where paper_id in (from keyword_papers);
        insert into {{ spans }}
        select paper_id, records_hash, first_seen_dump, last_seen_dump from {{ papers }}
        where {% call rows_where(papers) %} paper_id in (from keyword_papers) {% endcall %};
        delete from {{ changes }};
        drop table keyword_papers;
        drop table keyword_rows;
        drop table keyword_updates
    {%- else -%}
        create or replace table {{ spans }} as
        select paper_id, records_hash, first_seen_dump, last_seen_dump from {{ papers }};
        create or replace table {{ changes }} (
            paper_id varchar not null, keyword varchar not null, kind varchar not null,
            change tinyint not null
        )
    {%- endif %}
{% endmacro %}
