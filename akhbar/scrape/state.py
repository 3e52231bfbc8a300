"""Scrape state between runs: conditional-GET validators per feed and the URLs/guids already seen.

Two implementations of one protocol: in memory (tests, one-off runs) and DuckDB (the warehouse keeps
it, so a scheduled scrape only costs one 304 per unchanged feed and never refetches an article).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import pyarrow as pa

from akhbar.schema import FEED_STATE, SEEN_URLS, ddl_for


@dataclass(slots=True)
class FeedStatus:
    """Validators and last outcome of one feed or sitemap URL."""

    feed_url: str
    etag: str | None
    last_modified: str | None
    last_status: str
    checked_at: datetime


class FeedState(Protocol):
    """Where the scraper keeps validators and seen keys between runs."""

    def get(self, feed_url: str) -> FeedStatus | None: ...

    def put(self, status: FeedStatus) -> None: ...

    def seen(self, keys: Iterable[str]) -> set[str]: ...

    def mark_seen(self, keys: Iterable[str], when: datetime, source: str | None = None) -> None: ...


class MemoryFeedState:
    """FeedState kept in dictionaries (lost when the process ends)."""

    def __init__(self) -> None:
        self.feeds: dict[str, FeedStatus] = {}
        self.seen_keys: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def get(self, feed_url: str) -> FeedStatus | None:
        """Return the stored status of a feed, or None."""
        with self._lock:
            return self.feeds.get(feed_url)

    def put(self, status: FeedStatus) -> None:
        """Store (replace) the status of a feed."""
        with self._lock:
            self.feeds[status.feed_url] = status

    def seen(self, keys: Iterable[str]) -> set[str]:
        """Return the subset of keys already seen."""
        with self._lock:
            return {k for k in keys if k in self.seen_keys}

    def mark_seen(self, keys: Iterable[str], when: datetime, source: str | None = None) -> None:
        """Record keys as seen (first sighting wins)."""
        with self._lock:
            for key in keys:
                self.seen_keys.setdefault(key, when)


class DuckDBFeedState:
    """FeedState in two DuckDB tables (`feed_state`, `seen_urls`), created if missing."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        # One DuckDB connection must not be used from two threads at once.
        self._lock = threading.Lock()
        with self._lock:
            for schema in (FEED_STATE, SEEN_URLS):
                self.conn.execute(ddl_for(schema))

    def get(self, feed_url: str) -> FeedStatus | None:
        """Return the stored status of a feed, or None."""
        with self._lock:
            row = self.conn.execute(
                "SELECT feed_url, etag, last_modified, last_status, checked_at FROM feed_state WHERE feed_url = ?",
                [feed_url],
            ).fetchone()
        if row is None:
            return None
        return FeedStatus(row[0], row[1], row[2], row[3], _utc(row[4]))

    def put(self, status: FeedStatus) -> None:
        """Store (replace) the status of a feed."""
        with self._lock:
            self.conn.execute(
                "INSERT OR REPLACE INTO feed_state (feed_url, etag, last_modified, last_status, checked_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [
                    status.feed_url,
                    status.etag,
                    status.last_modified,
                    status.last_status,
                    _utc(status.checked_at),
                ],
            )

    def seen(self, keys: Iterable[str]) -> set[str]:
        """Return the subset of keys already seen."""
        keys = list(dict.fromkeys(keys))
        if not keys:
            return set()
        with self._lock:
            rows = self.conn.execute(
                "SELECT key FROM seen_urls WHERE key IN (SELECT unnest(?))", [keys]
            ).fetchall()
        return {r[0] for r in rows}

    def mark_seen(self, keys: Iterable[str], when: datetime, source: str | None = None) -> None:
        """Record keys as seen (first sighting wins)."""
        keys = list(dict.fromkeys(keys))
        if not keys:
            return
        batch = pa.table(
            {"key": keys, "source": [source] * len(keys), "first_seen": [_utc(when)] * len(keys)},
            schema=pa.schema([(f.name, f.type) for f in SEEN_URLS]),
        )
        with self._lock:
            self.conn.register("_akhbar_seen_batch", batch)
            try:
                self.conn.execute("INSERT OR IGNORE INTO seen_urls BY NAME SELECT * FROM _akhbar_seen_batch")
            finally:
                self.conn.unregister("_akhbar_seen_batch")


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class PendingFeedState:
    """FeedState that reads through to another state but holds its writes until `commit()`.

    The scraper marks an item seen as soon as it has the page; the warehouse loads it only later. Holding
    the writes until the load has committed means a run that dies in between forgets nothing: the next run
    fetches those items again instead of skipping articles that never reached the warehouse.
    """

    def __init__(self, base: FeedState) -> None:
        self.base = base
        self._feeds: dict[str, FeedStatus] = {}
        self._seen: dict[str, tuple[datetime, str | None]] = {}
        self._lock = threading.Lock()

    def get(self, feed_url: str) -> FeedStatus | None:
        """Return this run's status of a feed if it has one, else the stored one."""
        with self._lock:
            held = self._feeds.get(feed_url)
        return held if held is not None else self.base.get(feed_url)

    def put(self, status: FeedStatus) -> None:
        """Hold a feed's status until commit."""
        with self._lock:
            self._feeds[status.feed_url] = status

    def seen(self, keys: Iterable[str]) -> set[str]:
        """Return the keys seen by an earlier run or earlier in this one."""
        keys = list(keys)
        with self._lock:
            held = {k for k in keys if k in self._seen}
        return held | self.base.seen([k for k in keys if k not in held])

    def mark_seen(self, keys: Iterable[str], when: datetime, source: str | None = None) -> None:
        """Hold seen keys until commit (first sighting wins)."""
        with self._lock:
            for key in keys:
                self._seen.setdefault(key, (when, source))

    def pending(self) -> tuple[int, int]:
        """Return how many feed statuses and seen keys are held."""
        with self._lock:
            return len(self._feeds), len(self._seen)

    def commit(self) -> int:
        """Write the held statuses and seen keys to the base state, then forget them; return the keys written."""
        with self._lock:
            feeds, seen = list(self._feeds.values()), dict(self._seen)
            self._feeds, self._seen = {}, {}
        for status in feeds:
            self.base.put(status)
        groups: dict[tuple[datetime, str | None], list[str]] = {}
        for key, when_source in seen.items():
            groups.setdefault(when_source, []).append(key)
        for (when, source), keys in groups.items():
            self.base.mark_seen(keys, when, source)
        return len(seen)
