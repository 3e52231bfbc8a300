"""The Fetcher against a local server: politeness, retries, limits and the guard, each a reasoned outcome."""

from __future__ import annotations

import gzip
import time

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from akhbar.scrape import outcomes
from akhbar.scrape.http import HostLimiter
from tests.scrape.helpers_scrape import fast_settings, no_dns, requests_to


def _robots_allow_all(srv: HTTPServer) -> None:
    srv.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow:\n", content_type="text/plain"
    )


def test_user_agent_and_robots_fetched_once(server: HTTPServer, make_fetcher) -> None:
    _robots_allow_all(server)
    server.expect_request("/a").respond_with_data("a")
    server.expect_request("/b").respond_with_data("b")
    fetcher = make_fetcher()
    assert fetcher.fetch(server.url_for("/a")).status == outcomes.OK
    res = fetcher.fetch(server.url_for("/b"))
    assert res.status == outcomes.OK and res.body == b"b" and res.http_status == 200
    assert requests_to(server, "/robots.txt") == 1
    user_agents = {request.headers.get("User-Agent") for request, _ in server.log}
    assert user_agents == {"akhbar/0.1 (+https://github.com/akhbar)"}


def test_robots_deny_is_an_outcome_and_the_page_is_never_requested(server: HTTPServer, make_fetcher) -> None:
    server.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /private/\n")
    server.expect_request("/private/page").respond_with_data("secret")
    res = make_fetcher().fetch(server.url_for("/private/page"))
    assert res.status == outcomes.ROBOTS_DENIED and "robots" in res.reason
    assert requests_to(server, "/private/page") == 0


def test_robots_5xx_disallows_the_whole_site(server: HTTPServer, make_fetcher) -> None:
    server.expect_request("/robots.txt").respond_with_data("down", status=503)
    server.expect_request("/news").respond_with_data("x")
    res = make_fetcher(fast_settings(max_retries=0)).fetch(server.url_for("/news"))
    assert res.status == outcomes.ROBOTS_DENIED and "unreachable" in res.reason
    assert requests_to(server, "/news") == 0


