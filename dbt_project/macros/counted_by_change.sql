{#- The marts that count papers per key, keywords (per keyword and kind) and links (per
    URL), kept up to date by what changed instead of counted again from all rows on every
    build: at 1M papers, keywords joined its 11M paper_keywords rows to the papers' dump
    ranges and grouped them (0.7 to 1.3 s of a one-dump refresh), links its 200,000
    paper_links rows (0.4 s). Recounting only the keys a build touched saves nothing: the
    500 papers of a dump share their keywords with more than half of the rows.

    Such a mart counts the rows of a per-paper mart (paper_keywords, paper_links) with
    their papers' dump ranges (the papers mart's). Before those marts change a paper, they
    log what the counting mart counted for it, in their own transactions (pre-hooks), once
    per paper until the counting mart has counted again:
    - int_<mart>_counted_spans: the paper's dump range (null: not in papers then), logged
      by papers;
    - int_<mart>_counted_rows: the paper's keys, and one row of null keys so that a paper
      that had none is logged too, logged by the per-paper mart.
    The counting mart then counts the logged papers again: each of their keys' n_papers
    moves by their rows now less the rows counted, the key's dump range widens to their
    rows' ranges now, and is recounted from all its rows only when a row that may have
    set it is gone (a paper removed, re-ranked without the keyword, or listed by fewer
    dumps: rare, a new dump only widens ranges). It empties its logs in its own
    transaction, so a refresh that dies between the marts leaves them for the next build,
    and one that dies in the counting mart leaves them whole. Without the logs (the first
    build, a build by an older version, or once papers or the per-paper mart were built
    from scratch, which drops them), the counting mart counts every row and starts them
    empty. -#}

