"""Publish dates: Jalali and Gregorian, from input fields, URLs, agency ids and text.

Conventions, stated once:
- ``published_at`` is a tz-aware UTC ``datetime``; ``jalali`` is the *Tehran-local* calendar day
  ('YYYY-MM-DD'), so an item published at 22:00 UTC is dated the next Jalali day.
- A date without a time is stored at 12:00 Tehran time (the UTC instant then falls on the same day in
  both calendars) with a lower confidence; a time without an offset is Tehran local time.
- Tehran's offset comes from ``zoneinfo('Asia/Tehran')``: +03:30, and +04:30 in summer up to and
  including 2022 (DST was abolished from 1402/2023; checked in the tests against the tz database).
- A year 1200-1499 is always Jalali, never Gregorian; a year 1900-2099 is Gregorian; anything else is
  an impossible date (``bad_date: year 2900``).

Priority when sources disagree (``resolve_published``): the input's own date field, then a date in the
URL path, then an agency id that encodes the date (Fars), then a date found in the text. Lower-priority
dates that disagree with the chosen one by more than a day are reported as ``conflict: ...``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import jdatetime

from akhbar.text.chars import fold_letters, to_ascii_digits

TEHRAN = ZoneInfo("Asia/Tehran")

# Confidence by source: an explicit field with a time is as good as it gets; a date-only field loses the
# time of day; URL dates are written by the CMS; ids and text are inferred.
CONF_FIELD = 0.99
CONF_FIELD_DATE_ONLY = 0.9
CONF_URL = 0.85
CONF_FARS_ID = 0.6
CONF_TEXT = 0.4
CONF_RELATIVE = 0.7

JALALI_YEARS = range(1200, 1500)
GREGORIAN_YEARS = range(1900, 2100)

JALALI_MONTHS = {
    "فروردین": 1,
    "اردیبهشت": 2,
    "خرداد": 3,
    "تیر": 4,
    "مرداد": 5,
    "امرداد": 5,
    "شهریور": 6,
    "مهر": 7,
    "آبان": 8,
    "آذر": 9,
    "دی": 10,
    "بهمن": 11,
    "اسفند": 12,
}
# Persian spellings of Gregorian months (as Iranian agencies write them) and English names.
GREGORIAN_MONTHS = {
    "ژانویه": 1,
    "ژانویهٔ": 1,
    "فوریه": 2,
    "مارس": 3,
    "آوریل": 4,
    "آپریل": 4,
    "مه": 5,
    "می": 5,
    "ژوئن": 6,
    "جون": 6,
    "ژوئیه": 7,
    "ژوییه": 7,
    "جولای": 7,
    "اوت": 8,
    "آگوست": 8,
    "سپتامبر": 9,
    "اکتبر": 10,
    "نوامبر": 11,
    "دسامبر": 12,
}
ENGLISH_MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
WEEKDAYS = ("شنبه", "یکشنبه", "دوشنبه", "سه شنبه", "چهارشنبه", "پنجشنبه", "جمعه")
# RFC 822 zone names that feeds use; anything else with letters is treated as UTC only if listed.
RFC822_ZONES = {
    "GMT": 0,
    "UT": 0,
    "UTC": 0,
    "Z": 0,
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
    "IRST": 3.5,
    "IRDT": 4.5,
}


@dataclass(slots=True, frozen=True)
class DateResult:
    """A resolved publish date."""

    published_at: datetime  # tz-aware, UTC
    jalali: str  # Tehran-local Jalali day, 'YYYY-MM-DD'
    source: str  # field | url | fars_id | text | relative
    confidence: float


class BadDate(ValueError):
    """A string that looks like a date but cannot be one (month 13, day 32, year 2900)."""


def _prepare(text: str) -> str:
    """Fold digits to ASCII, Arabic letters to Persian, ZWNJ/nbsp/newlines to spaces."""
    text = to_ascii_digits(fold_letters(text))
    text = text.replace("\u200c", " ").replace("\u00a0", " ").replace("\u200f", "").replace("\u200e", "")
    return re.sub(r"\s+", " ", text).strip()


def jalali_to_gregorian(jy: int, jm: int, jd: int) -> date:
    """Convert a Jalali day to a Gregorian date, raising BadDate with a reason when impossible.

    >>> jalali_to_gregorian(1402, 5, 12)
    datetime.date(2023, 8, 3)
    """
    if jy not in JALALI_YEARS:
        raise BadDate(f"year {jy}")
    if not 1 <= jm <= 12:
        raise BadDate(f"month {jm}")
    limit = 31 if jm <= 6 else 30 if jm <= 11 else (30 if jdatetime.date(jy, 1, 1).isleap() else 29)
    if not 1 <= jd <= limit:
        raise BadDate(f"day {jd} of month {jm}")
    return jdatetime.date(jy, jm, jd).togregorian()


def gregorian_to_jalali(day: date) -> str:
    """Format a Gregorian date as its Jalali day 'YYYY-MM-DD'.

    >>> gregorian_to_jalali(date(2023, 8, 3))
    '1402-05-12'
    """
    j = jdatetime.date.fromgregorian(date=day)
    return f"{j.year:04d}-{j.month:02d}-{j.day:02d}"


def _gregorian(gy: int, gm: int, gd: int) -> date:
    if gy not in GREGORIAN_YEARS:
        raise BadDate(f"year {gy}")
    if not 1 <= gm <= 12:
        raise BadDate(f"month {gm}")
    try:
        return date(gy, gm, gd)
    except ValueError:
        raise BadDate(f"day {gd} of month {gm}") from None


def _day(year: int, month: int, day: int) -> tuple[date, bool]:
    """Return (Gregorian date, was_jalali) choosing the calendar by the year."""
    if year in JALALI_YEARS:
        return jalali_to_gregorian(year, month, day), True
    if year in GREGORIAN_YEARS:
        return _gregorian(year, month, day), False
    raise BadDate(f"year {year}")


def _clock(hour: int | None, minute: int | None, second: int | None) -> time | None:
    if hour is None:
        return None
    minute = minute or 0
    second = second or 0
    if not (0 <= hour <= 24 and 0 <= minute <= 59 and 0 <= second <= 60) or (hour == 24 and minute + second):
        raise BadDate(f"time {hour:02d}:{minute:02d}")
    return time(min(hour, 23), minute, min(second, 59))


def _instant(day: date, clock: time | None, offset: timedelta | None) -> datetime:
    """Combine a day, an optional clock time and an optional UTC offset into a UTC datetime."""
    local = datetime.combine(day, clock or time(12, 0))
    tz = TEHRAN if offset is None else timezone(offset)
    return local.replace(tzinfo=tz).astimezone(UTC)


def tehran_jalali(instant: datetime) -> str:
    """Return the Tehran-local Jalali day of an instant.

    >>> tehran_jalali(datetime(2026, 10, 19, 21, 0, tzinfo=UTC))
    '1405-07-28'
    """
    return gregorian_to_jalali(instant.astimezone(TEHRAN).date())


def _result(day: date, clock: time | None, offset: timedelta | None, source: str, conf: float) -> DateResult:
    at = _instant(day, clock, offset)
    return DateResult(
        at, tehran_jalali(at), source, conf if clock is not None else min(conf, CONF_FIELD_DATE_ONLY)
    )


def _offset(sign: str, hh: str, mm: str | None) -> timedelta:
    delta = timedelta(hours=int(hh), minutes=int(mm or 0))
    return -delta if sign == "-" else delta


def _int(value: str | None) -> int | None:
    return None if value is None else int(value)


_TIME = r"(?P<H>\d{1,2}):(?P<M>\d{1,2})(?::(?P<S>\d{1,2}))?(?:\.\d+)?"
_TZ = r"(?P<tz>Z|UTC|GMT|(?P<sign>[+-])(?P<th>\d{2}):?(?P<tm>\d{2})?)"
_ISO = re.compile(
    r"(?<!\d)(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?!\d)"
    r"(?:(?:T|\s*-?\s*|\s+)" + _TIME + r")?\s*" + _TZ + r"?"
)
# Day-first numeric with a 4-digit year: 12/05/1402.
_DMY = re.compile(r"(?<!\d)(?P<d>\d{1,2})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4})(?!\d)")
# Time written before the date (Fars: "12:11 1402-6-4").
_TIME_FIRST = re.compile(r"^(?:ساعت\s*)?" + _TIME + r"\s*[-,،|]?\s*(?=\d{4}[-/.]\d)")
_MONTH_NAMES = "|".join(sorted({*JALALI_MONTHS, *GREGORIAN_MONTHS}, key=len, reverse=True))
_NAMED = re.compile(
    r"(?<![\w])(?P<d>\d{1,2})\s*(?:ام|م)?\s+(?P<mon>" + _MONTH_NAMES + r")(?:\s*ماه)?\s*,?\s+(?:سال\s+)?"
    r"(?P<y>\d{4})(?!\d)(?:\s*(?:[-,،|]|ساعت)?\s*(?:ساعت\s*)?" + _TIME + r")?"
)
_ENGLISH = re.compile(
    r"(?:(?P<wd>[A-Za-z]{3,9}),?\s+)?(?P<d>\d{1,2})\s+(?P<mon>[A-Za-z]{3,9})\.?\s+(?P<y>\d{4})"
    r"(?:\s+" + _TIME + r")?(?:\s*(?P<tz>[A-Za-z]{1,4}|(?P<sign>[+-])(?P<th>\d{2}):?(?P<tm>\d{2})))?",
)
_ENGLISH_MDY = re.compile(
    r"(?P<mon>[A-Za-z]{3,9})\.?\s+(?P<d>\d{1,2}),?\s+(?P<y>\d{4})(?:,?\s+(?:at\s+)?" + _TIME + r")?"
)
_RELATIVE = re.compile(
    r"(?P<n>\d+|یک|دو|سه|چهار|پنج|شش|هفت|هشت|نه|ده|چند)\s*(?P<unit>ثانیه|دقیقه|ساعت|روز|هفته|ماه|سال)\s*"
    r"(?:پیش|قبل)"
)
_RELATIVE_WORDS = {
    "لحظاتی پیش": timedelta(0),
    "دقایقی پیش": timedelta(minutes=5),
    "امروز": timedelta(0),
    "دیروز": timedelta(days=1),
    "پریروز": timedelta(days=2),
}
_NUMBER_WORDS = {
    "یک": 1,
    "دو": 2,
    "سه": 3,
    "چهار": 4,
    "پنج": 5,
    "شش": 6,
    "هفت": 7,
    "هشت": 8,
    "نه": 9,
    "ده": 10,
    "چند": 2,
}
_UNITS = {
    "ثانیه": timedelta(seconds=1),
    "دقیقه": timedelta(minutes=1),
    "ساعت": timedelta(hours=1),
    "روز": timedelta(days=1),
    "هفته": timedelta(weeks=1),
    "ماه": timedelta(days=30),
    "سال": timedelta(days=365),
}


def _from_iso(m: re.Match[str], source: str, conf: float, clock_hint: time | None = None) -> DateResult:
    day, _ = _day(int(m["y"]), int(m["m"]), int(m["d"]))
    clock = _clock(_int(m["H"]), _int(m["M"]), _int(m["S"])) or clock_hint
    offset = None
    if m["tz"]:
        offset = timedelta(0) if m["sign"] is None else _offset(m["sign"], m["th"], m["tm"])
    return _result(day, clock, offset, source, conf)


def _from_named(m: re.Match[str], source: str, conf: float) -> DateResult:
    mon, year = m["mon"], int(m["y"])
    if mon in JALALI_MONTHS and mon not in GREGORIAN_MONTHS:
        if year not in JALALI_YEARS:
            raise BadDate(f"year {year} with Jalali month {mon}")
        day = jalali_to_gregorian(year, JALALI_MONTHS[mon], int(m["d"]))
    elif mon in GREGORIAN_MONTHS and mon not in JALALI_MONTHS:
        if year in JALALI_YEARS:
            raise BadDate(f"Jalali year {year} with Gregorian month {mon}")
        day = _gregorian(year, GREGORIAN_MONTHS[mon], int(m["d"]))
    else:  # "مهر" / "می" style collisions are settled by the year
        day, _ = _day(year, JALALI_MONTHS.get(mon) or GREGORIAN_MONTHS[mon], int(m["d"]))
    clock = _clock(_int(m["H"]), _int(m["M"]), _int(m["S"]))
    return _result(day, clock, None, source, conf)


def _from_english(m: re.Match[str], source: str, conf: float) -> DateResult | None:
    month = ENGLISH_MONTHS.get(m["mon"].lower())
    if month is None:
        return None
    day = _gregorian(int(m["y"]), month, int(m["d"]))
    clock = _clock(_int(m["H"]), _int(m["M"]), _int(m["S"]))
    offset: timedelta | None = None
    tz = m.groupdict().get("tz")
    if tz:
        if m["sign"]:
            offset = _offset(m["sign"], m["th"], m["tm"])
        elif tz.upper() in RFC822_ZONES:
            offset = timedelta(hours=RFC822_ZONES[tz.upper()])
        elif clock is not None:
            # RFC 822 says an unknown zone is UTC ("-0000" semantics); feeds in the wild agree.
            offset = timedelta(0)
    elif clock is not None and source == "field" and m.re is _ENGLISH and m["wd"]:
        offset = timedelta(0)  # an RFC 822 date with a weekday but no zone is UTC by the RFC
    return _result(day, clock, offset, source, conf)


def _parse_absolute(text: str, source: str, conf: float) -> DateResult | None:
    """Parse the first absolute date in prepared text; raise BadDate when it is impossible."""
    clock_hint = None
    tf = _TIME_FIRST.match(text)
    if tf:
        clock_hint = _clock(_int(tf["H"]), _int(tf["M"]), _int(tf["S"]))
        text = text[tf.end() :]
    candidates: list[tuple[int, str, re.Match[str]]] = []
    for kind, pattern in (
        ("iso", _ISO),
        ("named", _NAMED),
        ("english", _ENGLISH),
        ("mdy", _ENGLISH_MDY),
        ("dmy", _DMY),
    ):
        m = pattern.search(text)
        if m:
            candidates.append((m.start(), kind, m))
    if not candidates:
        return None
    candidates.sort(key=lambda c: c[0])
    first_error: BadDate | None = None
    for _, kind, m in candidates:
        try:
            if kind == "iso":
                return _from_iso(m, source, conf, clock_hint)
            if kind == "named":
                return _from_named(m, source, conf)
            if kind in ("english", "mdy"):
                result = _from_english(m, source, conf)
                if result is not None:
                    return result
                continue
            day, _ = _day(int(m["y"]), int(m["m"]), int(m["d"]))
            return _result(day, clock_hint, None, source, conf)
        except BadDate as err:
            first_error = first_error or err
    if first_error is not None:
        raise first_error
    return None


def _parse_relative(text: str, fetched_at: datetime) -> DateResult | None:
    m = _RELATIVE.search(text)
    if m:
        n = _NUMBER_WORDS.get(m["n"]) or int(m["n"])
        at = fetched_at.astimezone(UTC) - n * _UNITS[m["unit"]]
        return DateResult(at, tehran_jalali(at), "relative", CONF_RELATIVE if m["unit"] != "سال" else 0.3)
    for word, delta in _RELATIVE_WORDS.items():
        if text.startswith(word):
            at = fetched_at.astimezone(UTC) - delta
            return DateResult(at, tehran_jalali(at), "relative", CONF_RELATIVE if delta.days == 0 else 0.5)
    return None


def parse_date(text: str, *, fetched_at: datetime | None = None) -> tuple[DateResult | None, str | None]:
    """Parse one date string (a field value); return (result, None) or (None, 'bad_date: ...' | None).

    >>> parse_date("۱۴۰۲/۰۵/۱۲ - ۱۴:۰۵")[0].jalali
    '1402-05-12'
    >>> parse_date("12 مرداد 1402")[0].published_at.isoformat()
    '2023-08-03T08:30:00+00:00'
    >>> parse_date("۱۴۰۲/۱۳/۰۱")
    (None, 'bad_date: month 13')
    """
    if not text or not text.strip():
        return None, None
    prepared = _prepare(text)
    try:
        result = _parse_absolute(prepared, "field", CONF_FIELD)
    except BadDate as err:
        return None, f"bad_date: {err}"
    if result is None and fetched_at is not None:
        result = _parse_relative(prepared, fetched_at)
    return result, None


# URL dates: Tasnim-style /fa/news/1404/06/14/3392524/, or /2023/08/03/ paths; Jalali compact 14040614.
_URL_DATE = re.compile(r"/(?P<y>1[34]\d\d|20\d\d|19\d\d)[/-](?P<m>\d{1,2})[/-](?P<d>\d{1,2})(?=/|$|[-_])")
_FARS_URL = re.compile(
    r"farsnews\.(?:ir|com)/(?:[a-z]{2}/)?(?:news|printable\.php\?nn=)/?(?P<id>\d{14}|\d{10})(?!\d)"
)


def date_from_url(url: str) -> tuple[DateResult | None, str | None]:
    """Find a date written in a URL path (Jalali or Gregorian); return (result, bad_date reason)."""
    m = _URL_DATE.search(to_ascii_digits(url))
    if not m:
        return None, None
    try:
        day, _ = _day(int(m["y"]), int(m["m"]), int(m["d"]))
    except BadDate as err:
        return None, f"bad_date: url {err}"
    return _result(day, None, None, "url", CONF_URL), None


def date_from_fars_id(url: str) -> DateResult | None:
    """Infer the day from a Fars News id: 10 digits YYMMDDNNNN (13YY) or 14 digits YYYYMMDDNNNNNN.

    Checked against the shared Fars set (see scripts/eval_fields.py): the weekday named in the text as
    "today" matches the id's day far above chance, so the id is the publication (or creation) day; it
    remains an inference, hence the lower confidence.

    >>> date_from_fars_id("https://www.farsnews.ir/news/8707060255").jalali
    '1387-07-06'
    """
    m = _FARS_URL.search(url)
    if not m:
        return None
    digits = m["id"]
    y, mo, d = (
        (1300 + int(digits[:2]), int(digits[2:4]), int(digits[4:6]))
        if len(digits) == 10
        else (int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    )
    try:
        day = jalali_to_gregorian(y, mo, d)
    except BadDate:
        return None
    return _result(day, None, None, "fars_id", CONF_FARS_ID)


def iter_text_dates(text: str) -> Iterator[DateResult]:
    """Yield every valid absolute date found in a text, in order (impossible ones are skipped)."""
    prepared = _prepare(text)
    for pattern in (_ISO, _NAMED):
        for m in pattern.finditer(prepared):
            try:
                yield (
                    _from_iso(m, "text", CONF_TEXT) if pattern is _ISO else _from_named(m, "text", CONF_TEXT)
                )
            except BadDate:
                continue


def date_from_text(text: str, fetched_at: datetime | None = None) -> DateResult | None:
    """Pick a publish date from an article text: a dateline in the first or last 300 characters.

    Dates deeper in the body are usually event dates, not publish dates, so they are not used.
    """
    if not text:
        return None
    for part in (text[:300], text[-300:]):
        for result in iter_text_dates(part):
            if fetched_at is None or result.published_at <= fetched_at.astimezone(UTC) + timedelta(days=1):
                return result
    return None


def resolve_published(
    raw_date: str | None, url: str | None, text: str | None, fetched_at: datetime | None
) -> tuple[DateResult | None, list[str]]:
    """Choose the publish date by priority field > URL > Fars id > text; return it and the rejections.

    Each rejection is a ``bad_date: ...`` reason for an impossible date, or ``conflict: ...`` for a
    lower-priority date more than a day away from the chosen one.
    """
    reasons: list[str] = []
    candidates: list[DateResult] = []
    if raw_date:
        result, reason = parse_date(raw_date, fetched_at=fetched_at)
        if reason:
            reasons.append(reason)
        if result is not None:
            candidates.append(result)
    if url:
        result, reason = date_from_url(url)
        if reason:
            reasons.append(reason)
        if result is not None:
            candidates.append(result)
        fars = date_from_fars_id(url)
        if fars is not None:
            candidates.append(fars)
    if text and not candidates:
        found = date_from_text(text, fetched_at)
        if found is not None:
            candidates.append(found)
    if fetched_at is not None:
        horizon = fetched_at.astimezone(UTC) + timedelta(days=1)
        for cand in [c for c in candidates if c.published_at > horizon]:
            reasons.append(f"bad_date: {cand.source} {cand.jalali} after fetch time")
            candidates.remove(cand)
    if not candidates:
        return None, reasons
    chosen = candidates[0]
    for other in candidates[1:]:
        if abs(other.published_at - chosen.published_at) > timedelta(days=1):
            reasons.append(f"conflict: {chosen.source} {chosen.jalali} vs {other.source} {other.jalali}")
    return chosen, reasons


def _jalali_macros_sql() -> str:
    # One source for the DuckDB Jalali macros (pure SQL, the 33-year arithmetic of jdatetime): the
    # warehouse's numbered macro file; Python callers (tests, ad-hoc connections) read it from there.
    from akhbar.warehouse import SQL_DIR

    text = (SQL_DIR / "macros" / "010_jalali.sql").read_text(encoding="utf-8")
    return text.split("-- BEGIN JALALI_MACROS_SQL\n", 1)[1].split("-- END JALALI_MACROS_SQL", 1)[0]


JALALI_MACROS_SQL = _jalali_macros_sql()
