"""Near-duplicate clusters through the whole ETL: spelling variants join, halves equal one run, reprints view."""

from __future__ import annotations

import csv
import gzip
import json
import re
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from akhbar import etl
from akhbar.config import Settings
from akhbar.dedup import boilerplate as bp
from tests.conftest import SAMPLES

pytestmark = pytest.mark.usefixtures("normalizer_ready")


def _variants(tmp: Path) -> Path:
    """Write reprints of five sample articles: Arabic letters, a space for ZWNJ, one word changed, a new agency."""
    src = json.loads(gzip.decompress((SAMPLES / "langml" / "fars-news-sample.json.gz").read_bytes()))[:5]
    out = []
    for i, r in enumerate(src):
        paras = [p.replace("ی", "ي").replace("ک", "ك").replace("\u200c", " ") for p in r["paragraphs"]]
        words = paras[0].split()
        words[len(words) // 2] = "تغییر"
        paras[0] = " ".join(words)
        out.append(
            {
                "id": f"reprint-{i}",
                "url": f"https://www.tasnimnews.com/fa/news/{i}",
                "title": r["title"],
                "paragraphs": paras,
                "agency": "تسنیم",
            }
        )
    p = tmp / "reprints.jsonl"
    p.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in out), encoding="utf-8")
    return p


def _clusters(wh: Path) -> set[frozenset[str]]:
    con = duckdb.connect(str(wh / "news.duckdb"), read_only=True)
    try:
        rows = con.execute("SELECT list(article_id) FROM articles GROUP BY cluster_id").fetchall()
        return {frozenset(r[0]) for r in rows}
    finally:
        con.close()


def test_reprints_join_the_original_cluster(tmp_path: Path) -> None:
    reprints = _variants(tmp_path)
    wh = tmp_path / "wh"
    etl.run(
        Settings(warehouse=wh, workers=1, entities=False),
        [str(SAMPLES / "langml" / "fars-news-sample.json.gz")],
    )
    s = etl.run(Settings(warehouse=wh, workers=1, entities=False), [str(reprints)])
    assert s["articles_new"] == 5 and s["duplicates_new"] == 5
    con = duckdb.connect(str(wh / "news.duckdb"), read_only=True)
    rows = con.execute("SELECT original_agency, reprint_agency, match_reason FROM reprints").fetchall()
    assert len(rows) == 5 and all(
        o == "فارس" and r == "تسنیم" and m.startswith("jaccard") for o, r, m in rows
    )


def test_two_halves_give_the_same_clusters_as_one_run(tmp_path: Path) -> None:
    reprints = _variants(tmp_path)
    inputs = [SAMPLES / "langml" / "fars-news-sample.json.gz", reprints]
    etl.run(
        Settings(warehouse=tmp_path / "one", workers=1, entities=False, batch_size=1000),
        [str(p) for p in inputs],
    )
    for p in inputs:
        etl.run(Settings(warehouse=tmp_path / "halves", workers=1, entities=False), [str(p)])
    assert _clusters(tmp_path / "one") == _clusters(tmp_path / "halves")


FIXTURE_ARTICLES = Path(__file__).resolve().parent / "fixtures" / "dedup" / "langml_articles.json"


def _write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    return path