{#- The counting marts and the key columns of what they count -#}
{% macro counting_marts() %}
    {{- return({'keywords': ['keyword', 'kind'], 'links': ['url']}) }}
{% endmacro %}

{#- Log `what` ('spans' or 'rows') of counting mart `mart` -#}
{% macro counted_log(mart, what) -%}
    {%- set name = 'int_' ~ mart ~ '_counted_' ~ what %}
    {{- return(this.incorporate(path={'schema': 'intermediate', 'identifier': name})) -}}
{%- endmacro %}

{#- Whether both logs of `mart` exist (macros/tables_in_database.sql) -#}
{% macro counted_logs_kept(mart) %}
    {{- return(tables_exist([counted_log(mart, 'spans'), counted_log(mart, 'rows')])) }}
{% endmacro %}

{#- The counting mart being built counts only what changed: incremental, logs kept -#}
{% macro counted_by_change() %}
    {{- return(is_incremental() and counted_logs_kept(this.identifier)) }}
{% endmacro %}

{% macro drop_counted_logs(marts) -%}
    {%- for mart in marts %}
        drop table if exists {{ counted_log(mart, 'spans') }};
        drop table if exists {{ counted_log(mart, 'rows') }}{{ ';' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- `a.k = b.k and ...` over the key columns `keys` -#}
{% macro keys_match(a, b, keys) -%}
    {%- for key in keys %}{{ a }}.{{ key }} = {{ b }}.{{ key }}{{ ' and ' if not loop.last }}{% endfor -%}
{%- endmacro %}

{#- papers' pre-hook: log, for every counting mart, the dump ranges of the papers in
    `rebuilt` (a parenthesised subquery of paper ids; none: every paper is rebuilt, and
    the logs are dropped) -#}
{% macro log_counted_spans(rebuilt) %}
    {%- if not is_incremental() or rebuilt is none %}
        {{- return(drop_counted_logs(counting_marts())) }}
    {%- endif %}
    {%- set statements = [] %}
    {%- for mart in counting_marts() if counted_logs_kept(mart) %}
        {%- set log = counted_log(mart, 'spans') %}
        {%- set statement %}
            insert into {{ log }}
            select rebuilt.paper_id, counted.first_seen_dump, counted.last_seen_dump
            from (select distinct paper_id from {{ rebuilt }}) as rebuilt
            left join (
                select paper_id, first_seen_dump, last_seen_dump from {{ this }}
                where {% call rows_where(this) %} paper_id in {{ rebuilt }} {% endcall %}
            ) as counted on rebuilt.paper_id = counted.paper_id
            where rebuilt.paper_id not in (select paper_id from {{ log }})
        {%- endset %}
        {%- do statements.append(statement) %}
    {%- endfor %}
    {{- return(statements | join(';\n')) }}
{% endmacro %}

{#- A per-paper mart's pre-hook: log for counting mart `mart` the keys of the papers in
    `papers` (a parenthesised subquery of paper ids); a build from scratch drops its logs -#}
{% macro log_counted_rows(mart, papers) %}
    {%- if not is_incremental() %}
        {{- return(drop_counted_logs([mart])) }}
    {%- elif not counted_logs_kept(mart) %}
        {{- return('') }}
    {%- endif %}
    {%- set keys = counting_marts()[mart] | join(', ') %}
    {%- set log = counted_log(mart, 'rows') %}
    insert into {{ log }}
    select paper_id, {{ keys }} from {{ this }}
    where {% call rows_where(this) %}
        paper_id in {{ papers }} and paper_id not in (select paper_id from {{ log }})
    {% endcall %}
    union all
    select distinct paper_id{% for key in counting_marts()[mart] %}, null{% endfor %}
    from {{ papers }} as papers
    where paper_id not in (select paper_id from {{ log }})
{% endmacro %}

{#- The counting mart's pre-hook, over the rows of `rows_mart` (a per-paper mart) with the
    dump ranges of the papers mart. Counting by change: temp table count_updates, the new
    rows of the keys touched (n_papers 0 for one now gone) with the columns `carried`
    (functions of the key: the counted row's, else a row's now), whose old rows it
    deletes. Counting every row: on an incremental build, every row deleted. -#}
{% macro count_changes(rows_mart, carried=[]) %}
    {%- if not is_incremental() %}
        {{- return('') }}
    {%- elif not counted_logs_kept(this.identifier) %}
        {{- return('delete from ' ~ this) }}
    {%- endif %}
    {%- set keys = counting_marts()[this.identifier] %}
    {%- set key_list = keys | join(', ') %}
    {%- set spans_log = counted_log(this.identifier, 'spans') %}
    {%- set rows_log = counted_log(this.identifier, 'rows') %}
    {%- set papers = ref('papers') %}
    create or replace temp table count_papers as
    select paper_id from {{ spans_log }}
    union
    select paper_id from {{ rows_log }};

    -- the logged papers' rows, whether counted before and whether now; a row counts
    -- while its paper has a dump range, as in the count of every row
    create or replace temp table count_rows as
    with now as (
        select paper_id, {{ key_list }}{% for column in carried %}, {{ column }}{% endfor %}
        from {{ rows_mart }}
        where {% call rows_where(rows_mart) %} paper_id in (from count_papers) {% endcall %}
    ),

    counted as (
        select paper_id, {{ key_list }} from {{ rows_log }} where {{ keys[0] }} is not null
        union all
        select paper_id, {{ key_list }} from now
        where paper_id not in (select paper_id from {{ rows_log }})
    ),

    spans as (
        select
            count_papers.paper_id,
            papers.first_seen_dump as first_now,
            papers.last_seen_dump as last_now,
            if(logged.paper_id is null, papers.first_seen_dump, logged.first_seen_dump)
                as first_before,
            if(logged.paper_id is null, papers.last_seen_dump, logged.last_seen_dump)
                as last_before
        from count_papers
        left join (
            select paper_id, first_seen_dump, last_seen_dump from {{ papers }}
            where {% call rows_where(papers) %} paper_id in (from count_papers) {% endcall %}
        ) as papers on count_papers.paper_id = papers.paper_id
        left join {{ spans_log }} as logged on count_papers.paper_id = logged.paper_id
    )

    select
        {%- for key in keys %}
        coalesce(now.{{ key }}, counted.{{ key }}) as {{ key }},
        {%- endfor %}
        {%- for column in carried %}
        now.{{ column }},
        {%- endfor %}
        (now.paper_id is not null and spans.first_now is not null)::integer as is_now,
        (counted.paper_id is not null and spans.first_before is not null)::integer as was,
        spans.first_now,
        spans.last_now,
        spans.first_before,
        spans.last_before
    from now
    full outer join counted
        on now.paper_id = counted.paper_id and {{ keys_match('now', 'counted', keys) }}
    inner join spans on coalesce(now.paper_id, counted.paper_id) = spans.paper_id;

    -- per key touched: the change in papers, the dump range of its rows now, and the
    -- range of the rows counted before whose paper no longer covers it
    create or replace temp table count_updates as
    with touched as (
        select
            {{ key_list }},
            {%- for column in carried %}
            any_value({{ column }}) filter (where is_now = 1) as {{ column }},
            {%- endfor %}
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
            from count_rows
        )
        group by {{ key_list }}
    )

    select
        {%- for key in keys %}
        touched.{{ key }},
        {%- endfor %}
        {%- for column in carried %}
        coalesce(counted.{{ column }}, touched.{{ column }}) as {{ column }},
        {%- endfor %}
        coalesce(counted.n_papers, 0) + touched.added as n_papers,
        least(counted.first_seen_dump, touched.first_now) as first_seen_dump,
        greatest(counted.last_seen_dump, touched.last_now) as last_seen_dump,
        coalesce(
            touched.first_lost <= counted.first_seen_dump
            or touched.last_lost >= counted.last_seen_dump,
            false
        ) as recount
    from touched
    left join {{ this }} as counted on {{ keys_match('touched', 'counted', keys) }};

    -- the keys whose range may have shrunk: their range from all their rows
    update count_updates
    set first_seen_dump = recounted.first_seen_dump, last_seen_dump = recounted.last_seen_dump
    from (
        select
            {%- for key in keys %}
            counted_rows.{{ key }},
            {%- endfor %}
            min(papers.first_seen_dump) as first_seen_dump,
            max(papers.last_seen_dump) as last_seen_dump
        from {{ rows_mart }} as counted_rows
        inner join (from count_updates where recount) as recount
            on {{ keys_match('counted_rows', 'recount', keys) }}
        inner join {{ papers }} as papers on counted_rows.paper_id = papers.paper_id
        group by {% for key in keys %}counted_rows.{{ key }}{{ ', ' if not loop.last }}{% endfor %}
    ) as recounted
    where {{ keys_match('count_updates', 'recounted', keys) }};

    delete from {{ this }} as counted
    using count_updates
    where {{ keys_match('counted', 'count_updates', keys) }}
{% endmacro %}

{#- In a counting mart's post-hooks: whether it counted by change (its pre-hook left temp
    table count_updates; is_incremental() is no guide there, the mart exists by then) -#}
{% macro counted_updates_left() %}
    {{- return(temp_table_left('count_updates')) }}
{% endmacro %}

{#- The counting mart's last post-hook, in its transaction: its logs emptied (counting by
    change), or started empty -#}
{% macro keep_counted_logs() %}
    {%- set spans_log = counted_log(this.identifier, 'spans') %}
    {%- set rows_log = counted_log(this.identifier, 'rows') %}
    {%- if counted_updates_left() -%}
        delete from {{ spans_log }};
        delete from {{ rows_log }};
        drop table count_papers;
        drop table count_rows;
        drop table count_updates
    {%- else -%}
        create or replace table {{ spans_log }} (
            paper_id varchar not null, first_seen_dump varchar, last_seen_dump varchar
        );
        create or replace table {{ rows_log }} (
            paper_id varchar not null
            {%- for key in counting_marts()[this.identifier] %}, {{ key }} varchar{% endfor %}
        )
    {%- endif %}
{% endmacro %}
