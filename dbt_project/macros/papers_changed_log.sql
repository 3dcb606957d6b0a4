{#- The papers int_papers changed (rebuilt or deleted) since int_paper_state last caught
    up: intermediate.int_papers_changed, logged by int_papers' hooks in its transaction
    and started empty by int_paper_state's post-hook in its transaction. A paper not in
    it has the same text hash and records hash in int_papers as in int_paper_state, so
    int_paper_changes and the papers mart compare the logged papers only, not a million
    rows with a million (at 1M: int_paper_changes 0.2 to 0.3 s of a one-dump refresh, the
    papers mart's rebuilt set 0.08 to 0.12 s). Without the log (the first build, an older
    version's, or once int_papers was built from scratch, which drops it) they compare
    every paper, and int_paper_state starts it. A paper may be logged more than once. -#}

{% macro papers_changed_log() -%}
    {{- return(this.incorporate(path={'schema': 'intermediate', 'identifier': 'int_papers_changed'})) -}}
{%- endmacro %}

{#- Whether the log exists (macros/tables_in_database.sql) -#}
{% macro papers_changed_logged() %}
    {{- return(tables_exist([papers_changed_log()])) }}
{% endmacro %}

{#- The logged papers, a parenthesised subquery -#}
{% macro papers_changed() -%}
    (select paper_id from {{ papers_changed_log() }})
{%- endmacro %}

{% macro drop_papers_changed_log() -%}
    drop table if exists {{ papers_changed_log() }}
{%- endmacro %}

{#- int_paper_state's post-hook, in its transaction: caught up, the log starts empty -#}
{% macro start_papers_changed_log() -%}
    create or replace table {{ papers_changed_log() }} (paper_id varchar not null)
{%- endmacro %}

{#- int_paper_state is kept by change: incremental, the log there, and a state with
    records_hash (an older one without is copied whole once) -#}
{% macro state_by_change() %}
    {{- return(is_incremental() and papers_changed_logged()
        and relation_with_column(this.schema, this.identifier, 'records_hash') is not none) }}
{% endmacro %}

{#- int_paper_state's pre-hook: the state of the papers it copies again deleted (of every
    paper unless by change) -#}
{% macro delete_state_of_changed_papers() %}
    {%- if is_incremental() -%}
        delete from {{ this }}
        {%- if state_by_change() %} where paper_id in {{ papers_changed() }}{% endif %}
    {%- endif -%}
{% endmacro %}
