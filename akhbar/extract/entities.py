"""Named entities of an article: CRF mentions with titles split off, roles, and canonical names.

Offsets are into ``body = "\\n".join(paragraphs)``. Canonical names merge letter/ZWNJ/space variants
and link a later surname-only or shortened mention to the full name introduced in the same article
(``دهقان`` -> ``حسین دهقان``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from akhbar.extract import ner
from akhbar.extract.ner_io import spans
from akhbar.text.chars import canonical_key, clean_chars, fold_letters, to_persian_digits

MAX_TITLE_TOKENS = 5
MAX_ROLE_TOKENS = 8
# Words that end a role phrase ("وزیر دفاع عراق نیز ..." -> "وزیر دفاع عراق"): prepositions,
# conjunctions, particles and the speech verbs.
ROLE_STOP = frozenset(
    "از به با در بر برای را که نیز هم طی ضمن پس و یا تا این آن وی او ایشان هنگام روز امروز دیروز گفت افزود "
    "است بود شد کرد داشت دارد کند می نمی اظهار تصریح خاطرنشان عنوان بیان تاکید تأکید ادامه ابراز "
    "همچنین درباره درمورد پیرامون درخصوص بعد قبل صبح ظهر عصر شب بامداد دیشب بار میگوید میگویند میافزاید "
    "شنبه یکشنبه دوشنبه سهشنبه چهارشنبه پنجشنبه".split()  # not جمعه: "امام جمعه"
)
PRONOUNS = frozenset({"وی", "او", "ایشان"})


@dataclass(slots=True)
class Entity:
    """One entity mention; ``start``/``end`` index the article body."""

    type: str
    text: str
    canonical: str
    title: str | None
    role: str | None
    start: int
    end: int


# Role heads common in news copy beyond the ROLE gazetteer. Kept out of the gazetteer file on purpose: that
# file is also an NER feature, and the shipped models were trained with it as it is.
EXTRA_ROLE_HEADS = ("هافبک", "مدافع", "مهاجم", "دروازه‌بان", "داور", "نامزد", "وکیل", "مقام", "استاد", "مسؤول")


@lru_cache(maxsize=1)
def _word_lists() -> tuple[frozenset[str], frozenset[str]]:
    """Return the title keys and the role-head keys (joined token keys) from the gazetteers."""
    table, _ = ner.gazetteers()
    titles = frozenset(k for k, v in table.items() if "TITLE" in v)
    roles = frozenset(k for k, v in table.items() if "ROLE" in v) | {ner.token_key(w) for w in EXTRA_ROLE_HEADS}
    return titles, roles


def _match_run(keys: list[str], start: int, stop: int, table: frozenset[str], limit: int) -> int:
    """Return the length of the longest run ``keys[start:start+n]`` (n <= limit, within stop) in ``table``."""
    best, joined = 0, ""
    for j in range(start, min(stop, start + limit)):
        joined += keys[j]
        if joined in table:
            best = j - start + 1
    return best


def _title_before(keys: list[str], start: int, floor: int) -> int:
    """Return the index where a title run ending right before ``start`` begins (``start`` if none)."""
    titles, _ = _word_lists()
    best = start
    joined = ""
    for j in range(start - 1, max(floor, start - MAX_TITLE_TOKENS) - 1, -1):
        joined = keys[j] + joined
        if joined in titles:
            best = j
    return best


_ZWNJ_FIXES = [
    (re.compile(r"(?<=\S) (ها|های|هایی|ای|ترین|تر)(?![\w\u200c])"), "\u200c\\1"),
    (re.compile(r"آیت ?الله"), "آیت\u200cالله"),
    (re.compile(r"حجت ?الاسلام"), "حجت\u200cالاسلام"),
    (re.compile(r"بین ?المللی"), "بین\u200cالمللی"),
    (re.compile(r"(?<![\w\u200c])(ن?می) (?=\w)"), "\\1\u200c"),
]


def display_form(text: str) -> str:
    """Return the canonical display spelling of a name: letters folded, Persian digits, common ZWNJs.

    >>> display_form("آيت الله  سيستاني") == "آیت\u200cالله سیستانی"
    True
    """
    text = to_persian_digits(fold_letters(clean_chars(text)))
    for pattern, repl in _ZWNJ_FIXES:
        text = pattern.sub(repl, text)
    return text


def name_key(text: str) -> str:
    """Return the merge key of a name (letters, ZWNJ and spaces ignored)."""
    return canonical_key(text).replace(" ", "")


def _is_word(token: str) -> bool:
    """Whether a token is a word (letters/digits, ZWNJ allowed: "رئیس‌جمهور", "امام‌جمعه"), not punctuation."""
    return token.replace("\u200c", "").isalnum()


def _role_after(
    tokens: list[tuple[str, int, int]], keys: list[str], end: int, stop: int
) -> tuple[int, int] | None:
    """Return the token range of a role phrase starting at ``end`` (``... دهقان وزیر دفاع ...``)."""
    _, roles = _word_lists()
    if end >= stop or not _match_run(keys, end, stop, roles, 4):
        return None
    j = end
    while j < stop and j - end < MAX_ROLE_TOKENS and keys[j] not in ROLE_STOP and _is_word(tokens[j][0]):
        j += 1
    return (end, j) if j > end else None


def _role_before(
    tokens: list[tuple[str, int, int]], keys: list[str], start: int, floor: int
) -> tuple[int, int] | None:
    """Return the token range of a role phrase ending right before ``start`` (``وزیر دفاع عراق X``)."""
    _, roles = _word_lists()
    best = None
    j = start - 1
    while j >= floor and start - j <= MAX_ROLE_TOKENS and keys[j] not in ROLE_STOP and _is_word(tokens[j][0]):
        if _match_run(keys, j, start, roles, 4):
            best = (j, start)
        j -= 1
    return best


Sentence = list[tuple[str, int, int]]  # tokens with their offsets in the body
_APPOSITION_COMMAS = frozenset({"،", ","})


def article_sentences(paragraphs: list[str]) -> list[Sentence]:
    """Return the tokenized sentences of an article, offsets counted in the body (paragraphs + newlines)."""
    sentences = []
    base = 0
    for paragraph in paragraphs:
        for s_start, s_end in ner.split_sentences(paragraph):
            tokens = ner.tokenize(paragraph[s_start:s_end], base + s_start)
            if tokens:
                sentences.append(tokens)
        base += len(paragraph) + 1
    return sentences


MIN_SURNAME_CHARS = 3
# A bare surname is tagged only where the CRF itself gave PER at least this probability (its B-PER
# marginal): "هنوز" after a misread "محسن هنوز" has ~0, "ظریف گفت" does not. Chosen on PEYMA dev with a
# model trained on train only (0.003-0.01 best; see akhbar/models/ner.README.md).
SURNAME_MIN_PROB = 0.01


def surname_candidates(
    keys: Sequence[Sequence[str]], tagged: Sequence[Sequence[str]], window: int | None = None
) -> list[tuple[int, int]]:
    """Return ``(sentence, token)`` positions of untagged tokens that are the surname of a person named nearby.

    News names a person in full once, then by surname alone, and the tagger misses many of those bare
    surnames. ``keys`` are the token keys of consecutive sentences (one article), ``tagged`` their IOB2
    tags. A candidate is the last word of a multi-word PER span of a sentence within ``window`` sentences
    (None: anywhere in the article) that carries ``O`` itself, is not followed by an ``I-`` tag, has at
    least 3 letters, and does not follow an untagged given name or title (``صادق لاریجانی`` after
    ``علی لاریجانی`` is another person).

    >>> surname_candidates([["حسین", "دهقان", "گفت"], ["دهقان", "افزود"]], [["B-PER", "I-PER", "O"], ["O", "O"]])
    [(1, 0)]
    """
    given = _given_names_and_titles()
    surnames_of = [
        {ks[e - 1] for s, e, kind in spans(list(tags)) if kind == "PER" and e - s >= 2}
        for ks, tags in zip(keys, tagged, strict=True)
    ]
    everywhere = set().union(*surnames_of) if window is None else set()
    found = []
    for i, (ks, row) in enumerate(zip(keys, tagged, strict=True)):
        near = everywhere if window is None else set().union(*surnames_of[max(0, i - window) : i + window + 1])
        if not near:
            continue
        for a, key in enumerate(ks):
            if (
                key in near
                and row[a] == "O"
                and len(key) >= MIN_SURNAME_CHARS
                and not (a + 1 < len(row) and row[a + 1].startswith("I-"))
                and not (a > 0 and row[a - 1] == "O" and ks[a - 1] in given)
            ):
                found.append((i, a))
    return found


def tag_surnames(
    tagger: ner.NerTagger,
    sentences: Sequence[Sequence[str]],
    tagged: Sequence[Sequence[str]],
    window: int | None = None,
    documents: Sequence[range] | None = None,
) -> list[list[str]]:
    """Return ``tagged`` with the plausible bare surnames of :func:`surname_candidates` tagged ``B-PER``.

    ``documents`` split the sentences into articles (default: one running text); names link only within
    one. A candidate is kept where ``tagger``'s CRF gives B-PER a marginal of at least ``SURNAME_MIN_PROB``;
    only the sentences holding a candidate are scored again, all in one batch.
    """
    out = [list(tags) for tags in tagged]
    found: list[tuple[int, int]] = []
    for doc in documents if documents is not None else [range(len(sentences))]:
        keys = [[ner.token_key(t) for t in sentences[i]] for i in doc]
        found += [(doc[i], a) for i, a in surname_candidates(keys, [tagged[i] for i in doc], window)]
    if not found:
        return out
    rows = sorted({i for i, _ in found})
    probs = dict(zip(rows, tagger.label_marginals([sentences[i] for i in rows], "B-PER"), strict=True))
    for i, a in found:
        if probs[i][a] >= SURNAME_MIN_PROB:
            out[i][a] = "B-PER"
    return out


@lru_cache(maxsize=1)
def _given_names_and_titles() -> frozenset[str]:
    """Return the keys of the given-name and title gazetteers."""
    table, _ = ner.gazetteers()
    return frozenset(k for k, v in table.items() if "FNAME" in v) | _word_lists()[0]


def _mentions(paragraphs: list[str], sentences: list[Sentence], tagged: list[list[str]]) -> list[Entity]:
    """Turn the tagged spans of an article's sentences into entities with titles split off and roles attached."""
    out: list[Entity] = []
    for tokens, tags in zip(sentences, tagged, strict=True):
        found = sorted(spans(tags))
        per_starts = [s for s, _, kind in found if kind == "PER"]
        # Token keys serve the title and role lookups of persons only; most sentences name none.
        keys = [ner.token_key(t[0]) for t in tokens] if per_starts else []
        for idx, (start, end, kind) in enumerate(found):
            title = None
            role = None
            if kind == "PER":
                titles, _ = _word_lists()
                # A title the tagger put inside the span is split off ("سردار حسین دهقان").
                inner = _match_run(keys, start, end, titles, MAX_TITLE_TOKENS)
                t_start = _title_before(keys, start, found[idx - 1][1] if idx else 0)
                if inner and inner < end - start:
                    title_range = (start, start + inner)
                    start += inner
                elif t_start < start:
                    title_range = (t_start, start)
                else:
                    title_range = None
                if title_range is None and inner:
                    continue  # the whole span is a title
                if title_range:
                    a, b = title_range
                    title = display_form(" ".join(t[0] for t in tokens[a:b]))
                next_per = min((s for s in per_starts if s >= end), default=len(tokens))
                rng = _role_after(tokens, keys, end, next_per)
                if rng is None and end < next_per and tokens[end][0] in _APPOSITION_COMMAS:
                    # An apposition after a comma: "مالک حسینی، معاون توسعه کارآفرینی وزارت کار".
                    rng = _role_after(tokens, keys, end + 1, next_per)
                if rng is None:
                    left = title_range[0] if title_range else start
                    # Other entities may sit inside a role ("وزیر امور خارجه عراق"); people may not.
                    prev_end = max((e for s, e, k in found if k == "PER" and e <= left), default=0)
                    rng = _role_before(tokens, keys, left, prev_end)
                if rng:
                    role = display_form(" ".join(t[0] for t in tokens[rng[0] : rng[1]]))
            c_start, c_end = tokens[start][1], tokens[end - 1][2]
            text = _body_slice(paragraphs, c_start, c_end)
            lead, trail = _edge_marks(text)
            if lead + trail >= len(text):
                continue
            text = text[lead : len(text) - trail]
            c_start, c_end = c_start + lead, c_end - trail
            out.append(Entity(kind, text, display_form(text), title, role, c_start, c_end))
    return out


