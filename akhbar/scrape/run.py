"""One scrape: every configured source's feeds and sitemaps, new items' pages, RawRecords out.

A source's failure (or one page's) becomes a counted, reasoned Outcome; it never stops the others.
"""

from __future__ import annotations

import threading
import traceback
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from akhbar import reasons
from akhbar.records import Origin, RawRecord, Reject
from akhbar.scrape import outcomes
from akhbar.scrape.archive import RawArchive
from akhbar.scrape.config import ScrapeConfig, SourceConfig
from akhbar.scrape.feeds import FeedItem, parse_feed
from akhbar.scrape.http import Fetcher, FetchResult
from akhbar.scrape.outcomes import Outcome
from akhbar.scrape.pages import PageContent, decode_html, extract_page
from akhbar.scrape.sitemaps import parse_sitemap, parse_w3c_datetime
from akhbar.scrape.state import FeedState, FeedStatus
from akhbar.scrape.urls import in_domains, normalize_url

ERROR = "error"  # an unexpected exception inside the scraper itself (a bug): reported, never raised
FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1"
SITEMAP_ACCEPT = "application/xml, text/xml;q=0.9, */*;q=0.1"
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"

# Failures worth retrying next run: the item stays unseen and its feed's validators are not stored.
TRANSIENT = {outcomes.TIMEOUT, outcomes.CONNECTION_ERROR, outcomes.RATE_LIMITED, ERROR}

# Permanent page failures: the item is marked seen and never requested again. (robots_denied is not here:
# it costs no request, and the site may allow the page later.)
_GIVE_UP = {
    outcomes.TOO_LARGE,
    outcomes.BLOCKED_ADDRESS,
    outcomes.BAD_URL,
    outcomes.TOO_MANY_REDIRECTS,
    outcomes.HTTP_ERROR,  # only 4xx get here (5xx are transient)
}

# Date sources on a page that are machine-readable, and so preferred over the feed's pubDate.
_EXACT_PAGE_DATES = ("hint", "meta:", "json-ld", "time")


@dataclass(slots=True)
class ScrapeResult:
    """Records, rejects and per-URL outcomes of one scrape, with per-source counts."""

    records: list[RawRecord] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # source -> status/records/... -> n
    requests: int = 0  # HTTP requests sent, retries and robots.txt included
    archive_path: str | None = None

    def totals(self) -> dict[str, int]:
        """Return the counts summed over sources."""
        total: Counter[str] = Counter()
        for counts in self.counts.values():
            total.update(counts)
        return dict(total)


@dataclass(slots=True)
class _Candidate:
    item: FeedItem
    container: str  # the feed or sitemap URL it was listed in
    container_ref: str | None  # raw_ref of that feed/sitemap


@dataclass(slots=True)
class _SourceRun:
    source: SourceConfig
    records: list[RawRecord] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def outcome(
        self, url: str, kind: str, status: str, reason: str = "", res: FetchResult | None = None
    ) -> None:
        self.outcomes.append(
            Outcome(
                source=self.source.name,
                url=url,
                kind=kind,
                status=status,
                reason=reason or (res.reason if res else ""),
                http_status=res.http_status if res else None,
                attempts=res.attempts if res else 0,
                bytes=len(res.body) if res else 0,
            )
        )
        self.counts[f"{kind}:{status}"] += 1


class _Context:
    """What every source of one scrape shares."""

    def __init__(
        self, config: ScrapeConfig, state: FeedState, fetcher: Fetcher, now: datetime | None
    ) -> None:
        self.config = config
        self.state = state
        self.fetcher = fetcher
        self.fixed_now = now
        self._claimed: set[str] = set()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return self.fixed_now or datetime.now(UTC)

    def claim(self, keys: list[str]) -> bool:
        """Take keys for this run; False if another feed/source of this run already took one of them."""
        with self._lock:
            if any(k in self._claimed for k in keys):
                return False
            self._claimed.update(keys)
            return True


