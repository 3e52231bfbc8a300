"""Persian named-entity tagging with a CRF: features, training (python-crfsuite), tagging (NumPy).

The features are built from a spelling-insensitive key of each token (letters folded, digits ASCII,
ZWNJ and inner spaces dropped), so PEYMA's ``روش های``, hazm's ``روش‌های`` and a raw ``روشهای`` look
alike to the model. Gazetteers (``akhbar/data/gazetteers``), the training data's own lexicon and a name
list from other gold corpora (``*.names.tsv`` beside a model) are matched over token runs the same way.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Literal, TextIO

import numpy as np
import pycrfsuite

from akhbar.text.chars import canonical_key, to_ascii_digits

GAZETTEER_DIR = Path(__file__).resolve().parents[1] / "data" / "gazetteers"
MODEL_DIR = Path(__file__).resolve().parents[1] / "models"
DEFAULT_MODEL = MODEL_DIR / "ner.crfsuite"  # PEYMA types: PER ORG LOC DAT TIM MON PCT
ARMAN_MODEL = MODEL_DIR / "ner-arman.crfsuite"  # ARMAN types: PER ORG LOC FAC EVENT PRO
CLUSTERS = MODEL_DIR / "word_clusters.tsv"  # distributional word classes, built by scripts/train_ner.py

# Gazetteer file stem -> feature class; a key may belong to several classes.
GAZETTEER_CLASSES = {
    "titles": "TITLE",
    "roles": "ROLE",
    "first_names": "FNAME",
    "countries": "COUNTRY",
    "provinces_iran": "PROV",
    "cities_iran": "CITY",
    "world_cities": "WCITY",
    "agencies": "AGENCY",
    "organizations": "ORG",
}
MAX_GAZ_TOKENS = 8
# Entity types of the name lists built from other corpora (the types PEYMA, ARMAN and ParsTwiNER share).
NAME_TYPES = ("PER", "ORG", "LOC")
# Crfsuite training parameters: L1 keeps the model small, L2 smooths the rest (c1/c2 picked on PEYMA
# dev and ARMAN fold 1; stronger smoothing than 0.05/0.01 gained ~0.5 F1 on both).
TRAIN_PARAMS = {"c1": 0.1, "c2": 0.1, "max_iterations": 200, "feature.possible_transitions": True}

_DIGIT = re.compile(r"\d")
_LATIN = re.compile(r"[A-Za-z]")
_PERSIAN = re.compile("[\u0600-\u06ff]")
_PUNCT = re.compile(r"^[^\w\u200c]+$")
_YEAR = re.compile(r"^(1[34]\d\d|19\d\d|20\d\d)$")


@lru_cache(maxsize=200_000)
def token_key(token: str) -> str:
    """Return the spelling-insensitive form of a token used by features and gazetteers.

    >>> token_key("روش\u200cهای") == token_key("روش های") == token_key("روشهاي")
    True
    >>> token_key("۱۴۰۲"), token_key("،")
    ('1402', '،')
    """
    key = canonical_key(token).replace(" ", "")
    return key or token.strip() or "_"


def load_gazetteers(directory: Path = GAZETTEER_DIR) -> dict[str, frozenset[str]]:
    """Read the gazetteer files into ``{joined token key: classes}`` (comments and blanks skipped)."""
    table: dict[str, set[str]] = {}
    for stem, cls in GAZETTEER_CLASSES.items():
        path = directory / f"{stem}.txt"
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            table.setdefault(canonical_key(line).replace(" ", ""), set()).add(cls)
    return {k: frozenset(v) for k, v in table.items() if k}


@lru_cache(maxsize=1)
def gazetteers() -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    """Return the gazetteer table and the set of its key prefixes (built once per process)."""
    table = load_gazetteers()
    prefixes = frozenset(k[:i] for k in table for i in range(1, len(k) + 1))
    return table, prefixes


def gazetteer_marks(
    keys: Sequence[str],
    table: dict[str, frozenset[str]] | None = None,
    prefixes: frozenset[str] | None = None,
) -> list[list[str]]:
    """Mark token runs found in a run table: ``CLS:B`` on the first token, ``CLS:I`` on the rest.

    The table defaults to the gazetteers. Longest match wins; runs may overlap (a title inside a
    longer organization name keeps both).
    """
    if table is None or prefixes is None:
        table, prefixes = gazetteers()
    marks: list[list[str]] = [[] for _ in keys]
    n = len(keys)
    for i in range(n):
        if keys[i] not in prefixes:
            continue  # most tokens start no run: skip the inner loop
        joined = ""
        best = 0
        best_classes: frozenset[str] = frozenset()
        for j in range(i, min(n, i + MAX_GAZ_TOKENS)):
            joined += keys[j]
            if joined not in prefixes:
                break
            classes = table.get(joined)
            if classes:
                best, best_classes = j - i + 1, classes
        for cls in best_classes:
            marks[i].append(f"{cls}:B")
            for k in range(i + 1, i + best):
                marks[k].append(f"{cls}:I")
    return marks


class Lexicon:
    """Entity strings and per-token label shares learned from gold data, used as features.

    Trained models see a lexicon built from *other* parts of the training data (jackknife), so the
    model learns how far to trust a lexicon hit on text it has not seen; the shipped lexicon (beside
    the model file) is built from all the training data.
    """

    # A token label is kept when at least this share of the token's occurrences carry it.
    MIN_SHARE = 0.2

    def __init__(self, runs: dict[str, frozenset[str]], tokens: dict[str, tuple[str, ...]]) -> None:
        self.runs = runs
        self.prefixes = frozenset(k[:i] for k in runs for i in range(1, len(k) + 1))
        self.tokens = tokens

    @classmethod
    def build(cls, sentences: Iterable[tuple[Sequence[str], Sequence[str]]]) -> Lexicon:
        """Collect entity runs and token label shares from ``(tokens, tags)`` sentences."""
        from akhbar.extract.ner_io import spans

        runs: dict[str, set[str]] = {}
        counts: dict[str, dict[str, int]] = {}
        for tokens, tags in sentences:
            keys = [token_key(t) for t in tokens]
            for start, end, kind in spans(list(tags)):
                runs.setdefault("".join(keys[start:end]), set()).add(kind)
            for key, tag in zip(keys, tags, strict=True):
                bucket = counts.setdefault(key, {})
                bucket[tag] = bucket.get(tag, 0) + 1
        token_table: dict[str, tuple[str, ...]] = {}
        for key, bucket in counts.items():
            total = sum(bucket.values())
            kept = tuple(sorted(t for t, c in bucket.items() if t != "O" and c / total >= cls.MIN_SHARE))
            if kept:
                token_table[key] = kept
        return cls({k: frozenset(v) for k, v in runs.items() if k}, token_table)

    def marks(self, keys: Sequence[str]) -> list[list[str]]:
        """Return the lexicon features of each token of a sentence."""
        marks = gazetteer_marks(keys, self.runs, self.prefixes)
        for i, key in enumerate(keys):
            marks[i].extend(f"t{label}" for label in self.tokens.get(key, ()))
        return marks

    def save(self, path: str | Path) -> None:
        """Write the lexicon as sorted TSV lines (``R``uns and ``T``okens) so it diffs and reproduces."""
        lines = [f"R\t{k}\t{','.join(sorted(v))}" for k, v in sorted(self.runs.items())]
        lines += [f"T\t{k}\t{','.join(v)}" for k, v in sorted(self.tokens.items())]
        Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> Lexicon:
        """Read a lexicon written by :meth:`save`."""
        runs: dict[str, frozenset[str]] = {}
        tokens: dict[str, tuple[str, ...]] = {}
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            kind, key, values = line.split("\t")
            if kind == "R":
                runs[key] = frozenset(values.split(","))
            else:
                tokens[key] = tuple(values.split(","))
        return cls(runs, tokens)


def lexicon_path(model_path: str | Path) -> Path:
    """Return where the lexicon of a model lives (beside it)."""
    return Path(model_path).with_suffix(".lexicon.tsv")


@lru_cache(maxsize=1)
def clusters() -> dict[str, tuple[str, ...]]:
    """Return ``{token key: (cluster ids, coarse to fine)}``, empty when the file is absent."""
    if not CLUSTERS.exists():
        return {}
    table: dict[str, tuple[str, ...]] = {}
    for line in CLUSTERS.read_text(encoding="utf-8").splitlines():
        key, *ids = line.split("\t")
        table[key] = tuple(ids)
    return table


def _shape(token: str) -> str:
    if _PUNCT.match(token):
        return "P"
    if _DIGIT.search(token):
        return "D" + _DIGIT.sub("0", to_ascii_digits(token))[:6] if len(token) < 8 else "Dlong"
    if _LATIN.search(token):
        return "L"
    if "\u200c" in token or " " in token.strip():
        return "Z"
    return "F" if _PERSIAN.search(token) else "X"


# A token's own features and those it lends to its neighbours: as the token at offset -1 (its right
# neighbour sees them), +1, -2 and +2.
Parts = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]


@lru_cache(maxsize=200_000)
def token_parts(token: str) -> Parts:
    """Return the word-level feature pieces of a token: own, as neighbour -1, 1, -2, 2 (cached).

    Built in one go per distinct word (key, shape and clusters computed once): most tokens repeat.
    """
    key = token_key(token)
    shape = _shape(token)
    ids = clusters().get(key, ())
    n = len(key)
    own = [f"w={key}", f"sh={shape}", f"len={min(n, 9)}"]
    own.extend(f"s{k}={key[-k:]}" for k in (1, 2, 3, 4) if n > k)
    own.extend(f"p{k}={key[:k]}" for k in (2, 3) if n > k + 1)
    pieces = token.replace(" ", "\u200c").split("\u200c")
    if len(pieces) > 1:
        # A ZWNJ-joined affix (های، ها، ای، می، ترین) is a strong cue for "not a name".
        own.append(f"zl={token_key(pieces[-1])}")
        own.append(f"zf={token_key(pieces[0])}")
    own.extend(f"c{level}={cid}" for level, cid in enumerate(ids))
    if _YEAR.match(to_ascii_digits(token)):
        own.append("year")
    near: list[tuple[str, ...]] = []
    for offset in (-1, 1):
        feats = [f"{offset}w={key}", f"{offset}sh={shape}"]
        if n > 2:
            feats.append(f"{offset}s2={key[-2:]}")
        if n > 3:
            feats.append(f"{offset}s3={key[-3:]}")
        feats.extend(f"{offset}c{level}={cid}" for level, cid in enumerate(ids))
        near.append(tuple(feats))
    far = [
        (f"{offset}w={key}", f"{offset}c1={ids[1]}") if ids else (f"{offset}w={key}",) for offset in (-2, 2)
    ]
    return tuple(own), near[0], near[1], far[0], far[1]


def word_features(token: str) -> tuple[str, ...]:
    """Return the features of a token on its own."""
    return token_parts(token)[0]


def clear_caches() -> None:
    """Empty the per-word feature caches (for cold-cache timing)."""
    for cached in (token_parts, token_key, _mark_features, _kept_marks):
        cached.cache_clear()
    for tagger in list(_TAGGERS.values()):
        tagger.clear_cache()


def names_path(model_path: str | Path) -> Path:
    """Return where the name list of a model (entities of other corpora) lives (beside it)."""
    return Path(model_path).with_suffix(".names.tsv")


def build_names(sentences: Iterable[tuple[Sequence[str], Sequence[str]]]) -> Lexicon:
    """Build a name list from other gold corpora, keeping only the types every corpus shares."""
    kept = []
    for tokens, tags in sentences:
        kept.append((tokens, [t if t[2:] in NAME_TYPES else "O" for t in tags]))
    return Lexicon.build(kept)


@lru_cache(maxsize=100_000)
def _mark_features(
    marks: tuple[str, ...], lex: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Return the features of a token's run marks for itself, its right and its left neighbour."""
    if not marks and not lex:
        return (), (), ()
    runs = [m for m in lex if m[0] != "t"]
    return (
        (*("g=" + m for m in marks), *("x=" + m for m in lex)),
        (*("-1g=" + m for m in marks), *("-1x=" + m for m in runs)),
        (*("1g=" + m for m in marks), *("1x=" + m for m in runs)),
    )


