"""Retrain the NER models from the shared gold corpora and print entity-level scores.

Usage (from the repo root)::

    python scripts/train_ner.py                 # PEYMA model + ARMAN model + ARMAN 3-fold scores
    python scripts/train_ner.py --only peyma    # just the PEYMA (pipeline) model
    python scripts/train_ner.py --only arman-cv # just the ARMAN 3-fold evaluation (writes no model)

Deterministic: crfsuite's L-BFGS has no randomness and the sentences are read in file order.
The shipped models are trained on train+dev (PEYMA) and on all three ARMAN folds; the scores printed
are for models that never saw the test sentences (PEYMA: train+dev -> test; ARMAN: train_foldk -> test_foldk).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from akhbar.extract import ner, ner_io  # noqa: E402

DATA = REPO / ".." / "shared" / "data"


# Unlabeled text for the word clusters: news sets of shared/data, minus every NER test split and
# all of ARMAN (so the ARMAN 3-fold score is not helped by having seen its test text).
CLUSTER_SOURCES = (
    "langml-fars-varzesh3/*.json.gz",
    "farsnews-1402-sample/*.csv",
    "sci2lab-farsi-news-rss/*.json",
    "headlinegen-4agency-sample/*.csv",
    "hazm-test-format-samples/*.txt",
    "hazm-test-format-samples/*.csv",
    "rss-iran-news-mcp/*.xml",
    "peyma-ner/train.txt",
    "peyma-ner/dev.txt",
    "parstwiner-ner/train.txt",
)
_WORD = re.compile(r"[\u0600-\u06ff\u200c]+|\d+")


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def unlabeled_texts() -> Iterator[str]:
    """Yield the raw texts the clusters are learned from (in a fixed order)."""
    for pattern in CLUSTER_SOURCES:
        for path in sorted(DATA.glob(pattern)):
            if path.suffix == ".gz":
                yield from _strings(json.loads(gzip.decompress(path.read_bytes()).decode("utf-8")))
            elif path.suffix == ".json":
                yield from _strings(json.loads(path.read_text(encoding="utf-8")))
            elif path.parent.name.endswith("-ner"):
                # Gold files: keep the token column only, one sentence per line.
                sep = "|" if "peyma" in path.parent.name else None
                words = [
                    (line.rsplit(sep, 1) if line.strip() else [""])[0]
                    for line in path.read_text(encoding="utf-8").splitlines()
                ]
                yield " ".join(w if w else "\n" for w in words)
            else:
                yield path.read_text(encoding="utf-8", errors="replace")


def build_clusters(
    out: Path, min_count: int = 4, dims: int = 100, sizes: tuple[int, ...] = (64, 256, 1024)
) -> None:
    """Cluster word keys by their neighbours (PPMI + SVD + k-means) and write ``key\\tc64\\tc256\\tc1024``."""
    import numpy as np
    from scipy import sparse
    from sklearn.cluster import MiniBatchKMeans
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize

    started = time.perf_counter()
    ids: dict[str, int] = {}
    seqs: list[np.ndarray] = []
    for text in unlabeled_texts():
        for line in text.splitlines():
            words = [ner.token_key(w) for w in _WORD.findall(line)]
            if len(words) > 1:
                seqs.append(np.fromiter((ids.setdefault(w, len(ids)) for w in words), dtype=np.int64))
    flat = np.concatenate(seqs)
    counts = np.bincount(flat, minlength=len(ids))
    vocab = np.flatnonzero(counts >= min_count)
    contexts = np.argsort(-counts, kind="stable")[:4000]
    row_of = np.full(len(ids), -1)
    row_of[vocab] = np.arange(len(vocab))
    col_of = np.full(len(ids), -1)
    col_of[contexts] = np.arange(len(contexts))
    rows, cols = [], []
    for seq in seqs:
        for off in (-2, -1, 1, 2):
            a = seq[max(0, -off) : len(seq) - max(0, off)]
            b = seq[max(0, off) : len(seq) - max(0, -off)]
            keep = (row_of[a] >= 0) & (col_of[b] >= 0)
            rows.append(row_of[a[keep]])
            # Left and right contexts are separate columns: "وزیر X" and "X وزیر" mean different things.
            cols.append(col_of[b[keep]] + (0 if off < 0 else len(contexts)))
    r, c = np.concatenate(rows), np.concatenate(cols)
    m = sparse.coo_matrix((np.ones(len(r)), (r, c)), shape=(len(vocab), 2 * len(contexts))).tocsr()
    total = m.sum()
    row_sum = np.asarray(m.sum(axis=1)).ravel()
    col_sum = np.asarray(m.sum(axis=0)).ravel() ** 0.75
    col_sum = col_sum / col_sum.sum() * total
    m = m.tocoo()
    pmi = np.log(m.data * total / (row_sum[m.row] * col_sum[m.col]))
    keep = pmi > 0
    ppmi = sparse.csr_matrix((pmi[keep], (m.row[keep], m.col[keep])), shape=m.shape)
    vectors = normalize(TruncatedSVD(dims, random_state=0).fit_transform(ppmi))
    labels = [
        MiniBatchKMeans(k, random_state=0, n_init=3, batch_size=4096).fit_predict(vectors) for k in sizes
    ]
    words = {i: w for w, i in ids.items()}
    lines = [f"{words[v]}\t" + "\t".join(str(lab[j]) for lab in labels) for j, v in enumerate(vocab)]
    out.write_text("\n".join(sorted(lines)) + "\n", encoding="utf-8")
    print(
        f"clusters: {len(flat):,} tokens, {len(vocab):,} words clustered into {sizes} in "
        f"{time.perf_counter() - started:.0f}s -> {out} ({out.stat().st_size / 1e6:.1f} MB)"
    )


def names_for(corpus: str) -> ner.Lexicon:
    """Build the name list (PER/ORG/LOC runs) a model's features see, from the *other* gold corpora.

    PEYMA models get ARMAN (all folds) + ParsTwiNER train/dev; ARMAN models get PEYMA train/dev +
    ParsTwiNER train/dev. No split a score is reported on goes into the list of the model it scores.
    """
    twitter = DATA / "parstwiner-ner"
    sents = ner_io.read_file(twitter / "train.txt", "arman") + ner_io.read_file(twitter / "dev.txt", "arman")
    if corpus == "peyma":
        sents += [
            s for k in (1, 2, 3) for s in ner_io.read_file(DATA / "arman-ner" / f"test_fold{k}.txt", "arman")
        ]
    else:
        for split in ("train", "dev"):
            sents += ner_io.read_file(DATA / "peyma-ner" / f"{split}.txt", "peyma")
    return ner.build_names(sents)


NETWORK = True  # --no-network: CRF only (no PyTorch needed)


def vectors() -> dict:
    """fastText vectors of the unlabelled news (learned once, cached under build/ner)."""
    import ner_network

    return ner_network.word_vectors(unlabeled_texts, REPO / "build" / "ner", _WORD.findall)


def train_model(sentences: list[ner_io.Sentence], out: Path, names: ner.Lexicon) -> None:
    """Train the CRF, then (unless --no-network) the BiLSTM beside it."""
    from akhbar.extract import ner_nn

    started = time.perf_counter()
    ner.train(sentences, out, names=names)
    print(f"  CRF trained in {time.perf_counter() - started:.0f}s ({out.stat().st_size / 1e6:.1f} MB)")
    nn_file = ner_nn.nn_path(out)
    if NETWORK:
        import ner_network

        ner_network.train_network(sentences, nn_file, names, vectors())
    elif nn_file.exists():
        nn_file.unlink()  # a network trained for another CRF must not be mixed with this one


def evaluate(model: Path, sentences: list[ner_io.Sentence]) -> dict[str, ner_io.Counts]:
    """Tag gold sentences with a model and score them; print the speed (the CRF alone, then with its network)."""
    from akhbar.extract import ner_nn

    table = _evaluate(ner.NerTagger(model), sentences)
    _with_surnames(ner.NerTagger(model), sentences)
    if ner_nn.nn_path(model).exists():
        print(f"  CRF alone:\n{ner_io.format_scores(table)}\n  CRF + network:")
        table = _evaluate(ner.NerTagger(model, network=True), sentences)
        _with_surnames(ner.NerTagger(model, network=True), sentences)
    return table


def _with_surnames(tagger: ner.NerTagger, sentences: list[ner_io.Sentence]) -> None:
    """Print the scores with the pipeline's bare-surname step, the file read as running text (±20 sentences)."""
    from akhbar.extract.entities import tag_surnames

    tokens = [t for t, _ in sentences]
    linked = tag_surnames(tagger, tokens, tagger.tag_many(tokens), window=SURNAME_WINDOW)
    table = ner_io.score([tags for _, tags in sentences], linked)
    micro, per = table["micro"].prf(), table["PER"].prf()
    print(f"  with bare surnames linked (±{SURNAME_WINDOW} sentences): micro F1 {micro[2]:.2f}, PER F1 {per[2]:.2f}")


