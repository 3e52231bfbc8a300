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

from akhbar.schema import TS, col, ddl_for, table

FEED_STATE = table(
    "feed_state",
    "Conditional-GET validators and last outcome of every feed/sitemap URL the scraper checked.",
    ["feed_url"],
    [
        col("feed_url", pa.string(), "the feed or sitemap URL as configured", nullable=False),
        col("etag", pa.string(), "ETag of the last 200 answer (sent back as If-None-Match)"),
        col(
            "last_modified",
            pa.string(),
            "Last-Modified of the last 200 answer (sent back as If-Modified-Since)",
        ),
        col(
            "last_status",
            pa.string(),
            "outcome of the last check (ok, not_modified, timeout ...)",
            nullable=False,
        ),
        col("checked_at", TS, "when the URL was last checked", nullable=False),
    ],
)

SEEN_URLS = table(
    "seen_urls",
    "Article keys already scraped (normalized URL and feed guid), so they are never fetched twice.",
    ["key"],
    [
        col("key", pa.string(), "normalized article URL, or 'guid:' + the feed item's guid", nullable=False),
        col("source", pa.string(), "the configured source that first saw it"),
        col("first_seen", TS, "when it was first scraped", nullable=False),
    ],
)


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