_NO_MARKS = ()


class _RunIndex:
    """The run tables of several sources (gazetteers, names, lexicon) searched in one pass.

    Each source keeps its own longest match, exactly as :func:`gazetteer_marks` run once per source,
    but a sentence is walked once instead of once per source.
    """

    def __init__(self, sources: Sequence[tuple[dict[str, frozenset[str]], str, int]]) -> None:
        # sources: (run table, mark prefix, output 0 = gazetteer-like marks / 1 = lexicon marks)
        table: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
        for src, (runs, prefix, _) in enumerate(sources):
            for key, classes in runs.items():
                table.setdefault(key, []).append((src, tuple(prefix + c for c in sorted(classes))))
        self.table = {k: tuple(v) for k, v in table.items()}
        self.prefixes = frozenset(k[:i] for k in self.table for i in range(1, len(k) + 1))
        self.outputs = tuple(out for _, _, out in sources)

    def marks(self, keys: Sequence[str]) -> tuple[list[list[str]], list[list[str]]]:
        """Return the run marks of each token: gazetteer-like ones and lexicon ones."""
        n = len(keys)
        # Most tokens get no mark: they share one empty tuple, a list is made only for a marked token.
        found: tuple[list[list[str]], list[list[str]]] = ([_NO_MARKS] * n, [_NO_MARKS] * n)  # type: ignore[list-item]
        prefixes, table, outputs = self.prefixes, self.table, self.outputs
        for i in range(n):
            if keys[i] not in prefixes:
                continue  # most tokens start no run: skip the inner loop
            joined = ""
            best: dict[int, tuple[int, tuple[str, ...]]] = {}
            for j in range(i, min(n, i + MAX_GAZ_TOKENS)):
                joined += keys[j]
                if joined not in prefixes:
                    break
                for src, classes in table.get(joined, ()):
                    best[src] = (j - i + 1, classes)
            for src, (length, classes) in best.items():
                out = found[outputs[src]]
                for k in range(i, i + length):
                    if out[k] is _NO_MARKS:
                        out[k] = []
                    out[k].extend(c + (":B" if k == i else ":I") for c in classes)
        return found


