"""Experiment (not part of training): train a CRF on a teacher's tags of unlabelled news (distillation).

A teacher model (CRF, with its network beside it when there is one) tags N sentences of the shared
Fars/Varzesh3 articles (normalized, 5-60 tokens, articles shuffled with seed 7). A CRF with the shipped
features and settings is trained on the gold sentences plus those silver sentences, then scored (CRF alone).
Figures and caveats are in akhbar/models/ner.README.md.

    # PEYMA test, teacher = the shipped model (trained on train+dev): gold = train+dev
    python scripts/ner_selftrain.py 6000
    # PEYMA dev, teacher trained on train only (scripts/train_ner.py --only peyma-dev keeps none; train one)
    python scripts/ner_selftrain.py 6000 --split dev --teacher /tmp/peyma-train.crfsuite
    # ARMAN fold k, teacher trained on train_foldk only
    python scripts/ner_selftrain.py 6000 --corpus arman --fold 1 --teacher /tmp/arman1.crfsuite

The teacher must not have seen the split that is scored; the script cannot check that.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

import train_ner  # noqa: E402

from akhbar.extract import ner, ner_io  # noqa: E402
from akhbar.extract.entities import article_sentences  # noqa: E402
from akhbar.text.normalize import normalize_paragraphs  # noqa: E402


def silver_sentences(n: int) -> list[list[str]]:
    """Return the first ``n`` tokenized news sentences of 5-60 tokens, articles in a fixed shuffled order."""
    articles: list[dict] = []
    for path in sorted((train_ner.DATA / "langml-fars-varzesh3").glob("*.json.gz")):
        articles.extend(json.loads(gzip.decompress(path.read_bytes())))
    random.Random(7).shuffle(articles)
    out: list[list[str]] = []
    for article in articles:
        for sentence in article_sentences(normalize_paragraphs(article.get("paragraphs") or [])):
            tokens = [token for token, _, _ in sentence]
            if 5 <= len(tokens) <= 60:
                out.append(tokens)
        if len(out) >= n:
            break
    return out[:n]


NAMES = frozenset({"PER", "ORG", "LOC"})


def merge_tags(mix: list[str], crf: list[str]) -> list[str]:
    """Name spans of ``mix`` plus the other spans of ``crf`` that overlap none of them, as IOB2 tags."""
    names = {s for s in ner_io.spans(mix) if s[2] in NAMES}
    taken = {i for start, end, _ in names for i in range(start, end)}
    others = {s for s in ner_io.spans(crf) if s[2] not in NAMES and not taken.intersection(range(s[0], s[1]))}
    out = ["O"] * len(mix)
    for start, end, kind in names | others:
        out[start:end] = [f"B-{kind}", *[f"I-{kind}"] * (end - start - 1)]
    return out


def splits(corpus: str, split: str, fold: int) -> tuple[list[ner_io.Sentence], list[ner_io.Sentence]]:
    """Return (gold training sentences, scored sentences) for the chosen corpus and split."""
    if corpus == "arman":
        folder = train_ner.DATA / "arman-ner"
        return (
            ner_io.read_file(folder / f"train_fold{fold}.txt", "arman"),
            ner_io.read_file(folder / f"test_fold{fold}.txt", "arman"),
        )
    folder = train_ner.DATA / "peyma-ner"
    gold = ner_io.read_file(folder / "train.txt", "peyma")
    if split == "test":
        gold += ner_io.read_file(folder / "dev.txt", "peyma")
    return gold, ner_io.read_file(folder / f"{split}.txt", "peyma")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("n", type=int, help="silver sentences to add")
    parser.add_argument("--corpus", choices=["peyma", "arman"], default="peyma")
    parser.add_argument("--split", choices=["test", "dev"], default="test", help="PEYMA split scored")
    parser.add_argument("--fold", type=int, choices=[1, 2, 3], default=1, help="ARMAN fold scored")
    parser.add_argument("--teacher", type=Path, default=ner.MODEL_DIR / "ner.crfsuite")
    parser.add_argument("--out", type=Path, default=Path("/tmp/selftrained.crfsuite"))
    parser.add_argument(
        "--numeric-from-crf",
        action="store_true",
        help="silver names (PER/ORG/LOC) from the mix, other types from the teacher's CRF alone",
    )
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]
    gold, scored = splits(args.corpus, args.split, args.fold)
    sentences = silver_sentences(args.n)
    teacher = ner.NerTagger(args.teacher, network=True)
    silver = teacher.tag_many(sentences)
    if args.numeric_from_crf:
        silver = [
            merge_tags(mix, crf)
            for mix, crf in zip(silver, ner.NerTagger(args.teacher).tag_many(sentences), strict=True)
        ]
    tagged = sum(any(tag != "O" for tag in tags) for tags in silver)
    print(f"silver: {len(sentences)} sentences, {tagged} with an entity (teacher {args.teacher})")
    started = time.perf_counter()
    ner.train([*gold, *zip(sentences, silver, strict=True)], args.out, names=train_ner.names_for(args.corpus))
    print(f"CRF trained in {time.perf_counter() - started:.0f}s on {len(gold)} gold + {len(silver)} silver")
    pred = ner.NerTagger(args.out).tag_many([tokens for tokens, _ in scored])
    print(ner_io.format_scores(ner_io.score([tags for _, tags in scored], pred)))


if __name__ == "__main__":
    main()