def _story(tmp: Path) -> tuple[dict, dict, dict]:
    """One real Fars article as three copies: the original (08:00), a spelling-variant reprint with one word
    changed (10:30, Tasnim) and a verbatim copy (10:45, ISNA, same content key as the original)."""
    art = json.loads(FIXTURE_ARTICLES.read_text(encoding="utf-8"))[3]
    paras = art["paragraphs"]
    variant = [p.replace("ی", "ي").replace("ک", "ك").replace("\u200c", " ") for p in paras]
    words = variant[0].split()
    words[len(words) // 2] = "تغییر"
    variant[0] = " ".join(words)
    title = paras[0][:60]
    original = {
        "id": "fars-1",
        "url": "https://www.farsnews.ir/news/1",
        "title": title,
        "paragraphs": paras,
        "agency": "فارس",
        "date": "2023-08-26T08:00:00+00:00",
    }
    reprint = {
        "id": "tasnim-1",
        "url": "https://www.tasnimnews.com/fa/news/1",
        "title": title,
        "paragraphs": variant,
        "agency": "تسنیم",
        "date": "2023-08-26T10:30:00+00:00",
    }
    verbatim = {
        "id": "isna-1",
        "url": "https://www.isna.ir/news/1",
        "title": title,
        "paragraphs": paras,
        "agency": "ایسنا",
        "date": "2023-08-26T10:45:00+00:00",
    }
    return original, reprint, verbatim


def _cluster_state(wh: Path) -> tuple[dict[str, str], dict[str, bool], list[tuple]]:
    con = duckdb.connect(str(wh / "news.duckdb"), read_only=True)
    try:
        rows = con.execute("SELECT url, cluster_id, is_canonical FROM articles ORDER BY url").fetchall()
        bad = con.execute(
            (
                Path(__file__).resolve().parents[1]
                / "warehouse"
                / "checks"
                / "010_one_canonical_per_cluster.sql"
            ).read_text()
        ).fetchall()
        by_id = dict(con.execute("SELECT article_id, url FROM articles").fetchall())
        return {u: by_id[c] for u, c, _ in rows}, {u: k for u, _, k in rows}, bad
    finally:
        con.close()


def test_earlier_published_copy_loaded_later_becomes_canonical(tmp_path: Path) -> None:
    original, reprint, verbatim = _story(tmp_path)
    wh = tmp_path / "wh"
    settings = Settings(warehouse=wh, workers=1, entities=False)
    etl.run(settings, [str(_write_jsonl(tmp_path / "copies.jsonl", [reprint, verbatim]))])
    cluster, canonical, bad = _cluster_state(wh)
    assert (
        set(cluster.values()) == {reprint["url"]}
        and canonical[reprint["url"]]
        and not canonical[verbatim["url"]]
    )
    con = duckdb.connect(str(wh / "news.duckdb"), read_only=True)
    terms_before = con.execute("SELECT sum(docs), count(*) FROM term_stats").fetchone()
    con.close()

    s = etl.run(settings, [str(_write_jsonl(tmp_path / "original.jsonl", [original]))])
    assert s["articles_new"] == 1 and s["duplicates_new"] == 1
    cluster, canonical, bad = _cluster_state(wh)
    # The cluster keeps its id (its first-seen member); only is_canonical moves, to the earliest published copy.
    assert set(cluster.values()) == {reprint["url"]}
    assert canonical == {original["url"]: True, reprint["url"]: False, verbatim["url"]: False}
    assert bad == []
    con = duckdb.connect(str(wh / "news.duckdb"), read_only=True)
    try:
        # The story was counted once into term_stats when its cluster was created; the move adds no document.
        assert con.execute("SELECT sum(docs), count(*) FROM term_stats").fetchone() == terms_before
        reprints = con.execute(
            "SELECT original_agency, reprint_agency, delay_minutes, match_reason FROM reprints ORDER BY delay_minutes"
        ).fetchall()
        assert [(o, r, d) for o, r, d, _ in reprints] == [("فارس", "تسنیم", 150), ("فارس", "ایسنا", 165)]
        reason = con.execute(
            "SELECT c.reason FROM clusters c JOIN articles a USING (article_id) WHERE a.url = ?",
            [original["url"]],
        ).fetchone()
        assert reason == ("exact_duplicate: same content key",)
        dc = con.execute("SELECT members, first_agency FROM duplicate_clusters").fetchall()
        assert dc == [(3, "فارس")]
    finally:
        con.close()

    # A rerun changes nothing; one run over all three in the same order gives the same clusters and canonical.
    again = etl.run(settings, [str(tmp_path / "original.jsonl")])
    assert again["articles_new"] == 0 and _cluster_state(wh)[1] == canonical
    one = tmp_path / "one"
    etl.run(
        Settings(warehouse=one, workers=1, entities=False, batch_size=1000),
        [str(tmp_path / "copies.jsonl"), str(tmp_path / "original.jsonl")],
    )
    assert _cluster_state(one)[:2] == (cluster, canonical)


def test_undated_and_tied_copies_keep_the_first_seen_canonical(tmp_path: Path) -> None:
    original, reprint, verbatim = _story(tmp_path)
    undated = {**original, "date": None}
    tied = {**verbatim, "date": reprint["date"]}  # same minute as the reprint, seen after it
    wh = tmp_path / "wh"
    settings = Settings(warehouse=wh, workers=1, entities=False)
    etl.run(settings, [str(_write_jsonl(tmp_path / "a.jsonl", [reprint]))])
    etl.run(settings, [str(_write_jsonl(tmp_path / "b.jsonl", [undated, tied]))])
    cluster, canonical, bad = _cluster_state(wh)
    assert bad == [] and len(set(cluster.values())) == 1
    assert [u for u, k in canonical.items() if k] == [reprint["url"]]


BORNA = (
    Path(__file__).resolve().parents[1]
    / ".."
    / "shared"
    / "data"
    / "headlinegen-4agency-sample"
    / "news_borna_20_LLM_Tagged.csv"
)
SIGNOFF = re.compile(r"^انتهای پیام\s*/?$")


def _texts(wh: Path) -> tuple[dict[str, tuple[str, str]], list[tuple]]:
    con = duckdb.connect(str(wh / "news.duckdb"), read_only=True)
    try:
        texts = {
            u: (body, shown)
            for u, body, shown in con.execute(
                "SELECT a.url, a.body, t.body FROM articles a JOIN article_text t USING (article_id)"
            ).fetchall()
        }
        counts = con.execute(
            "SELECT agency, paragraph_key, text, count, seed FROM boilerplate ORDER BY ALL"
        ).fetchall()
        return texts, counts
    finally:
        con.close()


def test_run_counts_agency_signoffs_and_article_text_strips_them(tmp_path: Path) -> None:
    if not BORNA.exists():
        pytest.skip(f"shared data not found: {BORNA} (the headlinegen-4agency-sample set)")
    settings = Settings(warehouse=tmp_path / "one", workers=1, entities=False)
    etl.run(settings, [str(BORNA)])
    texts, counts = _texts(tmp_path / "one")
    # Borna signs most articles off with «انتهای پیام/», on its own line or glued to the last sentence.
    own_line = sum(1 for body, _ in texts.values() if any(SIGNOFF.match(line) for line in body.split("\n")))
    assert own_line >= 5
    con = duckdb.connect(str(tmp_path / "one" / "news.duckdb"), read_only=True)
    listed = con.execute("SELECT agency, text, count, why FROM boilerplate_current").fetchall()
    con.close()
    assert [(ag, c, why) for ag, text, c, why in listed if SIGNOFF.match(text)] == [
        ("برنا", own_line, "frequency")
    ]
    signed = [u for u, (body, _) in texts.items() if "انتهای پیام" in body]
    assert len(signed) > own_line  # some are glued to the last paragraph
    con = duckdb.connect(str(tmp_path / "one" / "news.duckdb"), read_only=True)
    is_boilerplate = bp.boilerplate_predicate(con, "برنا")
    con.close()
    for body, shown in texts.values():
        # The view removes what the Python strip removes: the sign-off lines, and a sign-off glued to the end.
        assert "انتهای پیام" not in shown
        assert shown == "\n".join(bp.strip_boilerplate(body.split("\n"), is_boilerplate)[0])
    assert all(len(texts[u][1]) < len(texts[u][0]) for u in signed)  # articles.body itself stays whole

    # A rerun counts nothing twice; two halves (two runs) give the same counts and the same texts.
    etl.run(settings, [str(BORNA)])
    assert _texts(tmp_path / "one") == (texts, counts)
    header, *lines = BORNA.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    records = list(csv.reader(lines))
    halves = []
    for i, part in enumerate((records[: len(records) // 2], records[len(records) // 2 :])):
        out = tmp_path / f"borna_{i}.csv"
        with out.open("w", encoding="utf-8", newline="") as fh:
            fh.write(header)
            csv.writer(fh).writerows(part)
        halves.append(out)
    for p in halves:
        etl.run(Settings(warehouse=tmp_path / "halves", workers=1, entities=False), [str(p)])
    assert _texts(tmp_path / "halves") == (texts, counts)


def test_merged_clusters_keep_one_canonical_the_earliest_published(tmp_path: Path) -> None:
    arts = json.loads(FIXTURE_ARTICLES.read_text(encoding="utf-8"))
    a, c = arts[4]["paragraphs"], arts[2]["paragraphs"]  # two different real Fars stories of similar length

    def rec(i: str, paras: list[str], agency: str, hour: int) -> dict:
        return {
            "id": i,
            "url": f"https://example.ir/{i}",
            "title": paras[0][:50],
            "paragraphs": paras,
            "agency": agency,
            "date": f"2023-08-26T{hour:02d}:00:00+00:00",
        }

    wh = tmp_path / "wh"
    settings = Settings(warehouse=wh, workers=1, entities=False)
    etl.run(
        settings,
        [str(_write_jsonl(tmp_path / "1.jsonl", [rec("a", a, "فارس", 10), rec("c", c, "ایسنا", 9)]))],
    )
    cluster, canonical, bad = _cluster_state(wh)
    assert len(set(cluster.values())) == 2 and all(canonical.values()) and bad == []
    # A digest that carries both stories whole contains each of them: it bridges the two clusters.
    etl.run(settings, [str(_write_jsonl(tmp_path / "2.jsonl", [rec("d", [*a, *c], "تسنیم", 11)]))])
    cluster, canonical, bad = _cluster_state(wh)
    assert set(cluster.values()) == {"https://example.ir/a"}  # the older cluster's id is kept
    assert [u for u, k in canonical.items() if k] == ["https://example.ir/c"]  # earliest published wins
    assert bad == []
    con = duckdb.connect(str(wh / "news.duckdb"), read_only=True)
    try:
        assert con.execute(
            "SELECT kept_cluster_id <> absorbed_cluster_id FROM cluster_merges"
        ).fetchall() == [(True,)]
    finally:
        con.close()


def _near_tables(wh: Path) -> tuple[list[tuple], list[tuple], list[tuple]]:
    con = duckdb.connect(str(wh / "news.duckdb"), read_only=True)
    try:
        return (
            con.execute("SELECT source_id, cluster_id, is_canonical FROM articles ORDER BY source_id").fetchall(),
            con.execute(
                "SELECT a.source_id, c.cluster_id, m.source_id, c.reason FROM clusters c JOIN articles a USING (article_id) "
                "LEFT JOIN articles m ON m.article_id = c.matched_article_id ORDER BY a.source_id"
            ).fetchall(),
            con.execute("SELECT agency, paragraph_key, count FROM boilerplate ORDER BY ALL").fetchall(),
        )
    finally:
        con.close()


def _run_in_batches(wh: Path, inputs: list[Path], batch_size: int = 40) -> Counter[str]:
    stats: Counter[str] = Counter()

    def keep(state: etl.RunState) -> None:
        stats.clear()
        stats.update(state.near.stats)

    # One run, small batches: the reprints (last) are verified against originals of earlier batches.
    etl.run(Settings(warehouse=wh, workers=1, entities=False, batch_size=batch_size), [str(p) for p in inputs], on_batch=keep)
    return stats


def test_worker_profiles_made_with_stale_boilerplate_are_redone_and_change_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inputs = [SAMPLES / "langml" / "fars-news-sample.json.gz", _variants(tmp_path)]
    fresh = _run_in_batches(tmp_path / "fresh", inputs)
    assert fresh["profile_reused"] > 0

    real_prepare = etl.prepare

    def stale(batch, pool, workers=1, entities=True, boilerplate=None):  # type: ignore[no-untyped-def]
        # Workers told that every paragraph of every agency is boilerplate: each profile is wrong.
        from akhbar.records import RawRecord

        every = frozenset(bp.paragraph_key(p) for r in batch if isinstance(r, RawRecord) for p in r.paragraphs)

        from akhbar.dedup.profile import basis_of

        class EveryAgency(dict):
            def get(self, agency, default=None):  # type: ignore[no-untyped-def]
                return every, basis_of(every)

        return real_prepare(batch, pool, workers, entities, EveryAgency())

    monkeypatch.setattr(etl, "prepare", stale)
    redone = _run_in_batches(tmp_path / "stale", inputs)
    assert redone["profile_redone"] > 0 and redone["profile_reused"] == 0
    assert _near_tables(tmp_path / "stale") == _near_tables(tmp_path / "fresh")


def _reprinted_again(reprints: Path) -> Path:
    """A second agency's reprints of the same five stories (another word changed): verified against the same originals."""
    again = []
    for line in reprints.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        words = r["paragraphs"][-1].split()
        words[0] = "همچنین"
        r["paragraphs"][-1] = " ".join(words)
        r.update(id=r["id"].replace("reprint", "again"), url=r["url"].replace("tasnimnews.com", "mehrnews.com"), agency="مهر")
        again.append(r)
    return _write_jsonl(reprints.with_name("again.jsonl"), again)


def test_shingle_cache_of_earlier_articles_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reprints = _variants(tmp_path)
    inputs = [SAMPLES / "langml" / "fars-news-sample.json.gz", reprints, _reprinted_again(reprints)]
    cached = _run_in_batches(tmp_path / "cached", inputs, batch_size=5)  # each set of copies in its own batch
    assert cached["earlier_cached"] > 0
    monkeypatch.setattr(etl, "NEAR_CACHE_ARTICLES", 0)
    uncached = _run_in_batches(tmp_path / "uncached", inputs, batch_size=5)
    assert uncached["earlier_cached"] == 0 and uncached["earlier_read"] > 0
    assert _near_tables(tmp_path / "uncached") == _near_tables(tmp_path / "cached")


def test_profiles_and_cached_sets_carried_across_key_set_changes_change_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A profile made against an older key set is kept when none of the article's paragraphs changed status."""
    src = json.loads(gzip.decompress((SAMPLES / "langml" / "fars-news-sample.json.gz").read_bytes()))
    signoffs = ["برای دریافت آخرین اخبار به کانال تلگرام خبرگزاری بپیوندید", "نظرات خود را درباره این خبر با ما در میان بگذارید"]

    def part(name: str, records: list[dict], line: str) -> Path:
        # Every other article ends with the same line: it becomes boilerplate a few batches in, and the
        # key set changes under the articles prepared before that (half of which do not have the line).
        out = [{**r, "paragraphs": [*r["paragraphs"], line] if i % 2 else r["paragraphs"]} for i, r in enumerate(records)]
        return _write_jsonl(tmp_path / name, out)

    reprints = _variants(tmp_path)  # copies of the first five articles, which carry no added line
    half = len(src) // 2
    inputs = [
        _write_jsonl(tmp_path / "first.jsonl", src[:5]),
        part("a.jsonl", src[5:half], signoffs[0]),
        reprints,  # their originals are read and cached here...
        part("b.jsonl", src[half:], signoffs[1]),  # ...the key set changes again here...
        _reprinted_again(reprints),  # ...and the cached sets are used again
    ]
    carried = _run_in_batches(tmp_path / "carried", inputs, batch_size=5)
    assert carried["profile_carried"] > 0 and carried["earlier_carried"] > 0, carried
    monkeypatch.setattr(etl, "KEY_SETS_KEPT", 0)  # no key set remembered: every stale profile is redone
    redone = _run_in_batches(tmp_path / "redone", inputs, batch_size=5)
    assert redone["profile_carried"] == 0 and redone["earlier_carried"] == 0
    assert redone["profile_redone"] > carried["profile_redone"]
    assert _near_tables(tmp_path / "redone") == _near_tables(tmp_path / "carried")
