"""The Prefect flow `scrape-news` and `akhbar scrape` against a local news site on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.conftest import REPO
from tests.scrape.local_site import NewsSite, config_toml

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("prefect_harness")]


@pytest.fixture(scope="module")
def _server() -> Iterator[HTTPServer]:
    srv = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    srv.start()
    yield srv
    srv.clear()
    srv.stop()


@pytest.fixture
def site(_server: HTTPServer) -> Iterator[NewsSite]:
    yield NewsSite(_server, ["mehr", "tabnak", "zoomit"])
    _server.clear()


def _runs(warehouse: Path) -> list[tuple]:
    con = duckdb.connect(str(warehouse / "news.duckdb"), read_only=True)
    try:
        return con.execute(
            "SELECT flow, status, inputs, articles_new, records_read FROM runs ORDER BY started_at"
        ).fetchall()
    finally:
        con.close()


def test_flow_retries_an_unreachable_source_and_loads_the_others(site: NewsSite, tmp_path: Path) -> None:
    from flows.scrape import ScrapeParams, scrape_news

    def down(request: Request) -> Response:
        return Response("maintenance", status=503)

    site.handlers["/down/rss"] = down
    sources = site.toml(tmp_path / "sources.toml", ["mehr", "tabnak", "zoomit"], {"down": site.url("/down/rss")})
    wh = tmp_path / "wh"
    params = ScrapeParams(
        config=str(sources), allow_hosts=["127.0.0.1"], warehouse=str(wh), workers=1, retries=1, retry_delay_seconds=0
    )
    first = scrape_news(params)
    assert first["articles_new"] == 9 and first["status"] == "partial"
    assert first["sources_unreachable"] == first["sources_with_failures"] == ["down"]
    assert {n: c["records"] for n, c in first["sources"].items()} == {"mehr": 3, "tabnak": 3, "zoomit": 3, "down": 0}
    # Two task attempts (one Prefect retry), each with one HTTP retry of the 503.
    assert sum(1 for r in site.arrived if r.path == "/down/rss") == 4
    assert (wh / "raw").is_dir() and any((wh / "raw").glob("*.warc.gz"))

    before = len(site.arrived)
    second = scrape_news(params.model_copy(update={"sources": ["mehr", "tabnak", "zoomit"]}))
    sent = [r for r in site.requests(before) if r.path != "/robots.txt"]
    assert sorted(r.path for r in sent) == ["/mehr/rss", "/tabnak/rss", "/zoomit/rss"]
    assert all(r.headers.get("If-None-Match") for r in sent)
    assert second["articles_new"] == 0 and second["status"] == "ok"
    assert _runs(wh) == [
        ("scrape-news", "partial", ["mehr", "tabnak", "zoomit", "down"], 9, 9),
        ("scrape-news", "ok", ["mehr", "tabnak", "zoomit"], 0, 0),
    ]


def _akhbar(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    from prefect.settings import PREFECT_API_URL

    # The subprocess talks to the session's test server instead of starting its own (saves ~20 s).
    e = {**os.environ, "PREFECT_LOGGING_LEVEL": "WARNING", "PREFECT_API_URL": str(PREFECT_API_URL.value()), **(env or {})}
    # What the installed `akhbar` command runs (its entry point is akhbar.cli:main).
    command = [sys.executable, "-c", "from akhbar.cli import main; main()", "scrape", *args]
    return subprocess.run(command, cwd=REPO, env=e, capture_output=True, text=True, timeout=300)


def test_cli_scrape_feed_urls_on_localhost(site: NewsSite, tmp_path: Path) -> None:
    site.handlers["/down/rss"] = lambda request: Response("maintenance", status=503)
    wh = tmp_path / "wh"
    local = config_toml(tmp_path / "local.toml")  # the 127.0.0.1 source: no wait between requests
    feeds = [site.feed_url("mehr"), site.feed_url("zoomit"), site.url("/down/rss")]
    args = [a for url in feeds for a in ("--feed", url)]
    r = _akhbar(*args, "--allow-host", "127.0.0.1", "--config", str(local), env={"AKHBAR_WAREHOUSE": str(wh)})
    # Two feeds answered, one did not: the articles load, the run is partial (exit code 3).
    assert r.returncode == 3, r.stdout + r.stderr
    row = next(x for x in r.stdout.splitlines() if x.strip("│ ").startswith("local")).split("│")
    assert [c.strip() for c in row[2:6]] == ["6", "6", "6", "0"]  # items, pages, records, rejects
    assert "feed:http_error 1" in row[8]
    assert "articles new" in r.stdout and "HTTP requests" in r.stdout
    assert _runs(wh) == [("scrape-news", "partial", ["local"], 6, 6)]

