{#- The key digests of the marts, kept in intermediate.int_mart_digests by each mart's
    post-hook, in the mart's transaction: per mart and hash of its key (paper_id for the
    per-paper marts papers, paper_links and paper_keywords; keyword and kind for keywords,
    url for links), the rows' count and the xor of their hashes, grouped as publish
    computes them (_key_digests in orchestration/warehouse/publish.py). Publish reads
    these instead of hashing every row of the marts on every refresh: at 1M, 0.46-0.56 s
    for the abstracts of papers and 0.3-0.4 s for paper_keywords' 11M rows, in a one-dump
    refresh that changed 1,300 papers. The hooks run with `this` = the mart. -#}

{#- The table of the digests, beside `mart` (a relation; `this` without one) -#}
{% macro mart_digests(mart=none) -%}
    {%- set beside = mart if mart is not none else this %}
    {{- return(beside.incorporate(path={'schema': 'intermediate', 'identifier': 'int_mart_digests'})) -}}
{%- endmacro %}

{#- The digests of the rows of `this` that `condition` picks (all without one), grouped
    by the hash of `key` (its key columns, as publish's PATCH_KEYS) -#}
{% macro digests_of_rows(condition=none, key='paper_id') %}
    select
        '{{ this.identifier }}' as mart,
        hash({{ key }}) as key_hash,
        count(*) as n,
        bit_xor(hash(t)) as digest
    from {{ this }} as t
    {% if condition is not none -%}
        where {% call rows_where(this) %} {{ condition }} {% endcall %}
    {%- endif %}
    group by key_hash
{% endmacro %}

{#- The digests of the mart's key groups kept again: those of the keys in `changed` (a
    relation or parenthesised subquery whose rows hold the key columns `key`) computed
    again from the mart's rows, every row whose key hashes like one of them, so a group
    two keys share stays whole; all of the mart's groups without `changed`, or when none
    are kept for this mart yet (a build made before the digests). -#}
{% macro keep_digests(changed, key='paper_id') %}
    {%- set kept = mart_digests() %}
    {%- set mart = this.identifier %}
    {%- set ns = namespace(some_kept=false) %}
    {%- if execute and changed is not none
        and adapter.get_relation(kept.database, kept.schema, kept.identifier) is not none %}
        {%- set found = run_query("select count(*) from " ~ kept ~ " where mart = '" ~ mart ~ "'") %}
        {%- set ns.some_kept = found.columns[0].values()[0] > 0 %}
    {%- endif %}
    create table if not exists {{ kept }} (
        mart varchar not null, key_hash ubigint not null, n bigint not null, digest ubigint not null
    );
    {% if ns.some_kept -%}
        create or replace temp table changed_key_hashes as
        select distinct hash({{ key }}) as key_hash from {{ changed }};
        delete from {{ kept }}
        where mart = '{{ mart }}' and key_hash in (from changed_key_hashes);
        insert into {{ kept }}
        {{ digests_of_rows('hash(' ~ key ~ ') in (from changed_key_hashes)', key) }};
        drop table changed_key_hashes
    {%- else -%}
        delete from {{ kept }} where mart = '{{ mart }}';
        insert into {{ kept }} {{ digests_of_rows(none, key) }}
    {%- endif %}
{% endmacro %}

{#- post-hook of a per-paper mart: the groups of `rebuilt` (a parenthesised subquery of
    the paper ids the build deleted or appended); all on a full build or without it -#}
{% macro keep_mart_digests(rebuilt) %}
    {{- keep_digests(rebuilt if is_incremental() else none) }}
{% endmacro %}

{#- post-hook of a counting mart (keywords, links: macros/counted_by_change.sql), before
    its logs' post-hook: the groups of the keys it counted again (temp table
    count_updates, left by its pre-hook); all when it counted every row -#}
{% macro keep_counted_digests() %}
    {{- keep_digests(
        'count_updates' if counted_updates_left() else none,
        counting_marts()[this.identifier] | join(', ')
    ) }}
{% endmacro %}

{#- The digests kept for `model` (a mart) count its rows: a check that no
    build lost or doubled a row or a key group behind the hooks (publish then hashes the
    mart's rows instead). Recounting the groups a build changed took 0.04 to 0.15 s a mart
    at 1M (every paper_id of paper_keywords' 11M rows is read to find them); the
    integration tests recount every group after each kind of build. -#}
{% test mart_digests_kept(model) %}
    {%- set kept = mart_digests(model) %}
    select 'digests count ' || kept_rows || ' rows, the mart holds ' || mart_rows as problem
    from (
        select
            (
                select coalesce(sum(n), 0) from {{ kept }} where mart = '{{ model.identifier }}'
            ) as kept_rows,
            (select count(*) from {{ model }}) as mart_rows
    )
    where kept_rows <> mart_rows
{% endtest %}
