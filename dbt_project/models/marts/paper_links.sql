-- One row per paper and canonical URL found in its abstract.
-- Incremental: a paper's links come from its text, so a build rebuilds the papers whose
-- text changed (int_paper_changes); the pre-hook drops the changed and removed ones first,
-- the post-hook keeps the key digests publish reads (macros/mart_digests.sql).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_papers(changed_papers()) }}",
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
