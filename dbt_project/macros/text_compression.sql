{#-
  The models that hold the papers' text (stg_records, int_papers and the papers mart:
  1.6 to 1.8 GB each at a million papers, uncompressed) write it into the private build
  database with zstd, as ingest does raw.records (orchestration/assets/ingest.py). Publish
  writes the served file with its own compression.

  Uncompressed, a full build at a million papers wrote about 8 GB to the build database,
  and this machine's disk takes 100 to 300 MB/s: each model's commit waited for its table
  to reach the disk (stg_records 14.6 to 30.2 s, int_papers 13.1 to 21.1 s, papers 21.1
  to 27.0 s in three bench runs; 11.3, 4.1 and 3.7 s with zstd). zstd is cheap to write
  (DuckDB's default, dictionary and FSST, took 9 of stg_records' 35 s to choose and
  apply), and the build database is 2.5 GB instead of 8.8 GB. Reading costs a little
  more: publish hashes every papers row on every refresh, 0.62 to 0.77 s against 0.39 to
  0.97 s with the pages cached. The bench's text is made of the samples' and packs better
  than real text: its titles and abstracts shrink 5.3 times under zstd, the samples' 3.2
  times.

  DuckDB compresses a table's data when it checkpoints it, with the setting of that
  moment: at 1M most row groups are written (and compressed) as the model inserts them,
  but the rest, and all of a small table, wait in the write-ahead log. So the post-hook,
  after the model's commit (dbt's after_commit), checkpoints first and only then puts
  DuckDB's default back for the models that follow. Reset inside the transaction, the
  samples' text was all stored with the default, and at 1M part of it.
-#}
{% macro write_text_with_zstd() -%}
    pragma force_compression = 'zstd'
{%- endmacro %}

{% macro write_default_compression() -%}
    checkpoint;
    reset force_compression
{%- endmacro %}
