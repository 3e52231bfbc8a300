"""A small BiLSTM tagger run in NumPy, combined with the CRF's marginals (see ner.NerTagger).

The network is trained by ``scripts/train_ner.py`` with PyTorch (an optional, training-only dependency)
and exported to ``<model>.nn.npz`` beside the CRF model. Each token is fed as

- a word embedding (initialised from fastText vectors learned on the shared unlabelled news), and
- the sum of embeddings of the token's own CRF features (shape, affixes, clusters, gazetteer / name-list /
  lexicon marks — see :func:`own_features`),

through one bidirectional LSTM and a linear layer to per-tag log-probabilities. No PyTorch at run time:
the forward pass below is plain NumPy, batched over sentences.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

# Weight of the network in the log-linear mix with the CRF marginals (picked on PEYMA dev, train only).
NN_WEIGHT = 0.5


def nn_path(model_path: str | Path) -> Path:
    """Return where the network of a CRF model lives (beside it)."""
    return Path(model_path).with_suffix(".nn.npz")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (np.tanh(0.5 * x) + 1.0)


class BiLstmTagger:
    """The exported network: vocabularies, embeddings, one BiLSTM layer, the output layer."""

    def __init__(self, path: str | Path) -> None:
        with np.load(path, allow_pickle=False) as z:
            self.tags = tuple(str(t) for t in z["tags"])
            self.words = {str(w): i for i, w in enumerate(z["words"])}  # index 0: unknown word
            self.feats = {str(f): i for i, f in enumerate(z["feats"])}  # index 0: no feature
            self.word_emb = z["word_emb"].astype(np.float32)
            self.feat_emb = z["feat_emb"].astype(np.float32)
            self.dirs = [
                tuple(z[f"{d}_{name}"].astype(np.float32) for name in ("w_ih", "w_hh", "b"))
                for d in ("fw", "bw")
            ]
            self.out_w = z["out_w"].astype(np.float32)
            self.out_b = z["out_b"].astype(np.float32)
        self.hidden = self.dirs[0][1].shape[1]

    def inputs(self, keys: Sequence[str], own: Sequence[Sequence[str]]) -> np.ndarray:
        """Return the (tokens, input size) matrix of one sentence from its token keys and own features."""
        words = self.word_emb[[self.words.get(k, 0) for k in keys]]
        feats = self.feats
        rows = [[feats[f] for f in fs if f in feats] or [0] for fs in own]
        flat = np.fromiter((i for r in rows for i in r), dtype=np.int64)
        starts = np.cumsum([0] + [len(r) for r in rows[:-1]])
        bags = np.add.reduceat(self.feat_emb[flat], starts, axis=0)
        return np.concatenate([words, bags], axis=1)

    def _direction(self, x: np.ndarray, mask: np.ndarray, d: int, reverse: bool) -> np.ndarray:
        w_ih, w_hh, b = self.dirs[d]
        batch, steps, _ = x.shape
        h_size = self.hidden
        pre = x @ w_ih.T + b  # (batch, steps, 4h): gates i, f, g, o as PyTorch orders them
        h = np.zeros((batch, h_size), np.float32)
        c = np.zeros((batch, h_size), np.float32)
        out = np.zeros((batch, steps, h_size), np.float32)
        for t in range(steps - 1, -1, -1) if reverse else range(steps):
            g = pre[:, t] + h @ w_hh.T
            i, f = _sigmoid(g[:, :h_size]), _sigmoid(g[:, h_size : 2 * h_size])
            cand, o = np.tanh(g[:, 2 * h_size : 3 * h_size]), _sigmoid(g[:, 3 * h_size :])
            c = f * c + i * cand
            h = o * np.tanh(c)
            # Padding never feeds the state: the backward pass starts at each sentence's own last token.
            m = mask[:, t, None]
            c = c * m
            h = h * m
            out[:, t] = h
        return out

    def log_probs(self, sentences: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Return the (tokens, tags) log-probabilities of each sentence given its input matrix."""
        if not sentences:
            return []
        lengths = [len(s) for s in sentences]
        steps = max(lengths)
        x = np.zeros((len(sentences), steps, sentences[0].shape[1]), np.float32)
        mask = np.zeros((len(sentences), steps), np.float32)
        for j, s in enumerate(sentences):
            x[j, : len(s)] = s
            mask[j, : len(s)] = 1.0
        h = np.concatenate(
            [self._direction(x, mask, 0, reverse=False), self._direction(x, mask, 1, reverse=True)], axis=2
        )
        logits = h @ self.out_w.T + self.out_b
        logits -= logits.max(axis=2, keepdims=True)
        lp = logits - np.log(np.exp(logits).sum(axis=2, keepdims=True))
        return [lp[j, :n] for j, n in enumerate(lengths)]


def allowed_transitions(tags: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """IOB2 constraints as additive scores: ``I-X`` only after ``B-X``/``I-X``, never first."""
    neg = np.float32(-1e9)
    trans = np.zeros((len(tags), len(tags)), np.float32)
    start = np.zeros(len(tags), np.float32)
    for b, tb in enumerate(tags):
        if tb.startswith("I-"):
            start[b] = neg
            for a, ta in enumerate(tags):
                if ta == "O" or ta[2:] != tb[2:]:
                    trans[a, b] = neg
    return trans, start


def longest_first(
    scores: Sequence[np.ndarray], dtype: np.dtype
) -> tuple[list[int], np.ndarray, np.ndarray, np.ndarray]:
    """Stack per-token score matrices longest sentence first, zero-padded.

    Returns the order (batch row -> input index), the lengths in that order, the ``(batch, steps, tags)``
    array and ``running[t]``, how many sentences are longer than ``t``: always a prefix of the batch.
    """
    order = sorted(range(len(scores)), key=lambda j: -len(scores[j]))
    lengths = np.array([len(scores[j]) for j in order])
    x = np.zeros((len(scores), int(lengths[0]), scores[order[0]].shape[1]), dtype)
    for row, j in enumerate(order):
        x[row, : lengths[row]] = scores[j]
    running = np.searchsorted(-lengths, -np.arange(x.shape[1] + 1), side="left")
    return order, lengths, x, running


def decode(scores: Sequence[np.ndarray], trans: np.ndarray, start: np.ndarray) -> list[list[int]]:
    """Best paths over per-token tag scores plus transition scores, batched over sentences.

    Sentences are processed longest first, so at step ``t`` the ones still running are a prefix of the
    batch: no padding is ever scored and finished sentences cost nothing.
    """
    if not scores:
        return []
    order, lengths, x, running = longest_first(scores, trans.dtype)
    steps, k = x.shape[1], trans.shape[0]
    best = x[:, 0] + start
    back = np.zeros((len(scores), steps, k), np.int64)
    for t in range(1, steps):
        n = running[t]
        cand = best[:n, :, None] + trans  # (running, from, to)
        back[:n, t] = cand.argmax(axis=1)
        best[:n] = cand.max(axis=1) + x[:n, t]
    final = best.argmax(axis=1)
    paths = np.zeros((len(scores), steps), np.int64)
    cur = np.zeros(len(scores), np.int64)
    for t in range(steps - 1, -1, -1):
        n = running[t]
        cur[running[t + 1] : n] = final[running[t + 1] : n]  # sentences whose last token is t
        paths[:n, t] = cur[:n]
        if t:
            cur[:n] = back[np.arange(n), t, cur[:n]]
    out: list[list[int]] = [[] for _ in scores]
    for row, j in enumerate(order):
        out[j] = paths[row, : lengths[row]].tolist()
    return out
