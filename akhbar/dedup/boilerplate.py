"""Per-agency boilerplate: paragraphs that recur across many articles of one agency, found by frequency.

Sign-offs («انتهای پیام»، «پایان پیام/»)، news codes («کد خبر: ...»)، channel-join lines and «اخبار مرتبط»
blocks are counted per agency by their paragraph key (the canonical key without spaces, digits masked, so
«کد خبر: ۱۲۳» and «كد خبر 456» count as one). A paragraph is boilerplate for an agency when it occurs in at
least MIN_COUNT articles and MIN_SHARE of that agency's articles. Counts live in DuckDB and grow run by run;
each article is counted once (a rerun does not inflate them) and a paragraph repeated inside one article
counts once for it (in-article repeats are ``akhbar.dedup.paragraphs``' business, not this module's).

A short seed list of known sign-off patterns marks boilerplate before an agency has enough articles for
frequency to speak; frequency is the mechanism, the seeds only bootstrap it.

Where stripping happens: for display, at query time, not at load. The loader keeps ``articles.body`` as
the full normalized text, adds each batch to the counts (each article once) and records each article's
paragraph keys (``boilerplate_articles.paragraph_keys``, aligned with the body's lines); the view
``article_text`` (``sql/boilerplate_views.sql``) strips whatever the counts of *everything loaded so
far* mark as boilerplate. Stripping the stored body at load with the counts known at that moment would
make an article's text depend on how many articles of its agency came before it: a footer seen in 4
articles is kept in the first run and removed in the next, loading in halves would give other bodies
than one run, and the first articles of a new agency would keep their footers for ever. The counts are
a sum over distinct articles, so the view's text depends only on the set of articles loaded, never on
their order or batching, and a rerun changes nothing.

Near-duplicate keys are the one place that strips at load (``akhbar.dedup.profile``, in the workers, checked
and if needed redone by ``akhbar.etl._NearKeys`` with the counts known so far, the batch included): a key
is computed once, when its article arrives, and a shared footer left in it makes different articles of
one agency look alike.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence

import duckdb
import pyarrow as pa

from akhbar.schema import BOILERPLATE, BOILERPLATE_ARTICLES, ddl_for, table_name
from akhbar.text.chars import canonical_key
from akhbar.warehouse import SQL_DIR, rollback_quietly

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

# Also applied by warehouse.init with the other views.
VIEWS_SQL = (SQL_DIR / "views" / "075_boilerplate_current.sql", SQL_DIR / "views" / "076_article_text.sql")
SCHEMAS = (BOILERPLATE, BOILERPLATE_ARTICLES)

_DIGITS = re.compile(r"\d+")


# Cached: a batch's paragraphs are keyed when counted and again when stripped for near-dup keys.
@functools.lru_cache(maxsize=16_384)
def paragraph_key(paragraph: str) -> str:
    """Return the counting key of a paragraph: canonical, without spaces, digit runs masked to 0.

    >>> paragraph_key("كد خبر: ۱۴۰۲۰۶۰۴") == paragraph_key("کد\u200cخبر 99")
    True
    """
    return key_of_canonical(canonical_key(paragraph))


def key_of_canonical(canonical: str) -> str:
    """Return the counting key of a paragraph from its canonical key (``paragraph_key`` without the cache)."""
    key = _DIGITS.sub("0", canonical.replace(" ", ""))
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
    return strip_keyed(paragraphs, paragraph_keys(paragraphs), is_boilerplate)


def strip_keyed(
    paragraphs: Sequence[str], keys: Sequence[str], is_boilerplate: Callable[[str], bool]
) -> tuple[list[str], list[str]]:
    """``strip_boilerplate`` with the paragraph keys already computed (``keys[i]`` is paragraph i's key)."""
    kept: list[str] = []
    removed: list[str] = []
    for p, k in zip(paragraphs, keys, strict=True):
        (removed if is_boilerplate(k) else kept).append(p)
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


def create_views(con: duckdb.DuckDBPyConnection) -> None:
    """Create the tables and the ``boilerplate_current`` / ``article_text`` views over them."""
    ensure_tables(con)
    for path in VIEWS_SQL:
        con.execute(path.read_text(encoding="utf-8"))


def count_paragraphs(
    con: duckdb.DuckDBPyConnection,
    articles: Iterable[tuple[str, str, Sequence[str]]],
    run_id: str | None = None,
    transaction: bool = True,
    keys_of: Mapping[str, Sequence[str]] | None = None,
) -> int:
    """Add (agency, article_id, paragraphs) to the per-agency paragraph counts; return articles counted.

    Articles already counted (same agency and id) are skipped, so rerunning a load changes nothing. Each
    article's paragraph keys are stored in order, for the ``article_text`` view. ``transaction=False``
    runs inside a transaction the caller holds open (the loader commits its counts on their own).
    ``keys_of`` gives articles' paragraph keys already computed (by the worker that prepared them).
    """
    ensure_tables(con)
    batch: dict[tuple[str, str], Sequence[str]] = {}
    for agency, article_id, paragraphs in articles:
        batch.setdefault((agency or "", article_id), paragraphs)
    if not batch:
        return 0
    con.register("_bp_ids", pa.table({"id": pa.array(sorted({a for _, a in batch}), pa.string())}))
    try:
        done = set(
            con.execute(
                "SELECT agency, article_id FROM boilerplate_articles WHERE article_id IN (SELECT id FROM _bp_ids)"
            ).fetchall()
        )
    finally:
        con.unregister("_bp_ids")
    rows: dict[tuple[str, str], list] = {}
    seen: dict[str, list] = {"agency": [], "article_id": [], "paragraph_keys": []}
    for (agency, article_id), paragraphs in batch.items():
        if (agency, article_id) in done:
            continue
        known = keys_of.get(article_id) if keys_of else None
        keys = list(known) if known is not None else paragraph_keys(paragraphs)
        seen["agency"].append(agency)
        seen["article_id"].append(article_id)
        seen["paragraph_keys"].append(keys)
        for k, p in _first_text(keys, paragraphs):
            slot = rows.setdefault((agency, k), [agency, k, p, 0])
            slot[3] += 1
    if not seen["article_id"]:
        return 0
    counts = pa.table(
        {
            "agency": [r[0] for r in rows.values()],
            "paragraph_key": [r[1] for r in rows.values()],
            "text": [r[2] for r in rows.values()],
            "count": pa.array([r[3] for r in rows.values()], pa.int64()),
            "seed": [seed_match(r[1]) for r in rows.values()],
        }
    )
    seen_tbl = pa.table(seen, schema=BOILERPLATE_ARTICLES)
    if transaction:
        con.execute("BEGIN TRANSACTION")
    try:
        con.register("_bp_counts", counts)
        con.register("_bp_seen", seen_tbl)
        # MERGE by join: no key index needed on the growing table.
        con.execute(
            """MERGE INTO boilerplate AS b USING _bp_counts AS n
               ON b.agency = n.agency AND b.paragraph_key = n.paragraph_key
               WHEN MATCHED THEN UPDATE SET count = b.count + n.count, last_run = $1
               WHEN NOT MATCHED THEN INSERT (agency, paragraph_key, text, count, seed, first_run, last_run)
                   VALUES (n.agency, n.paragraph_key, n.text, n.count, n.seed, $1, $1)""",
            [run_id],
        )
        con.execute("INSERT INTO boilerplate_articles SELECT * FROM _bp_seen")
        if transaction:
            con.execute("COMMIT")
    except Exception:
        if transaction:
            rollback_quietly(con)
        raise
    finally:
        con.unregister("_bp_counts")
        con.unregister("_bp_seen")
    return len(seen["article_id"])


def _first_text(keys: Sequence[str], paragraphs: Sequence[str]) -> list[tuple[str, str]]:
    """Return (key, display sample) once per distinct non-empty key: in-article repeats are not evidence."""
    out: dict[str, str] = {}
    for k, p in zip(keys, paragraphs, strict=True):
        if k and k not in out:
            out[k] = p.strip()[:SAMPLE_CHARS]
    return list(out.items())


def _has_tables(con: duckdb.DuckDBPyConnection) -> bool:
    """Tell whether the boilerplate tables exist (readers may hold a read-only connection: no DDL there)."""
    names = {table_name(s) for s in SCHEMAS}
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND table_name IN (SELECT unnest($1))",
        [sorted(names)],
    ).fetchone()[0]
    return found == len(names)


