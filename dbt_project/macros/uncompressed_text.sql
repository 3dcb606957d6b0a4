{#-
  The models that hold the papers' text (stg_records, int_papers and the papers mart:
  1.3 to 1.5 GB each at a million papers) write it uncompressed: compressing stg_records
  took 9 of its 35 s at a million papers. The build database is private (raw.records is
  uncompressed too, see orchestration/assets/ingest.py); publish writes the served file
  compressed. The post-hook puts DuckDB's default back for the models that follow.
-#}
{% macro write_uncompressed() -%}
    pragma force_compression = 'uncompressed'
{%- endmacro %}

{% macro write_compressed() -%}
    reset force_compression
{%- endmacro %}
