"""Run reports: a Markdown table per run (for the Prefect artifact) and a self-contained HTML warehouse report.

The HTML report is one file with inline CSS and inline SVG charts drawn here, so it opens offline with no
CDN and no JavaScript. Persian text is laid out right-to-left; days on the axis are Jalali.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from akhbar.text.chars import to_persian_digits

TEHRAN = ZoneInfo("Asia/Tehran")
FONT_STACK = "Vazirmatn, Vazir, Tahoma, 'DejaVu Sans', 'Noto Sans Arabic', sans-serif"
# Colour-blind-safe palette (Okabe-Ito, then Tableau), one colour per agency in legend order.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#4E79A7", "#999999")
QUALITY_SAMPLE = 5_000  # articles whose text the quality checks scan (a reservoir sample beyond that)
MAX_SERIES = 8  # more agencies than this are summed into "سایر" so the legend stays readable
# The time chart uses days while the data spans at most MAX_BARS days, else months, else years: a historical
# import spanning decades and a week of hourly scrapes both fit one readable chart.
MAX_BARS = 62
UNIT_NAMES = {"day": "روز", "month": "ماه", "year": "سال"}

# Unicode ranges, written once for the SQL quality checks (DuckDB's RE2 accepts \x{...}).
PRESENTATION_FORMS = r"[\x{FB50}-\x{FDFF}\x{FE70}-\x{FEFF}]"
ARABIC_YEH_KAF = r"[\x{064A}\x{0643}\x{0649}]"
ARABIC_DIGITS = r"[\x{0660}-\x{0669}]"
# Letters of the Arabic script as used by Persian (base block letters + presentation forms).
ARABIC_SCRIPT_LETTERS = r"[\x{0621}-\x{064A}\x{066E}-\x{06D3}\x{06D5}\x{06EE}\x{06EF}\x{06FA}-\x{06FF}\x{FB50}-\x{FDFF}\x{FE70}-\x{FEFC}]"


# ---------------------------------------------------------------- small helpers


def fa(value: object) -> str:
    """Format a number with thousands separators in Persian digits.

    >>> fa(12345)
    '۱۲,۳۴۵'
    """
    if isinstance(value, float):
        return to_persian_digits(f"{value:,.1f}")
    return to_persian_digits(f"{value:,}" if isinstance(value, int) else str(value))


def pct(part: float, whole: float) -> str:
    """Format a share as a percentage with one decimal (ASCII digits, for Markdown)."""
    return f"{100.0 * part / whole:.1f}%" if whole else "-"


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Return whether a table or view of that name exists in the connected database."""
    row = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]).fetchone()
    view = con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = ? AND NOT internal", [name]).fetchone()
    return bool(row and row[0]) or bool(view and view[0])


def table_columns(con: duckdb.DuckDBPyConnection, name: str) -> set[str]:
    """Return the column names of a table (empty when it does not exist)."""
    rows = con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = ?", [name]).fetchall()
    return {r[0] for r in rows}


def jalali(day: dt.date) -> str:
    """Format a Gregorian day as the Jalali day 'YYYY-MM-DD'.

    >>> jalali(dt.date(2023, 8, 3))
    '1402-05-12'
    """
    import jdatetime

    j = jdatetime.date.fromgregorian(date=day)
    return f"{j.year:04d}-{j.month:02d}-{j.day:02d}"


def jalali_range(first: str, last: str) -> list[str]:
    """List every Jalali day from first to last inclusive ('YYYY-MM-DD'), so gaps show as empty days."""
    import jdatetime

    a = jdatetime.date(*map(int, first.split("-"))).togregorian()
    b = jdatetime.date(*map(int, last.split("-"))).togregorian()
    return [jalali(a + dt.timedelta(days=i)) for i in range((b - a).days + 1)]


# ---------------------------------------------------------------- quality figures (SQL)


