"""Helpers of the scrape tests: fixture paths, a DNS-free resolver, fast settings, local feeds."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from pytest_httpserver import HTTPServer

from akhbar.scrape.config import HttpSettings
from akhbar.scrape.guard import parse_ip

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
RSS = FIXTURES / "rss"
PAGES = FIXTURES / "pages"
LOCAL = {"127.0.0.1"}


class Sleeps:
    """A sleep that records what it was asked to wait and returns at once."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def no_dns(mapping: dict[str, str] | None = None) -> Callable[[str, int], list[str]]:
    """Return a resolver that knows only IP literals and the given names (never asks DNS)."""
    mapping = mapping or {}

    def resolve(host: str, port: int) -> list[str]:
        if parse_ip(host) is not None:
            return [host.strip("[]")]
        if host in mapping:
            return [mapping[host]]
        raise OSError(f"test resolver: unknown host {host!r} (tests never use DNS)")

    return resolve


def fast_settings(**overrides: object) -> HttpSettings:
    """HttpSettings with short timeouts and waits, for tests."""
    values: dict[str, object] = {
        "timeout_seconds": 2.0,
        "total_timeout_seconds": 5.0,
        "max_bytes": 200_000,
        "max_retries": 1,
        "backoff_seconds": 0.01,
        "max_retry_wait_seconds": 0.05,
        "max_redirects": 3,
    }
    values.update(overrides)
    return HttpSettings(**values)  # type: ignore[arg-type]


def local_feed(name: str, base: str) -> bytes:
    """Return a captured feed with its site's links rewritten to `base` (e.g. http://127.0.0.1:PORT/mehr)."""
    text = (RSS / f"{name}.xml").read_text(encoding="utf-8")
    site = re.search(r"<link>\s*(https?://[^<\s]+)", text) or re.search(
        r'atom:link href="(https?://[^"]+)', text
    )
    items = re.findall(r"<item>.*?<link>\s*(https?://[^/<]+)", text, flags=re.S)
    hosts = {h for h in items} | ({re.match(r"https?://[^/]+", site.group(1)).group(0)} if site else set())
    for host in sorted(hosts, key=len, reverse=True):
        text = text.replace(host, base.rstrip("/"))
    return text.encode("utf-8")


def requests_to(srv: HTTPServer, path: str) -> int:
    """Count the requests the server received for a path."""
    return sum(1 for request, _ in srv.log if request.path == path)
