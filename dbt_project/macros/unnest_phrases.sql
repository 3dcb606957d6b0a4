{#- The rows of int_paper_phrases: the phrases of `ranking` (int_phrase_ranking, or a
    parenthesised subquery of some of its rows), one row per paper and phrase.
    A filter on these rows is not pushed below the unnest: DuckDB reads and unnests every
    paper's phrases first. So a model that wants a few papers' phrases picks their
    ranking rows first and unnests only those (paper_keywords' 1,300 papers of a one-dump
    refresh at 1M: 0.14 to 0.18 s filtering the view, 0.012 s so). -#}
{% macro unnest_phrases(ranking) %}
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
    from {{ ranking }}
)
{% endmacro %}
