"""Per-agency boilerplate: paragraphs that recur across many articles of one agency, found by frequency.

Sign-offs («انتهای پیام»، «پایان پیام/»)، news codes («کد خبر: ...»)، channel-join lines and «اخبار مرتبط»
blocks are counted per agency by their paragraph key (the canonical key without spaces, digits masked, so
«کد خبر: ۱۲۳» and «كد خبر 456» count as one). A paragraph is boilerplate for an agency when it occurs in at
least MIN_COUNT articles and MIN_SHARE of that agency's articles. Counts live in DuckDB and grow run by run;
each article is counted once (a rerun does not inflate them) and a paragraph repeated inside one article
counts once for it (in-article repeats are ``akhbar.dedup.paragraphs``' business, not this module's).

A short seed list of known sign-off patterns marks boilerplate before an agency has enough articles for
frequency to speak; frequency is the mechanism, the seeds only bootstrap it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence

import duckdb
import pyarrow as pa

from akhbar.schema import col, ddl_for, table
from akhbar.text.chars import canonical_key
from akhbar.warehouse import rollback_quietly

# Thresholds. In the shared corpora (1,355 Fars, 1,954 Varzesh3, 1,702 Hamshahri articles) the most
# frequent real paragraphs are section headings («شرح گل» 0.4 %, «اتفاق ویژه:» 0.5 % of Varzesh3),
# while a sign-off is in most of an agency's articles; 2 % keeps headings and repeated quotes,
# and 5 articles stops a new agency's first few articles from deciding anything.
MIN_COUNT = 5
MIN_SHARE = 0.02
# Longer paragraph keys are stored as a prefix plus a hash (the key must stay a short table key).
MAX_KEY_CHARS = 120
SAMPLE_CHARS = 300

# Known sign-offs, matched on the paragraph key (canonical, no spaces, digits masked to "0"); only short
# paragraphs (<= SEED_MAX_KEY_CHARS) can match, so a sentence that merely mentions «کد خبر» is kept.
SEED_PATTERNS = [
    re.compile(p)
    for p in (
        r"^(انتهای|پایان)(پیام|خبر|متن)[a-zم]*$",
        r"^کدخبر0*$",
        r"^(اخبار|مطالب|خبرهای)(مرتبط|پیشنهادی)$",
        r"^(برای)?عضویت(در)?کانال.*(کلیک|بپیوندید|عضوشوید)",
    )
]
SEED_MAX_KEY_CHARS = 80
# A sign-off glued to the end of the last paragraph («... شد. انتهای پیام/م») rather than on its own line.
_TAIL_SIGNOFF = re.compile(
    r"\s*[(\[]?\s*(?:انتهای|انتهاي|پایان|پايان)[\s\u200c]*(?:پیام|پيام|خبر|متن)\s*[/\\]?\s*[\w*]{0,4}\s*[)\]]?\s*$"
)

BOILERPLATE = table(
    "boilerplate",
    "Paragraph keys per agency with the number of distinct articles that contain them.",
    ["agency", "paragraph_key"],
    [
        col("agency", pa.string(), "agency whose articles were counted", nullable=False),
        col("paragraph_key", pa.string(), "canonical paragraph key (no spaces, digits as 0)", nullable=False),
        col("text", pa.string(), "one display form of the paragraph (first seen, truncated)", nullable=False),
        col("count", pa.int64(), "distinct articles of the agency containing the paragraph", nullable=False),
        col("first_run", pa.string(), "run that first counted it"),
        col("last_run", pa.string(), "run that last counted it"),
    ],
)
BOILERPLATE_ARTICLES = table(
    "boilerplate_articles",
    "Articles already counted into `boilerplate` (one row each), so a rerun does not count them twice.",
    ["agency", "article_id"],
    [
        col("agency", pa.string(), "agency", nullable=False),
        col("article_id", pa.string(), "article id", nullable=False),
    ],
)
SCHEMAS = (BOILERPLATE, BOILERPLATE_ARTICLES)

_DIGITS = re.compile(r"\d+")


def paragraph_key(paragraph: str) -> str:
    """Return the counting key of a paragraph: canonical, without spaces, digit runs masked to 0.

    >>> paragraph_key("كد خبر: ۱۴۰۲۰۶۰۴") == paragraph_key("کد\u200cخبر 99")
    True
    """
    key = _DIGITS.sub("0", canonical_key(paragraph).replace(" ", ""))
    if len(key) > MAX_KEY_CHARS:
        digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()
        key = key[: MAX_KEY_CHARS - 17] + ":" + digest
    return key


def paragraph_keys(paragraphs: Sequence[str]) -> list[str]:
    """Return the counting key of each paragraph (empty string for a paragraph with no letters/digits)."""
    return [paragraph_key(p) for p in paragraphs]


def seed_match(key: str) -> bool:
    """Tell whether a paragraph key is a known sign-off (the bootstrap list).

    >>> seed_match(paragraph_key("انتهای پیام/"))
    True
    >>> seed_match(paragraph_key("پایان پیام"))
    True
    >>> seed_match(paragraph_key("تیم ملی در پایان پیام تبریک رئیس جمهور را دریافت کرد"))
    False
    """
    return bool(key) and len(key) <= SEED_MAX_KEY_CHARS and any(p.search(key) for p in SEED_PATTERNS)


def decide(count: int, agency_articles: int) -> tuple[bool, str]:
    """Decide from its frequency whether a paragraph is boilerplate for an agency; say why.

    >>> decide(40, 100)
    (True, 'boilerplate: in 40 of 100 articles')
    >>> decide(3, 10)[0], decide(10, 5000)[0]
    (False, False)
    """
    if count < MIN_COUNT:
        return False, f"rare: in {count} articles < {MIN_COUNT}"
    if agency_articles <= 0 or count / agency_articles < MIN_SHARE:
        return False, f"common_text: in {count} of {agency_articles} articles < {MIN_SHARE:.0%}"
    return True, f"boilerplate: in {count} of {agency_articles} articles"


def strip_signoff_tail(paragraph: str) -> str:
    """Remove a sign-off glued to the end of a paragraph.

    >>> strip_signoff_tail("این مسابقات تا چهارشنبه ادامه دارد. انتهای پیام/م")
    'این مسابقات تا چهارشنبه ادامه دارد.'
    """
    return _TAIL_SIGNOFF.sub("", paragraph)


def strip_boilerplate(
    paragraphs: Sequence[str], is_boilerplate: Callable[[str], bool]
) -> tuple[list[str], list[str]]:
    """Split paragraphs into (kept, removed) by ``is_boilerplate(paragraph_key)``, order kept.

    A sign-off glued to the end of the last kept paragraph is cut off too (and reported as removed).
    A paragraph repeated inside the article is kept or removed like its first copy: this function never
    removes a paragraph only because it repeats.

    >>> strip_boilerplate(["خبر اصلی امروز منتشر شد", "انتهای پیام/"], seed_match)
    (['خبر اصلی امروز منتشر شد'], ['انتهای پیام/'])
    """
    kept: list[str] = []
    removed: list[str] = []
    for p in paragraphs:
        (removed if is_boilerplate(paragraph_key(p)) else kept).append(p)
    if kept:
        tail = strip_signoff_tail(kept[-1])
        if tail != kept[-1]:
            removed.append(kept[-1][len(tail) :].strip())
            if tail.strip():
                kept[-1] = tail
            else:
                kept.pop()
    return kept, removed


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the boilerplate tables if missing (DDL generated from the schema constants)."""
    for schema in SCHEMAS:
        con.execute(ddl_for(schema))


