-- One row per paper across all loaded dumps. The latest dump (in dump order) gives the
-- title and abstract; within one dump the first occurrence wins.
-- The aggregates over a paper's records use their keys only; the text is fetched for the
-- winning record alone (carrying every record's text through a sort took twice as long).
-- Incremental: `records_hash` sums up which records a paper has (dump version, file name,
-- line), and a build rebuilds only the papers whose sum changed (records in a new or
-- corrected dump). Everything below follows from those records, so only the changed
-- papers are aggregated: summing up a million records takes 0.08 s, the aggregates 0.9 to
-- 1.3 s. (A build by a version that summed up the aggregates instead finds every sum
-- changed and rebuilds once.) The pre-hook finds those papers (temp table
-- papers_resummed) and drops the papers that no dump holds any more; while dumps were only
-- added since the last build, it sums up the papers with a record in a new one only, and
-- drops none (macros/incremental_dumps.sql). The hooks log the papers they change, for
-- int_paper_changes and the papers mart (macros/papers_changed_log.sql).
{%- set resummed = is_incremental()
    and relation_with_column(this.schema, this.identifier, 'records_hash') is not none %}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='paper_id',
    on_schema_change='append_new_columns',
    pre_hook=["{{ prepare_papers_rebuild() }}", "{{ write_text_with_zstd() }}"],
    post_hook=[
        "{{ log_papers_resummed() }}",
        "{{ keep_papers_dumps() }}",
        after_commit("{{ write_default_compression() }}"),
    ],
) }}
with changed as (
    {% if resummed %}
        select paper_id, records_hash from papers_resummed
    {% else %}
        {{ records_hashes() }}
    {% endif %}
),

seen as (
    select
        paper_id,
        min(dump_name) as first_seen_dump,
        max(dump_name) as last_seen_dump,
        count(distinct dump_name) as n_dumps,
        count(*) as n_records,
        arg_min(listing_date, dump_name) filter (where listing_date is not null) as listing_date,
        -- the record whose text wins: the latest dump, then the first line in it
        arg_max(
            {'dump_sha256': dump_sha256, 'line_number': line_number},
            {'dump_name': dump_name, 'line': -line_number}
        ) as text_record
    from {{ ref('stg_records') }}
    {% if resummed %}
        where paper_id in (select paper_id from changed)
    {% endif %}
    group by paper_id
)

select
    changed.paper_id,
    records.title,
    records.abstract,
    records.title_key,
    seen.first_seen_dump,
    seen.last_seen_dump,
    seen.n_dumps,
    seen.n_records,
    seen.listing_date,
    hash(records.title, records.abstract) as text_hash,
    changed.records_hash
from changed
inner join seen on changed.paper_id = seen.paper_id
inner join {{ ref('stg_records') }} as records
    on
        records.dump_sha256 = seen.text_record.dump_sha256
        and records.line_number = seen.text_record.line_number
