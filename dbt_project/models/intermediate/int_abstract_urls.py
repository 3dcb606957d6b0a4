"""Every URL occurrence in the papers' abstracts, canonicalised.

The extraction and canonicalisation rules live in orchestration/parsing/urls.py, where
they are unit-tested; this model runs them over the whole abstract column at once.
"""

from orchestration.parsing.urls import extract_urls


def model(dbt, session):
    dbt.config(materialized="table")
    papers = dbt.ref("int_papers").select("paper_id, abstract").pl()
    return extract_urls(papers).to_arrow()