def count_paragraphs(
    con: duckdb.DuckDBPyConnection,
    articles: Iterable[tuple[str, str, Sequence[str]]],
    run_id: str | None = None,
) -> int:
    """Add (agency, article_id, paragraphs) to the per-agency paragraph counts; return articles counted.

    Articles already counted (same agency and id) are skipped, so rerunning a load changes nothing.
    """
    ensure_tables(con)
    seen_here: set[tuple[str, str]] = set()
    per_article: list[tuple[str, str]] = []
    rows: dict[tuple[str, str], list] = {}
    batch = []
    for agency, article_id, paragraphs in articles:
        agency = agency or ""
        if (agency, article_id) in seen_here:
            continue
        seen_here.add((agency, article_id))
        batch.append((agency, article_id, paragraphs))
    if not batch:
        return 0
    done = set(
        con.execute(
            """SELECT agency, article_id FROM boilerplate_articles
               WHERE article_id IN (SELECT unnest($1))""",
            [[a for _, a, _ in batch]],
        ).fetchall()
    )
    for agency, article_id, paragraphs in batch:
        if (agency, article_id) in done:
            continue
        per_article.append((agency, article_id))
        keys: dict[str, str] = {}
        for p in paragraphs:
            k = paragraph_key(p)
            if k and k not in keys:  # once per article: in-article repeats are not evidence
                keys[k] = p.strip()[:SAMPLE_CHARS]
        for k, text in keys.items():
            slot = rows.setdefault((agency, k), [agency, k, text, 0])
            slot[3] += 1
    if not per_article:
        return 0
    counts = pa.table(
        {
            "agency": [r[0] for r in rows.values()],
            "paragraph_key": [r[1] for r in rows.values()],
            "text": [r[2] for r in rows.values()],
            "count": pa.array([r[3] for r in rows.values()], pa.int64()),
        }
    )
    seen_tbl = pa.table(
        {"agency": [a for a, _ in per_article], "article_id": [i for _, i in per_article]},
        schema=BOILERPLATE_ARTICLES,
    )
    con.execute("BEGIN TRANSACTION")
    try:
        con.register("_bp_counts", counts)
        con.execute(
            """INSERT INTO boilerplate (agency, paragraph_key, text, count, first_run, last_run)
               SELECT agency, paragraph_key, text, count, $1, $1 FROM _bp_counts
               ON CONFLICT (agency, paragraph_key) DO UPDATE
               SET count = boilerplate.count + excluded.count, last_run = excluded.last_run""",
            [run_id],
        )
        con.register("_bp_seen", seen_tbl)
        con.execute("INSERT INTO boilerplate_articles SELECT * FROM _bp_seen")
        con.execute("COMMIT")
    except Exception:
        rollback_quietly(con)
        raise
    finally:
        con.unregister("_bp_counts")
        con.unregister("_bp_seen")
    return len(per_article)


