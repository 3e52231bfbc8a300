"""FastNormalizer returns exactly what stock hazm 0.10.0's Normalizer().normalize returns."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from akhbar.records import RawRecord
from akhbar.sources.files import read_all
from akhbar.text.fast_hazm import FastNormalizer
from tests.conftest import SAMPLES, shared


@functools.cache
def pair() -> tuple[FastNormalizer, object]:
    from hazm import Normalizer

    return FastNormalizer(), Normalizer()


def _texts(paths: list[str]) -> list[str]:
    recs = [r for r in read_all(paths) if isinstance(r, RawRecord)]
    return ["\n".join([r.title or "", r.lead or "", *r.paragraphs]) for r in recs]


def _assert_same(texts: list[str]) -> None:
    fast, stock = pair()
    differ = [t for t in texts if fast.normalize(t) != stock.normalize(t)]  # type: ignore[attr-defined]
    assert not differ, (len(differ), differ[0][:300])


def test_same_output_on_the_committed_samples() -> None:
    texts = _texts([str(SAMPLES)])
    assert len(texts) > 100
    _assert_same(texts)
    _assert_same([line for t in texts for line in t.split("\n")])  # one line at a time as well


def test_same_output_on_all_fars_varzesh3_articles() -> None:
    texts = _texts([str(shared("langml-fars-varzesh3"))])
    assert len(texts) == 3197
    _assert_same(texts)


def test_same_output_on_the_four_agency_and_fars_1402_rows() -> None:
    texts = _texts([str(shared("headlinegen-4agency-sample")), str(shared("farsnews-1402-sample"))])
    assert len(texts) > 200
    _assert_same(texts)


@pytest.mark.parametrize(
    "text",
    [
        "اِعلاممممم کَرد : « زمین لرزه ای به بُزرگیِ 6 دهم ریشتر ...»",  # hazm's own docstring example
        "قيمت 12.5% و 3,000 تومان “نقل قول” ﷼ ﷲ ﻻ",  # letters and digits of every table, ligatures
        "می شود نمی دانم کتاب ها بزرگ تر خانه ای رفته ام جمعهها",  # the affix rules
        "سلامممم ااااا دی ان ای گفت:  «سلام»  ،  [۱] (الف)",  # repeats, punctuation spacing
        "\u200c\u200cسلام\u200c \u200cدنیا\u200c\n\n\n\nخط ـــ کشیده\r",  # ZWNJ runs, newlines, kashida, CR
        "",
    ],
)
def test_same_output_on_hand_picked_cases(text: str) -> None:
    _assert_same([text])


ALPHABET = st.sampled_from(
    [*"سلامکتابیهنمیدوز", "ها", "های", "تر", "ترین", "ای", "ام", "می", "نمی", "است", "شده", "ه", "ی",
     "گر", "گری", "ید", "ند", "یم", "اش", "ات",  # the affix rules' suffixes
     *"يكةىأۀ", *"0123456789۰۱٣", "%", ".", "...", ",", "،", ":", "!", "؟", "«", "»", '"', "“", "(", ")", "[", "]",
     "{", "}", "+", "/", "؛", "?", "_", "a",  # every character the guarded and rewritten rules look at
     " ", "  ", "\n", "\t", "\r", "\u200c", "\u200c\u200c", "\u200d", "ـ", "\u064e", "ﷲ", "ﻻ", "ممم", "ااا"]
)


@settings(max_examples=1500, deadline=None)
@given(st.lists(ALPHABET, max_size=60).map("".join))
def test_same_output_on_generated_text(text: str) -> None:
    _assert_same([text])


def test_every_guard_and_rewrite_belongs_to_a_hazm_rule() -> None:
    """A shortcut keyed by a rule hazm no longer has would silently stop applying: all of them must be used."""
    from akhbar.text import fast_hazm

    fast, _ = pair()
    rules = {
        (p, r)
        for name in ("persian_style_patterns", "diacritics_patterns", "extra_space_patterns",
                     "affix_spacing_patterns", "punctuation_spacing_patterns", "specials_chars_patterns")
        for p, r in getattr(fast, name)
    }  # fmt: skip
    keys = set(fast_hazm._GUARDS) | set(fast_hazm._REWRITES) | set(fast_hazm._FUNCTIONS) | set(fast_hazm._LOOSE_ZWNJ_RULES)
    assert keys <= rules, keys - rules
    assert fast_hazm._joint_mi_pattern(fast.joint_mi_patterns) != fast.joint_mi_patterns  # the rewrite applies
    assert fast.tokenize != fast.tokenizer.tokenize  # the normalizer's tokenizer takes the fast path


def _guard_hits(guard: object, text: str) -> bool:
    if isinstance(guard, str):
        return guard in text
    if isinstance(guard, tuple):
        return any(g in text for g in guard)
    return guard.search(text) is not None  # type: ignore[attr-defined]


@settings(max_examples=3000, deadline=None)
@given(st.lists(ALPHABET, max_size=40).map("".join))
def test_each_shortcut_gives_its_hazm_rules_result(text: str) -> None:
    """Rule by rule: a guard that says "no match" is right, a rewrite or function gives hazm's regex result."""
    import re

    from akhbar.text import fast_hazm

    for (pattern, repl), guard in fast_hazm._GUARDS.items():
        if re.sub(pattern, repl, text) != text:
            assert _guard_hits(guard, text), (pattern, text)
    for (pattern, repl), (fast_pattern, fast_repl) in fast_hazm._REWRITES.items():
        assert re.sub(fast_pattern, fast_repl, text) == re.sub(pattern, repl, text), (pattern, text)
    for (pattern, repl), function in fast_hazm._FUNCTIONS.items():
        assert function(text) == re.sub(pattern, repl, text), (pattern, text)
    mi = pair()[0].joint_mi_patterns
    assert re.findall(fast_hazm._joint_mi_pattern(mi), text) == re.findall(mi, text), text


