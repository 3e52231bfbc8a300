"""Measure the structured fields on the shared data and print Markdown tables for the README.

Usage: python scripts/eval_fields.py [--shared ../shared/data]

- Dates: every dated row of farsnews-1402-sample and headlinegen-4agency-sample, parsed by
  akhbar.extract.dates.resolve_published, compared with a deliberately separate reference reading of the
  same field (fixed per-agency regexes + jdatetime, written here, sharing no code with dates.py), to the
  exact Tehran day and to the minute; plus cross-checks that need no reference: Tasnim's URL date, the
  weekday Hamshahri prints, and whether any Jalali year was stored as a Gregorian one.
- Fars ids: how often the weekday a Fars text calls "امروز" matches the id's day (chance is 1/7).
- Agency: publisher known from the URL host / file; (a) all inputs, (b) the lead alone on articles whose
  lead names the publisher.
- Category: label-table coverage of every label in the shared data; held-out classifier accuracy.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import re
import sys
from collections import Counter
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import jdatetime

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from train_category import accuracy_table, held_out, load_examples  # noqa: E402

from akhbar.extract.agency import _fold, detect_agency, outlet_for_url, registry  # noqa: E402
from akhbar.extract.category import MODEL_PATH, label_known  # noqa: E402
from akhbar.extract.dates import date_from_fars_id, resolve_published  # noqa: E402

TEHRAN = ZoneInfo("Asia/Tehran")
DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
# The reference reader's own month table (independent of dates.JALALI_MONTHS).
REF_MONTHS = [
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
]
REF_WEEKDAYS = {
    "شنبه": 5,
    "یکشنبه": 6,
    "دوشنبه": 0,
    "سه\u200cشنبه": 1,
    "سهشنبه": 1,
    "چهارشنبه": 2,
    "پنجشنبه": 3,
    "جمعه": 4,
}


def reference(raw: str) -> datetime | None:
    """Read one known per-agency date format independently: Tehran-local naive datetime."""
    s = " ".join(raw.translate(DIGITS).split())
    m = re.fullmatch(r"(\d\d):(\d\d) (\d{4})-(\d{1,2})-(\d{1,2})", s)  # Fars: "12:11 1402-6-4"
    if m:
        hh, mm, y, mo, d = map(int, m.groups())
    elif m := re.fullmatch(r"(\d{4})/(\d\d)/(\d\d) - (\d\d):(\d\d):\d\d", s):  # Borna
        y, mo, d, hh, mm = map(int, m.groups())
    elif m := re.fullmatch(
        r"(?:\S+ )?(\d{1,2}) (\S+) (\d{4}) - (\d\d):(\d\d)", s
    ):  # Hamshahri, Khabaronline, Tasnim
        d, y, hh, mm = int(m[1]), int(m[3]), int(m[4]), int(m[5])
        mo = REF_MONTHS.index(m[2]) + 1
    else:
        return None
    g = jdatetime.date(y, mo, d).togregorian()
    return datetime.combine(g, time(hh, mm))


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def eval_dates(shared: Path) -> None:
    sets: list[tuple[str, list[dict[str, str]]]] = []
    fars = shared / "farsnews-1402-sample" / "farsnews.csv"
    if fars.exists():
        sets.append(("farsnews-1402 (Fars)", _csv(fars)))
    for path in sorted((shared / "headlinegen-4agency-sample").glob("*.csv")):
        agency = path.stem.removeprefix("news_").removesuffix("_20_LLM_Tagged")
        sets.append((f"headlinegen {agency}", _csv(path)))
    print("### Dates\n")
    print(
        "| source | dated rows | parsed | exact day | exact minute | Jalali year stored as Gregorian | format example |"
    )
    print("|---|---:|---:|---:|---:|---:|---|")
    tot = Counter()
    checks = Counter()
    for name, rows in sets:
        c = Counter()
        example = ""
        for row in rows:
            raw = row.get("date", "")
            if not raw.strip():
                continue
            c["rows"] += 1
            example = example or " ".join(raw.split())
            ref = reference(raw)
            got, reasons = resolve_published(raw, row.get("url"), None, None)
            if got is None:
                continue
            c["parsed"] += 1
            if 1300 <= got.published_at.year < 1500 or not got.jalali.startswith(("13", "14")):
                c["gregorian_jalali"] += 1
            if ref is not None:
                local = got.published_at.astimezone(TEHRAN)
                c["day"] += local.date() == ref.date()
                c["minute"] += local.replace(tzinfo=None, second=0) == ref
            c["conflicts"] += sum(r.startswith("conflict") for r in reasons)
            m = re.search(r"/news/(\d{4})/(\d\d)/(\d\d)/", row.get("url", ""))
            if m:
                checks["url_dates"] += 1
                checks["url_agree"] += got.jalali == "-".join(m.groups())
            wd = re.match(r"\s*(\S+)\s+[۰-۹\d]", raw)
            if wd and wd[1] in REF_WEEKDAYS:
                checks["weekdays"] += 1
                checks["weekday_agree"] += (
                    got.published_at.astimezone(TEHRAN).weekday() == REF_WEEKDAYS[wd[1]]
                )
        tot.update(c)
        n = c["rows"] or 1
        print(
            f"| {name} | {c['rows']} | {c['parsed']} | {c['day'] / n:.1%} | {c['minute'] / n:.1%} | "
            f"{c['gregorian_jalali']} | `{example}` |"
        )
    n = tot["rows"] or 1
    print(
        f"| **all** | {tot['rows']} | {tot['parsed']} | **{tot['day'] / n:.1%}** | {tot['minute'] / n:.1%} | "
        f"{tot['gregorian_jalali']} | |"
    )
    print(
        f"\nCross-checks: Tasnim URL date = parsed day in {checks['url_agree']}/{checks['url_dates']} rows; "
        f"printed weekday = computed weekday in {checks['weekday_agree']}/{checks['weekdays']} rows; "
        f"field/URL conflicts reported: {tot['conflicts']}."
    )


TODAY = re.compile(r"امروز\s*\(?\s*(یکشنبه|دوشنبه|سه ?شنبه|چهارشنبه|پنج ?شنبه|جمعه|شنبه)")
WEEKDAY = {"شنبه": 5, "یکشنبه": 6, "دوشنبه": 0, "سهشنبه": 1, "چهارشنبه": 2, "پنجشنبه": 3, "جمعه": 4}


def _langml(shared: Path) -> list[tuple[str, dict]]:
    out = []
    for path in sorted((shared / "langml-fars-varzesh3").glob("*.json.gz")):
        out.extend((path.name, rec) for rec in json.loads(gzip.decompress(path.read_bytes())))
    return out


def eval_fars_ids(shared: Path) -> None:
    c = Counter()
    for _, rec in _langml(shared):
        got = date_from_fars_id(rec["link"])
        if "farsnews" not in rec["link"]:
            continue
        c["fars"] += 1
        if got is None:
            continue
        c["id_dated"] += 1
        text = _fold(" ".join([rec.get("abstract") or "", *rec.get("paragraphs", [])]))
        m = TODAY.search(text)
        if m:
            c["today"] += 1
            c["match"] += WEEKDAY[m[1].replace(" ", "")] == got.published_at.astimezone(TEHRAN).weekday()
    print("\n### Fars news ids\n")
    print(
        f"{c['id_dated']}/{c['fars']} Fars links carry an id that reads as a valid Jalali day "
        f"(10 digits YYMMDDNNNN = 13YY/MM/DD, 14 digits YYYYMMDDNNNNNN). Where the text names today's "
        f'weekday ("امروز (سه‌شنبه)"), it matches the id\'s day in {c["match"]}/{c["today"]} articles '
        f"(chance: 1/7), so the id is taken as the publication day with confidence 0.6 (source `fars_id`)."
    )


def agency_cases(shared: Path) -> list[tuple[str, str, str | None, str, str | None]]:
    """Return (source, true publisher, url, lead, origin file) for every article with a known publisher."""
    cases = []
    for name, rec in _langml(shared):
        lead = "\n".join([rec.get("abstract") or "", *(rec.get("paragraphs") or [])[:1]])
        truth = outlet_for_url(rec["link"])
        cases.append(("langml " + name.split("-")[0], truth.name, rec["link"], lead, name))
    fars = shared / "farsnews-1402-sample" / "farsnews.csv"
    if fars.exists():
        for row in _csv(fars):
            if row["text"].strip():
                cases.append(
                    ("farsnews-1402", "فارس", None, row["text"].strip().split("\n")[0], "farsnews.csv")
                )
    for path in sorted((shared / "headlinegen-4agency-sample").glob("*.csv")):
        for row in _csv(path):
            lead = "\n".join([row["introtext"], row["text"].split("\n")[0]])
            cases.append(("headlinegen", outlet_for_url(row["url"]).name, row["url"], lead, path.name))
    for name in ("hamshahri", "radiofarda"):
        path = shared / "sci2lab-farsi-news-rss" / f"{name}.json"
        if path.exists():
            for rec in json.loads(path.read_text("utf-8")):
                truth = outlet_for_url(rec["link"])
                cases.append(
                    (f"sci2lab {name}", truth.name, rec["link"], rec.get("summary") or "", path.name)
                )
    seed = shared / "seed-mashregh" / "000_1f1dd5fe7a1e3056.txt"
    if seed.exists():
        cases.append(("seed-mashregh", "مشرق", None, seed.read_text("utf-8").split("\n")[0], seed.name))
    return cases


def names_publisher(lead: str, truth: str) -> bool:
    """Tell whether the lead's opening names the publisher by any registered alias."""
    outlet = next(o for o in registry() if o.name == truth)
    head = " ".join(_fold(p)[:250] for p in lead.split("\n")[:3])
    return any(
        re.search(r"(?<!\w)" + re.escape(_fold(a)) + r"(?!\w)", head) for a in (outlet.name, *outlet.aliases)
    )