def _persian_checks_sql(where: str, sample: int) -> str:
    """Return the SQL that measures Persian text quality of the articles matched by ``where``."""
    return f"""
        WITH t AS (
            -- body holds paragraphs only; the title and lead are compared too, as raw_text includes them.
            -- A fixed-seed sample bounds the cost: the regexes scan text at tens of MB per second.
            SELECT raw_text, concat_ws(chr(10), title, lead, body) AS after, body
            FROM articles
            WHERE rowid IN (SELECT rowid FROM (SELECT rowid FROM articles WHERE {where})
                            USING SAMPLE reservoir({int(sample)} ROWS) REPEATABLE (42))
        ), a AS (
            SELECT
                length(regexp_replace(body, '[^\\p{{L}}]', '', 'g')) AS letters,
                length(regexp_replace(body, '[^{ARABIC_SCRIPT_LETTERS[1:-1]}]', '', 'g')) AS script_letters,
                regexp_matches(raw_text, '{PRESENTATION_FORMS}') AS raw_pf,
                regexp_matches(after, '{PRESENTATION_FORMS}') AS body_pf,
                regexp_matches(raw_text, '{ARABIC_YEH_KAF}') AS raw_yk,
                regexp_matches(after, '{ARABIC_YEH_KAF}') AS body_yk,
                regexp_matches(raw_text, '{ARABIC_DIGITS}') AS raw_ad,
                regexp_matches(after, '{ARABIC_DIGITS}') AS body_ad,
                -- single characters: contains() is a plain substring search, much cheaper than a regex
                contains(raw_text, chr(1600)) AS raw_kashida,
                contains(after, chr(1600)) AS body_kashida,
                contains(raw_text, chr(8204)) AS raw_zwnj,
                contains(after, chr(8204)) AS body_zwnj
            FROM t
        )
        SELECT
            count(*) AS articles,
            coalesce(sum(letters), 0) AS letters,
            coalesce(sum(script_letters), 0) AS script_letters,
            count(*) FILTER (WHERE letters > 0 AND script_letters < 0.5 * letters) AS mostly_non_arabic_script,
            count(*) FILTER (WHERE raw_pf) AS raw_presentation_forms,
            count(*) FILTER (WHERE body_pf) AS body_presentation_forms,
            count(*) FILTER (WHERE raw_yk) AS raw_arabic_yeh_kaf,
            count(*) FILTER (WHERE body_yk) AS body_arabic_yeh_kaf,
            count(*) FILTER (WHERE raw_ad) AS raw_arabic_digits,
            count(*) FILTER (WHERE body_ad) AS body_arabic_digits,
            count(*) FILTER (WHERE raw_kashida) AS raw_kashida,
            count(*) FILTER (WHERE body_kashida) AS body_kashida,
            count(*) FILTER (WHERE raw_zwnj) AS raw_zwnj,
            count(*) FILTER (WHERE raw_zwnj AND NOT body_zwnj) AS zwnj_lost
        FROM a
    """


def persian_quality(con: duckdb.DuckDBPyConnection, where: str = "true", params: Sequence[Any] = (),
                    sample: int = QUALITY_SAMPLE) -> dict[str, Any]:
    """Measure Persian text quality of the selected articles: raw input (before) against body (after).

    Counts are articles of a sample of at most ``sample`` (``articles`` of ``total`` were checked);
    ``script_share`` is the share of letters in ``body`` that are Arabic-script.
    """
    cur = con.execute(_persian_checks_sql(where, sample), list(params))
    names = [d[0] for d in cur.description]
    row = dict(zip(names, cur.fetchone() or (), strict=False))
    row = {k: int(v or 0) for k, v in row.items()}
    (total,) = con.execute(f"SELECT count(*) FROM articles WHERE {where}", list(params)).fetchone() or (0,)
    row["total"] = int(total)
    row["script_share"] = round(row["script_letters"] / row["letters"], 4) if row["letters"] else None
    return row


def run_quality(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any]:
    """Collect per-source figures and Persian-quality checks for the rows one run added."""
    sources: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"kept": 0, "duplicates": 0, "new_clusters": 0, "dates_missing": 0, "rejects": {}}
    )
    for name, kept, dups, clusters, missing in con.execute(
        "SELECT origin_name, count(*), count(*) FILTER (WHERE NOT is_canonical), "
        "count(*) FILTER (WHERE is_canonical), count(*) FILTER (WHERE published_at IS NULL AND published_jalali IS NULL) "
        "FROM articles WHERE run_id = ? GROUP BY origin_name",
        [run_id],
    ).fetchall():
        sources[name].update(kept=kept, duplicates=dups, new_clusters=clusters, dates_missing=missing)
    for name, reason, n in con.execute(
        "SELECT origin_name, reason, count(*) FROM rejects WHERE run_id = ? GROUP BY ALL ORDER BY ALL", [run_id]
    ).fetchall():
        sources[name]["rejects"][reason] = n
    rows = [{"source": k, **v} for k, v in sorted(sources.items())]
    return {
        "run_id": run_id,
        "sources": rows,
        "new_clusters": sum(r["new_clusters"] for r in rows),
        "dates_missing": sum(r["dates_missing"] for r in rows),
        "persian": persian_quality(con, "run_id = ?", [run_id]),
    }


# ---------------------------------------------------------------- Markdown (Prefect artifact)


