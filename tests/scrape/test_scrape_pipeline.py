"""scrape_into_warehouse() without Prefect: the ten real feed captures served on 127.0.0.1, into DuckDB."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from akhbar import etl
from akhbar.config import Settings
from akhbar.extract.agency import detect_agency, lookup
from akhbar.scrape import outcomes
from akhbar.scrape.config import ScrapeConfig, SourceConfig, load_config
from akhbar.scrape.pipeline import (
    SourceUnreachable,
    fetch_failures,
    run_inputs,
    scrape_into_warehouse,
    scrape_source,
    select_sources,
)
from akhbar.scrape.state import DuckDBFeedState, FeedStatus, MemoryFeedState, PendingFeedState
from akhbar.scrape.urls import normalize_url
from tests.scrape.local_site import NAMES, ZWNJ, NewsSite, tehran_jalali

pytestmark = pytest.mark.usefixtures("normalizer_ready")

# Minutes after 20:30 UTC are already the next day in Tehran: the day a UTC-only conversion gets wrong.
LATE_FEED = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>خبرگزاری مهر</title>
<item><title>نشست شبانه شورای شهر خرم\u200cآباد برگزار شد</title><link>{url}</link><guid>{url}</guid>
<description>اعضای شورای شهر خرم\u200cآباد در نشستی شبانه درباره طرح\u200cهای عمرانی گفت\u200cوگو کردند.</description>
<pubDate>Mon, 19 Oct 2026 21:10:00 GMT</pubDate></item></channel></rss>"""


@pytest.fixture
def site(server: HTTPServer) -> NewsSite:
    return NewsSite(server)


def _settings(tmp_path: Path) -> Settings:
    return Settings(warehouse=tmp_path / "wh", workers=1, batch_size=7, lock_timeout=5)


def _db(settings: Settings) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(settings.db_path), read_only=True)


def test_packaged_agency_labels_are_the_registry_names() -> None:
    for src in load_config().sources:
        outlet = lookup(src.agency)
        assert outlet is not None, src
        assert detect_agency(None, src.agency, None) == (outlet.name, None)


def test_every_feed_article_lands_once_with_agency_jalali_date_and_zwnj(
    site: NewsSite, make_fetcher, tmp_path: Path
) -> None:
    late_url = site.url("/mehr/news/7000001/late")
    site.add_feed("late", LATE_FEED.format(url=late_url).encode())
    config = site.config()
    config = ScrapeConfig(
        sources=(*config.sources, SourceConfig("late", "خبرگزاری مهر", (site.feed_url("late"),), (), ("127.0.0.1",), 0.0)),
        http=config.http,
        workers=4,
    )
    settings = _settings(tmp_path)
    summary = scrape_into_warehouse(settings, config, client=make_fetcher())

    assert summary["status"] == "ok", summary
    assert summary["articles_new"] == len(site.items) == 31 and summary["records_read"] == 31
    assert summary["sources_with_failures"] == summary["sources_unreachable"] == []
    assert summary["fetch_failures"] == {}
    assert {name: c["records"] for name, c in summary["sources"].items()} == {**dict.fromkeys(NAMES, 3), "late": 1}
    assert summary["requests"] == 1 + 11 + 31  # robots.txt, feeds, pages

    con = _db(settings)
    rows = con.execute(
        "SELECT url, agency, published_jalali, body, date_source, raw_ref FROM articles ORDER BY url"
    ).fetchall()
    assert sorted(r[0] for r in rows) == sorted(site.items)  # every item once
    labels = {s.name: s.agency for s in config.sources}
    for url, agency, jalali, body, date_source, raw_ref in rows:
        item = site.items[url]
        assert agency == lookup(labels[item["feed"]]).name, (url, agency)
        assert jalali == tehran_jalali(item["published"]), (url, jalali, item["published"], date_source)
        assert raw_ref and (settings.warehouse / "raw" / raw_ref.split("#")[0]).is_file()
        assert "\u064a" not in body and "\u0643" not in body  # Arabic yeh/kaf folded to Persian
    by_url = {r[0]: r for r in rows}
    assert by_url[late_url][2] == "1405-07-28"  # 00:40 on 28 Mehr in Tehran, 27 Mehr in UTC
    tabnak = next(r for u, r in by_url.items() if "/1399497/" in u)
    assert tabnak[2] == "1405-07-27"  # "دوشنبه ۲۷ مهر ۱۴۰۵ ساعت ۲۲:۴۲" printed on the page
    mehr = next(r for u, r in by_url.items() if "/6983317/" in u)
    assert "خرم" + ZWNJ + "آباد" in mehr[3] and "اداره" + ZWNJ + "کل" in mehr[3]
    legacy = next(r for u, r in by_url.items() if "/1200218/" in u)  # the Windows-1256 page
    assert legacy[3].count(ZWNJ) >= 8 and "ي" not in legacy[3]
    assert all(ZWNJ + " " not in r[3] and " " + ZWNJ not in r[3] for r in rows)

    run = con.execute("SELECT flow, status, inputs, articles_new, records_read FROM runs").fetchall()
    assert run == [("scrape-news", "ok", [*NAMES, "late"], 31, 31)]
    seen = {k for (k,) in con.execute("SELECT key FROM seen_urls").fetchall()}
    assert {normalize_url(u) for u in site.items} <= seen  # plus the guids that are not the link
    assert con.execute("SELECT count(*) FROM feed_state WHERE etag IS NOT NULL").fetchone() == (11,)


