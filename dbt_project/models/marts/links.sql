-- One row per canonical URL, with the papers and dumps it was seen in.
select
    links.url,
    any_value(links.link_type) as link_type,
    any_value(links.host) as host,
    any_value(links.repo_id) as repo_id,
    count(distinct links.paper_id)::integer as n_papers,
    min(papers.first_seen_dump) as first_seen_dump,
    max(papers.last_seen_dump) as last_seen_dump
from {{ ref('int_paper_links') }} as links
inner join {{ ref('int_papers') }} as papers on links.paper_id = papers.paper_id
group by links.url
