{#-
  dbt-duckdb builds an incremental model's new rows into a temporary table, then appends
  them. A Python model's rows are written with a plain `create table` (its materialize()
  function), which does not make a temporary table: Python models get a real table beside
  the target instead, dropped by the materialization once the rows are in, and dropped
  here first should a build have died before that. SQL models keep the temporary table.
  (A Python model that returns a DuckDB relation is written on dbt's connection, inside
  the transaction of the append; see int_phrase_ranking.) Overrides the adapter's macro of
  the same name (dbt/include/duckdb/macros/adapters.sql).
-#}
{% macro duckdb__dispatch_temporary_relation(target_relation, batch_id='') %}
    {%- if model.language == 'python' -%}
        {%- set relation = target_relation.incorporate(
            path={'identifier': target_relation.identifier ~ '__dbt_new_rows'}
        ) -%}
        {%- do run_query('drop table if exists ' ~ relation) -%}
        {%- do return({'relation': relation, 'temporary': false}) -%}
    {%- endif -%}
    {%- do return({'relation': make_temp_relation(target_relation), 'temporary': true}) -%}
{% endmacro %}
