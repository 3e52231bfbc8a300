"""Per-agency boilerplate: found by frequency over real articles, stripped deterministically."""

from __future__ import annotations

import duckdb
import pytest

from akhbar.dedup import boilerplate as bp
from akhbar.schema import duckdb_type

ZWNJ = "\u200c"
CHANNEL = "برای عضویت در کانال تلگرام خبرگزاری کلیک کنید"
RELATED = "اخبار مرتبط: نتایج کامل هفته بیستم لیگ برتر"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("انتهای پیام/", "انتهاي" + ZWNJ + "پيام/"),
        ("كد خبر: ۱۴۰۲۰۶۰۴۰۰۰۱۲۳", "کد خبر 99"),
        ("پایان پیام/", "پایان  پیام"),
        (CHANNEL, CHANNEL.replace("ی", "ي").replace("ک", "ك")),
    ],
)
def test_paragraph_key_ignores_spelling_and_digits(a, b):
    assert bp.paragraph_key(a) == bp.paragraph_key(b) != ""


def test_long_paragraph_keys_are_bounded_and_distinct(articles):
    paras = [p for a in articles for p in a["paragraphs"]]
    keys = bp.paragraph_keys(paras)
    assert all(len(k) <= bp.MAX_KEY_CHARS for k in keys)
    assert len(set(keys)) == len({bp.paragraph_key(p) for p in paras})
    assert len(set(keys)) > 0.9 * len(paras)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("انتهای پیام/", True),
        ("انتهاي\u200cپيام/م*", True),
        ("پایان پیام", True),
        ("کد خبر: ۱۴۰۲۰۶۰۴", True),
        ("اخبار مرتبط", True),
        ("تیم ملی در پایان پیام تبریک رئیس جمهور را دریافت کرد", False),
        ("کد خبر این گزارش در سامانه ثبت نشد و پیگیری ادامه دارد", False),
    ],
)
def test_seed_signoffs(text, expected):
    assert bp.seed_match(bp.paragraph_key(text)) is expected


def test_strip_keeps_order_and_in_article_repeats(articles):
    paras = articles[4]["paragraphs"]
    body = [paras[0], CHANNEL, paras[1], paras[0], *paras[2:], "انتهای پیام/"]
    channel_key = bp.paragraph_key(CHANNEL)
    kept, removed = bp.strip_boilerplate(body, lambda k: k == channel_key or bp.seed_match(k))
    assert kept == [paras[0], paras[1], paras[0], *paras[2:]]  # the repeat is not this module's business
    assert removed == [CHANNEL, "انتهای پیام/"]


def test_strip_cuts_a_signoff_glued_to_the_last_paragraph(articles):
    last = articles[0]["paragraphs"][-1]
    kept, removed = bp.strip_boilerplate(
        [*articles[0]["paragraphs"][:-1], last + " انتهای پیام/م"], lambda k: False
    )
    assert kept == articles[0]["paragraphs"]
    assert removed == ["انتهای پیام/م"]


def test_real_signoff_in_fixture_is_removed(articles):
    with_signoff = [a for a in articles if "پيام/م*" in a["paragraphs"][-1]]
    assert with_signoff, "fixture should hold a real Fars sign-off"
    kept, removed = bp.strip_boilerplate(with_signoff[0]["paragraphs"], bp.seed_match)
    assert removed == [with_signoff[0]["paragraphs"][-1]]
    assert kept == with_signoff[0]["paragraphs"][:-1]


@pytest.mark.parametrize(
    ("count", "total", "ok"), [(4, 4, False), (5, 10, True), (5, 1000, False), (40, 1000, True)]
)
def test_decide_needs_count_and_share(count, total, ok):
    assert bp.decide(count, total)[0] is ok


def _agency_articles(articles, agency):
    """Real articles of one agency with the agency's footer, as (agency, id, paragraphs)."""
    return [
        (agency, a["link"], [*a["paragraphs"], CHANNEL if agency == "fars" else RELATED])
        for a in articles
        if a["agency"] == agency
    ]


def test_frequency_finds_each_agency_footer_and_nothing_else(articles):
    con = duckdb.connect()
    batch = _agency_articles(articles, "fars") + _agency_articles(articles, "varzesh3")
    assert bp.count_paragraphs(con, batch, run_id="r1") == len(batch)
    fars = bp.boilerplate_keys(con, "fars")
    varzesh3 = bp.boilerplate_keys(con, "varzesh3")
    assert set(fars) == {bp.paragraph_key(CHANNEL)}
    assert set(varzesh3) == {bp.paragraph_key(RELATED)}
    # the other agency's footer is not boilerplate here: counts are per agency
    is_bp = bp.boilerplate_predicate(con, "varzesh3", seeds=False)
    kept, removed = bp.strip_boilerplate(batch[0][2], is_bp)
    assert removed == [] and kept == batch[0][2]
    is_bp = bp.boilerplate_predicate(con, "fars", seeds=False)
    for _, _, paras in batch:
        if _ == "fars":
            kept, removed = bp.strip_boilerplate(paras, is_bp)
            assert removed == [CHANNEL] and kept == paras[:-1]


def test_counting_is_idempotent_and_counts_once_per_article(articles):
    con = duckdb.connect()
    batch = _agency_articles(articles, "fars")
    doubled = [(ag, aid, [*paras, paras[0]]) for ag, aid, paras in batch]  # in-article repeat
    bp.count_paragraphs(con, doubled, run_id="r1")
    assert bp.count_paragraphs(con, doubled, run_id="r2") == 0
    count, first, last = con.execute(
        "SELECT count, first_run, last_run FROM boilerplate WHERE paragraph_key = $1",
        [bp.paragraph_key(CHANNEL)],
    ).fetchone()
    assert (count, first, last) == (len(batch), "r1", "r1")
    first_para = bp.paragraph_key(batch[0][2][0])
    assert (
        con.execute("SELECT count FROM boilerplate WHERE paragraph_key = $1", [first_para]).fetchone()[0] == 1
    )
    assert bp.agency_article_count(con, "fars") == len(batch)


def test_counts_accumulate_across_runs(articles):
    con = duckdb.connect()
    batch = _agency_articles(articles, "fars")
    bp.count_paragraphs(con, batch[:3], run_id="r1")
    assert bp.boilerplate_keys(con, "fars") == {}  # 3 articles: below MIN_COUNT
    bp.count_paragraphs(con, batch[3:], run_id="r2")
    assert bp.paragraph_key(CHANNEL) in bp.boilerplate_keys(con, "fars")
    assert con.execute(
        "SELECT first_run, last_run FROM boilerplate WHERE paragraph_key = $1", [bp.paragraph_key(CHANNEL)]
    ).fetchone() == ("r1", "r2")


@pytest.mark.parametrize("schema", bp.SCHEMAS, ids=lambda s: s.metadata[b"table"].decode())
def test_tables_match_their_declared_schema(schema):
    con = duckdb.connect()
    bp.ensure_tables(con)
    name = schema.metadata[b"table"].decode()
    described = [(r[0], r[1], r[2]) for r in con.execute(f'DESCRIBE "{name}"').fetchall()]
    assert described == [(f.name, duckdb_type(f.type), "YES" if f.nullable else "NO") for f in schema]
