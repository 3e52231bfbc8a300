"""scrape() end to end against a local site: real feed captures, article pages, failures, state, archive."""

from __future__ import annotations

import hashlib
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

import duckdb
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from akhbar import reasons
from akhbar.scrape import outcomes
from akhbar.scrape.archive import read_response
from akhbar.scrape.config import ScrapeConfig, SourceConfig
from akhbar.scrape.feeds import parse_feed
from akhbar.scrape.pages import decode_html, extract_page
from akhbar.scrape.run import ERROR, scrape
from akhbar.scrape.state import DuckDBFeedState, MemoryFeedState
from tests.scrape.helpers_scrape import PAGES, fast_settings, local_feed

ZWNJ = "\u200c"
NOW = datetime(2026, 10, 20, 0, 0, tzinfo=UTC)
FIXTURE_PAGES = {
    "6983317": "mehr_6983317.html",
    "1399497": "tabnak_1399497.html",
    "469409": "zoomit_469409.html",
}
FEEDS = {"mehr": "/mehr/rss", "tabnak": "/tabnak/fa/rss/allnews", "zoomit": "/zoomit/feed/"}


def _generated_page(title: str, lead: str) -> str:
    """A plausible article page for feed items that have no hand-written fixture page."""
    extra = (
        "به گزارش خبرنگار ما، این موضوع در نشست روز گذشته نیز مطرح شد و کارشناسان درباره پیامدهای آن "
        "دیدگاه\u200cهای متفاوتی ارائه کردند. مسئولان می\u200cگویند جزئیات بیشتر در روزهای آینده اعلام می\u200cشود."
    )
    return (
        f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>"
        "<nav><a href='/'>صفحه نخست</a><a href='/politics'>سیاسی</a><a href='/sport'>ورزشی</a></nav>"
        f"<article><h1>{title}</h1><div class='news-date'>۲۸ مهر ۱۴۰۵ - ۱۰:۲۰</div>"
        f"<p>{lead}</p><p>{extra}</p><p>{extra.replace('گذشته', 'پیش')}</p></article>"
        "<div class='related'><h3>اخبار مرتبط</h3><a href='/n/1'>خبر دیگر</a></div>"
        "<footer>کلیه حقوق محفوظ است</footer></body></html>"
    )


class Site:
    """A local news site: three agencies' feeds (real captures, links rewritten) and their article pages."""

    def __init__(self, server: HTTPServer, *, etags: bool = True) -> None:
        self.server = server
        self.etags = etags
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.handlers: dict[str, object] = {}
        # Recorded on arrival: the server's own log gets an entry only when a (slow) response is finished.
        self.arrived: list[Request] = []
        self.routes["/robots.txt"] = (
            200,
            {"Content-Type": "text/plain"},
            b"User-agent: *\nDisallow: /private/\n",
        )
        base = f"http://127.0.0.1:{server.port}"
        for name, path in FEEDS.items():
            body = local_feed(name, f"{base}/{name}")
            self.routes[path] = (200, {"Content-Type": "application/rss+xml; charset=utf-8"}, body)
            for item in parse_feed(body, base + path).items:
                self.add_page(item.link, item.title or "", item.summary or "")
        server.expect_request(re.compile(".*")).respond_with_handler(self.handle)

    def add_page(self, link: str, title: str, lead: str) -> None:
        page_id = next((i for i in FIXTURE_PAGES if f"/{i}" in link), None)
        html = (
            (PAGES / FIXTURE_PAGES[page_id]).read_bytes()
            if page_id
            else _generated_page(title, lead).encode()
        )
        self.routes[unquote(urlsplit(link).path)] = (200, {"Content-Type": "text/html; charset=utf-8"}, html)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.port}{path}"

    def handle(self, request: Request) -> Response:
        self.arrived.append(request)
        if request.path in self.handlers:
            return self.handlers[request.path](request)  # type: ignore[operator]
        if request.path not in self.routes:
            return Response("not found", status=404)
        status, headers, body = self.routes[request.path]
        headers = dict(headers)
        if self.etags and request.path != "/robots.txt":
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            headers["ETag"] = etag
            if request.headers.get("If-None-Match") == etag:
                return Response(status=304, headers={"ETag": etag})
        return Response(body, status=status, headers=headers)

    def requests(self, path: str | None = None) -> list[Request]:
        return [r for r in self.arrived if path is None or r.path == path]


