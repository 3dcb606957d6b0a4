-- One row per paper and canonical URL, classified (rules: macros/classify_link.sql).
-- A URL written several times in one abstract keeps its first spelling and offset.
-- Incremental: only added and changed papers are rebuilt (see int_paper_changes).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_papers(changed_papers()) }}",
) }}
-- depends_on: {{ ref('int_paper_changes') }}
with occurrences as (
    select
        urls.paper_id,
        urls.url,
        urls.url_raw,
        urls.occurrence,
        strpos(papers.abstract, urls.url_raw) - 1 as char_offset,
        regexp_extract(urls.url, '^https://([^/?#]+)', 1) as host,
        coalesce({{ link_path('urls.url') }}, '') as path
    from {{ ref('int_abstract_urls') }} as urls
    inner join {{ papers_to_build('paper_id, abstract') }} as papers on urls.paper_id = papers.paper_id
),

classified as (
    select
        *,
        {{ link_type('host', 'path') }} as link_type
    from occurrences
)

select
    paper_id,
    url,
    url_raw,
    char_offset,
    link_type,
    host,
    {{ link_repo_id('link_type', 'path') }} as repo_id,
    {{ is_code_link('link_type', 'host', 'path') }} as is_code
from classified
qualify row_number() over (partition by paper_id, url order by occurrence) = 1
