"""The dump parser on the bundled samples and on small hand-made dumps."""

import polars as pl
import pytest

from orchestration.parsing.dump_parser import (
    REASON_ABSTRACT_WITHOUT_TITLE,
    REASON_TITLE_WITHOUT_ABSTRACT,
    DumpFormatError,
    parse_dump,
    parse_text,
    parse_texts,
)
from tests.conftest import SAMPLE_FILES

ABSTRACT = (
    "We study a problem. We propose a method that works well on many benchmarks and "
    "improves over strong baselines by a wide margin, while using less compute. Code is "
    "available at https://github.com/example/repo. Our experiments cover five datasets."
)
CHROME_TITLES = {"new", "Subscribe", "Daily Papers", "by AK and the research community"}


def sample(name_prefix: str):
    path = next(p for p in SAMPLE_FILES if p.name.startswith(name_prefix))
    return parse_dump(path.read_bytes())


@pytest.mark.parametrize(
    ("prefix", "records", "lines", "listing_date"),
    [("000", 95, 389, "04-23"), ("001", 151, 613, None), ("002", 258, 518, None)],
)
def test_sample_dump_counts(prefix, records, lines, listing_date):
    parsed = sample(prefix)
    assert parsed.records.height == records
    assert parsed.rejects.height == 0
    assert parsed.lines == lines
    assert parsed.listing_date == listing_date
    assert parsed.unaccounted_lines == 0


def test_samples_hold_504_pairs_and_494_distinct_papers():
    records = pl.concat([parse_dump(p.read_bytes()).records for p in SAMPLE_FILES])
    assert records.height == 504
    assert records["title_key"].n_unique() == 494


def test_no_page_chrome_in_any_title():
    for path in SAMPLE_FILES:
        titles = parse_dump(path.read_bytes()).records["title"]
        assert not titles.is_in(list(CHROME_TITLES)).any()
        assert not titles.str.contains(r"^(Subscribe|Get trending|byAK|by AK)").any()


def test_chrome_glued_to_first_title_is_removed():
    first = sample("002").records.row(0, named=True)
    assert first["title"] == "Training Energy-Based Normalizing Flow with Score-Matching Objectives"
    assert first["line_number"] == 3


def test_packed_and_blank_separated_layouts_agree():
    pairs = [("Title Number One", ABSTRACT), ("Title Number Two: A Sequel", ABSTRACT + " More.")]
    packed = "\n".join(f"{t}\n{a}" for t, a in pairs).encode()
    spaced = "\n\n".join(f"{t}\n\n{a}" for t, a in pairs).encode()
    packed_records = parse_dump(packed).records.drop("line_number")
    spaced_records = parse_dump(spaced).records.drop("line_number")
    assert packed_records.equals(spaced_records)
    assert parse_dump(spaced).blank_lines == 3


def test_windows_line_endings_and_bom():
    text = "\ufeffnew\r\nSubscribe\r\nMay 7\r\nA Title\r\n" + ABSTRACT + "\r\n"
    parsed = parse_dump(text.encode("utf-8"))
    assert parsed.records["title"].to_list() == ["A Title"]
    assert parsed.records["abstract"].to_list() == [ABSTRACT]
    assert parsed.listing_date == "05-07"
    assert (parsed.lines, parsed.chrome_lines, parsed.unaccounted_lines) == (5, 3, 0)


def test_trailing_title_without_abstract_is_rejected_and_good_pairs_load():
    text = f"Good Title\n{ABSTRACT}\nDangling Title"
    parsed = parse_dump(text.encode())
    assert parsed.records["title"].to_list() == ["Good Title"]
    assert parsed.rejects.rows() == [(3, "Dangling Title", REASON_TITLE_WITHOUT_ABSTRACT)]
    assert parsed.unaccounted_lines == 0


def test_abstract_where_a_title_should_be_is_rejected():
    text = f"Good Title\n{ABSTRACT}\n{ABSTRACT} Extra.\nNext Title\n{ABSTRACT}\n"
    parsed = parse_dump(text.encode())
    assert parsed.records["title"].to_list() == ["Good Title", "Next Title"]
    assert parsed.rejects.rows() == [(3, f"{ABSTRACT} Extra.", REASON_ABSTRACT_WITHOUT_TITLE)]
    assert parsed.unaccounted_lines == 0


def test_empty_file():
    parsed = parse_dump(b"")
    assert (parsed.lines, parsed.records.height, parsed.rejects.height) == (0, 0, 0)


def test_chrome_only_file():
    text = "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n"
    parsed = parse_dump(text.encode())
    assert parsed.records.height == 0
    assert parsed.rejects.height == 0
    assert (parsed.lines, parsed.chrome_lines, parsed.blank_lines) == (7, 4, 3)


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"\x00\x01\x02binary", "binary"), ("Caf\u00e9 title\n".encode("latin-1"), "not_utf8")],
)
def test_files_that_are_not_text_dumps_raise(data, reason):
    with pytest.raises(DumpFormatError) as error:
        parse_dump(data)
    assert error.value.reason == reason


def test_title_key_folds_case_width_and_punctuation():
    variants = ["SPaR: Self-Play", "spar — self play", "ＳＰａＲ: Self–Play!"]
    keys = {parse_dump(f"{v}\n{ABSTRACT}".encode()).records["title_key"][0] for v in variants}
    assert keys == {"spar self play"}


def test_dumps_parsed_together_pair_nothing_across_their_boundary():
    """A dump ending in a title and the next starting with an abstract stay two rejects:
    dumps parsed in one pass are still parsed each on its own."""
    ends_with_title = f"Apr 2\nGood Title\n{ABSTRACT}\nDangling Title"
    starts_with_abstract = f"{ABSTRACT}\nSecond Title\n{ABSTRACT}\n"
    first, empty, second = parse_texts([ends_with_title, "", starts_with_abstract])
    assert first.records.rows() == [(2, "Good Title", ABSTRACT, "good title", "04-02")]
    assert first.rejects.rows() == [(4, "Dangling Title", REASON_TITLE_WITHOUT_ABSTRACT)]
    assert (empty.lines, empty.records.height, empty.rejects.height) == (0, 0, 0)
    assert second.records.rows() == [(2, "Second Title", ABSTRACT, "second title", None)]
    assert second.rejects.rows() == [(1, ABSTRACT, REASON_ABSTRACT_WITHOUT_TITLE)]
    assert (first.listing_date, second.listing_date) == ("04-02", None)
    assert (first.lines, second.lines) == (4, 3)


def test_the_samples_parsed_together_match_each_parsed_alone():
    texts = [path.read_text(encoding="utf-8-sig") for path in SAMPLE_FILES]
    texts += ["\n", f"Jun 30\nnew\nT\n{ABSTRACT}", f"Lonely Title\n\n{'x' * 25_000}\n"]
    together = parse_texts(texts)
    for text, parsed in zip(texts, together, strict=True):
        alone = parse_text(text)
        assert parsed.records.equals(alone.records)
        assert parsed.rejects.equals(alone.rejects)
        counts = (parsed.lines, parsed.blank_lines, parsed.chrome_lines, parsed.listing_date)
        assert counts == (alone.lines, alone.blank_lines, alone.chrome_lines, alone.listing_date)
    assert sum(p.records.height for p in together) == 504 + 1
