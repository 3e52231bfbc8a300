"""The HTTP client: address guard, robots.txt, per-host rate limit, retries, size cap, manual redirects.

Every request goes through `Fetcher.fetch`, which never raises for a network problem: it returns a
`FetchResult` whose `status` is one of `akhbar.scrape.outcomes`. The guard runs twice: before the request
(a clear `blocked_address` outcome) and inside the connection itself (`GuardedTransport`), so a host that
re-resolves to a private address between the check and the connect (DNS rebinding) is still refused.
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import httpcore
import httpx

from akhbar.scrape import outcomes
from akhbar.scrape.archive import RawArchive
from akhbar.scrape.config import HttpSettings
from akhbar.scrape.guard import (
    BlockedAddressError,
    Resolver,
    check_addresses,
    check_url,
    guard_url,
    system_resolver,
)
from akhbar.scrape.robots import ROBOTS_MAX_BYTES, RobotsCache
from akhbar.scrape.urls import host_of

RETRY_STATUSES = {429, 500, 502, 503, 504}
REDIRECT_STATUSES = {301, 302, 303, 307, 308}


@dataclass(slots=True)
class FetchResult:
    """The end of one fetch (after redirects and retries)."""

    url: str
    final_url: str
    status: str  # an outcomes constant
    reason: str = ""
    http_status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    attempts: int = 0
    raw_ref: str | None = None
    fetched_at: str = ""

    @property
    def ok(self) -> bool:
        return self.status in (outcomes.OK, outcomes.RATE_LIMITED_RETRIED)


class _GuardedBackend(httpcore.SyncBackend):
    """Resolve with our resolver, refuse non-public addresses, connect to the address we checked."""

    def __init__(self, resolver: Resolver, allow_hosts: Iterable[str]) -> None:
        self.resolver = resolver
        self.allow_hosts = frozenset(allow_hosts)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = self.resolver(host, port)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        ok, reason = check_addresses(host, addresses, self.allow_hosts)
        if not ok:
            raise BlockedAddressError(reason)
        error: Exception | None = None
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:  # try the next address of a multi-homed host
                error = exc
        assert error is not None
        raise error


class GuardedTransport(httpx.HTTPTransport):
    """httpx transport whose connections are opened only to addresses the guard accepts."""

    def __init__(self, resolver: Resolver = system_resolver, allow_hosts: Iterable[str] = ()) -> None:
        # trust_env=False: an HTTP(S)_PROXY from the environment would bypass the address guard.
        super().__init__(trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=20,
            max_keepalive_connections=10,
            keepalive_expiry=5.0,
            network_backend=_GuardedBackend(resolver, allow_hosts),
        )


class HostLimiter:
    """Space request starts per host by a minimum interval and cap concurrent requests per host."""

    def __init__(
        self,
        per_host: int = 1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.per_host = max(1, per_host)
        self.clock = clock
        self.sleep = sleep
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}
        self._sems: dict[str, threading.Semaphore] = {}
        self.waited: dict[str, float] = {}

    @contextmanager
    def slot(self, host: str, min_interval: float) -> Iterator[None]:
        """Hold one of the host's slots, after waiting until its next start time."""
        with self._lock:
            sem = self._sems.setdefault(host, threading.Semaphore(self.per_host))
        with sem:
            with self._lock:
                now = self.clock()
                start = max(now, self._next.get(host, now))
                # Reserve the start time under the lock, so two threads never take the same one.
                self._next[host] = start + max(0.0, min_interval)
            if start > now:
                self.waited[host] = self.waited.get(host, 0.0) + (start - now)
                self.sleep(start - now)
            yield


