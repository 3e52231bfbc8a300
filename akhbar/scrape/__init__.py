"""Scraping: the only network code in akhbar (feeds, sitemaps, article pages, raw archive).

from akhbar.scrape import load_config, scrape, MemoryFeedState
result = scrape(load_config(), state=MemoryFeedState(), archive_dir=Path("data/raw"))
"""

from akhbar.scrape.archive import RawArchive, iter_archive, read_response
from akhbar.scrape.config import (
    ExtractionHints,
    HttpSettings,
    ScrapeConfig,
    SourceConfig,
    config_from_args,
    load_config,
)
from akhbar.scrape.http import Fetcher, FetchResult
from akhbar.scrape.outcomes import Outcome
from akhbar.scrape.run import ScrapeResult, scrape
from akhbar.scrape.state import FEED_STATE, SEEN_URLS, DuckDBFeedState, FeedState, FeedStatus, MemoryFeedState

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
