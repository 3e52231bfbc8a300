"""robots.txt: RFC 9309 matching, the group for our agent, and what an unreachable robots.txt means."""

from __future__ import annotations

import pytest

from akhbar.scrape import outcomes
from akhbar.scrape.http import FetchResult
from akhbar.scrape.robots import RobotsCache, parse_robots

ROBOTS = """
# comments are ignored
User-agent: *
Disallow: /search
Disallow: /fa/print/
Allow: /fa/print/public$
Crawl-delay: 3

User-agent: akhbar
User-agent: otherbot
Disallow: /private/
Allow: /private/open
Disallow: /*.pdf$
Disallow: /tag/خبر

Sitemap: https://x.ir/sitemap.xml
"""


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/news/1", True),
        ("/private/a", False),
        ("/private/open/b", True),  # longer Allow wins over shorter Disallow
        ("/files/report.pdf", False),
        ("/files/report.pdf?x=1", True),  # $ anchors the end
        ("/search?q=x", True),  # the * group does not apply: we have our own group
        ("/tag/خبر/1", False),  # raw Persian path matches the rule ...
        ("/tag/%D8%AE%D8%A8%D8%B1/1", False),  # ... and so does its percent-encoded spelling
    ],
)
def test_our_group_is_used_with_longest_match(path: str, allowed: bool) -> None:
    rules = parse_robots(ROBOTS, "akhbar")
    assert rules.allowed("https://x.ir" + path) is allowed
    assert rules.sitemaps == ["https://x.ir/sitemap.xml"]


def test_star_group_applies_to_other_agents() -> None:
    rules = parse_robots(ROBOTS, "somebot")
    assert not rules.allowed("https://x.ir/search?q=1")
    assert not rules.allowed("https://x.ir/fa/print/1")
    assert rules.allowed("https://x.ir/fa/print/public")
    assert rules.allowed("https://x.ir/private/a")
    assert rules.crawl_delay == 3.0


def test_empty_disallow_allows_everything() -> None:
    rules = parse_robots("User-agent: *\nDisallow:\n", "akhbar")
    assert rules.allowed("https://x.ir/anything")


def _fake_fetch(status: str, http_status: int | None, body: bytes = b""):
    calls: list[str] = []

    def fetch(url: str) -> FetchResult:
        calls.append(url)
        return FetchResult(url, url, status, http_status=http_status, body=body)

    return fetch, calls


def test_cache_fetches_robots_once_per_origin() -> None:
    fetch, calls = _fake_fetch(outcomes.OK, 200, b"User-agent: *\nDisallow: /no\n")
    cache = RobotsCache(fetch, "akhbar")
    assert cache.check("http://127.0.0.1:1/yes")[0]
    assert not cache.check("http://127.0.0.1:1/no/x")[0]
    assert cache.check("http://127.0.0.1:2/no/x")[0] is False
    assert calls == ["http://127.0.0.1:1/robots.txt", "http://127.0.0.1:2/robots.txt"]


def test_missing_robots_means_no_restrictions() -> None:
    fetch, _ = _fake_fetch(outcomes.HTTP_ERROR, 404)
    assert RobotsCache(fetch, "akhbar").check("http://127.0.0.1:1/a")[0]


@pytest.mark.parametrize(("status", "code"), [(outcomes.HTTP_ERROR, 503), (outcomes.TIMEOUT, None)])
def test_unreachable_robots_means_disallow_all(status: str, code: int | None) -> None:
    fetch, _ = _fake_fetch(status, code)
    ok, reason = RobotsCache(fetch, "akhbar").check("http://127.0.0.1:1/a")
    assert not ok and "unreachable" in reason


def test_cached_robots_expire_after_a_day() -> None:
    fetch, calls = _fake_fetch(outcomes.OK, 200, b"User-agent: *\nDisallow: /no\n")
    now = {"t": 0.0}
    cache = RobotsCache(fetch, "akhbar", clock=lambda: now["t"])
    cache.check("http://127.0.0.1:1/a")
    now["t"] = 23 * 3600.0
    cache.check("http://127.0.0.1:1/b")
    assert len(calls) == 1
    now["t"] = 25 * 3600.0
    cache.check("http://127.0.0.1:1/c")
    assert len(calls) == 2
