"""The fast paths of the character cleanup give exactly what the plain formulations give."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from akhbar.text import chars
from akhbar.text import normalize as norm

# Persian letters and the characters the fast paths treat specially: ZWNJ, spaces of every kind, newlines,
# Arabic letter variants, three digit sets, URL and e-mail punctuation.
ALPHABET = st.sampled_from(
    [*"سلامکتابیيكةىآأ۰۱۲٣٤9 0", "\u200c", "\u200c\u200c", "\n", "\t", "\u00a0", "\u2009", "  ", "@", "://", "www.", ".", ",", "/", "%"]
)
TEXTS = st.lists(ALPHABET, max_size=40).map("".join)
# The plain formulations the fast paths replace.
ZWNJ_AT_EDGE = re.compile("(?:(?<=\\s)|^)\u200c+|\u200c+(?=\\s|$)", re.MULTILINE)
PROTECTED_ALL_BRANCHES = norm._protected_pattern(True, True)


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_translators_equal_str_translate(text: str) -> None:
    letters = str.maketrans(chars.LETTER_FOLD)
    to_ascii = str.maketrans(chars.PERSIAN_DIGITS + chars.ARABIC_DIGITS, chars.ASCII_DIGITS * 2)
    to_persian = str.maketrans(chars.ASCII_DIGITS + chars.ARABIC_DIGITS, chars.PERSIAN_DIGITS * 2)
    assert chars.fold_letters(text) == text.translate(letters)
    assert chars.to_ascii_digits(text) == text.translate(to_ascii)
    assert chars.to_persian_digits(text) == text.translate(to_persian)


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_edge_zwnj_equals_the_regex(text: str) -> None:
    collapsed = chars._ZWNJ_RUNS.sub(chars.ZWNJ, text)  # as in tidy_block, where it is applied
    assert chars._EDGE_ZWNJ.sub("", collapsed) == ZWNJ_AT_EDGE.sub("", collapsed)


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_tidy_equals_the_plain_steps(text: str) -> None:
    plain = chars._ZWNJ_RUNS.sub(chars.ZWNJ, text)
    plain = re.sub("[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+", " ", plain)
    plain = ZWNJ_AT_EDGE.sub("", plain)
    plain = re.sub(" *\n *", "\n", plain).strip(" ")
    assert chars.tidy_block(text) == plain


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_one_class_spaces_pattern_matches_the_alternation(text: str) -> None:
    ws = "[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]"
    alternation = re.compile(f"{ws}{{2,}}|[\t\u00a0\u2000-\u200a\u202f\u205f\u3000]")
    assert [m.span() for m in chars._SPACES.finditer(text)] == [m.span() for m in alternation.finditer(text)]


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_protect_matches_the_full_pattern(text: str) -> None:
    fast = norm._protected_pattern("://" in text or "www." in text, "@" in text)
    assert [m.span() for m in fast.finditer(text)] == [m.span() for m in PROTECTED_ALL_BRANCHES.finditer(text)]


def test_real_paragraph_unchanged_by_the_fast_paths() -> None:
    text = "به گزارش خبرنگار\u200c  فارس ،  سردار\u200c حسین دهقان در ۱۴۰۲/۰۵/۱۲ گفت: 12.5% www.farsnews.ir info@x.ir"
    assert chars.tidy_block(text) == "به گزارش خبرنگار فارس ، سردار حسین دهقان در ۱۴۰۲/۰۵/۱۲ گفت: 12.5% www.farsnews.ir info@x.ir"


KEY_ALPHABET = st.sampled_from(
    [*"سلامکتابیيكةىآأ۰۱٣9a_Bİ", "\u200c", "\u064e", "\u0654", "\u0301", "ﻻ", "ﷲ", "\uff21", "…", "\u200f", "ـ", " ", "،", "-", "\n"]
)


@settings(max_examples=600, deadline=None)
@given(st.lists(st.lists(KEY_ALPHABET, max_size=12).map("".join), max_size=6))
def test_canonical_keys_equal_one_key_per_line(lines: list[str]) -> None:
    assert chars.canonical_keys(lines) == [chars.canonical_key(x) for x in lines]


@settings(max_examples=400, deadline=None)
@given(st.lists(KEY_ALPHABET, max_size=30).map("".join))
def test_canonical_key_equals_the_plain_steps(text: str) -> None:
    import unicodedata

    plain = unicodedata.normalize("NFKC", text)
    plain = chars._KASHIDA_DIACRITICS.sub("", chars._CONTROLS.sub("", plain))
    plain = chars._KEY_FOLDS(plain).lower().replace(chars.ZWNJ, " ")
    assert chars.canonical_key(text) == " ".join(re.sub(r"[\W_]+", " ", plain).split())
