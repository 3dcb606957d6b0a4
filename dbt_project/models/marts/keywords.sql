-- One row per keyword and kind. For acronyms, `expansion` holds the most common long
-- form, so a search on "large language models" finds the papers tagged LLMs (ties go to
-- the alphabetically first long form, so every run agrees).
-- n_papers is count(*): paper_keywords holds a (paper, kind, keyword) once (its
-- unique_combination test), and count(distinct) made the model 2.5 times slower at 1M.
with expansions as (
    select
        keyword,
        kind,
        arg_min(expansion, (-n, expansion)) as expansion
    from (
        select keyword, kind, expansion, count(*) as n
        from {{ ref('paper_keywords') }}
        where expansion is not null
        group by keyword, kind, expansion
    )
    group by keyword, kind
),

counted as (
    select
        keywords.keyword,
        keywords.kind,
        count(*)::integer as n_papers,
        min(papers.first_seen_dump) as first_seen_dump,
        max(papers.last_seen_dump) as last_seen_dump
    from {{ ref('paper_keywords') }} as keywords
    inner join {{ ref('int_papers') }} as papers on keywords.paper_id = papers.paper_id
    group by keywords.keyword, keywords.kind
)

select
    counted.keyword,
    counted.kind,
    expansions.expansion,
    counted.n_papers,
    counted.first_seen_dump,
    counted.last_seen_dump
from counted
left join expansions on counted.keyword = expansions.keyword and counted.kind = expansions.kind
