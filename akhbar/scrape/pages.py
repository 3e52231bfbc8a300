"""Article pages: decode the bytes, extract the main text as paragraphs (ZWNJ kept), title, raw date, category.

trafilatura finds the main text, but every output format runs its printable-character filter, which
deletes ZWNJ (U+200C is not `isprintable()`). So ZWNJ is swapped for a printable placeholder before
extraction and swapped back after; its XML output is then split into paragraphs here.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass, field

import lxml.etree
import lxml.html
import trafilatura

from akhbar.scrape.config import ExtractionHints

ZWNJ = "\u200c"
# Printable symbols that never occur in news text; the first one absent from the page stands in for ZWNJ.
_PLACEHOLDERS = ("\u2bd1", "\u2bd2", "\u2e4e", "\u2e4f", "\U0001fbc5")
_ZWNJ_ENTITIES = re.compile(r"&(?:zwnj|#8204|#x200c);", re.IGNORECASE)

_BLOCK_TAGS = {
    "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "section", "article",
    "header", "footer", "figure", "figcaption", "table", "tr", "td", "th", "dd", "dt", "pre", "aside",
}  # fmt: skip
_DROP_TAGS = {"script", "style", "noscript", "template", "iframe", "svg", "img", "button", "form", "select"}

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)

_D = "[0-9\u06f0-\u06f9\u0660-\u0669]"
_MONTHS = "فروردین|اردیبهشت|خرداد|تیر|امرداد|مرداد|شهریور|مهر|آبان|آذر|دی|بهمن|اسفند"
_WEEKDAYS = (
    "شنبه|یکشنبه|یک\u200cشنبه|دوشنبه|سه\u200cشنبه|سه شنبه|سهشنبه|چهارشنبه|پنجشنبه|پنج\u200cشنبه|پنج شنبه|جمعه"
)
_TIME = rf"(?:\s*[-\u2013،,|]?\s*(?:ساعت\s*)?{_D}{{1,2}}:{_D}{{2}}(?::{_D}{{2}})?)?"
# "دوشنبه ۲۸ مهر ۱۴۰۵ - ۲۳:۰۰" or "۱۴۰۵/۰۷/۲۸ ۲۳:۰۰" (a Jalali year 13xx/14xx).
JALALI_DATE = re.compile(
    rf"(?:(?:{_WEEKDAYS})\s*[،,]?\s*)?{_D}{{1,2}}\s+(?:{_MONTHS})\s+{_D}{{4}}{_TIME}"
    rf"|[1\u06f1][34\u06f3\u06f4]{_D}{{2}}/{_D}{{1,2}}/{_D}{{1,2}}{_TIME}"
)
_META_DATE_KEYS = (
    "article:published_time", "og:article:published_time", "og:published_time", "datepublished", "pubdate",
    "publishdate", "publish-date", "date", "dc.date.issued", "dc.date", "sailthru.date", "parsely-pub-date",
    "article:modified_time",
)  # fmt: skip
_CRUMB_LABELS = ("breadcrumb", "news_path", "news-path")  # the last two: Iransamaneh (Sepehr) pages
_HOME_WORDS = {"خانه", "صفحه اصلی", "صفحه نخست", "home", "خبرگزاری", "اخبار"}


@dataclass(slots=True)
class PageContent:
    """What an article page says about itself (the date is the raw string, unparsed)."""

    title: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    published: str | None = None
    published_source: str | None = None  # hint | meta:<name> | json-ld | time | visible
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    description: str | None = None


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str | None, str]:
    """Decode page bytes: header charset, BOM, <meta charset>, UTF-8, then Windows-1256.

    Returns (text, encoding), or (None, reason) when nothing decodes or the bytes are binary.

    >>> decode_html("خبر".encode("cp1256"), "text/html; charset=windows-1256")
    ('خبر', 'windows-1256')
    """
    if b"\x00" in body[:4096] and not body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None, "binary content (NUL bytes)"
    candidates: list[str] = []
    if content_type:
        m = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", content_type, re.IGNORECASE)
        if m:
            candidates.append(m.group(1))
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if body.startswith(bom):
            candidates.insert(0, name)
    m = _META_CHARSET.search(body[:4096])
    if m:
        candidates.append(m.group(1).decode("ascii"))
    # Older Iranian sites still serve Windows-1256 with no or a wrong charset label.
    candidates += ["utf-8", "windows-1256"]
    for name in dict.fromkeys(c.lower() for c in candidates):
        try:
            return body.decode(name), name
        except (LookupError, UnicodeDecodeError):
            continue
    return None, "no plausible encoding (tried " + ", ".join(dict.fromkeys(candidates)) + ")"


def html_to_paragraphs(html: str) -> list[str]:
    """Split an HTML fragment into paragraph texts: block elements and <br> break, whitespace collapsed, ZWNJ kept.

    >>> html_to_paragraphs("<p>کتاب\u200cها</p><p>دوم<br>سوم</p>") == ["کتاب\u200cها", "دوم", "سوم"]
    True
    """
    if not html or not html.strip():
        return []
    if "<" not in html:
        return [line for line in (" ".join(x.split()) for x in html.splitlines()) if line]
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return []
    return _element_paragraphs(root)


def extract_page(html: str, url: str, hints: ExtractionHints | None = None) -> PageContent:
    """Extract an article page: main-text paragraphs, title, raw date string, category, tags."""
    hints = hints or ExtractionHints()
    try:
        tree = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return PageContent()
    page = PageContent()
    page.title = (
        _first_text(tree, hints.title_xpath) or _meta(tree, "og:title") or _first_h1(tree) or _title_tag(tree)
    )
    page.description = _meta(tree, "og:description") or _meta(tree, "description")
    page.published, page.published_source = _find_date(tree, hints.date_xpath)
    page.category = (
        _first_text(tree, hints.category_xpath)
        or _meta(tree, "article:section")
        or _ld_value(tree, "articleSection")
        or _breadcrumb(tree, page.title)
    )
    page.tags = _tags(tree)
    if hints.body_xpath:
        paragraphs: list[str] = []
        for node in _xpath(tree, hints.body_xpath):
            if isinstance(node, lxml.html.HtmlElement):
                paragraphs.extend(_element_paragraphs(node))
        page.paragraphs = paragraphs
    else:
        page.paragraphs = main_text(html, url)
    if page.title:
        page.paragraphs = [p for p in page.paragraphs if p != page.title]
    return page


def main_text(html: str, url: str | None = None) -> list[str]:
    """Return the main-text paragraphs trafilatura finds, ZWNJ kept."""
    html = _ZWNJ_ENTITIES.sub(ZWNJ, html)
    placeholder = next((c for c in _PLACEHOLDERS if c not in html), None)
    if placeholder is None:  # pathological page: extract without the swap rather than fail
        placeholder = ZWNJ
    swapped = html.replace(ZWNJ, placeholder)
    xml = trafilatura.extract(
        swapped,
        url=url,
        output_format="xml",
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        favor_precision=True,
        deduplicate=False,
    )
    if not xml:
        return []
    try:
        doc = lxml.etree.fromstring(xml.encode("utf-8"))
    except lxml.etree.XMLSyntaxError:
        return []
    main = doc.find("main")
    if main is None:
        return []
    paragraphs: list[str] = []
    for element in main:
        if element.tag == "list":
            parts = [_xml_text(item) for item in element.iter("item")]
        else:
            parts = [_xml_text(element)]
        for part in parts:
            for line in part.split("\n"):
                line = " ".join(line.split()).replace(placeholder, ZWNJ)
                if line:
                    paragraphs.append(line)
    return paragraphs


def _xml_text(element: lxml.etree._Element) -> str:
    # <lb/> is a line break inside a paragraph: keep it as a paragraph break.
    out: list[str] = [element.text or ""]
    for child in element:
        if child.tag == "lb":
            out.append("\n")
        else:
            out.append(_xml_text(child))
        out.append(child.tail or "")
    return "".join(out)


def _element_paragraphs(root: lxml.html.HtmlElement) -> list[str]:
    pieces: list[str] = []

    def walk(el: lxml.html.HtmlElement) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _DROP_TAGS or not tag:
            pieces.append(el.tail or "")
            return
        block = tag in _BLOCK_TAGS
        if block:
            pieces.append("\n")
        pieces.append(el.text or "")
        for child in el:
            walk(child)
        if tag == "br" or block:
            pieces.append("\n")
        pieces.append(el.tail or "")

    walk(root)
    # The root's own tail belongs to whatever follows it, not to this fragment.
    if root.tail:
        pieces.pop()
    return [line for line in (" ".join(x.split()) for x in "".join(pieces).split("\n")) if line]


def _xpath(tree: lxml.html.HtmlElement, expr: str | None) -> list:
    if not expr:
        return []
    try:
        result = tree.xpath(expr)
    except lxml.etree.XPathError:
        return []
    return result if isinstance(result, list) else [result]


def _first_text(tree: lxml.html.HtmlElement, expr: str | None) -> str | None:
    for node in _xpath(tree, expr):
        text = node if isinstance(node, str) else node.text_content()
        text = " ".join(str(text).split())
        if text:
            return text
    return None


def _meta(tree: lxml.html.HtmlElement, key: str) -> str | None:
    key = key.lower()
    for meta in tree.iter("meta"):
        name = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        if name == key:
            value = " ".join((meta.get("content") or "").split())
            if value:
                return value
    return None


def _first_h1(tree: lxml.html.HtmlElement) -> str | None:
    for h1 in tree.iter("h1"):
        text = " ".join(h1.text_content().split())
        if text:
            return text
    return None


def _title_tag(tree: lxml.html.HtmlElement) -> str | None:
    title = tree.find(".//title")
    if title is None:
        return None
    return " ".join(title.text_content().split()) or None


def _json_ld(tree: lxml.html.HtmlElement) -> list[dict]:
    objects: list[dict] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "")
        except (json.JSONDecodeError, TypeError):
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                objects.append(item)
                stack.extend(v for k, v in item.items() if k == "@graph")
    return objects


def _ld_value(tree: lxml.html.HtmlElement, key: str) -> str | None:
    for obj in _json_ld(tree):
        value = obj.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())
    return None


def _find_date(tree: lxml.html.HtmlElement, hint: str | None) -> tuple[str | None, str | None]:
    """Return (raw date string, where it was found): hint, meta, JSON-LD, <time>, then a visible Jalali date."""
    text = _first_text(tree, hint)
    if text:
        return text, "hint"
    for key in _META_DATE_KEYS:
        value = _meta(tree, key)
        if value:
            return value, f"meta:{key}"
    value = _ld_value(tree, "datePublished")
    if value:
        return value, "json-ld"
    for time_el in tree.iter("time"):
        value = (time_el.get("datetime") or "").strip() or " ".join(time_el.text_content().split())
        if value:
            return value, "time"
    # Elements that label themselves as dates, outside comment sections, then the whole page.
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        label = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
        if any(w in label for w in ("date", "time", "publish")) and not _in_comments(el):
            m = JALALI_DATE.search(el.text_content())
            if m:
                return m.group(0).strip(), "visible"
    body = tree.find("body")
    m = JALALI_DATE.search(body.text_content() if body is not None else "")
    if m:
        return m.group(0).strip(), "visible"
    return None, None


def _in_comments(el: lxml.html.HtmlElement) -> bool:
    for parent in el.iterancestors():
        label = f"{parent.get('class') or ''} {parent.get('id') or ''}".lower()
        if "comment" in label:
            return True
    return False


def _breadcrumb(tree: lxml.html.HtmlElement, title: str | None) -> str | None:
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        label = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
        if not any(w in label for w in _CRUMB_LABELS):
            continue
        crumbs = [" ".join(a.text_content().split()) for a in el.iter("a")]
        crumbs = [c for c in crumbs if c and c.lower() not in _HOME_WORDS and c != title]
        if crumbs:
            return " > ".join(dict.fromkeys(crumbs))
    return None


def _tags(tree: lxml.html.HtmlElement) -> list[str]:
    tags: list[str] = []
    for meta in tree.iter("meta"):
        name = (meta.get("property") or meta.get("name") or "").lower()
        content = meta.get("content") or ""
        if name == "article:tag":
            tags.append(content)
        elif name in ("keywords", "news_keywords"):
            tags.extend(re.split(r"[,،]", content))
    if not tags:
        for el in tree.iter():
            label = f"{el.get('class') or ''}".lower() if isinstance(el.tag, str) else ""
            if re.search(r"\btags?\b", label):
                tags.extend(a.text_content() for a in el.iter("a"))
    cleaned = [" ".join(t.split()).lstrip("#") for t in tags]
    return list(dict.fromkeys(t for t in cleaned if t))