SURNAME_WINDOW = 20


def _evaluate(tagger: ner.NerTagger, sentences: list[ner_io.Sentence]) -> dict[str, ner_io.Counts]:
    ner.clear_caches()
    tagger.clear_cache()
    started = time.process_time()
    pred = tagger.tag_many([tokens for tokens, _ in sentences])
    elapsed = time.process_time() - started
    print(
        f"  tagged {len(sentences)} sentences in {elapsed:.2f}s of CPU time = "
        f"{len(sentences) / elapsed:,.0f} sentences/s (cold caches)"
    )
    started = time.process_time()
    tagger.tag_many([tokens for tokens, _ in sentences])
    cpu = time.process_time() - started
    print(f"  again with warm caches: {len(sentences) / cpu:,.0f} sentences/s of CPU time")
    return ner_io.score([tags for _, tags in sentences], pred)


def train_peyma(out: Path, with_dev: bool) -> dict[str, ner_io.Counts]:
    """Train the PEYMA model (train, + dev when asked) and score it on test."""
    folder = DATA / "peyma-ner"
    train = ner_io.read_file(folder / "train.txt", "peyma")
    if with_dev:
        train += ner_io.read_file(folder / "dev.txt", "peyma")
    print(f"PEYMA: training on {len(train)} sentences -> {out}")
    train_model(train, out, names_for("peyma"))
    table = {}
    for split in ("dev", "test") if not with_dev else ("test",):
        table = evaluate(out, ner_io.read_file(folder / f"{split}.txt", "peyma"))
        print(f"PEYMA {split}:\n{ner_io.format_scores(table)}")
    return table


