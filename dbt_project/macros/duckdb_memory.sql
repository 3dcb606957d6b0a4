{#-
  DuckDB's memory limit for the rest of this dbt process. The keyphrase ranking lowers it
  while its worker processes hold memory of their own (about 2.5 GB at 1M papers):
  DuckDB then gives back the pages earlier models left cached, and the refresh stays
  within its memory budget. Its post-hook puts the profile's limit back with this macro.
-#}
{% macro set_duckdb_memory_limit(limit) -%}
    set memory_limit = '{{ limit }}'
{%- endmacro %}
