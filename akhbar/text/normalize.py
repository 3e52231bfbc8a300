"""Persian normalization on top of hazm's Normalizer, made idempotent and safe for numbers and URLs.

hazm does most of the work (letter forms, spacing around punctuation, ``می``/``ها`` ZWNJ) but, as measured
here with hazm 0.10.0, it also damages things a news warehouse must keep:

- ``12.5%`` becomes ``۱۲ ٫ ۵ ٪``, ``1402/05/12`` becomes ``۱۴۰۲ / ۰۵ / ۱۲``, ``3,000`` becomes ``۳ , ۰۰۰``;
- URLs and e-mail addresses get spaces inserted (``www. farsnews. ir``);
- ``normalize`` is not always idempotent;
- ``منطقهای`` (missing ZWNJ before the suffix ``ای``) is left unfixed;
- ``seperate_mi=False`` crashes, so it is never passed.

So numbers, dates, times, URLs and e-mails are cut out before hazm runs and put back in one stated form
(Persian digits, ``٫`` as decimal separator, ``٬`` as thousands separator, ``٪``), hazm runs on the text
between them, a lexicon-checked pass inserts ZWNJ before plural/adjective suffixes, and the whole is applied
until it stops changing.
"""

from __future__ import annotations

import functools
import re

from akhbar.text.chars import ZWNJ, clean_block, clean_chars, tidy_block, to_persian_digits

_DIGIT = "0-9۰-۹٠-٩"
# URLs, e-mails, then numbers with separators (dates, times, decimals, thousands, percents).
_URL = r"(?P<url>(?:https?://|www\.)[^\s«»،؛()\[\]<>\"']+[^\s«»،؛()\[\]<>\"'.,:;!?])"
_EMAIL = r"(?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)"
# "," and "." only glue digits with no space around them ("1, 2" is a list, "12.5" a number);
# "/", ":" and "٫" may carry hazm's stray spaces ("۱۴۰۲ / ۰۵ / ۱۲", "۱۲ ٫ ۵") so the pass is idempotent.
_NUM = rf"(?P<num>[{_DIGIT}]+(?:(?:[.,\-٬]| ?[/:٫] ?)[{_DIGIT}]+)*(?: ?[%٪])?)"


@functools.cache
def _protected_pattern(url: bool, email: bool) -> re.Pattern[str]:
    # The e-mail branch is tried at every word and costs most of the scan; a branch whose literal ("@",
    # "://", "www.") is absent from the text cannot match, so leaving it out gives the same matches.
    return re.compile("|".join([*([_URL] if url else []), *([_EMAIL] if email else []), _NUM]))


_MAX_PASSES = 5


@functools.cache
def _hazm_normalizer():  # type: ignore[no-untyped-def]
    # Built once per process: construction takes ~1.5 s (it compiles hundreds of regexes). hazm's rules and
    # word lists, hazm's output, without its per-call overhead (akhbar.text.fast_hazm).
    from akhbar.text.fast_hazm import FastNormalizer

    return FastNormalizer()


@functools.cache
def _lexicon() -> dict[str, tuple[int, tuple[str, ...]]]:
    # hazm's bundled word list (193k words with corpus frequency and POS tags), as the process's normalizer
    # read it already (its tokenizer's ``words``: the same entries as ``hazm.utils.words_list()``, tested);
    # reading the file again cost each worker another 1.25 s of start-up. Used as it is: a copy with the tags
    # as frozensets cost 0.9 s more and ~50 MB per process.
    return _hazm_normalizer().words  # type: ignore[no-any-return]


_THOUSANDS = re.compile(r"(?<=[۰-۹]),(?=[۰-۹]{3}(?![۰-۹]))")
_DECIMAL = re.compile(r"(?<=[۰-۹])[.,](?=[۰-۹])")