@pytest.mark.parametrize("text", ["می رود", "نمی رود و می رود", " می می رود", "می ", "نمی نمی ", "رفت\nمی رود", "ممی رود"])
def test_the_mi_function_joins_where_hazm_does(text: str) -> None:
    import re

    from akhbar.text.fast_hazm import _join_mi

    assert _join_mi(text) == re.sub("(^| )(ن?می) ", "\\1\\2\u200c", text)


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(["س", "ل", "\u200c", "\u200c\u200c", " ", ".", "«", "1", "_", "\n"]), max_size=30).map("".join))
def test_zwnj_guard_finds_every_text_hazm_word_boundary_rules_change(text: str) -> None:
    import re

    from akhbar.text.fast_hazm import _LOOSE_ZWNJ

    changed = re.sub("\\B\\u200c*\\b", "", re.sub("\\b\\u200c*\\B", "", text)) != text
    if changed:
        assert _LOOSE_ZWNJ.search(text) is not None


@functools.cache
def _tokenizers() -> list[tuple[object, object]]:
    from hazm import WordTokenizer

    from akhbar.text.hazm_shared import fast_tokenize, word_tokenizer

    out = []
    for join in (True, False):
        tokenizer = WordTokenizer(join_verb_parts=join)
        fast = fast_tokenize(tokenizer)
        assert fast != tokenizer.tokenize  # the fast path is taken for both configurations
        out.append((fast, tokenizer.tokenize))
        # Built without hazm's word table (as the pipeline builds them): the same tokens, both methods.
        light = word_tokenizer(join_verb_parts=join)
        assert light.words == {} and tokenizer.words
        out.extend([(fast_tokenize(light), tokenizer.tokenize), (light.tokenize, tokenizer.tokenize)])
    return out


def test_fast_tokenize_gives_hazms_tokens_on_real_text() -> None:
    lines = [line for t in _texts([str(SAMPLES)]) for line in t.split("\n")]
    for fast, stock in _tokenizers():
        assert [fast(x) for x in lines] == [stock(x) for x in lines]  # type: ignore[operator]


@settings(max_examples=800, deadline=None)
@given(st.lists(ALPHABET, max_size=60).map("".join))
def test_fast_tokenize_gives_hazms_tokens_on_generated_text(text: str) -> None:
    for fast, stock in _tokenizers():
        assert fast(text) == stock(text)  # type: ignore[operator]


@functools.cache
def _hazm_tokenizer_pattern() -> Any:
    from hazm import WordTokenizer

    return WordTokenizer(join_verb_parts=False).pattern


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from([*"؟!?.:،؛»])}\"«[({/\\", "1", "۲", "٣", "a", "س", " ", "\n", "\u200c"]), max_size=30).map("".join))
def test_the_one_class_token_pattern_splits_as_hazms(text: str) -> None:
    import re

    from akhbar.text.hazm_shared import _FAST_TOKEN_PATTERN, _HAZM_TOKEN_PATTERN

    hazm_pattern = _hazm_tokenizer_pattern()
    assert hazm_pattern.pattern == _HAZM_TOKEN_PATTERN  # else fast_tokenize silently keeps the slow pattern
    assert re.compile(_FAST_TOKEN_PATTERN, hazm_pattern.flags).split(text) == hazm_pattern.split(text)


def test_fast_tokenize_keeps_hazms_method_when_an_option_is_on() -> None:
    from hazm import WordTokenizer

    from akhbar.text.hazm_shared import fast_tokenize

    tokenizer = WordTokenizer(replace_numbers=True)
    assert fast_tokenize(tokenizer) == tokenizer.tokenize


TOKENS = st.sampled_from(
    ["می", "نمی", "شود", "رود", "کتاب", "ها", "های", "زمین", "لرزه", "ای", "اخلال", "گر", "خواهد", "رفت",
     "پرداخت", "شده", "است", "بین", "المللی", "ماه", "سال", "جدید", "تر", "ترین", "ام", "، ", ".", "۱۲"]
)


@settings(max_examples=1500, deadline=None)
@given(st.lists(TOKENS, max_size=25))
def test_token_spacing_joins_what_hazms_loop_joins(tokens: list[str]) -> None:
    from hazm import Normalizer

    fast, stock = pair()
    assert fast.token_spacing(list(tokens)) == Normalizer.token_spacing(stock, list(tokens))


def test_token_spacing_joins_what_hazms_loop_joins_on_real_lines() -> None:
    from hazm import Normalizer

    fast, stock = pair()
    lines = [line for t in _texts([str(SAMPLES)]) for line in t.split("\n")]
    for tokens in map(fast.tokenize, lines):
        assert fast.token_spacing(list(tokens)) == Normalizer.token_spacing(stock, list(tokens))


def test_hazms_word_list_is_read_once_per_process_with_the_same_entries() -> None:
    import hazm
    import hazm.utils
    import hazm.word_tokenizer

    from akhbar.text.hazm_shared import read_word_list_once

    read_word_list_once()
    read_word_list_once()  # installed once: not a cache of a cache
    cached = hazm.utils.words_list
    assert hazm.word_tokenizer.words_list is cached and not getattr(cached.original, "akhbar_cached", False)
    assert cached() is cached(hazm.default_words) is cached()
    assert cached() == cached.original()  # a fresh read of the file
    assert hazm.WordTokenizer().words == {w: (freq, tags) for w, freq, tags in cached.original()}