def scrape(
    config: ScrapeConfig,
    *,
    state: FeedState,
    archive_dir: Path,
    allow_hosts: set[str] | frozenset[str] = frozenset(),
    now: datetime | None = None,
    client: Fetcher | None = None,
) -> ScrapeResult:
    """Scrape every source once: conditional feed/sitemap GETs, unseen items' pages, raw archive."""
    archive = RawArchive(Path(archive_dir))
    allow = frozenset(config.allow_hosts) | frozenset(allow_hosts)
    fetcher = client or Fetcher(config.http, allow_hosts=allow, now=(lambda: now) if now else None)
    previous_archive, fetcher.archive = fetcher.archive, archive
    requests_before = fetcher.requests
    ctx = _Context(config, state, fetcher, now)
    try:
        with ThreadPoolExecutor(
            max_workers=max(1, config.workers), thread_name_prefix="akhbar-scrape"
        ) as pool:
            runs = list(pool.map(lambda src: _run_source(src, ctx), config.sources))
    finally:
        fetcher.archive = previous_archive
        archive.close()
        if client is None:
            fetcher.close()
    result = ScrapeResult(requests=fetcher.requests - requests_before)
    result.archive_path = str(archive.path) if archive.records else None
    for run in runs:
        result.records.extend(run.records)
        result.rejects.extend(run.rejects)
        result.outcomes.extend(run.outcomes)
        run.counts["records"] += len(run.records)
        run.counts["rejects"] += len(run.rejects)
        result.counts[run.source.name] = dict(run.counts)
    return result


def is_transient(status: str, http_status: int | None) -> bool:
    """Return True for a failure that may go away by itself (timeouts, 5xx, 429), worth retrying next run."""
    if status == outcomes.HTTP_ERROR:
        return http_status is None or http_status >= 500 or http_status in (408, 429)
    return status in TRANSIENT


def item_keys(item: FeedItem, source: str) -> list[str]:
    """Return the seen-keys of an item: its normalized URL and its guid (scoped by source unless a URL)."""
    keys = []
    if item.link:
        keys.append(normalize_url(item.link))
    if item.guid:
        guid = item.guid.strip()
        is_url = guid.lower().startswith(("http://", "https://"))
        keys.append(normalize_url(guid) if is_url else f"guid:{source}:{guid}")
    return list(dict.fromkeys(keys))


def _run_source(source: SourceConfig, ctx: _Context) -> _SourceRun:
    run = _SourceRun(source)
    try:
        for feed_url in source.feeds:
            _run_feed(feed_url, run, ctx)
        for sitemap_url in source.sitemaps:
            _run_sitemap(sitemap_url, run, ctx)
    except Exception as exc:  # a bug must not stop the other sources: report it as an outcome
        run.outcome(source.name, "source", ERROR, _describe(exc))
    return run


def _run_feed(feed_url: str, run: _SourceRun, ctx: _Context) -> None:
    prev = ctx.state.get(feed_url)
    res = ctx.fetcher.fetch(
        feed_url,
        min_interval=run.source.min_interval_seconds,
        etag=prev.etag if prev else None,
        last_modified=prev.last_modified if prev else None,
        accept=FEED_ACCEPT,
    )
    if not res.ok:
        run.outcome(feed_url, "feed", res.status, res=res)
        # 304: the validators we sent still hold; any other failure keeps them too, for the next try.
        ctx.state.put(
            FeedStatus(
                feed_url,
                prev.etag if prev else None,
                prev.last_modified if prev else None,
                res.status,
                ctx.now(),
            )
        )
        return
    parsed = parse_feed(res.body, res.final_url, res.headers.get("content-type"))
    status = outcomes.MALFORMED_XML if parsed.error else res.status
    detail = parsed.error or res.reason
    run.outcome(feed_url, "feed", status, f"{detail}; {len(parsed.items)} items", res=res)
    candidates = [_Candidate(item, feed_url, res.raw_ref) for item in parsed.items]
    run.counts["items"] += len(candidates)
    # Unknown site (no agency configured): the channel title is the best agency label we have.
    complete = _run_items(candidates, run, ctx, agency_fallback=parsed.title)
    # Store the validators only when every new item was handled for good: otherwise a 304 next run would
    # hide the items that failed for a transient reason (timeout, 5xx ...).
    ctx.state.put(
        FeedStatus(
            feed_url,
            res.headers.get("etag") if complete else None,
            res.headers.get("last-modified") if complete else None,
            status,
            ctx.now(),
        )
    )