def eval_agency(shared: Path) -> None:
    full, lead_only = Counter(), Counter()
    by_source: dict[str, Counter] = {}
    misses: list[str] = []
    for source, truth, url, lead, origin in agency_cases(shared):
        got, _ = detect_agency(url, None, lead, origin_name=origin)
        full["n"] += 1
        full["ok"] += got == truth
        if names_publisher(lead, truth):
            got_lead, _ = detect_agency(None, None, lead)
            s = by_source.setdefault(source, Counter())
            s["n"] += 1
            s["ok"] += got_lead == truth
            lead_only["n"] += 1
            lead_only["ok"] += got_lead == truth
            if got_lead != truth and len(misses) < 5:
                misses.append(f"{truth} -> {got_lead}: {lead[:80]!r}")
    print("\n### Agency\n")
    print("| source | articles whose lead names the publisher | lead-only accuracy |\n|---|---:|---:|")
    for source, c in sorted(by_source.items()):
        print(f"| {source} | {c['n']} | {c['ok'] / c['n']:.1%} |")
    print(f"| **all** | {lead_only['n']} | **{lead_only['ok'] / max(1, lead_only['n']):.1%}** |")
    print(
        f"\nWith URL/file name as well: {full['ok']}/{full['n']} = {full['ok'] / full['n']:.1%} of all articles."
    )
    if misses:
        print("Lead-only misses (first 5): " + "; ".join(misses))
    seed = shared / "seed-mashregh" / "000_1f1dd5fe7a1e3056.txt"
    if seed.exists():
        print(f"Seed article: {detect_agency(None, None, seed.read_text('utf-8').split(chr(10))[0])}")