def _md_cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def md_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Render a GitHub-flavoured Markdown table."""
    out = ["| " + " | ".join(_md_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_md_cell(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


PERSIAN_CHECKS = (
    # (label, before key, after key, a problem when the after count is not zero)
    ("presentation-form characters (ﻻ ﺑ ...)", "raw_presentation_forms", "body_presentation_forms"),
    ("Arabic yeh/kaf (ي ك ى)", "raw_arabic_yeh_kaf", "body_arabic_yeh_kaf"),
    ("Arabic-Indic digits (٠-٩)", "raw_arabic_digits", "body_arabic_digits"),
    ("kashida (ـ)", "raw_kashida", "body_kashida"),
)


def persian_markdown(p: dict[str, Any]) -> str:
    """Render the Persian-quality checks as a Markdown table (articles affected, before vs after)."""
    n = p.get("articles", 0)
    rows: list[list[object]] = []
    for label, before, after in PERSIAN_CHECKS:
        flag = "ok" if not p.get(after) else "**check**"
        rows.append([label, f"{p.get(before, 0)} ({pct(p.get(before, 0), n)})", p.get(after, 0), flag])
    rows.append(["ZWNJ lost (in input, none in body)", p.get("raw_zwnj", 0), p.get("zwnj_lost", 0),
                 "ok" if not p.get("zwnj_lost") else "**check**"])
    share = p.get("script_share")
    rows.append(["Arabic-script share of letters in body", "", "-" if share is None else f"{100 * share:.1f}%",
                 "ok" if share is None or share >= 0.8 else "**check**"])
    rows.append(["articles mostly not in Arabic script", "", p.get("mostly_non_arabic_script", 0),
                 "ok" if not p.get("mostly_non_arabic_script") else "**check**"])
    return md_table(["check", "input (articles)", "body (articles)", ""], rows)


def run_markdown(summary: dict[str, Any], quality: dict[str, Any]) -> str:
    """Render one run's summary and quality figures as Markdown for the Prefect artifact."""
    status = summary.get("status", "?")
    lines = [
        f"# news-etl run `{summary.get('run_id', '?')}` — {status}",
        "",
        md_table(
            ["read", "kept (new)", "unchanged", "duplicates", "new clusters", "rejected", "dates missing", "files"],
            [[
                summary.get("records_read", 0), summary.get("articles_new", 0), summary.get("articles_unchanged", 0),
                summary.get("duplicates_new", 0), quality.get("new_clusters", "-"), summary.get("rejects_seen", 0),
                quality.get("dates_missing", "-"), summary.get("files_read", 0),
            ]],
        ),
        "",
    ]
    sources = quality.get("sources") or []
    if sources:
        reasons = sorted({r for s in sources for r in s["rejects"]})
        rows = []
        for s in sources:
            rejected = sum(s["rejects"].values())
            rows.append([
                s["source"], s["kept"] + rejected, s["kept"], s["duplicates"], pct(s["duplicates"], s["kept"]),
                s["new_clusters"], s["dates_missing"], *(s["rejects"].get(r, 0) for r in reasons),
            ])
        lines += [
            "## Per source (rows this run added)",
            "",
            md_table(["source", "read", "kept", "duplicates", "dup share", "new clusters", "dates missing",
                      *(f"rejected: {r}" for r in reasons)], rows),
            "",
        ]
    elif summary.get("rejects_by_reason"):
        lines += ["## Rejects by reason", "", md_table(["reason", "records"], sorted(summary["rejects_by_reason"].items())), ""]
    if quality.get("persian", {}).get("articles"):
        p = quality["persian"]
        scope = f" — sample of {p['articles']} of {p['total']} articles" if p.get("total", 0) > p["articles"] else ""
        lines += [f"## Persian text quality (input before normalization → body){scope}", "", persian_markdown(p), ""]
    extra = {k: summary[k] for k in ("paragraphs_repeated", "files_skipped", "orphans_removed") if summary.get(k)}
    if summary.get("encodings_converted"):
        extra["encodings_converted"] = json.dumps(summary["encodings_converted"], ensure_ascii=False)
    if extra:
        lines += ["## Other", "", md_table(["figure", "value"], sorted(extra.items())), ""]
    if summary.get("articles_outdated"):
        from akhbar.extract.fingerprint import outdated_note

        lines += [f"_{outdated_note(summary['articles_outdated'])}_", ""]
    if quality.get("note"):
        lines += [f"_{quality['note']}_", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------- SVG charts


def _nice_max(value: float) -> float:
    """Round an axis maximum up to 1, 2 or 5 times a power of ten."""
    if value <= 0:
        return 1
    exp = 10 ** (len(str(int(value))) - 1)
    for m in (1, 2, 5, 10):
        if value <= m * exp:
            return m * exp
    return 10 * exp


def _svg_text(x: float, y: float, text: str, *, size: int = 12, anchor: str = "middle", fill: str = "#333",
              rtl: bool = True, extra: str = "") -> str:
    # Inline SVG inherits the page's rtl direction: numbers and dates need ltr said explicitly.
    direction = ' style="direction:rtl"' if rtl else ' style="direction:ltr;unicode-bidi:embed"'
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"{direction}{extra}>'
            f"{_esc(text)}</text>")


