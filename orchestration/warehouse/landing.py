"""The landing folder: dumps are dropped here and never edited. A dump's identity is the
SHA-256 of its bytes, so the same bytes under another name are the same dump."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

#: Files that are never dumps (editor and OS droppings, partial downloads).
IGNORED_PREFIXES = (".", "~")
IGNORED_SUFFIXES = (".part", ".tmp", ".crdownload")


@dataclass(frozen=True)
class LandedFile:
    path: Path
    sha256: str
    bytes: int

    @property
    def name(self) -> str:
        return self.path.name


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def is_dump_candidate(path: Path) -> bool:
    return (
        path.is_file()
        and not path.name.startswith(IGNORED_PREFIXES)
        and not path.name.endswith(IGNORED_SUFFIXES)
    )


def scan_landing(landing_dir: Path) -> list[LandedFile]:
    """Every dump in the landing folder, sorted by name, with its hash and size."""
    if not landing_dir.is_dir():
        raise FileNotFoundError(f"landing folder {landing_dir} does not exist")
    paths = sorted(p for p in landing_dir.iterdir() if is_dump_candidate(p))
    return [LandedFile(path=p, sha256=sha256_of(p), bytes=p.stat().st_size) for p in paths]
