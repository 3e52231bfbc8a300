"""Every view, macro and check of warehouse/ on an empty and on a populated warehouse, writer and read-only."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import pytest

from akhbar import warehouse
from akhbar.extract.dates import JALALI_MACROS_SQL, gregorian_to_jalali
from akhbar.text.chars import canonical_key
from tests.test_search import load_cookbook

PENDING = warehouse.SQL_DIR / "views_pending"
_VIEW = re.compile(r"CREATE OR REPLACE VIEW (\w+)")
# One call of every public macro, with arguments of the right type.
MACRO_CALLS = {
    "jalali_to_date": "jalali_to_date(1402, 1, 1)",
    "to_jalali": "to_jalali(DATE '2023-03-21')",
    "tehran_jalali": "tehran_jalali(TIMESTAMPTZ '2024-03-19 21:00:00+00')",
    "tehran_date": "tehran_date(TIMESTAMPTZ '2024-03-19 21:00:00+00')",
    "tehran_week": "tehran_week(TIMESTAMPTZ '2024-03-19 21:00:00+00')",
    "jalali_month": "jalali_month(TIMESTAMPTZ '2024-03-19 21:00:00+00')",
    "fa_fold": "fa_fold('كتاب ١٢')",
    "fa_key": "fa_key('كتاب\u200cها')",
    "fa_contains": "fa_contains('تیم ملی فوتبال', 'تيم ملي')",
    "name_key": "name_key('کارلوس کی\u200cروش') = name_key('کارلوس  کی روش') AND name_key('آمریکا') = name_key('امریکا') AND name_key('رئال') <> name_key('ریال')",
}
EXPECTED = {
    "jalali_to_date": dt.date(2023, 3, 21),
    "to_jalali": "1402-01-01",
    "tehran_jalali": "1403-01-01",
    "tehran_date": dt.date(2024, 3, 20),
    "tehran_week": dt.date(2024, 3, 16),
    "jalali_month": "1403-01",
    "fa_fold": "کتاب ۱۲",
    "fa_key": "کتاب ها",
    "fa_contains": True,
    "name_key": True,
}


@pytest.fixture(scope="session")
def samples_wh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return load_cookbook().build_once(tmp_path_factory.getbasetemp() / "samples-warehouse")


def views() -> list[str]:
    return [m for p in warehouse.sql_files("views") for m in _VIEW.findall(p.read_text(encoding="utf-8"))]


def public_macros() -> list[str]:
    names = [m for p in warehouse.sql_files("macros") for m in re.findall(r"CREATE OR REPLACE MACRO (\w+)", p.read_text(encoding="utf-8"))]
    return [n for n in names if not n.startswith("_")]


def test_every_macro_has_a_test_call() -> None:
    assert sorted(public_macros()) == sorted(MACRO_CALLS)


@pytest.mark.parametrize("path", warehouse.sql_files("views") + sorted(PENDING.glob("*.sql")) + warehouse.sql_files("macros")
                         + warehouse.sql_files("checks"), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_sql_file_has_a_header_comment(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("-- ") and len(lines[0]) > 20
    if path.parent.name in ("views", "views_pending"):
        assert len(_VIEW.findall(path.read_text(encoding="utf-8"))) == 1
        assert "?" in lines[0]  # says which question it answers


def test_jalali_macros_are_the_extractor_sql_verbatim() -> None:
    text = (warehouse.SQL_DIR / "macros" / "010_jalali.sql").read_text(encoding="utf-8")
    body = text.split("-- BEGIN JALALI_MACROS_SQL\n", 1)[1].split("-- END JALALI_MACROS_SQL", 1)[0]
    assert body.strip() == JALALI_MACROS_SQL.strip()


def _check_empty_views_macros_checks(con: duckdb.DuckDBPyConnection) -> None:
    for v in views():
        assert con.execute(f"SELECT * FROM {v}").fetchall() == [], v
    for name, call in MACRO_CALLS.items():
        assert con.execute(f"SELECT {call}").fetchone()[0] == EXPECTED[name], name
    for p in warehouse.sql_files("checks"):
        assert con.execute(p.read_text(encoding="utf-8")).fetchall() == [], p.name


def test_empty_warehouse() -> None:
    con = duckdb.connect()
    warehouse.init(con)
    warehouse.init(con)  # rerunnable
    _check_empty_views_macros_checks(con)


def test_empty_warehouse_read_only(tmp_path: Path) -> None:
    con = warehouse.connect_writer(tmp_path / "news.duckdb")
    con.close()
    con = warehouse.connect_reader(tmp_path / "news.duckdb")
    try:
        _check_empty_views_macros_checks(con)
    finally:
        con.close()


def test_populated_warehouse_read_only(samples_wh: Path) -> None:
    con = warehouse.connect_reader(samples_wh / "news.duckdb")
    try:
        n_articles, n_agencies, n_clusters = con.execute(
            "SELECT count(*), count(DISTINCT agency) + max(CASE WHEN agency IS NULL THEN 1 ELSE 0 END), "
            "count(DISTINCT cluster_id) FROM articles").fetchone()
        assert n_articles == 126
        for v in views():
            rows = con.execute(f"SELECT * FROM {v}").fetchall()
            if v in ("agency_stats", "latest_articles", "duplicate_clusters", "rejects_by_reason", "run_history"):
                assert rows, v
        assert con.execute("SELECT count(*), sum(articles) FROM agency_stats").fetchone() == (n_agencies, n_articles)
        assert con.execute("SELECT count(*) FROM latest_articles").fetchone() == (n_clusters,)
        assert con.execute("SELECT sum(members - 1) FROM duplicate_clusters").fetchone() == (n_articles - n_clusters,)
        dated = con.execute("SELECT count(*) FROM articles WHERE published_at IS NOT NULL").fetchone()[0]
        assert con.execute("SELECT coalesce(sum(articles), 0) FROM daily_counts").fetchone() == (dated,)
        assert con.execute("SELECT sum(rejects) FROM rejects_by_reason").fetchone() == con.execute("SELECT count(*) FROM rejects").fetchone()
        assert con.execute("SELECT articles_total, status FROM run_history").fetchall() == [(n_articles, "partial")]
        for p in warehouse.sql_files("checks"):
            assert con.execute(p.read_text(encoding="utf-8")).fetchall() == [], p.name
    finally:
        con.close()


def test_checks_catch_broken_rows(samples_wh: Path, tmp_path: Path) -> None:
    con = duckdb.connect()
    con.execute(f"ATTACH '{samples_wh / 'news.duckdb'}' AS src (READ_ONLY)")
    warehouse.init(con)
    for t in ("articles", "rejects", "runs"):
        con.execute(f"INSERT INTO {t} SELECT * FROM src.{t}")
    con.execute("DETACH src")
    aid = con.execute("SELECT article_id FROM articles WHERE is_canonical AND published_at IS NOT NULL ORDER BY article_id LIMIT 1").fetchone()[0]
    con.execute("UPDATE articles SET body = body || ' علي', published_jalali = '1300-01-01', chars = 1 WHERE article_id = ?", [aid])
    con.execute("INSERT INTO articles SELECT * REPLACE ('x' || article_id AS article_id, 'r0' AS run_id) FROM articles WHERE article_id = ?", [aid])
    failing = {p.name for p in warehouse.sql_files("checks") if con.execute(p.read_text(encoding="utf-8")).fetchall()}
    assert failing == {"010_one_canonical_per_cluster.sql", "020_no_arabic_letters.sql", "030_jalali_matches_published_at.sql",
                       "040_body_chars.sql", "060_rows_have_a_run.sql"}


def test_fa_key_equals_canonical_key_on_real_text(samples_wh: Path) -> None:
    con = warehouse.connect_reader(samples_wh / "news.duckdb")
    try:
        rows = con.execute("SELECT raw_text, fa_key(raw_text), body, fa_key(body) FROM articles").fetchall()
    finally:
        con.close()
    for raw, raw_key, body, body_key in rows:
        assert raw_key == canonical_key(raw)
        assert body_key == canonical_key(body)


def test_tehran_jalali_matches_the_python_converter() -> None:
    con = duckdb.connect()
    warehouse.init(con)
    start = dt.datetime(2019, 1, 1, 20, 45, tzinfo=dt.UTC)  # 00:15 next day in Tehran (+03:30)
    instants = [start + dt.timedelta(days=d * 7) for d in range(600)]
    got = con.execute("SELECT tehran_jalali(unnest(?::TIMESTAMPTZ[]))", [instants]).fetchall()
    tehran = dt.timezone(dt.timedelta(hours=3, minutes=30))
    assert [g[0] for g in got] == [gregorian_to_jalali(i.astimezone(tehran).date()) for i in instants]


def _pending_warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    warehouse.init(con)
    # entities and quotes are real tables now; stand-ins only for tables that have not landed yet.
    con.execute("CREATE TABLE IF NOT EXISTS clusters (article_id VARCHAR, cluster_id VARCHAR, first_seen_order BIGINT, joined_at_run VARCHAR, "
                "matched_article_id VARCHAR, reason VARCHAR)")
    for p in sorted(PENDING.glob("*.sql")):
        con.execute(p.read_text(encoding="utf-8"))
    return con


def test_pending_views_on_empty_tables() -> None:
    con = _pending_warehouse()
    for p in sorted(PENDING.glob("*.sql")):
        (name,) = _VIEW.findall(p.read_text(encoding="utf-8"))
        assert con.execute(f"SELECT * FROM {name}").fetchall() == []


def test_pending_views_on_rows() -> None:
    con = _pending_warehouse()
    t0 = dt.datetime(2024, 3, 19, 8, 0, tzinfo=dt.UTC)  # Tuesday; the Iranian week began Saturday 2024-03-16
    arts = [("a1", "c1", True, "فارس", t0), ("a2", "c1", False, "تسنیم", t0 + dt.timedelta(hours=2)), ("a3", "a3", True, "تسنیم", t0)]
    for aid, cid, canon, agency, ts in arts:
        con.execute("INSERT INTO articles BY NAME SELECT ? AS article_id, 's' AS source_id, ? AS agency, 'b' AS body, ? AS published_at, "
                    "tehran_jalali(?::TIMESTAMPTZ) AS published_jalali, ? AS cluster_id, ? AS is_canonical, 'k' AS content_key, 1 AS paragraphs, "
                    "0 AS paragraphs_repeated, 1 AS chars, 'b' AS raw_text, 'p' AS origin_path, 'n' AS origin_name, 'r' AS run_id, now() AS loaded_at",
                    [aid, agency, ts, ts, cid, canon])
    con.execute("INSERT INTO entities (article_id, type, text, canonical, title, role, start, \"end\", run_id) VALUES "
                "('a1','PER','پزشکیان','مسعود پزشکیان',NULL,NULL,0,1,'r'), ('a1','LOC','تهران','تهران',NULL,NULL,2,3,'r'), "
                "('a3','PER','پزشکیان','مسعود پزشکیان',NULL,NULL,0,1,'r'), ('a3','LOC','تهران','تهران',NULL,NULL,2,3,'r'), "
                "('a2','PER','پزشکیان','مسعود پزشکیان',NULL,NULL,0,1,'r')")
    con.execute("INSERT INTO quotes (article_id, speaker, speaker_role, speaker_kind, text, cue, start, \"end\", run_id) VALUES "
                "('a1','مسعود پزشکیان','رئیس\u200cجمهور','person','...','گفت',0,1,'r'), ('a3','مسعود پزشکیان',NULL,'person','...','گفت',0,1,'r'), "
                "('a1','استاندار اردبیل','استاندار اردبیل','role','...','گفت',2,3,'r')")
    con.execute("INSERT INTO clusters VALUES ('a1','c1',1,'r',NULL,'new_cluster'), ('a2','c1',2,'r','a1','jaccard 0.9')")
    assert con.execute("SELECT week, type, entity, articles, rank FROM top_entities_week WHERE type = 'PER'").fetchall() == [
        (dt.date(2024, 3, 16), "PER", "مسعود پزشکیان", 2, 1)]  # a2 is a copy: not counted
    assert con.execute("SELECT entity_a, entity_b, articles FROM entity_cooccurrence").fetchall() == [("تهران", "مسعود پزشکیان", 2)]
    assert con.execute("SELECT agency, entity, articles, share FROM entities_per_agency WHERE type = 'PER' ORDER BY agency").fetchall() == [
        ("تسنیم", "مسعود پزشکیان", 2, 1.0), ("فارس", "مسعود پزشکیان", 1, 1.0)]
    assert con.execute("SELECT speaker, role, quotes, week_jalali FROM most_quoted_week").fetchall() == [
        ("مسعود پزشکیان", "رئیس\u200cجمهور", 2, "1402-12-26")]  # the unnamed governor is an office, not a person
    assert con.execute("SELECT original_agency, reprint_agency, delay_minutes, match_reason FROM reprints").fetchall() == [
        ("فارس", "تسنیم", 120, "jaccard 0.9")]


def test_entity_views_count_spellings_of_one_name_together() -> None:
    con = _pending_warehouse()
    t0 = dt.datetime(2024, 3, 19, 8, 0, tzinfo=dt.UTC)
    for aid, agency in (("a1", "فارس"), ("a2", "ورزش سه"), ("a3", "فارس")):
        con.execute("INSERT INTO articles BY NAME SELECT ? AS article_id, 's' AS source_id, ? AS agency, 'b' AS body, ? AS published_at, "
                    "tehran_jalali(?::TIMESTAMPTZ) AS published_jalali, ? AS cluster_id, true AS is_canonical, 'k' AS content_key, 1 AS paragraphs, "
                    "0 AS paragraphs_repeated, 1 AS chars, 'b' AS raw_text, 'p' AS origin_path, 'n' AS origin_name, 'r' AS run_id, now() AS loaded_at",
                    [aid, agency, t0, t0, aid])
    # Three articles spell the coach two ways (ZWNJ or space), and America with or without the madda.
    con.execute("INSERT INTO entities (article_id, type, text, canonical, title, role, start, \"end\", run_id) VALUES "
                "('a1','PER','کی\u200cروش','کارلوس کی\u200cروش',NULL,NULL,0,1,'r'), ('a2','PER','کی روش','کارلوس کی روش',NULL,NULL,0,1,'r'), "
                "('a3','PER','کی\u200cروش','کارلوس کی\u200cروش',NULL,NULL,0,1,'r'), ('a1','LOC','آمریکا','آمریکا',NULL,NULL,2,3,'r'), "
                "('a2','LOC','امریکا','امریکا',NULL,NULL,2,3,'r'), ('a2','ORG','رئال','رئال',NULL,NULL,4,5,'r'), ('a3','ORG','ریال','ریال',NULL,NULL,4,5,'r')")
    con.execute("INSERT INTO quotes (article_id, speaker, speaker_role, speaker_kind, text, cue, start, \"end\", run_id) VALUES "
                "('a1','کارلوس کی\u200cروش','سرمربی تیم ملی','person','...','گفت',0,1,'r'), ('a2','کارلوس کی روش',NULL,'person','...','گفت',0,1,'r'), "
                "('a3','کارلوس کی\u200cروش',NULL,'person','...','افزود',0,1,'r')")
    assert con.execute("SELECT entity, articles, mentions FROM top_entities_week WHERE type = 'PER'").fetchall() == [("کارلوس کی\u200cروش", 3, 3)]
    assert con.execute("SELECT entity, spellings FROM entity_names WHERE type = 'LOC'").fetchall() == [("آمریکا", ["آمریکا", "امریکا"])]
    assert sorted(con.execute("SELECT entity FROM entity_names WHERE type = 'ORG'").fetchall()) == [("رئال",), ("ریال",)]  # Real is not the rial
    assert con.execute("SELECT agency, entity, articles FROM entities_per_agency WHERE type = 'PER' ORDER BY agency").fetchall() == [
        ("فارس", "کارلوس کی\u200cروش", 2), ("ورزش سه", "کارلوس کی\u200cروش", 1)]
    assert ("آمریکا", "کارلوس کی\u200cروش", 2) in con.execute("SELECT entity_a, entity_b, articles FROM entity_cooccurrence").fetchall()
    assert con.execute("SELECT speaker, role, quotes FROM most_quoted_week").fetchall() == [("کارلوس کی\u200cروش", "سرمربی تیم ملی", 3)]
