"""The links mart on the samples against the hand-checked fixture: precision and recall 1."""

import csv

from orchestration.settings import PROJECT_ROOT

FIXTURE = PROJECT_ROOT / "tests" / "fixtures" / "sample_links.csv"


def expected() -> set[tuple[str, str, str]]:
    with FIXTURE.open(newline="") as handle:
        return {(r["title"], r["url"], r["link_type"]) for r in csv.DictReader(handle)}


def test_links_precision_and_recall_are_one(sample_refresh):
    found = set(
        sample_refresh.query(
            "select p.title, l.url, l.link_type from main.paper_links as l"
            " join main.papers as p using (paper_id)"
        )
    )
    gold = expected()
    true_positives = len(found & gold)
    precision, recall = true_positives / len(found), true_positives / len(gold)
    assert (precision, recall) == (1.0, 1.0), {"missing": gold - found, "extra": found - gold}


def test_links_dimension_and_paper_flags(sample_refresh):
    assert sample_refresh.scalar("select count(*) from main.links") == 118
    by_type = dict(sample_refresh.query("select link_type, count(*) from main.links group by 1"))
    assert by_type == {
        "github_repo": 95,
        "other": 10,
        "project_page": 6,
        "hf_user": 4,
        "hf_dataset": 2,
        "hf_collection": 1,
    }
    shared = sample_refresh.query("select url, n_papers from main.links where n_papers > 1")
    assert shared == [("https://github.com/allenai/open-instruct", 2)]
    repo = sample_refresh.query(
        "select repo_id from main.links"
        " where url = 'https://github.com/BradyFU/Awesome-Multimodal-Large-Language-Models"
        "/tree/Alignment'"
    )
    assert repo == [("BradyFU/Awesome-Multimodal-Large-Language-Models",)]
    n_links, has_code = sample_refresh.query(
        "select sum(n_links), count(*) filter (where has_code) from main.papers"
    )[0]
    assert n_links == 119
    code_papers = sample_refresh.scalar(
        "select count(distinct paper_id) from main.paper_links"
        " where link_type = 'github_repo' or host in ('gitee.com', 'anonymous.4open.science')"
    )
    assert has_code == code_papers
