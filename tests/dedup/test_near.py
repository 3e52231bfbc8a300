"""Near-duplicate core: each reprint variant of a real article is a near-duplicate; different articles are not."""

from __future__ import annotations

import time
from itertools import combinations

import numpy as np
import pytest

from akhbar.dedup import near
from akhbar.text.chars import canonical_key

KINDS = [
    "identical",
    "zwnj_to_space",
    "zwnj_removed",
    "arabic_letters",
    "persian_letters",
    "reordered",
    "edit_3pct",
    "edit_8pct",
    "edit_15pct",
    "boilerplate",
    "truncated_60pct",
]


def key_of(paragraphs: list[str]) -> str:
    return canonical_key("\n".join(paragraphs))


@pytest.mark.parametrize("kind", KINDS)
def test_every_reprint_variant_is_a_near_duplicate(articles, variants, kind):
    for art in articles:
        original = key_of(art["paragraphs"])
        copy = key_of(variants[kind](art["paragraphs"]))
        ok, why = near.is_near_duplicate(original, copy)
        assert ok, f"{kind} of {art['link']}: {why}"


@pytest.mark.parametrize("kind", ["zwnj_to_space", "zwnj_removed", "arabic_letters", "persian_letters"])
def test_spelling_variants_give_identical_shingles(articles, variants, kind):
    for art in articles:
        a = near.shingles(key_of(art["paragraphs"]))
        b = near.shingles(key_of(variants[kind](art["paragraphs"])))
        assert np.array_equal(a, b), art["link"]


def test_different_articles_of_one_agency_are_not_duplicates(articles):
    for a, b in combinations(articles, 2):
        ok, why = near.is_near_duplicate(key_of(a["paragraphs"]), key_of(b["paragraphs"]))
        assert not ok, f"{a['link']} ~ {b['link']}: {why}"


def test_shared_signoff_does_not_make_different_articles_duplicates(articles, boilerplate_lines):
    same_agency = [a for a in articles if a["agency"] == "fars"]
    for a, b in combinations(same_agency, 2):
        ka = key_of([*a["paragraphs"], *boilerplate_lines])
        kb = key_of([*b["paragraphs"], *boilerplate_lines])
        ok, why = near.is_near_duplicate(ka, kb)
        assert not ok, f"{a['link']} ~ {b['link']}: {why}"


def test_daily_template_with_other_figures_is_not_a_duplicate():
    monday = canonical_key(
        "تعداد مبتلایان به این ویروس در جهان تا صبح امروز جمعه ۵ اردیبهشت از مرز دو میلیون و ۷۲۵ هزار نفر "
        "عبور کرده و تعداد قربانیان این ویروس نیز از ۱۹۱ هزار نفر بیشتر شده است و ۸۰۱ هزار نفر بهبود یافته\u200cاند"
    )
    thursday = canonical_key(
        "تعداد مبتلایان به این ویروس در جهان تا صبح امروز دوشنبه ۸ اردیبهشت به مرز ۳ میلیون نفر رسیده "
        "و تعداد قربانیان این ویروس نیز به مرز ۲۰۷ هزار نفر رسیده است و ۸۸۹ هزار نفر بهبود یافته\u200cاند"
    )
    ok, why = near.is_near_duplicate(monday, thursday)
    assert not ok and why.startswith("numbers_differ"), why
    # the same bulletin with Arabic letters and other digits is still one story
    assert near.is_near_duplicate(monday, canonical_key(monday.replace("ی", "ي")))[0]


@pytest.mark.parametrize(
    ("key", "ok"),
    [
        ("", False),
        ("   ", False),
        ("سلام", False),
        ("خبر فوری", False),
        ("تیم ملی بسکتبال نوجوانان کشورمان در نخستین دیدار عراق را شکست داد", True),
    ],
)
def test_eligible(key, ok):
    assert near.eligible(canonical_key(key))[0] is ok


def test_ineligible_keys_are_never_near_duplicates():
    ok, why = near.is_near_duplicate("سلام", "سلام")
    assert not ok and why.startswith("not_eligible")


