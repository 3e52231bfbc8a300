"""Remove paragraphs repeated inside one article (scraping artifacts), deterministically."""

from __future__ import annotations

from akhbar.text.chars import canonical_keys


def drop_repeated_paragraphs(paragraphs: list[str]) -> tuple[list[str], int]:
    """Keep the first occurrence of each paragraph (compared by canonical key); return (kept, removed count).

    >>> drop_repeated_paragraphs(["الف", "ب", "الف", "پ", "ب"])
    (['الف', 'ب', 'پ'], 2)
    """
    seen: set[str] = set()
    kept: list[str] = []
    removed = 0
    for p, key in zip(paragraphs, canonical_keys(paragraphs), strict=True):
        key = key.replace(" ", "")
        if not key:
            continue  # punctuation-only lines are not paragraphs
        if key in seen:
            removed += 1
            continue
        seen.add(key)
        kept.append(p)
    return kept, removed
