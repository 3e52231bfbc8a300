"""hazm objects shared by the stages of one process.

Each costs about a second and tens of megabytes to build (a Lemmatizer conjugates every verb of hazm's
lexicon); keywords, search terms and normalization all read the same ones instead of building their own.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from typing import Any


@functools.cache
def read_word_list_once() -> None:
    """Have hazm read its word list file once per process instead of once per object built from it.

    hazm's Normalizer builds a WordTokenizer and a Lemmatizer (which builds another), the shared
    Lemmatizer below builds a third, and search reads the list itself: four reads of the 193,000-line file
    in every worker, ~0.5 s each. hazm 0.10.0 looks ``words_list`` up at call time in ``hazm.utils`` and
    ``hazm.word_tokenizer``; both names get one cached reader (per file path). Every caller only iterates
    the list it gets. Worker warm-up: 5.26-5.67 s of CPU against 6.32-7.78 s, alternating runs; a test
    checks the list equals a fresh read of the file.
    """
    import hazm.utils
    import hazm.word_tokenizer

    original = hazm.utils.words_list
    if getattr(original, "akhbar_cached", False):
        return
    default = original.__defaults__[0] if original.__defaults__ else None

    @functools.cache
    def read(path: str) -> Any:
        return original(path)

    def words_list(words_file: Any = default) -> Any:
        return read(str(words_file))

    words_list.akhbar_cached = True  # type: ignore[attr-defined]
    words_list.original = original  # type: ignore[attr-defined]
    words_list.__doc__ = original.__doc__
    hazm.utils.words_list = words_list
    hazm.word_tokenizer.words_list = words_list  # type: ignore[attr-defined]


@functools.cache
def lemmatizer() -> Any:
    """Return the process's hazm Lemmatizer (default lexicon, joined verb parts)."""
    read_word_list_once()
    from hazm import Lemmatizer

    return Lemmatizer()


def word_tokenizer(join_verb_parts: bool = True) -> Any:
    """Return a hazm ``WordTokenizer`` (other options at their defaults) built without its word table.

    The tokenizer reads hazm's 193,000-word file into ``.words`` (0.68 s of every process's start-up per
    tokenizer) but ``tokenize`` and ``join_verb_parts`` never look at it: only the Normalizer's spacing rules
    do, through the normalizer's own tokenizer. A test checks the tokens equal a fully built tokenizer's.
    """
    from hazm import WordTokenizer

    return WordTokenizer(words_file=os.devnull, join_verb_parts=join_verb_parts)


_TOKENIZER_OPTIONS = (
    "_join_abbreviation", "separate_emoji", "replace_emails", "replace_links", "replace_ids",
    "replace_hashtags", "replace_numbers",
)  # fmt: skip


# hazm 0.10.0's tokenizer pattern, and the same pattern written to start with one character class: an
# alternation of classes makes the regex engine try every alternative at every character, a class is
# skipped to (2.4x faster ``split`` on news text). A run starts with a character of one alternative and goes
# on with that alternative's class (the first two are disjoint; a ":" or "." goes to the second, as in hazm).
_HAZM_TOKEN_PATTERN = '([\u061f!?]+|[\\d.:]+|[:.\u060c\u061b\xbb\\])}"\xab\\[({/\\\\])'
_FAST_TOKEN_PATTERN = (
    '([\u061f!?\\d.:\u060c\u061b\xbb\\])}"\xab\\[({/\\\\](?:(?<=[\u061f!?])[\u061f!?]*|(?<=[\\d.:])[\\d.:]*)?)'
)


def fast_tokenize(tokenizer: Any) -> Callable[[str], list[str]]:
    """Return a function that gives the same tokens as ``tokenizer.tokenize`` (a hazm ``WordTokenizer``), faster.

    hazm surrounds every punctuation/number match with spaces through ``sub(r" \\1 ")`` (a Python call per
    match) and splits on spaces; ``split`` with the same capturing pattern gives the pieces between the
    matches and the matches themselves, which joined by spaces is the same string. A tokenizer with any
    other option on (emoji, links, numbers, abbreviations...) keeps hazm's own method.
    """
    pattern = tokenizer.pattern
    if any(getattr(tokenizer, name) for name in _TOKENIZER_OPTIONS) or pattern.groups != 1:
        return tokenizer.tokenize  # type: ignore[no-any-return]
    split = pattern.split
    if pattern.pattern == _HAZM_TOKEN_PATTERN:
        split = re.compile(_FAST_TOKEN_PATTERN, pattern.flags).split
    join = tokenizer.join_verb_parts if tokenizer._join_verb_parts else None

    def tokenize(text: str) -> list[str]:
        tokens = [w for w in " ".join(split(text.replace("\n", " ").replace("\t", " "))).split(" ") if w]
        return join(tokens) if join is not None else tokens

    return tokenize