def _source(name: str, site: Site, **kw: object) -> SourceConfig:
    values: dict[str, object] = {
        "name": name,
        "agency": {"mehr": "خبرگزاری مهر", "tabnak": "تابناک", "zoomit": "زومیت"}.get(name),
        "feeds": (site.url(FEEDS[name]),) if name in FEEDS else (),
        "allowed_domains": ("127.0.0.1",),
        "min_interval_seconds": 0.0,
    }
    values.update(kw)
    return SourceConfig(**values)  # type: ignore[arg-type]


def _config(*sources: SourceConfig, **http: object) -> ScrapeConfig:
    return ScrapeConfig(sources=sources, http=fast_settings(**http), workers=3)


@pytest.fixture
def site(server: HTTPServer) -> Site:
    return Site(server)


def test_first_scrape_builds_records_from_feeds_and_pages(site: Site, make_fetcher, tmp_path: Path) -> None:
    config = _config(*(_source(n, site) for n in FEEDS))
    result = scrape(config, state=MemoryFeedState(), archive_dir=tmp_path, now=NOW, client=make_fetcher())
    assert len(result.records) == 9 and result.rejects == []
    assert {o.status for o in result.outcomes} == {outcomes.OK}
    assert {s: c["records"] for s, c in result.counts.items()} == {"mehr": 3, "tabnak": 3, "zoomit": 3}

    mehr = next(r for r in result.records if "6983317" in (r.url or ""))
    assert mehr.source_id == mehr.url  # the Saba guid is the permalink
    assert mehr.origin.path == mehr.url == mehr.origin.name
    assert mehr.title == "آسفالت محور گردشگری گریت- سرکانه به مراحل پایانی رسید"
    assert mehr.lead and mehr.lead.startswith("خرم" + ZWNJ + "آباد")
    assert len(mehr.paragraphs) == 4 and all(ZWNJ in p for p in mehr.paragraphs[:3])
    assert mehr.published == "Mon, 19 Oct 2026 19:30:10 GMT"  # feed pubDate beats a visible page date
    assert mehr.agency == "خبرگزاری مهر"
    assert mehr.category == "استانها > لرستان"
    assert "راهداری" in mehr.tags
    assert mehr.fetched_at and datetime.fromisoformat(mehr.fetched_at).tzinfo is not None

    zoomit = next(r for r in result.records if "469409" in (r.url or ""))
    assert zoomit.published == "2026-10-19T22:40:00+03:30"  # a machine-readable page date wins

    for record in result.records:
        assert record.raw_ref and record.paragraphs
        archived = read_response(tmp_path, record.raw_ref)
        assert archived.url == record.url or unquote(archived.url) == unquote(record.url)
        # Re-extraction from the archive, without the network, gives the same paragraphs.
        text, _ = decode_html(archived.body, archived.headers.get("content-type"))
        assert extract_page(text, archived.url).paragraphs == record.paragraphs


def test_second_scrape_makes_only_conditional_requests(site: Site, make_fetcher, tmp_path: Path) -> None:
    config = _config(*(_source(n, site) for n in FEEDS))
    state = MemoryFeedState()
    fetcher = make_fetcher()
    first = scrape(config, state=state, archive_dir=tmp_path, now=NOW, client=fetcher)
    assert len(first.records) == 9
    before = len(site.requests())

    second = scrape(config, state=state, archive_dir=tmp_path, now=NOW, client=fetcher)
    sent = site.requests()[before:]
    assert second.records == [] and second.requests == 3 == len(sent)
    assert all(r.headers.get("If-None-Match") for r in sent)
    assert {o.status for o in second.outcomes} == {outcomes.NOT_MODIFIED}
    assert {o.kind for o in second.outcomes} == {"feed"}

    # A new client re-reads robots.txt once, then again only conditional feed requests.
    before = len(site.requests())
    third = scrape(config, state=state, archive_dir=tmp_path, now=NOW, client=make_fetcher())
    sent = site.requests()[before:]
    assert third.records == [] and [r.path for r in sent].count("/robots.txt") == 1 and len(sent) == 4


def test_seen_items_are_not_fetched_when_the_server_ignores_conditionals(
    server: HTTPServer, make_fetcher, tmp_path: Path
) -> None:
    site = Site(server, etags=False)
    config = _config(*(_source(n, site) for n in FEEDS))
    state = MemoryFeedState()
    scrape(config, state=state, archive_dir=tmp_path, client=make_fetcher())
    before = len(site.requests())
    second = scrape(config, state=state, archive_dir=tmp_path, client=make_fetcher())
    paths = [r.path for r in site.requests()[before:]]
    assert second.records == []
    assert sorted(paths) == sorted(["/robots.txt", *FEEDS.values()])  # feeds again, no article page
    assert second.totals()["skipped_seen"] == 9


