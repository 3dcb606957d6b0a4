"""Acronym definitions and title names."""

import polars as pl

from orchestration.parsing.keywords import acronym_definitions, title_names


def acronyms(text: str) -> list[tuple[str, str]]:
    frame = acronym_definitions(pl.DataFrame({"paper_id": ["p"], "abstract": [text]}))
    return list(zip(frame["keyword"].to_list(), frame["expansion"].to_list(), strict=True))


def test_long_form_then_short_form():
    text = (
        "Training Large Language Models (LLMs) with reinforcement learning (RL) and "
        "Direct Preference Optimization (DPO) is costly."
    )
    assert acronyms(text) == [
        ("LLMs", "large language models"),
        ("RL", "reinforcement learning"),
        ("DPO", "direct preference optimization"),
    ]


def test_parenthesised_words_that_are_not_definitions_are_ignored():
    assert acronyms("We report accuracy (higher is better) on three tasks (Table 2).") == []


def test_first_letter_must_match():
    assert acronyms("We use a transformer model (ViT) here.") == []


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
