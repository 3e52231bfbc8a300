"""Character-level Persian cleanup and the canonical comparison key.

Two conventions, stated once:
- display text (``articles.body``): Persian letters, **Persian digits** (۰-۹), ZWNJ kept;
- canonical key (dedup, search keys): Persian letters, **ASCII digits**, no ZWNJ/space/punctuation
  differences, so spelling variants of one text compare equal.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

ZWNJ = "\u200c"

# Arabic-script letter variants folded to the Persian letter (display and key).
LETTER_FOLD = {
    "\u064a": "\u06cc",  # ي Arabic yeh -> ی
    "\u0649": "\u06cc",  # ى alef maksura -> ی
    "\u06d2": "\u06cc",  # ے yeh barree -> ی
    "\u0643": "\u06a9",  # ك Arabic kaf -> ک
    "\u06aa": "\u06a9",  # ڪ swash kaf -> ک
    "\u0629": "\u0647",  # ة teh marbuta -> ه
    "\u06c1": "\u0647",  # heh goal (U+06C1) -> ه
    "\u06d5": "\u0647",  # ae (U+06D5) -> ه
}
# Further folds for the comparison key only: hamza carriers and heh-yeh, so أ/إ/آ/ا and ۀ/هٔ compare equal.
KEY_FOLD = {
    "\u0623": "\u0627",  # أ
    "\u0625": "\u0627",  # إ
    "\u0622": "\u0627",  # آ
    "\u0671": "\u0627",  # ٱ
    "\u0624": "\u0648",  # ؤ
    "\u0626": "\u06cc",  # ئ
    "\u06c0": "\u0647",  # ۀ
}
PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
ASCII_DIGITS = "0123456789"



class _Translator:
    """``str.translate`` with a fixed table, fast on Persian text.

    CPython's ``str.translate`` looks every character up in the table (~40 ns each on non-ASCII text,
    0.2 ms for one article); a regex scan finds the runs of characters that change and only those are
    translated, with the same result (8x faster on news text).
    """

    __slots__ = ("_runs", "_table")

    def __init__(self, mapping: dict[str, str]) -> None:
        self._table = str.maketrans(mapping)
        self._runs = re.compile("[" + "".join(re.escape(c) for c in mapping) + "]+")

    def __call__(self, text: str) -> str:
        return self._runs.sub(lambda m: m.group().translate(self._table), text)


_TO_ASCII_DIGITS = _Translator(dict(zip(PERSIAN_DIGITS + ARABIC_DIGITS, ASCII_DIGITS * 2, strict=True)))
_TO_PERSIAN_DIGITS = _Translator(dict(zip(ASCII_DIGITS + ARABIC_DIGITS, PERSIAN_DIGITS * 2, strict=True)))
_LETTERS = _Translator(LETTER_FOLD)
# The comparison key folds letters, hamza carriers and digits in one scan.
_KEY_FOLDS = _Translator({**LETTER_FOLD, **KEY_FOLD, **dict(zip(PERSIAN_DIGITS + ARABIC_DIGITS, ASCII_DIGITS * 2, strict=True))})

# Kashida (tatweel), Arabic diacritics (harakat, tanwin, shadda, sukun, superscript alef, hamza above).
_KASHIDA_DIACRITICS = re.compile("[\u0640\u064b-\u065f\u0670\u06d6-\u06ed]")
# Control/format characters other than ZWNJ and newline/tab: ZWJ, bidi marks/embeddings, BOM, soft hyphen...
_CONTROLS = re.compile("[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u200b\u200d-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_ZWNJ_RUNS = re.compile("\u200c{2,}")
# Only whitespace that needs changing (a run of two or more, or a space other than U+0020): matching every
# single space would rewrite the whole text for nothing. Written to start with one character class (which the
# regex engine skips to) rather than an alternation tried at every character: a whitespace character, then
# the rest of its run, or nothing more if it was not U+0020 (2x faster).
_OTHER_SPACES = "\t\u00a0\u2000-\u200a\u202f\u205f\u3000"  # whitespace other than U+0020 (newline excluded)
_SPACES = re.compile(f"[ {_OTHER_SPACES}](?:[ {_OTHER_SPACES}]+|(?<=[{_OTHER_SPACES}]))")


def to_ascii_digits(text: str) -> str:
    """Turn Persian and Arabic-Indic digits into ASCII digits.

    >>> to_ascii_digits("۱۴۰۲/۰۵/۱۲ ١٢")
    '1402/05/12 12'
    """
    return _TO_ASCII_DIGITS(text)


def to_persian_digits(text: str) -> str:
    """Turn ASCII and Arabic-Indic digits into Persian digits.

    >>> to_persian_digits("1402 ١٢")
    '۱۴۰۲ ۱۲'
    """
    return _TO_PERSIAN_DIGITS(text)


def fold_letters(text: str) -> str:
    """Fold Arabic letter variants (ي ك ة ى ...) to their Persian letters.

    >>> fold_letters("كتاب علي")
    'کتاب علی'
    """
    return _LETTERS(text)


def clean_block(text: str) -> str:
    """Clean a multi-line text like ``clean_chars`` but keep every line (even empty ones) in place."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROLS.sub("", text)
    text = _KASHIDA_DIACRITICS.sub("", text)
    text = _LETTERS(text)
    return _tidy_spaces(text)


# A ZWNJ with whitespace or a line edge on either side. Runs are collapsed to one ZWNJ before this is applied,
# so deleting every match equals deleting every such run (tests/text/test_fast_paths.py); the literal comes
# first so the regex engine only stops at ZWNJs.
_EDGE_ZWNJ = re.compile("\u200c(?:(?<!\\S\u200c)|(?!\\S))")


