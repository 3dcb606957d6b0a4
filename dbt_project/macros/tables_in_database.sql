{#- Tables asked of the database itself, not of dbt's relation cache: the cache does not
    see a hook create or drop a table during the run (the logs of counted_by_change.sql
    and papers_changed_log.sql, the temp tables hooks leave for the next hooks). -#}

{#- Whether every relation in `relations` exists -#}
{% macro tables_exist(relations) %}
    {%- if not execute %}
        {{- return(false) }}
    {%- endif %}
    {%- set wanted = [] %}
    {%- for relation in relations %}
        {%- do wanted.append(
            "(database_name = '" ~ relation.database ~ "' and schema_name = '" ~ relation.schema
            ~ "' and table_name = '" ~ relation.identifier ~ "')"
        ) %}
    {%- endfor %}
    {%- set found = run_query("select count(*) from duckdb_tables() where " ~ wanted | join(' or ')) %}
    {{- return(found.columns[0].values()[0] == relations | length) }}
{% endmacro %}

{#- Whether this connection holds temp table `name`: a pre-hook's, left for the post-hooks -#}
{% macro temp_table_left(name) %}
    {{- return(execute and run_query(
        "select count(*) from duckdb_tables() where temporary and table_name = '" ~ name ~ "'"
    ).columns[0].values()[0] > 0) }}
{% endmacro %}
