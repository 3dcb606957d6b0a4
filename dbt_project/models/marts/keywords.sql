-- One row per keyword and kind. For acronyms, `expansion` holds the most common long
-- form, so a search on "large language models" finds the papers tagged LLMs.
select
    keywords.keyword,
    keywords.kind,
    mode(keywords.expansion) as expansion,
    count(distinct keywords.paper_id)::integer as n_papers,
    min(papers.first_seen_dump) as first_seen_dump,
    max(papers.last_seen_dump) as last_seen_dump
from {{ ref('paper_keywords') }} as keywords
inner join {{ ref('int_papers') }} as papers on keywords.paper_id = papers.paper_id
group by keywords.keyword, keywords.kind