def test_second_scrape_makes_only_conditional_requests_and_adds_nothing(
    site: NewsSite, make_fetcher, tmp_path: Path
) -> None:
    settings = _settings(tmp_path)
    config = site.config(["mehr", "tabnak", "zoomit"])
    first = scrape_into_warehouse(settings, config, client=make_fetcher())
    assert first["articles_new"] == 9
    before = len(site.arrived)

    second = scrape_into_warehouse(settings, config, client=make_fetcher())
    sent = [r for r in site.requests(before) if r.path != "/robots.txt"]
    assert sorted(r.path for r in sent) == sorted(f"/{n}/rss" for n in ("mehr", "tabnak", "zoomit"))
    assert all(r.headers.get("If-None-Match") for r in sent)
    assert second["articles_new"] == 0 and second["records_read"] == 0 and second["lake_files"] == 0
    assert second["status"] == "ok"
    assert {c.get("feed:not_modified") for c in second["sources"].values()} == {1}
    con = _db(settings)
    assert con.execute("SELECT articles_new FROM runs ORDER BY started_at").fetchall() == [(9,), (0,)]
    assert con.execute("SELECT count(*) FROM articles").fetchone() == (9,)


def test_a_failing_source_is_counted_and_the_others_load(site: NewsSite, make_fetcher, tmp_path: Path) -> None:
    def down(request: Request) -> Response:
        return Response("maintenance", status=503)

    site.handlers["/tabnak/rss"] = down
    settings = _settings(tmp_path)
    config = site.config(["mehr", "tabnak", "zoomit"], max_retries=1)
    summary = scrape_into_warehouse(settings, config, client=make_fetcher(config.http))

    assert summary["articles_new"] == 6 and summary["status"] == "partial"
    assert summary["sources_with_failures"] == summary["sources_unreachable"] == ["tabnak"]
    assert summary["fetch_failures"] == {f"feed:{outcomes.HTTP_ERROR}": 1}
    assert summary["sources"]["tabnak"]["records"] == 0 and summary["sources"]["mehr"]["records"] == 3
    con = _db(settings)
    assert con.execute("SELECT status FROM runs").fetchall() == [("partial",)]
    assert con.execute("SELECT count(*) FROM articles WHERE url LIKE '%/tabnak/%'").fetchone() == (0,)
    # The failed feed keeps no validators: the next run asks for it again, unconditionally.
    assert con.execute("SELECT etag FROM feed_state WHERE feed_url LIKE '%/tabnak/rss'").fetchall() == [(None,)]
    con.close()

    del site.handlers["/tabnak/rss"]
    again = scrape_into_warehouse(settings, config, client=make_fetcher(config.http))
    assert again["articles_new"] == 3 and again["status"] == "ok" and again["sources_with_failures"] == []


def test_page_rejects_are_stored_with_their_reason(site: NewsSite, make_fetcher, tmp_path: Path) -> None:
    empty = site.url("/zoomit/empty/1")
    site.routes["/zoomit/rss"] = (
        200,
        {"Content-Type": "application/rss+xml"},
        f'<rss version="2.0"><channel><title>زومیت</title><item><title>خالی</title><link>{empty}</link>'
        "</item></channel></rss>".encode(),
    )
    site.routes["/zoomit/empty/1"] = (200, {"Content-Type": "text/html"}, b"<html><body><nav>x</nav></body></html>")
    settings = _settings(tmp_path)
    summary = scrape_into_warehouse(settings, site.config(["zoomit", "mehr"]), client=make_fetcher())
    assert summary["status"] == "partial" and summary["rejects_by_reason"] == {"empty_body": 1}
    assert summary["articles_new"] == 3 and summary["rejects_new"] == 1
    assert summary["fetch_failures"] == {f"page:{outcomes.EMPTY_PAGE}": 1}
    con = _db(settings)
    assert con.execute("SELECT reason, origin_name FROM rejects").fetchall() == [("empty_body", empty)]
    assert con.execute("SELECT status FROM runs").fetchall() == [("partial",)]


