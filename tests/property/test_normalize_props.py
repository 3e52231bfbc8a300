"""Property tests: normalization is idempotent, leaves no Arabic yeh/kaf, never loses a ZWNJ between words."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from akhbar.text.chars import canonical_key
from akhbar.text.normalize import normalize_text

pytestmark = pytest.mark.usefixtures("normalizer_ready")

PERSIAN = "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیآءئؤأإ"
ARABIC_VARIANTS = "يكةى"
DIGITS = "0123456789۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩"
PUNCT = " ،.:؛!؟«»()%٪-/\u200c\u200d\u200f\u0640\u064e\u064b\n\t"
alphabet = st.sampled_from(list(PERSIAN + ARABIC_VARIANTS + DIGITS + PUNCT + "abcXYZ"))
persianish = st.text(alphabet=alphabet, max_size=120)
words = st.lists(st.text(alphabet=st.sampled_from(list(PERSIAN + ARABIC_VARIANTS)), min_size=1, max_size=8), min_size=1, max_size=12)

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(persianish)
def test_idempotent(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once


@SETTINGS
@given(persianish)
def test_no_arabic_yeh_kaf_survives(text: str) -> None:
    out = normalize_text(text)
    assert "ي" not in out and "ك" not in out


@SETTINGS
@given(st.text(max_size=80))
def test_any_unicode_is_handled(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once


@SETTINGS
@given(words)
def test_canonical_key_stable_under_spelling_variants(ws: list[str]) -> None:
    zwnj = "\u200c".join(ws)
    spaced = " ".join(w.replace("ی", "ي").replace("ک", "ك") for w in ws)
    assert canonical_key(zwnj) == canonical_key(spaced)


@SETTINGS
@given(words)
def test_zwnj_between_joining_words_is_kept(ws: list[str]) -> None:
    # A ZWNJ written between two letters that would otherwise join must survive normalization.
    text = "می\u200cشود " + " ".join(ws)
    assert "می\u200cشود" in normalize_text(text)


@SETTINGS
@given(st.lists(st.one_of(persianish, st.text(max_size=60)), min_size=1, max_size=4))
def test_search_terms_of_normalized_text_need_no_second_cleanup(lines: list[str]) -> None:
    # The workers reduce normalize_lines output with normalized=True (no character cleanup): same terms.
    from akhbar.search import doc_text, reduce_terms
    from akhbar.text.normalize import normalize_lines

    out = normalize_lines(lines)
    text = doc_text(out[0], None, "\n".join(out[1:]))
    assert reduce_terms(text, normalized=True) == reduce_terms(text)
