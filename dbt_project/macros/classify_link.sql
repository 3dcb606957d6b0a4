{#-
  The single place where host and path rules classify a canonical URL.

  link_type (on host, path):
    github.com /owner/name[/...]                     github_repo  repo_id owner/name
    github.com /owner                                github_user
    huggingface.co /datasets/ns/name[/...]           hf_dataset   repo_id ns/name
    huggingface.co /spaces/ns/name[/...]             hf_space     repo_id ns/name
    huggingface.co /collections/...                  hf_collection
    huggingface.co /papers/...                       hf_paper
    huggingface.co /ns/name[/...]                    hf_model     repo_id ns/name
    huggingface.co /ns                               hf_user
    arxiv.org                                        arxiv
    doi.org, dx.doi.org                              doi
    *.github.io, *.gitlab.io, *.pages.dev, ...       project_page
    anything else                                    other
  GitHub paths that are site pages (/orgs, /features, /topics, ...) are not users or repos.
-#}
{% macro link_path(url) -%}
regexp_extract({{ url }}, '^https://[^/?#]+(/[^?#]*)?', 1)
{%- endmacro %}

{% macro link_type(host, path) -%}
case
    when {{ host }} = 'github.com'
        and regexp_matches({{ path }}, '^/(orgs|features|topics|marketplace|sponsors|settings|about|search|collections|apps)(/|$)')
        then 'other'
    when {{ host }} = 'github.com' and regexp_matches({{ path }}, '^/[^/]+/[^/]+') then 'github_repo'
    when {{ host }} = 'github.com' and regexp_matches({{ path }}, '^/[^/]+$') then 'github_user'
    when {{ host }} = 'huggingface.co' and regexp_matches({{ path }}, '^/datasets/[^/]+/[^/]+') then 'hf_dataset'
    when {{ host }} = 'huggingface.co' and regexp_matches({{ path }}, '^/spaces/[^/]+/[^/]+') then 'hf_space'
    when {{ host }} = 'huggingface.co' and regexp_matches({{ path }}, '^/collections/') then 'hf_collection'
    when {{ host }} = 'huggingface.co' and regexp_matches({{ path }}, '^/papers(/|$)') then 'hf_paper'
    when {{ host }} = 'huggingface.co' and regexp_matches({{ path }}, '^/(datasets|spaces|models|docs|blog|learn|tasks)(/|$)') then 'other'
    when {{ host }} = 'huggingface.co' and regexp_matches({{ path }}, '^/[^/]+/[^/]+') then 'hf_model'
    when {{ host }} = 'huggingface.co' and regexp_matches({{ path }}, '^/[^/]+$') then 'hf_user'
    when {{ host }} in ('arxiv.org', 'export.arxiv.org') then 'arxiv'
    when {{ host }} in ('doi.org', 'dx.doi.org') then 'doi'
    when regexp_matches({{ host }}, '\.(github\.io|gitlab\.io|pages\.dev|netlify\.app|vercel\.app|readthedocs\.io)$')
        or {{ host }} = 'sites.google.com'
        then 'project_page'
    else 'other'
end
{%- endmacro %}

{% macro link_repo_id(link_type, path) -%}
case
    when {{ link_type }} in ('github_repo', 'hf_model')
        then regexp_extract({{ path }}, '^/([^/]+/[^/]+)', 1)
    when {{ link_type }} in ('hf_dataset', 'hf_space')
        then regexp_extract({{ path }}, '^/[^/]+/([^/]+/[^/]+)', 1)
end
{%- endmacro %}

{#- A repository on a code host: GitHub, owner/name on GitLab, Gitee, Bitbucket, Codeberg,
    or an anonymised review repository (anonymous.4open.science/r/name). -#}
{% macro is_code_link(link_type, host, path) -%}
(
    {{ link_type }} = 'github_repo'
    or ({{ host }} in ('gitlab.com', 'gitee.com', 'bitbucket.org', 'codeberg.org')
        and regexp_matches({{ path }}, '^/[^/]+/[^/]+'))
    or ({{ host }} = 'anonymous.4open.science' and regexp_matches({{ path }}, '^/r/[^/]+'))
)
{%- endmacro %}