def arman_cv() -> list[float]:
    """Train on train_foldk, score on test_foldk, for k = 1..3; print each fold and the mean."""
    folder = DATA / "arman-ner"
    f1s = []
    names = names_for("arman")
    with tempfile.TemporaryDirectory() as tmp:
        for k in (1, 2, 3):
            model = Path(tmp) / f"arman{k}.crfsuite"
            print(f"ARMAN fold {k}:")
            train_model(ner_io.read_file(folder / f"train_fold{k}.txt", "arman"), model, names)
            table = evaluate(model, ner_io.read_file(folder / f"test_fold{k}.txt", "arman"))
            print(ner_io.format_scores(table))
            f1s.append(table["micro"].prf()[2])
    print(f"ARMAN 3-fold micro F1: {' '.join(f'{f:.2f}' for f in f1s)}; mean {sum(f1s) / 3:.2f}")
    return f1s


def train_arman_full(out: Path) -> None:
    """Train the shipped ARMAN model on all three test folds (= the whole shared corpus)."""
    folder = DATA / "arman-ner"
    sents = [s for k in (1, 2, 3) for s in ner_io.read_file(folder / f"test_fold{k}.txt", "arman")]
    print(f"ARMAN full: training on {len(sents)} sentences -> {out}")
    train_model(sents, out, names_for("arman"))


def main() -> None:
    """Parse arguments and run the requested trainings one after another (never in parallel)."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--only", choices=["clusters", "peyma", "peyma-dev", "arman-cv", "arman"], default=None
    )
    parser.add_argument("--out-dir", type=Path, default=ner.MODEL_DIR)
    parser.add_argument(
        "--no-network", action="store_true", help="train the CRFs only (no PyTorch); removes shipped networks"
    )
    args = parser.parse_args()
    global NETWORK
    NETWORK = not args.no_network
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]  # progress shows in logs
    if not DATA.exists():
        sys.exit(f"shared data not found at {DATA}")
    args.out_dir.mkdir(parents=True, exist_ok=True)
    if args.only in (None, "clusters"):
        build_clusters(ner.CLUSTERS)
    if args.only in (None, "peyma"):
        train_peyma(args.out_dir / ner.DEFAULT_MODEL.name, with_dev=True)
    if args.only == "peyma-dev":
        with tempfile.TemporaryDirectory() as tmp:
            train_peyma(Path(tmp) / "peyma-dev.crfsuite", with_dev=False)
    if args.only in (None, "arman-cv"):
        arman_cv()
    if args.only in (None, "arman"):
        train_arman_full(args.out_dir / ner.ARMAN_MODEL.name)


if __name__ == "__main__":
    main()
