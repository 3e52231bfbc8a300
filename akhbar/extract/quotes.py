"""Quotes of an article: speech cues (گفت، افزود، تصریح کرد...) and «…» spans, with their speakers.

The speaker is the subject before the cue in the same sentence: a person's name (linked to the full
name), a role (``وزیر دفاع عراق نیز ... گفت`` -> the person stated with that role), or the pronoun
``وی``/``او``/``ایشان`` (or ``این مسئول``, ``این مقام`` ...) resolved to the last speaker, else to the subject
(first person) of the last sentence that names a person. A cue after a modal (``می‌توان گفت``) is not one, and a
name followed by (ع)/(ص)/(س)/(عج)/(ره) is never a speaker.

A role that opens the sentence is its subject, never a person the sentence mentions. When no named person was
stated with it, it is the last speaker called by an office (agency copy names a speaker once, then says
``مدیرکل ... افزود``), unless نیز/هم marks a new speaker or the last speaker holds another post of the same
kind; otherwise the quote's speaker is the office itself (``speaker_kind == "role"``), or the person the
article later gives that office to. With no person, pronoun or office before the cue, an organization opening
the clause speaks (``باشگاه بارسلونا اعلام کرد``, ``speaker_kind == "organization"``). A pronoun is never a
speaker: a quote with no resolvable subject is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from akhbar.extract import ner
from akhbar.extract.entities import (
    PRONOUNS,
    ROLE_STOP,
    Entity,
    _match_run,
    _role_after,
    _word_lists,
    display_form,
    person_roles,
)

_S = "[\u200c ]?"  # ZWNJ, space or nothing: "می‌گوید" / "می گوید" / "میگوید"
_PERFECT = r"(?:ه(?:\s+(?:است|بود|اند))?|ند)?"
CUE_PATTERNS = (
    rf"گفت{_PERFECT}",
    rf"ن?می{_S}گوی(?:د|ند)",
    rf"افزود{_PERFECT}",
    rf"ن?می{_S}افزای(?:د|ند)",
    rf"(?:تصریح|خاطرنشان|خاطر\s?نشان|عنوان|بیان|تأکید|تاکید|اذعان|اعلام|یادآوری)\s+"
    rf"(?:کرد{_PERFECT}|نمود{_PERFECT}|ن?می{_S}کن(?:د|ند))",
    rf"اظهار\s?(?:داشت{_PERFECT}|کرد{_PERFECT}|ن?می{_S}دار(?:د|ند))",
    rf"ادامه\s+(?:داد{_PERFECT}|ن?می{_S}ده(?:د|ند))",
    # Less frequent in the list but as common in agency copy (Fars/Varzesh3: 343 of them before ":").
    rf"(?:بیان|عنوان|اذعان)\s+داشت{_PERFECT}",
    rf"توضیح\s+داد{_PERFECT}",
    rf"(?:یادآور|متذکر)\s+شد{_PERFECT}",
    rf"خاطر\s?نشان\s+ساخت{_PERFECT}",
)
# "گفت و گو"/"گفت و شنود" (conversation) written with spaces is no cue ("در گفت و گو با رادیو مسکو گفت: ...").
_CUE = re.compile(rf"(?<![\w\u200c])(?:{'|'.join(CUE_PATTERNS)})(?![\w\u200c])(?!\s*و\s*(?:گو|شنود)(?![\w\u200c]))")
# What follows a cue: a colon (direct speech) or "که" (reported speech).
_AFTER_CUE = re.compile(r"\s*(:|که(?![\w\u200c]))\s*")
_GUILLEMETS = re.compile(r"«([^«»]{2,})»")
_SENTENCE_END = re.compile(r"[.!?؟](?=\s|$)")
_PRONOUN = re.compile(rf"(?<![\w\u200c])(?:{'|'.join(PRONOUNS)})(?![\w\u200c])")
# "کشورمان" (our country) in an Iranian outlet's role phrase means Iran.
_OUR_COUNTRY = {"کشورمان": "ایران", "کشورم": "ایران", "ما": "ایران"}
# Role words that do not tell two holders apart.
_ROLE_FILLER = frozenset({"جمهوری", "اسلامی", "کشور", "محترم"})
# A name followed by (ع)، (ص)، (س)، (عج) or (ره) is a prophet, an imam or a late cleric ("امام حسین (ع)"):
# mentioned, never the speaker of a news quote, nor the referent of a later "ایشان".
_REVERED = re.compile(r"\s*\((?:ع|ص|س|عج|ره)\)")
# A cue after a modal or the future auxiliary is an infinitive, not a speech act: "می‌توان گفت که ..." (one
# can say that), "باید اذعان کرد که", "خواهد گفت". Compared without ZWNJ ("می‌توان" / "میتوان"; "می توان" ends in "توان").
# Not "می‌شود": it often ends the clause before the cue ("... انجام می‌شود گفت:").
_MODALS = frozenset(
    {"میتوان", "نمیتوان", "بتوان", "توان", "نتوان", "باید", "نباید"}
    | {"خواهم", "خواهی", "خواهد", "خواهیم", "خواهید", "خواهند"}
)
# Words that may open a sentence before its subject ("و وزیر خارجه ... گفت").
_OPENERS = frozenset({"و", "همچنین", "نیز", "اما", "ولی", "سپس", "در‌ادامه"})
_DEMONSTRATIVES = frozenset({"این", "همین"})
_ALSO = frozenset({"نیز", "هم"})
_COMMAS = frozenset({"،", ","})
# How the agency's lead clause opens a sentence ("به گزارش فارس،", "بنابر این گزارش،", "طبق گزارش ...،").
_LEAD_STARTS = (["به", "گزارش"], ["به", "نقل"], ["بنابر", "این", "گزارش"], ["بنابراین", "گزارش"], ["طبق", "گزارش"])
# Prepositions that open an adverbial phrase before the subject ("پس از ...، X گفت", "در دیدار با لاوروف، ظریف
# گفت"); without a comma agency copy puts the subject first ("ظریف در دیدار با لاوروف گفت").
_ADVERBIAL = frozenset({"پس", "بعد", "قبل", "پیش", "در", "با", "طی", "ضمن", "هنگام", "پیرو", "همزمان", "به"})
# «ورزش سه», «ایاد علاوی»: agencies and names are set in guillemets too. A «» span in a cue's sentence is taken
# as the quote only from this many words (on 1,500 Fars/Varzesh3 articles 50 of 52 shorter ones were names).
_MIN_GUILLEMET_WORDS = 4


@dataclass(slots=True)
class Quote:
    """One quote; ``start``/``end`` index the article body and cover ``text``."""

    speaker: str
    speaker_role: str | None
    text: str
    cue: str
    start: int
    end: int
    # "person": a named person; "role": the unnamed holder of a stated office; "organization": an organization
    speaker_kind: str = "person"


def _sentence_start(paragraph: str, pos: int) -> int:
    """Return where the sentence holding ``pos`` starts (after the last ``.``/``!``/``؟`` before it)."""
    start = 0
    for m in _SENTENCE_END.finditer(paragraph, 0, pos):
        start = m.end()
    return start


def _word_before(paragraph: str, pos: int) -> str:
    """Return the word before ``pos`` without ZWNJ ("می‌توان" -> "میتوان")."""
    head = paragraph[max(0, pos - 40) : pos].rstrip()
    return head[head.rfind(" ") + 1 :].replace("\u200c", "")


def _role_words(role: str) -> list[str]:
    words = [ner.token_key(w) for w in role.replace("\u200c", " ").split()]
    return [_OUR_COUNTRY.get(w, w) for w in words if w not in _ROLE_FILLER]


# Role words two different offices of one article often share ("مدیرکل ورزش استان قم" and "مدیرکل میراث
# فرهنگی استان قم"): places are left out too.
_GENERIC_ROLE_WORDS = frozenset(
    ner.token_key(w)
    for w in "استان شهرستان شهر کل اداره سازمان وزارت مردم دولت مجلس شورای امور جدید سابق پیشین اسبق".split()
)
_PLACE_CLASSES = frozenset({"COUNTRY", "PROV", "CITY", "WCITY"})


def _also_after(keys: list[str], end: int) -> bool:
    """Whether نیز/هم follows the role phrase ending at ``end`` ("شهردار اردبیل نیز گفت", "مدیرکل راه و ترابری
    استان مرکزی نیز ..."): a new speaker. After a phrase ("... در مورد X نیز تصریح کرد") it adds a topic.
    """
    for key in keys[end:]:
        if key in _ALSO:
            return True
        if key != "و" and key in ROLE_STOP:
            return False
    return False


def _subject_index(keys: list[str], titles: frozenset[str] = frozenset()) -> int:
    """Return the index of the first token of a sentence's subject: after the agency's lead clause
    ("به گزارش فارس،", "به نقل از ...،", "بنابر این گزارش،"), openers (و، همچنین ...) and titles."""
    i = 0
    if any(keys[: len(start)] == start for start in _LEAD_STARTS):
        i = next((j + 1 for j, k in enumerate(keys) if k in _COMMAS), 0)
    while i < len(keys) and (keys[i] in _OPENERS or keys[i] in titles):
        i += 1
    return i


def _after_adverbial(keys: list[str], titles: frozenset[str]) -> int | None:
    """Return where the subject starts after a leading adverbial phrase closed by a comma, titles skipped
    ("پس از بشرویه، سید احمد علوی ... اظهار داشت" -> احمد), or None when the clause opens otherwise."""
    i = _subject_index(keys)
    if i >= len(keys) or keys[i] not in _ADVERBIAL:
        return None
    comma = next((j for j in range(i, len(keys) - 1) if keys[j] in _COMMAS), None)
    if comma is None:
        return None
    j = comma + 1
    while j < len(keys) and keys[j] in titles:
        j += 1
    return j


def _same_head(a: str, b: str) -> bool:
    """Whether two role phrases start with the same office word ("سرمربی پرسپولیس" / "سرمربی استقلال")."""
    wa, wb = _role_words(a), _role_words(b)
    return bool(wa and wb and wa[0] == wb[0])


def _same_office(a: str, b: str) -> bool:
    """Whether two role phrases of one article can name the same office holder.

    One's words hold the other's ("مدیرکل" / "مدیرکل پست استان مازندران"), or both share a word that is
    neither generic nor a place ("سرمربی صنعت نفت" / "سرمربی نفت آبادان"); "سرمربی پرسپولیس" and
    "سرمربی استقلال" are two people.
    """
    wa, wb = set(_role_words(a)), set(_role_words(b))
    if not wa or not wb:
        return False
    if wa <= wb or wb <= wa:
        return True
    table, _ = ner.gazetteers()
    _, heads = _word_lists()
    return any(
        w not in _GENERIC_ROLE_WORDS and w not in heads and not (table.get(w, frozenset()) & _PLACE_CLASSES)
        for w in wa & wb
    )


class _Resolver:
    """Keep the discourse state of one article: last speaker, persons and their roles."""

    def __init__(self, entities: list[Entity], body: str) -> None:
        self.body = body
        self.people = [e for e in entities if e.type == "PER" and not _REVERED.match(body, e.end)]
        self.orgs = [e for e in entities if e.type == "ORG"]
        self.roles = person_roles(entities)
        self.last_speaker: tuple[str, str] | None = None  # (speaker, kind)
        self.last_quote_end = 0
        # Surname key -> the persons of the article whose name ends with it (a mention NER missed is found by it).
        self.surnames: dict[str, list[str]] = {}
        for e in self.people:
            names = self.surnames.setdefault(ner.token_key(e.canonical.split()[-1]), [])
            if e.canonical not in names:
                names.append(e.canonical)

    def last_human(self) -> tuple[str, str] | None:
        """Return the last speaker when it is a person or an office (not an organization)."""
        last = self.last_speaker
        return last if last and last[1] != "organization" else None

    def named_since(self, pos: int) -> str | None:
        """Return the last person opening a sentence between the last quote and ``pos``."""
        found = None
        for e in self.people:
            if self.last_quote_end <= e.start and e.end <= pos:
                head = self.body[max(0, e.start - 2) : e.start]
                if e.start == 0 or head.endswith("\n") or head.endswith(". "):
                    found = e.canonical
        return found

    def by_surname(self, key: str, pos: int) -> str | None:
        """Return the person an untagged surname at ``pos`` names: the only one, else the last speaker or the
        latest mentioned before it."""
        return self.pick(self.surnames.get(key, []), pos)

    def pick(self, names: list[str], pos: int) -> str | None:
        """Choose among the persons a mention may name: the only one, else the last speaker, else the latest
        mentioned before ``pos``."""
        if len(names) == 1:
            return names[0]
        if self.last_speaker and self.last_speaker[0] in names:
            return self.last_speaker[0]
        recent = [e.canonical for e in self.people if e.end <= pos and e.canonical in names]
        return recent[-1] if recent else None

    def last_person_before(self, pos: int) -> str | None:
        """Return the subject of the last sentence before ``pos`` that names a person: its first person.

        Persian puts the subject first: in "هاشمی ... با حضور جبلی ... گرامی داشت. وی گفت" وی is هاشمی.
        """
        before = [e for e in self.people if e.end <= pos]
        if not before:
            return None
        last = before[-1]
        start = self.body.rfind("\n", 0, last.start) + 1
        for m in _SENTENCE_END.finditer(self.body, start, last.start):
            start = m.end()
        return next(e for e in before if e.start >= start).canonical

    def by_role(self, phrase: str, pos: int) -> str | None:
        """Return the person whose stated role the phrase names (``وزیر دفاع عراق``), if one fits."""
        wanted = _role_words(phrase)
        if not wanted:
            return None
        return self.pick([name for name, role in self.roles.items() if set(wanted) <= set(_role_words(role))], pos)

    def speaker(self, body: str, start: int, end: int, entities_in: list[Entity]) -> tuple[str, str] | None:
        """Resolve the subject of the region ``body[start:end]`` (the text before a cue)."""
        region = body[start:end]
        candidates: list[tuple[int, str, str]] = [(e.start, "per", e.canonical) for e in entities_in]
        for m in _PRONOUN.finditer(region):
            candidates.append((start + m.start(), "pro", m.group()))
        tokens = ner.tokenize(region, start)
        keys = [ner.token_key(t[0]) for t in tokens]
        titles, roles = _word_lists()
        lead, first = _subject_index(keys), _subject_index(keys, titles)
        subject = _after_adverbial(keys, titles)
        if subject is None and lead:
            subject = first
        if subject is not None and subject < len(tokens):
            # A person or pronoun right after the agency's lead clause or a leading adverbial phrase is the
            # subject, not a person inside them ("به گزارش فارس از بشرویه، سید احمد علوی ... اظهار داشت",
            # "بعد از سخنان «فرهت»، «محمد سریر» ... گفت").
            at = tokens[subject][1]
            # (A name in guillemets starts one character later: "، «محمد سریر» ...".)
            if any(pos == at or (kind == "per" and pos == at + 1) for pos, kind, _ in candidates):
                candidates = [c for c in candidates if c[0] >= at]
        if first < len(tokens) and all(c[0] != tokens[first][1] for c in candidates):
            # The subject is a surname NER did not tag here ("فولادگر در تشریح ... بیان داشت") of a person it
            # tagged elsewhere in the article.
            named = self.by_surname(keys[first], tokens[first][1])
            revered = _REVERED.match(body, tokens[first][2])  # "امام حسین (ع) می‌گوید"
            if named and not revered and not any(e.start <= tokens[first][1] < e.end for e in entities_in):
                candidates.append((tokens[first][1], "per", named))
        for i in range(len(tokens)):
            if _match_run(keys, i, len(tokens), roles, 4):
                rng = _role_after(tokens, keys, i, len(tokens))
                if rng:
                    phrase = " ".join(t[0] for t in tokens[rng[0] : rng[1]])
                    # A role right next to a name is that name's apposition, not a subject of its own.
                    near = [
                        e
                        for e in entities_in
                        if abs(e.start - tokens[rng[1] - 1][2]) <= 2 or abs(e.end - tokens[i][1]) <= 2
                    ]
                    if not near:
                        opens = i == lead  # a title may head a role: "امام جمعه"
                        if i and keys[i - 1] in _DEMONSTRATIVES:
                            # "این مسئول گفت": the role names the speaker already introduced, like وی.
                            candidates.append((tokens[i - 1][1], "this-role", phrase))
                        else:
                            kind = "role"
                            if opens:
                                kind = "new-subject-role" if _also_after(keys, rng[1]) else "subject-role"
                            candidates.append((tokens[i][1], kind, phrase))
                break
        for _, kind, value in sorted(candidates):
            if kind == "per":
                return value, "person"
            if kind in ("pro", "this-role"):
                last = self.last_human()  # وی/این مسئول is a person or an office, never an organization
                if last and last[1] == "role":
                    holder = self.named_since(start)
                    if holder:
                        # "فرماندار خرم‌آباد گفت: ... محمد صارمی‌زاده ضمن تاکید بر ... خواست ... وی افزود": the
                        # person opening a sentence after an unnamed office's quote is its holder.
                        self.roles.setdefault(holder, last[0])
                        return holder, "person"
                if last:
                    return last
                person = self.last_person_before(start)
                if person:
                    return person, "person"
                if kind == "pro":
                    return None
            found = self.by_role(value, start)
            if found:
                return found, "person"
            if kind != "role":
                # A role that opens the sentence is its subject, never a person mentioned later in the sentence
                # ("وزیر خارجه ... با اشاره به سخنان X گفت" is not X's quote).
                return self.unnamed_role(display_form(value), new_speaker=kind == "new-subject-role")
        if not candidates and lead < len(tokens):
            # No person, pronoun or office: an organization opening the clause is the speaker ("باشگاه آرسنال
            # بلافاصله اعلام کرد", "روابط عمومی بانک مرکزی اعلام کرد").
            at = lead + 2 if keys[lead : lead + 2] == ["روابط", "عمومی"] and lead + 2 < len(tokens) else lead
            org = next((e for e in self.orgs if e.start == tokens[at][1] and e.end <= end), None)
            if org:
                return org.canonical, "organization"
        return None

    def unnamed_role(self, phrase: str, new_speaker: bool = False) -> tuple[str, str]:
        """Resolve a subject role that no named person of the article was stated with.

        Agency copy names its speaker once and then calls them by an office ("X امروز در گفت‌وگو با خبرنگار
        فارس گفت: ... مدیرکل ... استان افزود: ...", or a second office of theirs): the role goes to the last
        speaker, who has it from then on when no role was stated with their name, unless نیز/هم marks a new
        speaker ("شهردار اردبیل نیز گفت") or the last speaker holds another post of the same kind
        ("سرمربی پرسپولیس" is not "سرمربی استقلال"). Otherwise the speaker is the role's unnamed holder.
        """
        last = self.last_human()
        if last and not new_speaker:
            held = self.roles.get(last[0]) if last[1] == "person" else last[0]
            if held is None:
                self.roles[last[0]] = phrase
                return last
            if _same_office(phrase, held) or (last[1] == "person" and not _same_head(phrase, held)):
                return last
        return phrase, "role"


def _quote_span(paragraph: str, cue_end: int) -> tuple[int, int] | None:
    """Return the span of the quoted words after a cue, or None when the cue introduces no speech."""
    m = _AFTER_CUE.match(paragraph, cue_end)
    if not m:
        return None
    q_start = m.end()
    if m.group(1) == ":":
        g = _GUILLEMETS.match(paragraph, q_start)
        # «...» is the whole quote when nothing but punctuation follows it; «جیمز ناشوی» یکی از ... is a name.
        if g and not paragraph[g.end() :].strip(" .!?؟،,؛;\"'"):
            return g.start(1), g.end(1)
        q_end = len(paragraph)
    else:
        end = _SENTENCE_END.search(paragraph, q_start)
        q_end = end.start() if end else len(paragraph)
    text = paragraph[q_start:q_end].rstrip()
    return (q_start, q_start + len(text)) if len(text.strip()) > 1 else None


def extract_quotes(paragraphs: list[str], entities: list[Entity]) -> list[Quote]:
    """Find the quotes of an article and attribute each to a named person.

    ``entities`` are those :func:`akhbar.extract.entities.extract_entities` returned for the same paragraphs.
    """
    body = "\n".join(paragraphs)
    resolver = _Resolver(entities, body)
    quotes: list[Quote] = []
    base = 0
    for paragraph in paragraphs:
        covered: list[tuple[int, int]] = []
        previous_cue_end = 0
        for cue in _CUE.finditer(paragraph):
            if _word_before(paragraph, cue.start()) in _MODALS:
                continue
            span = _quote_span(paragraph, cue.end())
            guillemet = None
            # The subject of a cue follows the previous direct-speech cue ("وزیر ... گفت: ...، X ... افزود:") of
            # its sentence; a cue in a subordinate clause ("با بیان اینکه ... تأکید کرد، افزود") is no boundary.
            s_start = max(_sentence_start(paragraph, cue.start()), previous_cue_end)
            after = _AFTER_CUE.match(paragraph, cue.end())
            if after is not None and after.group(1) == ":":
                previous_cue_end = cue.end()
            if span is None:
                # "«...»، وی گفت." or "... گفت «...»": a guillemet span in the cue's sentence.
                s_end_m = _SENTENCE_END.search(paragraph, cue.end())
                s_end = s_end_m.start() if s_end_m else len(paragraph)
                guillemet = next(
                    (
                        g
                        for g in _GUILLEMETS.finditer(paragraph, s_start, s_end)
                        if not any(a <= g.start() < b for a, b in covered)
                        and len(g.group(1).split()) >= _MIN_GUILLEMET_WORDS
                    ),
                    None,
                )
                if guillemet is None:
                    continue
                span = guillemet.start(1), guillemet.end(1)
            if any(a == span[0] for a, _ in covered):
                continue  # "X گفت و تأکید کرد: «...»": one quote, introduced by its first cue
            region_start = guillemet.end() if guillemet and guillemet.end() <= cue.start() else s_start
            inside = [
                e for e in resolver.people if base + region_start <= e.start and e.end <= base + cue.start()
            ]
            found = resolver.speaker(body, base + region_start, base + cue.start(), inside)
            if not found or found[0] in PRONOUNS:
                continue
            resolver.last_speaker = found
            resolver.last_quote_end = base + span[1]
            speaker, kind = found
            covered.append(span)
            q_start, q_end = span
            quotes.append(
                Quote(
                    speaker,
                    resolver.roles.get(speaker) if kind == "person" else speaker,
                    paragraph[q_start:q_end],
                    cue.group(),
                    base + q_start,
                    base + q_end,
                    kind,
                )
            )
        base += len(paragraph) + 1
    for q in quotes:
        if q.speaker_kind == "role":
            # "استاندار اردبیل گفت: ... منصور حقیقت‌پور اظهار داشت: ... استاندار اردبیل تصریح کرد": the office
            # named before its holder is the person the article later gives it to, when only one has it.
            wanted = set(_role_words(q.speaker))
            holders = [name for name, role in resolver.roles.items() if wanted <= set(_role_words(role))]
            if len(holders) == 1:
                q.speaker, q.speaker_kind = holders[0], "person"
        if q.speaker_kind == "person" and q.speaker_role is None:
            # a role learned after a person's first quotes is theirs in those quotes too
            q.speaker_role = resolver.roles.get(q.speaker)
    return quotes
