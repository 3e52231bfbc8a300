"""Article extraction on realistic Persian pages: main text only, ZWNJ kept, raw dates, encodings."""

from __future__ import annotations

import pytest

from akhbar.scrape.config import ExtractionHints
from akhbar.scrape.pages import JALALI_DATE, decode_html, extract_page, html_to_paragraphs, main_text
from tests.scrape.helpers_scrape import PAGES

ZWNJ = "\u200c"
BOILERPLATE = [
    "اخبار مرتبط",
    "تلگرام",
    "نظرات",
    "کلیه حقوق",
    "پربیننده",
    "خداقوت",
    "ارسال نظر",
    "بیشتر بخوانید",
    "صفحه نخست",
]


def _page(name: str, content_type: str = "text/html; charset=utf-8"):
    text, encoding = decode_html((PAGES / name).read_bytes(), content_type)
    assert text is not None, encoding
    return extract_page(text, "https://example.ir/news/1"), text


@pytest.mark.parametrize(
    ("name", "title_start", "paragraphs", "published", "source"),
    [
        ("mehr_6983317.html", "آسفالت محور گردشگری", 4, "۲۷ مهر ۱۴۰۵، ۲۳:۰۰", "visible"),
        ("tabnak_1399497.html", "راهی ساده", 4, "دوشنبه ۲۷ مهر ۱۴۰۵ ساعت ۲۲:۴۲", "visible"),
        ("zoomit_469409.html", "ارزش صندوق", 5, "2026-10-19T22:40:00+03:30", "meta:article:published_time"),
    ],
)
def test_main_text_title_and_raw_date(
    name: str, title_start: str, paragraphs: int, published: str, source: str
) -> None:
    page, _html = _page(name)
    assert page.title and page.title.startswith(title_start)
    assert len(page.paragraphs) == paragraphs
    assert page.published == published and page.published_source == source
    body = "\n".join(page.paragraphs)
    for phrase in BOILERPLATE:
        assert phrase not in body, phrase


@pytest.mark.parametrize("name", ["mehr_6983317.html", "tabnak_1399497.html", "zoomit_469409.html"])
def test_zwnj_survives_extraction(name: str) -> None:
    page, html = _page(name)
    body = "\n".join(page.paragraphs)
    assert body.count(ZWNJ) >= 10
    # Every ZWNJ-joined word of the body is in the page exactly as written (nothing merged or split).
    for word in (w for p in page.paragraphs for w in p.split() if ZWNJ in w):
        assert word.strip("،.:؛") in html


def test_comment_dates_and_header_dates_are_not_taken_for_the_article_date() -> None:
    page, _ = _page("mehr_6983317.html")
    assert page.published != "۲۸ مهر ۱۴۰۵ - ۰۸:۱۲"  # the comment's date
    assert page.published != "دوشنبه ۲۸ مهر ۱۴۰۵"  # today's date in the top bar


def test_category_and_tags() -> None:
    mehr, _ = _page("mehr_6983317.html")
    assert mehr.category == "استانها > لرستان"
    assert "خرم" + ZWNJ + "آباد" in mehr.tags
    tabnak, _ = _page("tabnak_1399497.html")
    assert tabnak.category == "علمی و فناوری"
    assert tabnak.tags == ["اینترنت", "شبکه", "فیبر نوری"]
    zoomit, _ = _page("zoomit_469409.html")
    assert zoomit.category == "ارز دیجیتال" and zoomit.tags == ["بیت کوین", "اتریوم"]


@pytest.mark.parametrize("content_type", ["text/html; charset=windows-1256", "text/html", None])
def test_windows_1256_page_decodes_with_or_without_a_charset_header(content_type: str | None) -> None:
    raw = (PAGES / "asriran_1200218.cp1256.html").read_bytes()
    text, encoding = decode_html(raw, content_type)
    assert encoding == "windows-1256"
    assert text is not None
    page = extract_page(text, "https://www.asriran.com/fa/news/1200218")
    assert page.title and page.title.startswith("طلاي اميرمحمد حقيقت" + ZWNJ + "شناس")
    assert len(page.paragraphs) == 3
    assert sum(p.count(ZWNJ) for p in page.paragraphs) >= 8
    assert page.published == "28 مهر 1405 - 15:55"


