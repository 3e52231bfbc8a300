"""Which extractors produced a warehouse's entities and quotes: a fingerprint of their code and models.

Entities and quotes are extracted once, when an article is loaded. After an upgrade the stored articles keep
what the older extractors found until ``akhbar reextract`` runs; each run records the fingerprint it used
(``runs.extractors``) so a run can say how many stored articles may be out of date.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
# What decides the entity and quote rows of an article body (its text normalization is stored with it).
FILES = (
    "extract/ner.py",
    "extract/ner_io.py",
    "extract/entities.py",
    "extract/quotes.py",
    "text/chars.py",
    "models/ner.crfsuite",
    "models/ner.lexicon.tsv",
    "models/ner.names.tsv",
    "models/word_clusters.tsv",
)
# A run that extracted nothing (``--no-entities``): its articles are not "out of date", they were skipped on purpose.
NONE = "none"


def fingerprint_of(root: Path, files: Iterable[str]) -> str:
    """Return 12 hex digits of SHA-256 over the names and bytes of ``files`` under ``root`` (a missing file counts)."""
    digest = hashlib.sha256()
    for name in files:
        path = root / name
        digest.update(name.encode() + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"<missing>")
        digest.update(b"\0")
    return digest.hexdigest()[:12]


@lru_cache(maxsize=1)
def extractors_fingerprint() -> str:
    """Return the fingerprint of this installation's entity and quote extractors (computed once per process)."""
    gazetteers = sorted(str(p.relative_to(PACKAGE)) for p in (PACKAGE / "data" / "gazetteers").glob("*.txt"))
    return fingerprint_of(PACKAGE, (*FILES, *gazetteers))


def outdated_note(n: int, warehouse_dir: str | None = None) -> str:
    """Return the sentence a run ends with when ``n`` stored articles came from other extractors (CLI, artifact)."""
    target = f" -w {warehouse_dir}" if warehouse_dir else ""
    return (
        f"{n:,} stored articles have entities and quotes from other extractors than this version's; "
        f"`akhbar reextract{target}` brings them up to date."
    )
