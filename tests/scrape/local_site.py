"""A local news site for the scrape → warehouse tests: the ten real RSS captures, their article pages.

Every feed of tests/fixtures/rss is served at /<name>/rss with its links rewritten to the local server;
items with a hand-written fixture page get it, the others a generated page that prints the item's date
(Tehran day, Jalali) the way Iranian sites do. Conditional GET is honoured with ETags. Only 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jdatetime
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from akhbar.scrape.config import ScrapeConfig, SourceConfig, load_config
from akhbar.scrape.feeds import parse_feed
from tests.scrape.helpers_scrape import PAGES, RSS, fast_settings, local_feed

ZWNJ = "\u200c"
TEHRAN = dt.timezone(dt.timedelta(hours=3, minutes=30))  # Iran has kept +03:30 all year since 2022
NAMES = sorted(p.stem for p in RSS.glob("*.xml"))
# Fixture pages by the news id in their URL, with the charset they are stored in.
FIXTURE_PAGES = {
    "/6983317/": ("mehr_6983317.html", "utf-8"),
    "/1399497/": ("tabnak_1399497.html", "utf-8"),
    "/469409-": ("zoomit_469409.html", "utf-8"),
    "/1200218/": ("asriran_1200218.cp1256.html", "windows-1256"),
}
_MONTHS = ["فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند"]


def parse_pubdate(value: str) -> dt.datetime:
    """Parse a feed date (RFC 822 or ISO 8601); a date without zone is Tehran time, as Iranian feeds mean it."""
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        when = dt.datetime.fromisoformat(value)
    return when if when.tzinfo else when.replace(tzinfo=TEHRAN)


def tehran_jalali(value: str) -> str:
    """Return the Jalali day (YYYY-MM-DD) of a feed date in Tehran."""
    day = parse_pubdate(value).astimezone(TEHRAN).date()
    return jdatetime.date.fromgregorian(date=day).strftime("%Y-%m-%d")


def _persian_digits(text: str) -> str:
    return text.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))


def printed_date(value: str) -> str:
    """Return the date line a Persian page prints for a feed date: '۲۸ مهر ۱۴۰۵ - ۰۰:۴۰'."""
    local = parse_pubdate(value).astimezone(TEHRAN)
    j = jdatetime.datetime.fromgregorian(datetime=local.replace(tzinfo=None))
    return _persian_digits(f"{j.day} {_MONTHS[j.month - 1]} {j.year} - {local:%H:%M}")


def generated_page(title: str, lead: str, published: str | None) -> bytes:
    """Return a plausible article page (menus, related links, footer) for an item without a fixture page."""
    extra = (
        "به گزارش خبرنگار ما، این موضوع در نشست روز گذشته نیز مطرح شد و کارشناسان درباره پیامدهای آن "
        "دیدگاه" + ZWNJ + "های متفاوتی ارائه کردند. مسئولان می" + ZWNJ + "گویند جزئیات بیشتر در روزهای آینده اعلام می"
        + ZWNJ + "شود."
    )
    date = f"<div class='news-date'>{printed_date(published)}</div>" if published else ""
    html = (
        f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>"
        "<nav><a href='/'>صفحه نخست</a><a href='/politics'>سیاسی</a><a href='/sport'>ورزشی</a></nav>"
        f"<article><h1>{title}</h1>{date}<p>{title}. {lead}</p><p>{extra}</p>"
        f"<p>{extra.replace('گذشته', 'پیش')}</p></article>"
        "<div class='related'><h3>اخبار مرتبط</h3><a href='/n/1'>خبر دیگر</a></div>"
        "<footer>کلیه حقوق محفوظ است</footer></body></html>"
    )
    return html.encode("utf-8")


class NewsSite:
    """The ten agencies' feeds and pages on one local server, with per-path handlers for failures."""

    def __init__(self, server: HTTPServer, names: list[str] | None = None) -> None:
        self.server = server
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.handlers: dict[str, Callable[[Request], Response]] = {}
        self.arrived: list[Request] = []
        self.items: dict[str, dict[str, str | None]] = {}  # article URL -> feed name, title, pubDate
        self.routes["/robots.txt"] = (200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /private/\n")
        for name in names or NAMES:
            self.add_feed(name, local_feed(name, self.url(f"/{name}")))
        server.expect_request(re.compile(".*")).respond_with_handler(self.handle)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.port}{path}"

    def feed_url(self, name: str) -> str:
        return self.url(f"/{name}/rss")

    def add_feed(self, name: str, body: bytes) -> None:
        """Serve a feed at /<name>/rss and a page for each of its items."""
        self.routes[f"/{name}/rss"] = (200, {"Content-Type": "application/rss+xml; charset=utf-8"}, body)
        for item in parse_feed(body, self.feed_url(name)).items:
            assert item.link
            self.items[item.link] = {"feed": name, "title": item.title, "published": item.published}
            fixture = next((v for k, v in FIXTURE_PAGES.items() if k in item.link), None)
            if fixture:
                page, charset = (PAGES / fixture[0]).read_bytes(), fixture[1]
            else:
                page, charset = generated_page(item.title or "", item.summary or "", item.published), "utf-8"
            html = {"Content-Type": f"text/html; charset={charset}"}
            self.routes[unquote(urlsplit(item.link).path)] = (200, html, page)

    def handle(self, request: Request) -> Response:
        self.arrived.append(request)
        if request.path in self.handlers:
            return self.handlers[request.path](request)
        if request.path not in self.routes:
            return Response("not found", status=404)
        status, headers, body = self.routes[request.path]
        headers = dict(headers)
        if request.path != "/robots.txt":
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            headers["ETag"] = etag
            if request.headers.get("If-None-Match") == etag:
                return Response(status=304, headers={"ETag": etag})
        return Response(body, status=status, headers=headers)

    def requests(self, since: int = 0) -> list[Request]:
        return self.arrived[since:]

    def config(self, names: list[str] | None = None, **http: object) -> ScrapeConfig:
        """The packaged sources (their agency labels) pointed at this site, with no politeness wait."""
        packaged = {s.name: s for s in load_config().sources}
        sources = []
        for name in names or NAMES:
            base = packaged.get(name) or SourceConfig(name=name)
            sources.append(
                SourceConfig(
                    name=name,
                    agency=base.agency,
                    feeds=(self.feed_url(name),),
                    allowed_domains=("127.0.0.1",),
                    min_interval_seconds=0.0,
                )
            )
        return ScrapeConfig(sources=tuple(sources), http=fast_settings(**http), workers=4)

    def toml(self, path: Path, names: list[str], extra: dict[str, str] | None = None) -> Path:
        """Write a sources file for the flow: `names` (packaged agency labels) plus `extra` name -> feed URL."""
        packaged = {s.name: s for s in load_config().sources}
        feeds = {**{n: self.feed_url(n) for n in names}, **(extra or {})}
        lines = [_FAST_HTTP]
        for name, url in feeds.items():
            agency = packaged[name].agency if name in packaged else None
            lines.append(
                f"[[sources]]\nname = {json.dumps(name)}\n"
                + (f"agency = {json.dumps(agency, ensure_ascii=False)}\n" if agency else "")
                + f'feeds = [{json.dumps(url)}]\nallowed_domains = ["127.0.0.1"]\nmin_interval_seconds = 0.0\n'
            )
        path.write_text("\n".join(lines), encoding="utf-8")
        return path


_FAST_HTTP = (
    "[http]\ntimeout_seconds = 2.0\ntotal_timeout_seconds = 5.0\nmax_retries = 1\nbackoff_seconds = 0.01\n"
    "max_retry_wait_seconds = 0.05\n\n[scrape]\nworkers = 4\n"
)


def config_toml(path: Path) -> Path:
    """Write a sources file that lets the CLI scrape 127.0.0.1 without waiting between requests."""
    path.write_text(
        _FAST_HTTP + '\n[[sources]]\nname = "local"\nallowed_domains = ["127.0.0.1"]\nmin_interval_seconds = 0.0\n',
        encoding="utf-8",
    )
    return path
