-- One row per keyword and kind. For acronyms, `expansion` holds the most common long
-- form, so a search on "large language models" finds the papers tagged LLMs (ties go to
-- the alphabetically first long form, so every run agrees).
-- n_papers is count(*): paper_keywords holds a (paper, kind, keyword) once (its
-- unique_combination test), and count(distinct) made the model 2.5 times slower at 1M.
-- A keyword's dump range is that of its papers in the papers mart.
-- Incremental: a build counts what the papers and paper_keywords marts logged as changed
-- since the last (macros/counted_by_change.sql); the first build, and one without the
-- logs, counts every row (the query below).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ count_changes(ref('paper_keywords')) }}",
    post_hook=["{{ keep_counted_digests() }}", "{{ keep_counted_logs() }}"],
) }}
-- depends_on: {{ ref('papers') }}
-- depends_on: {{ ref('paper_keywords') }}
with expansions as (
    select
        keyword,
        kind,
        arg_min(expansion, (-n, expansion)) as expansion
    from (
        select keyword, kind, expansion, count(*) as n
        from {{ ref('paper_keywords') }}
        where expansion is not null
        group by keyword, kind, expansion
    )
    group by keyword, kind
),

{% if counted_by_change() %}

-- the keywords touched and still tagged (macros/counted_by_change.sql), with their
-- expansions chosen again
updates as (
    select * from count_updates where n_papers > 0
)

select
    updates.keyword,
    updates.kind,
    expansions.expansion,
    updates.n_papers::integer as n_papers,
    updates.first_seen_dump,
    updates.last_seen_dump
from updates
left join expansions on updates.keyword = expansions.keyword and updates.kind = expansions.kind

{% else %}

-- each dump name's place in name order: the papers' dump range is compared as these
-- numbers, not as the names (at 1M papers, 11M keyword rows: 0.86 s -> 0.66 s)
dumps as (
    select
        dump_name,
        row_number() over (order by dump_name)::integer as dump_order
    from (
        select first_seen_dump as dump_name from {{ ref('papers') }}
        union
        select last_seen_dump from {{ ref('papers') }}
    )
),

spans as (
    select
        papers.paper_id,
        first_dump.dump_order as first_order,
        last_dump.dump_order as last_order
    from {{ ref('papers') }} as papers
    inner join dumps as first_dump on papers.first_seen_dump = first_dump.dump_name
    inner join dumps as last_dump on papers.last_seen_dump = last_dump.dump_name
),

counted as (
    select
        keywords.keyword,
        keywords.kind,
        count(*)::integer as n_papers,
        min(spans.first_order) as first_order,
        max(spans.last_order) as last_order
    from {{ ref('paper_keywords') }} as keywords
    inner join spans on keywords.paper_id = spans.paper_id
    group by keywords.keyword, keywords.kind
)

select
    counted.keyword,
    counted.kind,
    expansions.expansion,
    counted.n_papers,
    first_dump.dump_name as first_seen_dump,
    last_dump.dump_name as last_seen_dump
from counted
inner join dumps as first_dump on counted.first_order = first_dump.dump_order
inner join dumps as last_dump on counted.last_order = last_dump.dump_order
left join expansions on counted.keyword = expansions.keyword and counted.kind = expansions.kind

{% endif %}
