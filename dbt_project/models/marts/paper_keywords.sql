-- Keywords per paper: acronyms (with expansion), title names, and TF-IDF keyphrases.
-- keyword is normalised: acronyms and title names as written (they are case-sensitive
-- names), phrases as their stem. rank is 1..n within (paper, kind).
-- Incremental: rebuilds the papers with changed candidates or a new keyphrase ranking; the
-- post-hook keeps the key digests publish reads (macros/mart_digests.sql); the pre-hook
-- logs the rows it replaces for the keywords mart (macros/counted_by_change.sql).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook=[
        "{{ log_counted_rows('keywords', keyword_papers_to_build()) }}",
        "{{ delete_papers(keyword_papers_to_build()) }}",
    ],
    post_hook="{{ keep_mart_digests(keyword_papers_to_build()) }}",
) }}
-- depends_on: {{ ref('int_paper_changes') }}
-- depends_on: {{ ref('int_phrase_targets') }}
-- depends_on: {{ ref('int_phrase_ranking') }}
{#- the ranking rows of the papers to build, picked by row id (rows_where) -#}
{%- set ranking = ref('int_phrase_ranking') %}
{%- set ranking_to_build -%}
    (
        select * from {{ ranking }}
        where {% call rows_where(ranking) %} paper_id in {{ keyword_papers_to_build() }} {% endcall %}
    )
{%- endset %}
with candidates as (
    select
        paper_id,
        keyword,
        keyword as surface,
        kind,
        expansion,
        1.0::double as score
    from {{ ref('int_keyword_candidates') }}
    {% if is_incremental() %}
        where paper_id in {{ keyword_papers_to_build() }}
    {% endif %}
    -- an acronym defined twice keeps its alphabetically first long form
    qualify row_number() over (partition by paper_id, kind, keyword order by expansion) = 1
),

-- keyphrases come ranked already, one row per phrase (int_paper_phrases); on an
-- incremental build, the phrases of the papers to build only (a filter on the view would
-- unnest every paper's phrases first: macros/unnest_phrases.sql)
phrases as (
    select
        paper_id,
        keyword,
        surface,
        'phrase' as kind,
        null::varchar as expansion,
        score,
        rank::integer as rank
    {% if is_incremental() %}
        from ({{ unnest_phrases(ranking_to_build) }})
    {% else %}
        from {{ ref('int_paper_phrases') }}
    {% endif %}
)

select
    paper_id,
    keyword,
    surface,
    kind,
    expansion,
    score,
    row_number() over (partition by paper_id, kind order by keyword)::integer as rank
from candidates
union all
select * from phrases
