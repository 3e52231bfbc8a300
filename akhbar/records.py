"""Record types that flow between stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Origin:
    """Where a record came from: a file (and line/record number) or a URL."""

    path: str  # file path as given, or URL for scraped pages
    line: int | None = None  # 1-based line (txt/jsonl/csv) or record index (json array)
    name: str = ""  # stable short name used in ids: file basename or URL


@dataclass(slots=True)
class RawRecord:
    """One article as read, before any normalization."""

    origin: Origin
    source_id: str
    url: str | None = None
    title: str | None = None
    lead: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    published: str | None = None  # the raw date string as given
    agency: str | None = None  # the raw agency/source field
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    fetched_at: str | None = None  # ISO time a scraper fetched it (relative dates)
    raw_ref: str | None = None  # pointer into the raw archive (scraped pages)


@dataclass(slots=True)
class Reject:
    """A record (or part of an input) that did not make it, and why."""

    origin: Origin
    reason: str  # snake_case constant, see akhbar.reasons
    detail: str = ""
    source_id: str | None = None


@dataclass(slots=True)
class Article:
    """A normalized article, ready for dedup, extraction and loading."""

    article_id: str
    source_id: str
    origin: Origin
    url: str | None
    title: str | None
    lead: str | None
    paragraphs: list[str]
    raw_text: str
    content_key: str  # hash of the canonical body: equal for exact duplicates
    paragraphs_in: int
    paragraphs_repeated: int
    agency: str | None = None
    attributed_to: str | None = None
    agency_raw: str | None = None
    published_raw: str | None = None
    published_at: object | None = None  # datetime (UTC) when known
    published_jalali: str | None = None
    date_source: str | None = None
    date_confidence: float | None = None
    category: str | None = None
    category_raw: str | None = None
    category_source: str | None = None
    tags: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)  # lemmatized content terms (keywords, statistics)
    search_terms: str = ""  # title+lead+body reduced to full-text search terms
    entities: list = field(default_factory=list)  # akhbar.extract.entities.Entity
    quotes: list = field(default_factory=list)  # akhbar.extract.quotes.Quote
    notes: list[str] = field(default_factory=list)  # field-level rejections, e.g. "bad_date: month 13"
    near: object | None = None  # akhbar.dedup.profile.NearProfile (made by the worker; never stored)
    raw_ref: str | None = None
    fetched_at: str | None = None

    @property
    def body(self) -> str:
        return "\n".join(self.paragraphs)


def entity_row(article_id: str, e: Any, run_id: str) -> dict[str, Any]:
    """Return the ``entities`` row of one extracted entity (akhbar.extract.entities.Entity)."""
    return {"article_id": article_id, "start": e.start, "end": e.end, "type": e.type, "text": e.text,
            "canonical": e.canonical, "title": e.title, "role": e.role, "run_id": run_id}


def quote_row(article_id: str, q: Any, run_id: str) -> dict[str, Any]:
    """Return the ``quotes`` row of one extracted quote (akhbar.extract.quotes.Quote)."""
    return {"article_id": article_id, "start": q.start, "end": q.end, "speaker": q.speaker,
            "speaker_role": q.speaker_role, "speaker_kind": q.speaker_kind, "text": q.text, "cue": q.cue,
            "run_id": run_id}
