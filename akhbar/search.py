"""Persian full-text search: a BM25 index (DuckDB's fts extension, loaded offline) over reduced terms.

Each article's title, lead and body are reduced in Python to a space-separated string of terms, stored in
``search_docs``, and indexed by ``PRAGMA create_fts_index`` with the extension's own stemming, stopwords,
accent stripping and lower-casing switched off: the reduction already did all of that, and the extension's
default tokenizer drops every non-ASCII letter. A query goes through the same reduction, so

- spelling variants match: Arabic ي/ك, hamza forms, ZWNJ/space, Persian/Arabic/ASCII digits;
- word forms match: hazm's lemmatizer maps ``تروریسمی`` and ``کتاب\u200cها`` to ``تروریسم`` and ``کتاب``,
  and verb forms to their stems (``رفتند`` and ``می\u200cروند`` both become ``رفت#رو``).

Querying needs no extension: the table macro ``search_articles(q_terms)`` (created with the index) computes
BM25 from the index tables in plain SQL, so read-only sessions (``akhbar sql``, ``akhbar search``) use it as
it is. ``fts_main_search_docs.match_bm25`` works too once :func:`load_fts` has run in the session.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import importlib.resources
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from akhbar.schema import SEARCH_DOCS, ddl_for
from akhbar.text.chars import ZWNJ, canonical_key, clean_chars, fold_letters

INDEX_SCHEMA = "fts_main_search_docs"

# The BM25 of the fts extension (k1 = 1.2, b = 0.75), over the index tables it builds, as a table macro:
# the same figures as match_bm25 (a test compares them) without needing the extension loaded at query time.
SEARCH_MACRO_SQL = f"""
CREATE OR REPLACE MACRO search_articles(q_terms, all_terms := true) AS TABLE
WITH q AS (
    SELECT DISTINCT unnest(string_split_regex(trim(q_terms), '\\s+')) AS term
), qt AS (
    SELECT d.termid, d.df FROM {INDEX_SCHEMA}.dict AS d JOIN q ON d.term = q.term
), tf AS (
    SELECT t.docid, t.termid, count(*) AS tf FROM {INDEX_SCHEMA}.terms AS t
    WHERE t.termid IN (SELECT termid FROM qt) GROUP BY t.docid, t.termid
), matched AS (
    SELECT docid, count(*) AS n FROM tf GROUP BY docid
), st AS (
    SELECT num_docs, avgdl FROM {INDEX_SCHEMA}.stats
)
SELECT docs.name AS article_id,
       sum(log((st.num_docs - qt.df + 0.5) / (qt.df + 0.5) + 1)
           * (tf.tf * 2.2) / (tf.tf + 1.2 * (0.25 + 0.75 * docs.len / st.avgdl))) AS score
FROM tf JOIN matched USING (docid) JOIN qt USING (termid)
     JOIN {INDEX_SCHEMA}.docs AS docs ON docs.docid = tf.docid, st
WHERE matched.n >= CASE WHEN all_terms THEN (SELECT count(*) FROM q WHERE q.term <> '') ELSE 1 END
GROUP BY docs.name;
"""

# Single letters and suffixes that a ZWNJ/space split leaves behind, on top of hazm's stopword list.
_EXTRA_STOP = "ها های هایی ای ی یی ام ات اش مان تان شان می نمی را و در به از که با این آن برای تا هم"
# A space after a word and before a suffix (the lookbehind follows the space so the scan stops at spaces only).
_SPACED_SUFFIX = re.compile(r" (?<=\w )(?=(?:هایی|های|ها|ای|ترین|تر)(?![\w\u200c]))")
_SPACED_MI = re.compile(r"(?<![^\s])(ن?می) (?=\w)")
_TOKEN = re.compile(r"[^\W_]+(?:\u200c[^\W_]+)*")
# Inflectional endings tried, longest first, on words the lexicon does not know (names, loanwords).
_SUFFIXES = ("هایی", "های", "ها", "ترین", "یی", "ی", "ات", "ان")
# Suffixes written after a ZWNJ in normalized text, so a query may give them with a space or nothing between.
_JOINABLE = ("هایی", "های", "ها", "ای", "ترین", "تر")


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One search result."""

    article_id: str
    score: float
    agency: str | None
    published_jalali: str | None
    title: str | None
    snippet: str
    matched: tuple[str, ...]