@functools.lru_cache(maxsize=1 << 16)  # years, dates, counts repeat across articles; bounded
def _number_form(text: str) -> str:
    """Write a protected number in the display convention: Persian digits, ٫ decimal, ٬ thousands, ٪."""
    text = "".join(text.split())
    text = to_persian_digits(text)
    # A comma or dot between digits: thousands if followed by exactly three digits and more groups/end,
    # otherwise decimal. 3,000,000 -> ۳٬۰۰۰٬۰۰۰ ; 12.5 -> ۱۲٫۵ ; dates keep / and -; times keep :.
    if "," in text:
        text = _THOUSANDS.sub("٬", text)
    if "," in text or "." in text:
        text = _DECIMAL.sub("٫", text)
    return text.replace("%", "٪")


def _protect(text: str) -> list[tuple[bool, str]]:
    """Split a text into (protected?, piece) so hazm never sees numbers, dates, URLs or e-mails."""
    pieces: list[tuple[bool, str]] = []
    pos = 0
    pattern = _protected_pattern("://" in text or "www." in text, "@" in text)
    for m in pattern.finditer(text):
        if m.start() > pos:
            pieces.append((False, text[pos : m.start()]))
        if m.lastgroup == "num":
            pieces.append((True, _number_form(m.group())))
        else:
            pieces.append((True, m.group()))
        pos = m.end()
    if pos < len(text):
        pieces.append((False, text[pos:]))
    return pieces


_SUFFIXES: tuple[tuple[str, frozenset[str] | None, bool], ...] = (
    # suffix, POS tags the stem must have (None: any), stem must end in ه
    ("هایی", frozenset({"N", "AJ"}), False),
    ("های", frozenset({"N", "AJ"}), False),
    ("ها", frozenset({"N", "AJ"}), False),
    ("ترین", frozenset({"AJ"}), False),
    ("تر", frozenset({"AJ"}), False),
    ("ایی", None, True),
    ("ای", None, True),
    ("اش", None, True),
    ("ام", None, True),
    ("ات", None, True),
)
_MIN_STEM_FREQ = 2000
_NON_JOINING = frozenset("اآأإدذرزژوؤ")
_LETTER = "[\u0621-\u064a\u0671-\u06d3\u06cc\u06a9\u06af\u067e\u0686\u0698]"
# Only words ending in one of the suffixes are looked up (most words are not), whole words only.
_WORD = re.compile(f"(?<!{_LETTER}){_LETTER}{{2,}}(?:ها|های|هایی|تر|ترین|ای|ایی|اش|ام|ات)(?!{_LETTER})")


def _split_suffix(word: str) -> str:
    """Insert the missing ZWNJ in ``منطقهای``/``پیروزیهای``-style words when the lexicon makes it unambiguous."""
    lex = _lexicon()
    if word in lex:
        return word
    best: tuple[int, str] | None = None
    for suffix, tags, needs_heh in _SUFFIXES:
        if not word.endswith(suffix) or len(word) - len(suffix) < 2:
            continue
        stem = word[: -len(suffix)]
        # After a non-joining letter (ا د ذ ر ز ژ و) the suffix is already visually apart: "نیروهای" is
        # standard spelling and needs no ZWNJ.
        if stem[-1] in _NON_JOINING:
            continue
        if needs_heh and not stem.endswith("ه"):
            continue
        entry = lex.get(stem)
        if entry is None or entry[0] < _MIN_STEM_FREQ:
            continue
        if tags is not None and tags.isdisjoint(entry[1]):
            continue
        # Several splits can be valid (منطقه+ای / منطق+های): the more frequent stem wins, deterministically.
        if best is None or entry[0] > best[0]:
            best = (entry[0], stem + ZWNJ + suffix)
    return best[1] if best else word


def fix_missing_zwnj(text: str) -> str:
    """Insert ZWNJ before plural/adjective/ezafe suffixes written without it, where unambiguous.

    >>> fix_missing_zwnj("منطقهای") == "منطقه\u200cای"
    True
    """
    return _WORD.sub(lambda m: _split_suffix(m.group()), text)


# Placeholders: an upper-case frame around lower-case code letters, so neighbouring Latin text cannot be
# read as part of one; no digits (hazm would convert them). Texts that already contain the frame skip them.
_PH_OPEN, _PH_CLOSE = "ZXQJ", "J"
_PLACEHOLDER = re.compile("ZXQJ([bcdfghklmnprstvwxyz]+)J")
_PH_DIGITS = "bcdfghklmnprstvwxyz"


