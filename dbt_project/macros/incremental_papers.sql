{#- Helpers for the per-paper incremental models (see int_paper_changes). -#}

{#- pre_hook: on an incremental build, drop the rows of the papers in `papers` (a
    parenthesised subquery of paper ids) before the model appends their new rows. Else
    nothing: dbt skips a hook that renders empty (a placeholder query would leave an
    unread result on the connection, which a Python model's first query then trips on) -#}
{% macro delete_papers(papers) %}
    {%- if is_incremental() -%}
        delete from {{ this }} where paper_id in {{ papers }}
    {%- endif -%}
{% endmacro %}

{#- The relation `identifier` in `schema` when it exists and has `column` (a build by an
    older version may lack one), else none. -#}
{% macro relation_with_column(schema, identifier, column) %}
    {%- set relation = adapter.get_relation(this.database, schema, identifier) %}
    {%- if relation is none %}
        {{- return(none) }}
    {%- endif %}
    {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | list %}
    {{- return(relation if column in columns else none) }}
{% endmacro %}

{#- Row predicate: the paper of row `rows` (an alias) has another records_hash than the
    one `stored` (a relation of paper_id, records_hash) keeps for it, or none there. -#}
{% macro records_hash_differs(rows, stored) %}
    not exists (
        select 1 from {{ stored }} as stored
        where
            stored.paper_id = {{ rows }}.paper_id
            and stored.records_hash = {{ rows }}.records_hash
    )
{% endmacro %}

{#- The papers the papers mart rebuilds on an incremental build (a parenthesised query
    of paper ids): those of int_paper_changes, and those whose records changed since the
    marts last caught up (a new dump lists them again: their dump range and counts moved,
    so their records_hash in int_papers is not the one int_paper_state keeps; that state
    is read by name, it is built after the marts), of the papers int_papers logged as
    changed since (macros/papers_changed_log.sql). None on a full build, or without a
    state that has records_hash (an older build's): the mart then rebuilds every paper. -#}
{% macro papers_mart_rebuilds() %}
    {%- set state = relation_with_column(ref('int_papers').schema, 'int_paper_state', 'records_hash') %}
    {%- if not is_incremental() or state is none %}
        {{- return(none) }}
    {%- endif %}
    {%- set rebuilt -%}
        (
            select paper_id from {{ ref('int_paper_changes') }}
            union all
            select paper_id from {{ ref('int_papers') }} as papers
            where
                {% if papers_changed_logged() -%}
                    paper_id in {{ papers_changed() }} and
                {% endif -%}
                {{ records_hash_differs('papers', state) }}
        )
    {%- endset %}
    {{- return(rebuilt) }}
{% endmacro %}

{#- The papers the papers mart rebuilds, as a query of temp table papers_rebuilt, which
    the pre-hook keep_papers_rebuilt fills (none when papers_mart_rebuilds is none): its
    select, its hooks and the counting marts' logs read the set computed once (each evaluation
    joins a million records hashes to the state's: 0.08 to 0.12 s at 1M) -#}
{% macro papers_rebuilt() %}
    {%- if papers_mart_rebuilds() is none %}
        {{- return(none) }}
    {%- endif %}
    {{- return('(select paper_id from papers_rebuilt)') }}
{% endmacro %}

{% macro keep_papers_rebuilt() %}
    {%- set rebuilt = papers_mart_rebuilds() %}
    {%- if rebuilt is not none -%}
        create or replace temp table papers_rebuilt as {{ rebuilt }}
    {%- endif -%}
{% endmacro %}

{#- every added, changed or removed paper -#}
{% macro changed_papers() %}
    (select paper_id from {{ ref('int_paper_changes') }})
{% endmacro %}

{#- the rankings int_phrase_ranking replaces or retires -#}
{% macro papers_to_rank() %}
    (
        select paper_id from {{ ref('int_phrase_targets') }}
        union
        select paper_id from {{ ref('int_paper_changes') }} where change = 'removed'
    )
{% endmacro %}

{#- the papers whose keywords paper_keywords rebuilds: new candidates or a new ranking.
    `relation` finds a model's relation by name: ref (the default), or relation_by_name
    for a test that must not get these models as parents (test_unique_combination) -#}
{% macro keyword_papers_to_build(relation=none) %}
    {%- set relation = relation or ref %}
    (
        select paper_id from {{ relation('int_paper_changes') }}
        union
        select paper_id from {{ relation('int_phrase_targets') }}
    )
{% endmacro %}

{#- Row predicate on `table` (a table, not a view): the condition in the call block
    holds for the row (aliased `alias` there). The rows are picked by their row ids, found
    reading only what the condition reads, and the table is then read at those rows only,
    which an incremental build wrote together at the table's end. A condition on the
    scattered paper_id itself read every abstract of the table to keep 500 (the Python
    side has the same predicate: rows_where in orchestration/warehouse/build_db.py; at 1M:
    the papers of `papers` 0.50 to 0.61 s -> 0.11 s, of int_paper_links 0.29 to 0.33 s ->
    0.02 s). Use:
    where {% call rows_where(ref('int_papers')) %} paper_id in (...) {% endcall %} -#}
{% macro rows_where(table, alias='rows') %}
    rowid in (select rowid from {{ table }} as {{ alias }} where {{ caller() }})
{% endmacro %}

{#- the int_papers rows to (re)build: the added and changed papers (all on a full build) -#}
{% macro papers_to_build(columns='*') %}
    (
        select {{ columns }} from {{ ref('int_papers') }}
        where {% call rows_where(ref('int_papers')) %}
            paper_id in (
                select paper_id from {{ ref('int_paper_changes') }} where change <> 'removed'
            )
        {% endcall %}
    )
{% endmacro %}