def _legend(names: Sequence[str], width: int, y: int) -> tuple[str, int]:
    """Lay out a right-aligned legend in rows; return (svg, height used)."""
    parts, x, row = [], width - 10, 0
    for i, name in enumerate(names):
        w = 30 + 7 * len(name)
        if x - w < 10:
            row += 1
            x = width - 10
        yy = y + row * 20
        parts.append(f'<rect x="{x - 12:.1f}" y="{yy - 10}" width="12" height="12" fill="{PALETTE[i % len(PALETTE)]}"/>')
        parts.append(_svg_text(x - 18, yy, name, anchor="start", size=12))
        x -= w
    return "".join(parts), (row + 1) * 20


def svg_stacked_bars(days: Sequence[str], series: dict[str, Sequence[int]], *, title: str, width: int = 1100,
                     height: int = 320) -> str:
    """Draw stacked daily bars (one colour per series) with Jalali day labels; days run left to right."""
    names = list(series)
    legend, legend_h = _legend(names, width, 18)
    top, left, right, bottom = 16 + legend_h, 56, 16, 62
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(series[n][i] for n in names) for i in range(len(days))]
    ymax = max(5, _nice_max(max(totals, default=0)))  # 1, 2 or 5 x 10^k, at least 5: five whole-number ticks
    step = plot_w / max(1, len(days))
    bar_w = min(48.0, max(2.0, step * 0.72))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
           f'role="img" aria-label="{_esc(title)}" font-family="{_esc(FONT_STACK)}">', legend]
    for k in range(6):  # grid lines and y labels
        v = ymax * k / 5
        y = top + plot_h - plot_h * k / 5
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#e3e3e3"/>')
        out.append(_svg_text(left - 6, y + 4, fa(int(v)), anchor="end", size=11, rtl=False))
    label_every = max(1, round(len(days) / 15))
    for i, day in enumerate(days):
        x = left + i * step + (step - bar_w) / 2
        y = top + plot_h
        for j, n in enumerate(names):
            v = series[n][i]
            if not v:
                continue
            h = plot_h * v / ymax
            y -= h
            out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{PALETTE[j % len(PALETTE)]}">'
                       f"<title>{_esc(n)} {_esc(fa_day(day))}: {fa(v)}</title></rect>")
        if i % label_every == 0 or i == len(days) - 1:
            cx = left + i * step + step / 2
            out.append(_svg_text(cx, top + plot_h + 16, fa_day(day, short=True), size=11, rtl=False,
                                 extra=f' transform="rotate(-35 {cx:.1f} {top + plot_h + 16:.1f})"'))
    out.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="#888"/>')
    out.append("</svg>")
    return "".join(out)


def svg_hbars(items: Sequence[tuple[str, float, str]], *, title: str, width: int = 1100, color: str = PALETTE[0],
              max_value: float | None = None) -> str:
    """Draw horizontal bars growing right-to-left from a right-hand label column: (label, value, value text)."""
    row_h, top = 26, 8
    height = top * 2 + row_h * max(1, len(items))
    label_w, value_w = 260, 90
    plot_w = width - label_w - value_w - 20
    vmax = max_value if max_value is not None else _nice_max(max((v for _, v, _ in items), default=0))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
           f'role="img" aria-label="{_esc(title)}" font-family="{_esc(FONT_STACK)}">']
    x0 = width - label_w  # bars start at the label column and grow leftwards (reading direction)
    for i, (label, value, text) in enumerate(items):
        y = top + i * row_h
        w = plot_w * (value / vmax) if vmax else 0
        out.append(_svg_text(width - 6, y + 17, label, anchor="start", size=13))
        out.append(f'<rect x="{x0 - 10 - plot_w:.1f}" y="{y + 4}" width="{plot_w:.1f}" height="{row_h - 8}" fill="#f1f1f1"/>')
        out.append(f'<rect x="{x0 - 10 - w:.1f}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" fill="{color}">'
                   f"<title>{_esc(label)}: {_esc(text)}</title></rect>")
        out.append(_svg_text(x0 - 16 - plot_w, y + 17, text, anchor="end", size=12, rtl=False))
    out.append("</svg>")
    return "".join(out)


def fa_day(day: str, *, short: bool = False) -> str:
    """Format a Jalali day, month or year ('YYYY-MM-DD', 'YYYY-MM', 'YYYY') with Persian digits and '/'.

    ``short`` drops the year from a day.

    >>> fa_day("1403-01-04"), fa_day("1403-01-04", short=True), fa_day("1403-01")
    ('۱۴۰۳/۰۱/۰۴', '۰۱/۰۴', '۱۴۰۳/۰۱')
    """
    parts = day.split("-")
    if short and len(parts) == 3:
        parts = parts[1:]
    return to_persian_digits("/".join(parts))