_EDGE_MARKS = frozenset("*-\u2013\u2014_•·.,،:;!؟?\"'")  # \u2013 \u2014: en and em dash
_PAIRS = {"«": "»", "(": ")"}


def _edge_marks(text: str) -> tuple[int, int]:
    """Return how many bullet and punctuation marks a mention carries at its start and end.

    Copy glues them to names (``*علی دایی``، ``هلند-``، ``روزنامه «واشنگتن‌تایمز»`` keeps its guillemets,
    ``نیوزویک»`` does not); a closing mark is kept when its opening one is inside the mention.

    >>> _edge_marks("*علی دایی"), _edge_marks("هلند-"), _edge_marks("نیوزویک»"), _edge_marks("ورزشگاه امام رضا (ع)")
    ((1, 0), (0, 1), (0, 1), (0, 0))
    """
    lead = 0
    while lead < len(text) and (
        text[lead] in _EDGE_MARKS or (text[lead] in _PAIRS and _PAIRS[text[lead]] not in text[lead + 1 :])
    ):
        lead += 1
    end = len(text)
    closers = {v: k for k, v in _PAIRS.items()}
    while end > lead and (
        text[end - 1] in _EDGE_MARKS or (text[end - 1] in closers and closers[text[end - 1]] not in text[lead : end - 1])
    ):
        end -= 1
    return lead, len(text) - end


