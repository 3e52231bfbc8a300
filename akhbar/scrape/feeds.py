"""Feeds: parse RSS 2.0 / Atom / RDF bytes we fetched ourselves (feedparser never fetches here)."""

from __future__ import annotations

from dataclasses import dataclass, field

import feedparser

from akhbar.scrape.pages import html_to_paragraphs


@dataclass(slots=True)
class FeedItem:
    """One feed entry, fields as the feed wrote them (dates unparsed)."""

    link: str | None
    guid: str | None
    title: str | None = None
    summary: str | None = None  # plain text (HTML removed, ZWNJ kept)
    published: str | None = None  # raw pubDate / published / updated string
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    content: list[str] = field(default_factory=list)  # paragraphs of content:encoded / atom content
    author: str | None = None
    publisher: str | None = None  # a news sitemap's <news:publication><news:name>


@dataclass(slots=True)
class ParsedFeed:
    """A parsed feed: channel fields, items, and the XML error if the document was not well-formed."""

    title: str | None
    link: str | None
    version: str
    items: list[FeedItem]
    error: str = ""  # non-empty: malformed XML (items are what the lenient parser recovered)


# Bozo exceptions that only say the declared encoding/content type was off, not that the XML is broken.
_BENIGN = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


def parse_feed(body: bytes, url: str, content_type: str | None = None) -> ParsedFeed:
    """Parse feed bytes; relative links resolve against `url`.

    Always pass bytes: feedparser treats a str as a URL or path and would fetch it itself.
    """
    body = _trim_partial_utf8(bytes(body))
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    doc = feedparser.parse(
        bytes(body), response_headers=headers, sanitize_html=True, resolve_relative_uris=True
    )
    error = ""
    if doc.get("bozo"):
        exc = doc.get("bozo_exception")
        if not isinstance(exc, _BENIGN):
            error = f"{type(exc).__name__}: {exc}"
    if not doc.get("version") and not doc.entries:
        error = error or "not an RSS/Atom/RDF document"
    feed = doc.get("feed", {})
    items = [_item(entry) for entry in doc.entries]
    return ParsedFeed(
        title=_clean(feed.get("title")),
        link=feed.get("link"),
        version=doc.get("version", ""),
        items=items,
        error=error,
    )


def _trim_partial_utf8(body: bytes) -> bytes:
    """Drop a UTF-8 character cut in half at the very end (a truncated download).

    Otherwise feedparser, finding invalid UTF-8, falls back to windows-1252 and garbles every Persian link.
    """
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.start >= len(body) - 3:
            return body[: exc.start]
    return body


def _item(entry: dict) -> FeedItem:
    terms = [_clean(t.get("term")) for t in entry.get("tags", []) if _clean(t.get("term"))]
    summary_paras = html_to_paragraphs(entry.get("summary", "") or "")
    # WordPress appends "The post <title> appeared first on <site>." to every summary.
    summary_paras = [p for p in summary_paras if not (p.startswith("The post ") and "appeared first on" in p)]
    content: list[str] = []
    for part in entry.get("content", []) or []:
        content.extend(html_to_paragraphs(part.get("value", "") or ""))
    return FeedItem(
        link=(entry.get("link") or "").strip() or None,
        guid=(entry.get("id") or "").strip() or None,
        title=_clean(entry.get("title")),
        summary="\n".join(summary_paras) or None,
        published=entry.get("published") or entry.get("updated") or entry.get("dc_date") or None,
        category=terms[0] if terms else None,
        tags=terms[1:],
        content=content,
        author=_clean(entry.get("author")),
    )


def _clean(text: str | None) -> str | None:
    if not text:
        return None
    text = " ".join(text.split())
    return text or None
