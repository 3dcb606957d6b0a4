-- Keyphrase candidates of every paper, counted: one row per paper, candidate (its light
-- stem) and spelling, with how often it occurs and whether the title has it.
-- Candidates are 1-3 word n-grams inside runs of words bounded by punctuation and
-- stopwords (seed `stopwords`), in the title and the abstract. This is the big table of
-- the keyword layer (about 150 rows a paper); int_paper_phrases ranks from it. Kept as a
-- model of its own so the ranking query never holds every occurrence in memory.
-- Incremental: only added and changed papers are counted (macros/incremental_papers.sql).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_papers(changed_papers()) }}",
) }}
-- depends_on: {{ ref('int_paper_changes') }}
with papers as (
    select paper_id, title, abstract from {{ papers_to_build() }}
),

texts as (
    select paper_id, true as in_title, title as body from papers
    union all
    select paper_id, false, abstract from papers
),

split_segments as (
    select
        paper_id,
        in_title,
        regexp_split_to_array(lower(body), '[^a-z0-9\- ]+|\s-\s|\s-|-\s') as parts
    from texts
),

segments as (
    select
        paper_id,
        in_title,
        unnest(parts) as segment,
        generate_subscripts(parts, 1) as segment_no
    from split_segments
),

split_words as (
    select paper_id, in_title, segment_no, string_split(trim(segment), ' ') as parts
    from segments
),

words as (
    select * from (
        select
            paper_id,
            in_title,
            segment_no,
            unnest(parts) as word,
            generate_subscripts(parts, 1) as word_no
        from split_words
    )
    where word <> ''
),

tagged as (
    select
        words.*,
        stopwords.word is not null
        or length(words.word) < 2
        or regexp_full_match(words.word, '[0-9\-]+') as is_stop,
        {{ light_stem('words.word') }} as stem
    from words
    left join {{ ref('stopwords') }} as stopwords on words.word = stopwords.word
),

windowed as (
    select
        paper_id,
        in_title,
        word as w1,
        stem as s1,
        is_stop as stop1,
        lead(word, 1) over seg as w2,
        lead(stem, 1) over seg as s2,
        lead(is_stop, 1) over seg as stop2,
        lead(word, 2) over seg as w3,
        lead(stem, 2) over seg as s3,
        lead(is_stop, 2) over seg as stop3
    from tagged
    window seg as (partition by paper_id, in_title, segment_no order by word_no)
),

ngrams as (
    select paper_id, in_title, s1 as stem, w1 as surface from windowed where not stop1
    union all
    select paper_id, in_title, s1 || ' ' || s2, w1 || ' ' || w2
    from windowed where not stop1 and not stop2
    union all
    select paper_id, in_title, s1 || ' ' || s2 || ' ' || s3, w1 || ' ' || w2 || ' ' || w3
    from windowed where not stop1 and not stop2 and not stop3
)

select paper_id, stem, surface, count(*)::integer as n, bool_or(in_title) as in_title
from ngrams
group by paper_id, stem, surface
