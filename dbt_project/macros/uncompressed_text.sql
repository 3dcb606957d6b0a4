{#-
  The staged and deduplicated papers hold all the text (1.5 GB at a million papers) and
  are written uncompressed: compressing stg_records took 9 of its 35 s at a million
  papers. They live in the private build database only (as raw.records does, see
  orchestration/assets/ingest.py); the served file is written compressed. The post-hook
  puts DuckDB's default back for the models that follow.
-#}
{% macro write_uncompressed() -%}
    pragma force_compression = 'uncompressed'
{%- endmacro %}

{% macro write_compressed() -%}
    reset force_compression
{%- endmacro %}
