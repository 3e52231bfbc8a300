"""Near-duplicate clusters through the whole ETL: spelling variants join, halves equal one run, reprints view."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import duckdb
import pytest

from akhbar import etl
from akhbar.config import Settings
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
        out.append({"id": f"reprint-{i}", "url": f"https://www.tasnimnews.com/fa/news/{i}", "title": r["title"],
                    "paragraphs": paras, "agency": "تسنیم"})
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
    etl.run(Settings(warehouse=wh, workers=1, entities=False), [str(SAMPLES / "langml" / "fars-news-sample.json.gz")])
    s = etl.run(Settings(warehouse=wh, workers=1, entities=False), [str(reprints)])
    assert s["articles_new"] == 5 and s["duplicates_new"] == 5
    con = duckdb.connect(str(wh / "news.duckdb"), read_only=True)
    rows = con.execute("SELECT original_agency, reprint_agency, match_reason FROM reprints").fetchall()
    assert len(rows) == 5 and all(o == "فارس" and r == "تسنیم" and m.startswith("jaccard") for o, r, m in rows)


def test_two_halves_give_the_same_clusters_as_one_run(tmp_path: Path) -> None:
    reprints = _variants(tmp_path)
    inputs = [SAMPLES / "langml" / "fars-news-sample.json.gz", reprints]
    etl.run(Settings(warehouse=tmp_path / "one", workers=1, entities=False, batch_size=1000), [str(p) for p in inputs])
    for p in inputs:
        etl.run(Settings(warehouse=tmp_path / "halves", workers=1, entities=False), [str(p)])
    assert _clusters(tmp_path / "one") == _clusters(tmp_path / "halves")
