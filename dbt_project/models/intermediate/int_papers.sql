-- One row per paper across all loaded dumps. The latest dump (in dump order) gives the
-- title and abstract; within one dump the first occurrence wins.
with records as (
    select * from {{ ref('stg_records') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by paper_id order by dump_name desc, line_number asc
        ) as recency
    from records
),

seen as (
    select
        paper_id,
        min(dump_name) as first_seen_dump,
        max(dump_name) as last_seen_dump,
        count(distinct dump_name) as n_dumps,
        count(*) as n_records,
        arg_min(listing_date, dump_name) filter (where listing_date is not null) as listing_date
    from records
    group by paper_id
)

select
    ranked.paper_id,
    ranked.title,
    ranked.abstract,
    ranked.title_key,
    seen.first_seen_dump,
    seen.last_seen_dump,
    seen.n_dumps,
    seen.n_records,
    seen.listing_date,
    hash(ranked.title, ranked.abstract) as text_hash
from ranked
inner join seen on ranked.paper_id = seen.paper_id
where ranked.recency = 1