@functools.cache
def _hazm() -> tuple[Any, frozenset[str], frozenset[str], dict[str, str]]:
    # Built once per process (~5 s: hazm's import plus verb conjugation tables); queries and indexing reuse it.
    from hazm import stopwords_list

    from akhbar.text.hazm_shared import lemmatizer as shared_lemmatizer
    from akhbar.text.hazm_shared import read_word_list_once

    read_word_list_once()  # the list below is the one the lemmatizer (and a worker's normalizer) read
    from hazm.utils import words_list

    lemmatizer = shared_lemmatizer()
    # hazm's lexicon also lists unattested spellings with frequency 0 ("کتابها", "آنها"); trusting those would
    # make "کتابها" a term apart from "کتاب\u200cها" -> "کتاب".
    known = frozenset(w for w, freq, _ in words_list() if int(freq) > 0)
    stop = {_key(w.replace("_", " ")) for w in stopwords_list()} | {_key(w) for w in _EXTRA_STOP.split()}
    return lemmatizer, known, frozenset(stop), {}


def _key(word: str) -> str:
    """Fold one word to its comparison form (no spaces, ZWNJ, '#', hamza or digit variants)."""
    return canonical_key(word).replace(" ", "")


def _lemma(token: str, lemmatizer: Any, known: frozenset[str]) -> str:
    """Return the lemma of a cleaned token: hazm's lexicon and verbs first, a suffix strip for unknown words."""
    verbs = lemmatizer.verbs
    if token in known:
        return token
    if token in verbs:
        return verbs[token]
    if ZWNJ in token:
        lemma = lemmatizer.lemmatize(token)  # "کتاب\u200cها" -> "کتاب"
        if lemma != token:
            return lemma
    bare = token.replace(ZWNJ, "")
    # "هستهای" is "هسته\u200cای" written without its ZWNJ: the lexicon knows the ZWNJ form.
    for suffix in _JOINABLE:
        joined = bare[: -len(suffix)] + ZWNJ + suffix
        if bare.endswith(suffix) and joined in known:
            return joined
    for suffix in _JOINABLE:
        stem = bare[: -len(suffix)]
        if bare.endswith(suffix) and stem in known:
            return stem
    if bare in known:
        return bare
    if bare in verbs:
        return verbs[bare]
    lemma = lemmatizer.lemmatize(bare)
    if lemma != bare and (lemma in known or "#" in lemma):
        return lemma
    head, sep, tail = token.rpartition(ZWNJ)
    if sep and tail in _SUFFIXES:
        return head
    for suffix in _SUFFIXES:
        if bare.endswith(suffix) and len(bare) - len(suffix) >= 3:
            return bare[: -len(suffix)]
    return bare


_MEMO_MAX = 500_000


def term_of(token: str) -> str:
    """Reduce one word to its search term ('' for a stopword).

    >>> term_of("تروریسمی") == term_of("تروریسم")
    True
    >>> term_of("كتاب\u200cهاي") == term_of("کتاب")
    True
    """
    lemmatizer, known, stop, cache = _hazm()
    hit = cache.get(token)
    if hit is not None:
        return hit
    original, token = token, fold_letters(token)
    if token.isascii():
        term = token.lower() if len(token) > 1 or token.isdigit() else ""
    else:
        term = _key(_lemma(token, lemmatizer, known))
        if term in stop or _key(token) in stop or (len(term) < 2 and not term.isdigit()):
            term = ""
    if len(cache) < _MEMO_MAX:  # bounded: a term never changes, and most words repeat
        cache[original] = term
    return term


def _prepare(text: str) -> str:
    """Clean a text for tokenizing: letters folded, diacritics and controls gone, 'می' joined to its verb."""
    return _join_spaced(clean_chars(text))


def _join_spaced(text: str) -> str:
    # Unnormalized queries write "می روند" and "هسته ای"; the indexed text has "می\u200cروند" and "هسته\u200cای"
    # (hazm's normalizer joined them).
    if "می " in text:  # every match contains it
        text = _SPACED_MI.sub("\\1" + ZWNJ, text)
    return _SPACED_SUFFIX.sub(ZWNJ, text)


