{#-
  DuckDB's memory limit for the rest of this dbt process. A Python model whose worker
  processes hold memory of their own (the keyphrase ranking's two hold about 2.4 GB)
  lowers it first: DuckDB then gives back the pages earlier models left cached, and the
  refresh stays within its memory budget. Its post-hook puts the profile's limit back.
-#}
{% macro set_duckdb_memory_limit(limit) -%}
    set memory_limit = '{{ limit }}'
{%- endmacro %}
