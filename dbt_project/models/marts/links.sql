-- One row per canonical URL, with the papers and dumps it was seen in (its papers' dump
-- ranges in the papers mart).
-- Incremental: a build counts what the papers and paper_links marts logged as changed
-- since the last (macros/counted_by_change.sql); the first build, and one without the
-- logs, counts every row (the query below).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ count_changes(ref('paper_links'), carried=['link_type', 'host', 'repo_id']) }}",
    post_hook=["{{ keep_counted_digests() }}", "{{ keep_counted_logs() }}"],
) }}
-- depends_on: {{ ref('papers') }}
-- depends_on: {{ ref('paper_links') }}
{% if counted_by_change() %}

select
    url,
    link_type,
    host,
    repo_id,
    n_papers::integer as n_papers,
    first_seen_dump,
    last_seen_dump
from count_updates
where n_papers > 0

{% else %}

select
    links.url,
    any_value(links.link_type) as link_type,
    any_value(links.host) as host,
    any_value(links.repo_id) as repo_id,
    count(distinct links.paper_id)::integer as n_papers,
    min(papers.first_seen_dump) as first_seen_dump,
    max(papers.last_seen_dump) as last_seen_dump
from {{ ref('paper_links') }} as links
inner join {{ ref('papers') }} as papers on links.paper_id = papers.paper_id
group by links.url

{% endif %}
