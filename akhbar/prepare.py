"""Turn a RawRecord into a normalized Article (or a Reject): the per-record, CPU-bound stage.

Runs in worker processes; everything here is a pure function of the record.
"""

from __future__ import annotations

import hashlib

from akhbar import reasons
from akhbar.dedup.paragraphs import drop_repeated_paragraphs
from akhbar.dedup.profile import NOTHING_KNOWN, KeySet, profile_body
from akhbar.extract.fields import extract_fields
from akhbar.records import Article, RawRecord, Reject
from akhbar.search import doc_text, reduce_terms
from akhbar.text.chars import canonical_key, canonical_keys, content_hash, persian_score
from akhbar.text.normalize import normalize_lines


def article_id_for(origin_name: str, source_id: str, content_key: str) -> str:
    """Derive the stable article id from where it came from and what it says."""
    h = hashlib.blake2b(f"{origin_name}\0{source_id}\0{content_key}".encode(), digest_size=10)
    return h.hexdigest()


def raw_text_of(rec: RawRecord) -> str:
    """Reassemble the input text as read (title, lead, paragraphs), for lineage."""
    parts = [p for p in (rec.title, rec.lead) if p]
    return "\n".join([*parts, *rec.paragraphs])


def check_body(paragraphs: list[str]) -> tuple[bool, str]:
    """Filter: the body must have text and be Persian; return (keep, reason)."""
    body = "\n".join(paragraphs)
    if not body.strip():
        return False, reasons.EMPTY_BODY
    ok, why = persian_score(body)
    if not ok:
        return False, reasons.NOT_PERSIAN + ": " + why
    return True, ""


# Boilerplate key set and its digest per agency as of the last batch loaded (see akhbar.dedup.profile);
# None = profile nothing.
Snapshot = dict[str, KeySet]


def prepare_record(rec: RawRecord, boilerplate: Snapshot | None = None) -> Article | Reject:
    """Normalize one record: drop repeated paragraphs, normalize text, check it, compute keys and ids.

    With a ``boilerplate`` snapshot the article's near-duplicate profile is computed here too (the
    writer checks it was made with the key set it holds, and redoes it otherwise). Entities and quotes
    are added per batch (:func:`add_entities`), so their sentences are tagged together.
    """
    unique, repeated = drop_repeated_paragraphs(rec.paragraphs)
    # One normalize_lines call for everything: hazm's cost is mostly per call, not per character.
    head = [rec.title or "", rec.lead or "", *rec.tags]
    lines = normalize_lines([x.replace("\n", " ") for x in head] + unique)
    title, lead = lines[0], lines[1]
    tags = [t for t in lines[2 : len(head)] if t]
    paragraphs = [p for p in lines[len(head) :] if p]
    keep, reason = check_body(paragraphs)
    if not keep:
        code, _, detail = reason.partition(": ")
        return Reject(rec.origin, code, detail or "no text after cleaning", rec.source_id)
    # Each paragraph's canonical key once: the body's key is their non-empty keys joined by spaces (a
    # newline is a word boundary), and the near-duplicate profile needs them per paragraph.
    canonical = canonical_keys(paragraphs)
    ckey = content_hash(" ".join(c for c in canonical if c))
    art = Article(
        # The title is part of the version: a re-published item with an edited headline is a new row
        # (in the same duplicate cluster), not a duplicate record.
        article_id=article_id_for(rec.origin.name, rec.source_id, ckey + content_hash(canonical_key(title or ""))),
        source_id=rec.source_id,
        origin=rec.origin,
        url=rec.url,
        title=title or None,
        lead=lead or None,
        paragraphs=paragraphs,
        raw_text=raw_text_of(rec),
        content_key=ckey,
        paragraphs_in=len(rec.paragraphs),
        paragraphs_repeated=repeated,
        agency_raw=rec.agency,
        published_raw=rec.published,
        category_raw=rec.category,
        tags=tags,
        raw_ref=rec.raw_ref,
        fetched_at=rec.fetched_at,
    )
    art.notes = extract_fields(art)
    art.search_terms = " ".join(reduce_terms(doc_text(art.title, art.lead, art.body), normalized=True))
    if boilerplate is not None:
        keys, basis = boilerplate.get(art.agency or "", NOTHING_KNOWN)
        art.near = profile_body(art.body, keys, basis, canonical_lines=canonical)
    return art


def add_entities(articles: list[Article]) -> None:
    """Fill the entities and quotes of articles; their sentences go through the tagger together."""
    from akhbar.extract.entities import extract_entities_many
    from akhbar.extract.quotes import extract_quotes

    for art, found in zip(articles, extract_entities_many([a.paragraphs for a in articles]), strict=True):
        art.entities = found
        art.quotes = extract_quotes(art.paragraphs, found)


def prepare_batch(records: list[RawRecord], entities: bool = True, boilerplate: Snapshot | None = None) -> list[Article | Reject]:
    """Prepare a batch of records (the unit of work sent to a worker process)."""
    out = [prepare_record(r, boilerplate) for r in records]
    if entities:
        add_entities([a for a in out if isinstance(a, Article)])
    return out


def warm_up(entities: bool = True) -> None:
    """Load every per-process resource now (hazm, lexicon, category model, agency registry; NER if used)."""
    from akhbar.extract.agency import registry
    from akhbar.extract.category import load_model
    from akhbar.extract.keywords import terms
    from akhbar.text.normalize import warm_up as warm_normalizer

    warm_normalizer()
    registry()
    load_model()
    terms("گرم کردن")
    reduce_terms("گرم کردن")
    if entities:  # the NER model and gazetteers cost ~1 s and ~0.4 GB per process: only when asked for
        from akhbar.extract.entities import extract_entities

        extract_entities(["سردار حسین دهقان وزیر دفاع گفت: گرم کردن."])
