"""Build a labelled near-duplicate corpus from the shared Persian news sets by perturbing real articles.

Each base article gets perturbed copies of one kind (a reprint as agencies make them); the pair
(base, copy) is a true duplicate. Hard negatives are different articles of the same agency and topic that
end with the same boilerplate paragraph. Larger corpora repeat the base set through a per-replica word
substitution (a random permutation of the vocabulary), so replicas keep the length and word-frequency shape
of real news but do not overlap each other.
"""

from __future__ import annotations

import csv
import gzip
import json
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from akhbar.text.chars import canonical_key, content_hash

ZWNJ = "\u200c"

KINDS = (
    "identical",
    "zwnj_space",
    "arabic_letters",
    "reordered",
    "edit_3pct",
    "edit_8pct",
    "edit_15pct",
    "boilerplate",
    "truncated_60pct",
)

# Agency boilerplate paragraphs as they appear at the foot of real articles (channel joins, sign-offs,
# related-news blocks); the same one is appended to many articles of an agency.
BOILERPLATE = {
    "fars": [
        "انتهای پیام/",
        "برای عضویت در کانال تلگرام خبرگزاری فارس کلیک کنید و از آخرین اخبار و تحلیل\u200cهای سیاسی، اقتصادی، "
        "اجتماعی، فرهنگی و ورزشی ایران و جهان در سریع\u200cترین زمان ممکن مطلع شوید. کد خبر: ۱۴۰۲۰۶۰۴۰۰۰۱۲۳ "
        "اخبار مرتبط: آخرین اخبار استان\u200cها را در صفحه ویژه بخوانید",
    ],
    "varzesh3": [
        "برای مشاهده نتایج زنده و جدول لیگ برتر، اپلیکیشن ورزش سه را نصب کنید و ما را در اینستاگرام و "
        "تلگرام دنبال کنید تا از آخرین اخبار نقل و انتقالات، گزارش\u200cهای ویژه و ویدیوهای خلاصه بازی\u200cها با خبر "
        "شوید. اخبار مرتبط: لیگ برتر ایران، فوتبال اروپا",
    ],
    "hamshahri": [
        "انتهای پیام",
        "اخبار مرتبط: برای دریافت آخرین اخبار همشهری آنلاین در پیام\u200cرسان\u200cهای داخلی عضو کانال همشهری شوید "
        "و نظرات خود را درباره این گزارش با ما در میان بگذارید. کپی\u200cبرداری از مطالب با ذکر منبع آزاد است",
    ],
    "radiofarda": [
        "رادیو فردا را در شبکه\u200cهای اجتماعی دنبال کنید و برای دریافت خبرهای روز، گزارش\u200cها و تحلیل\u200cهای "
        "کارشناسان در کانال تلگرام ما عضو شوید. برای دور زدن سانسور از نرم\u200cافزارهای امن استفاده کنید",
    ],
}


@dataclass(slots=True)
class Doc:
    """One article of the benchmark corpus with its ground-truth group."""

    doc_id: str
    agency: str
    topic: str
    paragraphs: list[str]
    group: str  # articles of one group are true duplicates of each other
    kind: str = "base"  # "base" or the perturbation kind that made it
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def body(self) -> str:
        return "\n".join(self.paragraphs)