def agency_article_count(con: duckdb.DuckDBPyConnection, agency: str) -> int:
    """Return how many articles of an agency have been counted."""
    ensure_tables(con)
    return con.execute(
        "SELECT count(*) FROM boilerplate_articles WHERE agency = $1", [agency or ""]
    ).fetchone()[0]


def boilerplate_keys(con: duckdb.DuckDBPyConnection, agency: str) -> dict[str, str]:
    """Return {paragraph_key: reason} of the paragraphs that frequency marks as boilerplate for an agency."""
    ensure_tables(con)
    total = agency_article_count(con, agency)
    rows = con.execute(
        "SELECT paragraph_key, count FROM boilerplate WHERE agency = $1 AND count >= $2",
        [agency or "", MIN_COUNT],
    ).fetchall()
    out = {}
    for key, count in rows:
        ok, why = decide(count, total)
        if ok:
            out[key] = why
    return out


def boilerplate_predicate(
    con: duckdb.DuckDBPyConnection, agency: str, seeds: bool = True
) -> Callable[[str], bool]:
    """Return ``is_boilerplate(paragraph_key)`` for an agency: frequent paragraphs, plus the seed sign-offs."""
    keys = frozenset(boilerplate_keys(con, agency))
    if not seeds:
        return keys.__contains__
    return lambda key: key in keys or seed_match(key)
