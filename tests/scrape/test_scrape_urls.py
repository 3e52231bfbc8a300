"""URL normalization (the seen-key of an article) and domain matching."""

from __future__ import annotations

import pytest

from akhbar.scrape.urls import in_domains, normalize_url, origin_of


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            "https://www.tabnak.ir/fa/news/1399497/راهی-ساده",
            "https://WWW.TABNAK.IR:443/fa/news/1399497/%D8%B1%D8%A7%D9%87%DB%8C-%D8%B3%D8%A7%D8%AF%D9%87",
        ),
        (
            "https://www.tabnak.ir/fa/news/1399497/x?utm_source=telegram&utm_medium=social",
            "https://www.tabnak.ir/fa/news/1399497/x",
        ),
        ("https://www.tabnak.ir/fa/news/1399497/x#comments", "https://www.tabnak.ir/fa/news/1399497/x"),
        ("http://example.ir:80/a", "http://example.ir/a"),
        ("https://example.ir", "https://example.ir/"),
        ("https://example.ir/a?id=5&fbclid=abc", "https://example.ir/a?id=5"),
    ],
)
def test_spellings_of_one_url_normalize_equal(a: str, b: str) -> None:
    assert normalize_url(a) == normalize_url(b)


def test_different_articles_stay_different() -> None:
    assert normalize_url("https://x.ir/news?id=1") != normalize_url("https://x.ir/news?id=2")
    assert normalize_url("http://x.ir/a") != normalize_url("https://x.ir/a")
    assert normalize_url("https://x.ir:8443/a") == "https://x.ir:8443/a"


def test_normalize_is_idempotent() -> None:
    url = "https://www.varzesh3.com/news/2437954/دربی-6-روز-به-تعویق-افتاد?utm_campaign=x"
    once = normalize_url(url)
    assert normalize_url(once) == once


def test_domains_match_subdomains_only() -> None:
    assert in_domains("https://www.mehrnews.com/news/1", ["mehrnews.com"])
    assert in_domains("https://mehrnews.com/news/1", ["mehrnews.com"])
    assert not in_domains("https://evilmehrnews.com/", ["mehrnews.com"])
    assert not in_domains("https://mehrnews.com.evil.ir/", ["mehrnews.com"])
    assert in_domains("https://anything.ir/", [])


def test_origin_keeps_scheme_host_and_port() -> None:
    assert origin_of("http://127.0.0.1:8080/a/b?x=1") == "http://127.0.0.1:8080"
