-- Keyphrases per paper, ranked by TF-IDF across the whole corpus, from the candidate
-- counts of int_phrase_counts. A phrase is shown in its most common spelling.
-- Ranking: tf * idf, longer phrases favoured, phrases of the title doubled. Dropped:
-- phrases seen once in the whole corpus (tf = df = 1: mostly verb fragments), phrases
-- ending in a past participle ("generated", "taken together"), phrases that
-- only ever occur inside a longer candidate of the same paper ("few-shot image" inside
-- "few-shot image classification"), and the paper's own acronyms and title name, which
-- are keywords of their own kinds.
-- Incremental: only the papers of int_phrase_targets are ranked (with the statistics of
-- the whole corpus); the others keep their ranking. `corpus_papers` is the paper count
-- the ranking used, `ranked_at` when (UTC; its gate validates only rows ranked since it
-- last passed).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook="{{ delete_papers(papers_to_rank()) }}",
) }}
-- depends_on: {{ ref('int_paper_changes') }}
with targets as (
    select paper_id from {{ ref('int_phrase_targets') }}
),

-- the targets' candidates, one row per paper and stem: tf, in_title and container_tf
-- were worked out per paper when the candidates were counted
term_frequency as (
    select paper_id, stem, tf, in_title, container_tf
    from {{ ref('int_phrase_counts') }}
    where tf is not null and paper_id in (select paper_id from targets)
),

-- corpus statistics are needed for the targets' candidates only (on a full build, all)
corpus_counts as (
    select stem, surface, n, tf
    from {{ ref('int_phrase_counts') }}
    {% if is_incremental() %}
        where stem in (select stem from term_frequency)
    {% endif %}
),

-- keyphrases are noun phrases: none ends in a past participle ("generated")
document_frequency as (
    select stem, count(tf) as df
    from corpus_counts
    where not regexp_matches(stem, '[^e]ed$')
    group by stem
),

corpus as (
    select count(*) as n_papers from {{ ref('int_papers') }}
),

surfaces as (
    -- the most common spelling; ties go to the alphabetically first, so runs agree
    select stem, surface
    from (select stem, surface, sum(n) as n from corpus_counts group by stem, surface)
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
        * (1 + 0.5 * (length(term_frequency.stem) - length(replace(term_frequency.stem, ' ', ''))))
        * (case when term_frequency.in_title then 2 else 1 end) as score
    from term_frequency
    inner join document_frequency on term_frequency.stem = document_frequency.stem
    inner join surfaces on term_frequency.stem = surfaces.stem
    cross join corpus
    left join acronym_uses
        on term_frequency.paper_id = acronym_uses.paper_id
        and term_frequency.stem = acronym_uses.stem
    left join own_keywords
        on term_frequency.paper_id = own_keywords.paper_id
        and term_frequency.stem = own_keywords.stem
    where
        document_frequency.df < greatest(2, 0.2 * corpus.n_papers)
        and (term_frequency.tf > 1 or document_frequency.df > 1)
        and term_frequency.tf > term_frequency.container_tf
        and own_keywords.stem is null
)

select
    paper_id,
    keyword,
    surface,
    round(score, 6) as score,
    row_number() over (partition by paper_id order by score desc, keyword) as rank,
    (select n_papers from corpus) as corpus_papers,
    timezone('UTC', now()) as ranked_at
from scored
qualify rank <= 10
