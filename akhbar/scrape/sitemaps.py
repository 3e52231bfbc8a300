"""Sitemaps: parse sitemap indexes, URL sets and Google News sitemaps (plain or gzipped bytes)."""

from __future__ import annotations

import gzip
import io
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

import lxml.etree

MAX_UNZIPPED = 50 * 1024 * 1024  # the sitemap protocol's own limit for one file


@dataclass(slots=True)
class SitemapEntry:
    """One <sitemap> (of an index) or <url> (of a URL set)."""

    loc: str
    lastmod: str | None = None  # raw string as written
    news_title: str | None = None
    news_published: str | None = None  # raw news:publication_date
    news_publication: str | None = None
    keywords: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ParsedSitemap:
    """A parsed sitemap document."""

    kind: str  # "index" | "urlset" | ""
    entries: list[SitemapEntry]
    error: str = ""  # non-empty: malformed XML or not a sitemap


def parse_sitemap(body: bytes) -> ParsedSitemap:
    """Parse sitemap bytes (gzip detected by magic number); no entity expansion, no network."""
    if body[:2] == b"\x1f\x8b":
        try:
            body = _gunzip(body)
        except (OSError, EOFError, zlib.error, ValueError) as exc:
            return ParsedSitemap("", [], f"bad gzip: {exc}")
    parser = lxml.etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True
    )
    try:
        root = lxml.etree.fromstring(body, parser=parser)
    except lxml.etree.XMLSyntaxError as exc:
        return ParsedSitemap("", [], f"XMLSyntaxError: {exc}")
    kind = {"sitemapindex": "index", "urlset": "urlset"}.get(_local(root.tag), "")
    if not kind:
        return ParsedSitemap("", [], f"not a sitemap (root element <{_local(root.tag)}>)")
    entries = []
    for node in root:
        if not isinstance(node.tag, str) or _local(node.tag) not in ("sitemap", "url"):
            continue
        values: dict[str, str] = {}
        keywords: list[str] = []
        for child in node.iter():
            if not isinstance(child.tag, str):
                continue
            name = _local(child.tag)
            text = " ".join((child.text or "").split())
            if name == "keywords":
                keywords.extend(k.strip() for k in text.replace("،", ",").split(",") if k.strip())
            elif name == "name" and _local(child.getparent().tag) == "publication":
                values["publication"] = text
            elif text and name not in values:
                values[name] = text
        if values.get("loc"):
            entries.append(
                SitemapEntry(
                    loc=values["loc"],
                    lastmod=values.get("lastmod"),
                    news_title=values.get("title"),
                    news_published=values.get("publication_date"),
                    news_publication=values.get("publication"),
                    keywords=keywords,
                )
            )
    return ParsedSitemap(kind, entries)


def parse_w3c_datetime(text: str | None) -> datetime | None:
    """Parse a sitemap lastmod (W3C datetime: YYYY, YYYY-MM-DD, or full ISO); None if unparseable.

    >>> parse_w3c_datetime("2026-10-19T19:30:10+00:00").isoformat()
    '2026-10-19T19:30:10+00:00'
    """
    if not text:
        return None
    text = text.strip().replace("Z", "+00:00")
    for candidate in (text, text + "-01-01" if len(text) == 4 else text):
        try:
            value = datetime.fromisoformat(candidate)
        except ValueError:
            continue
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return None


def _gunzip(data: bytes) -> bytes:
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
        out = fh.read(MAX_UNZIPPED + 1)
    if len(out) > MAX_UNZIPPED:
        raise ValueError(f"unzipped sitemap over {MAX_UNZIPPED} bytes")
    return out


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()
