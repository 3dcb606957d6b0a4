{#-
  The light stemmer keyphrases match on: lower-case text in, each word's plural ending
  dropped ("studies" -> "study", "models" -> "model", "class" stays). Works on single
  words and on space-separated phrases alike, so a phrase and its words always agree.
-#}
{% macro light_stem(text) -%}
regexp_replace(
    regexp_replace({{ text }}, 'ies(\s|$)', 'y\1', 'g'), '([^s])s(\s|$)', '\1\2', 'g'
)
{%- endmacro %}