def _ph(i: int) -> str:
    out = ""
    while True:
        i, r = divmod(i, len(_PH_DIGITS))
        out = _PH_DIGITS[r] + out
        if i == 0:
            return f"{_PH_OPEN}{out}{_PH_CLOSE}"


def _ph_index(code: str) -> int:
    i = 0
    for ch in code:
        i = i * len(_PH_DIGITS) + _PH_DIGITS.index(ch)
    return i


def _normalize_lines_once(lines: list[str], *, cleaned: bool = False) -> list[str] | None:
    """One pass over several lines in a single hazm call; None if hazm changed the line structure.

    ``cleaned`` says the lines are the output of a previous pass (already character-clean).
    """
    protected: list[str] = []
    parts: list[str] = []
    joined = "\n".join(x.replace("\n", " ").replace("\r", " ") for x in lines)
    if not cleaned:
        joined = clean_block(joined)
    if _PH_OPEN in joined:
        return None
    for protect, piece in _protect(joined):
        if protect:
            # hazm would mangle numbers and URLs: it sees an inert Latin placeholder instead.
            parts.append(_ph(len(protected)))
            protected.append(piece)
        else:
            parts.append(piece)
    text = _hazm_normalizer().normalize("".join(parts))
    text = _PLACEHOLDER.sub(lambda m: protected[_ph_index(m.group(1))], text)
    # hazm's output has no controls, presentation forms or Arabic letters left: tidying spaces/ZWNJ suffices.
    out = tidy_block(fix_missing_zwnj(text)).split("\n")
    if len(out) != len(lines):
        return None
    return out


def normalize_lines(lines: list[str]) -> list[str]:
    """Normalize several lines (title, lead, paragraphs) to the display form, idempotently.

    Each output line corresponds to the input line at the same position (empty lines stay empty).
    A line the previous pass left unchanged is a fixed point (every step is a function of the line
    alone), so only the lines that changed go through the next pass.
    """
    current = clean_block("\n".join(x.replace("\n", " ").replace("\r", " ") for x in lines)).split("\n")
    if len(current) != len(lines):
        return [normalize_text(x) for x in lines]
    todo = list(range(len(current)))
    for _ in range(_MAX_PASSES):
        nxt = _normalize_lines_once([current[i] for i in todo], cleaned=True)
        if nxt is None:  # hazm merged or split lines: fall back to one call per line
            for i in todo:
                current[i] = normalize_text(current[i])
            return current
        changed = []
        for i, new in zip(todo, nxt, strict=True):
            if new != current[i]:
                # A pass is hazm applied to the line with numbers/URLs swapped for placeholders. If the new
                # line gives hazm the same input (only protected numbers changed form), the next pass would
                # return it unchanged: it is already a fixed point. (18 % of the changed text on real news.)
                if _protect(new) != _protect(current[i]):
                    changed.append(i)
                current[i] = new
        if not changed:
            break
        todo = changed
    return current


def _normalize_once(text: str) -> str:
    out = _normalize_lines_once([text.replace("\n", " ")])
    if out is not None:
        return out[0]
    # The text contains our placeholder frame itself: normalize without protecting numbers.
    return clean_chars(fix_missing_zwnj(_hazm_normalizer().normalize(clean_chars(text.replace("\n", " ")))))


def normalize_text(text: str) -> str:
    """Normalize one paragraph of Persian text to the display form (idempotent).

    >>> normalize_text("پیروزي های اخير 12.5% رشد") == "پیروزی\u200cهای اخیر ۱۲٫۵٪ رشد"
    True
    """
    current = text
    for _ in range(_MAX_PASSES):
        nxt = _normalize_once(current)
        if nxt == current:
            return nxt
        current = nxt
    return current


def normalize_paragraphs(paragraphs: list[str]) -> list[str]:
    """Normalize the paragraphs of one article together; drop those that end up empty."""
    return [p for p in normalize_lines(paragraphs) if p]


def warm_up() -> None:
    """Build the hazm normalizer and load the lexicon now (e.g. in a worker's initializer)."""
    _hazm_normalizer()
    _lexicon()
