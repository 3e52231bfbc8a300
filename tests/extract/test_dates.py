"""Publish-date parsing: every listed format, impossible dates, priority, calendars, DuckDB macros."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import jdatetime
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from akhbar.extract.dates import (
    JALALI_MACROS_SQL,
    TEHRAN,
    date_from_fars_id,
    date_from_text,
    date_from_url,
    gregorian_to_jalali,
    jalali_to_gregorian,
    parse_date,
    resolve_published,
)

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
FETCHED = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)

# (raw string, expected UTC instant as ISO, expected Tehran-local Jalali day)
FORMATS = [
    # Jalali numeric, Persian digits, date only: stored at 12:00 Tehran (+03:30 in 1402 summer, no DST)
    ("۱۴۰۲/۰۵/۱۲", "2023-08-03T08:30:00+00:00", "1402-05-12"),
    ("1402/05/12", "2023-08-03T08:30:00+00:00", "1402-05-12"),
    ("١٤٠٢/٠٥/١٢", "2023-08-03T08:30:00+00:00", "1402-05-12"),  # Arabic-Indic digits
    ("۱۴۰۲-۰۵-۱۲ ۱۴:۰۵", "2023-08-03T10:35:00+00:00", "1402-05-12"),
    ("1402-05-12 14:05", "2023-08-03T10:35:00+00:00", "1402-05-12"),
    # month names
    ("12 مرداد 1402", "2023-08-03T08:30:00+00:00", "1402-05-12"),
    ("۱۲ مرداد ۱۴۰۲", "2023-08-03T08:30:00+00:00", "1402-05-12"),
    ("۱۲ مردادماه ۱۴۰۲", "2023-08-03T08:30:00+00:00", "1402-05-12"),
    ("یکشنبه ۸ آذر ۱۴۰۵ - ۱۲:۳۰", "2026-11-29T09:00:00+00:00", "1405-09-08"),
    ("پنجشنبه ۳۰ مرداد ۱۴۰۴ - ۱۵:۰۱", "2025-08-21T11:31:00+00:00", "1404-05-30"),
    ("۱۴ شهریور ۱۴۰۴ - ۱۲:۵۶", "2025-09-05T09:26:00+00:00", "1404-06-14"),
    ("۱ فروردین ۱۴۰۳", "2024-03-20T08:30:00+00:00", "1403-01-01"),
    ("۳۰ اسفند ۱۴۰۳", "2025-03-20T08:30:00+00:00", "1403-12-30"),  # 1403 is a leap year
    ("14 شهريور 1404", "2025-09-05T08:30:00+00:00", "1404-06-14"),  # Arabic yeh
    # per-agency formats of the shared samples
    ("۱۴۰۴/۰۶/۱۴ - ۱۳:۳۰:۲۴", "2025-09-05T10:00:24+00:00", "1404-06-14"),  # Borna
    (
        "۱۲:۱۱\n                                        ۱۴۰۲-۶-۴",
        "2023-08-26T08:41:00+00:00",
        "1402-06-04",
    ),  # Fars
    # Gregorian with Persian month names
    ("۳ اوت ۲۰۲۳", "2023-08-03T08:30:00+00:00", "1402-05-12"),
    # ISO 8601
    ("2023-08-03T10:00:00Z", "2023-08-03T10:00:00+00:00", "1402-05-12"),
    ("2023-08-03T14:30:00+03:30", "2023-08-03T11:00:00+00:00", "1402-05-12"),
    ("2026-10-20T12:24:39", "2026-10-20T08:54:39+00:00", "1405-07-28"),  # no zone = Tehran local
    ("۲۰۲۶-۱۰-۲۰T۱۲:۲۴:۳۹", "2026-10-20T08:54:39+00:00", "1405-07-28"),
    ("2021-07-01T12:00:00", "2021-07-01T07:30:00+00:00", "1400-04-10"),  # summer 2021: DST, +04:30
    # RFC 822
    ("Mon, 19 Oct 2026 19:30:10 GMT", "2026-10-19T19:30:10+00:00", "1405-07-27"),
    ("Mon, 19 Oct 2026 21:30:10 GMT", "2026-10-19T21:30:10+00:00", "1405-07-28"),  # next day in Tehran
    ("Mon, 19 Oct 2026 18:30:00 +0000", "2026-10-19T18:30:00+00:00", "1405-07-27"),
    ("20 Oct 2026 15:55:42 +0330", "2026-10-20T12:25:42+00:00", "1405-07-28"),  # no weekday
    ("October 20, 2026", "2026-10-20T08:30:00+00:00", "1405-07-28"),
]


@pytest.mark.parametrize(("raw", "utc", "jalali"), FORMATS)
def test_formats(raw: str, utc: str, jalali: str) -> None:
    result, reason = parse_date(raw)
    assert reason is None
    assert result is not None
    assert result.published_at.isoformat() == utc
    assert result.jalali == jalali
    assert result.published_at.tzinfo is not None
    assert result.source == "field"


RELATIVE = [
    ("۳ ساعت پیش", timedelta(hours=3)),
    ("3 ساعت قبل", timedelta(hours=3)),
    ("۱۵ دقیقه پیش", timedelta(minutes=15)),
    ("۲ روز پیش", timedelta(days=2)),
    ("یک هفته پیش", timedelta(weeks=1)),
    ("دیروز", timedelta(days=1)),
    ("لحظاتی پیش", timedelta(0)),
]


@pytest.mark.parametrize(("raw", "delta"), RELATIVE)
def test_relative_against_fetch_time(raw: str, delta: timedelta) -> None:
    result, reason = parse_date(raw, fetched_at=FETCHED)
    assert reason is None and result is not None
    assert result.published_at == FETCHED - delta
    assert result.source == "relative"
    assert result.confidence < 0.99


def test_relative_needs_fetch_time() -> None:
    assert parse_date("۳ ساعت پیش") == (None, None)


BAD = [
    ("۱۴۰۲/۱۳/۰۱", "bad_date: month 13"),
    ("1402-13-01", "bad_date: month 13"),
    ("1402/05/32", "bad_date: day 32 of month 5"),
    ("۳۱ مهر ۱۴۰۲", "bad_date: day 31 of month 7"),
    ("۳۰ اسفند ۱۴۰۲", "bad_date: day 30 of month 12"),  # 1402 is not leap
    ("2900-01-01", "bad_date: year 2900"),
    ("2023-02-30", "bad_date: day 30 of month 2"),
    ("12 مرداد 2023", "bad_date: year 2023 with Jalali month مرداد"),
    ("3 اوت 1402", "bad_date: Jalali year 1402 with Gregorian month اوت"),
    ("1402/05/12 25:10", "bad_date: time 25:10"),
]


@pytest.mark.parametrize(("raw", "reason"), BAD)
def test_impossible_dates_rejected_with_reason(raw: str, reason: str) -> None:
    assert parse_date(raw) == (None, reason)


@pytest.mark.parametrize("raw", ["", "   ", "بدون تاریخ", "ساعت ۱۲:۳۰"])
def test_no_date(raw: str) -> None:
    assert parse_date(raw) == (None, None)


@pytest.mark.parametrize(
    ("raw", "year"),
    [
        ("۱۴۰۳/۰۱/۰۱", 1403),
        ("1403-01-01 10:00", 1403),
        ("۱ فروردین ۱۴۰۳", 1403),
        ("1399/12/30", 1399),
        ("1300/01/01", 1300),
        ("1478/06/31", 1478),
    ],
)
def test_jalali_year_never_stored_as_gregorian(raw: str, year: int) -> None:
    result, _ = parse_date(raw)
    assert result is not None
    assert result.published_at.year == year + 621 or result.published_at.year == year + 622
    assert result.jalali.startswith(str(year))


def test_tehran_offsets_from_tz_database() -> None:
    # Iran observed DST (+04:30) until September 2022 and abolished it from 1402 (2023).
    assert datetime(2021, 7, 1, tzinfo=TEHRAN).utcoffset() == timedelta(hours=4, minutes=30)
    assert datetime(2022, 7, 1, tzinfo=TEHRAN).utcoffset() == timedelta(hours=4, minutes=30)
    assert datetime(2023, 7, 1, tzinfo=TEHRAN).utcoffset() == timedelta(hours=3, minutes=30)
    assert datetime(2025, 1, 1, tzinfo=TEHRAN).utcoffset() == timedelta(hours=3, minutes=30)


def test_url_dates() -> None:
    tasnim = "https://www.tasnimnews.com/fa/news/1404/06/14/3392524/اعتراض"
    result, reason = date_from_url(tasnim)
    assert reason is None and result is not None
    assert (result.jalali, result.source) == ("1404-06-14", "url")
    assert date_from_url("https://example.com/2023/08/03/story")[0].jalali == "1402-05-12"
    assert date_from_url("https://www.khabaronline.ir/news/2105700/x") == (None, None)
    assert date_from_url("https://x.ir/fa/news/1404/13/01/1")[1] == "bad_date: url month 13"


@pytest.mark.parametrize(
    ("url", "jalali"),
    [
        ("https://www.farsnews.ir/news/8707060255", "1387-07-06"),
        ("https://www.farsnews.ir/news/13911222000865/تشدید-مجازات", "1391-12-22"),
        ("https://www.farsnews.ir/news/14000302000407/x", "1400-03-02"),
    ],
)
def test_fars_ids(url: str, jalali: str) -> None:
    result = date_from_fars_id(url)
    assert result is not None
    assert (result.jalali, result.source) == (jalali, "fars_id")
    assert result.confidence < 0.9


def test_fars_id_not_a_date() -> None:
    assert date_from_fars_id("https://www.farsnews.ir/news/8713450255") is None  # month 13
    assert date_from_fars_id("https://www.varzesh3.com/news/1392980") is None


def test_text_dateline() -> None:
    text = "تهران - ۱۲ مرداد ۱۴۰۲ - به گزارش خبرنگار ما، جلسه روز ۲۰ شهریور ۱۴۰۲ برگزار می‌شود."
    result = date_from_text(text)
    assert result is not None
    assert (result.jalali, result.source) == ("1402-05-12", "text")


def test_priority_field_over_url_over_text() -> None:
    url = "https://www.tasnimnews.com/fa/news/1404/06/14/3392524/x"
    chosen, reasons = resolve_published("۱۴ شهریور ۱۴۰۴ - ۱۲:۵۶", url, "۱ مهر ۱۴۰۴", FETCHED)
    assert chosen is not None and (chosen.source, chosen.jalali) == ("field", "1404-06-14")
    assert reasons == []
    chosen, reasons = resolve_published(None, url, "۱ مهر ۱۴۰۴", FETCHED)
    assert chosen is not None and chosen.source == "url"
    chosen, reasons = resolve_published(None, None, "۱ مهر ۱۴۰۴ - خبر", FETCHED)
    assert chosen is not None and (chosen.source, chosen.jalali) == ("text", "1404-07-01")


def test_conflicts_and_bad_field_reported() -> None:
    url = "https://www.tasnimnews.com/fa/news/1404/06/10/3392524/x"
    chosen, reasons = resolve_published("۱۴ شهریور ۱۴۰۴ - ۱۲:۵۶", url, None, None)
    assert chosen is not None and chosen.source == "field"
    assert reasons == ["conflict: field 1404-06-14 vs url 1404-06-10"]
    chosen, reasons = resolve_published("۱۴۰۴/۱۳/۱۴", url, None, None)
    assert chosen is not None and chosen.source == "url"
    assert reasons == ["bad_date: month 13"]


def test_future_dates_rejected() -> None:
    chosen, reasons = resolve_published("1406/01/01", None, None, FETCHED)
    assert chosen is None
    assert reasons == ["bad_date: field 1406-01-01 after fetch time"]


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=date(1921, 3, 21), max_value=date(2099, 12, 31)))
def test_roundtrip_gregorian_jalali(day: date) -> None:
    jalali = gregorian_to_jalali(day)
    y, m, d = (int(p) for p in jalali.split("-"))
    assert jalali_to_gregorian(y, m, d) == day
    assert jdatetime.date(y, m, d).togregorian() == day


@settings(max_examples=300, deadline=None)
@given(st.integers(1300, 1478), st.integers(1, 12), st.integers(1, 31))
def test_roundtrip_jalali_strings(y: int, m: int, d: int) -> None:
    raw = f"{y}/{m:02d}/{d:02d}"
    result, reason = parse_date(raw)
    valid = d <= (31 if m <= 6 else 30 if m <= 11 else (30 if jdatetime.date(y, 1, 1).isleap() else 29))
    if valid:
        assert reason is None and result is not None
        assert result.jalali == f"{y:04d}-{m:02d}-{d:02d}"
        assert gregorian_to_jalali(result.published_at.astimezone(TEHRAN).date()) == result.jalali
    else:
        assert result is None and reason is not None and reason.startswith("bad_date: day")


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(JALALI_MACROS_SQL)
    return con


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)))
def test_duckdb_macros_match_jdatetime(con: duckdb.DuckDBPyConnection, day: date) -> None:
    jalali = gregorian_to_jalali(day)
    y, m, d = (int(p) for p in jalali.split("-"))
    got = con.execute("SELECT to_jalali(?::DATE), jalali_to_date(?, ?, ?)", [day, y, m, d]).fetchone()
    assert got == (jalali, day)


def test_duckdb_tehran_day(con: duckdb.DuckDBPyConnection) -> None:
    got = con.execute(
        "SELECT tehran_jalali(TIMESTAMPTZ '2026-10-19 21:00:00+00'), tehran_jalali(TIMESTAMPTZ '2026-10-19 20:00:00+00')"
    ).fetchone()
    assert got == ("1405-07-28", "1405-07-27")


def _shared_rows(name: str) -> list[dict[str, str]]:
    folder = SHARED / name
    if not folder.is_dir():
        pytest.skip(f"shared data folder {folder} not present")
    rows: list[dict[str, str]] = []
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            rows.extend(csv.DictReader(fh))
    return rows


@pytest.mark.shared
@pytest.mark.parametrize("folder", ["farsnews-1402-sample", "headlinegen-4agency-sample"])
def test_shared_samples_all_dated_and_jalali(folder: str) -> None:
    rows = [r for r in _shared_rows(folder) if r.get("date", "").strip()]
    assert rows
    for row in rows:
        result, reason = resolve_published(row["date"], row.get("url"), None, None)
        assert reason == [] and result is not None, row["date"]
        assert result.jalali.startswith(("1402", "1404"))
        assert result.published_at.year in (2023, 2025)