def test_huge_key_is_capped_and_fast():
    unit = canonical_key("تیم ملی بسکتبال نوجوانان کشورمان در نخستین دیدار خود عراق را شکست داد ")
    huge = (unit + " ") * (50_000_000 // (len(unit) + 1))  # ~50 MB of key text
    start = time.perf_counter()
    prof = near.shingle_key(huge)
    assert time.perf_counter() - start < 5
    assert prof.shingles.size <= near.MAX_KEY_CHARS
    assert near.eligible(huge)[0]


def test_minhash_estimates_jaccard(articles, variants):
    a = key_of(articles[2]["paragraphs"])
    b = key_of(variants["edit_15pct"](articles[2]["paragraphs"]))
    pa, pb = near.shingle_key(a), near.shingle_key(b)
    exact = near.similarity(pa.shingles, pb.shingles)[0]
    estimate = float(np.mean(pa.signature == pb.signature))
    assert abs(exact - estimate) < 0.15, (exact, estimate)


def test_band_hashes_are_int64_deterministic_and_shared_by_variants(articles, variants):
    paras = articles[0]["paragraphs"]
    h1 = near.band_hashes(near.shingle_key(key_of(paras)).signature)
    h2 = near.band_hashes(near.shingle_key(key_of(variants["arabic_letters"](paras))).signature)
    assert h1.dtype == np.int64 and h1.shape == (near.BANDS,)
    assert np.array_equal(h1, h2)
    other = near.band_hashes(near.shingle_key(key_of(articles[1]["paragraphs"])).signature)
    assert not np.any(h1 == other)


def test_truncation_matches_by_containment(articles, variants):
    paras = max(articles, key=lambda a: sum(map(len, a["paragraphs"])))["paragraphs"]
    ok, why = near.is_near_duplicate(key_of(paras), key_of(variants["truncated_60pct"](paras)))
    assert ok, why
    # a digest a quarter of which is this story does not absorb it
    tiny = key_of(variants["truncated_60pct"](paras)[:1])
    j, c, ratio = near.similarity(near.shingles(tiny), near.shingles(key_of(paras)))
    if ratio < near.SIZE_RATIO_MIN and j < near.JACCARD_MIN:
        assert not near.decide(j, c, ratio)[0]


def test_intersection_size_equals_numpy_intersect1d() -> None:
    rng = np.random.default_rng(7)
    top = np.iinfo(np.uint64).max
    cases = [(np.empty(0, np.uint64), np.arange(3, dtype=np.uint64)), (np.array([top], np.uint64), np.array([0, top], np.uint64))]
    for _ in range(300):
        pool = rng.integers(0, 2**63, size=int(rng.integers(1, 400)), dtype=np.uint64)
        if rng.random() < 0.2:
            pool = np.concatenate([pool, np.array([0, top], np.uint64)])
        a = np.unique(rng.choice(pool, size=int(rng.integers(0, pool.size + 1))))
        b = np.unique(rng.choice(pool, size=int(rng.integers(0, pool.size + 1))))
        cases.append((a, b))
    for a, b in cases:
        expected = np.intersect1d(a, b, assume_unique=True).size
        if a.size and b.size:
            assert near._intersection_size(a, b) == expected
            assert near._intersection_size(b, a) == expected


def test_sketch_jaccards_equal_one_pair_at_a_time() -> None:
    rng = np.random.default_rng(7)
    a = [bytes(rng.integers(0, 256, near.NUM_PERM, dtype=np.uint8)) for _ in range(50)]
    b = [bytes(x if rng.random() < 0.5 else rng.integers(0, 256, dtype=np.uint8) for x in s) for s in a]
    assert near.sketch_jaccards(a, b).tolist() == [near.sketch_jaccard(x, y) for x, y in zip(a, b, strict=True)]
    assert near.sketch_jaccards([], []).size == 0
    odd = [bytes(range(128)), a[0]], [bytes(range(64)), a[0]]  # sketches of another length: one pair at a time
    assert near.sketch_jaccards(*odd).tolist() == [near.sketch_jaccard(x, y) for x, y in zip(*odd, strict=True)]
