-- One row per paper, deduplicated across dumps.
with links as (
    select
        paper_id,
        count(*) as n_links,
        bool_or(is_code) as has_code
    from {{ ref('int_paper_links') }}
    group by paper_id
)

select
    papers.paper_id,
    papers.title,
    papers.abstract,
    papers.first_seen_dump,
    papers.last_seen_dump,
    papers.n_dumps::integer as n_dumps,
    papers.listing_date,
    coalesce(links.n_links, 0)::integer as n_links,
    coalesce(links.has_code, false) as has_code,
    papers.n_records::integer as n_records
from {{ ref('int_papers') }} as papers
left join links on papers.paper_id = links.paper_id