@lru_cache(maxsize=8)
def _run_index(names: Lexicon | None, lexicon: Lexicon | None) -> _RunIndex:
    sources = [(gazetteers()[0], "", 0)]
    if names is not None:
        sources.append((names.runs, "n", 0))
    if lexicon is not None:
        sources.append((lexicon.runs, "", 1))
    return _RunIndex(sources)


def _kept(pieces: tuple[tuple[str, ...], ...], keep: frozenset[str]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(filter(keep.__contains__, piece)) for piece in pieces)


@lru_cache(maxsize=20_000)
def _kept_marks(pieces: tuple[tuple[str, ...], ...], keep: frozenset[str]) -> tuple[tuple[str, ...], ...]:
    return _kept(pieces, keep)


def sentence_marks(
    keys: Sequence[str], lexicon: Lexicon | None, names: Lexicon | None
) -> tuple[list[list[str]], list[list[str]]]:
    """Return each token's run marks (gazetteers and name list; training lexicon) with token label shares."""
    # Names seen in other corpora join the gazetteer marks under their own prefix ("n").
    marks, lex = _run_index(names, lexicon).marks(keys)
    for table, out, prefix in (
        (names.tokens if names is not None else None, marks, "nt"),
        (lexicon.tokens if lexicon is not None else None, lex, "t"),
    ):
        if table:
            for i, key in enumerate(keys):
                labels = table.get(key)
                if labels:
                    if out[i] is _NO_MARKS:
                        out[i] = []
                    out[i].extend(prefix + label for label in labels)
    return marks, lex


