"""Sitemap parsing: index, URL set, news sitemap, gzip, malformed XML, no entity expansion."""

from __future__ import annotations

import gzip

from akhbar.scrape.sitemaps import parse_sitemap, parse_w3c_datetime

INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://x.ir/sitemap/news.xml</loc><lastmod>2026-10-19T19:30:10+00:00</lastmod></sitemap>
  <sitemap><loc>https://x.ir/sitemap/2020.xml</loc><lastmod>2020-01-01</lastmod></sitemap>
</sitemapindex>"""

NEWS = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url>
    <loc>https://x.ir/news/1/خبر</loc>
    <lastmod>2026-10-19T19:31:00Z</lastmod>
    <news:news>
      <news:publication><news:name>خبرگزاری نمونه</news:name><news:language>fa</news:language></news:publication>
      <news:publication_date>2026-10-19T22:30:00+03:30</news:publication_date>
      <news:title>کتاب\u200cها در نمایشگاه</news:title>
      <news:keywords>کتاب، نمایشگاه, فرهنگ</news:keywords>
    </news:news>
  </url>
  <url><loc>https://x.ir/news/2</loc></url>
</urlset>""".encode()


def test_index_lists_child_sitemaps_with_lastmod() -> None:
    doc = parse_sitemap(INDEX)
    assert doc.kind == "index" and doc.error == ""
    assert [e.loc for e in doc.entries] == ["https://x.ir/sitemap/news.xml", "https://x.ir/sitemap/2020.xml"]
    assert doc.entries[0].lastmod == "2026-10-19T19:30:10+00:00"


def test_news_sitemap_fields() -> None:
    doc = parse_sitemap(NEWS)
    assert doc.kind == "urlset"
    first, second = doc.entries
    assert first.news_title == "کتاب\u200cها در نمایشگاه"
    assert first.news_published == "2026-10-19T22:30:00+03:30"
    assert first.news_publication == "خبرگزاری نمونه"
    assert first.keywords == ["کتاب", "نمایشگاه", "فرهنگ"]
    assert second.loc == "https://x.ir/news/2" and second.lastmod is None


def test_gzipped_sitemap() -> None:
    assert [e.loc for e in parse_sitemap(gzip.compress(NEWS)).entries] == [
        "https://x.ir/news/1/خبر",
        "https://x.ir/news/2",
    ]
    assert parse_sitemap(b"\x1f\x8b\x08\x00broken").error.startswith("bad gzip")


def test_malformed_and_foreign_documents_are_errors() -> None:
    assert parse_sitemap(NEWS[:300]).error.startswith("XMLSyntaxError")
    assert "not a sitemap" in parse_sitemap(b"<rss><channel/></rss>").error


def test_entities_are_not_expanded() -> None:
    xxe = b"""<?xml version="1.0"?>
<!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://x.ir/&xxe;</loc></url></urlset>"""
    doc = parse_sitemap(xxe)
    assert all("/etc" not in e.loc for e in doc.entries)
    for entry in doc.entries:
        assert entry.loc.startswith("https://x.ir/")
        assert len(entry.loc) < 30


def test_w3c_datetimes() -> None:
    assert parse_w3c_datetime("2026-10-19").isoformat() == "2026-10-19T00:00:00+00:00"
    assert parse_w3c_datetime("2026-10-19T22:30:00+03:30").utcoffset().total_seconds() == 12600
    assert parse_w3c_datetime("2026") is not None
    assert parse_w3c_datetime("yesterday") is None
