"""Train the BiLSTM half of an NER model with PyTorch and export it for akhbar/extract/ner_nn.py.

Training only: the pipeline runs the exported ``.nn.npz`` in NumPy. PyTorch is not a dependency of the
project; install the CPU build once (``pip install torch==2.13.0``) to retrain. The word embeddings start
from fastText skip-gram vectors learned on the same unlabelled news as the word clusters (one thread and a
fixed seed, so they are reproducible); torch runs with fixed seeds on the CPU.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from akhbar.extract import ner, ner_io

EPOCHS = 12
BATCH = 32
LEARNING_RATE = 2e-3
HIDDEN = 150
DIMS = 100
DROPOUT = 0.5
MIN_FEATURE_COUNT = 2


def word_vectors(texts: Callable[[], Iterable[str]], cache: Path, word: Callable[[str], list[str]]) -> dict:
    """Learn (or read from ``cache``) fastText vectors of the token keys of the unlabelled texts."""
    import fasttext

    vector_file = cache / "fasttext-vectors.npz"
    if not vector_file.exists():
        cache.mkdir(parents=True, exist_ok=True)
        corpus = cache / "unlabelled.txt"
        with corpus.open("w", encoding="utf-8") as f:
            for text in texts():
                for line in text.splitlines():
                    keys = [ner.token_key(w) for w in word(line)]
                    if len(keys) > 1:
                        f.write(" ".join(keys) + "\n")
        started = time.perf_counter()
        # One thread: fastText's threads race on shared weights, so only one thread reproduces exactly.
        model = fasttext.train_unsupervised(
            str(corpus), model="skipgram", dim=DIMS, epoch=10, minCount=2, minn=2, maxn=5,
            thread=1, verbose=0,
        )  # fmt: skip
        words = list(model.words)
        np.savez(vector_file, words=np.array(words), vectors=np.array([model.get_word_vector(w) for w in words]))
        print(f"fastText vectors: {len(words):,} words in {time.perf_counter() - started:.0f}s")
    with np.load(vector_file) as z:
        return dict(zip((str(w) for w in z["words"]), z["vectors"], strict=True))


def _jackknifed(
    sentences: Sequence[ner_io.Sentence], names: ner.Lexicon, folds: int = 4
) -> list[tuple[list[str], list[tuple[str, ...]]]]:
    """Token keys and own features of every training sentence, the lexicon built without its fold."""
    out: list[tuple[list[str], list[tuple[str, ...]]]] = [([], [])] * len(sentences)
    for lexicon, fold in ner.jackknife(sentences, folds):
        for i in fold:
            tokens = sentences[i][0]
            keys = [ner.token_key(t) for t in tokens]
            out[i] = (keys, ner.own_features(tokens, ner.sentence_marks(keys, lexicon, names)))
    return out


def train_network(
    sentences: Sequence[ner_io.Sentence],
    out: Path,
    names: ner.Lexicon,
    vectors: dict,
    epochs: int = EPOCHS,
    seed: int = 0,
) -> None:
    """Train the BiLSTM on ``(tokens, tags)`` sentences and write ``out`` (an ``.nn.npz``)."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    random.seed(seed)
    torch.set_num_threads(2)
    data = _jackknifed(sentences, names)
    counts = Counter(f for _, own in data for fs in own for f in fs)
    feats = ["", *sorted(f for f, c in counts.items() if c >= MIN_FEATURE_COUNT)]
    words = ["", *sorted(set(vectors) | {k for keys, _ in data for k in keys})]
    tags = sorted({t for _, ts in sentences for t in ts})
    fid = {f: i for i, f in enumerate(feats)}
    wid = {w: i for i, w in enumerate(words)}
    tid = {t: i for i, t in enumerate(tags)}
    rng = np.random.default_rng(seed)
    emb = rng.normal(0, 0.1, (len(words), DIMS)).astype(np.float32)
    emb[0] = 0
    for w, i in wid.items():
        if w in vectors:
            emb[i] = vectors[w]

    def encode(keys: list[str], own: list[tuple[str, ...]], labels: Sequence[str]) -> tuple:
        idx, offsets = [], []
        for fs in own:
            offsets.append(len(idx))
            idx.extend(fid[f] for f in fs if f in fid)
        return (
            torch.tensor([wid.get(k, 0) for k in keys]),
            torch.tensor(idx or [0]),
            torch.tensor(offsets),
            torch.tensor([tid[t] for t in labels]),
        )

    encoded = [encode(keys, own, s[1]) for (keys, own), s in zip(data, sentences, strict=True)]

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.word = nn.Embedding.from_pretrained(torch.tensor(emb), freeze=False, padding_idx=0)
            self.feat = nn.EmbeddingBag(len(feats), DIMS, mode="sum", padding_idx=0)
            self.drop = nn.Dropout(DROPOUT)
            self.lstm = nn.LSTM(2 * DIMS, HIDDEN, batch_first=True, bidirectional=True)
            self.out = nn.Linear(2 * HIDDEN, len(tags))

        def forward(self, batch: list[tuple]) -> torch.Tensor:
            xs = [torch.cat([self.word(w), self.feat(i, o)], 1) for w, i, o, _ in batch]
            x = self.drop(nn.utils.rnn.pad_sequence(xs, batch_first=True))
            packed = nn.utils.rnn.pack_padded_sequence(
                x, [len(v) for v in xs], batch_first=True, enforce_sorted=False
            )
            h, _ = self.lstm(packed)
            h, _ = nn.utils.rnn.pad_packed_sequence(h, batch_first=True)
            return self.out(self.drop(h))

    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=LEARNING_RATE)
    started = time.perf_counter()
    for epoch in range(epochs):
        net.train()
        order = list(range(len(encoded)))
        random.shuffle(order)
        total = 0.0
        for i in range(0, len(order), BATCH):
            batch = [encoded[j] for j in order[i : i + BATCH]]
            logits = net(batch)
            gold = nn.utils.rnn.pad_sequence([b[3] for b in batch], batch_first=True, padding_value=-100)
            loss = nn.functional.cross_entropy(logits.reshape(-1, len(tags)), gold.reshape(-1), ignore_index=-100)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 5.0)
            opt.step()
            total += loss.item()
        print(f"  network epoch {epoch + 1}/{epochs}: loss {total:.1f} ({time.perf_counter() - started:.0f}s)")
    state = {k: v.detach().numpy() for k, v in net.state_dict().items()}
    arrays = {
        "tags": np.array(tags),
        "words": np.array(words),
        "feats": np.array(feats),
        # float16 halves the file; the forward pass runs in float32.
        "word_emb": state["word.weight"].astype(np.float16),
        "feat_emb": state["feat.weight"].astype(np.float16),
        "out_w": state["out.weight"],
        "out_b": state["out.bias"],
    }
    for d, suffix in (("fw", ""), ("bw", "_reverse")):
        arrays[f"{d}_w_ih"] = state[f"lstm.weight_ih_l0{suffix}"]
        arrays[f"{d}_w_hh"] = state[f"lstm.weight_hh_l0{suffix}"]
        arrays[f"{d}_b"] = state[f"lstm.bias_ih_l0{suffix}"] + state[f"lstm.bias_hh_l0{suffix}"]
    np.savez_compressed(out, **arrays)
    print(f"  network: {len(words):,} words, {len(feats):,} features -> {out} ({out.stat().st_size / 1e6:.1f} MB)")
