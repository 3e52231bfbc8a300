"""Sources configuration: which feeds/sitemaps to read per agency, and how politely (TOML)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any

from akhbar.scrape.guard import check_url
from akhbar.scrape.urls import host_of, in_domains

USER_AGENT = "akhbar/0.1 (+https://github.com/akhbar)"
ROBOTS_AGENT = "akhbar"  # the product token robots.txt groups are matched against


@dataclass(frozen=True, slots=True)
class ExtractionHints:
    """Optional per-site XPath expressions that override the generic page extraction."""

    body_xpath: str | None = None
    title_xpath: str | None = None
    date_xpath: str | None = None
    category_xpath: str | None = None


@dataclass(frozen=True, slots=True)
class SourceConfig:
    """One agency (or ad-hoc site): its feeds, sitemaps, domains and rate limit."""

    name: str
    agency: str | None = None
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    allowed_domains: tuple[str, ...] = ()  # item links outside these are not fetched; empty = any
    min_interval_seconds: float = 2.0  # between two requests to one host
    fetch_pages: bool = True  # False: records from the feed alone (title, summary, content:encoded)
    max_items: int = 100  # new items per feed/sitemap per run
    hints: ExtractionHints = field(default_factory=ExtractionHints)


@dataclass(frozen=True, slots=True)
class HttpSettings:
    """Client limits shared by every source."""

    user_agent: str = USER_AGENT
    robots_agent: str = ROBOTS_AGENT
    timeout_seconds: float = 20.0  # connect/read/write/pool, each
    total_timeout_seconds: float = 60.0  # whole response, so a trickling server cannot hold us
    max_bytes: int = 5_000_000
    max_retries: int = 2  # on 429, 5xx, timeouts and connection errors
    backoff_seconds: float = 2.0  # doubled each retry when no Retry-After
    max_retry_wait_seconds: float = 60.0  # cap on Retry-After / backoff
    max_redirects: int = 5
    per_host_concurrency: int = 1
    max_crawl_delay_seconds: float = 30.0  # robots Crawl-delay is honoured up to this


@dataclass(frozen=True, slots=True)
class ScrapeConfig:
    """Everything one scrape needs besides state and archive location."""

    sources: tuple[SourceConfig, ...]
    http: HttpSettings = field(default_factory=HttpSettings)
    workers: int = 4  # sources scraped at once (per-host limits still apply)
    sitemap_max_depth: int = 2  # index -> index -> urlset
    sitemap_max_age_days: float | None = 3.0  # skip sitemap URLs whose lastmod is older
    allow_hosts: frozenset[str] = frozenset()  # hosts/addresses allowed although non-public


def load_config(path: Path | str | None = None) -> ScrapeConfig:
    """Load a sources TOML file (the packaged default when path is None)."""
    if path is None:
        text = resources.files("akhbar").joinpath("data", "sources.toml").read_text(encoding="utf-8")
        origin = "akhbar/data/sources.toml"
    else:
        text = Path(path).read_text(encoding="utf-8")
        origin = str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{origin}: {exc}") from exc
    return config_from_dict(data, origin=origin)


def config_from_dict(data: dict[str, Any], *, origin: str = "config") -> ScrapeConfig:
    """Build and validate a ScrapeConfig from parsed TOML (tables: http, scrape, sources)."""
    _no_unknown(data, {"http", "scrape", "sources"}, origin)
    http = HttpSettings(**_typed(data.get("http", {}), HttpSettings, f"{origin} [http]"))
    scrape = dict(data.get("scrape", {}))
    _no_unknown(
        scrape, {"workers", "sitemap_max_depth", "sitemap_max_age_days", "allow_hosts"}, f"{origin} [scrape]"
    )
    sources = []
    for i, raw in enumerate(data.get("sources", [])):
        where = f"{origin} sources[{i}]"
        raw = dict(raw)
        hints = ExtractionHints(**_typed(raw.pop("hints", {}), ExtractionHints, f"{where}.hints"))
        values = _typed(raw, SourceConfig, where)
        if "name" not in values:
            raise ValueError(f"{where}: 'name' is required")
        for key in ("feeds", "sitemaps", "allowed_domains"):
            values[key] = tuple(values.get(key, ()))
        for url in (*values["feeds"], *values["sitemaps"]):
            ok, reason = check_url(url)
            if not ok:
                raise ValueError(f"{where}: {url!r}: {reason}")
        sources.append(SourceConfig(**values, hints=hints))
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise ValueError(f"{origin}: source names must be unique")
    return ScrapeConfig(
        sources=tuple(sources),
        http=http,
        workers=int(scrape.get("workers", 4)),
        sitemap_max_depth=int(scrape.get("sitemap_max_depth", 2)),
        sitemap_max_age_days=scrape.get("sitemap_max_age_days", 3.0),
        allow_hosts=frozenset(scrape.get("allow_hosts", ())),
    )


def config_from_args(
    feeds: list[str], sitemaps: list[str], allow_hosts: list[str], *, base: ScrapeConfig | None = None
) -> ScrapeConfig:
    """Build a config for `akhbar scrape --feed URL --sitemap URL --allow-host HOST`.

    URLs are grouped into one source per host; a host of a configured agency (in `base`, the packaged
    sources by default) keeps that agency's name, agency label and extraction hints.
    """
    by_host: dict[str, dict[str, list[str]]] = {}
    for kind, urls in (("feeds", feeds), ("sitemaps", sitemaps)):
        for url in urls:
            ok, reason = check_url(url)
            if not ok:
                raise ValueError(f"{url!r}: {reason}")
            by_host.setdefault(host_of(url), {"feeds": [], "sitemaps": []})[kind].append(url)
    base = base if base is not None else load_config()
    grouped: dict[str, SourceConfig] = {}
    for host, urls in by_host.items():
        # A host that belongs to a configured agency keeps its name, agency and extraction hints.
        match = next(
            (
                s
                for s in base.sources
                if s.allowed_domains and in_domains(f"http://{host}/", s.allowed_domains)
            ),
            None,
        )
        template = grouped.get(match.name) if match else None
        template = template or match or SourceConfig(name=host, feeds=(), sitemaps=())
        if match is None or match.name not in grouped:
            template = replace(template, feeds=(), sitemaps=())
        grouped[template.name] = replace(
            template,
            feeds=template.feeds + tuple(urls["feeds"]),
            sitemaps=template.sitemaps + tuple(urls["sitemaps"]),
            allowed_domains=template.allowed_domains or (host,),
        )
    return replace(
        base, sources=tuple(grouped.values()), allow_hosts=base.allow_hosts | frozenset(allow_hosts)
    )


def _typed(values: dict[str, Any], cls: type, where: str) -> dict[str, Any]:
    allowed = {f.name for f in fields(cls)} - {"hints"}
    _no_unknown(values, allowed, where)
    return dict(values)


def _no_unknown(values: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
