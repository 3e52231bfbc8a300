"""The ETL core without Prefect: seed article, exact duplicates, idempotent reruns, rejects, lineage."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import duckdb
import pytest

from akhbar import etl
from akhbar.config import Settings
from akhbar.lake import lake_files
from tests.conftest import SAMPLES, shared

pytestmark = pytest.mark.usefixtures("normalizer_ready")


def _run(tmp: Path, *inputs: Path, **kw: object) -> dict:
    return etl.run(Settings(warehouse=tmp, workers=1, batch_size=kw.pop("batch_size", 200)), [str(i) for i in inputs])  # type: ignore[arg-type]


def _q(tmp: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(tmp / "news.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_seed_article(tmp_path: Path) -> None:
    seed = shared("seed-mashregh")
    s = _run(tmp_path, seed)
    assert s["articles_new"] == 1 and s["paragraphs_repeated"] == 9
    ((body, paragraphs, source_id, lead, title),) = _q(tmp_path, "SELECT body, paragraphs, source_id, lead, title FROM articles")
    lines = body.split("\n")
    assert paragraphs == 11 and len(lines) == 11 and len(set(lines)) == 11
    assert "منطقه\u200cای" in body and "پیروزی\u200cهای" in body and "می\u200cشود" in body
    assert source_id == "000_1f1dd5fe7a1e3056"
    assert lead == lines[0] and title is None
    (raw,) = _q(tmp_path, "SELECT raw_text FROM articles")[0]
    assert raw == (seed / "000_1f1dd5fe7a1e3056.txt").read_text(encoding="utf-8")


def test_rerun_changes_nothing(tmp_path: Path) -> None:
    first = _run(tmp_path, SAMPLES)
    before = _q(tmp_path, "SELECT * EXCLUDE (loaded_at) FROM articles ORDER BY article_id")
    files = lake_files(tmp_path)
    second = _run(tmp_path, SAMPLES)
    assert first["articles_new"] == 126 and second["articles_new"] == 0
    assert second["articles_unchanged"] == 126 and second["lake_files"] == 0
    assert _q(tmp_path, "SELECT * EXCLUDE (loaded_at) FROM articles ORDER BY article_id") == before
    assert lake_files(tmp_path) == files
    runs = _q(tmp_path, "SELECT articles_new, articles_unchanged, status FROM runs ORDER BY started_at")
    assert runs == [(126, 0, "ok"), (0, 126, "ok")]


def test_exact_duplicates_are_linked(tmp_path: Path) -> None:
    _run(tmp_path, SAMPLES)
    # reprinted-copies.json.gz repeats six articles of the other two files.
    rows = _q(tmp_path, """
        SELECT cluster_id, count(*), count(*) FILTER (WHERE is_canonical), count(DISTINCT origin_name)
        FROM articles GROUP BY cluster_id HAVING count(*) > 1""")
    assert len(rows) == 6 and all(r[1:] == (2, 1, 2) for r in rows)


def test_duplicates_against_earlier_runs(tmp_path: Path) -> None:
    _run(tmp_path, SAMPLES / "langml" / "fars-news-sample.json.gz")
    s = _run(tmp_path, SAMPLES / "langml" / "reprinted-copies.json.gz")
    assert s["articles_new"] == 6 and s["duplicates_new"] == 3  # the three Fars copies
    assert _q(tmp_path, "SELECT count(*) FROM articles WHERE NOT is_canonical") == [(3,)]


def test_bad_inputs_land_in_rejects(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    good = {"id": "ok", "body": "وزیر دفاع کشورمان گفت که امنیت عراق امنیت ایران است و همکاری ادامه دارد."}
    (inbox / "mixed.jsonl").write_text(
        "\n".join([
            json.dumps(good, ensure_ascii=False),
            "{broken",
            json.dumps({"id": "empty", "body": "   "}),
            json.dumps({"id": "english", "body": "The ministers met in Tehran to discuss regional security and trade."}),
            json.dumps({"id": "nobody", "title": ""}),
        ]),
        encoding="utf-8",
    )
    (inbox / "bytes.txt").write_bytes(bytes(range(128, 256)) * 3)
    (inbox / "page.txt").write_text("<html><body><div>خبر</div><p>متن</p></body></html>", encoding="utf-8")
    s = _run(tmp_path / "wh", inbox)
    assert s["articles_new"] == 1 and s["status"] == "partial"
    got = sorted(_q(tmp_path / "wh", "SELECT origin_name, origin_line, reason FROM rejects"))
    assert got == [
        ("bytes.txt", None, "bad_encoding"),
        ("mixed.jsonl", 2, "malformed_json"),
        ("mixed.jsonl", 3, "empty_body"),
        ("mixed.jsonl", 4, "not_persian"),
        ("mixed.jsonl", 5, "missing_field"),
        ("page.txt", 1, "html_content"),
    ]
    # a rerun finds the same rejects and stores none twice
    s2 = _run(tmp_path / "wh", inbox)
    assert s2["rejects_seen"] == 6 and s2["rejects_new"] == 0
    assert _q(tmp_path / "wh", "SELECT count(*) FROM rejects") == [(6,)]


def test_same_record_twice_in_one_file(tmp_path: Path) -> None:
    rec = {"id": "7", "body": "وزیر دفاع کشورمان گفت که امنیت عراق امنیت ایران است."}
    p = tmp_path / "twice.json.gz"
    p.write_bytes(gzip.compress(json.dumps([rec, rec], ensure_ascii=False).encode()))
    s = _run(tmp_path / "wh", p)
    assert s["articles_new"] == 1 and s["rejects_by_reason"] == {"duplicate_record": 1}


def test_lake_matches_duckdb(tmp_path: Path) -> None:
    _run(tmp_path, SAMPLES, batch_size=50)
    con = duckdb.connect()
    lake_rows = con.execute(
        f"SELECT article_id, body FROM read_parquet('{tmp_path}/lake/articles/**/*.parquet', hive_partitioning=true) ORDER BY 1"
    ).fetchall()
    assert lake_rows == _q(tmp_path, "SELECT article_id, body FROM articles ORDER BY 1")
    assert _q(tmp_path, "SELECT count(*) FROM lake_files") == [(len(lake_files(tmp_path)),)]


def test_fars_sample_has_no_arabic_yeh_kaf(tmp_path: Path) -> None:
    _run(tmp_path, shared("langml-fars-varzesh3"), shared("farsnews-1402-sample"))
    assert _q(tmp_path, "SELECT count(*) FROM articles WHERE regexp_matches(body || coalesce(title, '') || coalesce(lead, ''), '[يك]')") == [(0,)]
    # the 50 same-link duplicate pairs of the shared Fars/Varzesh3 set: one cluster each, one canonical each
    rows = _q(tmp_path, """
        SELECT url, count(*), count(DISTINCT cluster_id), count(*) FILTER (WHERE is_canonical)
        FROM articles WHERE origin_name LIKE '%.json.gz' GROUP BY url HAVING count(*) > 1""")
    assert len(rows) == 50
    assert all(n >= 2 and clusters == 1 and canon == 1 for _, n, clusters, canon in rows)


def test_workers_started_early_are_taken_by_the_run_or_shut_down(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from concurrent.futures import ThreadPoolExecutor

    made: list[ThreadPoolExecutor] = []

    def new_pool(n: int, entities: bool) -> ThreadPoolExecutor:  # threads stand in for the spawned processes
        made.append(ThreadPoolExecutor(max_workers=n))
        return made[-1]

    monkeypatch.setattr(etl, "_new_pool", new_pool)
    two = Settings(warehouse=tmp_path, workers=2, entities=False)
    with etl.workers_started_early(two):
        assert len(made) == 1  # spawned before the run asks for it
        with etl.worker_pool(two) as pool:
            assert pool is made[0] and pool.submit(abs, -3).result() == 3
        assert etl._EARLY == {}
    with etl.workers_started_early(two):
        pass  # the run never started its workers (e.g. the warehouse was busy)
    assert len(made) == 2 and etl._EARLY == {}
    with pytest.raises(RuntimeError):
        made[1].submit(abs, -1)  # shut down, not leaked
    with etl.workers_started_early(Settings(warehouse=tmp_path, workers=1)), etl.worker_pool(Settings(warehouse=tmp_path, workers=1)) as pool:
        assert pool is None and len(made) == 2  # one worker: normalization runs in the writer, nothing spawned


def test_writer_queries_run_on_one_thread_beside_worker_processes(tmp_path: Path) -> None:
    seen: list[tuple[int | None, object]] = []

    def note(state: etl.RunState) -> None:
        threads = state.con.execute("SELECT current_setting('threads')").fetchone()[0] if state.con else None
        seen.append((state.duckdb_threads, threads))
        seen_state.append(state)

    seen_state: list[etl.RunState] = []
    inputs = [str(SAMPLES / "langml" / "fars-news-sample.json.gz")]
    etl.run(Settings(warehouse=tmp_path / "two", workers=2, entities=False, batch_size=20), inputs, on_batch=note)
    assert seen and all(n == 1 for n, _ in seen) and all(t in (1, None) for _, t in seen)
    assert seen_state[-1].duckdb_threads is None  # DuckDB's default again for the end of the run
    seen.clear()
    etl.run(Settings(warehouse=tmp_path / "one", workers=1, entities=False, batch_size=20), inputs, on_batch=note)
    assert seen and all(n is None for n, _ in seen)  # no workers beside it: DuckDB keeps its threads


def test_the_batch_loop_runs_with_the_earlier_heap_frozen_and_gives_it_back(tmp_path: Path) -> None:
    import gc

    before = (gc.get_threshold(), gc.get_freeze_count())
    during: list[tuple[tuple[int, int, int], int]] = []
    inputs = [str(SAMPLES / "langml" / "fars-news-sample.json.gz")]
    etl.run(Settings(warehouse=tmp_path, workers=1, entities=False, batch_size=50), inputs,
            on_batch=lambda state: during.append((gc.get_threshold(), gc.get_freeze_count())))
    assert during and all(t == before[0] for t, _ in during)  # Python's thresholds: cycles go young
    assert all(n > before[1] for _, n in during)  # what existed before the loop is frozen
    assert (gc.get_threshold(), gc.get_freeze_count()) == before
    with pytest.raises(RuntimeError), etl.quiet_gc():  # given back when the loop fails too
        raise RuntimeError("boom")
    assert (gc.get_threshold(), gc.get_freeze_count()) == before


def _assert_same_hits_as_a_rebuild(warehouse: Path, query: str, hits: list[tuple]) -> None:
    """Rebuild the warehouse's index in full; its hits for the query must equal the given ones (scores to 1e-12)."""
    from akhbar import search

    con = duckdb.connect(str(warehouse / "news.duckdb"))
    try:
        search.refresh_index(con, full=True)
        rebuilt = con.execute(f"SELECT article_id, score FROM search_articles('{query}') ORDER BY article_id").fetchall()
    finally:
        con.close()
    assert [a for a, _ in hits] == [a for a, _ in rebuilt]
    assert [x for _, x in hits] == pytest.approx([x for _, x in rebuilt], rel=1e-12)


