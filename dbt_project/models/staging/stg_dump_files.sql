-- The manifest, with each loaded dump's position in dump order (file-name order:
-- name dumps so that they sort by date, as the bundled samples do).
select
    file_name,
    sha256,
    bytes,
    lines,
    blank_lines,
    chrome_lines,
    records,
    rejects,
    listing_date,
    status,
    reason,
    duplicate_of,
    loaded_at,
    case
        when status = 'loaded'
            then row_number() over (partition by status = 'loaded' order by file_name)
    end as dump_order,
    lines - (chrome_lines + blank_lines + 2 * records + rejects) as unaccounted_lines
from {{ source('ops', 'dump_files') }}
