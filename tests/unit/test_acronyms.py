"""Schwartz-Hearst acronym definitions."""

import polars as pl
import pytest

from orchestration.parsing.acronyms import acronym_definitions, with_match_start


def acronyms(text: str) -> list[tuple[str, str]]:
    frame = acronym_definitions(pl.DataFrame({"paper_id": ["p"], "abstract": [text]}))
    assert frame.columns == ["paper_id", "keyword", "expansion"]
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


def test_short_form_then_long_form():
    text = "we introduce JCoLA (Japanese Corpus of Linguistic Acceptability), a dataset"
    assert acronyms(text) == [("JCoLA", "japanese corpus of linguistic acceptability")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # letters inside words, and the first letter at a hyphenated word start
        ("a simple Volume Contrast (VoCo) framework", ("VoCo", "volume contrast")),
        # S-H accepts letters inside words; only the first one must start a word
        ("supervised contrastive learning (SSL)", ("SSL", "supervised contrastive learning")),
        ("self-supervised learning (SSL) works", ("SSL", "self-supervised learning")),
        # the shortest tail that holds the letters: leading words are not taken
        ("the distributional offline policy evaluation (OPE)",
         ("OPE", "offline policy evaluation")),
        ("Machine Learning as a Service (MLaaS)",
         ("MLaaS", "machine learning as a service")),
        ("an iterative likelihood adjusted SDP (iLA-SDP) method",
         ("iLA-SDP", "iterative likelihood adjusted sdp")),
        # quotes around the long form are dropped
        ("a ``chain-of-thought'' (CoT) prompt", ("CoT", "chain-of-thought")),
        # two-word short forms are allowed, up to 10 characters
        ("Reward Model Bench (RM Bench)", ("RM Bench", "reward model bench")),
        ("Multimodal Retrieval-augmented Generation (Multimodal RAG)", None),
        # only the text before a comma counts inside the parenthesis
        ("long-context language models (LCLMs, e.g. Gemini)",
         ("LCLMs", "long-context language models")),
    ],
)  # fmt: skip
def test_schwartz_hearst_long_form(text, expected):
    assert acronyms(text) == ([expected] if expected else [])


@pytest.mark.parametrize(
    "text",
    [
        "We report accuracy (higher is better) on three tasks (Table 2).",
        "a transformer model (ViT) here",  # no word starts with v
        "results on three benchmarks (e.g., MMLU)",  # one capital is not an acronym
        "reasons: (i) cost and (ii) speed",
        "as measured by experts (Smith, 2020)",
        # the long form may not reach back past the end of a sentence
        "We use Vision. Transformers (ViT) are strong.",
        # the long form may not contain the short form as a word
        "the MoE Experts (MoE) layer",
    ],
)
def test_not_definitions(text):
    assert acronyms(text) == []


def test_window_is_limited_to_the_short_form_size():
    # RL may take at most min(2 + 5, 2 * 2) = 4 words: "reinforcement learning" is 2
    assert acronyms("a rather long and winding description of reinforcement learning (RL)") == [
        ("RL", "reinforcement learning")
    ]
    # L...M spread over more than 4 words is rejected
    assert acronyms("language is what the big model (LM) does") == []


def test_one_row_per_distinct_definition_in_a_paper():
    text = "Large Language Models (LLMs) ... large language models (LLMs) again."
    assert acronyms(text) == [("LLMs", "large language models")]


def test_vectorised_over_many_abstracts():
    frame = pl.DataFrame(
        {
            "paper_id": [f"p{i}" for i in range(1000)],
            "abstract": ["We study Large Language Models (LLMs) and Mixture of Experts (MoE)."]
            * 1000,
        }
    )
    found = acronym_definitions(frame)
    assert found.height == 2000
    assert set(found["expansion"]) == {"large language models", "mixture of experts"}


@pytest.mark.parametrize(
    ("short_form", "source", "start"),
    [
        # the first letter at the last word start that leaves the others in order after it
        ("LLMs", "training large language models", 9),
        # an "m" inside a word is passed over for one at a word start ("models")
        ("MC", "summary mean of contrast", 8),
        # letters may sit inside words; a hyphen starts a word ("-supervised")
        ("SSL", "supervised self-supervised learning", 16),
        # the text's first character is a word start
        ("AB", "alpha beta", 0),
        # characters outside a-z and 0-9 count one each and end words, like spaces
        ("GT", "über-große tabelle gaußsche tests", 19),
        ("NN", "neural—network", 0),
        # letters outside a-z take the regular expression, with the same answer
        ("ÉCL", "une école très claire", 4),
        # no match: a letter is missing, or none starts a word
        ("XY", "alpha beta", None),
        ("LM", "aloha mlp", None),
        (None, "alpha beta", None),
    ],
)
def test_match_start_is_the_schwartz_hearst_match(short_form, source, start):
    frame = pl.DataFrame(
        {"short_form": [short_form], "source": [source]},
        schema={"short_form": pl.String, "source": pl.String},
    )
    found = with_match_start(frame)
    assert found.columns == ["short_form", "source", "start"]
    assert found["start"].to_list() == [start]


def test_match_start_keeps_rows_and_order_across_both_methods():
    frame = pl.DataFrame(
        {
            "short_form": ["ÉCL", "AB", None, "LM", "ÉCL"],
            "source": ["une école claire", "alpha beta", "x", "large model", "é c l"],
        }
    )
    assert with_match_start(frame)["start"].to_list() == [4, 0, None, 0, 0]
