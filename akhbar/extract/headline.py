"""Title and lead when the input lacks them: lead = first paragraph; a title only from a clear headline."""

from __future__ import annotations

import re

# A headline is short and is not a sentence of the story: these bound "short".
HEADLINE_MAX_CHARS = 150
HEADLINE_MIN_WORDS = 3
# Sentence-final or clause punctuation at the end of a line means body text, not a headline.
_ENDS_LIKE_SENTENCE = re.compile(r"[.!؟?:،,؛;…]\s*$")
_DATELINE = re.compile(r"^\s*(?:به ?\u200c?گزارش|به نقل از|خبرگزار)")


def looks_like_headline(line: str, next_line: str | None) -> bool:
    """Tell whether a first line is a headline: short, no end punctuation, a longer paragraph follows.

    >>> looks_like_headline("افزایش ۲۰ درصدی صادرات غیرنفتی", "به گزارش ایرنا، صادرات غیرنفتی ...")
    True
    >>> looks_like_headline("به گزارش مشرق به نقل از اداره کل تبلیغات دفاعی وزارت دفاع، ...", "...")
    False
    """
    text = line.strip()
    if not text or next_line is None or not next_line.strip():
        return False
    if len(text) > HEADLINE_MAX_CHARS or len(text.split()) < HEADLINE_MIN_WORDS:
        return False
    if _ENDS_LIKE_SENTENCE.search(text) or _DATELINE.match(text):
        return False
    return len(next_line.strip()) > len(text)


def title_and_lead(
    paragraphs: list[str], title: str | None, lead: str | None
) -> tuple[str | None, str | None]:
    """Fill a missing title/lead: the lead is the first body paragraph; a title only from a clear headline.

    >>> title_and_lead(["افزایش صادرات غیرنفتی ایران", "به گزارش ایرنا، صادرات افزایش یافت."], None, None)
    ('افزایش صادرات غیرنفتی ایران', 'به گزارش ایرنا، صادرات افزایش یافت.')
    >>> title_and_lead(["به گزارش مشرق، وزیران دیدار کردند.", "دوم"], None, None)
    (None, 'به گزارش مشرق، وزیران دیدار کردند.')
    """
    title = title.strip() if title and title.strip() else None
    lead = lead.strip() if lead and lead.strip() else None
    paras = [p.strip() for p in paragraphs if p and p.strip()]
    start = 0
    if title is None and paras and looks_like_headline(paras[0], paras[1] if len(paras) > 1 else None):
        title, start = paras[0], 1
    elif title is not None and paras and paras[0] == title:
        start = 1  # the body repeats the title as its first line
    if lead is None and len(paras) > start:
        lead = paras[start]
    return title, lead
