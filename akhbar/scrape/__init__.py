"""Scraping: the only network code in akhbar (feeds, sitemaps, article pages, raw archive).

from akhbar.scrape import load_config, scrape, MemoryFeedState
result = scrape(load_config(), state=MemoryFeedState(), archive_dir=Path("data/raw"))
"""

import importlib
from typing import Any

# Imported lazily: `akhbar.schema` needs only the state tables, not httpx/trafilatura/feedparser.
_EXPORTS = {
    "DuckDBFeedState": "akhbar.scrape.state",
    "ExtractionHints": "akhbar.scrape.config",
    "FEED_STATE": "akhbar.scrape.state",
    "FeedState": "akhbar.scrape.state",
    "FeedStatus": "akhbar.scrape.state",
    "FetchResult": "akhbar.scrape.http",
    "Fetcher": "akhbar.scrape.http",
    "HttpSettings": "akhbar.scrape.config",
    "MemoryFeedState": "akhbar.scrape.state",
    "PendingFeedState": "akhbar.scrape.state",
    "Outcome": "akhbar.scrape.outcomes",
    "RawArchive": "akhbar.scrape.archive",
    "SEEN_URLS": "akhbar.scrape.state",
    "ScrapeConfig": "akhbar.scrape.config",
    "ScrapeResult": "akhbar.scrape.run",
    "SourceConfig": "akhbar.scrape.config",
    "config_from_args": "akhbar.scrape.config",
    "iter_archive": "akhbar.scrape.archive",
    "load_config": "akhbar.scrape.config",
    "read_response": "akhbar.scrape.archive",
    "scrape": "akhbar.scrape.run",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'akhbar.scrape' has no attribute {name!r}")


__all__ = [
    "FEED_STATE",
    "SEEN_URLS",
    "DuckDBFeedState",
    "ExtractionHints",
    "FeedState",
    "FeedStatus",
    "FetchResult",
    "Fetcher",
    "HttpSettings",
    "MemoryFeedState",
    "Outcome",
    "PendingFeedState",
    "RawArchive",
    "ScrapeConfig",
    "ScrapeResult",
    "SourceConfig",
    "config_from_args",
    "iter_archive",
    "load_config",
    "read_response",
    "scrape",
]
