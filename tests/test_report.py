"""The run report (Markdown for the Prefect artifact) and the offline HTML warehouse report."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import duckdb
import pytest

from akhbar import etl, report, warehouse
from akhbar.config import Settings
from tests.conftest import REPO, SAMPLES

UTC = dt.UTC
CHROMIUM = Path("/usr/bin/chromium")
AGENCIES = ("خبرگزاری فارس", "خبرگزاری تسنیم", "ایرنا")
# Arabic yeh/kaf and presentation forms in the input, folded in the body: what normalization is for.
RAW = "\u0643\u062a\u0627\u0628 \u064a\u06a9 \ufefb\u200cخبر"
BODY = "کتاب یک لا\u200cخبر"


def _article(i: int, *, agency: str | None, day: dt.date | None, canonical: bool = True, cluster: str | None = None,
             raw: str = RAW, body: str = BODY, run_id: str = "run-1", origin: str = "a.jsonl") -> dict[str, object]:
    published = None if day is None else dt.datetime.combine(day, dt.time(8, 0), UTC)
    return {
        "article_id": f"a{i}", "source_id": str(i), "agency": agency, "title": None, "lead": None, "body": body,
        "published_at": published, "published_jalali": None if day is None else report.jalali(day),
        "cluster_id": cluster or f"a{i}", "is_canonical": canonical, "content_key": f"k{i}", "paragraphs": 1,
        "paragraphs_repeated": 0, "chars": len(body), "raw_text": raw, "origin_path": origin, "origin_line": i,
        "origin_name": origin, "run_id": run_id, "loaded_at": dt.datetime(2024, 3, 30, tzinfo=UTC),
    }


def make_warehouse(path: Path, *, entities: bool = True) -> Path:
    """Build a small dated warehouse: three agencies over four days (one day empty), duplicates, rejects."""
    con = warehouse.connect_writer(path / "news.duckdb")
    days = [dt.date(2024, 3, 20), dt.date(2024, 3, 21), dt.date(2024, 3, 23)]  # 1403-01-01, -02, -04
    rows, i = [], 0
    for d_i, day in enumerate(days):
        for a_i, agency in enumerate(AGENCIES):
            for _ in range(1 + d_i + a_i):
                i += 1
                rows.append(_article(i, agency=agency, day=day, origin=f"{a_i}.jsonl"))
    # Two duplicates of a1 from ایرنا, one undated article, one with an Arabic kaf left in the body.
    rows.append(_article(1001, agency="ایرنا", day=days[0], canonical=False, cluster="a1", origin="2.jsonl"))
    rows.append(_article(1002, agency="ایرنا", day=days[1], canonical=False, cluster="a1", origin="2.jsonl"))
    rows.append(_article(1003, agency=None, day=None, origin="undated.txt"))
    rows.append(_article(1004, agency="ایرنا", day=days[2], body="\u0643تاب", origin="2.jsonl"))
    import pyarrow as pa

    from akhbar.schema import ARTICLES

    tbl = pa.Table.from_pylist(rows, schema=ARTICLES)  # noqa: F841 - read by DuckDB's replacement scan
    con.execute("INSERT INTO articles BY NAME SELECT * FROM tbl")
    for n, (reason, origin) in enumerate([("empty_body", "0.jsonl"), ("empty_body", "1.jsonl"), ("not_persian", "1.jsonl")]):
        con.execute(
            "INSERT INTO rejects (reject_id, reason, detail, origin_path, origin_line, origin_name, run_id, rejected_at) "
            "VALUES (?, ?, 'x', ?, ?, ?, 'run-1', ?)",
            [f"r{n}", reason, origin, n, origin, dt.datetime(2024, 3, 30, tzinfo=UTC)],
        )
    con.execute(
        "INSERT INTO runs BY NAME SELECT 'run-1' AS run_id, 'news-etl' AS flow, TIMESTAMPTZ '2024-03-30 10:00:00+00' AS started_at, "
        "TIMESTAMPTZ '2024-03-30 10:00:12+00' AS finished_at, 'partial' AS status, 3 AS files_read, 0 AS files_skipped, "
        "34 AS records_read, 31 AS articles_new, 0 AS articles_unchanged, 2 AS duplicates_new, 3 AS rejects_seen, "
        "3 AS rejects_new, '{}' AS rejects_by_reason, 0 AS paragraphs_repeated, 2 AS lake_files, '0.1.0' AS akhbar_version"
    )
    if entities:
        con.execute("INSERT INTO entities BY NAME SELECT article_id, 0 AS start, 1 AS \"end\", 'PER' AS type, 'عراقچی' AS text, "
                    "'عباس عراقچی' AS canonical, 'run-1' AS run_id FROM articles LIMIT 12")
        con.execute("INSERT INTO entities BY NAME SELECT article_id, 2 AS start, 3 AS \"end\", 'LOC' AS type, 'تهران' AS text, "
                    "'تهران' AS canonical, 'run-1' AS run_id FROM articles LIMIT 5")
        # Quotes: three of a named minister (one in a duplicate, not counted), one of an unnamed governor.
        con.execute("INSERT INTO quotes BY NAME SELECT article_id, 0 AS start, 1 AS \"end\", 'عباس عراقچی' AS speaker, "
                    "'وزیر امور خارجه' AS speaker_role, 'person' AS speaker_kind, 'سخن' AS text, 'گفت' AS cue, 'run-1' AS run_id "
                    "FROM articles WHERE article_id IN ('a1', 'a2', 'a1001')")
        con.execute("INSERT INTO quotes BY NAME SELECT 'a3' AS article_id, 0 AS start, 1 AS \"end\", 'استاندار تهران' AS speaker, "
                    "'استاندار تهران' AS speaker_role, 'role' AS speaker_kind, 'سخن' AS text, 'افزود' AS cue, 'run-1' AS run_id")
    else:
        # A warehouse from before the entities table existed.
        con.execute("DROP TABLE entities")
    con.close()
    return path


@pytest.fixture(scope="module")
def dated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_warehouse(tmp_path_factory.mktemp("dated"))


@pytest.fixture(scope="module")
def samples_wh(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    wh = tmp_path_factory.mktemp("samples")
    summary = etl.run(Settings(warehouse=wh, workers=1), [str(SAMPLES)])
    return wh, summary


def _reader(wh: Path) -> duckdb.DuckDBPyConnection:
    return warehouse.connect_reader(wh / "news.duckdb")


# ---------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("day", "expected"),
    [(dt.date(2024, 3, 20), "1403-01-01"), (dt.date(2023, 8, 3), "1402-05-12"), (dt.date(2025, 3, 20), "1403-12-30")],
)
def test_jalali(day: dt.date, expected: str) -> None:
    assert report.jalali(day) == expected


def test_jalali_range_crosses_the_year_and_fills_gaps() -> None:
    assert report.jalali_range("1402-12-28", "1403-01-02") == ["1402-12-28", "1402-12-29", "1403-01-01", "1403-01-02"]


@pytest.mark.parametrize(
    ("first", "last", "unit", "buckets"),
    [
        ("1403-01-01", "1403-01-03", "day", ["1403-01-01", "1403-01-02", "1403-01-03"]),
        ("1402-12-01", "1403-01-31", "day", None),  # 60 days across the new year: still days
        ("1402-11-20", "1403-02-02", "month", ["1402-11", "1402-12", "1403-01", "1403-02"]),
        ("1382-02-19", "1404-06-15", "year", [str(y) for y in range(1382, 1405)]),
    ],
)
def test_time_buckets_widen_with_the_span(first: str, last: str, unit: str, buckets: list[str] | None) -> None:
    got_unit, width, got = report.time_buckets(first, last)
    assert got_unit == unit and all(len(b) == width for b in got)
    assert got == (buckets if buckets is not None else report.jalali_range(first, last))
    assert len(got) <= report.MAX_BARS


def test_long_spans_are_counted_per_year(tmp_path: Path) -> None:
    con = warehouse.connect_writer(tmp_path / "news.duckdb")
    import pyarrow as pa

    from akhbar.schema import ARTICLES

    rows = [_article(1, agency="فارس", day=dt.date(2004, 5, 9)), _article(2, agency="فارس", day=dt.date(2025, 9, 5)),
            _article(3, agency="برنا", day=dt.date(2025, 9, 6))]
    tbl = pa.Table.from_pylist(rows, schema=ARTICLES)  # noqa: F841
    con.execute("INSERT INTO articles BY NAME SELECT * FROM tbl")
    basis, unit, buckets, series = report.daily_counts(con)
    assert (basis, unit, buckets[0], buckets[-1], len(buckets)) == ("published", "year", "1383", "1404", 22)
    assert series["فارس"][0] == 1 and series["فارس"][-1] == 1 and series["برنا"][-1] == 1 and sum(series["برنا"]) == 1
    page = report.build_html_report(con)
    assert "مقاله در سال، به تفکیک خبرگزاری" in page and "<title>فارس ۱۴۰۴: ۱</title>" in page


def test_fa_formats_persian_digits() -> None:
    assert report.fa(1234567) == "۱,۲۳۴,۵۶۷"
    assert report.fa_day("1403-01-04") == "۱۴۰۳/۰۱/۰۴"
    assert report.fa_day("1403-01-04", short=True) == "۰۱/۰۴"


# ---------------------------------------------------------------- SQL figures


def test_daily_counts_by_jalali_day_and_agency(dated: Path) -> None:
    basis, unit, days, series = report.daily_counts(_reader(dated))
    assert (basis, unit) == ("published", "day")
    assert days == ["1403-01-01", "1403-01-02", "1403-01-03", "1403-01-04"]  # the empty day is kept
    assert series["خبرگزاری فارس"] == [1, 2, 0, 3]
    assert series["خبرگزاری تسنیم"] == [2, 3, 0, 4]
    assert series["ایرنا"] == [3 + 1, 4 + 1, 0, 5 + 1]  # plus the two duplicates and the kaf article
    assert sum(map(sum, series.values())) == 31 - 1  # every article but the undated one


def test_daily_counts_since_filters_days(dated: Path) -> None:
    _, _, days, series = report.daily_counts(_reader(dated), since=dt.date(2024, 3, 21))
    assert days == ["1403-01-02", "1403-01-03", "1403-01-04"]
    assert series["خبرگزاری فارس"] == [2, 0, 3]


def test_daily_counts_falls_back_to_load_day_without_dates(tmp_path: Path) -> None:
    con = warehouse.connect_writer(tmp_path / "news.duckdb")
    import pyarrow as pa

    from akhbar.schema import ARTICLES

    tbl = pa.Table.from_pylist([_article(i, agency="ایسنا", day=None) for i in range(3)], schema=ARTICLES)  # noqa: F841
    con.execute("INSERT INTO articles BY NAME SELECT * FROM tbl")
    basis, unit, days, series = report.daily_counts(con)
    assert (basis, unit, days, series) == ("loaded", "day", ["1403-01-11"], {"ایسنا": [3]})  # 2024-03-30 is 1403-01-11


def test_many_agencies_fold_into_other(tmp_path: Path) -> None:
    con = warehouse.connect_writer(tmp_path / "news.duckdb")
    import pyarrow as pa

    from akhbar.schema import ARTICLES

    rows = [_article(i, agency=f"منبع {i % 11}", day=dt.date(2024, 3, 20)) for i in range(44)]
    tbl = pa.Table.from_pylist(rows, schema=ARTICLES)  # noqa: F841
    con.execute("INSERT INTO articles BY NAME SELECT * FROM tbl")
    _, _, _, series = report.daily_counts(con)
    assert len(series) == report.MAX_SERIES and "سایر" in series
    assert series["سایر"] == [4 * (11 - report.MAX_SERIES + 1)]
    assert sum(v[0] for v in series.values()) == 44


def test_persian_quality_compares_input_with_body(dated: Path) -> None:
    q = report.persian_quality(_reader(dated))
    assert q["articles"] == 31
    assert q["raw_presentation_forms"] == 31 and q["body_presentation_forms"] == 0
    assert q["raw_arabic_yeh_kaf"] == 31 and q["body_arabic_yeh_kaf"] == 1  # the one kaf left in a body
    assert q["raw_zwnj"] == 31 and q["zwnj_lost"] == 1  # that same article lost its ZWNJ
    assert q["raw_arabic_digits"] == 0 and q["mostly_non_arabic_script"] == 0
    assert q["script_share"] == 1.0


def test_persian_quality_scans_a_bounded_sample(dated: Path) -> None:
    q = report.persian_quality(_reader(dated), sample=10)
    assert (q["articles"], q["total"]) == (10, 31)
    assert q["raw_arabic_yeh_kaf"] == 10  # every article has them: a sample of 10 has 10
    md = report.run_markdown({"run_id": "run-1"}, {"persian": q})
    assert "— sample of 10 of 31 articles" in md


def test_persian_quality_flags_latin_text(tmp_path: Path) -> None:
    con = warehouse.connect_writer(tmp_path / "news.duckdb")
    import pyarrow as pa

    from akhbar.schema import ARTICLES

    rows = [_article(1, agency="x", day=None, raw="Breaking news today", body="Breaking news today خبر")]
    tbl = pa.Table.from_pylist(rows, schema=ARTICLES)  # noqa: F841
    con.execute("INSERT INTO articles BY NAME SELECT * FROM tbl")
    q = report.persian_quality(con)
    assert q["mostly_non_arabic_script"] == 1
    assert q["script_share"] == pytest.approx(3 / 20)


def test_top_entities_counts_articles_and_skips_without_table(dated: Path, tmp_path: Path) -> None:
    assert report.top_entities(_reader(dated)) == [("عباس عراقچی", "PER", 12), ("تهران", "LOC", 5)]
    bare = make_warehouse(tmp_path / "bare", entities=False)
    assert report.top_entities(_reader(bare)) == []


# ---------------------------------------------------------------- Markdown artifact


def test_run_markdown_on_samples(samples_wh: tuple[Path, dict[str, object]]) -> None:
    wh, summary = samples_wh
    q = report.run_quality(_reader(wh), str(summary["run_id"]))
    assert sum(s["kept"] for s in q["sources"]) == summary["articles_new"] == 126
    assert sum(s["duplicates"] for s in q["sources"]) == summary["duplicates_new"] == 6
    assert q["new_clusters"] == 120
    assert {s["source"] for s in q["sources"]} == {
        "fars-news-sample.json.gz", "varzesh3-sample.json.gz", "reprinted-copies.json.gz",
        "news_borna_20_LLM_Tagged.csv", "news_tasnim_20_LLM_Tagged.csv",
    }
    p = q["persian"]
    assert p["articles"] == 126 and p["raw_arabic_yeh_kaf"] > 0 and p["body_arabic_yeh_kaf"] == 0
    assert p["body_presentation_forms"] == 0 and p["body_arabic_digits"] == 0 and p["script_share"] > 0.99
    md = report.run_markdown(summary, q)
    assert md.startswith(f"# news-etl run `{summary['run_id']}` — ok")
    assert "| reprinted-copies.json.gz | 6 | 6 | 3 | 50.0% | 3 |" in md
    assert "| Arabic yeh/kaf (ي ك ى) |" in md
    # every table row has as many cells as its header
    for block in md.split("\n\n"):
        lines = [ln for ln in block.splitlines() if ln.startswith("|")]
        if lines:
            assert len({ln.count(" | ") for ln in lines if not ln.startswith("|---")}) == 1, block


def test_run_markdown_lists_rejects_per_source(dated: Path) -> None:
    q = report.run_quality(_reader(dated), "run-1")
    by_source = {s["source"]: s for s in q["sources"]}
    assert by_source["1.jsonl"]["rejects"] == {"empty_body": 1, "not_persian": 1}
    assert q["dates_missing"] == 1
    md = report.run_markdown({"run_id": "run-1", "status": "partial", "rejects_seen": 3}, q)
    assert "rejected: empty_body | rejected: not_persian |" in md
    assert "| 1.jsonl | 11 | 9 | 0 | 0.0% | 9 | 0 | 1 | 1 |" in md
    assert "| Arabic yeh/kaf (ي ك ى) | 31 (100.0%) | 1 | **check** |" in md


def test_run_markdown_without_quality_uses_summary() -> None:
    md = report.run_markdown({"run_id": "r", "status": "failed", "rejects_by_reason": {"bad_encoding": 2}}, {})
    assert "| bad_encoding | 2 |" in md and "— failed" in md


# ---------------------------------------------------------------- HTML


def _assert_offline(page: str) -> None:
    assert '<html lang="fa" dir="rtl">' in page
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "the report must not load anything"
    assert "Vazirmatn" in page and "DejaVu Sans" in page


def test_html_report_on_dated_warehouse(dated: Path) -> None:
    page = report.build_html_report(_reader(dated), now=dt.datetime(2024, 3, 30, 12, tzinfo=UTC))
    _assert_offline(page)
    assert page.count("<svg") == 4  # per day, duplicate share, rejects, entities
    assert "ساخته‌شده در ۱۴۰۳/۰۱/۱۱" in page
    assert "<title>خبرگزاری تسنیم ۱۴۰۳/۰۱/۰۴: ۴</title>" in page  # a stacked bar segment
    assert ">۰۱/۰۳<" in page  # the empty day still has its axis label
    assert "<title>ایرنا: ۱۳.۳٪ (۲/۱۵)</title>" in page  # duplicate share
    assert "<title>empty_body: ۲</title>" in page
    assert "عباس عراقچی (PER)" in page
    assert "<tr><td>عباس عراقچی</td><td>وزیر امور خارجه</td><td>شخص</td><td>۲</td><td>۲</td></tr>" in page
    assert "<tr><td>استاندار تهران</td><td>استاندار تهران</td><td>مقام بی‌نام</td><td>۱</td><td>۱</td></tr>" in page
    assert 'class="bad"' in page  # the kaf left in one body is flagged


def test_html_report_on_samples(samples_wh: tuple[Path, dict[str, object]]) -> None:
    wh, _ = samples_wh
    path = report.write_html_report(wh)
    latest = wh / "reports" / "report-latest.html"
    assert path.parent == wh / "reports" and re.fullmatch(r"report-\d{8}T\d{12}Z\.html", path.name)
    assert latest.read_text(encoding="utf-8") == path.read_text(encoding="utf-8")
    page = latest.read_text(encoding="utf-8")
    _assert_offline(page)
    assert "<b>۱۲۶</b><span>مقاله</span>" in page
    # The figures are whatever the pipeline extracted (agency, dates): check the page against the warehouse.
    con = _reader(wh)
    for agency, n, d in con.execute(
        "SELECT coalesce(agency, origin_name), count(*), count(*) FILTER (WHERE NOT is_canonical) FROM articles GROUP BY 1"
    ).fetchall():
        assert f"<title>{agency}: {report.fa(100.0 * d / n)}٪ ({report.fa(d)}/{report.fa(n)})</title>" in page
    _, _, days, series = report.daily_counts(con)
    assert days and sum(map(sum, series.values())) > 0
    for agency, counts in series.items():
        for day, n in zip(days, counts, strict=True):
            if n:
                assert f"<title>{agency} {report.fa_day(day)}: {report.fa(n)}</title>" in page
    assert page.count("<svg") >= 2  # per day + duplicate share (+ rejects, entities when present)


@pytest.mark.parametrize("kind", ["missing", "no_tables", "no_rows"])
def test_html_report_with_no_data(tmp_path: Path, kind: str) -> None:
    wh = tmp_path / "wh"
    if kind == "no_tables":
        wh.mkdir()
        duckdb.connect(str(wh / "news.duckdb")).close()
    elif kind == "no_rows":
        warehouse.connect_writer(wh / "news.duckdb").close()
    page = report.write_html_report(wh).read_text(encoding="utf-8")
    _assert_offline(page)
    assert "no data yet" in page and "<svg" not in page


def test_html_report_since_excludes_older(dated: Path) -> None:
    page = report.build_html_report(_reader(dated), since=dt.date(2025, 1, 1))
    assert "no data yet" in page and "اجراهای اخیر" not in page


# ---------------------------------------------------------------- screenshot (headless Chromium)


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB/RGBA non-interlaced PNG into rows of raw pixel bytes (pure Python)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos : pos + 4]), data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev, strict=True))
        elif f == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line) if bpp == 3 else bytes(b for i, b in enumerate(line) if i % 4 != 3))
        prev = line
    return width, height, rows


def colour_counts(rows: list[bytes]) -> dict[bytes, int]:
    """Count pixels per RGB colour."""
    counts: dict[bytes, int] = {}
    for row in rows:
        for i in range(0, len(row), 3):
            px = row[i : i + 3]
            counts[px] = counts.get(px, 0) + 1
    return counts


@pytest.mark.slow
def test_screenshot_shows_the_charts(dated: Path, tmp_path: Path) -> None:
    if not CHROMIUM.exists() or shutil.which("bash") is None:
        pytest.skip("needs /usr/bin/chromium (Debian: apt-get install -y chromium) to screenshot the report")
    out = tmp_path / "report.png"
    r = subprocess.run(["bash", str(REPO / "scripts" / "screenshot_report.sh"), str(dated), str(out)],
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    width, height, rows = png_pixels(out.read_bytes())
    assert (width, height) == (1280, 1800)
    counts = colour_counts(rows)
    assert len(counts) > 50, "a blank page has a handful of colours; text antialiasing gives many"
    # Bars are drawn in palette colours: each of the three agencies' colours covers a visible area.
    for colour in report.PALETTE[:3]:
        rgb = bytes.fromhex(colour[1:])
        assert counts.get(rgb, 0) > 500, f"bars in {colour} are not visible"
    assert counts.get(bytes.fromhex(report.PALETTE[3][1:]), 0) > 500  # duplicate-share bars


# ---------------------------------------------------------------- the Prefect artifact (flows/artifacts.py)


@pytest.mark.integration
@pytest.mark.usefixtures("prefect_harness")
def test_publish_run_artifact_after_a_run(tmp_path: Path) -> None:
    import asyncio

    from prefect import flow
    from prefect.client.orchestration import get_client

    from flows.artifacts import RUN_ARTIFACT_KEY, publish_run_artifact, run_report_markdown

    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "a.jsonl").write_text(
        '{"id": 1, "body": "وزیر دفاع گفت که امنیت عراق امنیت ایران است."}\n{oops\n', encoding="utf-8"
    )
    summary = etl.run(Settings(warehouse=tmp_path / "wh", workers=1), [str(inbox)])

    @flow(name="artifact-probe")
    def probe() -> str:
        return str(publish_run_artifact(summary))

    artifact_id = probe()

    async def read() -> tuple[str, str | None]:
        async with get_client() as client:
            arts = await client.read_artifacts()
            art = next(a for a in arts if str(a.id) == artifact_id)
            return str(art.data), art.key

    data, key = asyncio.run(read())
    assert key == RUN_ARTIFACT_KEY
    assert data.startswith(f"# news-etl run `{summary['run_id']}` — partial")
    assert "| a.jsonl | 2 | 1 | 0 | 0.0% | 1 |" in data and "rejected: malformed_json" in data
    # With the warehouse unreadable the summary alone is published, with a note saying why.
    md = run_report_markdown(summary, tmp_path / "nowhere")
    assert "figures unavailable: WarehouseMissing" in md and "## Rejects by reason" in md


def test_most_quoted_reads_a_warehouse_from_before_speaker_kind(tmp_path: Path) -> None:
    """A reader may open a warehouse no new version has written to yet: its quotes have no speaker_kind."""
    import pyarrow as pa

    from akhbar.schema import ARTICLES, QUOTES, ddl_for

    con = duckdb.connect(str(tmp_path / "news.duckdb"))
    con.execute(ddl_for(ARTICLES))
    con.execute(ddl_for(pa.schema([f for f in QUOTES if f.name != "speaker_kind"], metadata=QUOTES.metadata)))
    tbl = pa.Table.from_pylist([_article(1, agency="ایرنا", day=dt.date(2024, 3, 20))], schema=ARTICLES)  # noqa: F841
    con.execute("INSERT INTO articles BY NAME SELECT * FROM tbl")
    con.execute("INSERT INTO quotes VALUES ('a1', 0, 1, 'حسین دهقان', 'وزیر دفاع', 'سخن', 'گفت', 'r')")
    assert report.most_quoted(con) == [("حسین دهقان", "وزیر دفاع", "person", 1, 1)]
    assert report.most_quoted(duckdb.connect()) == []  # no quotes table at all


def test_most_quoted_and_top_entities_count_spellings_of_one_name_together(tmp_path: Path) -> None:
    import pyarrow as pa

    from akhbar.schema import ARTICLES, ENTITIES, QUOTES, ddl_for

    con = duckdb.connect(str(tmp_path / "news.duckdb"))  # no macros: a warehouse opened read-only by the report
    for t in (ARTICLES, ENTITIES, QUOTES):
        con.execute(ddl_for(t))
    tbl = pa.Table.from_pylist([_article(i, agency="ورزش سه", day=dt.date(2024, 3, 20)) for i in (1, 2, 3)], schema=ARTICLES)  # noqa: F841
    con.execute("INSERT INTO articles BY NAME SELECT * FROM tbl")
    for aid, spelling in (("a1", "کارلوس کی\u200cروش"), ("a2", "کارلوس کی روش"), ("a3", "کارلوس کی\u200cروش")):
        con.execute("INSERT INTO quotes VALUES (?, 0, 1, ?, NULL, 'person', 'سخن', 'گفت', 'r')", [aid, spelling])
        con.execute("INSERT INTO entities VALUES (?, 0, 1, 'PER', ?, ?, NULL, NULL, 'r')", [aid, spelling, spelling])
    assert report.most_quoted(con) == [("کارلوس کی\u200cروش", None, "person", 3, 3)]
    assert report.top_entities(con) == [("کارلوس کی\u200cروش", "PER", 3)]


def test_run_markdown_says_when_stored_articles_need_reextract() -> None:
    md = report.run_markdown({"run_id": "run-1", "status": "ok", "articles_outdated": 1234}, {})
    assert "1,234 stored articles have entities and quotes from other extractors" in md and "akhbar reextract" in md
    assert "other extractors" not in report.run_markdown({"run_id": "run-1", "status": "ok", "articles_outdated": 0}, {})
