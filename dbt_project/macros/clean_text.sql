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
  Within a text that needs cleaning, each group of rules runs only if the text (as the
  groups before left it) holds the literal every rule of its group needs: the accents'
  backslash, the %, "arrow", "--"; without it the group changes nothing, but a regular
  expression costs as much on a text it leaves alone. The whitespace rule replaces only
  what changes (runs of two or more, tabs, line breaks), not every single space by
  itself: 4.3 -> 0.7 s for the 223,000 abstracts of the 1M bench that need cleaning.
  Titles and abstracts of the 1M bench, all cleaned (same output, every row compared):
  12.9-14.9 s -> 8.1-8.5 s.
-#}
{% macro clean_text(column) -%}
{#- (the literal the group needs, its rules as (pattern, replacement)) -#}
{%- set groups = [
    ("\\", [
        ("'\\\\%'", "'%'"),
        ("'\\\\\"\\{\\\\i\\}'", "'i' || chr(776)"),
        ("'\\\\''\\{?([A-Za-z])\\}?'", "'\\1' || chr(769)"),
        ("'\\\\`\\{?([A-Za-z])\\}?'", "'\\1' || chr(768)"),
        ("'\\\\\\^\\{?([A-Za-z])\\}?'", "'\\1' || chr(770)"),
        ("'\\\\\"\\{?([A-Za-z])\\}?'", "'\\1' || chr(776)"),
        ("'\\\\~\\{?([A-Za-z])\\}?'", "'\\1' || chr(771)"),
    ]),
    ("%", [("'([.!?])\\s+%\\s+'", "'\\1 '")]),
    ("arrow", [
        ("'(^|[^A-Za-z])\\\\?rightarrow'", "'\\1→'"),
        ("'(^|[^A-Za-z])\\\\?leftarrow'", "'\\1←'"),
    ]),
    ("--", [("'\\s---\\s'", "' — '"), ("'\\s--\\s'", "' – '")]),
] -%}
{#- what the rules change starts with a backslash, "arrow", "--", a % after a sentence, or
    whitespace to collapse or trim; the literals are found without a regular expression -#}
{%- set needs_cleaning = "'[.!?]\\s+%\\s|[\\t\\n\\r\\f]|\\s\\s|^\\s|\\s$'" -%}
{%- set ns = namespace(sql=column) -%}
{%- for literal, rules in groups -%}
    {%- set group = namespace(sql="s") -%}
    {%- for pattern, replacement in rules -%}
        {%- set group.sql = "regexp_replace(" ~ group.sql ~ ", " ~ pattern ~ ", " ~ replacement ~ ", 'g')" -%}
    {%- endfor -%}
    {#- the one-element list names the text so far `s`, for contains() and the rules -#}
    {%- set ns.sql = "list_transform([" ~ ns.sql ~ "], lambda s: case when contains(s, '"
        ~ literal ~ "') then " ~ group.sql ~ " else s end)[1]" -%}
{%- endfor -%}
nfc_normalize(
    case
        when
            contains({{ column }}, '\') or contains({{ column }}, 'arrow')
            or contains({{ column }}, '--') or regexp_matches({{ column }}, {{ needs_cleaning }})
            then trim(regexp_replace({{ ns.sql }}, '\s\s+|[\t\n\r\f]', ' ', 'g'))
        else {{ column }}
    end
)
{%- endmacro %}
