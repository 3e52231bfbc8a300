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

import re
from itertools import pairwise

from hazm import Normalizer

from akhbar.text.hazm_shared import fast_tokenize, read_word_list_once

_ZWNJ = "\u200c"


# A guard says "this rule cannot match here": a literal string the rule's every match contains (tested with
# ``in``, a C-speed scan) or a cheap pattern every match of the rule also matches. Keyed by hazm's own
# (pattern, replacement) pair; a pair hazm no longer has is simply run unguarded.
_GUARDS: dict[tuple[str, str], str | re.Pattern[str]] = {
    ('"([^\n"]+)"', "«\\1»"): '"',
    ("([\\d+])\\.([\\d+])", "\\1٫\\2"): re.compile(r"[\d+]\."),
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
    ("(\\d)([آابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی])", "\\1 \\2"): re.compile(r"\d"),
    ("([آابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی])(\\d)", "\\1 \\2"): re.compile(r"\d"),
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
    ("([^ «\\[\\(\\{])([«\\[\\(\\{])", "\\1 \\2"): ("(?<=[^ «\\[\\(\\{])[«\\[\\(\\{]", " \\g<0>"),
}
# hazm's "\b\u200c*\B" then "\B\u200c*\b" only change a ZWNJ with a word character on exactly one side (a
# ZWNJ between two letters, or between two non-letters, is left alone by both): when no ZWNJ is like that,
# neither matches anything.
_LOOSE_ZWNJ = re.compile("\u200c(?:(?<=\\w\u200c)(?!\\w)|(?<!\\w\u200c)(?=\\w))")
_LOOSE_ZWNJ_RULES = frozenset({("\\b\\u200c*\\B", ""), ("\\B\\u200c*\\b", "")})

Rule = tuple[str | re.Pattern[str] | None, re.Pattern[str], str]


def _compiled(patterns: list[tuple[str, str]]) -> list[Rule]:
    rules = []
    for p, r in patterns:
        guard = _LOOSE_ZWNJ if (p, r) in _LOOSE_ZWNJ_RULES else _GUARDS.get((p, r))
        p, r = _REWRITES.get((p, r), (p, r))
        rules.append((guard, re.compile(p), r))
    return rules


def _replace(rules: list[Rule], text: str) -> str:
    for guard, pattern, repl in rules:
        if guard is None or (guard in text if isinstance(guard, str) else guard.search(text) is not None):
            text = pattern.sub(repl, text)
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
        self._mi = re.compile(self.joint_mi_patterns)
        self._mi_head = re.compile("^(ن?می)")
        # The normalizer's tokenizer has every option off: the same tokens without a Python call per mark.
        self.tokenize = fast_tokenize(self.tokenizer)
        # token_spacing joins a pair when it is a verb or a word of positive frequency: one set answers both.
        self._joinable = frozenset(self.verbs) | frozenset(w for w, v in self.words.items() if v[0] > 0)

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
        starts = [t for t, pair in enumerate(map(_ZWNJ.join, pairwise(tokens)), 1) if pair in joinable]
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
