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

{#- post-hook: the digests of the key groups of `rebuilt` (a parenthesised subquery of the
    paper ids the build deleted or appended) computed again from the mart's rows: every
    row whose paper_id hashes like one of them, so a group two papers share stays whole.
    All of the mart's groups on a full build, without `rebuilt`, or when none are kept for
    this mart yet (a build made before the digests). -#}
{% macro keep_mart_digests(rebuilt) %}
    {%- set kept = mart_digests() %}
    {%- set mart = this.identifier %}
    {%- set ns = namespace(some_kept=false) %}
    {%- if execute and is_incremental() and rebuilt is not none
        and adapter.get_relation(kept.database, kept.schema, kept.identifier) is not none %}
        {%- set found = run_query("select count(*) from " ~ kept ~ " where mart = '" ~ mart ~ "'") %}
        {%- set ns.some_kept = found.columns[0].values()[0] > 0 %}
    {%- endif %}
    create table if not exists {{ kept }} (
        mart varchar not null, key_hash ubigint not null, n bigint not null, digest ubigint not null
    );
    {% if ns.some_kept -%}
        create or replace temp table rebuilt_key_hashes as
        select distinct hash(paper_id) as key_hash from {{ rebuilt }};
        delete from {{ kept }}
        where mart = '{{ mart }}' and key_hash in (from rebuilt_key_hashes);
        insert into {{ kept }}
        {{ digests_of_rows('hash(paper_id) in (from rebuilt_key_hashes)') }};
        drop table rebuilt_key_hashes
    {%- else -%}
        delete from {{ kept }} where mart = '{{ mart }}';
        insert into {{ kept }} {{ digests_of_rows() }}
    {%- endif %}
{% endmacro %}

{#- post-hook of a counting mart (keywords, links: macros/counted_by_change.sql), before
    its logs' post-hook: the digests of the keys it counted again (temp table
    count_updates, left by its pre-hook), computed again from the mart's rows, every row
    whose key hashes like one of them; all of its groups when it counted every row, or
    when none are kept for it yet. -#}
{% macro keep_counted_digests() %}
    {%- set kept = mart_digests() %}
    {%- set mart = this.identifier %}
    {%- set key = counting_marts()[mart] | join(', ') %}
    {%- set ns = namespace(some_kept=false) %}
    {%- if counted_updates_left()
        and adapter.get_relation(kept.database, kept.schema, kept.identifier) is not none %}
        {%- set found = run_query("select count(*) from " ~ kept ~ " where mart = '" ~ mart ~ "'") %}
        {%- set ns.some_kept = found.columns[0].values()[0] > 0 %}
    {%- endif %}
    create table if not exists {{ kept }} (
        mart varchar not null, key_hash ubigint not null, n bigint not null, digest ubigint not null
    );
    {% if ns.some_kept -%}
        create or replace temp table counted_key_hashes as
        select distinct hash({{ key }}) as key_hash from count_updates;
        delete from {{ kept }}
        where mart = '{{ mart }}' and key_hash in (from counted_key_hashes);
        insert into {{ kept }}
        {{ digests_of_rows('hash(' ~ key ~ ') in (from counted_key_hashes)', key) }};
        drop table counted_key_hashes
    {%- else -%}
        delete from {{ kept }} where mart = '{{ mart }}';
        insert into {{ kept }} {{ digests_of_rows(none, key) }}
    {%- endif %}
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
