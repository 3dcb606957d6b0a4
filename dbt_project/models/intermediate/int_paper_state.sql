-- The text version of every paper that the incremental models of this layer have
-- processed. Built last: the depends_on lines below put it after each of them, so when
-- one fails (or its tests do), dbt skips this model, the state stays behind, and the next
-- build re-processes the same papers (deleting and re-inserting them is idempotent).
-- depends_on: {{ ref('int_keyword_candidates') }}
-- depends_on: {{ ref('int_abstract_urls') }}
-- depends_on: {{ ref('int_paper_links') }}
-- depends_on: {{ ref('int_phrase_ranking') }}
select paper_id, text_hash from {{ ref('int_papers') }}