def own_features(
    tokens: Sequence[str], marked: tuple[list[list[str]], list[list[str]]]
) -> list[tuple[str, ...]]:
    """Return each token's own features (no neighbours'): the network's input besides the word itself."""
    marks, lex = marked
    return [
        (*token_parts(t)[0], *_mark_features(tuple(m), tuple(x))[0])
        for t, m, x in zip(tokens, marks, lex, strict=True)
    ]


def sentence_features(
    tokens: Sequence[str],
    lexicon: Lexicon | None = None,
    names: Lexicon | None = None,
    *,
    parts: Callable[[str], Parts] = token_parts,
    keep: frozenset[str] | None = None,
) -> list[list[str]]:
    """Return the crfsuite feature list of every token of one sentence.

    ``parts`` gives a token's cached word-level pieces (see :func:`token_parts`); ``keep``, when given,
    drops the sentence-level features a model has no weight for (they would change nothing).
    """
    n = len(tokens)
    keys = [token_key(t) for t in tokens]
    marks, lex = sentence_marks(keys, lexicon, names)
    # Per-position pieces first, so each neighbour's features are built once, not once per use.
    tp = [parts(t) for t in tokens]
    pieces = [_mark_features(tuple(ms), tuple(lx)) for ms, lx in zip(marks, lex, strict=True)]
    if keep is not None:
        # An empty own piece means empty neighbour pieces too: most tokens skip the filter.
        pieces = [p if not p[0] else _kept_marks(p, keep) for p in pieces]
    titled = [bool(ms) and ("TITLE:B" in ms or "TITLE:I" in ms) for ms in marks]
    out: list[list[str]] = []
    for i in range(n):
        feats = ["bias", *tp[i][0], *pieces[i][0]]
        if i > 0:
            feats += tp[i - 1][1]
            feats += pieces[i - 1][1]
            bigram = f"b-={keys[i - 1]}|{keys[i]}"
            if keep is None or bigram in keep:
                feats.append(bigram)
            if i > 1:
                feats += tp[i - 2][3]
        else:
            feats.append("BOS")
        if i + 1 < n:
            feats += tp[i + 1][2]
            feats += pieces[i + 1][2]
            bigram = f"b+={keys[i]}|{keys[i + 1]}"
            if keep is None or bigram in keep:
                feats.append(bigram)
            if i + 2 < n:
                feats += tp[i + 2][4]
        else:
            feats.append("EOS")
        # A title one or two tokens back ("سردار حسین دهقان") announces a person.
        if (i > 0 and titled[i - 1]) or (i > 1 and titled[i - 2]):
            feats.append("after_title")
        out.append(feats)
    return out


def jackknife(sentences: Sequence[tuple[Sequence[str], Sequence[str]]], folds: int = 4) -> Iterator[tuple[Lexicon, range]]:
    """Yield each fold's lexicon, built from the other folds, with the indices of the fold's sentences."""
    for p in range(folds):
        yield Lexicon.build([s for i, s in enumerate(sentences) if i % folds != p]), range(p, len(sentences), folds)


def train(
    sentences: Sequence[tuple[list[str], list[str]]],
    model_path: str | Path,
    params: dict[str, object] | None = None,
    verbose: bool = False,
    folds: int = 4,
    names: Lexicon | None = None,
) -> None:
    """Train a CRF on ``(tokens, tags)`` sentences; write the model and its lexicon beside it.

    Each sentence's lexicon features come from a lexicon built on the other ``folds - 1`` parts.
    ``names`` (entity runs of other corpora, see :func:`build_names`) is saved beside the model too.
    """
    params = {**TRAIN_PARAMS, **(params or {})}
    algorithm = str(params.pop("algorithm", "lbfgs"))
    if algorithm != "lbfgs":
        params = {k: v for k, v in params.items() if k not in ("c1", "c2")}
    trainer = pycrfsuite.Trainer(algorithm=algorithm, verbose=verbose)
    for lexicon, fold in jackknife(sentences, folds):
        for i in fold:
            tokens, tags = sentences[i]
            trainer.append(sentence_features(tokens, lexicon, names), tags)
    trainer.set_params(params)
    trainer.train(str(model_path))
    Lexicon.build(sentences).save(lexicon_path(model_path))
    if names is not None:
        names.save(names_path(model_path))


_ATTRIBUTE_SETS: dict[frozenset[str], frozenset[str]] = {}


