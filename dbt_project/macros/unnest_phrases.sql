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

{#- Generic test on int_phrase_ranking: every phrase of the rows this build ranked (those
    of int_phrase_targets, every row on a full build) has its keyword. A row is never
    changed after it is appended, so every stored row was checked by the build that ranked
    it; a not_null test on int_paper_phrases' keyword unnested every paper's phrases on
    every build (0.24 s of a one-dump refresh at 1M). -#}
{% test ranked_phrases_have_keywords(model) %}
    {%- set targets = relation_by_name('int_phrase_targets') if execute else none %}
    select paper_id, phrase.rank
    from (
        select paper_id, unnest(phrases) as phrase
        from {{ model }}
        where
            {% call rows_where(model) %}
                paper_id in (select paper_id from {{ targets }})
            {% endcall %}
    )
    where phrase.keyword is null
{% endtest %}