def test_conditional_get_gives_not_modified(server: HTTPServer, make_fetcher) -> None:
    _robots_allow_all(server)

    def feed(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response("<rss/>", headers={"ETag": '"v1"', "Last-Modified": "Mon, 19 Oct 2026 19:32:38 GMT"})

    server.expect_request("/rss").respond_with_handler(feed)
    fetcher = make_fetcher()
    first = fetcher.fetch(server.url_for("/rss"))
    assert first.status == outcomes.OK and first.headers["etag"] == '"v1"'
    second = fetcher.fetch(server.url_for("/rss"), etag='"v1"', last_modified=first.headers["last-modified"])
    assert second.status == outcomes.NOT_MODIFIED and second.body == b"" and second.http_status == 304


def test_429_with_retry_after_is_waited_out_then_fetched(server: HTTPServer, make_fetcher, sleeps) -> None:
    _robots_allow_all(server)
    calls = {"n": 0}

    def limited(request: Request) -> Response:
        calls["n"] += 1
        if calls["n"] == 1:
            return Response("slow down", status=429, headers={"Retry-After": "30"})
        return Response("ok")

    server.expect_request("/p").respond_with_handler(limited)
    res = make_fetcher(fast_settings(max_retry_wait_seconds=0.05)).fetch(server.url_for("/p"))
    assert res.status == outcomes.RATE_LIMITED_RETRIED and res.body == b"ok" and res.attempts == 2
    assert sleeps.calls == [0.05]  # Retry-After: 30 asked for, capped by max_retry_wait_seconds


def test_429_every_time_ends_rate_limited(server: HTTPServer, make_fetcher) -> None:
    _robots_allow_all(server)
    server.expect_request("/p").respond_with_data("no", status=429, headers={"Retry-After": "1"})
    res = make_fetcher(fast_settings(max_retries=2)).fetch(server.url_for("/p"))
    assert res.status == outcomes.RATE_LIMITED and res.attempts == 3
    assert requests_to(server, "/p") == 3


def test_5xx_is_retried_with_backoff(server: HTTPServer, make_fetcher, sleeps) -> None:
    _robots_allow_all(server)
    calls = {"n": 0}

    def flaky(request: Request) -> Response:
        calls["n"] += 1
        return Response("err", status=503) if calls["n"] < 3 else Response("fine")

    server.expect_request("/p").respond_with_handler(flaky)
    res = make_fetcher(fast_settings(max_retries=2, backoff_seconds=0.01)).fetch(server.url_for("/p"))
    assert res.status == outcomes.OK and res.attempts == 3
    assert sleeps.calls == [0.01, 0.02]


def test_404_is_an_http_error_without_retry(server: HTTPServer, make_fetcher) -> None:
    _robots_allow_all(server)
    server.expect_request("/gone").respond_with_data("no", status=404)
    res = make_fetcher(fast_settings(max_retries=2)).fetch(server.url_for("/gone"))
    assert res.status == outcomes.HTTP_ERROR and res.http_status == 404 and res.attempts == 1


def test_timeout(server: HTTPServer, make_fetcher) -> None:
    _robots_allow_all(server)

    def slow(request: Request) -> Response:
        time.sleep(1.0)
        return Response("late")

    server.expect_request("/slow").respond_with_handler(slow)
    res = make_fetcher(fast_settings(timeout_seconds=0.2, max_retries=0)).fetch(server.url_for("/slow"))
    # The server answers after 1 s: anything but TIMEOUT would mean the client waited for it.
    assert res.status == outcomes.TIMEOUT and "Timeout" in res.reason and res.body == b""


def test_oversized_body_declared_in_content_length(server: HTTPServer, make_fetcher) -> None:
    _robots_allow_all(server)
    server.expect_request("/big").respond_with_data(b"x" * 5000)
    res = make_fetcher(fast_settings(max_bytes=1000)).fetch(server.url_for("/big"))
    assert res.status == outcomes.TOO_LARGE and "Content-Length 5000" in res.reason and res.body == b""


def test_oversized_streamed_body_is_cut_off(server: HTTPServer, make_fetcher) -> None:
    _robots_allow_all(server)
    sent = {"chunks": 0}

    def endless(request: Request) -> Response:
        def chunks():
            for _ in range(1000):  # bounded: 1000 x 1 KiB at most
                sent["chunks"] += 1
                yield b"y" * 1024

        return Response(chunks(), content_type="text/html")  # no Content-Length: chunked

    server.expect_request("/stream").respond_with_handler(endless)
    res = make_fetcher(fast_settings(max_bytes=10_000)).fetch(server.url_for("/stream"))
    assert res.status == outcomes.TOO_LARGE and "download stopped" in res.reason


def test_gzip_bomb_is_capped_on_decoded_size(server: HTTPServer, make_fetcher) -> None:
    _robots_allow_all(server)
    bomb = gzip.compress(b"\0" * 2_000_000)
    server.expect_request("/bomb").respond_with_data(bomb, headers={"Content-Encoding": "gzip"})
    res = make_fetcher(fast_settings(max_bytes=100_000)).fetch(server.url_for("/bomb"))
    assert len(bomb) < 100_000
    assert res.status == outcomes.TOO_LARGE


def test_redirect_to_a_loopback_address_not_allowed_is_blocked(server: HTTPServer, make_fetcher) -> None:
    _robots_allow_all(server)
    port = server.port
    server.expect_request("/jump").respond_with_data(
        "", status=302, headers={"Location": f"http://127.0.0.2:{port}/inside"}
    )
    res = make_fetcher().fetch(server.url_for("/jump"))
    assert res.status == outcomes.BLOCKED_ADDRESS and "127.0.0.2" in res.reason
    assert res.final_url == f"http://127.0.0.2:{port}/inside"


def test_redirect_to_another_scheme_is_refused(server: HTTPServer, make_fetcher) -> None:
    _robots_allow_all(server)
    server.expect_request("/jump").respond_with_data(
        "", status=301, headers={"Location": "file:///etc/passwd"}
    )
    res = make_fetcher().fetch(server.url_for("/jump"))
    assert res.status == outcomes.BAD_URL and "scheme" in res.reason


def test_redirects_are_followed_and_counted(server: HTTPServer, make_fetcher) -> None:
    _robots_allow_all(server)
    server.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/new"})
    server.expect_request("/new").respond_with_data("moved here")
    server.expect_request("/loop").respond_with_data("", status=302, headers={"Location": "/loop"})
    fetcher = make_fetcher()
    res = fetcher.fetch(server.url_for("/old"))
    assert res.status == outcomes.OK and res.body == b"moved here" and res.final_url == server.url_for("/new")
    loop = fetcher.fetch(server.url_for("/loop"))
    assert loop.status == outcomes.TOO_MANY_REDIRECTS
    assert requests_to(server, "/loop") == 4  # max_redirects=3: the first request and three hops


def test_redirect_target_is_checked_against_robots(server: HTTPServer, make_fetcher) -> None:
    server.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /private/\n")
    server.expect_request("/open").respond_with_data("", status=302, headers={"Location": "/private/x"})
    res = make_fetcher().fetch(server.url_for("/open"))
    assert res.status == outcomes.ROBOTS_DENIED and requests_to(server, "/private/x") == 0


def test_host_names_go_through_the_injected_resolver(server: HTTPServer, make_fetcher) -> None:
    _robots_allow_all(server)
    server.expect_request("/rss").respond_with_data("mapped")
    fetcher = make_fetcher(resolver=no_dns({"agency.test": "127.0.0.1"}))
    res = fetcher.fetch(f"http://agency.test:{server.port}/rss")
    assert res.status == outcomes.OK and res.body == b"mapped"
    assert server.log[-1][0].headers["Host"] == f"agency.test:{server.port}"
    unknown = fetcher.fetch(f"http://unknown.test:{server.port}/rss")
    assert unknown.status == outcomes.CONNECTION_ERROR and "cannot resolve" in unknown.reason


def test_connection_refused_is_an_outcome(make_fetcher) -> None:
    # Port 9 on loopback: nothing listens there in the test environment.
    res = make_fetcher(fast_settings(max_retries=0)).fetch("http://127.0.0.1:9/feed", use_robots=False)
    assert res.status == outcomes.CONNECTION_ERROR


def test_min_interval_spaces_requests_per_host() -> None:
    now = {"t": 100.0}
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now["t"] += seconds

    limiter = HostLimiter(1, clock=lambda: now["t"], sleep=sleep)
    for _ in range(3):
        with limiter.slot("a.ir", 2.0):
            pass
    with limiter.slot("b.ir", 2.0):  # another host is not held back
        pass
    assert waits == [2.0, 2.0]


def test_crawl_delay_raises_the_interval(server: HTTPServer, make_fetcher) -> None:
    server.expect_request("/robots.txt").respond_with_data("User-agent: *\nCrawl-delay: 7\n")
    server.expect_request("/a").respond_with_data("a")
    now = {"t": 0.0}
    waits: list[float] = []

    def sleep(seconds: float) -> None:  # a fake clock: time moves only when we sleep
        waits.append(seconds)
        now["t"] += seconds

    fetcher = make_fetcher(fast_settings(max_crawl_delay_seconds=5.0), clock=lambda: now["t"], sleep=sleep)
    fetcher.fetch(server.url_for("/a"))
    fetcher.fetch(server.url_for("/a"))
    assert waits == [5.0]  # Crawl-delay 7 s asked for, capped at 5 s
