"""Fill an Article's structured fields: title/lead, agency and attribution, publish date, category, terms."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Mapping

from akhbar.extract.agency import detect_agency
from akhbar.extract.category import map_categories, predict_category
from akhbar.extract.dates import resolve_published
from akhbar.extract.headline import title_and_lead
from akhbar.extract.keywords import idf, terms
from akhbar.records import Article

# Only the opening of an article is read for terms: keywords live there, and a 50 MB article must not
# cost 50 MB of lemmatizing.
TERMS_CHARS = 1500


def _parse_iso(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        ts = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return ts if ts.tzinfo else ts.replace(tzinfo=dt.UTC)


def extract_fields(a: Article) -> list[str]:
    """Set title/lead, agency, attributed_to, dates and category on the article; return field-level rejections.

    Date priority (documented in the README): the input's date field, then a date in the URL, then the
    Fars news id, then a dateline in the text. An impossible date is returned as ``bad_date: ...`` and the
    article keeps a null date.
    """
    a.title, a.lead = title_and_lead(a.paragraphs, a.title, a.lead)
    opening = "\n".join([a.lead or "", a.paragraphs[0] if a.paragraphs else ""])
    a.agency, a.attributed_to = detect_agency(a.url, a.agency_raw, opening, a.title, a.origin.name)
    fetched = _parse_iso(a.fetched_at)
    body = a.body
    date, notes = resolve_published(a.published_raw, a.url, body[:2000] + "\n" + body[-600:], fetched)
    if date is not None:
        a.published_at = date.published_at
        a.published_jalali = date.jalali
        a.date_source = date.source
        a.date_confidence = date.confidence
    labels = [x for x in (a.category_raw, *a.tags) if x]
    category = map_categories(a.agency, labels)
    if category is not None:
        a.category, a.category_source = category, "label"
    else:
        a.category, prob = predict_category(a.title, body)
        a.category_source = f"model:{prob:.2f}"
    a.terms = terms(" ".join(x for x in (a.title, body[:TERMS_CHARS]) if x))
    return notes


def rank_keywords(doc_terms: list[str], doc_freq: Mapping[str, int], n_docs: int, k: int = 8) -> list[str]:
    """Rank an article's terms by tf-idf against the warehouse's document frequencies (ties: first seen)."""
    if not doc_terms:
        return []
    counts = Counter(doc_terms)
    first = {t: i for i, t in reversed(list(enumerate(doc_terms)))}
    return sorted(counts, key=lambda t: (-(1.0 + math.log(counts[t])) * idf(doc_freq.get(t, 0), n_docs), first[t]))[:k]
