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
    assert con.execute("SELECT count, text FROM boilerplate WHERE paragraph_key = $1", [first_para]).fetchone() == (
        1, batch[0][2][0].strip()[: bp.SAMPLE_CHARS]  # the display sample: the first paragraph with the key
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


def _text_table(con, batch):
    """A minimal `articles` table (the columns article_text reads) holding the batch's bodies."""
    con.execute("CREATE TABLE IF NOT EXISTS articles (article_id VARCHAR, agency VARCHAR, body VARCHAR)")
    con.executemany(
        "INSERT INTO articles VALUES (?, ?, ?)", [[aid, ag, "\n".join(p)] for ag, aid, p in batch]
    )
    bp.create_views(con)


def _footed(articles):
    """Real Fars and Varzesh3 articles with their agency's footer; every third Fars one also signs off glued
    to its last line (the real «انتهاي پيام/م*» of the fixture's own Fars copy)."""
    batch = _agency_articles(articles, "fars") + _agency_articles(articles, "varzesh3")
    out = []
    for i, (ag, aid, paras) in enumerate(batch):
        if ag == "fars" and i % 3 == 0:
            paras = [*paras[:-2], paras[-2] + " انتهاي پيام/م*", paras[-1]]
        out.append((ag, aid, paras))
    return out


def test_article_text_view_strips_what_python_strips(articles):
    con = duckdb.connect()
    batch = _footed(articles)
    bp.count_paragraphs(con, batch, run_id="r1")
    _text_table(con, batch)
    shown = dict(con.execute("SELECT article_id, body FROM article_text").fetchall())
    removed_any = 0
    for ag, aid, paras in batch:
        kept, removed = bp.strip_boilerplate(paras, bp.boilerplate_predicate(con, ag))
        assert shown[aid] == "\n".join(kept), aid
        removed_any += bool(removed)
    assert removed_any == len(batch)  # every article carried its agency's footer
    listed = set(con.execute("SELECT agency, text, count, why FROM boilerplate_current").fetchall())
    assert listed == {
        ("fars", CHANNEL, len(_agency_articles(articles, "fars")), "frequency"),
        ("varzesh3", RELATED, len(_agency_articles(articles, "varzesh3")), "frequency"),
        ("fars", "انتهاي\u200cپيام/م*", 1, "seed"),  # the fixture's own real sign-off, on its own line
    }


def test_article_text_is_the_same_in_halves_and_after_a_rerun(articles):
    batch = _footed(articles)
    one = duckdb.connect()
    bp.count_paragraphs(one, batch, run_id="r1")
    _text_table(one, batch)
    halves = duckdb.connect()
    mid = len(batch) // 2
    bp.count_paragraphs(halves, batch[:mid], run_id="h1")
    bp.count_paragraphs(halves, batch[mid:], run_id="h2")
    assert bp.count_paragraphs(halves, batch, run_id="h3") == 0  # rerun: nothing counted twice
    _text_table(halves, batch)
    query = "SELECT article_id, body, paragraphs_removed FROM article_text ORDER BY article_id"
    assert one.execute(query).fetchall() == halves.execute(query).fetchall()
    counts = "SELECT agency, paragraph_key, count, seed FROM boilerplate ORDER BY ALL"
    assert one.execute(counts).fetchall() == halves.execute(counts).fetchall()


def test_seed_signoff_is_stripped_before_frequency_speaks(articles):
    con = duckdb.connect()
    art = articles[4]
    batch = [("tasnim", "t1", [*art["paragraphs"], "انتهای پیام/"])]  # one article: no frequency yet
    bp.count_paragraphs(con, batch, run_id="r1")
    _text_table(con, batch)
    assert con.execute("SELECT body, paragraphs_removed FROM article_text").fetchone() == (
        "\n".join(art["paragraphs"]),
        1,
    )
    assert con.execute("SELECT text, count, why FROM boilerplate_current").fetchall() == [
        ("انتهای پیام/", 1, "seed")
    ]


def test_boilerplate_keys_are_the_keys_decide_accepts_at_the_share_boundary():
    """The share test done in SQL keeps exactly the keys ``decide`` accepts (counts around MIN_SHARE)."""
    con = duckdb.connect()
    bp.ensure_tables(con)
    total = 1000  # MIN_SHARE of it is 20 articles
    con.execute(
        "INSERT INTO boilerplate_articles SELECT 'fars', 'a' || i::VARCHAR, [] FROM range($1) t(i)", [total]
    )
    counts = {f"k{c}": c for c in (1, bp.MIN_COUNT - 1, bp.MIN_COUNT, 19, 20, 21, 500, 1000)}
    for key, count in counts.items():
        con.execute("INSERT INTO boilerplate VALUES ('fars', $1, 'x', $2, false, 'r', 'r')", [key, count])
    expected = {k: why for k, c in counts.items() for ok, why in [bp.decide(c, total)] if ok}
    assert set(expected) == {"k20", "k21", "k500", "k1000"}
    assert bp.boilerplate_keys(con, "fars") == expected
    assert bp.boilerplate_keys(con, "nobody") == {}
