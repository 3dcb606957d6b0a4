-- Keyphrases per paper, ranked by TF-IDF across the whole corpus.
-- Candidates: 1-3 word n-grams inside runs of words bounded by punctuation and stopwords
-- (seed `stopwords`), in the title and the abstract. Words match on a light stem (plural
-- endings dropped); a phrase is shown in its most common surface form.
-- Ranking: tf * idf, longer phrases favoured, phrases of the title doubled. Dropped:
-- phrases seen once in the whole corpus (tf = df = 1: mostly verb fragments), phrases
-- ending in a past participle ("generated", "taken together"), phrases that
-- only ever occur inside a longer candidate of the same paper ("few-shot image" inside
-- "few-shot image classification"), and the paper's own acronyms and title name, which
-- are keywords of their own kinds.
with texts as (
    select paper_id, true as in_title, title as body from {{ ref('int_papers') }}
    union all
    select paper_id, false, abstract from {{ ref('int_papers') }}
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

-- every occurrence, with the stems of the shorter n-grams inside it
ngrams as (
    select paper_id, in_title, 1 as n, s1 as stem, w1 as surface, []::varchar[] as inner_stems
    from windowed where not stop1
    union all
    select paper_id, in_title, 2, s1 || ' ' || s2, w1 || ' ' || w2, [s1, s2]
    from windowed where not stop1 and not stop2
    union all
    select
        paper_id,
        in_title,
        3,
        s1 || ' ' || s2 || ' ' || s3,
        w1 || ' ' || w2 || ' ' || w3,
        [s1, s2, s3, s1 || ' ' || s2, s2 || ' ' || s3]
    from windowed where not stop1 and not stop2 and not stop3
),

term_frequency as (
    select
        paper_id,
        stem,
        any_value(n) as n,
        any_value(inner_stems) as inner_stems,
        count(*) as tf,
        bool_or(in_title) as in_title
    from ngrams
    group by paper_id, stem
),

-- a candidate is subsumed when a longer candidate of the same paper holds it at least
-- as often as it occurs at all
containers as (
    select paper_id, stem, max(container_tf) as container_tf
    from (select paper_id, unnest(inner_stems) as stem, tf as container_tf from term_frequency)
    group by paper_id, stem
),

document_frequency as (
    select stem, count(*) as df
    from term_frequency
    group by stem
),

corpus as (
    select count(*) as n_papers from {{ ref('int_papers') }}
),

surfaces as (
    -- the most common spelling; ties go to the alphabetically first, so runs agree
    select stem, surface
    from (select stem, surface, count(*) as n from ngrams group by stem, surface)
    qualify row_number() over (partition by stem order by n desc, surface) = 1
),

-- an acronym's uses count as uses of its long form ("LLMs" -> "large language model")
acronym_uses as (
    select
        acronyms.paper_id,
        {{ light_stem('acronyms.expansion') }} as stem,
        sum(term_frequency.tf) as tf
    from {{ ref('int_keyword_candidates') }} as acronyms
    inner join term_frequency
        on acronyms.paper_id = term_frequency.paper_id
        and {{ light_stem('lower(acronyms.keyword)') }} = term_frequency.stem
    where acronyms.kind = 'acronym'
    group by all
),

own_keywords as (
    select distinct paper_id, {{ light_stem('lower(keyword)') }} as stem
    from {{ ref('int_keyword_candidates') }}
),

scored as (
    select
        term_frequency.paper_id,
        term_frequency.stem as keyword,
        surfaces.surface,
        (term_frequency.tf + coalesce(acronym_uses.tf, 0))
        * ln(1 + corpus.n_papers / document_frequency.df)
        * (1 + 0.5 * (term_frequency.n - 1))
        * (case when term_frequency.in_title then 2 else 1 end) as score
    from term_frequency
    inner join document_frequency on term_frequency.stem = document_frequency.stem
    inner join surfaces on term_frequency.stem = surfaces.stem
    cross join corpus
    left join containers
        on term_frequency.paper_id = containers.paper_id
        and term_frequency.stem = containers.stem
    left join acronym_uses
        on term_frequency.paper_id = acronym_uses.paper_id
        and term_frequency.stem = acronym_uses.stem
    left join own_keywords
        on term_frequency.paper_id = own_keywords.paper_id
        and term_frequency.stem = own_keywords.stem
    where
        document_frequency.df < greatest(2, 0.2 * corpus.n_papers)
        and (term_frequency.tf > 1 or document_frequency.df > 1)
        and term_frequency.tf > coalesce(containers.container_tf, 0)
        and own_keywords.stem is null
        -- keyphrases are noun phrases: none ends in a past participle ("generated")
        and not regexp_matches(term_frequency.stem, '[^e]ed$')
)

select
    paper_id,
    keyword,
    surface,
    round(score, 6) as score,
    row_number() over (partition by paper_id order by score desc, keyword) as rank
from scored
qualify rank <= 10
