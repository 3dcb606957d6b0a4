-- The text version of every paper that the per-paper models have processed, the
-- intermediate ones and the marts built from them, and the records (records_hash) the
-- papers mart last saw for it (papers rebuilds the papers whose records changed since:
-- a new dump listed them again, so their dump range and counts moved). Built last: the
-- depends_on lines below put it after each of them, so when one fails (or its tests do,
-- or the refresh dies in between), dbt skips this model, the state stays behind, and the
-- next build re-processes the same papers (deleting and re-inserting them is idempotent).
-- It is built with the marts, not with the intermediate layer: a refresh that stopped in
-- the marts after the intermediate layer had caught up left the marts behind for good (the
-- next build found nothing changed). It stays in the intermediate schema, beside
-- int_paper_changes, which reads it, and outside the marts contract (not a BI table).
-- By change: it copies again only the papers int_papers logged as changed since it last
-- caught up (macros/papers_changed_log.sql; every paper without the log, or from an older
-- state without records_hash), and its post-hook starts the log empty, all in its
-- transaction. (The copy of every paper took 0.18 to 0.28 s at 1M.)
{%- set by_change = state_by_change() %}
{{ config(
    schema='intermediate',
    contract={'enforced': false},
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook="{{ delete_state_of_changed_papers() }}",
    post_hook="{{ start_papers_changed_log() }}",
) }}
-- depends_on: {{ ref('int_keyword_candidates') }}
-- depends_on: {{ ref('int_abstract_urls') }}
-- depends_on: {{ ref('int_paper_links') }}
-- depends_on: {{ ref('int_phrase_ranking') }}
-- depends_on: {{ ref('papers') }}
-- depends_on: {{ ref('paper_links') }}
-- depends_on: {{ ref('paper_keywords') }}
select paper_id, text_hash, records_hash from {{ ref('int_papers') }}
{% if by_change %}where paper_id in {{ papers_changed() }}{% endif %}