def agency_article_count(con: duckdb.DuckDBPyConnection, agency: str) -> int:
    """Return how many articles of an agency have been counted (0 before anything was counted)."""
    if not _has_tables(con):
        return 0
    return _counted(con, agency)


def _counted(con: duckdb.DuckDBPyConnection, agency: str) -> int:
    return con.execute("SELECT count(*) FROM boilerplate_articles WHERE agency = $1", [agency or ""]).fetchone()[0]


def boilerplate_keys(con: duckdb.DuckDBPyConnection, agency: str) -> dict[str, str]:
    """Return {paragraph_key: reason} of the paragraphs that frequency marks as boilerplate for an agency."""
    if not _has_tables(con):
        return {}
    total = _counted(con, agency)  # (the catalog lookup above, ~5 ms, once)
    if total <= 0:
        return {}
    # The share test is done in SQL too (the same double division as ``decide``): on the 50,000-article
    # scaled corpus every paragraph passes MIN_COUNT, and fetching them all to reject them here cost 1.1
    # million ``decide`` calls and ~6 s of the writer's time.
    rows = con.execute(
        "SELECT paragraph_key, count FROM boilerplate WHERE agency = $1 AND count >= $2 AND count::DOUBLE / $3 >= $4",
        [agency or "", MIN_COUNT, total, MIN_SHARE],
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
    return predicate_of(keys)


def predicate_of(keys: frozenset[str]) -> Callable[[str], bool]:
    """Return ``is_boilerplate(paragraph_key)`` for a set of frequent keys, plus the seed sign-offs."""
    return lambda key: key in keys or seed_match(key)