def _trouble_feed(site: Site) -> bytes:
    items = [
        ("مسدود با روبات", "/private/denied"),
        ("محدودیت نرخ", "/p/limited"),
        ("کند", "/p/slow"),
        ("بسیار بزرگ", "/p/huge"),
        ("پرش به آدرس داخلی", "/p/jump"),
        ("صفحه قدیمی", "/p/legacy"),
        ("سایت دیگر", "https://elsewhere.example/news/1"),
        ("حذف شده", "/p/missing"),
        ("خالی", "/p/empty"),
    ]
    xml = ['<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>مشکل\u200cدار</title>']
    for title, path in items:
        link = path if path.startswith("https://") else site.url(path)
        xml.append(f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid></item>")
    xml.append("</channel></rss>")
    return "".join(xml).encode()


def _add_trouble(site: Site) -> None:
    calls = {"limited": 0}

    def limited(request: Request) -> Response:
        calls["limited"] += 1
        if calls["limited"] == 1:
            return Response("too many", status=429, headers={"Retry-After": "120"})
        return Response((PAGES / "tabnak_1399497.html").read_bytes(), content_type="text/html; charset=utf-8")

    def slow(request: Request) -> Response:
        time.sleep(1.5)
        return Response("late", content_type="text/html")

    site.handlers["/p/limited"] = limited
    site.handlers["/p/slow"] = slow
    site.handlers["/feeds/slow.xml"] = slow
    port = site.server.port
    html = {"Content-Type": "text/html; charset=utf-8"}
    site.routes["/feeds/trouble.xml"] = (200, {"Content-Type": "application/rss+xml"}, _trouble_feed(site))
    site.routes["/p/huge"] = (200, html, b"<html>" + b"x" * 300_000)
    site.routes["/p/jump"] = (302, {"Location": f"http://127.0.0.2:{port}/admin"}, b"")
    site.routes["/p/legacy"] = (
        200,
        {"Content-Type": "text/html; charset=windows-1256"},
        (PAGES / "asriran_1200218.cp1256.html").read_bytes(),
    )
    site.routes["/p/empty"] = (
        200,
        html,
        "<html><body><nav><a href='/'>خانه</a></nav></body></html>".encode(),
    )
    site.routes["/feeds/broken.xml"] = (
        200,
        {"Content-Type": "application/rss+xml"},
        local_feed("tabnak", site.url("/tabnak"))[:2500],
    )


def test_every_failure_is_a_counted_reasoned_outcome(
    site: Site, make_fetcher, sleeps, tmp_path: Path
) -> None:
    _add_trouble(site)
    config = _config(
        _source("trouble", site, feeds=(site.url("/feeds/trouble.xml"),)),
        _source("broken", site, feeds=(site.url("/feeds/broken.xml"),)),
        _source("slowfeed", site, feeds=(site.url("/feeds/slow.xml"),)),
        _source("internal", site, feeds=(f"http://127.0.0.2:{site.server.port}/rss",)),
        _source("mehr", site),
        timeout_seconds=0.5,
        max_retries=1,
        max_bytes=200_000,
    )
    result = scrape(
        config, state=MemoryFeedState(), archive_dir=tmp_path, now=NOW, client=make_fetcher(config.http)
    )
    by_url = {o.url.replace(site.url(""), ""): o for o in result.outcomes}
    expected = {
        "/private/denied": outcomes.ROBOTS_DENIED,
        "/p/limited": outcomes.RATE_LIMITED_RETRIED,
        "/p/slow": outcomes.TIMEOUT,
        "/p/huge": outcomes.TOO_LARGE,
        "/p/jump": outcomes.BLOCKED_ADDRESS,
        "/p/legacy": outcomes.OK,
        "https://elsewhere.example/news/1": outcomes.OFF_DOMAIN,
        "/p/missing": outcomes.HTTP_ERROR,
        "/p/empty": outcomes.EMPTY_PAGE,
        "/feeds/broken.xml": outcomes.MALFORMED_XML,
        "/feeds/slow.xml": outcomes.TIMEOUT,
        f"http://127.0.0.2:{site.server.port}/rss": outcomes.BLOCKED_ADDRESS,
        FEEDS["mehr"]: outcomes.OK,
    }
    for url, status in expected.items():
        assert by_url[url].status == status, (url, by_url[url])
        assert by_url[url].reason, url
    assert "127.0.0.2" in by_url["/p/jump"].reason
    assert by_url["/p/limited"].attempts == 2 and 0.05 in sleeps.calls  # Retry-After 120 s, capped
    assert not any(o.status == ERROR for o in result.outcomes)
    assert not site.requests("/private/denied")

    trouble = result.counts["trouble"]
    assert trouble["page:timeout"] == 1 and trouble["page:too_large"] == 1 and trouble["page:off_domain"] == 1
    assert trouble["records"] == 2  # the rate-limited page and the Windows-1256 page
    assert result.counts["mehr"]["records"] == 3  # the good source is untouched by the others' failures
    assert result.counts["broken"]["feed:malformed_xml"] == 1 and result.counts["broken"]["records"] >= 1
    assert {r.reason for r in result.rejects} == {reasons.TOO_LARGE, reasons.EMPTY_BODY}

    legacy = next(r for r in result.records if r.url == site.url("/p/legacy"))
    assert legacy.published == "28 مهر 1405 - 15:55" and sum(p.count(ZWNJ) for p in legacy.paragraphs) >= 8
    assert legacy.agency is None or legacy.agency == "مشکل\u200cدار"


def test_transient_failures_are_retried_next_run_and_nothing_else(
    site: Site, make_fetcher, tmp_path: Path
) -> None:
    _add_trouble(site)
    config = _config(
        _source("trouble", site, feeds=(site.url("/feeds/trouble.xml"),)), timeout_seconds=0.5, max_retries=0
    )
    state = MemoryFeedState()
    fetcher = make_fetcher(config.http)
    scrape(config, state=state, archive_dir=tmp_path, now=NOW, client=fetcher)
    # A timeout happened: the feed's validators are not kept, so next run reads the feed again.
    assert state.get(site.url("/feeds/trouble.xml")).etag is None
    before = len(site.requests())
    second = scrape(config, state=state, archive_dir=tmp_path, now=NOW, client=fetcher)
    paths = [r.path for r in site.requests()[before:]]
    assert "/feeds/trouble.xml" in paths and "/p/slow" in paths
    assert "/p/limited" in paths  # 429 to the end (no retries here): transient too
    for done in ("/p/huge", "/p/legacy", "/p/empty", "/p/jump", "/p/missing"):  # handled for good
        assert done not in paths
    # The 429 page answers this time: the retried item becomes the run's only record.
    assert [r.url for r in second.records] == [site.url("/p/limited")]


def test_sitemaps_are_walked_and_unchanged_children_skipped(
    server: HTTPServer, make_fetcher, tmp_path: Path
) -> None:
    site = Site(server, etags=False)
    index = f"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{site.url("/sm/news.xml")}</loc><lastmod>2026-10-19T19:30:10+00:00</lastmod></sitemap>
<sitemap><loc>{site.url("/sm/old.xml")}</loc><lastmod>2020-01-01</lastmod></sitemap></sitemapindex>"""
    news = f"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>{site.url("/zoomit/cryptocurrency/469409-x/")}</loc><news:news><news:publication_date>2026-10-19T22:40:00+03:30</news:publication_date><news:title>ارزش صندوق\u200cها</news:title></news:news></url>
</urlset>"""
    old = f"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>{site.url("/archive/1")}</loc><lastmod>2020-01-01</lastmod></url></urlset>"""
    xml = {"Content-Type": "application/xml"}
    site.routes["/sm/index.xml"] = (200, xml, index.encode())
    site.routes["/sm/news.xml"] = (200, xml, news.encode())
    site.routes["/sm/old.xml"] = (200, xml, old.encode())
    site.routes["/zoomit/cryptocurrency/469409-x/"] = (
        200,
        {"Content-Type": "text/html; charset=utf-8"},
        (PAGES / "zoomit_469409.html").read_bytes(),
    )
    config = _config(_source("zoomit", site, feeds=(), sitemaps=(site.url("/sm/index.xml"),)))
    state = MemoryFeedState()
    first = scrape(config, state=state, archive_dir=tmp_path, now=NOW, client=make_fetcher())
    assert [r.title for r in first.records] == ["ارزش صندوق\u200cها"]
    assert first.records[0].published == "2026-10-19T22:40:00+03:30"
    assert first.counts["zoomit"]["sitemap_too_old"] == 1
    assert not site.requests("/archive/1")

    second = scrape(config, state=state, archive_dir=tmp_path, now=NOW, client=make_fetcher())
    assert second.records == []
    assert len(site.requests("/sm/index.xml")) == 2
    assert len(site.requests("/sm/news.xml")) == 1  # lastmod not after our last read: skipped
    assert second.counts["zoomit"]["sitemap_unchanged"] == 2


def test_feed_only_mode_uses_content_encoded(site: Site, make_fetcher, tmp_path: Path) -> None:
    config = _config(_source("zoomit", site, fetch_pages=False))
    result = scrape(config, state=MemoryFeedState(), archive_dir=tmp_path, client=make_fetcher())
    assert len(result.records) == 3
    assert all(r.paragraphs for r in result.records)
    assert not [
        r
        for r in site.requests()
        if "/cryptocurrency/" in r.path or ("/zoomit/" in r.path and r.path != FEEDS["zoomit"])
    ]
    feed_ref = result.records[0].raw_ref
    assert feed_ref and read_response(tmp_path, feed_ref).url == site.url(FEEDS["zoomit"])


def test_duckdb_state_carries_over_between_processes(site: Site, make_fetcher, tmp_path: Path) -> None:
    config = _config(*(_source(n, site) for n in FEEDS))  # three sources: three threads share the connection
    db = tmp_path / "news.duckdb"
    with duckdb.connect(str(db)) as conn:
        first = scrape(
            config, state=DuckDBFeedState(conn), archive_dir=tmp_path / "raw", client=make_fetcher()
        )
    with duckdb.connect(str(db)) as conn:
        second = scrape(
            config, state=DuckDBFeedState(conn), archive_dir=tmp_path / "raw", client=make_fetcher()
        )
        seen = conn.execute("SELECT count(*) FROM seen_urls").fetchone()[0]
    assert len(first.records) == 9 and second.records == []
    assert [o.status for o in second.outcomes] == [outcomes.NOT_MODIFIED] * 3
    # One seen-key per item: Tabnak items have no <guid>, and Mehr's and Zoomit's guids are their links.
    keys = {r.source_id for r in first.records}
    assert len(keys) == 9 and seen == 9


class _ExplodingState(MemoryFeedState):
    def get(self, feed_url: str):  # type: ignore[override]
        if "tabnak" in feed_url:
            raise RuntimeError("disk on fire")
        return super().get(feed_url)


def test_a_crashing_source_does_not_stop_the_others(site: Site, make_fetcher, tmp_path: Path) -> None:
    config = _config(_source("tabnak", site), _source("mehr", site))
    result = scrape(config, state=_ExplodingState(), archive_dir=tmp_path, client=make_fetcher())
    assert result.counts["mehr"]["records"] == 3
    crash = next(o for o in result.outcomes if o.source == "tabnak")
    assert crash.status == ERROR and "disk on fire" in crash.reason


def test_a_sitemap_item_that_timed_out_is_retried_next_run(
    server: HTTPServer, make_fetcher, tmp_path: Path
) -> None:
    site = Site(server, etags=True)
    index = f"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{site.url("/sm/news.xml")}</loc><lastmod>2026-10-19T19:30:10+00:00</lastmod></sitemap></sitemapindex>"""
    news = f"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>{site.url("/late/1")}</loc><lastmod>2026-10-19T19:00:00Z</lastmod></url></urlset>"""
    xml = {"Content-Type": "application/xml"}
    site.routes["/sm/index.xml"] = (200, xml, index.encode())
    site.routes["/sm/news.xml"] = (200, xml, news.encode())
    calls = {"n": 0}

    def late(request: Request) -> Response:
        calls["n"] += 1
        if calls["n"] == 1:
            time.sleep(1.5)
        return Response((PAGES / "mehr_6983317.html").read_bytes(), content_type="text/html; charset=utf-8")

    site.handlers["/late/1"] = late
    config = _config(
        _source("mehr", site, feeds=(), sitemaps=(site.url("/sm/index.xml"),)),
        timeout_seconds=0.5,
        max_retries=0,
    )
    state = MemoryFeedState()
    fetcher = make_fetcher(config.http)
    first = scrape(config, state=state, archive_dir=tmp_path, now=NOW, client=fetcher)
    assert first.records == [] and first.counts["mehr"]["page:timeout"] == 1
    second = scrape(config, state=state, archive_dir=tmp_path, now=NOW, client=fetcher)
    assert [r.url for r in second.records] == [site.url("/late/1")]
    assert len(site.requests("/sm/news.xml")) == 2  # read again although its lastmod did not change
    # Third run: everything handled, the index answers 304 and nothing else is requested.
    before = len(site.requests())
    third = scrape(config, state=state, archive_dir=tmp_path, now=NOW, client=fetcher)
    assert third.records == [] and [r.path for r in site.requests()[before:]] == ["/sm/index.xml"]