def month_range(first: str, last: str) -> list[str]:
    """List every Jalali month 'YYYY-MM' from first to last inclusive."""
    y, m = map(int, first.split("-"))
    ly, lm = map(int, last.split("-"))
    out = []
    while (y, m) <= (ly, lm):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def time_buckets(first_day: str, last_day: str) -> tuple[str, int, list[str]]:
    """Choose the chart unit for a span of Jalali days: (unit, key length, every bucket in the span)."""
    import jdatetime

    span = jdatetime.date(*map(int, last_day.split("-"))) - jdatetime.date(*map(int, first_day.split("-")))
    if span.days + 1 <= MAX_BARS:
        return "day", 10, jalali_range(first_day, last_day)
    months = month_range(first_day[:7], last_day[:7])
    if len(months) <= MAX_BARS:
        return "month", 7, months
    return "year", 4, [f"{y:04d}" for y in range(int(first_day[:4]), int(last_day[:4]) + 1)]


# ---------------------------------------------------------------- HTML report


def _since_clause(since: dt.date | None, column: str) -> tuple[str, list[Any]]:
    if since is None:
        return "true", []
    start = dt.datetime.combine(since, dt.time(0), TEHRAN)
    return f"{column} >= ?", [start]


def daily_counts(con: duckdb.DuckDBPyConnection, since: dt.date | None = None) -> tuple[str, str, list[str], dict[str, list[int]]]:
    """Count articles per Jalali publish day (or month/year for long spans) and agency.

    Falls back to the load day when no article is dated. Returns (basis, unit, buckets, series): basis is
    "published" or "loaded", unit "day", "month" or "year", series maps agency -> counts per bucket.
    """
    where, params = _since_clause(since, "coalesce(published_at, loaded_at)")
    # Tehran is UTC+03:30 all year since 2022 (no DST), so a fixed shift gives the local day in SQL.
    rows = con.execute(
        "SELECT published_jalali, CAST(published_at + INTERVAL 210 MINUTE AS DATE), coalesce(agency, origin_name), count(*) "
        f"FROM articles WHERE {where} AND (published_jalali IS NOT NULL OR published_at IS NOT NULL) GROUP BY ALL",
        params,
    ).fetchall()
    basis = "published"
    if not rows:
        basis = "loaded"
        rows = con.execute(
            "SELECT NULL, CAST(loaded_at + INTERVAL 210 MINUTE AS DATE), coalesce(agency, origin_name), count(*) "
            f"FROM articles WHERE {where} GROUP BY ALL",
            params,
        ).fetchall()
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for jday, gday, agency, n in rows:
        day = jday or (jalali(gday) if gday else None)
        if day:
            counts[(day, agency)] += n
    if not counts:
        return basis, "day", [], {}
    unit, width, buckets = time_buckets(min(d for d, _ in counts), max(d for d, _ in counts))
    totals: dict[str, int] = defaultdict(int)
    for (_, agency), n in counts.items():
        totals[agency] += n
    ranked = sorted(totals, key=lambda a: (-totals[a], a))
    keep = ranked if len(ranked) <= MAX_SERIES else ranked[: MAX_SERIES - 1]
    other = "سایر"
    series: dict[str, list[int]] = {a: [0] * len(buckets) for a in keep}
    if len(keep) < len(ranked):
        series[other] = [0] * len(buckets)
    index = {b: i for i, b in enumerate(buckets)}
    for (day, agency), n in counts.items():
        series[agency if agency in series else other][index[day[:width]]] += n
    return basis, unit, buckets, series


def _section(title: str, body: str, note: str = "") -> str:
    note_html = f'<p class="note">{note}</p>' if note else ""
    return f"<section><h2>{_esc(title)}</h2>{note_html}{body}</section>"


def _html_table(header: Sequence[str], rows: Sequence[Sequence[object]], *, ltr_cols: Sequence[int] = ()) -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in header)
    body = []
    for r in rows:
        cells = []
        for i, c in enumerate(r):
            cls = ' class="ltr"' if i in ltr_cols else ""
            cells.append(f"<td{cls}>{_esc(fa(c) if isinstance(c, int | float) and not isinstance(c, bool) else c)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


CSS = """
body{font-family:FONT_STACK;margin:0;background:#fafafa;color:#222;line-height:1.6}
main{max-width:1140px;margin:0 auto;padding:20px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:0 0 10px;border-bottom:1px solid #ddd;padding-bottom:4px}
section{background:#fff;border:1px solid #e2e2e2;border-radius:6px;padding:14px 16px;margin:14px 0}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{background:#fff;border:1px solid #e2e2e2;border-radius:6px;padding:10px 14px;min-width:120px}
.card b{display:block;font-size:22px}.card span{color:#666;font-size:13px}
table{border-collapse:collapse;width:100%;font-size:14px}th,td{border-bottom:1px solid #eee;padding:4px 8px;text-align:right}
th{background:#f4f4f4}.ltr{direction:ltr;unicode-bidi:embed;text-align:left;font-family:'DejaVu Sans Mono',monospace;font-size:12px}
.note{color:#666;font-size:13px;margin:0 0 8px}.empty{font-size:20px;color:#555;padding:40px;text-align:center}
.bad{color:#b00020;font-weight:bold}svg{max-width:100%;height:auto;display:block}
""".replace("FONT_STACK", FONT_STACK)


def _page(title: str, generated: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="fa" dir="rtl"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_esc(title)}</title><style>{CSS}</style></head><body><main>"
        f'<h1>{_esc(title)}</h1><p class="note">{generated}</p>{body}</main></body></html>\n'
    )


