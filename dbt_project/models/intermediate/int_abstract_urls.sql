-- All rows of int_abstract_urls_batch ever built, less those of papers changed since: the
-- batch model holds this build's added and changed papers (see int_paper_changes).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_papers(changed_papers()) }}",
) }}
-- depends_on: {{ ref('int_paper_changes') }}
select * from {{ ref('int_abstract_urls_batch') }}