def _run_sitemap(sitemap_url: str, run: _SourceRun, ctx: _Context) -> None:
    candidates: list[_Candidate] = []
    visited: list[str] = []
    complete = _walk_sitemap(sitemap_url, 0, run, ctx, candidates, visited)
    # Newest first, so max_items keeps the latest news.
    candidates.sort(key=lambda c: c.item.published or "", reverse=True)
    run.counts["items"] += len(candidates)
    if not _run_items(candidates, run, ctx, agency_fallback=None) or not complete:
        # Forget the validators of every sitemap read (and mark them incomplete, so the lastmod shortcut
        # does not apply either): the next run reads them again and retries what failed.
        for url in visited:
            prev = ctx.state.get(url)
            if prev is not None:
                ctx.state.put(FeedStatus(url, None, None, outcomes.INCOMPLETE, prev.checked_at))


def _walk_sitemap(
    url: str, depth: int, run: _SourceRun, ctx: _Context, out: list[_Candidate], visited: list[str]
) -> bool:
    """Read one sitemap (recursing into an index); return False when something transient failed."""
    visited.append(url)
    prev = ctx.state.get(url)
    res = ctx.fetcher.fetch(
        url,
        min_interval=run.source.min_interval_seconds,
        etag=prev.etag if prev else None,
        last_modified=prev.last_modified if prev else None,
        accept=SITEMAP_ACCEPT,
    )
    checked_at = ctx.now()
    if not res.ok:
        run.outcome(url, "sitemap", res.status, res=res)
        ctx.state.put(
            FeedStatus(
                url, prev.etag if prev else None, prev.last_modified if prev else None, res.status, checked_at
            )
        )
        return not is_transient(res.status, res.http_status)
    parsed = parse_sitemap(res.body)
    status = outcomes.MALFORMED_XML if parsed.error else res.status
    run.outcome(
        url,
        "sitemap",
        status,
        f"{parsed.error or res.reason}; {parsed.kind} of {len(parsed.entries)}",
        res=res,
    )
    ctx.state.put(
        FeedStatus(url, res.headers.get("etag"), res.headers.get("last-modified"), status, checked_at)
    )
    complete = True
    if parsed.kind == "index":
        if depth >= ctx.config.sitemap_max_depth:
            run.counts["sitemap_too_deep"] += len(parsed.entries)
            return True
        entries = sorted(parsed.entries, key=lambda e: e.lastmod or "", reverse=True)
        for entry in entries:
            if not in_domains(entry.loc, run.source.allowed_domains):
                run.outcome(
                    entry.loc, "sitemap", outcomes.OFF_DOMAIN, "child sitemap outside allowed_domains"
                )
                continue
            child_prev = ctx.state.get(entry.loc)
            lastmod = parse_w3c_datetime(entry.lastmod)
            # lastmod-aware: a child sitemap not modified since we last read it is skipped without a request.
            if (
                lastmod
                and child_prev
                and child_prev.last_status == outcomes.OK
                and lastmod <= child_prev.checked_at
            ):
                run.counts["sitemap_unchanged"] += 1
                continue
            complete &= _walk_sitemap(entry.loc, depth + 1, run, ctx, out, visited)
        return complete
    max_age = ctx.config.sitemap_max_age_days
    cutoff = ctx.now() - timedelta(days=max_age) if max_age is not None else None
    for entry in parsed.entries:
        when = parse_w3c_datetime(entry.news_published) or parse_w3c_datetime(entry.lastmod)
        if cutoff and when and when < cutoff:
            run.counts["sitemap_too_old"] += 1
            continue
        item = FeedItem(
            link=entry.loc,
            guid=None,
            title=entry.news_title,
            published=entry.news_published,
            tags=entry.keywords,
            publisher=entry.news_publication,
        )
        out.append(_Candidate(item, url, res.raw_ref))
    return complete


def _run_items(
    candidates: list[_Candidate], run: _SourceRun, ctx: _Context, agency_fallback: str | None
) -> bool:
    """Turn new items into records; return False when one failed for a transient reason or was cut off."""
    complete = True
    taken = 0
    for cand in candidates:
        keys = item_keys(cand.item, run.source.name)
        if not keys:
            run.counts["no_link"] += 1
            continue
        if ctx.state.seen(keys):
            run.counts["skipped_seen"] += 1
            continue
        if not ctx.claim(keys):
            run.counts["skipped_duplicate_in_run"] += 1
            continue
        if taken >= run.source.max_items:
            run.counts["skipped_max_items"] += 1
            complete = False
            continue
        taken += 1
        try:
            transient = _run_item(cand, keys, run, ctx, agency_fallback)
        except Exception as exc:  # one bad page must not stop the source
            run.outcome(cand.item.link or cand.container, "page", ERROR, _describe(exc))
            transient = True
        if transient:
            complete = False
    return complete


