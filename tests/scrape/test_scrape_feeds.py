"""Feed parsing on the ten real captures, plus Atom/RDF, malformed XML and bytes that look like a URL."""

from __future__ import annotations

import pytest

from akhbar.scrape.feeds import parse_feed
from tests.scrape.helpers_scrape import RSS

NAMES = [
    "asriran",
    "digiato",
    "entekhab",
    "hamshahri",
    "khabaronline",
    "khabarvarzeshi",
    "mehr",
    "tabnak",
    "varzesh3",
    "zoomit",
]
ZWNJ = "\u200c"


@pytest.mark.parametrize("name", NAMES)
def test_every_capture_parses_with_three_linked_items(name: str) -> None:
    feed = parse_feed((RSS / f"{name}.xml").read_bytes(), f"https://{name}.example/rss")
    assert feed.error == ""
    assert feed.version.startswith("rss")
    assert len(feed.items) == 3
    for item in feed.items:
        assert item.link and item.link.startswith("https://")
        assert item.title
        assert item.published  # raw, unparsed


def test_raw_date_strings_are_kept_as_written() -> None:
    varzesh3 = parse_feed((RSS / "varzesh3.xml").read_bytes(), "https://www.varzesh3.com/rss/all")
    asriran = parse_feed((RSS / "asriran.xml").read_bytes(), "https://www.asriran.com/fa/rss/allnews")
    mehr = parse_feed((RSS / "mehr.xml").read_bytes(), "https://www.mehrnews.com/rss")
    assert varzesh3.items[0].published == "2026-10-20T12:24:39"
    assert asriran.items[0].published == "20 Oct 2026 15:55:42 +0330"
    assert mehr.items[0].published == "Mon, 19 Oct 2026 19:30:10 GMT"


def test_category_guid_and_summary_of_a_saba_feed() -> None:
    feed = parse_feed((RSS / "mehr.xml").read_bytes(), "https://www.mehrnews.com/rss")
    item = feed.items[0]
    assert item.category == "استانها > لرستان"
    assert item.guid == item.link
    assert item.summary is not None and item.summary.startswith("خرم" + ZWNJ + "آباد")
    assert feed.title is not None and "مهر" in feed.title


def test_zwnj_survives_in_titles_and_summaries() -> None:
    raw = (RSS / "digiato.xml").read_text(encoding="utf-8")
    feed = parse_feed(raw.encode("utf-8"), "https://digiato.com/feed")
    text = " ".join((i.title or "") + (i.summary or "") for i in feed.items)
    assert raw.count(ZWNJ) > 0
    assert text.count(ZWNJ) >= 10


def test_wordpress_footer_is_dropped_and_tags_kept() -> None:
    feed = parse_feed((RSS / "digiato.xml").read_bytes(), "https://digiato.com/feed")
    item = feed.items[0]
    assert item.summary and "appeared first on" not in item.summary
    assert item.category == "تکنولوژی"
    assert "هوش مصنوعی" in item.tags


def test_content_encoded_becomes_paragraphs() -> None:
    feed = parse_feed((RSS / "zoomit.xml").read_bytes(), "https://www.zoomit.ir/feed/")
    assert all(item.content for item in feed.items)
    assert all("<" not in p for item in feed.items for p in item.content)


def test_atom_and_rdf_parse() -> None:
    atom = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>\xd8\xae\xd8\xa8\xd8\xb1</title>
<entry><title>a</title><id>tag:x.ir,2026:1</id><link href="/news/1"/><updated>2026-10-19T19:30:10Z</updated>
<summary>s</summary></entry></feed>"""
    feed = parse_feed(atom, "https://x.ir/atom.xml")
    assert feed.error == "" and feed.version == "atom10"
    assert feed.items[0].link == "https://x.ir/news/1"  # relative link resolved against the feed URL
    assert feed.items[0].guid == "tag:x.ir,2026:1"
    assert feed.items[0].published == "2026-10-19T19:30:10Z"
    rdf = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://x.ir/"><title>x</title><link>https://x.ir/</link></channel>
<item rdf:about="https://x.ir/n/2"><title>b</title><link>https://x.ir/n/2</link><dc:date>2026-10-19</dc:date></item>
</rdf:RDF>"""
    feed = parse_feed(rdf, "https://x.ir/rdf")
    assert feed.error == "" and feed.version.startswith("rss1")
    assert feed.items[0].link == "https://x.ir/n/2" and feed.items[0].published == "2026-10-19"


def test_truncated_xml_is_reported_with_recovered_items() -> None:
    body = (RSS / "tabnak.xml").read_bytes()[:2500]
    feed = parse_feed(body, "https://www.tabnak.ir/fa/rss/allnews")
    assert feed.error
    assert len(feed.items) <= 3


def test_html_instead_of_a_feed_is_an_error() -> None:
    feed = parse_feed(b"<html><body><p>Not a feed</p></body></html>", "https://x.ir/rss")
    assert feed.error and feed.items == []


def test_bytes_that_look_like_a_url_are_parsed_not_fetched() -> None:
    # feedparser fetches a str it takes for a URL; we always hand it bytes. Port 9 (discard) on
    # loopback: even a mistaken fetch would not leave this machine.
    feed = parse_feed(b"http://127.0.0.1:9/feed.xml", "http://127.0.0.1:9/")
    assert feed.items == [] and feed.error


def test_a_feed_cut_inside_a_persian_character_keeps_its_links_readable() -> None:
    raw = (RSS / "tabnak.xml").read_bytes()
    second_item = raw.index(b"<item>", raw.index(b"<item>") + 1)
    cut = raw.index("گاهی".encode(), 0) + 1  # the first item's description, inside a two-byte letter
    assert cut < second_item
    with pytest.raises(UnicodeDecodeError):
        raw[:cut].decode("utf-8")
    feed = parse_feed(raw[:cut], "https://www.tabnak.ir/fa/rss/allnews")
    assert feed.error  # truncated XML is still reported
    assert [i.link for i in feed.items] == [
        "https://www.tabnak.ir/fa/news/1399497/راهی-ساده-برای-استفاده-از-حداکثر-سرعت-اینترنت"
    ]
    assert feed.items[0].title == "راهی ساده برای استفاده از حداکثر سرعت اینترنت"
