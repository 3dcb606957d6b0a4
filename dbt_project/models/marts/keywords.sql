-- One row per keyword and kind. For acronyms, `expansion` holds the most common long
-- form, so a search on "large language models" finds the papers tagged LLMs (ties go to
-- the alphabetically first long form, so every run agrees).
with expansions as (
    select keyword, kind, expansion
    from (
        select keyword, kind, expansion, count(*) as n
        from {{ ref('paper_keywords') }}
        where expansion is not null
        group by keyword, kind, expansion
    )
    qualify row_number() over (partition by keyword, kind order by n desc, expansion) = 1
)

select
    keywords.keyword,
    keywords.kind,
    any_value(expansions.expansion) as expansion,
    count(distinct keywords.paper_id)::integer as n_papers,
    min(papers.first_seen_dump) as first_seen_dump,
    max(papers.last_seen_dump) as last_seen_dump
from {{ ref('paper_keywords') }} as keywords
inner join {{ ref('int_papers') }} as papers on keywords.paper_id = papers.paper_id
left join expansions
    on keywords.keyword = expansions.keyword and keywords.kind = expansions.kind
group by keywords.keyword, keywords.kind
