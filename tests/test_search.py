"""Persian full-text search: term reduction, the offline fts extension, BM25 in read-only sessions, filters."""

from __future__ import annotations

import gzip
import importlib.util
import json
import sys
import time
from pathlib import Path

import duckdb
import pytest

from akhbar import search
from akhbar.warehouse import connect_reader
from tests.conftest import REPO, shared


def load_cookbook():  # type: ignore[no-untyped-def]
    """Import scripts/cookbook.py (not a package) once per session."""
    if "akhbar_cookbook" not in sys.modules:
        spec = importlib.util.spec_from_file_location("akhbar_cookbook", REPO / "scripts" / "cookbook.py")
        mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        sys.modules["akhbar_cookbook"] = mod
        spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return sys.modules["akhbar_cookbook"]


@pytest.fixture(scope="session")
def samples_wh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled samples loaded by the ETL and indexed for search (built once per session)."""
    return load_cookbook().build_once(tmp_path_factory.getbasetemp() / "samples-warehouse")


@pytest.fixture()
def reader(samples_wh: Path):  # type: ignore[no-untyped-def]
    con = connect_reader(samples_wh / "news.duckdb")
    yield con
    con.close()


@pytest.mark.parametrize(
    ("variant", "base"),
    [
        ("تروریسمی", "تروریسم"),  # inflected form of an unknown-to-the-query stem
        ("كتاب\u200cهاي", "کتاب"),  # Arabic kaf/yeh, plural with ZWNJ
        ("کتاب ها", "کتاب"),  # plural written with a space
        ("کتابها", "کتاب"),  # plural written without ZWNJ
        ("هسته ای", "هسته\u200cای"),  # adjective suffix written with a space
        ("هستهای", "هسته\u200cای"),
        ("می روند", "رفتند"),  # verb forms share the lemma
        ("بازیکنان", "بازیکن"),
        ("۱۴۰۲", "1402"),  # Persian digits
        ("١٤٠٢", "1402"),  # Arabic-Indic digits
        ("آمریکا", "أمريكا"),  # hamza and Arabic letters
    ],
)
def test_variants_reduce_to_the_same_terms(variant: str, base: str) -> None:
    assert search.reduce_terms(variant) == search.reduce_terms(base) != []


def test_stopwords_and_punctuation_give_no_terms() -> None:
    assert search.reduce_terms("و در به از که، «این» را.") == []
    assert search.reduce_terms("") == [] and search.reduce_terms(None) == []


def test_fts_extension_loads_offline_in_a_fresh_connection() -> None:
    assert search.fts_extension_path().exists()
    con = duckdb.connect()
    search.load_fts(con)
    assert con.execute("SELECT count(*) FROM duckdb_extensions() WHERE extension_name = 'fts' AND loaded").fetchone() == (1,)


def test_index_on_an_empty_warehouse() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE articles (article_id VARCHAR, cluster_id VARCHAR, is_canonical BOOLEAN, agency VARCHAR, "
                "published_at TIMESTAMPTZ, published_jalali VARCHAR, title VARCHAR, lead VARCHAR, body VARCHAR)")
    assert search.index_missing(con) == 0
    search.refresh_index(con)
    assert search.has_index(con)
    assert search.search(con, "کتاب") == []


def test_index_add_and_update() -> None:
    con = duckdb.connect()
    assert search.index_articles(con, [("a", "کتاب", None, "نمایشگاه کتاب تهران"), ("b", None, None, "فوتبال")]) == 2
    search.index_articles(con, [("b", None, None, "کتاب\u200cها")])  # replaces b's document
    search.refresh_index(con)
    got = {r[0] for r in con.execute("SELECT article_id FROM search_articles('کتاب')").fetchall()}
    assert got == {"a", "b"}
    assert con.execute("SELECT count(*) FROM search_docs").fetchone() == (2,)


def test_search_in_a_read_only_session(reader: duckdb.DuckDBPyConnection) -> None:
    hits = search.search(reader, "پرسپولیس", limit=5)
    assert len(hits) == 5
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    for h in hits:
        assert "پرسپولیس" in h.matched and "پرسپولیس" in h.snippet
        assert len(h.snippet) < 240


def test_arabic_letters_and_inflection_find_the_same_articles(reader: duckdb.DuckDBPyConnection) -> None:
    persian = [h.article_id for h in search.search(reader, "پرسپولیس", limit=50)]
    assert persian
    assert [h.article_id for h in search.search(reader, "پرسپوليس", limit=50)] == persian
    assert [h.article_id for h in search.search(reader, "پرسپولیسی", limit=50)] == persian
    players = {h.article_id for h in search.search(reader, "بازیکن", limit=100)}
    assert {h.article_id for h in search.search(reader, "بازیکنان", limit=100)} == players


def test_all_terms_phrase_and_any_term(reader: duckdb.DuckDBPyConnection) -> None:
    both = {h.article_id for h in search.search(reader, "تیم ملی", limit=100)}
    team = {h.article_id for h in search.search(reader, "تیم", limit=100)}
    either = {h.article_id for h in search.search(reader, "تیم ملی", limit=100, all_terms=False)}
    phrase = {h.article_id for h in search.search(reader, '"تیم ملی"', limit=100)}
    assert phrase and phrase <= both <= team <= either
    # The phrase filter agrees with the SQL macro fa_contains on the same articles.
    in_sql = {r[0] for r in reader.execute(
        "SELECT article_id FROM articles WHERE article_id IN (SELECT unnest(?)) "
        "AND fa_contains(coalesce(title, '') || ' ' || coalesce(lead, '') || ' ' || body, 'تیم ملی')", [sorted(both)]).fetchall()}
    assert phrase == in_sql


def test_one_hit_per_duplicate_cluster(reader: duckdb.DuckDBPyConnection) -> None:
    collapsed = search.search(reader, "فوتبال", limit=200)
    every = search.search(reader, "فوتبال", limit=200, one_per_story=False)
    clusters = dict(reader.execute("SELECT article_id, cluster_id FROM articles").fetchall())
    assert len(every) > len(collapsed)
    assert len({clusters[h.article_id] for h in collapsed}) == len(collapsed)
    assert {clusters[h.article_id] for h in every} == {clusters[h.article_id] for h in collapsed}


def test_agency_and_since_filters(reader: duckdb.DuckDBPyConnection) -> None:
    every = search.search(reader, "ایران", limit=500)
    agencies = {h.agency for h in every}
    assert len(agencies) >= 2
    agency = sorted(a for a in agencies if a)[0]
    only = search.search(reader, "ایران", agency=agency, limit=500)
    assert only and {h.agency for h in only} == {agency}
    assert {h.article_id for h in only} == {h.article_id for h in every if h.agency == agency}
    dated = [h for h in every if h.published_jalali]
    cut = sorted(h.published_jalali for h in dated)[len(dated) // 2]
    since_j = search.search(reader, "ایران", since=cut, limit=500)
    assert since_j and all(h.published_jalali and h.published_jalali >= cut for h in since_j)
    since_g = search.search(reader, "ایران", since="2025-01-01", limit=500)
    assert all(h.published_jalali and h.published_jalali >= "1403-10-12" for h in since_g)
    with pytest.raises(ValueError):
        search.search(reader, "ایران", since="yesterday")


def test_macro_scores_equal_match_bm25(reader: duckdb.DuckDBPyConnection) -> None:
    search.load_fts(reader)
    ours = reader.execute("SELECT article_id, score FROM search_articles('بازیکن', all_terms := false) ORDER BY article_id").fetchall()
    theirs = reader.execute(
        "SELECT article_id, score FROM (SELECT article_id, fts_main_search_docs.match_bm25(article_id, 'بازیکن') AS score "
        "FROM search_docs) WHERE score IS NOT NULL ORDER BY article_id"
    ).fetchall()
    assert len(ours) == len(theirs) > 3
    for (a, s), (b, t) in zip(ours, theirs, strict=True):
        assert a == b and s == pytest.approx(t)


def test_snippet_marks_the_first_match() -> None:
    text = "خبر اول درباره اقتصاد است. " * 10 + "تیم\u200cهای فوتبال امروز بازی کردند. " + "پایان خبر. " * 10
    snip, matched = search.snippet(text, set(search.query_terms("تیم")))
    assert matched == ("تیم\u200cهای",) and "تیم\u200cهای فوتبال" in snip
    assert snip.startswith("…") and snip.endswith("…")


def _shared_docs() -> list[tuple[str, str | None, str | None, str]]:
    """Raw records of langml-fars-varzesh3 (Fars text is full of Arabic ي/ك), as (id, title, lead, body)."""
    root = shared("langml-fars-varzesh3")
    docs = []
    for path in sorted(root.glob("*.json.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for i, rec in enumerate(json.load(fh)):
                docs.append((f"{path.name}:{i}", rec.get("title"), rec.get("abstract"), "\n".join(rec.get("paragraphs") or [])))
    return docs


@pytest.mark.slow
def test_shared_corpus_arabic_letters_and_latency() -> None:
    docs = _shared_docs()
    con = duckdb.connect()
    search.index_articles(con, docs)
    search.refresh_index(con)
    con.execute("CREATE TABLE articles AS SELECT d.article_id, d.article_id AS cluster_id, true AS is_canonical, "
                "NULL::VARCHAR AS agency, NULL::TIMESTAMPTZ AS published_at, NULL::VARCHAR AS published_jalali, "
                "NULL::VARCHAR AS title, NULL::VARCHAR AS lead, '' AS body FROM search_docs AS d")
    raw = {d[0]: d[1] + " " + d[3] for d in docs if d[1]}
    for persian, arabic in [("ایران", "ايران"), ("کشور", "كشور"), ("رئیس جمهوری", "رئيس جمهوري"), ("پرسپولیس", "پرسپوليس")]:
        fa = [h.article_id for h in search.search(con, persian, limit=10_000)]
        ar = [h.article_id for h in search.search(con, arabic, limit=10_000)]
        assert fa and fa == ar
        # Hits include records written with Arabic letters in the raw input.
        assert any(arabic.split()[0] in raw.get(i, "") for i in fa)
    base = {h.article_id for h in search.search(con, "تروریسم", limit=10_000)}
    assert base and base == {h.article_id for h in search.search(con, "تروریسمی", limit=10_000)}
    t0 = time.perf_counter()
    for q in ("ایران", "تیم ملی فوتبال", "مذاکرات هسته ای"):
        search.search(con, q, limit=20)
    assert (time.perf_counter() - t0) / 3 < 1.0


def _sample_docs() -> list[tuple[str, str | None, str | None, str]]:
    """The committed Fars sample as (id, title, lead, body)."""
    with gzip.open(REPO / "data" / "samples" / "langml" / "fars-news-sample.json.gz", "rt", encoding="utf-8") as fh:
        records = json.load(fh)
    return [(f"fars-{i:04d}", r.get("title"), r.get("abstract"), "\n".join(r.get("paragraphs") or [])) for i, r in enumerate(records)]


def _index_contents(con: duckdb.DuckDBPyConnection) -> tuple:
    """The BM25 index tables by name and term (ids are numbering only), as create_fts_index would make them."""
    s = search.INDEX_SCHEMA
    return (
        dict(con.execute(f"SELECT name, len FROM {s}.docs").fetchall()),
        dict(con.execute(f"SELECT term, df FROM {s}.dict").fetchall()),
        con.execute(f"SELECT num_docs, avgdl FROM {s}.stats").fetchall(),
        sorted(con.execute(
            f"SELECT d.name, k.term, t.fieldid, count(*) FROM {s}.terms AS t JOIN {s}.docs AS d USING (docid) "
            f"JOIN {s}.dict AS k USING (termid) GROUP BY ALL"
        ).fetchall()),
    )


_QUERIES = ["ایران", "رئیس جمهور", "مجلس شورای اسلامی", "آمریکا تحریم"]


def _results(con: duckdb.DuckDBPyConnection) -> list[list[tuple[str, float]]]:
    return [
        sorted(con.execute("SELECT article_id, score FROM search_articles(?)", [" ".join(search.query_terms(q))]).fetchall())
        for q in _QUERIES
    ]


def test_index_extended_in_place_equals_a_rebuild() -> None:
    docs = _sample_docs()
    half = len(docs) // 2
    con = duckdb.connect()
    search.index_articles(con, docs[:half])
    assert search.refresh_index(con) == "rebuilt"  # no index yet
    # The second half, plus a document that reduces to no terms at all (length 0, still a document).
    assert search.index_articles(con, [*docs[half:], ("empty", None, None, "و در به از")]) == len(docs) - half + 1
    assert search.refresh_index(con) == "extended"
    assert search.refresh_index(con) == "extended"  # nothing new: unchanged
    extended, found = _index_contents(con), _results(con)
    assert extended[0]["empty"] == 0 and len(extended[0]) == len(docs) + 1
    assert all(found) and any(name >= f"fars-{half:04d}" for hits in found for name, _ in hits)
    assert search.refresh_index(con, full=True) == "rebuilt"
    assert _index_contents(con) == extended
    for got, want in zip(found, _results(con), strict=True):
        assert [a for a, _ in got] == [a for a, _ in want]
        # Multi-term scores are sums whose order may differ between two builds: equal to the last bits.
        assert [x for _, x in got] == pytest.approx([x for _, x in want], rel=1e-12)


def test_a_new_warehouse_index_started_empty_is_extended_like_a_rebuild() -> None:
    """start_index creates the index over no documents; the first refresh extends it to what a build gives.

    Terms are split on the space alone unless a text holds one of the macro's other separators (tab,
    newline, form feed, carriage return): such texts are tokenized by the extension's macro, as a build does.
    """
    docs = _sample_docs()
    con = duckdb.connect()
    assert search.start_index(con) and search.has_fts_index(con) and not search.has_index(con)
    assert not search.start_index(con)  # there is one now
    search.index_articles(con, docs)
    con.execute("INSERT INTO search_docs VALUES ('odd', ?), ('blank', ?)", ["ایران\tتهران\n\nکتاب  نمایشگاه\r\x0cفوتبال ", " \t "])
    assert search.refresh_index(con) == "extended"
    extended, found = _index_contents(con), _results(con)
    assert extended[0]["odd"] == 5 and extended[0]["blank"] == 0 and all(found)
    assert search.refresh_index(con, full=True) == "rebuilt"
    assert _index_contents(con) == extended
    for got, want in zip(found, _results(con), strict=True):
        assert [a for a, _ in got] == [a for a, _ in want]
        assert [x for _, x in got] == pytest.approx([x for _, x in want], rel=1e-12)
    other = duckdb.connect()
    search.index_articles(other, docs[:3])
    assert not search.start_index(other) and not search.has_fts_index(other)  # documents already: built in full later


def test_replaced_documents_drop_the_index_and_the_next_refresh_rebuilds_it() -> None:
    con = duckdb.connect()
    search.index_articles(con, [("a", None, None, "نمایشگاه کتاب تهران"), ("b", None, None, "فوتبال")])
    search.refresh_index(con)
    search.index_articles(con, [("b", None, None, "کتاب\u200cها")])  # b's old terms are in the index
    assert not search.has_fts_index(con) and not search.has_index(con)
    assert search.refresh_index(con) == "rebuilt"
    assert {r[0] for r in con.execute("SELECT article_id FROM search_articles('کتاب')").fetchall()} == {"a", "b"}
    assert con.execute("SELECT count(*) FROM search_articles('فوتبال')").fetchone() == (0,)
    # A document the index holds that is gone from search_docs: never extended over, rebuilt.
    con.execute("DELETE FROM search_docs WHERE article_id = 'a'")
    search.index_articles(con, [("c", None, None, "کتاب")])
    assert search.extend_index(con) is None
    assert search.refresh_index(con) == "rebuilt"
    assert {r[0] for r in con.execute("SELECT article_id FROM search_articles('کتاب')").fetchall()} == {"b", "c"}


def test_search_terms_of_the_normalized_samples_need_no_second_cleanup() -> None:
    """What the workers index (normalized=True) equals the full reduction, on every committed sample article."""
    from akhbar.prepare import prepare_batch
    from akhbar.records import Article
    from akhbar.sources.files import read_all

    paths = [str(p) for p in sorted((REPO / "data" / "samples").rglob("*")) if p.is_file() and p.suffix in {".gz", ".csv"}]
    arts = [a for a in prepare_batch([r for r in read_all(paths) if not hasattr(r, "reason")], entities=False) if isinstance(a, Article)]
    assert len(arts) > 100
    differ = [a.article_id for a in arts if a.search_terms != " ".join(search.reduce_terms(search.doc_text(a.title, a.lead, a.body)))]
    assert differ == []
    # hazm writes "..." as "…", which the cleanup folds back: the one difference the skip leaves, and no term has it.
    assert any("…" in a.body for a in arts)


def test_a_story_is_represented_by_its_canonical_copy_when_scores_differ_only_in_the_last_bits() -> None:
    """Copies of one text score equal up to summation order (seen: ...607 against ...603): a tie all the same."""
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE articles AS SELECT * FROM (VALUES "
        "('a', 'c1', true, 'فارس', NULL, 'تیم ملی', NULL, 'تیم ملی فوتبال'), "
        "('b', 'c1', false, 'فارس', NULL, 'تیم ملی', NULL, 'تیم ملی فوتبال'), "
        "('z', 'c2', true, 'فارس', NULL, 'تیم ملی', NULL, 'تیم ملی فوتبال')"
        ") AS t(article_id, cluster_id, is_canonical, agency, published_jalali, title, lead, body)"
    )
    con.execute(
        "CREATE MACRO search_articles(q_terms, all_terms := true) AS TABLE SELECT * FROM (VALUES "
        "('a', 2.9628132869795603::DOUBLE), ('b', 2.9628132869795607::DOUBLE), ('z', 2.9628132869795601::DOUBLE)"
        ") AS t(article_id, score)"
    )
    assert [h.article_id for h in search.search(con, "تیم ملی", limit=10)] == ["a", "z"]
    assert [h.article_id for h in search.search(con, "تیم ملی", limit=10, one_per_story=False)] == ["a", "b", "z"]