def test_a_wrong_utf8_label_falls_back_to_windows_1256() -> None:
    raw = "<html><body><p>خبر فوري</p></body></html>".encode("cp1256")
    text, encoding = decode_html(raw, "text/html; charset=utf-8")
    assert encoding == "windows-1256" and text is not None and "خبر فوري" in text


def test_binary_bytes_are_refused() -> None:
    text, reason = decode_html(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "text/html")
    assert text is None and "binary" in reason


def test_zwnj_written_as_entities_is_kept() -> None:
    para = (
        "این متن آزمایشی می&zwnj;خواهد کتاب&#8204;ها و نیم&#x200C;فاصله را نگه دارد. "
        + "جمله\u200cای دیگر برای طول. " * 20
    )
    html = (
        f"<html><body><nav>خانه</nav><article><h1>تیتر</h1><p>{para}</p><p>{para}</p></article></body></html>"
    )
    paragraphs = main_text(html)
    assert paragraphs[0] == "تیتر"
    first = paragraphs[1]
    assert "می" + ZWNJ + "خواهد" in first and "کتاب" + ZWNJ + "ها" in first
    assert "نیم" + ZWNJ + "فاصله" in first
    assert "جمله" + ZWNJ + "ای" in first


def test_extraction_hints_override_the_generic_extractor() -> None:
    page_text = (PAGES / "tabnak_1399497.html").read_text(encoding="utf-8")
    hints = ExtractionHints(
        body_xpath="//div[@class='subtitle']",
        date_xpath="//div[contains(@class,'news_id_c')]",
        category_xpath="//div[@class='rutitr']",
        title_xpath="//title",
    )
    page = extract_page(page_text, "https://www.tabnak.ir/fa/news/1399497", hints)
    assert page.paragraphs == [
        "گاهی کابل شبکه یا درگاه اتصال، سرعت ارتباط را محدود می"
        + ZWNJ
        + "کند و اجازه نمی"
        + ZWNJ
        + "دهد از تمام ظرفیت اینترنت پرسرعت خود استفاده کنید."
    ]
    assert page.published == "کد خبر: ۱۳۹۹۴۹۷" and page.published_source == "hint"
    assert page.category == "فناوری"
    assert page.title == "تابناک | راهی ساده برای استفاده از حداکثر سرعت اینترنت"


def test_empty_or_broken_html_gives_an_empty_page() -> None:
    assert extract_page("", "https://x.ir/").paragraphs == []
    assert extract_page("<html><body><nav>منو</nav></body></html>", "https://x.ir/").paragraphs == []


@pytest.mark.parametrize(
    "text",
    [
        "۲۷ مهر ۱۴۰۵",
        "دوشنبه ۲۷ مهر ۱۴۰۵ - ۲۳:۰۰",
        "سه\u200cشنبه ۲۸ مهر ۱۴۰۵",
        "1405/07/27 23:00",
        "۱۴۰۵/۰۷/۲۷",
        "5 دی 1402",
    ],
)
def test_jalali_date_pattern(text: str) -> None:
    m = JALALI_DATE.search(f"تاریخ انتشار: {text} بازدید")
    assert m and m.group(0) == text


def test_html_to_paragraphs_splits_blocks_and_breaks() -> None:
    html = "<div><p>یک <b>دو</b></p>سه<br/>چهار<ul><li>پنج</li></ul><script>x()</script></div>"
    assert html_to_paragraphs(html) == ["یک دو", "سه", "چهار", "پنج"]
    assert html_to_paragraphs("متن ساده\nخط دوم") == ["متن ساده", "خط دوم"]
    assert html_to_paragraphs("") == []