def _tidy_spaces(text: str) -> str:
    """Collapse space runs, drop ZWNJ runs and ZWNJ next to a space or line edge, trim line edges."""
    if ZWNJ in text:  # most of the cost is here, and many lines have no ZWNJ at all
        text = _ZWNJ_RUNS.sub(ZWNJ, text)
        text = _SPACES.sub(" ", text)
        text = _EDGE_ZWNJ.sub("", text)
    else:
        text = _SPACES.sub(" ", text)
    if "\n" not in text:
        return text.strip(" ")
    # Spaces at either edge of every line (only U+0020 is left): a strip per line, not a regex stopping at
    # every space.
    return "\n".join([line.strip(" ") for line in text.split("\n")])


def tidy_block(text: str) -> str:
    """Tidy spaces and ZWNJ of a multi-line text that is otherwise clean (e.g. hazm's output), keeping lines."""
    if not text:
        return ""
    return _tidy_spaces(text)


def clean_chars(text: str) -> str:
    """Fold presentation forms, remove kashida/diacritics/controls, fold letters, tidy spaces and ZWNJ.

    This is the cheap pre-pass before hazm; it never drops a ZWNJ between two letters.
    """
    return clean_block(text).strip()


# The key's words: runs of word characters other than "_" (everything else, ZWNJ and punctuation included,
# separates words).
_KEY_WORD = re.compile(r"[^\W_]+")


def canonical_key(text: str) -> str:
    """Return the comparison form of a text: variants of letters, digits, ZWNJ, spaces, punctuation removed.

    Words stay separated by one space so the key can be shingled.

    >>> canonical_key("كتاب\u200cها ، ۱۲") == canonical_key("کتاب ها، 12")
    True
    >>> canonical_key("پیروزی\u200cهای اخیر") == canonical_key("پيروزي هاي اخير")
    True
    """
    if not text:
        return ""
    return " ".join(_KEY_WORD.findall(_key_chars(text)))


def _key_chars(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROLS.sub("", text)
    text = _KASHIDA_DIACRITICS.sub("", text)
    # ZWNJ and space are interchangeable in Persian spelling ("پیروزی‌های" / "پیروزی های"): ZWNJ is not a
    # word character, so both are word boundaries.
    return _KEY_FOLDS(text).lower()


def canonical_keys(lines: list[str]) -> list[str]:
    """``[canonical_key(x) for x in lines]`` for lines without newlines, with the character passes done once."""
    if len(lines) < 2 or any("\n" in x for x in lines):
        return [canonical_key(x) for x in lines]
    # Every step before the word split maps a line's characters without looking across a newline (NFKC
    # composes nothing with a newline), so the lines can go through them joined.
    folded = _key_chars("\n".join(lines)).split("\n")
    if len(folded) != len(lines):  # cannot happen with the steps above; kept as a guard
        return [canonical_key(x) for x in lines]
    return [" ".join(_KEY_WORD.findall(x)) if x else "" for x in folded]


def key_words(text: str) -> list[str]:
    """Split a canonical key into the units used for shingling (ZWNJ/space-insensitive)."""
    return canonical_key(text).split()


def content_hash(key: str) -> str:
    """Hash a canonical key into a short stable hex id (exact-duplicate key).

    Spaces are removed first so that "پیروزی‌ها", "پیروزی ها" and "پیروزیها" hash alike.
    """
    return hashlib.blake2b(key.replace(" ", "").encode("utf-8"), digest_size=10).hexdigest()


# Runs, not single characters: persian_score counts them by what deleting them takes away, and one
# deletion per word costs half of one per letter.
_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufeff]+")
_LATIN = re.compile("[A-Za-z]+")
_PERSIAN_ONLY = re.compile("[پچژگ\u06cc\u06a9]")
_ARABIC_ONLY = re.compile("[\u0629\u064a\u0643\u0649]")
_PERSIAN_WORDS = frozenset("است این که را با از به در می برای هم شد شده کرد بود آن یک ها های".split())
_ARABIC_WORDS = frozenset("في من على الى إلى عن التي الذي هذا هذه كان ان أن قد مع بين".split())


def persian_score(text: str) -> tuple[bool, str]:
    """Decide whether a text is Persian; return ``(is_persian, why)``.

    >>> persian_score("این یک خبر فارسی است که در تهران منتشر شد")[0]
    True
    >>> persian_score("This is an English news story about Tehran")[0]
    False
    """
    sample = text[:2000]
    # Counted as the length a deletion takes away: no match objects or strings per letter.
    arabic_script = len(sample) - len(_ARABIC_SCRIPT.sub("", sample))
    latin = len(sample) - len(_LATIN.sub("", sample))
    letters = arabic_script + latin
    if letters == 0:
        return False, "no letters"
    if arabic_script / letters < 0.5:
        return False, f"arabic-script letters {arabic_script / letters:.0%} of letters"
    words = sample.split()
    fa = sum(map(_PERSIAN_WORDS.__contains__, fold_letters(sample).split()))
    ar = sum(map(_ARABIC_WORDS.__contains__, words))
    persian_letters = len(_PERSIAN_ONLY.findall(sample))
    arabic_letters = len(_ARABIC_ONLY.findall(sample))
    # Arabic uses ي/ك/ة and its own function words; Persian texts written with Arabic ي/ك still
    # contain پ/چ/ژ/گ and Persian function words.
    if ar > fa and ar >= 2:
        return False, f"arabic function words {ar} > persian {fa}"
    if fa == 0 and len(words) >= 8 and persian_letters < arabic_letters:
        return False, "no persian function words"
    return True, "ok"