class Fetcher:
    """A polite, guarded HTTP GET client (thread-safe; share one per scrape)."""

    def __init__(
        self,
        settings: HttpSettings | None = None,
        *,
        allow_hosts: Iterable[str] = (),
        resolver: Resolver = system_resolver,
        archive: RawArchive | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.settings = settings or HttpSettings()
        self.allow_hosts = frozenset(allow_hosts)
        self.resolver = resolver
        self.archive = archive
        self.clock = clock
        self.sleep = sleep
        self.now = now or (lambda: datetime.now(UTC))
        self.limiter = HostLimiter(self.settings.per_host_concurrency, clock, sleep)
        self.robots = RobotsCache(self._fetch_robots, self.settings.robots_agent, clock)
        self.client = httpx.Client(
            transport=transport or GuardedTransport(resolver, self.allow_hosts),
            headers={"User-Agent": self.settings.user_agent, "Accept-Language": "fa,en;q=0.5"},
            timeout=httpx.Timeout(self.settings.timeout_seconds),
            follow_redirects=False,  # every hop goes back through the guard and robots.txt
            trust_env=False,
        )
        self.requests = 0  # HTTP requests actually sent (retries included)
        self._count_lock = threading.Lock()

    def close(self) -> None:
        """Close the connection pool."""
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fetch(
        self,
        url: str,
        *,
        min_interval: float = 0.0,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str | None = None,
        use_robots: bool = True,
        max_bytes: int | None = None,
    ) -> FetchResult:
        """GET a URL politely; never raise for network trouble (see FetchResult.status)."""
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        if accept:
            headers["Accept"] = accept
        current = url
        attempts = 0
        for _hop in range(self.settings.max_redirects + 1):
            ok, reason = check_url(current)
            if not ok:
                return FetchResult(url, current, outcomes.BAD_URL, reason, attempts=attempts)
            ok, reason = guard_url(current, self.allow_hosts, self.resolver)
            if not ok:
                status = (
                    outcomes.CONNECTION_ERROR
                    if reason.startswith("cannot resolve")
                    else outcomes.BLOCKED_ADDRESS
                )
                return FetchResult(url, current, status, reason, attempts=attempts)
            interval = min_interval
            if use_robots:
                allowed, why = self.robots.check(current)
                if not allowed:
                    return FetchResult(url, current, outcomes.ROBOTS_DENIED, why, attempts=attempts)
                delay = self.robots.rules_for(current).crawl_delay
                if delay:
                    interval = max(interval, min(delay, self.settings.max_crawl_delay_seconds))
            result = self._get_with_retries(
                url, current, headers, interval, max_bytes or self.settings.max_bytes
            )
            attempts += result.attempts
            result.attempts = attempts
            if result.http_status in REDIRECT_STATUSES and "location" in result.headers:
                current = urljoin(current, result.headers["location"].strip())
                continue
            if result.ok and self.archive is not None and result.body:
                result.raw_ref = self.archive.write(
                    result.final_url,
                    result.http_status or 200,
                    result.headers,
                    result.body,
                    result.fetched_at,
                )
            return result
        return FetchResult(
            url,
            current,
            outcomes.TOO_MANY_REDIRECTS,
            f"more than {self.settings.max_redirects} redirects",
            attempts=attempts,
        )

    def _fetch_robots(self, robots_url: str) -> FetchResult:
        return self.fetch(robots_url, use_robots=False, max_bytes=ROBOTS_MAX_BYTES, accept="text/plain")

    def _get_with_retries(
        self, url: str, current: str, headers: dict[str, str], interval: float, max_bytes: int
    ) -> FetchResult:
        host = host_of(current)
        saw_429 = False
        last: FetchResult | None = None
        for attempt in range(self.settings.max_retries + 1):
            with self.limiter.slot(host, interval):
                result, retry_after = self._get_once(url, current, headers, max_bytes)
            result.attempts = attempt + 1
            last = result
            retryable = result.http_status in RETRY_STATUSES or result.status in (
                outcomes.TIMEOUT,
                outcomes.CONNECTION_ERROR,
            )
            if result.http_status == 429:
                saw_429 = True
            if not retryable:
                break
            if attempt == self.settings.max_retries:
                break
            wait = retry_after if retry_after is not None else self.settings.backoff_seconds * (2**attempt)
            self.sleep(max(0.0, min(wait, self.settings.max_retry_wait_seconds)))
        assert last is not None
        if last.http_status == 429:
            last.status = outcomes.RATE_LIMITED
            last.reason = f"429 after {last.attempts} attempts"
        elif saw_429 and last.status == outcomes.OK:
            last.status = outcomes.RATE_LIMITED_RETRIED
            last.reason = f"429 first, fetched on attempt {last.attempts} (waited per Retry-After)"
        return last

    def _get_once(
        self, url: str, current: str, headers: dict[str, str], max_bytes: int
    ) -> tuple[FetchResult, float | None]:
        fetched_at = self.now().astimezone(UTC).isoformat()
        with self._count_lock:
            self.requests += 1
        started = self.clock()
        try:
            with self.client.stream("GET", current, headers=headers) as resp:
                code = resp.status_code
                hdrs = {k.lower(): v for k, v in resp.headers.items()}
                base = FetchResult(
                    url, current, outcomes.OK, http_status=code, headers=hdrs, fetched_at=fetched_at
                )
                if code == 304:
                    base.status, base.reason = outcomes.NOT_MODIFIED, "304 Not Modified"
                    return base, None
                if code in REDIRECT_STATUSES:
                    base.status, base.reason = outcomes.HTTP_ERROR, f"redirect {code} without Location"
                    return base, None
                if code >= 400 or code < 200:
                    base.status, base.reason = outcomes.HTTP_ERROR, f"HTTP {code}"
                    retry_after = (
                        parse_retry_after(hdrs.get("retry-after"), self.now())
                        if code in RETRY_STATUSES
                        else None
                    )
                    return base, retry_after
                declared = hdrs.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    base.status, base.reason = (
                        outcomes.TOO_LARGE,
                        f"Content-Length {declared} > {max_bytes} bytes",
                    )
                    return base, None
                chunks: list[bytes] = []
                size = 0
                for chunk in resp.iter_bytes():  # decoded bytes: a gzip bomb is capped too
                    size += len(chunk)
                    if size > max_bytes:
                        base.status, base.reason = (
                            outcomes.TOO_LARGE,
                            f"body over {max_bytes} bytes; download stopped",
                        )
                        return base, None
                    if self.clock() - started > self.settings.total_timeout_seconds:
                        base.status = outcomes.TIMEOUT
                        base.reason = f"body not complete after {self.settings.total_timeout_seconds} s"
                        return base, None
                    chunks.append(chunk)
                base.body = b"".join(chunks)
                base.reason = f"HTTP {code}"
                return base, None
        except BlockedAddressError as exc:
            return FetchResult(url, current, outcomes.BLOCKED_ADDRESS, str(exc), fetched_at=fetched_at), None
        except httpx.TimeoutException as exc:
            return FetchResult(
                url, current, outcomes.TIMEOUT, f"{type(exc).__name__}: {exc}", fetched_at=fetched_at
            ), None
        except httpx.DecodingError as exc:
            return FetchResult(
                url, current, outcomes.HTTP_ERROR, f"bad content encoding: {exc}", fetched_at=fetched_at
            ), None
        except (httpx.TransportError, httpx.InvalidURL) as exc:
            reason = f"{type(exc).__name__}: {exc}"
            return FetchResult(url, current, outcomes.CONNECTION_ERROR, reason, fetched_at=fetched_at), None


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Return the seconds a Retry-After header asks for (delta-seconds or HTTP-date), None if absent/bad.

    >>> parse_retry_after("3", datetime(2026, 1, 1, tzinfo=UTC))
    3.0
    >>> parse_retry_after("Thu, 01 Jan 2026 00:00:10 GMT", datetime(2026, 1, 1, tzinfo=UTC))
    10.0
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())
