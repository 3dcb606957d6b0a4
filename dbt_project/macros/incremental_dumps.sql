{#- pre_hook of stg_records: drop the rows of dumps that are no longer loaded -#}
{% macro delete_unloaded_dumps() %}
    {%- if is_incremental() -%}
        delete from {{ this }} as staged
        where not exists (
            select 1 from {{ source('ops', 'dump_files') }} as dumps
            where
                dumps.status = 'loaded'
                and dumps.sha256 = staged.dump_sha256
                and dumps.file_name = staged.dump_name
        )
    {%- else -%}
        select 1
    {%- endif -%}
{% endmacro %}

{#-
  stg_records, incremental: the hashes of the loaded dumps that are not staged yet, as
  SQL string constants (`null` for none). A filter on constants is applied in the scan of
  raw.records, which then reads the title and abstract of the new dumps' records only; the
  same filter as a subquery read every record's text (a 500-paper dump on top of 1M:
  1.2 to 6.5 s against 0.08 s).
-#}
{% macro new_dump_hashes() %}
    {%- if not execute -%}{{ return('null') }}{%- endif -%}
    {%- set new_dumps = run_query(
        "select distinct dumps.sha256 from " ~ source('ops', 'dump_files') ~ " as dumps"
        ~ " where dumps.status = 'loaded' and not exists ("
        ~ " select 1 from " ~ this ~ " as staged"
        ~ " where staged.dump_sha256 = dumps.sha256 and staged.dump_name = dumps.file_name)"
        ~ " order by 1"
    ) -%}
    {%- set quoted = [] -%}
    {%- for sha256 in new_dumps.columns[0].values() -%}
        {%- do quoted.append("'" ~ (sha256 | replace("'", "''")) ~ "'") -%}
    {%- endfor -%}
    {{ return(quoted | join(', ') if quoted else 'null') }}
{% endmacro %}

{#-
  int_papers, incremental by dump: the (dump version, file name) pairs of stg_records it
  was last built from, kept in intermediate.int_papers_dumps by its post-hook, in its
  transaction. A paper's records change only when a pair joins stg_records (a new dump)
  or leaves it (a corrected version superseded it). While none has left, the papers with
  a record in a new pair hold every paper whose records changed, and no paper has lost
  all of them: the build sums up the records of those papers only, and deletes none.
  (At 1M, summing up and comparing every paper's records took 0.18 s, 0.48 s in a
  refresh with its pages cold, and the delete's scan 0.1 to 0.15 s; this check 0.03 s.)
-#}
{% macro papers_dumps() -%}
    {{- return(this.incorporate(path={'identifier': 'int_papers_dumps'})) -}}
{%- endmacro %}

{#- On an incremental build of int_papers that kept its pairs, none of which has left
    stg_records: the hashes of the staged dump versions not among them, as SQL string
    constants (`null` for none). Else none: every paper's records are summed up. -#}
{% macro dumps_only_added() %}
    {%- if not execute or not is_incremental() %}{{ return(none) }}{% endif %}
    {%- set kept = papers_dumps() %}
    {%- if adapter.get_relation(kept.database, kept.schema, kept.identifier) is none %}
        {{- return(none) }}
    {%- endif %}
    {%- set changes = run_query(
        "with staged as (select distinct dump_sha256, dump_name from " ~ ref('stg_records') ~ ")"
        ~ " select dump_sha256, true as gone from (from " ~ kept ~ " except from staged)"
        ~ " union all"
        ~ " select dump_sha256, false from (from staged except from " ~ kept ~ ")"
        ~ " order by all"
    ) %}
    {%- set added = [] %}
    {%- for row in changes.rows %}
        {%- if row[1] %}{{ return(none) }}{% endif %}
        {%- do added.append("'" ~ (row[0] | replace("'", "''")) ~ "'") %}
    {%- endfor %}
    {{- return(added | join(', ') if added else 'null') }}
{% endmacro %}

{#- Each paper's records_hash, of the papers with a record in one of the dump versions
    `dumps` (SQL string constants; every paper without) -#}
{% macro records_hashes(dumps=none) %}
    select
        paper_id,
        hash(count(*), bit_xor(hash(dump_sha256, dump_name, line_number))) as records_hash
    from {{ ref('stg_records') }}
    {% if dumps is not none -%}
        where paper_id in (
            select paper_id from {{ ref('stg_records') }} where dump_sha256 in ({{ dumps }})
        )
    {%- endif %}
    group by paper_id
{% endmacro %}

{#- int_papers' pre-hook on an incremental build: the papers that no loaded dump holds any
    more deleted (and logged), unless dumps were only added; the papers whose records
    changed, with their records_hash, in temp table papers_resummed (which the model
    rebuilds); none without a stored records_hash (an older build's: every paper is
    rebuilt). On a build from scratch, the log of changed papers is dropped. -#}
{% macro prepare_papers_rebuild() %}
    {%- if not is_incremental() %}
        {{- return(drop_papers_changed_log()) }}
    {%- endif %}
    {%- set has_hash = relation_with_column(this.schema, this.identifier, 'records_hash') is not none %}
    {%- set added = dumps_only_added() if has_hash else none %}
    {%- set without_records -%}
        not exists (
            select 1 from {{ ref('stg_records') }} as records
            where records.paper_id = built.paper_id
        )
    {%- endset %}
    {%- if not has_hash %}
        {{ drop_papers_changed_log() }};
    {%- elif added is none and papers_changed_logged() %}
        insert into {{ papers_changed_log() }}
        select paper_id from {{ this }} as built where {{ without_records }};
    {%- endif %}
    {%- if added is none %}
        delete from {{ this }} as built where {{ without_records }};
    {%- endif %}
    {%- if has_hash %}
        create or replace temp table papers_resummed as
        with record_sets as ({{ records_hashes(added) }})
        select * from record_sets where {{ records_hash_differs('record_sets', this) }}
    {%- endif %}
{% endmacro %}

{#- int_papers' post-hook: the papers it rebuilt logged -#}
{% macro log_papers_resummed() %}
    {%- if temp_table_left('papers_resummed') -%}
        {%- if papers_changed_logged() %}
            insert into {{ papers_changed_log() }} select paper_id from papers_resummed;
        {%- endif %}
        drop table papers_resummed
    {%- endif -%}
{% endmacro %}

{#- int_papers' post-hook: the pairs it was built from -#}
{% macro keep_papers_dumps() %}
    {%- set kept = papers_dumps() -%}
    create table if not exists {{ kept }} (dump_sha256 varchar not null, dump_name varchar not null);
    delete from {{ kept }};
    insert into {{ kept }} select distinct dump_sha256, dump_name from {{ ref('stg_records') }}
{% endmacro %}