def _body_slice(paragraphs: list[str], start: int, end: int) -> str:
    """Return ``body[start:end]`` without building the body string."""
    base = 0
    for paragraph in paragraphs:
        if start < base + len(paragraph) + 1:
            return paragraph[start - base : end - base]
        base += len(paragraph) + 1
    return ""


def link_names(entities: list[Entity]) -> None:
    """Set canonical names in place: merge spelling variants, link surnames/short forms to full names.

    A PER mention whose words are a subset of an earlier (else a unique later) longer name ending
    with the same surname takes that name: ``دهقان``, ``حسین دهقان`` -> ``حسین دهقان``.
    """
    first_form: dict[tuple[str, str], str] = {}
    people: list[tuple[_Words, str]] = []  # (word keys, canonical) of multi-word names, in order
    for ent in entities:
        words = _name_words(ent.canonical)
        ent.canonical = first_form.setdefault((ent.type, name_key(ent.canonical)), ent.canonical)
        if ent.type == "PER" and len(words[1]) >= 2:
            people.append((words, ent.canonical))
    for i, ent in enumerate(entities):
        if ent.type != "PER":
            continue
        target = _longer_name(_name_words(ent.canonical), people, ent, entities[:i])
        if target:
            ent.canonical = target


_Words = tuple[tuple[str, ...], tuple[str, ...]]


