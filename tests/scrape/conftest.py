"""Fixtures of the scrape tests: threaded HTTP servers on 127.0.0.1 and a fast, DNS-free Fetcher.

Nothing here resolves a host name: `no_dns` maps only the names a test gives it, and every server
listens on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from pytest_httpserver import HTTPServer

from akhbar.scrape.config import HttpSettings
from akhbar.scrape.http import Fetcher
from tests.scrape.helpers_scrape import LOCAL, Sleeps, fast_settings, no_dns


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def make_fetcher(sleeps: Sleeps) -> Iterator[Callable[..., Fetcher]]:
    made: list[Fetcher] = []

    def make(settings: HttpSettings | None = None, **kwargs: object) -> Fetcher:
        kwargs.setdefault("allow_hosts", LOCAL)
        kwargs.setdefault("resolver", no_dns())
        kwargs.setdefault("sleep", sleeps)
        fetcher = Fetcher(settings or fast_settings(), **kwargs)  # type: ignore[arg-type]
        made.append(fetcher)
        return fetcher

    yield make
    for fetcher in made:
        fetcher.close()


def _start() -> HTTPServer:
    srv = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    srv.start()
    return srv


@pytest.fixture(scope="session")
def _servers() -> Iterator[list[HTTPServer]]:
    # Started once: stopping a werkzeug server takes half a second.
    servers = [_start(), _start()]
    yield servers
    for srv in servers:
        srv.clear()
        if srv.is_running():
            srv.stop()


@pytest.fixture
def server(_servers: list[HTTPServer]) -> Iterator[HTTPServer]:
    """A threaded server on 127.0.0.1 (a slow handler must not block the other requests), cleared after each test."""
    yield _servers[0]
    _servers[0].clear()


@pytest.fixture
def second_server(_servers: list[HTTPServer]) -> Iterator[HTTPServer]:
    """Another origin (its own robots.txt), on 127.0.0.1 too."""
    yield _servers[1]
    _servers[1].clear()