def shared_labels(shared: Path) -> Counter:
    """Collect every category label present in the shared data, as the readers would pass them."""
    labels: Counter = Counter()
    for name, rec in _langml(shared):
        if name.startswith("fars"):
            labels[rec.get("cat") or ""] += 0  # empty cat is "no label"
            for part in (rec.get("cat"), rec.get("subcat")):
                if part:
                    labels[part] += 1
    fars = shared / "farsnews-1402-sample" / "farsnews.csv"
    if fars.exists():
        labels.update(r["label"] for r in _csv(fars) if r["label"])
    for path in (shared / "headlinegen-4agency-sample").glob("*.csv"):
        labels.update(r["category"] for r in _csv(path) if r["category"])
    for path in (shared / "sci2lab-farsi-news-rss").glob("*.json"):
        labels.update(t for rec in json.loads(path.read_text("utf-8")) for t in rec.get("tags") or [])
    for path in (shared / "rss-iran-news-mcp").glob("*.xml"):
        for m in re.finditer(r"<category[^>]*>(?:<!\[CDATA\[)?([^<\]]*)", path.read_text("utf-8")):
            labels[m[1].replace("&gt;", ">").strip()] += 1
    pn = shared / "hazm-test-format-samples" / "pn-summary__test.csv"
    if pn.exists():
        with pn.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                labels.update(v for v in (row.get("category"), row.get("categories")) if v)
    persica = shared / "hazm-test-format-samples" / "persica.csv"
    if persica.exists():
        lines = persica.read_text("utf-8").splitlines()
        labels.update(line.rstrip(",").strip() for line in lines[5::7] + lines[6::7] if line.strip())
    del labels[""]
    return labels


def eval_category(shared: Path) -> None:
    labels = shared_labels(shared)
    unknown = sorted(label for label in labels if not label_known(label))
    print("\n### Category\n")
    print(
        f"Label table covers {len(labels) - len(unknown)}/{len(labels)} distinct labels present in the shared data"
        + (f"; not covered: {unknown}" if unknown else ".")
    )
    examples, noisy = load_examples(shared)
    test = [e for e in examples if held_out(e.key)]
    rows, overall = accuracy_table(MODEL_PATH, test)
    print("\n| source | held-out n | classifier accuracy |\n|---|---:|---:|")
    for source, n, acc in rows:
        print(f"| {source} | {n} | {acc:.1%} |")
    print(f"| **all** | {len(test)} | **{overall:.1%}** |")
    if noisy:
        _, acc = accuracy_table(MODEL_PATH, noisy)
        print(
            f"\nfarsnews-1402 labels (documented as unreliable; never trained on): {acc:.1%} of {len(noisy)}."
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO / ".." / "shared" / "data")
    args = parser.parse_args()
    eval_dates(args.shared)
    eval_fars_ids(args.shared)
    eval_agency(args.shared)
    eval_category(args.shared)


if __name__ == "__main__":
    main()
