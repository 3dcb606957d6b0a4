-- Keyphrase candidates of every paper, counted: one row per paper, candidate (its light
-- stem) and spelling, with how often it occurs and whether the title has it. The big table
-- of the keyword layer (about 150 rows a paper); int_paper_phrases ranks from it.
-- All rows of int_phrase_counts_batch ever built, less those of papers changed since: the
-- batch model counts this build's added and changed papers (see int_paper_changes).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_papers(changed_papers()) }}",
) }}
-- depends_on: {{ ref('int_paper_changes') }}
select * from {{ ref('int_phrase_counts_batch') }}
