"""hazm objects shared by the stages of one process.

Each costs about a second and tens of megabytes to build (a Lemmatizer conjugates every verb of hazm's
lexicon); keywords, search terms and normalization all read the same ones instead of building their own.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any


@functools.cache
def lemmatizer() -> Any:
    """Return the process's hazm Lemmatizer (default lexicon, joined verb parts)."""
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
    join = tokenizer.join_verb_parts if tokenizer._join_verb_parts else None

    def tokenize(text: str) -> list[str]:
        tokens = [w for w in " ".join(split(text.replace("\n", " ").replace("\t", " "))).split(" ") if w]
        return join(tokens) if join is not None else tokens

    return tokenize
