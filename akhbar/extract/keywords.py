"""Keywords: hazm-lemmatized content terms, ranked by tf-idf against corpus document frequencies.

The input's own tags win when present (the pipeline decides that); these functions serve the rest.
hazm objects are built once per process, lazily (construction costs about a second).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from functools import cache
from typing import Any

from akhbar.text.chars import fold_letters

# Words that every Persian news item uses (reporting verbs, dateline nouns): never keywords.
NEWS_STOPWORDS = frozenset(
    """
    گزارش خبرگزاری خبرنگار اظهار افزود گفت ادامه بیان اشاره تصریح تاکید تأکید عنوان نقل روابط عمومی
    امروز دیروز امسال سال ماه روز هفته ساعت پیش قبل بعد حال حاضر همچنین اینکه آنکه وی ایشان کرد کند
    نیز باید بود است هست شد شده شود میشود میکند داد دارد گرفت خصوص زمینه مورد طور بخش برخی تعداد
    ها های هایی ای اند ام ات اش شان تان مان
    یکی دیگر همه چند هر نخستین اولین دومین جاری گذشته آینده درصد میلیون میلیارد هزار تومان ریال
    """.split()
)
_WORD = re.compile(r"^[\w\u200c]+$")
_HAS_DIGIT = re.compile(r"\d|[۰-۹٠-٩]")


@cache
def _hazm() -> tuple[Any, Any, frozenset[str]]:
    """Build the hazm tokenizer, lemmatizer and stopword set once."""
    from hazm import stopwords_list

    from akhbar.text.hazm_shared import fast_tokenize, lemmatizer, word_tokenizer

    stop = {fold_letters(w).replace("_", " ") for w in stopwords_list()}
    stop |= {w.replace("\u200c", "") for w in stop}
    return fast_tokenize(word_tokenizer()), lemmatizer(), frozenset(stop | NEWS_STOPWORDS)


def _is_stop(word: str, stop: frozenset[str]) -> bool:
    return word in stop or word.replace("\u200c", "") in stop or word.replace("\u200c", " ") in stop


def terms(text: str) -> list[str]:
    """Return the lemmatized content terms of a text, in order (stopwords, verbs, numbers removed).

    >>> terms("کتاب‌های تازه در نمایشگاه کتاب تهران عرضه شد")[:3]
    ['کتاب', 'تازه', 'نمایشگاه']
    """
    if not text:
        return []
    tokenize = _hazm()[0]
    out: list[str] = []
    for token in tokenize(fold_letters(text)):
        term = _TERMS.get(token, _MISS)
        if term is _MISS:
            term = _term(token)
            if len(_TERMS) < _TERMS_MAX:  # a bounded memo: a word's term never changes, most words repeat
                _TERMS[token] = term
        if term:
            out.append(term)
    return out


_MISS = object()
_TERMS: dict[str, str | None] = {}
_TERMS_MAX = 500_000


def _term(token: str) -> str | None:
    """Return the content term of one token, or None (stopword, verb, number, punctuation)."""
    _, lemmatizer, stop = _hazm()
    if "_" in token or len(token) < 2 or not _WORD.match(token) or _HAS_DIGIT.search(token):
        return None  # joined verb parts ("خواهد_کرد"), punctuation, numbers
    if token.isascii() or _is_stop(token, stop):
        return None
    lemma = lemmatizer.lemmatize(token)
    if "#" in lemma:
        return None  # a verb ("گفت#گو"): not a content term
    if len(lemma) < 2 or _is_stop(lemma, stop):
        return None
    return lemma


def idf(doc_freq: int, n_docs: int) -> float:
    """Smoothed inverse document frequency (as scikit-learn's smooth_idf)."""
    return math.log((1 + n_docs) / (1 + doc_freq)) + 1.0


def top_keywords(text: str, doc_freq: Mapping[str, int], n_docs: int, k: int = 8) -> list[str]:
    """Return the k terms of a text with the highest tf-idf against corpus document frequencies.

    Ties keep the order of first appearance, so the result is deterministic.
    """
    found = terms(text)
    if not found:
        return []
    counts = Counter(found)
    first = {t: i for i, t in reversed(list(enumerate(found)))}
    scored = sorted(
        counts,
        key=lambda t: (-(1.0 + math.log(counts[t])) * idf(doc_freq.get(t, 0), n_docs), first[t]),
    )
    return scored[:k]


def doc_terms(text: str) -> set[str]:
    """Return the distinct terms of one document (what the corpus document-frequency table counts)."""
    return set(terms(text))
