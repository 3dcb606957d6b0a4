-- One row per paper, deduplicated across dumps.
-- Incremental: rebuilds the papers whose text changed (int_paper_changes; their links
-- come from the text) and those whose records changed since the marts last caught up (a
-- new dump lists them again, so their dump range and counts moved: their records_hash in
-- int_papers differs from int_paper_state's); the pre-hook drops the changed and removed
-- ones first. Without a state that has records_hash (an older build's), every paper.
-- The set is computed once, by the first pre-hook (macros/incremental_papers.sql). The
-- hooks log the dump ranges of those papers for the keywords and links marts before they
-- change (macros/counted_by_change.sql) and keep the key digests publish reads
-- (macros/mart_digests.sql).
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='paper_id',
    on_schema_change='fail',
    pre_hook=[
        "{{ keep_papers_rebuilt() }}",
        "{{ log_counted_spans(papers_rebuilt()) }}",
        "{{ delete_papers(changed_papers()) }}",
        "{{ write_text_with_zstd() }}",
    ],
    post_hook=[
        "{{ keep_mart_digests(papers_rebuilt()) }}",
        "drop table if exists papers_rebuilt",
        after_commit("{{ write_default_compression() }}"),
    ],
) }}
{%- set rebuilt = papers_rebuilt() %}
with papers as (
    select * from {{ ref('int_papers') }}
    {% if rebuilt is not none %}
        -- the rows first, then the text of those papers only (rows_where): filtering the
        -- full rows read every abstract to keep 500 of a million (this select at 1M:
        -- 1.2 s -> 0.7 s with the keys first, 0.11 s with the row ids). The records are
        -- compared by their hash with the state's, not column by column with this mart's
        -- rows (the keys at 1M: 0.67 to 0.9 s -> 0.11 s).
        where {% call rows_where(ref('int_papers'), 'papers') %}
            paper_id in {{ rebuilt }}
        {% endcall %}
    {% endif %}
),

links as (
    select
        paper_id,
        count(*) as n_links,
        bool_or(is_code) as has_code
    from {{ ref('int_paper_links') }}
    where paper_id in (select paper_id from papers)
    group by paper_id
)

select
    papers.paper_id,
    papers.title,
    papers.abstract,
    papers.first_seen_dump,
    papers.last_seen_dump,
    papers.n_dumps::integer as n_dumps,
    papers.listing_date,
    coalesce(links.n_links, 0)::integer as n_links,
    coalesce(links.has_code, false) as has_code,
    papers.n_records::integer as n_records
from papers
left join links on papers.paper_id = links.paper_id