def build_html_report(con: duckdb.DuckDBPyConnection, *, since: dt.date | None = None,
                      now: dt.datetime | None = None) -> str:
    """Render the warehouse report as one self-contained HTML page (inline CSS and SVG, no scripts)."""
    now = now or dt.datetime.now(dt.UTC)
    local = now.astimezone(TEHRAN)
    # Separators are "|" and "؛": a middle dot beside Persian digits reads as a Persian zero (۰).
    generated = (f"ساخته‌شده در {_esc(fa_day(jalali(local.date())))} ساعت {to_persian_digits(local.strftime('%H:%M'))} "
                 f"(تهران) | <span class=\"ltr\">{_esc(now.strftime('%Y-%m-%d %H:%M UTC'))}</span>")
    if since is not None:
        generated += f" | از {_esc(fa_day(jalali(since)))}"
    title = "گزارش انبار اخبار"
    if not table_exists(con, "articles"):
        return _page(title, generated, '<div class="empty">هنوز داده‌ای نیست — no data yet: the warehouse has no tables. '
                     "Run <code>akhbar run PATH</code> first.</div>")
    where, params = _since_clause(since, "coalesce(published_at, loaded_at)")
    total, _canonical, clusters, dups, undated, agencies = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE is_canonical), count(DISTINCT cluster_id), "
        "count(*) FILTER (WHERE NOT is_canonical), count(*) FILTER (WHERE published_at IS NULL AND published_jalali IS NULL), "
        f"count(DISTINCT coalesce(agency, origin_name)) FROM articles WHERE {where}",
        params,
    ).fetchone() or (0, 0, 0, 0, 0, 0)
    rwhere, rparams = _since_clause(since, "rejected_at")
    rejects = con.execute(f"SELECT reason, count(*) FROM rejects WHERE {rwhere} GROUP BY reason ORDER BY 2 DESC, 1",
                          rparams).fetchall() if table_exists(con, "rejects") else []
    runs = _recent_runs(con, since)
    if not total and not rejects:
        body = ('<div class="empty">هنوز داده‌ای نیست — no data yet.<br>'
                "No article or reject in the warehouse" + (" for this period" if since else "") + ".</div>")
        if runs:
            body += _section("اجراهای اخیر", _runs_table(runs))
        return _page(title, generated, body)

    cards = [("مقاله", total), ("خوشهٔ خبری", clusters), ("نسخهٔ تکراری", dups), ("مردود", sum(n for _, n in rejects)),
             ("خبرگزاری/منبع", agencies), ("بی‌تاریخ", undated)]
    parts = ['<div class="cards">' + "".join(f"<div class=\"card\"><b>{fa(v)}</b><span>{_esc(k)}</span></div>" for k, v in cards)
             + "</div>"]

    basis, unit, buckets, series = daily_counts(con, since)
    if buckets:
        note = (f"{UNIT_NAMES[unit]} انتشار (تقویم جلالی، به وقت تهران)" if basis == "published"
                else "هیچ مقاله‌ای تاریخ انتشار ندارد؛ نمودار بر اساس روز بارگذاری است (load day: no article has a publish date)")
        if basis == "published" and undated:
            note += f"؛ {fa(undated)} مقالهٔ بی‌تاریخ در نمودار نیست"
        parts.append(_section(f"مقاله در {UNIT_NAMES[unit]}، به تفکیک خبرگزاری",
                              svg_stacked_bars(buckets, series, title=f"articles per {unit}"), _esc(note)))

    dup_rows = con.execute(
        "SELECT coalesce(agency, origin_name) AS a, count(*), count(*) FILTER (WHERE NOT is_canonical) "
        f"FROM articles WHERE {where} GROUP BY a ORDER BY 3 DESC, 2 DESC, a LIMIT 20",
        params,
    ).fetchall()
    items = [(a, d / n, f"{fa(100.0 * d / n)}٪ ({fa(d)}/{fa(n)})") for a, n, d in dup_rows if n]
    parts.append(_section("سهم نسخه‌های تکراری هر خبرگزاری", svg_hbars(items, title="duplicate share", color=PALETTE[3], max_value=1.0),
                          "نسخهٔ تکراری: مقاله‌ای که متن آن پیش‌تر در خوشه‌ای دیگر آمده است (is_canonical = false)"))

    if rejects:
        parts.append(_section("مردودها به تفکیک دلیل",
                              svg_hbars([(r, n, fa(n)) for r, n in rejects[:20]], title="rejects by reason", color=PALETTE[1])))
    else:
        parts.append(_section("مردودها به تفکیک دلیل", '<p class="note">هیچ رکوردی مردود نشده است.</p>'))

    ent = top_entities(con, since)
    if ent:
        parts.append(_section("پرتکرارترین موجودیت‌ها",
                              svg_hbars([(f"{t} ({ty})" if ty else t, n, fa(n)) for t, ty, n in ent], title="top entities", color=PALETTE[2]),
                              "تعداد مقاله‌هایی که موجودیت در آن‌ها آمده است"))

    quoted = most_quoted(con, since)
    if quoted:
        kinds = {"person": "شخص", "role": "مقام بی‌نام", "organization": "سازمان"}
        parts.append(_section(
            "پرنقل‌قول‌ترین گویندگان",
            _html_table(["گوینده", "نقش", "نوع", "نقل‌قول", "مقاله"],
                        [(sp, role or "", kinds.get(kind, kind), n, arts) for sp, role, kind, n, arts in quoted]),
            "نقل‌قول‌های خبرهای اصلی (نسخه‌های تکراری شمرده نمی‌شوند)؛ مقام بی‌نام: سمتی که خبر نام دارندهٔ آن را نیاورده است",
        ))

    q = persian_quality(con, where, params)
    parts.append(_section("کیفیت متن فارسی (ورودی پیش از یکسان‌سازی ← متن نهایی)", _quality_table(q)))
    if runs:
        parts.append(_section("اجراهای اخیر", _runs_table(runs)))
    return _page(title, generated, "".join(parts))


