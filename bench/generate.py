"""Write N papers as realistic "Daily Papers" dumps, deterministically from a seed.

    uv run python bench/generate.py --papers 100000 --out /tmp/bench-dumps

Text comes from the bundled sample dumps: each paper's title is a sample title with a
made-up method name (``Karovinex``) worked in, its abstract the first half of one sample
abstract and the second half of another, with the name introduced after the first
sentence. The names are unique, so every paper has a distinct title key. The LaTeX
remnants of the samples come along; their URLs are removed and replaced:

- about 20% of abstracts end with one URL (GitHub, *.github.io, Hugging Face, personal
  sites), written in the messy forms of the samples (``http://``, ``www.``, host case,
  ``.git``, trailing ``/`` and ``.``, ``\\href{u}{u}``, ``\\url{u}``); each is unique, so
  the links mart must end with one canonical URL per such paper;
- about 5% of papers are listed again in a later dump;
- 500 records a dump, in the three layouts of the samples (blank-line separated with a
  date line, packed with ``Subscribe`` glued to the first title, and a ``Daily Papers``
  header without a date).

``truth.json`` beside the dumps says what a correct warehouse must hold: the number of
distinct papers and of canonical URLs.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from orchestration.parsing.dump_parser import parse_dump
from orchestration.settings import PROJECT_ROOT

SAMPLES = PROJECT_ROOT / "warehouse" / "landing"
PAPERS_PER_DUMP = 500
REPEAT_SHARE = 0.05
URL_SHARE = 0.20
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]  # 70 syllables
_URL_TOKEN = re.compile(r"\S*(?:https?://|www\.|github\.(?:com|io)/|huggingface\.co/|hf\.co/)\S*")
_SENTENCE_END = re.compile(r"(?<=[.!?]) (?=[A-Z])")


def method_name(index: int) -> str:
    """A unique pronounceable name per index: four syllables and a tail (70^4 = 24M)."""
    index = index * 2_654_435_761 % len(_SYLLABLES) ** 4  # a bijection, spreads the syllables
    syllables = []
    for _ in range(4):
        index, digit = divmod(index, len(_SYLLABLES))
        syllables.append(_SYLLABLES[digit])
    return ("".join(syllables) + "x").capitalize()


@dataclass(frozen=True)
class Corpus:
    titles: list[str]
    openings: list[str]  # first half of each abstract (ends a sentence)
    closings: list[str]  # second half


def load_corpus(samples: Path = SAMPLES) -> Corpus:
    titles, openings, closings = [], [], []
    seen: set[str] = set()
    for path in sorted(samples.glob("*.txt")):
        records = parse_dump(path.read_bytes()).records
        for title, abstract, key in records.select("title", "abstract", "title_key").rows():
            if key in seen:
                continue
            seen.add(key)
            text = re.sub(r"\s+", " ", _URL_TOKEN.sub("", abstract)).strip()
            sentences = _SENTENCE_END.split(text)
            half = max(1, len(sentences) // 2)
            titles.append(title)
            openings.append(" ".join(sentences[:half]))
            closings.append(" ".join(sentences[half:]))
    return Corpus(titles, openings, closings)


def url_forms(kind: int, name: str, user: str, form: int) -> tuple[str, str]:
    """(canonical URL, as written in the abstract) for one paper."""
    slug = name.lower()
    canonical = [
        f"https://github.com/{user}/{name}",
        f"https://{user.lower()}.github.io/{slug}",
        f"https://huggingface.co/{user}/{name}-7B",
        f"https://huggingface.co/datasets/{user}/{slug}-bench",
        f"https://{slug}.ai/project",
    ][kind]
    rest = canonical.removeprefix("https://")
    host, _, path = rest.partition("/")
    written = [
        canonical,
        f"http://{rest}",
        f"https://www.{rest}",
        f"https://{host.capitalize()}/{path}" if kind != 1 else canonical,
        f"{canonical}.git" if kind == 0 else f"{canonical}/",
        f"\\href{{{canonical}}}{{{canonical}}}",
        f"\\url{{{canonical}}}",
        f"{canonical}/",
    ][form]
    return canonical, written


def write_dump(path: Path, records: list[tuple[str, str]], layout: int, day: int) -> None:
    if layout == 0:  # blank-line separated, chrome, a date line
        head = ["new", "", "Get trending papers in your email inbox!", "", "Subscribe", ""]
        head += ["byAK and the research community", "", f"{MONTHS[day % 12]} {day % 28 + 1}", ""]
        body = [line for title, abstract in records for line in (title, "", abstract, "")]
    elif layout == 1:  # packed, Subscribe glued to the first title
        head = ["Get trending papers in your email inbox once a day!"]
        head += ["Get trending papers in your email inbox!"]
        body = [line for pair in records for line in pair]
        body[0] = "Subscribe" + body[0]
    else:  # blank-line separated, Daily Papers header, no date
        head = ["new", "", "Get trending papers in your email inbox!", "", "Subscribe", ""]
        head += ["Daily Papers", "", "by AK and the research community", ""]
        body = [line for title, abstract in records for line in (title, "", abstract, "")]
    path.write_text("\n".join(head + body) + "\n", encoding="utf-8")


def papers(corpus: Corpus, first: int, count: int, seed: int) -> tuple[list, set[str]]:
    """``count`` papers numbered from ``first``: (title, abstract) and canonical URLs."""
    rng = np.random.default_rng([seed, first])
    n = len(corpus.titles)
    base_title = rng.integers(0, n, count)
    opening = rng.integers(0, n, count)
    closing = rng.integers(0, n, count)
    title_style = rng.integers(0, 3, count)
    has_url = rng.random(count) < URL_SHARE
    url_kind = rng.choice(5, count, p=[0.6, 0.1, 0.1, 0.1, 0.1])
    url_form = rng.integers(0, 8, count)
    records, urls = [], set()
    for i in range(count):
        name = method_name(first + i)
        title = corpus.titles[base_title[i]]
        title = [f"{name}: {title}", f"{title} with {name}", f"{name} for {title}"][title_style[i]]
        abstract = f"{corpus.openings[opening[i]]} We call our approach {name}."
        if corpus.closings[closing[i]]:
            abstract += " " + corpus.closings[closing[i]]
        if has_url[i]:
            user = method_name(first + i + 7_919).lower()
            canonical, written = url_forms(url_kind[i], name, user, url_form[i])
            urls.add(canonical)
            ending = "." if url_form[i] in (0, 7) else ""  # a full stop right after the URL
            abstract += f" Code and models: {written}{ending}"
        records.append((title, abstract))
    return records, urls


def generate(n_papers: int, out: Path, seed: int = 7, first: int = 0, first_dump: int = 0) -> dict:
    """Write the dumps of papers ``first`` .. ``first + n_papers - 1`` into ``out``, files
    numbered from ``first_dump``; return the truth (papers, urls, records, dumps)."""
    corpus = load_corpus()
    out.mkdir(parents=True, exist_ok=True)
    records, urls = papers(corpus, first, n_papers, seed)
    rng = np.random.default_rng([seed, first, 1])
    n_dumps = max(1, round(n_papers * (1 + REPEAT_SHARE) / PAPERS_PER_DUMP))
    dump_of = np.arange(n_papers) * n_dumps // n_papers  # in order, no dump left empty
    repeated = np.flatnonzero(rng.random(n_papers) < REPEAT_SHARE)
    repeat_dump = np.minimum(dump_of[repeated] + rng.integers(1, 20, repeated.size), n_dumps - 1)
    listing: list[list[tuple[str, str]]] = [[] for _ in range(n_dumps)]
    for paper, dump in enumerate(dump_of):
        listing[dump].append(records[paper])
    for paper, dump in zip(repeated, repeat_dump, strict=True):
        listing[dump].append(records[paper])
    for dump, rows in enumerate(listing):
        number = first_dump + dump
        write_dump(out / f"dump_{number:06d}.txt", rows, number % 3, number)
    return {
        "papers": n_papers,
        "urls": len(urls),
        "records": n_papers + int(repeated.size),
        "dumps": n_dumps,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True, help="folder for the dumps")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--first", type=int, default=0, help="number of the first paper")
    parser.add_argument("--first-dump", type=int, default=0, help="number of the first file")
    args = parser.parse_args(argv)
    truth = generate(args.papers, args.out, args.seed, args.first, args.first_dump)
    (args.out.parent / f"{args.out.name}.truth.json").write_text(json.dumps(truth, indent=2))
    print(json.dumps(truth))
    return 0


if __name__ == "__main__":
    sys.exit(main())
