-- One row per title/abstract pair of every currently loaded dump version, with cleaned
-- text and the stable paper_id (derived from the normalised title only).
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
