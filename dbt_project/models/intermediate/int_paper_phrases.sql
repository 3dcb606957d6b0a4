-- Keyphrases per paper, one row per paper and phrase: the top 10 of int_phrase_ranking,
-- unnested. Ranking rules: orchestration/parsing/phrases.py (rank_phrases). `corpus_papers`
-- is the paper count the ranking used, `ranked_at` when (UTC; the gate validates only
-- rows ranked since it last passed).
{{ config(materialized='view') }}
select
    paper_id,
    phrase.keyword,
    phrase.surface,
    phrase.score,
    phrase.rank,
    corpus_papers,
    ranked_at
from (
    select paper_id, unnest(phrases) as phrase, corpus_papers, ranked_at
    from {{ ref('int_phrase_ranking') }}
)
