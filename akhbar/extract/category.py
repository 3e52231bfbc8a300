"""Categories: agency labels mapped to one taxonomy, else a small text classifier.

The taxonomy and the label table are ``akhbar/data/categories.toml``. The classifier is a TF-IDF +
multinomial logistic regression trained by ``scripts/train_category.py`` and stored as plain arrays
(``akhbar/models/category.npz``: vocabulary, idf, weights), so loading it needs numpy only, no pickle.
"""

from __future__ import annotations

import math
import re
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

import numpy as np

from akhbar.text.chars import fold_letters, to_ascii_digits

PACKAGE = Path(__file__).resolve().parent.parent
CATEGORIES_PATH = PACKAGE / "data" / "categories.toml"
MODEL_PATH = PACKAGE / "models" / "category.npz"
# Body characters the classifier reads: the topic is settled by the opening; longer adds noise and time.
BODY_CHARS = 3000
_SPLIT_LABELS = re.compile(r"\s*[,،;|]\s*")
_SPLIT_LEVELS = re.compile(r"\s*(?:>|/|»)\s*")
_WORD = re.compile(r"[^\W\d_]{2,}")


def _label_key(label: str) -> str:
    """Fold a label for lookup: letters, ZWNJ, case, spacing around '>', a leading 'اخبار '."""
    text = unicodedata.normalize("NFKC", label)
    text = fold_letters(text).replace("\u200c", " ").replace("\u00a0", " ").lower()
    text = re.sub(r"\s*>\s*", " > ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"^اخبار\s+", "", text)


@dataclass(slots=True, frozen=True)
class Taxonomy:
    """The category names, the label table and single-topic outlet defaults."""

    names: tuple[str, ...]
    labels: dict[str, str]
    agency_default: dict[str, str]


@cache
def taxonomy() -> Taxonomy:
    """Load the taxonomy data file once."""
    raw = tomllib.loads(CATEGORIES_PATH.read_text("utf-8"))
    return Taxonomy(
        names=tuple(raw["taxonomy"]),
        labels={_label_key(k): v for k, v in raw["labels"].items()},
        agency_default=dict(raw.get("agency_default", {})),
    )


def _map_one(label: str) -> str | None:
    """Map one label: the whole key, else its most specific level, else the broader ones.

    Returns '' for a known non-topical label, None for an unknown one.
    """
    table = taxonomy().labels
    key = _label_key(label)
    if not key:
        return None
    if key in table:
        return table[key]
    levels = [p for p in _SPLIT_LEVELS.split(key) if p]
    found: str | None = None
    for part in [*levels[::-1]]:
        value = table.get(part)
        if value:
            return value
        if value == "":
            found = ""
    return found


def label_known(label: str) -> bool:
    """Tell whether the table covers a label (as a category or as explicitly non-topical)."""
    return _map_one(label) is not None


def map_categories(agency: str | None, labels: Iterable[str]) -> str | None:
    """Map an item's labels (tags, 'section > subsection', 'cat/subcat') to a taxonomy category."""
    for label in labels:
        for part in _SPLIT_LABELS.split(label or ""):
            value = _map_one(part)
            if value:
                return value
    return taxonomy().agency_default.get(agency or "")


def map_category(agency: str | None, raw_label: str | None) -> str | None:
    """Map an agency's raw label to the cross-agency taxonomy, or None when it says nothing.

    >>> map_category("تسنیم", "اخبار بین الملل")
    'بین\u200cالملل'
    >>> map_category("همشهری آنلاین", "ورزش > فوتبال")
    'ورزشی'
    >>> map_category("ورزش سه", None)
    'ورزشی'
    """
    return map_categories(agency, [raw_label] if raw_label else [])


def features_text(title: str | None, body: str) -> str:
    """Build the classifier's input text: title (twice, it is the densest signal) and the body's opening."""
    title = title or ""
    return f"{title}\n{title}\n{body[:BODY_CHARS]}"


def tokens(text: str) -> list[str]:
    """Tokenize for the classifier: folded letters, no ZWNJ, words of 2+ letters, plus bigrams."""
    text = to_ascii_digits(fold_letters(unicodedata.normalize("NFKC", text))).replace("\u200c", "").lower()
    words = _WORD.findall(text)
    return words + [f"{a} {b}" for a, b in pairwise(words)]


@dataclass(slots=True, frozen=True)
class CategoryModel:
    """TF-IDF (sublinear tf, l2) + softmax weights, as arrays."""

    vocab: dict[str, int]
    idf: np.ndarray
    coef: np.ndarray  # classes x features
    intercept: np.ndarray
    classes: tuple[str, ...]

    def vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Return (feature indices, l2-normalized tf-idf values) of a text."""
        counts = Counter(t for t in tokens(text) if t in self.vocab)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        idx = np.fromiter((self.vocab[t] for t in counts), dtype=np.int64, count=len(counts))
        tf = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float64, count=len(counts))
        values = tf * self.idf[idx]
        return idx, values / np.linalg.norm(values)

    def probabilities(self, text: str) -> np.ndarray:
        """Return the class probabilities of a text."""
        idx, values = self.vector(text)
        scores = self.coef[:, idx] @ values + self.intercept
        scores = np.exp(scores - scores.max())
        return scores / scores.sum()


def save_model(
    path: Path,
    vocab: Sequence[str],
    idf: np.ndarray,
    coef: np.ndarray,
    intercept: np.ndarray,
    classes: Sequence[str],
) -> None:
    """Write a trained model as compressed arrays (float16 weights keep it well under 5 MB)."""
    np.savez_compressed(
        path,
        vocab=np.array(list(vocab), dtype=np.str_),
        idf=idf.astype(np.float32),
        coef=coef.astype(np.float16),
        intercept=intercept.astype(np.float32),
        classes=np.array(list(classes), dtype=np.str_),
    )


@cache
def load_model(path: Path = MODEL_PATH) -> CategoryModel:
    """Load the classifier once per process (lazily: only items without a usable label need it)."""
    with np.load(path, allow_pickle=False) as data:
        vocab = {str(t): i for i, t in enumerate(data["vocab"])}
        return CategoryModel(
            vocab=vocab,
            idf=data["idf"].astype(np.float64),
            coef=data["coef"].astype(np.float64),
            intercept=data["intercept"].astype(np.float64),
            classes=tuple(str(c) for c in data["classes"]),
        )


def predict_category(title: str | None, body: str) -> tuple[str, float]:
    """Predict the taxonomy category of an article; return (category, probability)."""
    model = load_model()
    probs = model.probabilities(features_text(title, body))
    best = int(np.argmax(probs))
    return model.classes[best], float(probs[best])