def _name_key(expr: str) -> str:
    """SQL for the warehouse macro ``name_key`` (warehouse/macros/030_text.sql), inline so that a warehouse
    written by an older version, opened read-only without the macro, reports the same way."""
    return f"trim(regexp_replace(lower(translate({expr}, 'آأإٱ', 'اااا')), '[^\\p{{L}}\\p{{N}}]+', ' ', 'g'))"


def most_quoted(con: duckdb.DuckDBPyConnection, since: dt.date | None = None,
                limit: int = 15) -> list[tuple[str, str | None, str, int, int]]:
    """Return the most quoted speakers of canonical articles as (speaker, role, kind, quotes, articles).

    [] when there is no quotes table; a warehouse from before ``speaker_kind`` (read-only, not yet migrated)
    counts every speaker as a person, which all its speakers were.
    """
    cols = table_columns(con, "quotes")
    if not {"article_id", "speaker"} <= cols:
        return []
    kind = "q.speaker_kind" if "speaker_kind" in cols else "'person'"
    role = "mode(q.speaker_role)" if "speaker_role" in cols else "NULL"
    where, params = _since_clause(since, "coalesce(a.published_at, a.loaded_at)")
    # Spellings of one name count together, shown as the most used one; the key is computed once per spelling.
    rows = con.execute(
        f"WITH m AS (SELECT q.*, {kind} AS kind FROM quotes q JOIN articles a USING (article_id) "
        f"WHERE a.is_canonical AND {where}), "
        f"s AS (SELECT speaker, {_name_key('speaker')} AS k, count(*) AS uses FROM m GROUP BY speaker), "
        f"d AS (SELECT k, arg_min(speaker, (-uses, speaker)) AS shown FROM s GROUP BY k) "
        f"SELECT d.shown, {role.replace('q.', 'm.')}, m.kind, count(*) AS n, count(DISTINCT m.article_id) "
        f"FROM m JOIN s USING (speaker) JOIN d USING (k) GROUP BY d.shown, m.kind ORDER BY n DESC, 1 LIMIT {int(limit)}",
        params,
    ).fetchall()
    return [(str(sp), None if r is None else str(r), str(k), int(n), int(m)) for sp, r, k, n, m in rows]