def tokens(text: str) -> list[tuple[int, int, str]]:
    """Split a text into words with their offsets (ZWNJ-joined parts stay one word)."""
    return [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]


def reduce_terms(text: str | None, normalized: bool = False) -> list[str]:
    """Reduce a text to its search terms, in order.

    ``normalized``: the text is the output of :func:`akhbar.text.normalize.normalize_lines` (an article's
    fields), which went through the character cleanup already; the cleanup is skipped (0.11 of 0.31 ms per
    article). On such text it would only write hazm's "…" as "...", which no term contains (tested).

    >>> reduce_terms("كتاب\u200cهای تازه در نمایشگاه ۱۴۰۲") == reduce_terms("کتاب تازه نمایشگاه 1402")
    True
    """
    if not text:
        return []
    seen = _hazm()[3].get  # term_of's memo, read here first: most words of a text are known already
    out = []
    for tok in _TOKEN.findall(_join_spaced(text) if normalized else _prepare(text)):
        term = seen(tok)
        if term is None:
            term = term_of(tok)
        if term:
            out.append(term)
    return out


def doc_text(title: str | None, lead: str | None, body: str | None) -> str:
    """Join the searchable fields of an article (the lead is skipped when the body starts with it)."""
    parts = [title or ""]
    if lead and not (body or "").startswith(lead.strip()):
        parts.append(lead)
    parts.append(body or "")
    return "\n".join(p for p in parts if p)


def fts_extension_path() -> Path:
    """Return the fts extension file shipped by the duckdb-extension-fts package for this DuckDB version."""
    import duckdb_extension_fts

    root = Path(str(importlib.resources.files(duckdb_extension_fts)))
    return root / "extensions" / f"v{duckdb.__version__}" / "fts.duckdb_extension"


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """Load the fts extension from the installed package, never from the network."""
    path = fts_extension_path()
    if not path.exists():
        raise RuntimeError(f"the fts extension for DuckDB {duckdb.__version__} is missing at {path} (pip install duckdb-extension-fts=={duckdb.__version__})")
    # A missing function would otherwise make DuckDB try to download the extension.
    con.execute("SET autoinstall_known_extensions = false")
    con.execute(f"LOAD '{path}'")


