"""Experiment (not part of training): self-train the PEYMA CRF on the mix's tags of unlabelled news.

The shipped PEYMA model with its network tags N sentences of the shared Fars/Varzesh3 articles (normalized, 5-60
tokens, articles shuffled with seed 7). A CRF with the shipped features and settings is trained on PEYMA
train+dev plus those silver sentences, then scored (CRF alone) on PEYMA test. Figures and caveats are in
akhbar/models/ner.README.md.

    python scripts/ner_selftrain.py 6000 [--out /tmp/selftrained.crfsuite]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", type=int, help="silver sentences to add")
    parser.add_argument("--out", type=Path, default=Path("/tmp/selftrained.crfsuite"))
    args = parser.parse_args()
    folder = train_ner.DATA / "peyma-ner"
    gold = ner_io.read_file(folder / "train.txt", "peyma") + ner_io.read_file(folder / "dev.txt", "peyma")
    test = ner_io.read_file(folder / "test.txt", "peyma")
    sentences = silver_sentences(args.n)
    teacher = ner.NerTagger(ner.MODEL_DIR / "ner.crfsuite", network=True)
    silver = teacher.tag_many(sentences)
    tagged = sum(any(tag != "O" for tag in tags) for tags in silver)
    print(f"silver: {len(sentences)} sentences, {tagged} with an entity")
    started = time.perf_counter()
    ner.train([*gold, *zip(sentences, silver, strict=True)], args.out, names=train_ner.names_for("peyma"))
    print(f"CRF trained in {time.perf_counter() - started:.0f}s -> {args.out}")
    pred = ner.NerTagger(args.out).tag_many([tokens for tokens, _ in test])
    print(ner_io.format_scores(ner_io.score([tags for _, tags in test], pred)))


if __name__ == "__main__":
    main()
