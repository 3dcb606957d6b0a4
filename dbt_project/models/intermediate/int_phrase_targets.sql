-- The papers int_phrase_ranking ranks in this build. TF-IDF needs corpus statistics
-- (document frequencies, the paper count), which every new dump shifts a little. Ranking
-- every paper again on each refresh would make a one-dump refresh cost a full build, so:
-- - the added and changed papers are ranked, with the statistics of the whole corpus now;
-- - the other papers keep the ranking of the build that made it (int_phrase_ranking
--   records the paper count it used, `corpus_papers`);
-- - once the corpus has grown by more than var('phrase_rerank_growth') (10%) since the
--   oldest ranking still in use, every paper is ranked again, so no ranking is ever
--   based on less than ~90% of the corpus. `paperhouse refresh --full` does it on demand.
-- int_phrase_ranking is read by name, not ref(), because it is downstream of this model.
-- depends_on: {{ ref('int_paper_changes') }}
{%- set phrases = adapter.get_relation(this.database, this.schema, 'int_phrase_ranking') %}
{%- set ranked_before = phrases is not none and not should_full_refresh()
    and 'corpus_papers' in (adapter.get_columns_in_relation(phrases) | map(attribute='name')) %}
with papers as (
    select paper_id from {{ ref('int_papers') }}
)

{% if ranked_before %}
, rank_all as (
    select
        count(*) filter (where corpus_papers is null) > 0
        or (select count(*) from papers)
        > (1 + {{ var('phrase_rerank_growth') }}) * min(corpus_papers) as yes
    from {{ phrases }}
)

select paper_id from papers
where
    (select yes from rank_all)
    or paper_id in (
        select paper_id from {{ ref('int_paper_changes') }} where change <> 'removed'
    )
{% else %}
select paper_id from papers
{% endif %}