def test_a_new_warehouse_builds_its_index_empty_and_the_first_run_extends_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """create_fts_index runs once, over no documents, at the start; the run's end appends every article."""
    from akhbar import search

    built: list[int] = []
    real_build = search._build_index

    def counting(con: duckdb.DuckDBPyConnection) -> None:
        built.append(con.execute("SELECT count(*) FROM search_docs").fetchone()[0])
        real_build(con)

    monkeypatch.setattr(search, "_build_index", counting)
    s = _run(tmp_path, SAMPLES / "langml" / "fars-news-sample.json.gz")
    assert s["status"] == "ok" and s["articles_new"] > 0 and built == [0]
    query = " ".join(search.query_terms("ایران"))
    hits = _q(tmp_path, f"SELECT article_id, score FROM search_articles('{query}') ORDER BY article_id")
    assert _q(tmp_path, "SELECT count(*) FROM fts_main_search_docs.docs")[0][0] == s["articles_new"] and hits
    _assert_same_hits_as_a_rebuild(tmp_path, query, hits)


def test_a_later_run_extends_the_search_index_in_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first run builds the BM25 index; the next appends its articles without rebuilding it."""
    from akhbar import search

    _run(tmp_path, SAMPLES / "langml" / "fars-news-sample.json.gz")
    first = _q(tmp_path, "SELECT count(*) FROM fts_main_search_docs.docs")[0][0]

    def no_rebuild(con: duckdb.DuckDBPyConnection) -> None:
        raise AssertionError("the index was rebuilt, not extended")

    monkeypatch.setattr(search, "load_fts", no_rebuild)  # only a rebuild loads the extension
    s = _run(tmp_path, SAMPLES / "langml" / "varzesh3-sample.json.gz")
    assert s["status"] == "ok" and s["articles_new"] > 0
    assert _q(tmp_path, "SELECT count(*) FROM fts_main_search_docs.docs")[0][0] == first + s["articles_new"]
    query = " ".join(search.query_terms("پرسپولیس"))
    hits = _q(tmp_path, f"SELECT article_id, score FROM search_articles('{query}') ORDER BY article_id")
    assert hits and any(a in {r[0] for r in _q(tmp_path, f"SELECT article_id FROM articles WHERE run_id = '{s['run_id']}'")} for a, _ in hits)
    monkeypatch.undo()
    _assert_same_hits_as_a_rebuild(tmp_path, query, hits)
