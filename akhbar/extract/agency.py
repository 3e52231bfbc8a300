"""Agency (the publisher) and attribution (the relayed source) from metadata and the lead.

``agency`` is who published the item: the input's own agency field, else the URL's host, else the input
file's name, else the lead's "به گزارش X" / "X:" dateline. ``attributed_to`` is who the item is relayed
from: "به نقل از ...", "براساس گزارش ...", "منبع: ...", "X گزارش داد", or a lead that names another
outlet than the publisher ("به گزارش فارس" on a Varzesh3 page). The body is never changed.

The registry is ``akhbar/data/agencies.toml``; matching folds Arabic letters, ZWNJ and quotes first.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from akhbar.text.chars import fold_letters

REGISTRY_PATH = Path(__file__).resolve().parent.parent / "data" / "agencies.toml"
# A lead's dateline prefix ("خبرگزاری فارس - گروه سلامت:") is at most this long.
DATELINE_MAX = 70
# How many lead paragraphs are read, and how far into each the "به گزارش" dateline may start.
LEAD_PARAGRAPHS = 3
REPORT_WINDOW = 250
# An attribution ("به نقل از روابط عمومی ...") is cut at this many characters.
ATTRIBUTION_MAX = 90
# Place words before which a name is a place, not an outlet: "استان فارس", "خلیج فارس".
_NOT_OUTLET_BEFORE = ("استان", "خلیج", "دریای", "شیراز", "زبان", "پارس", "ماه", "روز", "تاریخ", "امروز")


@dataclass(slots=True, frozen=True)
class Outlet:
    """One registry entry."""

    name: str
    name_en: str
    kind: str
    domains: tuple[str, ...]
    aliases: tuple[str, ...]
    files: tuple[str, ...]


def _fold(text: str) -> str:
    """Fold letters, ZWNJ, quotes, dashes and spaces so spelling variants of a name compare equal."""
    text = unicodedata.normalize("NFKC", text)
    text = fold_letters(text).replace("\u200c", " ").replace("\u00a0", " ")
    text = re.sub("[\u064b-\u065f\u0670\u0640\u200e\u200f]", "", text)  # diacritics, kashida, marks
    text = re.sub("[\"'«»“”„\u2018\u2019]", " ", text)  # straight and curly quotes, guillemets
    text = text.replace("ـ", "-").replace("–", "-").replace("—", "-")  # noqa: RUF001 (dash variants)
    return re.sub(r"\s+", " ", text).strip()


@cache
def registry() -> tuple[Outlet, ...]:
    """Load the outlet registry once (data file shipped in the package)."""
    raw = tomllib.loads(REGISTRY_PATH.read_text("utf-8"))
    return tuple(
        Outlet(
            name=o["name"],
            name_en=o.get("name_en", ""),
            kind=o.get("kind", "agency"),
            domains=tuple(o.get("domains", ())),
            aliases=tuple(o.get("aliases", ())),
            files=tuple(o.get("files", ())),
        )
        for o in raw["outlet"]
    )


@cache
def _alias_index() -> dict[str, Outlet]:
    index: dict[str, Outlet] = {}
    for outlet in registry():
        for alias in (outlet.name, outlet.name_en, *outlet.aliases):
            if alias:
                index.setdefault(_fold(alias).lower(), outlet)
    return index


@cache
def _alias_pattern() -> re.Pattern[str]:
    """One alternation of every alias, longest first, bounded by non-letters."""
    aliases = sorted(_alias_index(), key=len, reverse=True)
    body = "|".join(re.escape(a) for a in aliases)
    return re.compile(r"(?<![\w])(?:خبرگزاری\s+)?(" + body + r")(?![\w])", re.IGNORECASE)


def lookup(name: str | None) -> Outlet | None:
    """Find an outlet by name, alias, English name or domain (exact after folding).

    >>> lookup("خبرگزاري فارس").name
    'فارس'
    """
    if not name:
        return None
    key = _fold(name).lower()
    key = re.sub(r"^خبرگزاری\s+", "", key) if key not in _alias_index() else key
    found = _alias_index().get(key)
    return found if found is not None else outlet_for_url(name if "." in name else None)


def outlet_for_url(url: str | None) -> Outlet | None:
    """Find the outlet that owns a URL's host (a 'host/path' domain also needs the path prefix).

    >>> outlet_for_url("https://www.tasnimnews.com/fa/news/1404/06/14/3392524/x").name
    'تسنیم'
    """
    if not url:
        return None
    parts = urlsplit(url if "//" in url else "//" + url)
    host = (parts.hostname or "").lower()
    path = unquote(parts.path or "").lower().lstrip("/")
    # The host and each parent domain of it ("a.b.c", "b.c", "c"): the registry's domains it can match.
    labels = host.split(".")
    found = [hit for i in range(len(labels)) for hit in _domain_index().get(".".join(labels[i:]), ())]
    best: tuple[int, int, Outlet] | None = None
    for order, score, d_path, outlet in found:
        if d_path and not path.startswith(d_path):
            continue
        # The longest domain wins; between equals, the one listed first in the registry.
        if best is None or (score, -order) > (best[0], -best[1]):
            best = (score, order, outlet)
    return best[2] if best else None


@cache
def _domain_index() -> dict[str, list[tuple[int, int, str, Outlet]]]:
    """{domain host: [(registry order, len(domain), path prefix, outlet)]} for :func:`outlet_for_url`."""
    index: dict[str, list[tuple[int, int, str, Outlet]]] = {}
    order = 0
    for outlet in registry():
        for domain in outlet.domains:
            d_host, _, d_path = domain.lower().partition("/")
            index.setdefault(d_host, []).append((order, len(domain), d_path, outlet))
            order += 1
    return index


def outlet_for_file(origin_name: str | None) -> Outlet | None:
    """Find the outlet implied by an input file name (``news_tasnim_20_LLM_Tagged.csv``)."""
    if not origin_name:
        return None
    base = origin_name.replace("\\", "/").rsplit("/", 1)[-1].lower()
    stem = base.split(".", 1)[0]
    best: tuple[int, Outlet] | None = None
    for outlet in registry():
        for token in outlet.files:
            if re.search(r"(?:^|[^a-z])" + re.escape(token) + r"(?:$|[^a-z])", stem) and (
                best is None or len(token) > best[0]
            ):
                best = (len(token), outlet)
    return best[1] if best else None


def _is_place(text: str, start: int) -> bool:
    before = text[max(0, start - 12) : start].split()
    return bool(before) and before[-1] in _NOT_OUTLET_BEFORE


def _first_outlet(text: str) -> Outlet | None:
    """Return the first registered outlet named in a short text (not a place such as 'استان فارس')."""
    for m in _alias_pattern().finditer(text):
        if not _is_place(text, m.start()):
            return _alias_index()[m.group(1).lower()]
    return None


_REPORT = re.compile(r"[بی]ه ?گزارش\s*[؛:]?\s*(?P<clause>[^،,:؛.\n]{1,120})")
# "به ورزش سه گفت" / "با ورزش سه انجام داد": a statement given to the outlet itself.
_TOLD = re.compile(r"(?:^|\s)(?:به|با)\s+(?P<rest>[^،,:.؛]{2,30}?)\s+(?:گفت|می ?گوید|اظهار|انجام داد)")
# A head ending in a speech verb introduces a quote ("فرمانده پلیس ... گفت:"), not a dateline.
_QUOTE_VERB = re.compile(r"(?:گفت|افزود|نوشت|کرد|داشت|است|شد|کند|گوید|اعلام)\s*$")
_BYLINE = re.compile(
    r"(?:گفت ?و ?گویی|گفتگویی|گفت ?و ?گو|گفتگو|مصاحبه|خبرنگاران|خبرنگار)\s+(?:با\s+)?(?P<rest>[^،,:.؛]{1,60})"
)
_RELAY = re.compile(
    r"(?:به نقل از|بر ?اساس گزارش|براساس اعلام|بر اساس اعلام|به استناد گزارش)\s+(?P<src>[^،,:؛.\n]{2,200})"
)
_SOURCE = re.compile(r"(?:^|\s)منبع\s*[:\uff1a]\s*(?P<src>[^،,؛.\n]{2,80})")
_REPORTED = re.compile(r"(?P<src>[^،,:؛.\n]{2,60}?)\s+(?:گزارش داد|گزارش کرد|گزارش داده است|اعلام کرد|نوشت)")
# Literals each pattern needs (one fast scan rules it out; the patterns themselves try every position).
_NEEDS = {
    "relay": re.compile("به نقل از|اساس|به استناد گزارش"),
    "source": re.compile("منبع"),
    "reported": re.compile("گزارش داد|گزارش کرد|اعلام کرد|نوشت"),
}
_CLAUSE_CUT = re.compile(r"\s+(?:به نقل از|بر ?اساس|و به نقل|و براساس|از [\w ]+؟?$)")


def _clean_source(text: str) -> str:
    text = re.split(r"\s+(?:و\s+)?(?:به نقل از|بر ?اساس)\s", text, maxsplit=1)[0]
    text = text.strip(" -:؛،,")
    if len(text) > ATTRIBUTION_MAX:
        text = text[:ATTRIBUTION_MAX].rsplit(" ", 1)[0]
    return text


def _named_source(text: str) -> str:
    """Canonicalize a relayed source: a registered outlet by name, else the phrase as written."""
    text = _clean_source(text)
    m = _alias_pattern().match(text)
    if m and m.end() >= len(text) - 1:
        return _alias_index()[m.group(1).lower()].name
    return text


@lru_cache(maxsize=16)  # one lead is read three times (dateline, byline, relay)
def _paragraphs(lead: str) -> tuple[str, ...]:
    """Split a lead (possibly 'lead\nfirst paragraph') into its first few folded paragraphs."""
    return tuple(p for p in (_fold(part) for part in lead.split("\n")[:LEAD_PARAGRAPHS]) if p)


def lead_outlet(lead: str) -> tuple[Outlet | None, str | None]:
    """Read the lead's dateline: return (outlet named as reporter, raw reporter phrase if unregistered).

    The lead may be several paragraphs joined with newlines (the input's lead, then the body's first
    paragraph): each of the first few is read in turn.

    >>> lead_outlet("به گزارش مشرق به نقل از اداره کل تبلیغات دفاعی وزارت دفاع، ...")[0].name
    'مشرق'
    """
    unregistered: str | None = None
    for text in _paragraphs(lead):
        # Dateline before the first colon/semicolon/dash: "خبرگزاري فارس :", "برنا - گروه ورزشی:".
        dm = re.match(r"^(?P<head>[^:؛\n]{1," + str(DATELINE_MAX) + r"}?)\s*(?:[:؛]|\s*-\s)", text)
        if dm and not _REPORT.search(dm["head"]) and not _QUOTE_VERB.search(dm["head"]):
            outlet = _first_outlet(dm["head"])
            if outlet is not None and outlet.kind != "foreign":
                return outlet, None
        m = _REPORT.search(text[:REPORT_WINDOW])
        if m:
            clause = _CLAUSE_CUT.split(m["clause"], maxsplit=1)[0]
            outlet = _first_outlet(clause)
            if outlet is not None:
                return outlet, None
            unregistered = unregistered or _clean_source(clause) or None
    for text in _paragraphs(lead):
        # "در گفت‌وگو با خبرنگار فارس": an interview given to the outlet's own reporter.
        m = _BYLINE.search(text[:REPORT_WINDOW])
        if m:
            outlet = _first_outlet(m["rest"])
            if outlet is not None and outlet.kind != "foreign":
                return outlet, None
        for m in _TOLD.finditer(text[:REPORT_WINDOW]):
            named = _alias_pattern().fullmatch(m["rest"])
            if named and _alias_index()[named.group(1).lower()].kind != "foreign":
                return _alias_index()[named.group(1).lower()], None
    return None, unregistered


def attribution(lead: str) -> str | None:
    """Find who the lead relays: 'به نقل از X', 'براساس گزارش X', 'منبع: X', 'X گزارش داد'.

    >>> attribution("به گزارش مشرق به نقل از اداره کل تبلیغات دفاعی وزارت دفاع، سردار ...")
    'اداره کل تبلیغات دفاعی وزارت دفاع'
    """
    for text in _paragraphs(lead):
        text = text[:500]
        # "به نقل از" deep in a paragraph quotes a person; only the dateline's relay counts.
        for pattern, window, needs in ((_RELAY, 200, _NEEDS["relay"]), (_SOURCE, 500, _NEEDS["source"])):
            m = pattern.search(text[:window]) if needs.search(text, 0, window) else None
            if m:
                src = _named_source(m["src"])
                if src:
                    return src
        first_sentence = re.split(r"[.!؟?]\s", text, maxsplit=1)[0][:200]
        m = _REPORTED.search(first_sentence) if _NEEDS["reported"].search(first_sentence) else None
        if m:
            outlet = _first_outlet(m["src"])
            if outlet is not None:
                return outlet.name
    return None


def detect_agency(
    url: str | None,
    agency_field: str | None,
    lead: str | None,
    title: str | None = None,
    origin_name: str | None = None,
) -> tuple[str | None, str | None]:
    """Return (canonical agency, attributed_to) from the agency field, URL, file name and lead.

    >>> detect_agency(None, None, "به گزارش مشرق به نقل از اداره کل تبلیغات دفاعی وزارت دفاع، سردار")
    ('مشرق', 'اداره کل تبلیغات دفاعی وزارت دفاع')
    """
    publisher: str | None = None
    field_outlet = lookup(agency_field)
    if field_outlet is not None:
        publisher = field_outlet.name
    elif agency_field and agency_field.strip():
        publisher = _fold(agency_field)  # an outlet the registry does not know: keep the field as given
    if publisher is None:
        outlet = outlet_for_url(url) or outlet_for_file(origin_name)
        publisher = outlet.name if outlet is not None and outlet.kind != "foreign" else None

    reporter, unregistered = lead_outlet(lead) if lead else (None, None)
    if reporter is None and title:
        # "... | خبرگزاری فارس" at the end of a title names the publisher.
        tm = re.search(r"[|\-]\s*([^|\-]{2,40})$", _fold(title))
        reporter = lookup(tm.group(1)) if tm else None
    relayed = attribution(lead) if lead else None

    if publisher is None and reporter is not None and reporter.kind != "foreign":
        publisher = reporter.name
    elif reporter is not None and reporter.name != publisher and relayed is None:
        relayed = reporter.name  # a Varzesh3 page whose lead says "به گزارش فارس"
    if relayed is None and publisher is None and unregistered:
        relayed = unregistered  # "به گزارش روابط عمومی ..." with no known publisher
    if relayed == publisher:
        relayed = None
    return publisher, relayed
