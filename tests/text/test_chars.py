"""Character folding, canonical keys and the Persian-language check."""

from __future__ import annotations

import pytest

from akhbar.text.chars import canonical_key, clean_chars, content_hash, persian_score, to_ascii_digits


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("پیروزی\u200cهای اخیر", "پيروزي هاي اخير"),  # ZWNJ vs space, Arabic vs Persian yeh
        ("کتاب ۱۲ جلدی", "كتاب 12 جلدی"),  # kaf, digits
        ("سلام، دنیا!", "سلام دنیا"),  # punctuation
        ("إعلام", "اعلام"),  # hamza carrier
        ("خانۀ ما", "خانه ما"),
    ],
)
def test_canonical_key_ignores_variants(a: str, b: str) -> None:
    assert canonical_key(a) == canonical_key(b)
    assert content_hash(canonical_key(a)) == content_hash(canonical_key(b))


def test_content_hash_ignores_word_joins() -> None:
    assert content_hash(canonical_key("پیروزیها")) == content_hash(canonical_key("پیروزی ها"))


def test_canonical_key_distinguishes_words() -> None:
    assert canonical_key("وزیر دفاع ایران") != canonical_key("وزیر دفاع عراق")


def test_clean_chars_keeps_inner_zwnj_and_drops_edge_zwnj() -> None:
    assert clean_chars("\u200cمی\u200cشود\u200c") == "می\u200cشود"


def test_to_ascii_digits() -> None:
    assert to_ascii_digits("۱۴۰۲/٠٥/12") == "1402/05/12"


@pytest.mark.parametrize(
    ("text", "persian"),
    [
        ("به گزارش مشرق به نقل از اداره کل تبلیغات دفاعی وزارت دفاع، وزیران دفاع ایران و عراق دیدار کردند.", True),
        ("خبرگزاري فارس: رئيس جمهور در ديدار با وزير كشور گفت اين طرح اجرا مي شود.", True),
        ("The defence ministers of Iran and Iraq met in Tehran on Sunday to discuss security.", False),
        ("قال وزير الدفاع العراقي في مؤتمر صحفي إن التعاون مع إيران في مجال الأمن قد تطور كثيرا على مدى السنوات.", False),
        ("12345 67890", False),
    ],
)
def test_persian_score(text: str, persian: bool) -> None:
    assert persian_score(text)[0] is persian
