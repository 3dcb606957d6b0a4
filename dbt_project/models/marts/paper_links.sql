-- One row per paper and canonical URL found in its abstract.
select
    paper_id,
    url,
    url_raw,
    link_type,
    host,
    repo_id,
    char_offset::integer as char_offset
from {{ ref('int_paper_links') }}
