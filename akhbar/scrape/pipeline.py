"""Scrape into the warehouse: the scraper's records go through the same normalize → dedup → load stages as files.

    summary = scrape_into_warehouse(Settings(warehouse="warehouse"), load_config(), allow_hosts=set())

One run takes the writer lock (`etl.start_run(..., flow="scrape-news")`), keeps the scraper's state
(feed validators, seen URLs) in the warehouse's DuckDB file, archives every response under
`<warehouse>/raw`, and records a `runs` row whose inputs are the sources scraped. The Prefect flow in
``flows/scrape.py`` wires the same stages as tasks.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import Executor
from dataclasses import replace
from pathlib import Path
from typing import Any

from akhbar import etl, warehouse
from akhbar.config import Settings
from akhbar.records import RawRecord, Reject
from akhbar.scrape import outcomes
from akhbar.scrape.config import ScrapeConfig, SourceConfig, config_from_args
from akhbar.scrape.http import Fetcher
from akhbar.scrape.run import ERROR, ScrapeResult, is_transient, scrape
from akhbar.scrape.state import DuckDBFeedState, FeedState, PendingFeedState
from akhbar.scrape.urls import host_of

FLOW = "scrape-news"
ARCHIVE_SUBDIR = "raw"

# Outcomes that are not a failure: used, unchanged, or skipped on purpose (robots.txt, off-domain link).
NOT_FAILED = frozenset(
    {
        outcomes.OK,
        outcomes.NOT_MODIFIED,
        outcomes.RATE_LIMITED_RETRIED,
        outcomes.ROBOTS_DENIED,
        outcomes.OFF_DOMAIN,
    }
)


class SourceUnreachable(Exception):
    """Every feed and sitemap of a source failed for a reason that may go away (timeout, 5xx, 429 ...)."""

    def __init__(self, source: str, result: ScrapeResult) -> None:
        reasons = sorted({f"{o.status} ({o.reason})" if o.reason else o.status for o in result.outcomes})
        super().__init__(f"{source}: no feed or sitemap answered: {'; '.join(reasons)[:500]}")
        self.source = source
        self.result = result


def select_sources(
    config: ScrapeConfig,
    names: Iterable[str] = (),
    feeds: Iterable[str] = (),
    sitemaps: Iterable[str] = (),
    allow_hosts: Iterable[str] = (),
) -> ScrapeConfig:
    """Narrow a config to the named sources plus ad-hoc feed/sitemap URLs (nothing given: every source).

    An ad-hoc URL on the host of a configured source keeps that source's name, agency and settings.
    Raises ValueError for an unknown source name or a URL that is not http(s).
    """
    names, feeds, sitemaps = list(dict.fromkeys(names)), list(feeds), list(sitemaps)
    known = {s.name: s for s in config.sources}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"unknown source(s) {unknown}; configured: {sorted(known)}")
    allow = config.allow_hosts | frozenset(allow_hosts)
    if not names and not feeds and not sitemaps:
        return replace(config, allow_hosts=allow)
    chosen: dict[str, SourceConfig] = {n: known[n] for n in names}
    if feeds or sitemaps:
        for src in config_from_args(feeds, sitemaps, [], base=config).sources:
            if src.name in chosen:  # `--source mehr --feed <another mehr feed>`: one source, both feeds
                have = chosen[src.name]
                src = replace(
                    have,
                    feeds=tuple(dict.fromkeys(have.feeds + src.feeds)),
                    sitemaps=tuple(dict.fromkeys(have.sitemaps + src.sitemaps)),
                )
            chosen[src.name] = src
    return replace(config, sources=tuple(chosen.values()), allow_hosts=allow)


def run_inputs(config: ScrapeConfig) -> list[str]:
    """Return what a `runs` row lists as inputs: configured sources by name, ad-hoc ones by their URLs."""
    inputs: list[str] = []
    for src in config.sources:
        urls = [*src.feeds, *src.sitemaps]
        adhoc = bool(urls) and src.name == host_of(urls[0])  # config_from_args names unknown hosts by host
        inputs.extend(urls if adhoc else [src.name])
    return inputs


def archive_dir_for(settings: Settings, archive_dir: Path | str | None = None) -> Path:
    """Return where raw responses are archived: the given folder, else `<warehouse>/raw`."""
    return Path(archive_dir) if archive_dir is not None else Path(settings.warehouse) / ARCHIVE_SUBDIR


def only(config: ScrapeConfig, source: SourceConfig) -> ScrapeConfig:
    """Return the config restricted to one source (what one flow task scrapes)."""
    return replace(config, sources=(source,), workers=1)


def scrape_source(
    config: ScrapeConfig,
    base: FeedState,
    archive_dir: Path,
    allow_hosts: Iterable[str] = (),
    *,
    now: dt.datetime | None = None,
    client: Fetcher | None = None,
) -> tuple[ScrapeResult, PendingFeedState]:
    """Scrape a config's sources with state writes held back; raise SourceUnreachable when nothing answered.

    Raising lets an orchestrator retry the source later; the held state of a failed attempt is dropped.
    """
    pending = PendingFeedState(base)
    result = scrape(
        config, state=pending, archive_dir=archive_dir, allow_hosts=frozenset(allow_hosts), now=now, client=client
    )
    if unreachable_sources(result):
        raise SourceUnreachable(", ".join(s.name for s in config.sources), result)
    return result, pending


def unreachable_sources(result: ScrapeResult) -> list[str]:
    """Return the sources none of whose feeds/sitemaps answered, all for reasons that may go away."""
    containers: dict[str, list[bool]] = {}
    for o in result.outcomes:
        if o.kind in ("feed", "sitemap", "source"):
            transient = o.status == ERROR or is_transient(o.status, o.http_status)
            containers.setdefault(o.source, []).append(transient)
    return sorted(name for name, flags in containers.items() if all(flags))


def scraped_items(results: Iterable[ScrapeResult]) -> list[RawRecord | Reject]:
    """Return every record and reject of the results, in order (records first within a result)."""
    return [item for r in results for item in (*r.records, *r.rejects)]


def load_scraped(state: etl.RunState, items: list[RawRecord | Reject], pool: Executor | None = None) -> None:
    """Normalize, deduplicate and load scraped records (and the scraper's rejects) in batches."""
    for prepared in etl.prepared_batches(state, etl.batches_of(items, state.settings.batch_size), pool):
        etl.load(state, prepared)


def commit_states(pendings: Iterable[PendingFeedState]) -> int:
    """Write the held scrape state of every source (after its articles are loaded); return the keys written."""
    return sum(p.commit() for p in pendings)


def merge_results(results: Iterable[ScrapeResult]) -> ScrapeResult:
    """Combine per-source results into one (counts are per source, so they do not collide)."""
    merged = ScrapeResult()
    for r in results:
        merged.records.extend(r.records)
        merged.rejects.extend(r.rejects)
        merged.outcomes.extend(r.outcomes)
        merged.counts.update(r.counts)
        merged.requests += r.requests
    return merged


def fetch_failures(counts: dict[str, int]) -> dict[str, int]:
    """Return the failed fetches of one source's counts, by 'kind:status' (e.g. 'page:timeout')."""
    out: dict[str, int] = {}
    for key, n in counts.items():
        kind, sep, status = key.partition(":")
        if sep and kind in ("feed", "sitemap", "page", "source") and status not in NOT_FAILED and n:
            out[key] = n
    return out


def add_scrape_figures(summary: dict[str, Any], result: ScrapeResult, unreachable: Iterable[str] = ()) -> dict[str, Any]:
    """Add per-source outcome counts, failed fetches and the request count to a run summary.

    A run with a failed fetch (a source unreachable, a page that timed out ...) is partial, like one with rejects.
    """
    sources = {name: dict(sorted(counts.items())) for name, counts in result.counts.items()}
    failed: Counter[str] = Counter()
    for counts in sources.values():
        failed.update(fetch_failures(counts))
    summary["sources"] = sources
    summary["requests"] = result.requests
    summary["fetch_failures"] = dict(sorted(failed.items()))
    summary["sources_unreachable"] = sorted(set(unreachable) | set(unreachable_sources(result)))
    summary["sources_with_failures"] = sorted(
        set(summary["sources_unreachable"]) | {name for name, counts in sources.items() if fetch_failures(counts)}
    )
    if summary.get("status") == "ok" and summary["sources_with_failures"]:
        summary["status"] = "partial"
    return summary


def record_status(settings: Settings, run_id: str, status: str) -> None:
    """Store a finished run's status when the scrape figures changed it (ok -> partial).

    etl.finish_run derives the status from rejects only and releases the connection, so the fetch
    failures are written in a second, short write.
    """
    with warehouse.writer_lock(Path(settings.warehouse), settings.lock_timeout):
        con = warehouse.connect_writer(settings.db_path, memory_limit=settings.duckdb_memory)
        try:
            con.execute("UPDATE runs SET status = ? WHERE run_id = ? AND status = 'ok'", [status, run_id])
        finally:
            con.close()


def finish(state: etl.RunState, result: ScrapeResult, unreachable: Iterable[str] = ()) -> dict[str, Any]:
    """Finish the run (release the writer lock) and return its summary with the scrape figures."""
    summary = etl.finish_run(state)
    recorded = summary["status"]
    add_scrape_figures(summary, result, unreachable)
    if summary["status"] != recorded:
        record_status(state.settings, summary["run_id"], summary["status"])
    return summary


def scrape_into_warehouse(
    settings: Settings,
    config: ScrapeConfig,
    allow_hosts: Iterable[str] = (),
    archive_dir: Path | str | None = None,
    *,
    now: dt.datetime | None = None,
    client: Fetcher | None = None,
) -> dict[str, Any]:
    """Scrape every source of the config once and load what is new; return the run summary.

    The scraper's state is written only after the articles are loaded, so a crash costs refetching, never
    a lost article. A source that fails is counted in the summary, never raised.
    """
    state = etl.start_run(settings, run_inputs(config), flow=FLOW)
    try:
        feed_state = DuckDBFeedState(state.con)
        pending = PendingFeedState(feed_state)
        result = scrape(
            config,
            state=pending,
            archive_dir=archive_dir_for(settings, archive_dir),
            allow_hosts=frozenset(allow_hosts),
            now=now,
            client=client,
        )
        with etl.worker_pool(settings) as pool:
            load_scraped(state, scraped_items([result]), pool)
        pending.commit()
    except BaseException as exc:
        etl.finish_run(state, exc)
        raise
    return finish(state, result)
