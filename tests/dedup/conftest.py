"""Shared fixtures for the dedup tests: real Persian articles (langml, Apache-2.0) and reprint variants."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "dedup"
ZWNJ = "\u200c"


@pytest.fixture(scope="session")
def articles() -> list[dict]:
    """Return the fixture articles: agency, link, topic, paragraphs."""
    return json.loads((FIXTURES / "langml_articles.json").read_text(encoding="utf-8"))


def edit_words(paras: list[str], fraction: float, seed: int = 1) -> list[str]:
    """Replace ``fraction`` of the words with words from a fixed Persian list (a reporter's edits)."""
    rng = random.Random(seed)
    fillers = "همچنین سپس اکنون گفتنی خاطرنشان افزود تاکید بنابراین امسال پیشتر".split()
    tokens = [p.split(" ") for p in paras]
    slots = [(i, j) for i, t in enumerate(tokens) for j, w in enumerate(t) if w]
    for i, j in rng.sample(slots, max(1, round(fraction * len(slots)))):
        tokens[i][j] = rng.choice(fillers)
    return [" ".join(t) for t in tokens]


def truncate(paras: list[str], share: float) -> list[str]:
    """Keep the first ``share`` of the words."""
    budget = round(share * sum(len(p.split()) for p in paras))
    out = []
    for p in paras:
        if budget <= 0:
            break
        words = p.split()
        out.append(" ".join(words[:budget]))
        budget -= len(words)
    return out


SIGNOFF = "انتهای پیام/"
CHANNEL = (
    "برای عضویت در کانال تلگرام خبرگزاری کلیک کنید و از آخرین اخبار و تحلیل\u200cهای سیاسی، اقتصادی و "
    "ورزشی ایران و جهان مطلع شوید"
)

# Each variant is what a reprinting agency does to the text (kind -> paragraphs -> paragraphs).
VARIANTS = {
    "identical": lambda ps: list(ps),
    "zwnj_to_space": lambda ps: [p.replace(ZWNJ, " ") for p in ps],
    "zwnj_removed": lambda ps: [p.replace(ZWNJ, "") for p in ps],
    "arabic_letters": lambda ps: [p.replace("ی", "ي").replace("ک", "ك") for p in ps],
    "persian_letters": lambda ps: [p.replace("ي", "ی").replace("ك", "ک") for p in ps],
    "reordered": lambda ps: [ps[1], ps[0], *ps[2:]],
    "edit_3pct": lambda ps: edit_words(ps, 0.03),
    "edit_8pct": lambda ps: edit_words(ps, 0.08),
    "edit_15pct": lambda ps: edit_words(ps, 0.15),
    "boilerplate": lambda ps: [*ps, SIGNOFF, CHANNEL],
    "truncated_60pct": lambda ps: truncate(ps, 0.6),
}


@pytest.fixture(scope="session")
def variants() -> dict:
    """Return the reprint variants (kind -> function on paragraphs)."""
    return VARIANTS


@pytest.fixture(scope="session")
def boilerplate_lines() -> tuple[str, str]:
    """Return a sign-off and a channel-join line as agencies append them."""
    return SIGNOFF, CHANNEL
