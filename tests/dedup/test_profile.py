"""Near-duplicate profiles made in the workers: the same key, shingles and bands as the writer would make."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from akhbar.dedup import boilerplate as bp
from akhbar.dedup import near
from akhbar.dedup.profile import basis_of, near_key, profile_body
from akhbar.text.chars import canonical_key
from tests.conftest import SAMPLES

# Letters, digits, ZWNJ, Arabic variants, diacritics, punctuation, spaces and a few odd characters.
_ALPHABET = "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیيكة۰۱۲۳0123٤ \u200c\u064b\u0640،.!؟:«»/-\u200d\ufeffa"
paragraphs = st.lists(st.text(alphabet=_ALPHABET, max_size=60), min_size=1, max_size=8)


@settings(max_examples=300, deadline=None)
@given(paragraphs)
def test_body_key_is_the_paragraph_keys_joined(paras: list[str]) -> None:
    # prepare_record derives the body's content key from the paragraphs' keys; it must equal the key of
    # the whole body (a newline is a word boundary like any other non-word character).
    joined = " ".join(k for k in (canonical_key(p) for p in paras) if k)
    assert joined == canonical_key("\n".join(paras))


@settings(max_examples=300, deadline=None)
@given(paragraphs, st.data())
def test_profile_from_paragraph_keys_equals_profile_from_body(paras: list[str], data: st.DataObject) -> None:
    keys = bp.paragraph_keys(paras)
    boiler = frozenset(data.draw(st.lists(st.sampled_from(keys))))
    body = "\n".join(paras)
    plain = profile_body(body, boiler)
    fast = profile_body(body, boiler, canonical_lines=[canonical_key(p) for p in paras])
    assert near_key(paras, keys, boiler) == near_key(paras, keys, boiler, [canonical_key(p) for p in paras])
    assert (plain.eligible, plain.why, plain.paragraph_keys, plain.basis) == (fast.eligible, fast.why, fast.paragraph_keys, fast.basis)
    if plain.shingled is not None:
        assert np.array_equal(plain.shingled.shingles, fast.shingled.shingles)
        assert np.array_equal(plain.bands, fast.bands)


def test_profile_strips_boilerplate_and_a_glued_signoff_like_the_writer() -> None:
    art = json.loads(gzip.decompress((SAMPLES / "langml" / "fars-news-sample.json.gz").read_bytes()))[0]
    paras = [*art["paragraphs"], "برای عضویت در کانال ما کلیک کنید"]
    paras[-2] += " انتهای پیام/م"
    body = "\n".join(paras)
    footer = frozenset([bp.paragraph_key(paras[-1])])
    prof = profile_body(body, footer, canonical_lines=[canonical_key(p) for p in paras])
    kept, removed = bp.strip_boilerplate(paras, bp.predicate_of(footer))
    assert removed == [paras[-1], "انتهای پیام/م"]
    want = near.shingle_key(canonical_key("\n".join(kept)))
    assert prof.eligible and np.array_equal(prof.shingled.shingles, want.shingles)
    assert np.array_equal(prof.bands, near.band_hashes(want.signature))
    assert prof.basis == basis_of(footer) != basis_of(frozenset())


def test_basis_is_the_same_in_every_process_and_order() -> None:
    keys = ["انتهایپیام", "کدخبر0", "اخبارمرتبط"]
    a = basis_of(frozenset(keys))
    assert a == basis_of(frozenset(reversed(keys))) != basis_of(frozenset(keys[:2]))
    # Workers are other processes with other string-hash seeds: the digest must not depend on them.
    code = f"from akhbar.dedup.profile import basis_of; print(basis_of(frozenset({keys!r})))"
    for seed in ("1", "2"):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             env={**os.environ, "PYTHONHASHSEED": seed}, cwd=Path(__file__).resolve().parents[2])
        assert out.stdout.strip() == a
