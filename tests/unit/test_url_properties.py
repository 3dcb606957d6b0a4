"""Properties of the canonicaliser over generated messy URLs (hypothesis)."""

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.parsing.urls import canonicalise

label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
segment = st.from_regex(r"[A-Za-z0-9_~][A-Za-z0-9._~-]{0,12}", fullmatch=True).filter(
    lambda s: not s.endswith((".", ".git")) and s not in {".", ".."}
)


@st.composite
def messy_urls(draw) -> tuple[str, str, str]:
    """(raw url as an abstract might write it, its host, its path), path without junk."""
    host = ".".join(draw(st.lists(label, min_size=2, max_size=3)))
    path = "".join("/" + s for s in draw(st.lists(segment, max_size=4)))
    scheme = draw(st.sampled_from(["https://", "http://", "HTTPS://"]))
    www = draw(st.sampled_from(["", "www.", "WWW."]))
    shown_host = draw(st.sampled_from([host, host.upper(), host.title()]))
    junk = draw(
        st.sampled_from(["", "/", ".git", ".git/", "/#top", "#frag", "?utm_source=x"])
    ) + draw(st.sampled_from(["", ".", ",", ";", ":", "!", "?", ")", ").", "'", '"']))
    if not path and junk.startswith(".git"):
        junk = junk.removeprefix(".git")
    return f"{scheme}{www}{shown_host}{path}{junk}", host, path


def canonical(raws: list[str]) -> list[str]:
    return canonicalise(pl.DataFrame({"url_raw": raws}, schema={"url_raw": pl.String}))[
        "url"
    ].to_list()


@settings(max_examples=60, deadline=None)
@given(st.lists(messy_urls(), min_size=1, max_size=30))
def test_canonical_form_is_a_fixed_point(urls):
    once = canonical([raw for raw, _, _ in urls])
    assert canonical(once) == once


@settings(max_examples=60, deadline=None)
@given(st.lists(messy_urls(), min_size=1, max_size=30))
def test_canonical_url_is_a_prefix_preserving_cleanup_of_the_raw_one(urls):
    for (raw, host, path), url in zip(urls, canonical([r for r, _, _ in urls]), strict=True):
        assert url == f"https://{host.removeprefix('www.')}{path}", raw
        # everything kept is written, in order, at the start of the raw URL's path
        raw_path = raw.split("://", 1)[1].split("/", 1)[1] if "/" in raw.split("://", 1)[1] else ""
        assert ("/" + raw_path).startswith(path), raw
