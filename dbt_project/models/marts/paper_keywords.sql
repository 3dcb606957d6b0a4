-- Keywords per paper: acronyms (with expansion), title names, and TF-IDF keyphrases.
-- keyword is normalised: acronyms and title names as written (they are case-sensitive
-- names), phrases as their stem. rank is 1..n within (paper, kind).
-- Incremental: rebuilds the papers with changed candidates or a new keyphrase ranking.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_papers(keyword_papers_to_build()) }}",
) }}
-- depends_on: {{ ref('int_paper_changes') }}
-- depends_on: {{ ref('int_phrase_targets') }}
with candidates as (
    select
        paper_id,
        keyword,
        keyword as surface,
        kind,
        expansion,
        1.0::double as score
    from {{ ref('int_keyword_candidates') }}
    union all
    select
        paper_id,
        keyword,
        surface,
        'phrase' as kind,
        null as expansion,
        score
    from {{ ref('int_paper_phrases') }}
),

deduplicated as (
    select *
    from candidates
    {% if is_incremental() %}
        where paper_id in {{ keyword_papers_to_build() }}
    {% endif %}
    qualify
        row_number() over (
            partition by paper_id, kind, keyword order by score desc, expansion
        ) = 1
)

select
    paper_id,
    keyword,
    surface,
    kind,
    expansion,
    score,
    row_number() over (partition by paper_id, kind order by score desc, keyword)::integer as rank
from deduplicated
