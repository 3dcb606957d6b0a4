"""Title names."""

import polars as pl

from orchestration.parsing.keywords import title_names


def test_title_names_skip_generic_lead_ins():
    titles = [
        "SPaR: Self-Play with Tree-Search Refinement",
        "MIG: Automatic Data Selection",
        "Survey: Large Language Models",
        "Position: Agents Need Memory",
        "Beyond Accuracy: A Study",
        "A plain title without a colon",
    ]
    frame = title_names(pl.DataFrame({"paper_id": list("abcdef"), "title": titles}))
    assert frame["keyword"].to_list() == ["SPaR", "MIG"]