def _run_item(
    cand: _Candidate, keys: list[str], run: _SourceRun, ctx: _Context, agency_fallback: str | None
) -> str:
    item, source = cand.item, run.source
    url = item.link or cand.container
    origin = Origin(path=url, name=url)
    source_id = item.guid or normalize_url(url)
    if not source.fetch_pages or not item.link:
        record = _record(item, None, None, origin, source_id, source, agency_fallback)
        record.raw_ref, record.fetched_at = cand.container_ref, ctx.now().isoformat()
        run.records.append(record)
        ctx.state.mark_seen(keys, ctx.now(), source.name)
        return False
    if not in_domains(item.link, source.allowed_domains):
        run.outcome(item.link, "page", outcomes.OFF_DOMAIN, f"host not in {list(source.allowed_domains)}")
        return False
    res = ctx.fetcher.fetch(item.link, min_interval=source.min_interval_seconds, accept=PAGE_ACCEPT)
    if not res.ok:
        run.outcome(item.link, "page", res.status, res=res)
        if res.status == outcomes.TOO_LARGE:
            run.rejects.append(Reject(origin, reasons.TOO_LARGE, res.reason, source_id))
        transient = is_transient(res.status, res.http_status)
        if not transient and res.status in _GIVE_UP:
            # Asking again would get the same answer: remember the item so it costs no request next run.
            ctx.state.mark_seen(keys, ctx.now(), source.name)
        return transient
    text, encoding = decode_html(res.body, res.headers.get("content-type"))
    if text is None:
        run.outcome(item.link, "page", outcomes.BAD_ENCODING, encoding, res=res)
        run.rejects.append(Reject(origin, reasons.BAD_ENCODING, encoding, source_id))
        ctx.state.mark_seen(keys, ctx.now(), source.name)
        return False
    page = extract_page(text, res.final_url, source.hints)
    if not page.paragraphs and not item.content and not item.summary:
        run.outcome(item.link, "page", outcomes.EMPTY_PAGE, "no main text extracted", res=res)
        run.rejects.append(
            Reject(origin, reasons.EMPTY_BODY, "no main text on the page or in the feed", source_id)
        )
        ctx.state.mark_seen(keys, ctx.now(), source.name)
        return False
    run.outcome(
        item.link,
        "page",
        res.status,
        f"{res.reason}; {len(page.paragraphs)} paragraphs ({encoding})",
        res=res,
    )
    record = _record(item, page, res, origin, source_id, source, agency_fallback)
    run.records.append(record)
    ctx.state.mark_seen(keys, ctx.now(), source.name)
    return False


def _record(
    item: FeedItem,
    page: PageContent | None,
    res: FetchResult | None,
    origin: Origin,
    source_id: str,
    source: SourceConfig,
    agency_fallback: str | None,
) -> RawRecord:
    published = item.published
    if page is not None and page.published:
        exact = (page.published_source or "").startswith(_EXACT_PAGE_DATES)
        if exact or not published:
            published = page.published
    tags = list(dict.fromkeys([*item.tags, *(page.tags if page else [])]))
    return RawRecord(
        origin=origin,
        source_id=source_id,
        url=item.link,
        title=item.title or (page.title if page else None),
        lead=item.summary or (page.description if page else None),
        paragraphs=(page.paragraphs if page and page.paragraphs else list(item.content)),
        published=published,
        agency=source.agency or item.publisher or agency_fallback,
        category=item.category or (page.category if page else None),
        tags=tags,
        fetched_at=res.fetched_at if res else None,
        raw_ref=res.raw_ref if res else None,
    )


def _describe(exc: BaseException) -> str:
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" at {Path(frame.filename).name}:{frame.lineno}" if frame else ""
    return f"{type(exc).__name__}: {exc}{where}"
