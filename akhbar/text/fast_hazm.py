"""hazm 0.10.0's ``Normalizer.normalize``, same rules and word lists, same output, in less time.

hazm's ``normalize`` is most of a worker's time. Without changing one rule it spends time on work that does not
depend on the text: it rebuilds its two translation tables on every call, looks every pattern string up in
``re``'s cache on every call (hundreds of times per text), tests ``token_pair in verbs or (token_pair in words
and words[token_pair][0] > 0)`` with two dictionaries where one set answers, runs eleven ``re.sub`` for
Unicode ligatures that almost no text contains, scans the whole text for rules whose literal (``"..."``, a
double space, a digit) is absent, starts some scans from a lookbehind the regex engine cannot skip ahead with,
and calls back into Python for every punctuation mark its tokenizer and spacing rules touch.
:class:`FastNormalizer` subclasses hazm's ``Normalizer`` (its patterns, lexicon, verb list and suffixes are
hazm's own objects) and does the same steps in the same order without that overhead.
``tests/text/test_fast_hazm.py`` checks that its output equals stock hazm's on real news lines and on
generated text.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from hazm import Normalizer

from akhbar.text.hazm_shared import fast_tokenize, read_word_list_once

_ZWNJ = "\u200c"


# Any decimal digit of any script (what hazm's ``\d`` matches): two of hazm's rules are guarded by it.
_ANY_DIGIT = re.compile(r"\d")

# A guard says "this rule cannot match here": a literal string the rule's every match contains (tested with
# ``in``, a C-speed scan), several literals one of which every match contains, or a cheap pattern every match
# of the rule also matches. Keyed by hazm's own (pattern, replacement) pair; a pair hazm no longer has is
# simply run unguarded.
_GUARDS: dict[tuple[str, str], str | tuple[str, ...] | re.Pattern[str]] = {
    ('"([^\n"]+)"', "«\\1»"): '"',
    # "[\d+]\." written to start from the dot, which the regex engine skips to (13x faster on news text).
    ("([\\d+])\\.([\\d+])", "\\1٫\\2"): re.compile(r"\.(?<=[\d+]\.)"),
    (" ?\\.\\.\\.", " …"): "...",
    (" {2,}", " "): "  ",
    ("\\n{3,}", "\n\n"): "\n\n\n",
    ("\\u200c{2,}", "\u200c"): "\u200c\u200c",
    ("\\u200c{1,} ", " "): "\u200c ",
    (" \\u200c{1,}", " "): " \u200c",
    ("([^ ]ه) ی ", "\\1\u200cی "): " ی ",
    ("(^| )(ن?می) ", "\\1\\2\u200c"): "می ",
    ("(ه)(ها)", "\\1\u200c\\2"): "هها",
    ('" ([^\n"]+) "', '"\\1"'): '"',
    # The same guard object for both: asked twice about the same text, _replace answers the second from the first.
    ("(\\d)([آابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی])", "\\1 \\2"): _ANY_DIGIT,
    ("([آابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی])(\\d)", "\\1 \\2"): _ANY_DIGIT,
    # Character classes of a few characters: one ``in`` scan per character is 7-30x faster than the class.
    ("[\u0640\\r]", ""): ("\u0640", "\r"),
    ("[\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652]", ""): tuple("\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652"),
}
# The same rule written so that the regex engine can start from a literal (a lookbehind moved behind the
# character it precedes, or a captured character turned into a lookaround), and with a plain replacement
# where hazm's needs a Python call per match. Same matches, same result.
_REWRITES: dict[tuple[str, str], tuple[str, str]] = {
    (
        "(?<=[^\\n\\d \\.:!،؛؟»\\]\\)\\}«\\[\\(\\{]{2}) (تر(ین?)?|گری?|های?)(?=[ \n\\.:!،؛؟»\\]\\)\\}«\\[\\(\\{]|$)",
        "\u200c\\1",
    ): (
        " (?<=[^\\n\\d \\.:!،؛؟»\\]\\)\\}«\\[\\(\\{]{2} )(تر(ین?)?|گری?|های?)(?=[ \n\\.:!،؛؟»\\]\\)\\}«\\[\\(\\{]|$)",
        "\u200c\\1",
    ),
    (" ([\\.:!،؛؟»\\]\\)\\}])", "\\1"): (" (?=[\\.:!،؛؟»\\]\\)\\}])", ""),
    ("([«\\[\\(\\{]) ", "\\1"): (" (?<=[«\\[\\(\\{] )", ""),
    ("([^ «\\[\\(\\{])([«\\[\\(\\{])", "\\1 \\2"): ("[«\\[\\(\\{](?<=[^ «\\[\\(\\{][«\\[\\(\\{])", " \\g<0>"),
    # "ه" + space + a personal ending: the match starts at "ه " (a literal) instead of at any character. The
    # ending is looked at, not consumed: no later match can start inside it (it has no ه and is followed by a
    # space, a mark or the end), so the matches and the result are the same.
    (
        "([^ ]\u0647) (\u0627(\u0645|\u06cc\u0645|\u0634|\u0646\u062f|\u06cc|\u06cc\u062f|\u062a))(?=[ \\n\\.:!\u060c\u061b\u061f\xbb\\]\\)\\}]|$)",
        "\\1\u200c\\2",
    ): (
        "\u0647 (?<=[^ ]\u0647 )(?=\u0627(?:\u0645|\u06cc\u0645|\u0634|\u0646\u062f|\u06cc|\u06cc\u062f|\u062a)(?=[ \\n\\.:!\u060c\u061b\u061f\xbb\\]\\)\\}]|$))",
        "\u0647\u200c",
    ),
}
# hazm's "\b\u200c*\B" then "\B\u200c*\b" only change a ZWNJ with a word character on exactly one side (a
# ZWNJ between two letters, or between two non-letters, is left alone by both): when no ZWNJ is like that,
# neither matches anything.
_LOOSE_ZWNJ = re.compile("\u200c(?:(?<=\\w\u200c)(?!\\w)|(?<!\\w\u200c)(?=\\w))")
_LOOSE_ZWNJ_RULES = frozenset({("\\b\\u200c*\\B", ""), ("\\B\\u200c*\\b", "")})

Rule = tuple[str | tuple[str, ...] | re.Pattern[str] | None, Callable[[str], str]]


_MI_AT_START = ("\u0645\u06cc ", "\u0646\u0645\u06cc ")
_MI_AFTER_SPACE = re.compile(" (\u0646?\u0645\u06cc) ")


def _join_mi(text: str) -> str:
    """hazm's ``(^| )(ن?می) `` -> ``\\1\\2<ZWNJ>``, without an alternation the regex engine must try at every character.

    ``^`` (no MULTILINE flag) only matches at the start of the text, so apart from a match there every match
    begins with a space: the literal the regex engine skips to. A match at the start consumes ``می `` or
    ``نمی `` and the scan goes on after it, where ``^`` cannot match again: the rest is the space-led pattern.
    """
    if text.startswith(_MI_AT_START):
        end = text.index(" ")
        return text[:end] + _ZWNJ + _MI_AFTER_SPACE.sub(" \\1" + _ZWNJ, text[end + 1 :])
    return _MI_AFTER_SPACE.sub(" \\1" + _ZWNJ, text)


_MI_VERB_HEAD = "\\b\u0646?\u0645\u06cc"  # how hazm's pattern for the verbs seperate_mi splits "می" off begins


def _joint_mi_pattern(pattern: str) -> str:
    """hazm's ``\\bن?می[letters]+`` written to start at its first letter, with the boundary looked back at.

    ``\\b`` at the start makes the regex engine test every character; "ن" or "م" is what it skips to. The
    matches are the same (a match with "ن" needs "نمی" after a boundary; without, "می" after one).
    """
    rest = pattern[len(_MI_VERB_HEAD) :]
    if not pattern.startswith(_MI_VERB_HEAD) or re.fullmatch(r"\[[^\]\\]*\]\+", rest) is None:
        return pattern  # not the shape this rewrite was checked for: hazm's own pattern
    return f"\u0646(?<=\\b\u0646)\u0645\u06cc{rest}|\u0645(?<=\\b\u0645)\u06cc{rest}"


# A rule done by a function instead of hazm's regex: same result (tests/text/test_fast_hazm.py).
_FUNCTIONS: dict[tuple[str, str], Callable[[str], str]] = {("(^| )(\u0646?\u0645\u06cc) ", "\\1\\2\u200c"): _join_mi}


def _compiled(patterns: list[tuple[str, str]]) -> list[Rule]:
    rules: list[Rule] = []
    for p, r in patterns:
        guard = _LOOSE_ZWNJ if (p, r) in _LOOSE_ZWNJ_RULES else _GUARDS.get((p, r))
        function = _FUNCTIONS.get((p, r))
        if function is None:
            p, r = _REWRITES.get((p, r), (p, r))
            function = functools.partial(re.compile(p).sub, r)
        rules.append((guard, function))
    return rules


def _replace(rules: list[Rule], text: str) -> str:
    asked: tuple[object, str, bool] | None = None  # the last guard asked, of which text, and its answer
    for guard, apply in rules:
        if guard is None:
            text = apply(text)
            continue
        if asked is not None and asked[0] is guard and asked[1] is text:
            hit = asked[2]
        else:
            if isinstance(guard, str):
                hit = guard in text
            elif isinstance(guard, tuple):
                hit = any(g in text for g in guard)
            else:
                hit = guard.search(text) is not None
            asked = (guard, text, hit)
        if hit:
            text = apply(text)
    return text


class FastNormalizer(Normalizer):
    """hazm's Normalizer with default options; ``normalize(text)`` returns exactly what hazm's returns."""

    def __init__(self) -> None:
        read_word_list_once()  # the normalizer reads hazm's word list twice (its tokenizer, its lemmatizer)
        super().__init__()
        # hazm translates letters, applies its Persian-style patterns, then translates digits and %. The style
        # patterns neither produce nor tell apart anything the digit table changes (``\d`` matches every
        # script's digits), so one pass over both tables gives the same text; and only the characters that
        # change are visited (str.translate with a dict costs ~40 ns for every character).
        letters = dict(zip(self.translation_src, self.translation_dst, strict=False))  # later pairs win, as in hazm
        numbers = dict(zip(self.number_translation_src, self.number_translation_dst, strict=False))
        both = {c: numbers.get(letters.get(c, c), letters.get(c, c)) for c in [*letters, *numbers]}
        table = self._table = {a: b for a, b in both.items() if a != b}
        self._to_translate = re.compile("[" + re.escape("".join(table)) + "]")
        self._style = _compiled(self.persian_style_patterns)  # hazm's _persian_style is its option flag
        self._diacritics = _compiled(self.diacritics_patterns)
        self._extra_space = _compiled(self.extra_space_patterns)
        self._affix_spacing = _compiled(self.affix_spacing_patterns)
        self._punctuation_spacing = _compiled(self.punctuation_spacing_patterns)
        self._specials = _compiled(self.specials_chars_patterns)
        self._replacements = _compiled(self.replacements)
        # Every replacement pattern is a single character or an alternation of single characters.
        ligatures = "".join(re.sub(r"[()|]", "", p) for p, _ in self.replacements)
        self._any_ligature = re.compile("[" + re.escape(ligatures) + "]")
        self._repeated = re.compile(self.repeated_chars_pattern)
        # A letter three times in a row, which every match of the pattern above contains: found much faster.
        self._more_than_two = re.compile(self.more_than_two_repeat_pattern)
        self._mi = re.compile(_joint_mi_pattern(self.joint_mi_patterns))
        self._mi_head = re.compile("^(ن?می)")
        # The normalizer's tokenizer has every option off: the same tokens without a Python call per mark.
        self.tokenize = fast_tokenize(self.tokenizer)
        # token_spacing joins a pair when it is a verb or a word of positive frequency: one set answers both.
        self._joinable = frozenset(self.verbs) | frozenset(w for w, v in self.words.items() if v[0] > 0)
        # What follows a ZWNJ in a joinable entry: a pair "a<ZWNJ>b" is an entry only if b is one of these, so the
        # pair is built and looked up only for such tokens (a third of them on news text; 2.5x faster scan).
        # Found in one regex scan (0.14 s, a Python loop takes 0.2-0.45 s); a token never holds a newline, so
        # an entry with one (cut short here) could not be a pair of tokens anyway.
        self._joinable_tails = frozenset(re.findall(_ZWNJ + "(?=([^\n]*))", "\n".join(self._joinable)))

    def normalize(self, text: str) -> str:  # type: ignore[override]
        """Same steps, same order as ``hazm.Normalizer.normalize`` with every option on."""
        table = self._table
        text = self._to_translate.sub(lambda m: table[m.group()], text)
        text = _replace(self._style, text)
        text = _replace(self._diacritics, text)
        text = self.correct_spacing(text)
        text = self.unicodes_replacement(text)
        text = _replace(self._specials, text)
        text = self.decrease_repeated_chars(text)
        return self.seperate_mi(text)

    def correct_spacing(self, text: str) -> str:  # type: ignore[override]
        text = _replace(self._extra_space, text)
        spacing = self.token_spacing
        text = "\n".join(" ".join(spacing(self.tokenize(line))) for line in text.split("\n"))
        text = _replace(self._affix_spacing, text)
        return _replace(self._punctuation_spacing, text)

    def unicodes_replacement(self, text: str) -> str:  # type: ignore[override]
        if self._any_ligature.search(text) is None:
            return text
        return _replace(self._replacements, text)

    def decrease_repeated_chars(self, text: str) -> str:  # type: ignore[override]
        if self._more_than_two.search(text) is None:
            return text
        words, more = self.words, self._more_than_two
        for m in self._repeated.finditer(text):
            word = m.group()
            if word not in words:
                no_repeat = more.sub(r"\1", word)
                two_repeat = more.sub(r"\1\1", word)
                if (no_repeat in words) != (two_repeat in words):
                    text = text.replace(word, no_repeat if no_repeat in words else two_repeat)
                else:
                    text = text.replace(word, two_repeat)
        return text

    def seperate_mi(self, text: str) -> str:  # type: ignore[override]
        verbs = self.verbs
        for m in self._mi.findall(text):
            r = self._mi_head.sub("\\1" + _ZWNJ, m)
            if r in verbs:
                text = text.replace(m, r)
        return text

    def token_spacing(self, tokens: list[str]) -> list[str]:  # type: ignore[override]
        # hazm's loop compares each token with the one before it (joined into it, if it was). Until a join
        # happens, "the one before" is the input token, so every position where hazm could join is among
        # those found by looking up the input's own pairs: the loop runs from each of them until a token stays
        # apart again, and the tokens between are copied. (Most lines have no such pair on the second pass.)
        n = len(tokens)
        if n < 2:
            return list(tokens)
        joinable, verbs, words, suffixes = self._joinable, self.verbs, self.words, self.suffixes
        tails = self._joinable_tails
        starts = [t for t in range(1, n) if tokens[t] in tails and tokens[t - 1] + _ZWNJ + tokens[t] in joinable]
        if not suffixes.isdisjoint(tokens):
            starts = sorted({*starts, *(t for t in range(1, n) if tokens[t] in suffixes and tokens[t - 1] in words)})
        if not starts:
            return list(tokens)
        last = n - 1
        result = tokens[: starts[0]]
        following = iter(starts[1:])
        t = starts[0]
        while t < n:
            token = tokens[t]
            pair = result[-1] + _ZWNJ + token
            if pair in joinable:
                if not (t < last and token + "_" + tokens[t + 1] in verbs):
                    result[-1] = pair
                    t += 1
                    continue
            elif token in suffixes and result[-1] in words:
                result[-1] = pair
                t += 1
                continue
            result.append(token)  # the token stays apart: copy up to the next place a join can start
            nxt = next((s for s in following if s > t), n)
            result.extend(tokens[t + 1 : nxt])
            t = nxt
        return result