class _CrfScorer:
    """A crfsuite model's weights in NumPy: per-token label scores of a sentence without crfsuite.

    crfsuite scores a label at a token as the sum of the weights of the token's attributes for that label
    (each attribute has value 1), and a path as those sums plus label-to-label transition weights. Here
    each distinct word's five feature pieces (see :func:`token_parts`) are summed into five score vectors
    once and kept in a matrix, so a sentence's scores are a few array additions instead of thousands of
    attribute strings handed to crfsuite. The weights come from crfsuite's model dump, printed with six
    decimals.
    """

    MAX_WORDS = 100_000  # distinct words whose score vectors are kept (5 x labels float64 each)

    def __init__(self, info: object, labels: Sequence[str]) -> None:
        index = {label: i for i, label in enumerate(labels)}
        self.attrs = {a: i for i, a in enumerate(info.attributes)}  # type: ignore[attr-defined]
        self.weights = np.zeros((len(self.attrs) + 1, len(labels)))  # the last row stays zero
        for (attr, label), w in info.state_features.items():  # type: ignore[attr-defined]
            self.weights[self.attrs[attr], index[label]] = w
        self.trans = np.zeros((len(labels), len(labels)))
        for (a, b), w in info.transitions.items():  # type: ignore[attr-defined]
            self.trans[index[a], index[b]] = w
        self.bias, self.bos, self.eos, self.after_title = (
            self.vector((f,)) for f in ("bias", "BOS", "EOS", "after_title")
        )
        # Word bigrams the model weighs: only a left word that starts one is worth building the string for.
        self.bigram_left = {
            prefix: frozenset(
                a[3:j] for a in self.attrs if a.startswith(prefix) for j in range(3, len(a)) if a[j] == "|"
            )
            for prefix in ("b-=", "b+=")
        }
        self._marks: dict[tuple[tuple[str, ...], tuple[str, ...]], np.ndarray] = {}
        self.clear()

    def clear(self) -> None:
        """Forget the per-word score vectors."""
        self.rows: dict[str, int] = {}
        self.table = np.zeros((4096, 5, self.weights.shape[1]))
        self._marks = {}

    def vector(self, feats: Iterable[str]) -> np.ndarray:
        """Return the summed weights of some attributes (unknown ones weigh nothing)."""
        miss = len(self.attrs)
        return self.weights[[self.attrs.get(f, miss) for f in feats]].sum(axis=0)

    def rows_of(self, tokens: Sequence[str]) -> list[int]:
        """Return the table rows of some tokens, computing the score vectors of new words in one go."""
        if len(self.rows) + len(tokens) > self.MAX_WORDS:
            self.clear()
        rows, known = [], self.rows
        new: list[str] = []
        for token in tokens:
            got = known.get(token)
            if got is None:
                got = known[token] = len(known)
                new.append(token)
            rows.append(got)
        if new:
            self._fill(new, len(known) - len(new))
        return rows

    def _fill(self, words: list[str], first: int) -> None:
        # Each word's five pieces are five segments of attribute ids; every segment starts with the zero
        # row, so an empty piece sums to zero (np.add.reduceat needs non-empty segments).
        miss, get = len(self.attrs), self.attrs.get
        ids: list[int] = []
        starts: list[int] = []
        for word in words:
            for piece in token_parts(word):
                starts.append(len(ids))
                ids.append(miss)
                ids.extend(a for a in map(get, piece) if a is not None)
        need = first + len(words)
        if need > len(self.table):
            grown = np.zeros((max(need, 2 * len(self.table)), *self.table.shape[1:]))
            grown[: len(self.table)] = self.table
            self.table = grown
        sums = np.add.reduceat(self.weights[ids], starts, axis=0)
        self.table[first:need] = sums.reshape(len(words), 5, -1)

    def mark_vectors(self, marks: list[str], lex: list[str]) -> np.ndarray:
        """Return the score vectors of a token's run marks: for itself, its right and its left neighbour."""
        key = (tuple(marks), tuple(lex))
        got = self._marks.get(key)
        if got is None:
            if len(self._marks) >= self.MAX_WORDS:
                self._marks = {}
            got = self._marks[key] = np.array([self.vector(piece) for piece in _mark_features(*key)])
        return got

    def scores(
        self,
        sentences: Sequence[Sequence[str]],
        marked: Sequence[tuple[list[list[str]], list[list[str]]]],
        keys_of: Sequence[Sequence[str]] | None = None,
    ) -> list[np.ndarray]:
        """Return each (non-empty) sentence's ``(tokens, labels)`` state scores, as crfsuite computes them.

        ``keys_of``: each sentence's token keys, if the caller has them already (for the run marks).
        """
        lengths = [len(t) for t in sentences]
        rows = self.rows_of([t for tokens in sentences for t in tokens])
        words = self.table[rows]  # (tokens, 5 pieces, labels)
        ends = np.cumsum(lengths)
        pos = np.arange(len(rows)) - np.repeat(ends - lengths, lengths)  # index in its sentence
        left = np.repeat(ends - 1, lengths) - np.arange(len(rows))  # tokens after it in its sentence
        e = words[:, 0] + self.bias
        # Pieces lent to neighbours, never across a sentence boundary: -1 and -2 look back, 1 and 2 ahead.
        e[1:] += words[:-1, 1] * (pos[1:] >= 1)[:, None]
        e[2:] += words[:-2, 3] * (pos[2:] >= 2)[:, None]
        e[:-1] += words[1:, 2] * (left[:-1] >= 1)[:, None]
        e[:-2] += words[2:, 4] * (left[:-2] >= 2)[:, None]
        e[pos == 0] += self.bos
        e[left == 0] += self.eos
        attrs, weights = self.attrs, self.weights
        minus, plus = self.bigram_left["b-="], self.bigram_left["b+="]
        flat = 0
        for j, (tokens, (marks, lex)) in enumerate(zip(sentences, marked, strict=True)):
            n = len(tokens)
            titled = -3  # index of the last token inside a title
            for i in range(n):
                ms = marks[i]
                if ms or lex[i]:
                    mv = self.mark_vectors(ms, lex[i])
                    e[flat + i] += mv[0]
                    if i + 1 < n:
                        e[flat + i + 1] += mv[1]
                    if i:
                        e[flat + i - 1] += mv[2]
                # A title one or two tokens back announces a person (see sentence_features).
                if i - titled <= 2:
                    e[flat + i] += self.after_title
                if ms and ("TITLE:B" in ms or "TITLE:I" in ms):
                    titled = i
            keys = keys_of[j] if keys_of is not None else [token_key(t) for t in tokens]
            for i in range(1, n):
                a = keys[i - 1]
                if a in minus:
                    attr = attrs.get(f"b-={a}|{keys[i]}")
                    if attr is not None:
                        e[flat + i] += weights[attr]
                if a in plus:
                    attr = attrs.get(f"b+={a}|{keys[i]}")
                    if attr is not None:
                        e[flat + i - 1] += weights[attr]
            flat += n
        return np.split(e, ends[:-1])


