-- One row per title/abstract pair of every currently loaded dump version, with cleaned
-- text and the stable paper_id (derived from the normalised title only).
-- Incremental by dump: a build cleans only the dumps loaded since the last one, and first
-- drops the rows of dumps that are no longer loaded (superseded by a corrected version).
-- The new dumps' hashes come in as constants (new_dump_hashes): the scan then reads the
-- text of their records only. The `not exists` still decides on the (hash, file name)
-- pair: file names never enter SQL as text.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook=["{{ delete_unloaded_dumps() }}", "{{ write_text_with_zstd() }}"],
    post_hook=after_commit("{{ write_default_compression() }}"),
) }}
with records as (
    select * from {{ source('raw', 'records') }}
),

loaded_dumps as (
    select file_name, sha256
    from {{ source('ops', 'dump_files') }}
    where status = 'loaded'
)

select
    left(sha256(records.title_key), 16) as paper_id,
    records.dump_sha256,
    records.file_name as dump_name,
    records.line_number,
    {{ clean_text('records.title') }} as title,
    {{ clean_text('records.abstract') }} as abstract,
    records.title_key,
    records.listing_date
from records
inner join loaded_dumps
    on
        records.dump_sha256 = loaded_dumps.sha256
        and records.file_name = loaded_dumps.file_name
{% if is_incremental() %}
    where
        records.dump_sha256 in ({{ new_dump_hashes() }})
        and not exists (
            select 1 from {{ this }} as staged
            where staged.dump_sha256 = records.dump_sha256 and staged.dump_name = records.file_name
        )
{% endif %}
