{#-
  The light stemmer keyphrases match on: lower-case text in, each word's plural ending
  dropped ("studies" -> "study", "models" -> "model", "class" stays). Works on single
  words and on space-separated phrases alike, so a phrase and its words always agree.
  Its single-word twin in Python, light_stem in orchestration/parsing/phrases.py, stems
  the candidates (tests/unit/test_phrases.py holds the two equal).
-#}
{% macro light_stem(text) -%}
regexp_replace(
    regexp_replace({{ text }}, 'ies(\s|$)', 'y\1', 'g'), '([^s])s(\s|$)', '\1\2', 'g'
)
{%- endmacro %}
