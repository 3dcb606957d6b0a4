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
  The rules only run on a text that holds something they change: a backslash, "arrow",
  "--", a % after a sentence's end, whitespace other than single spaces, or space at an
  end. Most texts hold none, and one match saves thirteen regular expressions (half the
  staging time). A bare % (5%) does not count: a fifth of the abstracts hold one.
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
{#- what the rules change starts with a backslash, "arrow", "--", a % after a sentence, or
    whitespace to collapse or trim; the literals are found without a regular expression -#}
{%- set needs_cleaning = "'[.!?]\\s+%\\s|[\\t\\n\\r\\f]|\\s\\s|^\\s|\\s$'" -%}
{%- set ns = namespace(sql=column) -%}
{%- for pattern, replacement in rules -%}
    {%- set ns.sql = "regexp_replace(" ~ ns.sql ~ ", " ~ pattern ~ ", " ~ replacement ~ ", 'g')" -%}
{%- endfor -%}
nfc_normalize(
    case
        when
            contains({{ column }}, '\') or contains({{ column }}, 'arrow')
            or contains({{ column }}, '--') or regexp_matches({{ column }}, {{ needs_cleaning }})
            then trim({{ ns.sql }})
        else {{ column }}
    end
)
{%- endmacro %}
