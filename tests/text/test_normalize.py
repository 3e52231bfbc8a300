"""Persian normalization: parametrized real cases (invisible characters written as escapes)."""

from __future__ import annotations

import pytest

from akhbar.text.normalize import fix_missing_zwnj, normalize_lines, normalize_text

pytestmark = pytest.mark.usefixtures("normalizer_ready")

CASES = [
    # missing ZWNJ of real input (the seed article)
    ("منطقهای", "منطقه\u200cای"),
    ("پیروزی های اخیر", "پیروزی\u200cهای اخیر"),
    ("این پیروزی محسوب می شود", "این پیروزی محسوب می\u200cشود"),
    ("مسائل دو جانبه، منطقهای و بین المللی", "مسائل دو جانبه، منطقه\u200cای و بین\u200cالمللی"),
    ("آیت الله", "آیت\u200cالله"),
    # Arabic letter variants
    ("خبرگزاري فارس: كشور", "خبرگزاری فارس: کشور"),
    ("دايرة المعارف", "دایره المعارف"),
    ("مصطفى", "مصطفی"),
    # digits: one convention (Persian) in display text; decimals and percents stay numbers
    ("رشد 12.5% اقتصاد", "رشد ۱۲٫۵٪ اقتصاد"),
    ("رشد ١٢٫٥ درصد", "رشد ۱۲٫۵ درصد"),
    ("قیمت 3,000,000 تومان", "قیمت ۳٬۰۰۰٬۰۰۰ تومان"),
    ("تاریخ 1402/05/12 ساعت 14:05", "تاریخ ۱۴۰۲/۰۵/۱۲ ساعت ۱۴:۰۵"),
    ("۱۲ ٫ ۵ ٪", "۱۲٫۵٪"),
    # URLs and e-mails are not split apart
    ("سایت www.farsnews.ir را ببینید", "سایت www.farsnews.ir را ببینید"),
    ("نشانی info@example.com است", "نشانی info@example.com است"),
    # kashida, diacritics, control characters, whitespace
    ("ســـلام", "سلام"),
    ("اِعلام کَرد", "اعلام کرد"),
    ("سلام\u200f دنیا\u200e", "سلام دنیا"),
    ("  سلام   \t دنیا  ", "سلام دنیا"),
    ("کتاب\u200c\u200cها", "کتاب\u200cها"),
    # punctuation spacing
    ("گفت : «سلام» .", "گفت: «سلام»."),
    # Arabic presentation forms (U+FE.. / U+FB..) fold to letters
    ("\ufeb3\ufefc\ufee1", "سلام"),
]


@pytest.mark.parametrize(("raw", "expected"), CASES)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


@pytest.mark.parametrize(("raw", "_"), CASES)
def test_normalize_is_idempotent_on_cases(raw: str, _: str) -> None:
    once = normalize_text(raw)
    assert normalize_text(once) == once


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("منطقهای", "منطقه\u200cای"),  # منطقه (5.5M) beats منطق (1.1M) in hazm's lexicon
        ("خانهاش", "خانه\u200cاش"),
        ("نیروهای", "نیروهای"),  # after a non-joining letter no ZWNJ is needed
        ("دختر", "دختر"),  # a word of its own, not دخ+تر
        ("پیتر", "پیتر"),  # unknown name: پی is not an adjective, so no تر split
    ],
)
def test_fix_missing_zwnj(word: str, expected: str) -> None:
    assert fix_missing_zwnj(word) == expected


def test_normalize_lines_keeps_positions() -> None:
    lines = ["عنوان خبر", "", "پاراگراف اول می شود", "پاراگراف دوم"]
    out = normalize_lines(lines)
    assert out == ["عنوان خبر", "", "پاراگراف اول می\u200cشود", "پاراگراف دوم"]


def test_zwnj_lexicon_is_hazms_word_list() -> None:
    """The ZWNJ repair's lexicon comes from the normalizer's words: it must equal hazm's word list file."""
    from hazm.utils import words_list

    from akhbar.text.normalize import _lexicon

    expected = {w: (int(freq), frozenset(tags)) for w, freq, tags in words_list()}
    assert len(expected) > 190_000
    assert {w: (freq, frozenset(tags)) for w, (freq, tags) in _lexicon().items()} == expected
    assert all(type(freq) is int for freq, _ in _lexicon().values())  # compared with _MIN_STEM_FREQ