def _logsumexp(a: np.ndarray, axis: int) -> np.ndarray:
    top = a.max(axis=axis, keepdims=True)
    return np.squeeze(top, axis) + np.log(np.exp(a - top).sum(axis=axis))


def _marginals(scores: Sequence[np.ndarray], trans: np.ndarray) -> list[np.ndarray]:
    """Per-token label probabilities of a linear-chain CRF (forward-backward in log space), batched.

    Sentences run longest first, so the ones still running at a step are a prefix of the batch.
    """
    from akhbar.extract.ner_nn import longest_first

    if not scores:
        return []
    order, lengths, x, running = longest_first(scores, np.dtype(np.float64))
    steps = x.shape[1]
    alpha = np.zeros_like(x)
    beta = np.zeros_like(x)  # zero at each sentence's last token
    alpha[:, 0] = x[:, 0]
    for t in range(1, steps):
        n = running[t]
        alpha[:n, t] = _logsumexp(alpha[:n, t - 1, :, None] + trans, axis=1) + x[:n, t]
    for t in range(steps - 2, -1, -1):
        n = running[t + 1]  # sentences that have a token after t
        beta[:n, t] = _logsumexp(trans + (x[:n, t + 1] + beta[:n, t + 1])[:, None, :], axis=2)
    out: list[np.ndarray] = [np.zeros(0)] * len(scores)
    for row, j in enumerate(order):
        n = lengths[row]
        log_z = _logsumexp(alpha[row, n - 1], axis=0)
        out[j] = np.exp(alpha[row, :n] + beta[row, :n] - log_z)
    return out


def _viterbi(scores: Sequence[np.ndarray], trans: np.ndarray) -> list[list[int]]:
    """Best label paths of several sentences under a CRF's transition weights (no start/end weights)."""
    from akhbar.extract.ner_nn import decode

    return decode(scores, trans, np.zeros(trans.shape[0], trans.dtype))


