-- One row per paper and canonical URL found in its abstract.
-- Incremental: a paper's links come from its text, so a build rebuilds the papers whose
-- text changed (int_paper_changes); the pre-hooks log the links it replaces for the links
-- mart (macros/counted_by_change.sql) and drop the changed and removed papers first, the
-- post-hook keeps the key digests publish reads (macros/mart_digests.sql).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook=[
        "{{ log_counted_rows('links', changed_papers()) }}",
        "{{ delete_papers(changed_papers()) }}",
    ],
    post_hook="{{ keep_mart_digests(changed_papers()) }}",
) }}
-- depends_on: {{ ref('int_paper_changes') }}
select
    paper_id,
    url,
    url_raw,
    link_type,
    host,
    repo_id,
    char_offset::integer as char_offset
from {{ ref('int_paper_links') }}
{% if is_incremental() %}
    where paper_id in {{ changed_papers() }}
{% endif %}