def create_table(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``search_docs`` if it does not exist."""
    con.execute(ddl_for(SEARCH_DOCS))


def index_articles(con: duckdb.DuckDBPyConnection, rows: Iterable[tuple[str, str | None, str | None, str | None]]) -> int:
    """Add or update the search documents of articles given as (article_id, title, lead, body); return how many.

    The BM25 index itself is rebuilt by :func:`refresh_index`.
    """
    create_table(con)
    n = 0
    batch: list[dict[str, str]] = []
    for article_id, title, lead, body in rows:
        batch.append({"article_id": article_id, "terms": " ".join(reduce_terms(doc_text(title, lead, body)))})
        if len(batch) >= 2000:
            n += _upsert(con, batch)
            batch = []
    if batch:
        n += _upsert(con, batch)
    return n


def _upsert(con: duckdb.DuckDBPyConnection, batch: list[dict[str, str]]) -> int:
    docs = pa.Table.from_pylist(batch, schema=SEARCH_DOCS)  # noqa: F841 - read by DuckDB's replacement scan
    # Replace by delete + insert: search_docs has no index to upsert against (see akhbar.schema.table).
    replaced = con.execute("DELETE FROM search_docs WHERE article_id IN (SELECT article_id FROM docs)").fetchone()
    if replaced and replaced[0]:
        drop_index(con)  # it describes the old documents: only a rebuild can take them out
    con.execute("INSERT INTO search_docs BY NAME SELECT * FROM docs")
    return len(batch)


def index_missing(con: duckdb.DuckDBPyConnection) -> int:
    """Index the articles that have no search document yet and drop documents of vanished articles."""
    create_table(con)
    gone = con.execute("DELETE FROM search_docs WHERE article_id NOT IN (SELECT article_id FROM articles)").fetchone()
    if gone and gone[0]:
        drop_index(con)
    cur = con.execute(
        "SELECT article_id, title, lead, body FROM articles "
        "WHERE article_id NOT IN (SELECT article_id FROM search_docs) ORDER BY article_id"
    )
    total = 0
    while chunk := cur.fetchmany(2000):
        # A second cursor: index_articles writes while this one still reads.
        total += index_articles(con.cursor(), chunk)
    return total


def refresh_index(con: duckdb.DuckDBPyConnection, full: bool = False) -> str:
    """Bring the BM25 index up to date with ``search_docs``; (re)create the ``search_articles`` macro.

    Documents only added since the index was built are appended to it in place (:func:`extend_index`);
    otherwise, or with ``full``, the index is rebuilt over every document. Returns "extended" or "rebuilt".
    """
    create_table(con)
    if not full and extend_index(con) is not None:
        con.execute(SEARCH_MACRO_SQL)
        return "extended"
    _build_index(con)
    con.execute(SEARCH_MACRO_SQL)
    return "rebuilt"


def _build_index(con: duckdb.DuckDBPyConnection) -> None:
    load_fts(con)
    # ignore='\s' (not ''): the tokenizer replaces `ignore` matches with spaces, and '' splits every letter.
    con.execute(
        "PRAGMA create_fts_index('search_docs', 'article_id', 'terms', stemmer='none', stopwords='none', "
        "ignore='\\s', strip_accents=0, lower=0, overwrite=1)"
    )


def start_index(con: duckdb.DuckDBPyConnection) -> bool:
    """Create the BM25 index while ``search_docs`` is still empty (a new warehouse); return whether it did.

    The run's end then extends it (:func:`refresh_index`) like any later run's, instead of building it over
    everything: at 50,000 articles 5.1 s against 10.7-13.2 s for ``create_fts_index``, which runs on one core
    while the workers are done. The ``search_articles`` macro comes with the first refresh.
    """
    create_table(con)
    if has_fts_index(con):
        return False
    (docs,) = con.execute("SELECT count(*) FROM search_docs").fetchone() or (1,)
    if docs:
        return False
    _build_index(con)
    return True


def drop_index(con: duckdb.DuckDBPyConnection) -> None:
    """Remove the BM25 index and its macro (when documents were replaced or removed: the next refresh rebuilds)."""
    con.execute(f"DROP SCHEMA IF EXISTS {INDEX_SCHEMA} CASCADE")
    con.execute("DROP MACRO TABLE IF EXISTS search_articles")


_INDEX_TABLES = ("docs", "dict", "terms", "stats", "fields")


def extend_index(con: duckdb.DuckDBPyConnection) -> int | None:
    """Append the ``search_docs`` rows the BM25 index lacks to its tables, in place; return how many.

    Returns None, changing nothing, when the index must be rebuilt instead: there is none, or a document it
    holds is no longer in ``search_docs`` (documents replaced or removed through :func:`index_articles` or
    :func:`index_missing` drop the index, so those are rebuilt too). The tables end up as ``create_fts_index``
    would make them over all documents, but for the numbering of new document and term ids (every BM25
    figure is the same; a test compares them with a rebuild). Rebuilding rereads every document: at 50,000
    articles it took 7.4 s at the end of each run, growing with the warehouse, while an hourly run adds a
    few hundred.
    """
    s = INDEX_SCHEMA
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = ? "
        "AND table_name IN (SELECT unnest(?))",
        [s, list(_INDEX_TABLES)],
    ).fetchone()
    has_tokenize = con.execute(
        "SELECT count(*) FROM duckdb_functions() WHERE schema_name = ? AND function_name = 'tokenize'", [s]
    ).fetchone()
    if not found or found[0] != len(_INDEX_TABLES) or not has_tokenize or not has_tokenize[0]:
        return None
    fields = con.execute(f"SELECT fieldid FROM {s}.fields WHERE field = 'terms'").fetchall()
    (lost,) = con.execute(f"SELECT count(*) FROM {s}.docs WHERE name NOT IN (SELECT article_id FROM search_docs)").fetchone() or (1,)
    if len(fields) != 1 or lost:
        return None
    (new,) = con.execute(f"SELECT count(*) FROM search_docs WHERE article_id NOT IN (SELECT name FROM {s}.docs)").fetchone() or (0,)
    if not new:
        return 0
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _fts_new AS
                SELECT (SELECT coalesce(max(docid) + 1, 0) FROM {s}.docs) + row_number() OVER (ORDER BY article_id) - 1 AS docid,
                       article_id AS name, terms
                FROM search_docs WHERE article_id NOT IN (SELECT name FROM {s}.docs)"""
        )
        # The extension's tokenizer (its macro splits on RE2's \s: space, \t, \n, \f, \r) and its rule that
        # empty tokens are not terms. ``terms`` is our own space-joined output: split on the space alone, which
        # gives the same tokens for a text without the other four and took 0.95 s against 4.3 s at 50,000
        # articles; a text with one of them goes through the macro.
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _fts_tokens AS
                SELECT docid, term FROM (
                    SELECT docid, unnest(CASE WHEN contains(terms, chr(9)) OR contains(terms, chr(10))
                                                   OR contains(terms, chr(12)) OR contains(terms, chr(13))
                                              THEN {s}.tokenize(terms) ELSE string_split(terms, ' ') END) AS term
                    FROM _fts_new)
                WHERE term <> ''"""
        )
        con.execute("CREATE OR REPLACE TEMP TABLE _fts_df AS SELECT term, count(DISTINCT docid) AS df FROM _fts_tokens GROUP BY term")
        # Terms the index knows gain the new documents' counts; new terms enter with theirs.
        con.execute(f"UPDATE {s}.dict SET df = dict.df + n.df FROM _fts_df AS n WHERE dict.term = n.term")
        con.execute(
            f"""INSERT INTO {s}.dict
                SELECT (SELECT coalesce(max(termid) + 1, 0) FROM {s}.dict) + row_number() OVER (ORDER BY term) - 1, term, df
                FROM _fts_df WHERE term NOT IN (SELECT term FROM {s}.dict)"""
        )
        con.execute(
            f"INSERT INTO {s}.terms SELECT t.docid, $1, d.termid FROM _fts_tokens AS t JOIN {s}.dict AS d USING (term)",
            [fields[0][0]],
        )
        con.execute(
            f"""INSERT INTO {s}.docs
                SELECT n.docid, n.name, coalesce(l.len, 0)
                FROM _fts_new AS n LEFT JOIN (SELECT docid, count(*) AS len FROM _fts_tokens GROUP BY docid) AS l USING (docid)"""
        )
        con.execute(f"DELETE FROM {s}.stats")
        con.execute(f"INSERT INTO {s}.stats SELECT count(*), sum(len) / count(len) FROM {s}.docs")
        con.execute("DROP TABLE _fts_new")
        con.execute("DROP TABLE _fts_tokens")
        con.execute("DROP TABLE _fts_df")
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
    return int(new)


def has_fts_index(con: duckdb.DuckDBPyConnection) -> bool:
    """Tell whether the fts index tables exist (a writer builds them; readers only query them)."""
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ?", [INDEX_SCHEMA]
    ).fetchone()
    return bool(row and row[0])


def has_index(con: duckdb.DuckDBPyConnection) -> bool:
    """Tell whether the warehouse has a BM25 index to search."""
    row = con.execute(
        "SELECT count(*) FROM duckdb_functions() WHERE function_name = 'search_articles'"
    ).fetchone()
    return bool(row and row[0])


def query_terms(query: str) -> list[str]:
    """Reduce a query to its distinct terms, in order."""
    return list(dict.fromkeys(reduce_terms(query.replace('"', " "))))


def _since_clause(since: str | dt.date | None) -> tuple[str, list[Any]]:
    if since is None:
        return "", []
    if isinstance(since, dt.datetime):
        return " AND a.published_at >= ?", [since if since.tzinfo else since.replace(tzinfo=dt.UTC)]
    if isinstance(since, dt.date):
        return " AND a.published_at >= ?", [dt.datetime.combine(since, dt.time(), dt.UTC)]
    text = fold_letters(since).strip()
    text = canonical_key(text).replace(" ", "-")  # Persian digits to ASCII; '/' to '-'
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if not m:
        raise ValueError(f"since must be a date YYYY-MM-DD (Gregorian, or Jalali like 1402-05-01), got {since!r}")
    y, mo, d = (int(g) for g in m.groups())
    if y < 1700:  # a Jalali date: compare with the stored Jalali day, which sorts as text
        return " AND a.published_jalali >= ?", [f"{y:04d}-{mo:02d}-{d:02d}"]
    return " AND a.published_at >= ?", [dt.datetime(y, mo, d, tzinfo=dt.UTC)]


def search(
    con: duckdb.DuckDBPyConnection,
    query: str,
    *,
    agency: str | None = None,
    since: str | dt.date | None = None,
    limit: int = 20,
    all_terms: bool = True,
    one_per_story: bool = True,
) -> list[SearchHit]:
    """Search articles with BM25; a query in double quotes must also occur as a phrase.

    ``since`` is a date (Gregorian, or Jalali such as ``"1402-05-01"``); ``agency`` an exact agency name
    (Arabic ي/ك folded). With ``all_terms`` (the default) every query term must occur. With
    ``one_per_story`` (the default) a duplicate cluster gives one hit: its best-scored member, the
    canonical one on ties (scores are compared to 9 decimals).
    """
    terms = query_terms(query)
    if not terms or not has_index(con):
        return []
    phrase = _phrase_key(query)
    where, params = _since_clause(since)
    if agency:
        where += " AND a.agency = ?"
        params.append(fold_letters(agency).strip())
    # A phrase is checked in Python on the text: fetch every BM25 candidate, then keep the first `limit`.
    fetch = "" if phrase else f" LIMIT {int(limit)}"
    # Scores are compared to 9 decimals: the same text scores equal up to the last bits, which depend on the
    # order the index's rows were summed in (two copies in one cluster scored ...607 and ...603), and that
    # must not pick a non-canonical copy over the canonical one.
    rows = con.execute(
        "SELECT s.article_id, s.score, a.agency, a.published_jalali, a.title, a.lead, a.body "
        "FROM search_articles(?, all_terms := ?) AS s JOIN articles AS a USING (article_id) "
        f"WHERE true{where} "
        + ("QUALIFY row_number() OVER (PARTITION BY a.cluster_id ORDER BY round(s.score, 9) DESC, a.is_canonical DESC, s.article_id) = 1 "
           if one_per_story else "")
        + f"ORDER BY round(s.score, 9) DESC, s.article_id{fetch}",
        [" ".join(terms), all_terms, *params],
    ).fetchall()
    hits = []
    for article_id, score, ag, jalali, title, lead, body in rows:
        if phrase and phrase not in canonical_key(doc_text(title, lead, body)):
            continue
        text = body or lead or title or ""
        snip, matched = snippet(text, set(terms))
        if not matched and title:
            snip, matched = snippet(title, set(terms))
        hits.append(SearchHit(article_id, float(score), ag, jalali, title, snip, matched))
        if len(hits) >= limit:
            break
    return hits


def _phrase_key(query: str) -> str | None:
    """Return the canonical key of the quoted phrase in a query, if there is one."""
    m = re.search(r'"([^"]+)"', query)
    key = canonical_key(m.group(1)) if m else ""
    return key or None


def snippet(text: str, terms: set[str], width: int = 160) -> tuple[str, tuple[str, ...]]:
    """Cut a window of about ``width`` characters around the first word whose term is in ``terms``.

    Returns the window (with '…' where it was cut) and the words in it that matched.
    """
    words = tokens(text)
    first = next((i for i, (_, _, w) in enumerate(words) if term_of(w) in terms), None)
    if first is None:
        start, end = 0, min(len(text), width)
    else:
        s, e, _ = words[first]
        start = max(0, s - width // 3)
        end = min(len(text), start + width)
        start = max(0, min(start, e - width)) if end - start < width else start
    # Snap to word boundaries so no word is cut in half.
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    window = " ".join(text[start:end].split())
    matched = tuple(dict.fromkeys(
        w for s, e, w in words if s >= start and e <= end and term_of(w) in terms
    ))
    return ("…" if start > 0 else "") + window + ("…" if end < len(text) else ""), matched
