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
