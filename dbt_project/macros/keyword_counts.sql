{#- The keywords mart kept up to date by what changed, instead of counted again from all
    of paper_keywords on every build (at 1M papers, 11M rows joined to the papers' dump
    ranges and grouped: 0.7 to 1.3 s of a one-dump refresh). Recounting only the keywords
    a build touched saves nothing: the 500 papers of a dump share their keywords with
    more than half of those rows.

    keywords counts paper_keywords' rows with their papers' dump ranges (the papers
    mart's). The two marts log what keywords counted before they change it, in their
    own transactions (their pre-hooks), for the papers they rebuild or remove, once per
    paper until keywords has counted again:
    - int_keyword_counted_spans: the paper's dump range (null: not in papers then);
    - int_keyword_counted_rows: the paper's (keyword, kind) rows, and one row of nulls
      so that a paper that had none is logged too.
    keywords then counts again the papers logged: each of their keywords' n_papers moves
    by its rows now less those counted, its dump range widens to their rows' ranges now,
    and is recounted from all its rows only when a row that may have set it is gone (a
    paper removed, re-ranked without the keyword, or its range narrower: rare, a new dump
    only widens ranges); the expansions are chosen again (acronyms only: 0.01 s). It
    empties the logs in its own transaction. So a refresh that dies between the marts
    leaves the logs for the next build, and one that dies in keywords leaves them whole.
    Without the logs (the first build, a build by an older version, or once papers or
    paper_keywords were built from scratch, which drops them), keywords counts every row
    and starts them empty. -#}

{% macro counted_spans_log() -%}
    {{- return(this.incorporate(path={'schema': 'intermediate', 'identifier': 'int_keyword_counted_spans'})) -}}
{%- endmacro %}

{% macro counted_rows_log() -%}
    {{- return(this.incorporate(path={'schema': 'intermediate', 'identifier': 'int_keyword_counted_rows'})) -}}
{%- endmacro %}

{#- Whether both logs exist, asked of the database (not of dbt's relation cache, which
    does not see a hook drop them) -#}
{% macro keyword_logs_kept() %}
    {%- if not execute %}
        {{- return(false) }}
    {%- endif %}
    {%- set found = run_query(
        "select count(*) from duckdb_tables() where database_name = '" ~ this.database
        ~ "' and schema_name = 'intermediate'"
        ~ " and table_name in ('int_keyword_counted_spans', 'int_keyword_counted_rows')"
    ) %}
    {{- return(found.columns[0].values()[0] == 2) }}
{% endmacro %}

{#- keywords counts only what changed: an incremental build with the logs kept -#}
{% macro keywords_counted_by_change() %}
    {{- return(is_incremental() and keyword_logs_kept()) }}
{% endmacro %}

{% macro drop_keyword_logs() -%}
    drop table if exists {{ counted_spans_log() }};
    drop table if exists {{ counted_rows_log() }}
{%- endmacro %}

{#- papers' pre-hook: log the dump ranges of the papers in `rebuilt` (a parenthesised
    subquery of paper ids; none: every paper is rebuilt, and the logs are dropped) -#}
{% macro log_counted_spans(rebuilt) %}
    {%- if not is_incremental() or rebuilt is none -%}
        {{ drop_keyword_logs() }}
    {%- elif keyword_logs_kept() -%}
        {%- set log = counted_spans_log() %}
        insert into {{ log }}
        select rebuilt.paper_id, counted.first_seen_dump, counted.last_seen_dump
        from (select distinct paper_id from {{ rebuilt }}) as rebuilt
        left join (
            select paper_id, first_seen_dump, last_seen_dump from {{ this }}
            where {% call rows_where(this) %} paper_id in {{ rebuilt }} {% endcall %}
        ) as counted on rebuilt.paper_id = counted.paper_id
        where rebuilt.paper_id not in (select paper_id from {{ log }})
    {%- endif -%}
{% endmacro %}

{#- paper_keywords' pre-hook: log the rows of the papers in `papers` (a parenthesised
    subquery of paper ids); a build from scratch drops the logs -#}
{% macro log_counted_rows(papers) %}
    {%- if not is_incremental() -%}
        {{ drop_keyword_logs() }}
    {%- elif keyword_logs_kept() -%}
        {%- set log = counted_rows_log() %}
        insert into {{ log }}
        select paper_id, keyword, kind from {{ this }}
        where {% call rows_where(this) %}
            paper_id in {{ papers }} and paper_id not in (select paper_id from {{ log }})
        {% endcall %}
        union all
        select distinct paper_id, null, null from {{ papers }} as papers
        where paper_id not in (select paper_id from {{ log }})
    {%- endif -%}
{% endmacro %}

{#- keywords' pre-hook. Counting by change: temp table keyword_updates, the new rows of
    the keywords touched (n_papers 0 for one now gone), whose old rows it deletes.
    Counting every row: on an incremental build, every row deleted. -#}
{% macro count_keyword_changes() %}
    {%- if not is_incremental() %}
        {{- return('') }}
    {%- elif not keyword_logs_kept() %}
        {{- return('delete from ' ~ this) }}
    {%- endif %}
    {%- set spans_log = counted_spans_log() %}
    {%- set rows_log = counted_rows_log() %}
    {%- set papers = ref('papers') %}
    {%- set paper_keywords = ref('paper_keywords') %}
    create or replace temp table keyword_papers as
    select paper_id from {{ spans_log }}
    union
    select paper_id from {{ rows_log }};

    -- the logged papers' (paper, keyword) rows, whether counted before and whether now;
    -- a row counts while its paper has a dump range, as in the count of every row
    create or replace temp table keyword_rows as
    with now as (
        select paper_id, keyword, kind from {{ paper_keywords }}
        where {% call rows_where(paper_keywords) %} paper_id in (from keyword_papers) {% endcall %}
    ),

    counted as (
        select paper_id, keyword, kind from {{ rows_log }} where keyword is not null
        union all
        select paper_id, keyword, kind from now
        where paper_id not in (select paper_id from {{ rows_log }})
    ),

    spans as (
        select
            keyword_papers.paper_id,
            papers.first_seen_dump as first_now,
            papers.last_seen_dump as last_now,
            if(logged.paper_id is null, papers.first_seen_dump, logged.first_seen_dump)
                as first_before,
            if(logged.paper_id is null, papers.last_seen_dump, logged.last_seen_dump)
                as last_before
        from keyword_papers
        left join (
            select paper_id, first_seen_dump, last_seen_dump from {{ papers }}
            where {% call rows_where(papers) %} paper_id in (from keyword_papers) {% endcall %}
        ) as papers on keyword_papers.paper_id = papers.paper_id
        left join {{ spans_log }} as logged on keyword_papers.paper_id = logged.paper_id
    )

    select
        coalesce(now.keyword, counted.keyword) as keyword,
        coalesce(now.kind, counted.kind) as kind,
        (now.paper_id is not null and spans.first_now is not null)::integer as is_now,
        (counted.paper_id is not null and spans.first_before is not null)::integer as was,
        spans.first_now,
        spans.last_now,
        spans.first_before,
        spans.last_before
    from now
    full outer join counted
        on now.paper_id = counted.paper_id and now.keyword = counted.keyword and now.kind = counted.kind
    inner join spans on coalesce(now.paper_id, counted.paper_id) = spans.paper_id;

    -- per keyword touched: the change in papers, the dump range of its rows now, and the
    -- range of the rows counted before whose paper no longer covers it
    create or replace temp table keyword_updates as
    with touched as (
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
            from keyword_rows
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

{#- keywords' post-hook, in its transaction: the logs emptied (counting by change: the
    pre-hook left its temp tables, is_incremental() is no guide here, the mart exists by
    now), or started empty -#}
{% macro keep_keyword_counts() %}
    {%- set by_change = execute and run_query(
        "select count(*) from duckdb_tables() where temporary and table_name = 'keyword_updates'"
    ).columns[0].values()[0] > 0 %}
    {%- if by_change -%}
        delete from {{ counted_spans_log() }};
        delete from {{ counted_rows_log() }};
        drop table keyword_papers;
        drop table keyword_rows;
        drop table keyword_updates
    {%- else -%}
        create or replace table {{ counted_spans_log() }} (
            paper_id varchar not null, first_seen_dump varchar, last_seen_dump varchar
        );
        create or replace table {{ counted_rows_log() }} (
            paper_id varchar not null, keyword varchar, kind varchar
        )
    {%- endif %}
{% endmacro %}