def _split_paras(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n+", text or "") if p.strip()]


def load_base(data_dir: Path) -> list[Doc]:
    """Read the langml, sci2lab and farsnews-1402 sets into base docs, exact duplicates removed."""
    docs: list[Doc] = []
    langml = data_dir / "langml-fars-varzesh3"
    for path in sorted(langml.glob("*.json.gz")):
        agency = "fars" if path.name.startswith("fars") else "varzesh3"
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for i, rec in enumerate(json.load(fh)):
                paras = [p.strip() for p in rec.get("paragraphs") or [] if p and p.strip()]
                topic = rec.get("cat") or ((rec.get("tags") or ["sport"])[0] if agency == "varzesh3" else "")
                docs.append(Doc(f"{path.stem}:{i}", agency, topic or "none", paras, ""))
    sci = data_dir / "sci2lab-farsi-news-rss"
    for name in ("hamshahri", "radiofarda"):
        path = sci / f"{name}.json"
        if path.exists():
            for i, rec in enumerate(json.loads(path.read_text(encoding="utf-8"))):
                topic = (rec.get("tags") or ["none"])[0]
                docs.append(Doc(f"{name}:{i}", name, topic, _split_paras(rec.get("summary", "")), ""))
    fars1402 = data_dir / "farsnews-1402-sample" / "farsnews.csv"
    if fars1402.exists():
        with fars1402.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                docs.append(
                    Doc(
                        f"fars1402:{row['']}",
                        "fars",
                        row.get("label") or "none",
                        _split_paras(row.get("text", "")),
                        "",
                    )
                )
    seen: set[str] = set()
    unique: list[Doc] = []
    for doc in docs:
        key = canonical_key(doc.body)
        h = content_hash(key)
        if not key or h in seen:
            continue
        seen.add(h)
        doc.group = doc.doc_id
        unique.append(doc)
    return unique


# ---------------------------------------------------------------- perturbations (text -> text, seeded)

_ZWNJ_SUFFIX = re.compile(r"(?<=\S) (ها|های|هایی|تر|ترین|ام|ای|اند|ایم)(?=[\s.,،؛:!؟]|$)")
_MI_PREFIX = re.compile(r"(?:(?<=\s)|^)(ن?می) (?=\S)")


def zwnj_space(paras: list[str], rng: random.Random) -> list[str]:
    """Swap ZWNJ and space: ZWNJ becomes space, and spaced suffixes/prefixes get a ZWNJ."""
    out = []
    for p in paras:
        if ZWNJ in p:
            out.append(p.replace(ZWNJ, " "))
        else:
            p = _ZWNJ_SUFFIX.sub(ZWNJ + r"\1", p)
            out.append(_MI_PREFIX.sub(r"\1" + ZWNJ, p))
    return out


_TO_ARABIC = str.maketrans({"ی": "ي", "ک": "ك"})


def arabic_letters(paras: list[str], rng: random.Random) -> list[str]:
    """Write Persian ی/ک as Arabic ي/ك."""
    return [p.translate(_TO_ARABIC) for p in paras]


_SENTENCE = re.compile(r"(?<=[.!؟?])\s+")


def reordered(paras: list[str], rng: random.Random) -> list[str]:
    """Swap two paragraphs (two sentences when there is a single paragraph)."""
    units = list(paras)
    joiner = None
    if len(units) < 2:
        units = [s for s in _SENTENCE.split(paras[0]) if s] if paras else []
        joiner = " "
    if len(units) < 2:
        return list(paras)
    i, j = rng.sample(range(len(units)), 2)
    units[i], units[j] = units[j], units[i]
    return [joiner.join(units)] if joiner else units


def edit_words(fraction: float, vocab: list[str]) -> Callable[[list[str], random.Random], list[str]]:
    """Return a perturbation that replaces ``fraction`` of the words with other words of the corpus."""

    def perturb(paras: list[str], rng: random.Random) -> list[str]:
        tokens = [p.split(" ") for p in paras]
        slots = [(i, j) for i, t in enumerate(tokens) for j, w in enumerate(t) if w]
        k = max(1, round(fraction * len(slots)))
        for i, j in rng.sample(slots, min(k, len(slots))):
            tokens[i][j] = rng.choice(vocab)
        return [" ".join(t) for t in tokens]

    return perturb


def with_boilerplate(agency: str) -> Callable[[list[str], random.Random], list[str]]:
    """Return a perturbation that appends the agency's boilerplate paragraphs."""

    def perturb(paras: list[str], rng: random.Random) -> list[str]:
        return list(paras) + BOILERPLATE.get(agency, BOILERPLATE["fars"])

    return perturb


def truncated(paras: list[str], rng: random.Random, share: float = 0.6) -> list[str]:
    """Keep the first ``share`` of the words, paragraph breaks kept."""
    total = sum(len(p.split()) for p in paras)
    budget = max(1, round(share * total))
    out = []
    for p in paras:
        words = p.split()
        if budget <= 0:
            break
        out.append(" ".join(words[:budget]))
        budget -= len(words)
    return out


def perturbation(kind: str, agency: str, vocab: list[str]) -> Callable[[list[str], random.Random], list[str]]:
    """Return the perturbation function for a kind name."""
    table: dict[str, Callable[[list[str], random.Random], list[str]]] = {
        "identical": lambda paras, rng: list(paras),
        "zwnj_space": zwnj_space,
        "arabic_letters": arabic_letters,
        "reordered": reordered,
        "edit_3pct": edit_words(0.03, vocab),
        "edit_8pct": edit_words(0.08, vocab),
        "edit_15pct": edit_words(0.15, vocab),
        "boilerplate": with_boilerplate(agency),
        "truncated_60pct": truncated,
    }
    return table[kind]


# ---------------------------------------------------------------- corpus


def vocabulary(docs: list[Doc]) -> list[str]:
    """Return the sorted set of whitespace tokens of the docs."""
    return sorted({w for d in docs for p in d.paragraphs for w in p.split()})


_HAS_DIGIT = re.compile(r"\d")


def edit_vocabulary(docs: list[Doc]) -> list[str]:
    """Return the words an editor substitutes: the docs' tokens without digits (editors do not invent figures)."""
    return [w for w in vocabulary(docs) if not _HAS_DIGIT.search(w)]


def replica_mapping(vocab: list[str], replica: int) -> dict[str, str] | None:
    """Return a word permutation for a replica (None for replica 0: the real text)."""
    if replica == 0:
        return None
    rng = random.Random(f"replica:{replica}")
    classes: dict[tuple[bool, int], list[str]] = {}
    for w in vocab:
        classes.setdefault((bool(_HAS_DIGIT.search(w)), len(w)), []).append(w)
    mapping: dict[str, str] = {}
    # Numbers map to numbers and words to words of the same length: frequent short words stay short, so a
    # replica keeps the character n-gram statistics (background similarity) of real text.
    for cls in classes.values():
        shuffled = list(cls)
        rng.shuffle(shuffled)
        mapping.update(zip(cls, shuffled, strict=True))
    return mapping


def _apply(paras: list[str], mapping: dict[str, str] | None) -> list[str]:
    if mapping is None:
        return list(paras)
    return [" ".join(mapping.get(w, w) for w in p.split(" ")) for p in paras]


def hard_negative_pairs(docs: list[Doc], limit: int, seed: int = 7) -> list[tuple[int, int]]:
    """Pick pairs of different base docs with the same agency and topic (indices into docs)."""
    by_topic: dict[tuple[str, str], list[int]] = {}
    for i, d in enumerate(docs):
        if len(canonical_key(d.body).split()) >= 8:
            by_topic.setdefault((d.agency, d.topic), []).append(i)
    rng = random.Random(seed)
    pairs: list[tuple[int, int]] = []
    groups = [g for g in by_topic.values() if len(g) >= 2]
    while len(pairs) < limit and groups:
        g = rng.choice(groups)
        a, b = rng.sample(g, 2)
        pairs.append((min(a, b), max(a, b)))
    return sorted(set(pairs))


def build_corpus(
    base: list[Doc], n: int, seed: int = 42, hard_negatives: int = 300
) -> tuple[list[Doc], list[tuple[str, str]]]:
    """Return ``n`` docs (base + perturbed copies, replicated) in a shuffled stream, and hard-negative id pairs.

    Per replica: every base doc once, plus one copy of one kind (kinds in turn), plus for each
    hard-negative pair both members again with the agency's shared boilerplate appended.
    """
    vocab = vocabulary(base)
    vocab_by_agency: dict[str, list[str]] = {}
    for d in base:
        vocab_by_agency.setdefault(d.agency, []).append(d.doc_id)
    agency_vocab = {a: edit_vocabulary([d for d in base if d.agency == a]) for a in vocab_by_agency}
    pairs = hard_negative_pairs(base, hard_negatives)
    out: list[Doc] = []
    negatives: list[tuple[str, str]] = []
    replica = 0
    while len(out) < n:
        mapping = replica_mapping(vocab, replica)
        rng = random.Random(f"{seed}:{replica}")
        batch: list[Doc] = []
        for i, d in enumerate(base):
            paras = _apply(d.paragraphs, mapping)
            group = f"r{replica}:{d.doc_id}"
            batch.append(Doc(f"{group}:base", d.agency, d.topic, paras, group))
            kind = KINDS[(i + replica) % len(KINDS)]
            av = agency_vocab[d.agency] if mapping is None else [mapping[w] for w in agency_vocab[d.agency]]
            copy = perturbation(kind, d.agency, av)(paras, rng)
            if copy and canonical_key("\n".join(copy)):
                batch.append(Doc(f"{group}:{kind}", d.agency, d.topic, copy, group, kind))
        for n_pair, (a, b) in enumerate(pairs):
            ids = []
            for i in (a, b):
                d = base[i]
                group = f"r{replica}:{d.doc_id}"
                paras = with_boilerplate(d.agency)(_apply(d.paragraphs, mapping), rng)
                doc_id = f"{group}:hardneg{n_pair}"
                batch.append(Doc(doc_id, d.agency, d.topic, paras, group, "hardneg"))
                ids.append(doc_id)
            negatives.append((ids[0], ids[1]))
        rng.shuffle(batch)
        out.extend(batch)
        replica += 1
    out = out[:n]
    kept = {d.doc_id for d in out}
    negatives = [(a, b) for a, b in negatives if a in kept and b in kept]
    return out, negatives


def iter_kind_pairs(docs: list[Doc]) -> Iterator[tuple[str, str, str]]:
    """Yield (base_id, copy_id, kind) for every perturbed copy whose base is in docs."""
    ids = {d.doc_id for d in docs}
    for d in docs:
        if d.kind != "base":
            base_id = f"{d.group}:base"
            if base_id in ids:
                yield base_id, d.doc_id, d.kind