def top_entities(con: duckdb.DuckDBPyConnection, since: dt.date | None = None, limit: int = 15) -> list[tuple[str, str | None, int]]:
    """Return the most frequent entities as (name, type, articles), or [] when there is no entities table."""
    cols = table_columns(con, "entities")
    if not cols or "article_id" not in cols:
        return []
    name = next((c for c in ("canonical", "text", "name") if c in cols), None)
    if name is None:
        return []
    kind = "type" if "type" in cols else "NULL"
    where, params = _since_clause(since, "coalesce(a.published_at, a.loaded_at)")
    try:
        # Spellings of one name count together, shown as the most used one (as the warehouse's entity_names);
        # the key is computed once per distinct spelling.
        rows = con.execute(
            f'WITH m AS (SELECT e."{name}" AS sp, {"e." + kind if kind != "NULL" else "NULL"} AS ty, e.article_id '
            f"FROM entities e JOIN articles a USING (article_id) WHERE {where} AND e.\"{name}\" IS NOT NULL), "
            f"s AS (SELECT ty, sp, {_name_key('sp')} AS k, count(*) AS uses FROM m GROUP BY ALL), "
            f"d AS (SELECT ty, k, arg_min(sp, (-uses, sp)) AS shown FROM s GROUP BY ALL) "
            f"SELECT d.shown, d.ty, count(DISTINCT m.article_id) AS n FROM m "
            f"JOIN s ON s.sp = m.sp AND s.ty IS NOT DISTINCT FROM m.ty JOIN d ON d.k = s.k AND d.ty IS NOT DISTINCT FROM s.ty "
            f"GROUP BY d.shown, d.ty "
            f"ORDER BY n DESC, 1 LIMIT {int(limit)}",
            params,
        ).fetchall()
    except duckdb.Error:
        return []  # an entities table of another shape: the report skips the chart rather than failing
    return [(str(t), None if ty is None else str(ty), int(n)) for t, ty, n in rows]


def _quality_table(q: dict[str, Any]) -> str:
    n = q.get("articles", 0)
    labels = {
        "raw_presentation_forms": "حروف با شکل نمایشی (ﻻ، ﺑ ...)",
        "raw_arabic_yeh_kaf": "ي و ك عربی",
        "raw_arabic_digits": "رقم عربی (٠-٩)",
        "raw_kashida": "کشیده (ـ)",
    }
    rows = []
    for label_key, before, after in PERSIAN_CHECKS:
        del label_key
        rows.append([labels[before], q.get(before, 0), q.get(after, 0)])
    rows.append(["نیم‌فاصله در ورودی / از دست رفته در متن", q.get("raw_zwnj", 0), q.get("zwnj_lost", 0)])
    table = _html_table(["بررسی (شمار مقاله‌ها)", "در ورودی", "در متن نهایی"], rows)
    share = q.get("script_share")
    share_txt = "-" if share is None else f"{fa(100 * share)}٪"
    bad = [r for r in rows if r[2]]
    flag = ('<p class="bad">متن نهایی هنوز نویسه‌های یکسان‌نشده دارد.</p>' if bad else "")
    scope = f"نمونهٔ {fa(n)} از {fa(q['total'])}" if q.get("total", 0) > n else fa(n)
    return (f'<p class="note">از {scope} مقاله؛ سهم حروف خط فارسی/عربی در متن نهایی: {share_txt}؛ '
            f"مقاله‌های عمدتاً غیرفارسی: {fa(q.get('mostly_non_arabic_script', 0))}</p>{table}{flag}")


def _recent_runs(con: duckdb.DuckDBPyConnection, since: dt.date | None, limit: int = 10) -> list[tuple[Any, ...]]:
    if not table_exists(con, "runs"):
        return []
    where, params = _since_clause(since, "started_at")
    return con.execute(
        "SELECT run_id, flow, status, records_read, articles_new, duplicates_new, rejects_seen, "
        f"round(epoch(finished_at - started_at), 1) FROM runs WHERE {where} ORDER BY started_at DESC LIMIT {int(limit)}",
        params,
    ).fetchall()


def _runs_table(runs: list[tuple[Any, ...]]) -> str:
    rows = [[r[0], r[1], r[2], r[3], r[4], r[5], r[6], "-" if r[7] is None else f"{r[7]} s"] for r in runs]
    return _html_table(["اجرا", "جریان", "وضعیت", "خوانده", "جدید", "تکراری", "مردود", "مدت"], rows, ltr_cols=(0, 1, 2, 7))


def write_html_report(warehouse_dir: Path | str, since: dt.date | None = None,
                      con: duckdb.DuckDBPyConnection | None = None) -> Path:
    """Write ``reports/report-<timestamp>.html`` and ``reports/report-latest.html``; return the timestamped path.

    Opens the warehouse read-only unless a connection is given; a missing warehouse gives the "no data yet" page.
    """
    warehouse_dir = Path(warehouse_dir)
    now = dt.datetime.now(dt.UTC)
    if con is not None:
        page = build_html_report(con, since=since, now=now)
    elif (warehouse_dir / "news.duckdb").exists():
        own = duckdb.connect(str(warehouse_dir / "news.duckdb"), read_only=True)
        try:
            page = build_html_report(own, since=since, now=now)
        finally:
            own.close()
    else:
        page = build_html_report(duckdb.connect(), since=since, now=now)
    out_dir = warehouse_dir / "reports"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"report-{now.strftime('%Y%m%dT%H%M%S%fZ')}.html"
    _write_atomic(path, page)
    _write_atomic(out_dir / "report-latest.html", page)
    return path


def _write_atomic(path: Path, text: str) -> None:
    # A browser or web server reading report-latest.html never sees a half-written file.
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
