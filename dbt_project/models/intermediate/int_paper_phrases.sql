-- Keyphrase candidates ranked by TF-IDF across the whole corpus.
-- Candidates are 1-3 word n-grams inside runs of words bounded by punctuation and
-- stopwords (seed `stopwords`); words are matched on a light stem (plural endings
-- dropped) and each phrase is shown in its most common surface form.
with papers as (
    select paper_id, title || ' . ' || abstract as body
    from {{ ref('int_papers') }}
),

split_segments as (
    select
        paper_id,
        regexp_split_to_array(lower(body), '[^a-z0-9\- ]+|\s-\s|\s-|-\s') as parts
    from papers
),

segments as (
    select
        paper_id,
        unnest(parts) as segment,
        generate_subscripts(parts, 1) as segment_no
    from split_segments
),

split_words as (
    select paper_id, segment_no, string_split(trim(segment), ' ') as parts
    from segments
),

words as (
    select * from (
        select
            paper_id,
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
        regexp_replace(
            regexp_replace(words.word, 'ies$', 'y'), '([^s])s$', '\1'
        ) as stem
    from words
    left join {{ ref('stopwords') }} as stopwords on words.word = stopwords.word
),

windowed as (
    select
        paper_id,
        word_no,
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
    window seg as (partition by paper_id, segment_no order by word_no)
),

ngrams as (
    select paper_id, s1 as stem, w1 as surface from windowed where not stop1
    union all
    select paper_id, s1 || ' ' || s2, w1 || ' ' || w2
    from windowed where not stop1 and not stop2
    union all
    select paper_id, s1 || ' ' || s2 || ' ' || s3, w1 || ' ' || w2 || ' ' || w3
    from windowed where not stop1 and not stop2 and not stop3
),

term_frequency as (
    select paper_id, stem, count(*) as tf
    from ngrams
    group by paper_id, stem
),

document_frequency as (
    select stem, count(*) as df
    from term_frequency
    group by stem
),

corpus as (
    select count(*) as n_papers from papers
),

surfaces as (
    -- the most common spelling; ties go to the alphabetically first, so runs agree
    select stem, surface
    from (select stem, surface, count(*) as n from ngrams group by stem, surface)
    qualify row_number() over (partition by stem order by n desc, surface) = 1
),

scored as (
    select
        term_frequency.paper_id,
        term_frequency.stem as keyword,
        surfaces.surface,
        term_frequency.tf
        * ln(1 + corpus.n_papers / document_frequency.df)
        * (1 + 0.5 * (length(term_frequency.stem) - length(replace(term_frequency.stem, ' ', ''))))
        as score
    from term_frequency
    inner join document_frequency on term_frequency.stem = document_frequency.stem
    inner join surfaces on term_frequency.stem = surfaces.stem
    cross join corpus
    where document_frequency.df < greatest(2, 0.2 * corpus.n_papers)
)

select
    paper_id,
    keyword,
    surface,
    round(score, 6) as score,
    row_number() over (partition by paper_id order by score desc, keyword) as rank
from scored
qualify rank <= 10