class NerTagger:
    """A loaded CRF model; ``tag`` maps the tokens of one sentence to IOB2 tags."""

    MAX_CACHED = 200_000  # distinct words whose filtered features are kept

    def __init__(self, model_path: str | Path = DEFAULT_MODEL, network: bool = False) -> None:
        self.model_path = Path(model_path)
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open(str(self.model_path))
        self.labels = tuple(self._tagger.labels())
        lex = lexicon_path(self.model_path)
        self.lexicon = Lexicon.load(lex) if lex.exists() else None
        nm = names_path(self.model_path)
        self.names = Lexicon.load(nm) if nm.exists() else None
        # crfsuite's Tagger and the word-vector cache change per call: one lock makes a shared tagger thread-safe.
        self._lock = threading.Lock()
        # crfsuite_tag (the reference path) drops features the model has no weight for before crfsuite sees
        # them (once per distinct word, cached below): they change no score.
        # One set object per distinct attribute set: the feature caches are keyed by it, and a lookup with an
        # equal but different set (a second tagger of the same model) would compare 31k strings every time.
        info = self._tagger.info()
        keep = frozenset(info.attributes)
        self._keep = _ATTRIBUTE_SETS.setdefault(keep, keep)
        self._parts: dict[str, Parts] = {}
        self._crf = _CrfScorer(info, self.labels)
        # network=True: the BiLSTM beside the model adds its log-probabilities to the CRF's marginals and
        # the mix is decoded under IOB2 constraints (see akhbar/extract/ner_nn.py): ~1 F1 more, ~7x slower.
        from akhbar.extract import ner_nn

        nn_file = ner_nn.nn_path(self.model_path)
        if network and not nn_file.exists():
            raise FileNotFoundError(f"no network beside {self.model_path.name}: {nn_file} (scripts/train_ner.py)")
        self.nn = ner_nn.BiLstmTagger(nn_file) if network else None
        if self.nn is not None:
            if set(self.nn.tags) != set(self.labels):
                raise ValueError(f"{nn_file}: tags {self.nn.tags} differ from the CRF's {self.labels}")
            self._trans, self._start = ner_nn.allowed_transitions(self.nn.tags)

    def clear_cache(self) -> None:
        """Forget the per-word feature pieces of this model."""
        self._parts = {}
        self._crf.clear()

    def _token_parts(self, token: str) -> Parts:
        got = self._parts.get(token)
        if got is None:
            if len(self._parts) >= self.MAX_CACHED:
                self._parts = {}
            got = self._parts[token] = _kept(token_parts(token), self._keep)  # type: ignore[assignment]
        return got

    def tag(self, tokens: Sequence[str]) -> list[str]:
        """Tag one tokenized sentence.

        >>> get_tagger().tag([])
        []
        """
        if self.nn is not None:
            return self.tag_many([tokens])[0]
        return self.crf_tag(tokens)

    def crf_tag(self, tokens: Sequence[str]) -> list[str]:
        """Tag one sentence with the CRF alone (its Viterbi path), whether or not a network is shipped."""
        return self.crf_tag_many([tokens])[0]

    def crfsuite_tag(self, tokens: Sequence[str]) -> list[str]:
        """Tag one sentence through crfsuite itself (the reference the NumPy decoder is checked against)."""
        if not tokens:
            return []
        feats = sentence_features(tokens, self.lexicon, self.names, parts=self._token_parts, keep=self._keep)
        with self._lock:
            return list(self._tagger.tag(feats))

    BATCH = 256  # sentences per network forward pass / per batched Viterbi

    def crf_tag_many(self, sentences: Iterable[Sequence[str]]) -> list[list[str]]:
        """Tag sentences with the CRF alone: NumPy scores and a Viterbi batched over similar lengths."""
        todo = list(sentences)
        out: list[list[str]] = [[] for _ in todo]
        order = sorted((i for i in range(len(todo)) if todo[i]), key=lambda i: len(todo[i]))
        labels = self.labels
        for start in range(0, len(order), self.BATCH):
            chunk = order[start : start + self.BATCH]
            batch = [todo[i] for i in chunk]
            keys = [[token_key(t) for t in tokens] for tokens in batch]
            marks = [sentence_marks(k, self.lexicon, self.names) for k in keys]
            with self._lock:  # the word-vector cache grows in place
                scores = self._crf.scores(batch, marks, keys)
            for i, path in zip(chunk, _viterbi(scores, self._crf.trans), strict=True):
                out[i] = [labels[y] for y in path]
        return out

    def label_marginals(self, sentences: Sequence[Sequence[str]], label: str) -> list[np.ndarray]:
        """Return the CRF's marginal probability of ``label`` at every token of each sentence.

        Forward-backward over the same scores as :meth:`crf_tag_many` (the CRF alone, with or without a
        network beside it).
        """
        column = self.labels.index(label)
        out: list[np.ndarray] = [np.zeros(0) for _ in sentences]
        live = [i for i, tokens in enumerate(sentences) if tokens]
        for start in range(0, len(live), self.BATCH):
            chunk = live[start : start + self.BATCH]
            batch = [sentences[i] for i in chunk]
            keys = [[token_key(t) for t in tokens] for tokens in batch]
            marks = [sentence_marks(k, self.lexicon, self.names) for k in keys]
            with self._lock:
                scores = self._crf.scores(batch, marks, keys)
            for i, m in zip(chunk, _marginals(scores, self._crf.trans), strict=True):
                out[i] = m[:, column]
        return out

    def tag_many(self, sentences: Iterable[Sequence[str]]) -> list[list[str]]:
        """Tag many tokenized sentences (batched; through the network too when there is one)."""
        if self.nn is None:
            return self.crf_tag_many(sentences)
        todo = list(sentences)
        # Batches of similar length: the network pads every sentence of a batch to the longest.
        order = sorted(range(len(todo)), key=lambda i: len(todo[i]))
        out: list[list[str]] = [[] for _ in todo]
        for start in range(0, len(order), self.BATCH):
            chunk = order[start : start + self.BATCH]
            for i, tags in zip(chunk, self._tag_mixed([todo[i] for i in chunk]), strict=True):
                out[i] = tags
        return out

    def _tag_mixed(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        from akhbar.extract import ner_nn

        nn = self.nn
        assert nn is not None
        tags = nn.tags
        live = [s for s in sentences if s]
        marks, inputs, keys_of = [], [], []
        for tokens in live:
            keys = [token_key(t) for t in tokens]
            marked = sentence_marks(keys, self.lexicon, self.names)
            marks.append(marked)
            keys_of.append(keys)
            inputs.append(nn.inputs(keys, own_features(tokens, marked)))
        with self._lock:
            states = self._crf.scores(live, marks, keys_of)
        # The CRF's per-token label marginals (forward-backward over the same scores as its Viterbi path),
        # reordered to the network's tag order.
        order = [self.labels.index(t) for t in tags]
        scores = [np.log(m[:, order] + 1e-9).astype(np.float32) for m in _marginals(states, self._crf.trans)]
        w = ner_nn.NN_WEIGHT
        mixed = [w * lp + (1 - w) * c for lp, c in zip(nn.log_probs(inputs), scores, strict=True)]
        paths = iter(ner_nn.decode(mixed, self._trans, self._start))
        return [[tags[i] for i in next(paths)] if s else [] for s in sentences]


_TAGGERS: dict[tuple[Path, bool], NerTagger] = {}
_TAGGERS_LOCK = threading.Lock()


def get_tagger(model_path: str | Path = DEFAULT_MODEL, network: bool = False) -> NerTagger:
    """Return the tagger for a model file (with its network when asked), loading it once per process."""
    path = Path(model_path).resolve()
    with _TAGGERS_LOCK:
        tagger = _TAGGERS.get((path, network))
        if tagger is None:
            tagger = _TAGGERS[(path, network)] = NerTagger(path, network)
        return tagger


@lru_cache(maxsize=1)
def _hazm_tokenizer() -> Callable[[str], list[str]]:
    """Build hazm's word tokenizer once per process; its tokenize."""
    from akhbar.text.hazm_shared import fast_tokenize, word_tokenizer

    # join_verb_parts=False: joined verbs ("خواهیم_کرد") would not be substrings of the text.
    return fast_tokenize(word_tokenizer(join_verb_parts=False))


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` character spans of the sentences of a paragraph (hazm's sent_tokenize)."""
    from hazm import sent_tokenize

    out: list[tuple[int, int]] = []
    cursor = 0
    for sentence in sent_tokenize(text):
        sentence = sentence.strip()
        if not sentence:
            continue
        found = text.find(sentence, cursor)
        if found < 0:
            # hazm rewrote the sentence: give up splitting what is left.
            out.append((cursor, len(text)))
            cursor = len(text)
            break
        out.append((found, found + len(sentence)))
        cursor = found + len(sentence)
    if cursor < len(text) and text[cursor:].strip():
        out.append((cursor, len(text)))
    return out


_FALLBACK_TOKEN = re.compile(r"[\w\u200c]+|[^\w\s\u200c]", re.UNICODE)
# hazm splits off "،" and "؛" but not the ASCII "," and ";" that scraped text often has ("حسینی, معاون"),
# nor apostrophes used as quotation marks ("''کریم بوستانی''"): split them off too, except a comma inside a
# number ("1,500") and an apostrophe inside a word.
_ASCII_SEPARATOR = re.compile(r"((?<!\d)[,;]|[,;](?!\d)|^'+|'+$)")


def tokenize(text: str, base: int = 0) -> list[tuple[str, int, int]]:
    """Split text into ``(token, start, end)`` with hazm's WordTokenizer; offsets are ``base + index``.

    Tokens hazm rewrote (not found verbatim in the text) are re-split with a plain regex so offsets stay exact.
    """
    out: list[tuple[str, int, int]] = []
    cursor = 0
    separators = "," in text or ";" in text or "'" in text  # most sentences have none: one scan, not one per token
    for token in _hazm_tokenizer()(text):
        found = text.find(token, cursor)
        if found < 0 or text[cursor:found].strip():
            continue
        if separators and ("," in token or ";" in token or "'" in token):
            at = found
            for piece in _ASCII_SEPARATOR.split(token):
                if piece:
                    out.append((piece, base + at, base + at + len(piece)))
                    at += len(piece)
        else:
            out.append((token, base + found, base + found + len(token)))
        cursor = found + len(token)
    if text[cursor:].strip() or (not out and text.strip()):
        tail = cursor if out else 0
        for m in _FALLBACK_TOKEN.finditer(text, tail):
            out.append((m.group(), base + m.start(), base + m.end()))
    return out


def model_for(fmt: str) -> Path:
    """Return the model that speaks a corpus' type set: the ARMAN model for ARMAN files when shipped."""
    return ARMAN_MODEL if fmt == "arman" and ARMAN_MODEL.exists() else DEFAULT_MODEL


def _predict(tagger: NerTagger, sentences: Sequence[Sequence[str]], surnames: int | None) -> list[list[str]]:
    """Tag sentences; with ``surnames``, also tag bare surnames of names found within that many sentences."""
    tagged = tagger.tag_many(sentences)
    if surnames is None:
        return tagged
    from akhbar.extract.entities import tag_surnames

    return tag_surnames(tagger, sentences, tagged, window=surnames)


def tag_file(
    path: str,
    fmt: Literal["peyma", "arman"],
    out: TextIO,
    model_path: str | Path | None = None,
    network: bool = False,
    surnames: int | None = None,
) -> None:
    """Read a gold file and write it again with predicted tags in place of the gold ones (tokens unchanged).

    ``surnames``: also tag the bare surnames of persons named in full within that many sentences, the file
    read as running text (the pipeline does this per article; see ``entities.tag_surnames``).
    """
    from akhbar.extract import ner_io

    tagger = get_tagger(model_path or model_for(fmt), network)
    sentences = ner_io.read_file(path, fmt)
    tagged = _predict(tagger, [tokens for tokens, _ in sentences], surnames)
    ner_io.write_sentences(((tokens, tags) for (tokens, _), tags in zip(sentences, tagged, strict=True)), fmt, out)


def evaluate_file(
    path: str,
    fmt: Literal["peyma", "arman"],
    model_path: str | Path | None = None,
    network: bool = False,
    surnames: int | None = None,
) -> str:
    """Tag a gold file and return the entity-level (exact span + type) P/R/F1 table per type and micro."""
    from akhbar.extract import ner_io

    tagger = get_tagger(model_path or model_for(fmt), network)
    sentences = ner_io.read_file(path, fmt)
    # Types the corpus does not annotate are dropped from the predictions before scoring.
    pred = [
        [ner_io.tag_in(ner_io.tag_out(t, fmt), fmt) for t in tags]
        for tags in _predict(tagger, [tokens for tokens, _ in sentences], surnames)
    ]
    table = ner_io.score([tags for _, tags in sentences], pred)
    name = tagger.model_path.name + (" + network" if tagger.nn is not None else "")
    if surnames is not None:
        name += f", surnames linked within {surnames} sentences"
    return f"{path} ({len(sentences)} sentences, model {name})\n{ner_io.format_scores(table)}"
