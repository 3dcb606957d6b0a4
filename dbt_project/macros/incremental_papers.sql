{#- Helpers for the per-paper incremental models (see int_paper_changes). -#}

{#- pre_hook: drop the rows of every added, changed or removed paper -#}
{% macro delete_changed_papers() %}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where paper_id in (select paper_id from {{ ref('int_paper_changes') }})
    {%- else -%}
        select 1
    {%- endif -%}
{% endmacro %}

{#- the int_papers rows to (re)build: the added and changed papers (all on a full build) -#}
{% macro papers_to_build(columns='*') %}
    (
        select {{ columns }} from {{ ref('int_papers') }}
        where paper_id in (
            select paper_id from {{ ref('int_paper_changes') }} where change <> 'removed'
        )
    )
{% endmacro %}

{#- pre_hook of int_paper_phrases: drop the rankings this build replaces or retires -#}
{% macro delete_papers_to_rank() %}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where
            paper_id in (select paper_id from {{ ref('int_phrase_targets') }})
            or paper_id in (
                select paper_id from {{ ref('int_paper_changes') }} where change = 'removed'
            )
    {%- else -%}
        select 1
    {%- endif -%}
{% endmacro %}

{#- the papers whose keywords paper_keywords rebuilds: new candidates or a new ranking -#}
{% macro keyword_papers_to_build() %}
    (
        select paper_id from {{ ref('int_paper_changes') }}
        union
        select paper_id from {{ ref('int_phrase_targets') }}
    )
{% endmacro %}

{#- pre_hook of paper_keywords -#}
{% macro delete_keyword_papers_to_build() %}
    {%- if is_incremental() -%}
        delete from {{ this }} where paper_id in {{ keyword_papers_to_build() }}
    {%- else -%}
        select 1
    {%- endif -%}
{% endmacro %}