@lru_cache(maxsize=50_000)
def _name_words(name: str) -> _Words:
    """Return a name's word keys split at spaces, and split at spaces and ZWNJ.

    A surname written with ZWNJ in one place and without it in another (``امیرعلی نیک‌بخش`` ... ``نیکبخش``)
    matches the first; one written with a space (``نیک بخش``) matches the second.
    """
    return tuple(name_key(w) for w in name.split()), tuple(name_key(w) for w in name.replace("\u200c", " ").split())


def _longer_name(words: _Words, people: list[tuple[_Words, str]], ent: Entity, before: list[Entity]) -> str | None:
    """Return the canonical of the known longer name that ``words`` abbreviates.

    The most recently mentioned earlier name wins ("علی لاریجانی ... صادق لاریجانی ... لاریجانی" -> صادق);
    with no earlier name, a later one is used only when it is the only candidate.
    """
    last_seen = {e.canonical: i for i, e in enumerate(before) if e.type == "PER"}
    names = {
        canon
        for full_words, canon in people
        if any(
            len(full) > len(mine) and full[-1] == mine[-1] and set(mine) <= set(full)
            for full, mine in zip(full_words, words, strict=True)
            if mine
        )
    }
    if not names:
        return None
    earlier = [n for n in names if n in last_seen]
    if earlier:
        return max(earlier, key=lambda n: last_seen[n])
    return names.pop() if len(names) == 1 else None


def extract_entities(paragraphs: list[str], model_path: str | Path | None = None) -> list[Entity]:
    """Find the named entities of an article's paragraphs (hazm-normalized display text).

    >>> [(e.type, e.canonical, e.title) for e in extract_entities(["سردار حسین دهقان به بغداد رفت.", "دهقان گفت: سلام."]) if e.type == "PER"]
    [('PER', 'حسین دهقان', 'سردار'), ('PER', 'حسین دهقان', None)]
    """
    return extract_entities_many([paragraphs], model_path)[0]


def extract_entities_many(articles: Sequence[list[str]], model_path: str | Path | None = None) -> list[list[Entity]]:
    """:func:`extract_entities` for several articles, their sentences tagged in one batch (faster)."""
    tagger = ner.get_tagger(model_path or ner.DEFAULT_MODEL)
    split = [article_sentences(paragraphs) for paragraphs in articles]
    flat = [[t[0] for t in tokens] for sentences in split for tokens in sentences]
    documents, start = [], 0
    for sentences in split:
        documents.append(range(start, start + len(sentences)))
        start += len(sentences)
    tagged = tag_surnames(tagger, flat, tagger.tag_many(flat), documents=documents)
    out = []
    for paragraphs, sentences, doc in zip(articles, split, documents, strict=True):
        entities = _mentions(paragraphs, sentences, [tagged[i] for i in doc])
        link_names(entities)
        out.append(entities)
    return out


def person_roles(entities: list[Entity]) -> dict[str, str]:
    """Return the first stated role of every person (canonical name -> role)."""
    roles: dict[str, str] = {}
    for ent in entities:
        if ent.type == "PER" and ent.role:
            roles.setdefault(ent.canonical, ent.role)
    return roles
