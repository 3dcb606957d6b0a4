-- The papers whose text changed since the per-paper models last caught up: added (a new
-- paper), changed (a newer dump rewrote its title or abstract) or removed (its dumps were
-- superseded). The incremental models of this layer delete and rebuild exactly these
-- papers, so a refresh costs what the new dumps hold, not what the warehouse holds.
--
-- "Caught up" is int_paper_state, written only after every per-paper model, of this
-- layer and of the marts, built and passed its tests. It is read by name, not ref(),
-- because it is downstream of this model. When it or any incremental model is missing
-- (first build), or on --full-refresh, every paper counts as added: everything is rebuilt.
-- Only the papers int_papers logged as changed since the state caught up are compared
-- (every paper without the log: macros/papers_changed_log.sql).
{%- set incremental_models = [
    'int_paper_state', 'int_phrase_ranking', 'int_abstract_urls',
    'int_keyword_candidates', 'int_paper_links',
] %}
{%- set ns = namespace(complete=true) %}
{%- for name in incremental_models %}
    {%- if adapter.get_relation(this.database, this.schema, name) is none %}
        {%- set ns.complete = false %}
    {%- endif %}
{%- endfor %}
{%- set state = adapter.get_relation(this.database, this.schema, 'int_paper_state') %}
{%- set compared = ns.complete and not should_full_refresh() %}
{%- set logged = compared and papers_changed_logged() %}
with papers as (
    select paper_id, text_hash from {{ ref('int_papers') }}
    {% if logged %}where paper_id in {{ papers_changed() }}{% endif %}
)

{% if compared %}
, stored as (
    select paper_id, text_hash from {{ state }}
    {% if logged %}where paper_id in {{ papers_changed() }}{% endif %}
)

select
    coalesce(papers.paper_id, stored.paper_id) as paper_id,
    case
        when stored.paper_id is null then 'added'
        when papers.paper_id is null then 'removed'
        else 'changed'
    end as change
from papers
full outer join stored on papers.paper_id = stored.paper_id
where papers.text_hash is distinct from stored.text_hash
{% else %}
select paper_id, 'added' as change from papers
{% endif %}
