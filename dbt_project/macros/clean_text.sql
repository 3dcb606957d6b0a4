{#-
  Clean a title or abstract written by copy-paste from a LaTeX-sourced page. The rules
  apply in order:
  - \% -> %;
  - LaTeX accents become real letters: S\'umulas -> Súmulas, T\"ulu -> Tülu,
    na\"{\i}ve -> naïve (the letter gets a combining mark, then NFC composes the pair);
  - a stray comment mark between sentences ("results. % Moreover") is dropped;
  - "rightarrow" / "leftarrow" left over from $\rightarrow$ become → / ←;
  - " --- " -> " — ", " -- " -> " – " (only between spaces, so URLs keep their dashes);
  - whitespace runs collapse to one space, ends are trimmed, Unicode NFC.
-#}
{% macro clean_text(column) -%}
{%- set rules = [
    ("'\\\\%'", "'%'"),
    ("'\\\\\"\\{\\\\i\\}'", "'i' || chr(776)"),
    ("'\\\\''\\{?([A-Za-z])\\}?'", "'\\1' || chr(769)"),
    ("'\\\\`\\{?([A-Za-z])\\}?'", "'\\1' || chr(768)"),
    ("'\\\\\\^\\{?([A-Za-z])\\}?'", "'\\1' || chr(770)"),
    ("'\\\\\"\\{?([A-Za-z])\\}?'", "'\\1' || chr(776)"),
    ("'\\\\~\\{?([A-Za-z])\\}?'", "'\\1' || chr(771)"),
    ("'([.!?])\\s+%\\s+'", "'\\1 '"),
    ("'(^|[^A-Za-z])\\\\?rightarrow'", "'\\1→'"),
    ("'(^|[^A-Za-z])\\\\?leftarrow'", "'\\1←'"),
    ("'\\s---\\s'", "' — '"),
    ("'\\s--\\s'", "' – '"),
    ("'\\s+'", "' '"),
] -%}
{%- set ns = namespace(sql=column) -%}
{%- for pattern, replacement in rules -%}
    {%- set ns.sql = "regexp_replace(" ~ ns.sql ~ ", " ~ pattern ~ ", " ~ replacement ~ ", 'g')" -%}
{%- endfor -%}
nfc_normalize(trim({{ ns.sql }}))
{%- endmacro %}
