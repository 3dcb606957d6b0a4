-- Keyphrases per paper, one row per paper and phrase: the top 10 of int_phrase_ranking,
-- unnested. Ranking rules: orchestration/parsing/phrases.py (rank_phrases). `corpus_papers`
-- is the paper count the ranking used, `ranked_at` when (UTC; the gate validates only
-- rows ranked since it last passed).
{{ config(materialized='view') }}
{{ unnest_phrases(ref('int_phrase_ranking')) }}