def test_a_crash_while_loading_forgets_the_scrape_so_nothing_is_lost(
    site: NewsSite, make_fetcher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(tmp_path)
    config = site.config(["mehr", "tabnak"])

    def broken_load(state: etl.RunState, prepared: list) -> dict[str, int]:
        raise OSError("disk full")

    monkeypatch.setattr(etl, "load", broken_load)
    with pytest.raises(OSError, match="disk full"):
        scrape_into_warehouse(settings, config, client=make_fetcher())
    con = _db(settings)
    assert con.execute("SELECT status, error FROM runs").fetchall() == [("failed", "OSError: disk full")]
    assert con.execute("SELECT count(*) FROM seen_urls").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM feed_state").fetchone() == (0,)
    con.close()

    monkeypatch.undo()
    summary = scrape_into_warehouse(settings, config, client=make_fetcher())
    assert summary["articles_new"] == 6 and summary["status"] == "ok"


def test_scrape_source_raises_when_nothing_answers(site: NewsSite, make_fetcher, tmp_path: Path) -> None:
    site.handlers["/tabnak/rss"] = lambda request: Response("busy", status=503)
    config = site.config(["tabnak"], max_retries=0)
    with pytest.raises(SourceUnreachable, match="tabnak: no feed or sitemap answered: http_error") as info:
        scrape_source(config, MemoryFeedState(), tmp_path, client=make_fetcher(config.http))
    assert info.value.result.counts["tabnak"]["feed:http_error"] == 1

    # A permanent failure (404) is not worth retrying: no exception, just a counted outcome.
    site.handlers["/tabnak/rss"] = lambda request: Response("gone", status=404)
    result, pending = scrape_source(config, MemoryFeedState(), tmp_path, client=make_fetcher(config.http))
    assert fetch_failures(result.counts["tabnak"]) == {"feed:http_error": 1}
    assert pending.pending() == (1, 0)


def test_pending_state_writes_only_on_commit(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "s.duckdb")) as con:
        base = DuckDBFeedState(con)
        base.mark_seen(["old"], dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "mehr")
        pending = PendingFeedState(base)
        when = dt.datetime(2026, 10, 20, tzinfo=dt.UTC)
        pending.mark_seen(["a", "b"], when, "tabnak")
        pending.put(FeedStatus("http://x/rss", '"e"', None, "ok", when))
        assert pending.seen(["a", "old", "c"]) == {"a", "old"}
        assert pending.get("http://x/rss").etag == '"e"' and base.get("http://x/rss") is None
        assert con.execute("SELECT count(*) FROM seen_urls").fetchone() == (1,)
        assert pending.commit() == 2 and pending.pending() == (0, 0)
        assert con.execute("SELECT key, source FROM seen_urls ORDER BY key").fetchall() == [
            ("a", "tabnak"), ("b", "tabnak"), ("old", "mehr")
        ]
        assert base.get("http://x/rss").etag == '"e"'


def test_select_sources_and_run_inputs() -> None:
    config = load_config()
    assert [s.name for s in select_sources(config).sources] == [s.name for s in config.sources]
    picked = select_sources(config, ["tabnak", "mehr"])
    assert [s.name for s in picked.sources] == ["tabnak", "mehr"] and run_inputs(picked) == ["tabnak", "mehr"]
    with pytest.raises(ValueError, match="unknown source"):
        select_sources(config, ["nope"])

    adhoc = select_sources(
        config, ["mehr"], feeds=["http://127.0.0.1:8000/a/rss", "https://www.mehrnews.com/rss/tp/1"],
        allow_hosts=["127.0.0.1"],
    )
    mehr, local = adhoc.sources
    assert mehr.feeds == ("https://www.mehrnews.com/rss", "https://www.mehrnews.com/rss/tp/1")
    assert local.name == "127.0.0.1" and local.allowed_domains == ("127.0.0.1",)
    assert "127.0.0.1" in adhoc.allow_hosts
    assert run_inputs(adhoc) == ["mehr", "http://127.0.0.1:8000/a/rss"]
    with pytest.raises(ValueError, match="http"):
        select_sources(config, feeds=["ftp://example.com/rss"])


def test_summary_json_is_plain(site: NewsSite, make_fetcher, tmp_path: Path) -> None:
    summary = scrape_into_warehouse(_settings(tmp_path), site.config(["varzesh3"]), client=make_fetcher())
    assert json.loads(json.dumps(summary))["sources"]["varzesh3"]["records"] == 3


def test_cli_scrape_usage_errors_exit_2(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from akhbar.cli import get_app

    app = get_app()
    runner = CliRunner()
    for args, message in (
        (["--source", "nope"], "unknown source"),
        (["--feed", "ftp://127.0.0.1/rss"], "http"),
        (["--config", str(tmp_path / "missing.toml")], "no such sources file"),
    ):
        r = runner.invoke(app, ["scrape", *args, "-w", str(tmp_path / "wh")])
        assert r.exit_code == 2 and message in r.output, (args, r.output)
    assert not (tmp_path / "wh").exists()  # nothing was started
