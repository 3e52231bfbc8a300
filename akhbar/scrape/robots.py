"""robots.txt (RFC 9309): parse, match (longest rule wins, `*` and `$` wildcards), cache per origin."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from akhbar.scrape import outcomes
from akhbar.scrape.urls import origin_of

ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309: parse at least the first 500 KiB
ROBOTS_TTL_SECONDS = 24 * 3600  # RFC 9309: do not use a cached robots.txt for more than 24 hours

_PATH_SAFE = "/:@!$&'()*+,;=-._~?"


@dataclass(slots=True)
class RobotsRules:
    """The rules of the group that applies to our user agent."""

    rules: list[tuple[bool, str]] = field(default_factory=list)  # (allow, pattern)
    crawl_delay: float | None = None
    sitemaps: list[str] = field(default_factory=list)
    allow_all: bool = False
    disallow_all: bool = False
    note: str = ""

    def allowed(self, url: str) -> bool:
        """Return True when the URL's path (and query) may be fetched."""
        if self.disallow_all:
            return False
        if self.allow_all:
            return True
        parts = urlsplit(url)
        target = _canon(parts.path or "/") + (("?" + _canon(parts.query)) if parts.query else "")
        best_len, best_allow = -1, True
        for allow, pattern in self.rules:
            if not pattern:  # "Disallow:" with nothing means allow everything
                continue
            if _pattern_regex(pattern).match(target):
                length = len(pattern)
                # Longest match wins; on a tie the least restrictive (allow) wins.
                if length > best_len or (length == best_len and allow):
                    best_len, best_allow = length, allow
        return best_allow


def parse_robots(text: str, agent: str) -> RobotsRules:
    """Parse robots.txt and keep the group for `agent` (product token), else the `*` group.

    >>> r = parse_robots("User-agent: *\\nDisallow: /private/\\nAllow: /private/ok", "akhbar")
    >>> r.allowed("https://x.ir/private/a"), r.allowed("https://x.ir/private/ok"), r.allowed("https://x.ir/news")
    (False, True, True)
    """
    agent = agent.lower()
    groups: list[tuple[list[str], list[tuple[bool, str]], list[float]]] = []
    sitemaps: list[str] = []
    current: tuple[list[str], list[tuple[bool, str]], list[float]] | None = None
    last_was_agent = False
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        key, value = (s.strip() for s in line.split(":", 1))
        key = key.lower()
        if key == "user-agent":
            if current is None or not last_was_agent:
                current = ([], [], [])
                groups.append(current)
            current[0].append(value.lower())
            last_was_agent = True
            continue
        if key == "sitemap":
            sitemaps.append(value)
            continue
        last_was_agent = False
        if current is None:
            continue
        if key in ("allow", "disallow"):
            current[1].append((key == "allow", value))
        elif key == "crawl-delay":
            try:
                current[2].append(float(value))
            except ValueError:
                pass
    mine = [g for g in groups if any(a.split("/", 1)[0].strip() == agent for a in g[0])]
    chosen = mine or [g for g in groups if "*" in g[0]]
    rules = [r for g in chosen for r in g[1]]
    delays = [d for g in chosen for d in g[2]]
    return RobotsRules(rules=rules, crawl_delay=max(delays) if delays else None, sitemaps=sitemaps)


class RobotsCache:
    """Fetch robots.txt once per origin and answer allowed/crawl-delay questions; thread-safe."""

    def __init__(
        self, fetch: Callable[[str], Any], agent: str, clock: Callable[[], float] = time.monotonic
    ) -> None:
        # fetch(url) returns a FetchResult; it must not consult robots itself.
        self._fetch = fetch
        self.agent = agent
        self.clock = clock
        self._rules: dict[str, tuple[float, RobotsRules]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self.fetched: list[str] = []

    def rules_for(self, url: str) -> RobotsRules:
        """Return the rules of the URL's origin, fetching robots.txt the first time."""
        origin = origin_of(url)
        with self._lock:
            lock = self._locks.setdefault(origin, threading.Lock())
        with lock:
            cached = self._rules.get(origin)
            if cached is None or self.clock() - cached[0] > ROBOTS_TTL_SECONDS:
                cached = (self.clock(), self._load(origin + "/robots.txt"))
                self._rules[origin] = cached
            return cached[1]

    def check(self, url: str) -> tuple[bool, str]:
        """Return (allowed, reason) for fetching a URL."""
        rules = self.rules_for(url)
        if rules.allowed(url):
            return True, ""
        return False, rules.note or "disallowed by robots.txt"

    def _load(self, robots_url: str) -> RobotsRules:
        self.fetched.append(robots_url)
        result = self._fetch(robots_url)
        if result.status == outcomes.OK:
            text = result.body.decode("utf-8", errors="replace")
            return parse_robots(text, self.agent)
        code = result.http_status
        if code is not None and 400 <= code < 500:
            # RFC 9309 2.3.1.3: an unavailable robots.txt (4xx) means no restrictions.
            return RobotsRules(allow_all=True, note=f"robots.txt {code}: no restrictions")
        # 5xx, timeout, network error, oversized: the site is unreachable, assume complete disallow.
        reason = (
            f"robots.txt unreachable ({result.status}{f' {code}' if code else ''}): treated as disallow all"
        )
        return RobotsRules(disallow_all=True, note=reason)


def _canon(text: str) -> str:
    return quote(unquote(text), safe=_PATH_SAFE)


_REGEX_CACHE: dict[str, re.Pattern[str]] = {}


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    regex = _REGEX_CACHE.get(pattern)
    if regex is None:
        anchored = pattern.endswith("$")
        body = _canon(pattern[:-1] if anchored else pattern)
        regex = re.compile(".*".join(re.escape(p) for p in body.split("*")) + ("$" if anchored else ""))
        _REGEX_CACHE[pattern] = regex
    return regex
