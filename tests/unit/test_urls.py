"""URL extraction and canonicalisation, table-driven on the messy forms of the samples."""

import polars as pl
import pytest

from orchestration.parsing.urls import canonicalise, extract_urls

CANONICAL_CASES = [
    ("https://github.com/thu-coai/SPaR.", "https://github.com/thu-coai/SPaR"),
    ("https://my-ai-university.com,", "https://my-ai-university.com"),
    ("https://github.com/hamishivi/EasyLM)", "https://github.com/hamishivi/EasyLM"),
    ("https://en.wikipedia.org/wiki/Foo_(bar)", "https://en.wikipedia.org/wiki/Foo_(bar)"),
    ("https://en.wikipedia.org/wiki/Foo_(bar)).", "https://en.wikipedia.org/wiki/Foo_(bar)"),
    ("https://github.com/wgcban/mix-bt.git", "https://github.com/wgcban/mix-bt"),
    ("https://github.com/wgcban/mix-bt.git.", "https://github.com/wgcban/mix-bt"),
    ("https://openstorypp.github.io/", "https://openstorypp.github.io"),
    ("https://github.com/salesforce/ALBEF/.", "https://github.com/salesforce/ALBEF"),
    ("github.com/owner/repo", "https://github.com/owner/repo"),
    ("http://github.com/WangYueFt/rfs/.", "https://github.com/WangYueFt/rfs"),
    ("https://hf.co/datasets/org/Data", "https://huggingface.co/datasets/org/Data"),
    ("https://WWW.Example.COM/Path/Case", "https://example.com/Path/Case"),
    ("https://example.com/page#section", "https://example.com/page"),
    ("https://example.com/p?utm_source=x&id=3&utm_medium=y", "https://example.com/p?id=3"),
    ("https://example.com/p?utm_source=x", "https://example.com/p"),
    (
        "https://github.com/xo28/efficient- NLP-multistage-training",
        "https://github.com/xo28/efficient-NLP-multistage-training",
    ),
]


def canonical(raw: list[str]) -> list[str]:
    return canonicalise(pl.DataFrame({"url_raw": raw}))["url"].to_list()


@pytest.mark.parametrize(("raw", "expected"), CANONICAL_CASES)
def test_canonical_form(raw, expected):
    assert canonical([raw]) == [expected]


def test_canonicalising_twice_changes_nothing():
    once = canonical([raw for raw, _ in CANONICAL_CASES])
    assert canonical(once) == once


def found(abstract: str) -> list[tuple[str, str]]:
    frame = extract_urls(pl.DataFrame({"paper_id": ["p"], "abstract": [abstract]}))
    return list(zip(frame["url_raw"].to_list(), frame["url"].to_list(), strict=True))


def test_latex_wrappers_give_the_url_once_per_written_copy():
    text = (
        r"Code: \href{https://github.com/a/b{https://github.com/a/b}}. See \url{https://x.org/y}."
    )
    assert {url for _, url in found(text)} == {"https://github.com/a/b", "https://x.org/y"}


def test_scheme_less_known_hosts_are_found_but_not_inside_words():
    text = "Code at github.com/owner/repo and models at hf.co/org/model; notgithub.com/x is not."
    assert [url for _, url in found(text)] == [
        "https://github.com/owner/repo",
        "https://huggingface.co/org/model",
    ]


def test_every_kind_of_url_is_found_in_any_case():
    text = (
        "HTTP://A.org/x, WWW.B.org/y, GitHub.com/c/d, Foo.GitHub.IO/e, HF.CO/f and "
        "HuggingFace.co/g; no URL in this sentence."
    )
    assert [url for _, url in found(text)] == [
        "https://a.org/x",
        "https://b.org/y",
        "https://github.com/c/d",
        "https://foo.github.io/e",
        "https://huggingface.co/f",
        "https://huggingface.co/g",
    ]
    assert found("No link here, only text about hubs and hf models.") == []


def test_url_broken_after_a_hyphen_is_rejoined_and_raw_kept():
    text = "at https://github.com/xo28/efficient- NLP-multistage-training. We"
    assert found(text) == [
        (
            "https://github.com/xo28/efficient- NLP-multistage-training.",
            "https://github.com/xo28/efficient-NLP-multistage-training",
        )
    ]
