{#- Generic test: no two rows share the given combination of columns.
    Grouped first by one hash of the columns (a 64-bit number groups twice as fast as
    three strings: 2.1 s -> 1.3 s on 11M paper_keywords), then exactly, over only the
    rows whose hash repeats: a hash collision alone never fails the test. -#}
{% test unique_combination(model, columns) %}
{%- set combination = columns | join(', ') -%}
with repeated_hashes as (
    select hash({{ combination }}) as row_hash
    from {{ model }}
    group by row_hash
    having count(*) > 1
)

select {{ combination }}, count(*) as n
from {{ model }}
where hash({{ combination }}) in (select row_hash from repeated_hashes)
group by {{ combination }}
having count(*) > 1
{% endtest %}
