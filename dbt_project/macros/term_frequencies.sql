{#- The document frequencies of int_phrase_ranking's stored term keys (stem_key, df: the
    papers whose stem_keys hold the key), kept beside it in the table named by its config
    `term_frequencies` by its hooks, in its transaction: a pre-hook takes out the keys of
    the rows the build deletes, a post-hook adds those of the rows it appended. A build
    then reads the counts instead of counting every stored key again (at 1M: 149M keys,
    0.75-1.7 s, into 1.07M counts). The hooks run with `this` = int_phrase_ranking. -#}

{% macro term_frequencies() -%}
    {{- this.incorporate(path={'identifier': config.get('term_frequencies')}) -}}
{%- endmacro %}

{#- Papers per term key of the rows of `this` that `condition` picks (all without one) -#}
{% macro frequencies_of_rows(condition=none) %}
    select key as stem_key, count(*) as df
    from (
        select unnest(stem_keys) as key from {{ this }}
        {% if condition is not none -%}
            where {% call rows_where(this) %} {{ condition }} {% endcall %}
        {%- endif %}
    )
    group by key
{% endmacro %}

{#- pre-hook: on an incremental build, the counts of the stored rows (counted here once
    when a build made before them has none), and the rows' numbers of keys (n_keys, filled
    in here once on a build made before the column); on a full one, no counts yet -#}
{% macro keep_term_frequencies() %}
    {%- if is_incremental() -%}
        {%- if 'n_keys' not in (adapter.get_columns_in_relation(this) | map(attribute='name')) %}
            alter table {{ this }} add column n_keys integer;
            update {{ this }} set n_keys = len(stem_keys);
        {% endif -%}
        create table if not exists {{ term_frequencies() }} as {{ frequencies_of_rows() }}
    {%- else -%}
        create or replace table {{ term_frequencies() }} (
            stem_key ubigint not null, df bigint not null
        )
    {%- endif -%}
{% endmacro %}

{#- pre-hook, before the rows of `papers` (a parenthesised subquery of paper ids) are
    deleted: their keys taken out of the counts (a key no paper holds any more goes) -#}
{% macro subtract_term_frequencies(papers) %}
    {%- if is_incremental() -%}
        merge into {{ term_frequencies() }} as kept
        using ({{ frequencies_of_rows('paper_id in ' ~ papers) }}) as gone
        on kept.stem_key = gone.stem_key
        when matched and kept.df = gone.df then delete
        when matched then update set df = kept.df - gone.df
    {%- endif -%}
{% endmacro %}

{#- post-hook: the keys of the rows this build appended (those of int_phrase_targets,
    every paper on a full build) added to the counts -#}
{% macro add_term_frequencies() %}
    merge into {{ term_frequencies() }} as kept
    using (
        {{ frequencies_of_rows(
            'paper_id in (select paper_id from ' ~ ref('int_phrase_targets') ~ ')'
        ) }}
    ) as added
    on kept.stem_key = added.stem_key
    when matched then update set df = kept.df + added.df
    when not matched then insert (stem_key, df) values (added.stem_key, added.df)
{% endmacro %}

{#- The counts the hooks keep add up to the stored keys of `model` (int_phrase_ranking),
    and none is below 1: a check that no build lost or doubled a paper's keys. The stored
    keys are counted from each row's n_keys, and the rows this build ranked (those of
    int_phrase_targets, every row on a full build) must hold as many keys as their n_keys
    says: a row is never changed after it is appended, so every stored n_keys was checked
    by the build that wrote it. Summing the lengths of 149M stored keys instead took 0.4
    to 0.55 s of a one-dump refresh at 1M (the keys are not in DuckDB's cache then);
    comparing every count with a recount would cost what keeping them saves. -#}
{% test term_frequencies_kept(model, frequencies) %}
    {%- set kept = model.incorporate(path={'identifier': frequencies}) %}
    {%- set targets = relation_by_name('int_phrase_targets') if execute else none %}
    select 'counts add up to ' || kept_total || ', stored keys ' || stored_total as problem
    from (
        select
            (select coalesce(sum(df), 0) from {{ kept }}) as kept_total,
            (select coalesce(sum(n_keys), 0) from {{ model }}) as stored_total
    )
    where kept_total <> stored_total
    union all
    select 'key ' || stem_key || ' counted ' || df from {{ kept }} where df < 1
    union all
    select 'paper ' || paper_id || ': n_keys ' || coalesce(n_keys::varchar, 'null')
        || ', keys ' || len(stem_keys)
    from {{ model }}
    where
        {% call rows_where(model) %}
            paper_id in (select paper_id from {{ targets }})
        {% endcall %}
        and n_keys is distinct from len(stem_keys)
{% endtest %}
