"""Read and write gold NER files (PEYMA ``tok|B_ORG``, ARMAN ``tok B-org``) and score predictions.

Inside akhbar every tag is IOB2 with one upper-case type set: ``B-PER``, ``I-ORG``, ``O``...
(PER ORG LOC FAC EVENT PRO DAT TIM MON PCT). The readers map the corpus spellings in, the writers map
them back out, so a file written by :func:`write_sentences` is the same format it was read from.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TextIO

Format = Literal["peyma", "arman"]
Sentence = tuple[list[str], list[str]]  # (tokens, tags)

TYPES = ("PER", "ORG", "LOC", "FAC", "EVENT", "PRO", "DAT", "TIM", "MON", "PCT")
# ARMAN's lower-case names <-> ours; PEYMA already uses ours.
_ARMAN_IN = {"pers": "PER", "org": "ORG", "loc": "LOC", "fac": "FAC", "event": "EVENT", "pro": "PRO"}
_ARMAN_OUT = {v: k for k, v in _ARMAN_IN.items()}


def tag_in(tag: str, fmt: Format) -> str:
    """Map a corpus tag to the internal IOB2 form.

    >>> tag_in("B_ORG", "peyma"), tag_in("I-pers", "arman"), tag_in("O", "arman")
    ('B-ORG', 'I-PER', 'O')
    """
    if tag == "O":
        return "O"
    prefix, kind = tag[0], tag[2:]
    if fmt == "arman":
        kind = _ARMAN_IN.get(kind.lower(), kind.upper())
    return f"{prefix}-{kind.upper()}"


def tag_out(tag: str, fmt: Format) -> str:
    """Map an internal tag to the corpus spelling (types the corpus lacks are written as ``O``).

    >>> tag_out("B-ORG", "peyma"), tag_out("I-PER", "arman"), tag_out("B-DAT", "arman")
    ('B_ORG', 'I-pers', 'O')
    """
    if tag == "O":
        return "O"
    prefix, kind = tag[0], tag[2:]
    if fmt == "arman":
        out = _ARMAN_OUT.get(kind)
        return f"{prefix}-{out}" if out else "O"
    if kind in ("FAC", "EVENT", "PRO"):
        return "O"
    return f"{prefix}_{kind}"


def _split_line(line: str, fmt: Format) -> tuple[str, str]:
    # Split at the LAST separator: PEYMA tokens may hold spaces ("روش های") or be a bare "|".
    sep = "|" if fmt == "peyma" else " "
    token, _, tag = line.rpartition(sep)
    if not token and fmt == "arman" and "\t" in line:
        token, _, tag = line.rpartition("\t")
    return token, tag


def read_sentences(lines: Iterable[str], fmt: Format) -> Iterator[Sentence]:
    """Yield ``(tokens, tags)`` per sentence from lines of a gold file (blank line between sentences)."""
    tokens: list[str] = []
    tags: list[str] = []
    for raw in lines:
        line = raw.rstrip("\r\n")
        if not line.strip():
            if tokens:
                yield tokens, tags
                tokens, tags = [], []
            continue
        token, tag = _split_line(line, fmt)
        tokens.append(token)
        tags.append(tag_in(tag.strip(), fmt))
    if tokens:
        yield tokens, tags


def read_file(path: str | Path, fmt: Format) -> list[Sentence]:
    """Read a whole gold file into a list of ``(tokens, tags)``."""
    with open(path, encoding="utf-8") as fh:
        return list(read_sentences(fh, fmt))


def write_sentences(sentences: Iterable[Sentence], fmt: Format, out: TextIO) -> None:
    """Write sentences in the corpus format, a blank line after each sentence."""
    sep = "|" if fmt == "peyma" else " "
    for tokens, tags in sentences:
        for token, tag in zip(tokens, tags, strict=True):
            out.write(f"{token}{sep}{tag_out(tag, fmt)}\n")
        out.write("\n")


def spans(tags: list[str]) -> set[tuple[int, int, str]]:
    """Return the entity spans ``(start, end_exclusive, type)`` of an IOB tag sequence.

    An ``I-X`` that does not continue an ``X`` starts a new entity, as conlleval does.

    >>> sorted(spans(["B-PER", "I-PER", "O", "I-LOC", "B-LOC", "I-ORG"]))
    [(0, 2, 'PER'), (3, 4, 'LOC'), (4, 5, 'LOC'), (5, 6, 'ORG')]
    """
    out: set[tuple[int, int, str]] = set()
    start, kind = -1, ""
    for i, tag in enumerate([*tags, "O"]):
        prefix, cur = (tag[0], tag[2:]) if tag != "O" else ("O", "")
        if kind and (prefix != "I" or cur != kind):
            out.add((start, i, kind))
            kind = ""
        if prefix == "B" or (prefix == "I" and cur != kind):
            start, kind = i, cur
    return out


@dataclass(slots=True)
class Counts:
    """True positives, predicted and gold entity counts for one type."""

    tp: int = 0
    pred: int = 0
    gold: int = 0

    def prf(self) -> tuple[float, float, float]:
        """Return precision, recall and F1 in percent."""
        p = 100.0 * self.tp / self.pred if self.pred else 0.0
        r = 100.0 * self.tp / self.gold if self.gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f


def score(gold: Iterable[list[str]], pred: Iterable[list[str]]) -> dict[str, Counts]:
    """Count exact span+type matches per type; the key ``"micro"`` holds the totals."""
    table: dict[str, Counts] = {}
    micro = Counts()
    for g_tags, p_tags in zip(gold, pred, strict=True):
        g, p = spans(g_tags), spans(p_tags)
        for bucket, attr in ((g, "gold"), (p, "pred"), (g & p, "tp")):
            for *_, kind in bucket:
                c = table.setdefault(kind, Counts())
                setattr(c, attr, getattr(c, attr) + 1)
                setattr(micro, attr, getattr(micro, attr) + 1)
    table["micro"] = micro
    return table


def format_scores(table: dict[str, Counts]) -> str:
    """Format a score table: one row per type (P, R, F1 in percent, gold count) and the micro row."""
    lines = [f"{'type':<8}{'P':>8}{'R':>8}{'F1':>8}{'gold':>8}{'pred':>8}"]
    for kind in [k for k in TYPES if k in table] + sorted(
        k for k in table if k not in TYPES and k != "micro"
    ):
        p, r, f = table[kind].prf()
        lines.append(f"{kind:<8}{p:8.2f}{r:8.2f}{f:8.2f}{table[kind].gold:8d}{table[kind].pred:8d}")
    p, r, f = table["micro"].prf()
    lines.append(f"{'micro':<8}{p:8.2f}{r:8.2f}{f:8.2f}{table['micro'].gold:8d}{table['micro'].pred:8d}")
    return "\n".join(lines)
