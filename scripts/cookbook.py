"""Write docs/COOKBOOK.md: real questions, their SQL (or Python), and the real output on the bundled samples.

Builds a warehouse from data/samples (plus three malformed records, so that rejects have something to show)
in a temporary directory with ``akhbar.etl.run``, indexes it for search, opens it read-only as ``akhbar sql``
does, runs every recipe and writes the Markdown. ``--check`` compares instead of writing (exit 1 on a
difference); tests/test_cookbook.py does the same, so the committed file cannot drift from the pipeline.

    python scripts/cookbook.py            # regenerate docs/COOKBOOK.md
    python scripts/cookbook.py --check    # fail if it is stale
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import json
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import duckdb  # noqa: E402

from akhbar import etl, search, warehouse  # noqa: E402
from akhbar.config import Settings  # noqa: E402

SAMPLES = REPO / "data" / "samples"
OUT = REPO / "docs" / "COOKBOOK.md"
MAX_ROWS = 8
MAX_CELL = 70

# Three records the readers must reject (malformed JSON, not Persian, empty body): written next to the samples.
BAD_RECORDS = "\n".join([
    '{"title": "خبر ناقص", "body": "این سطر JSON',
    json.dumps({"title": "Markets", "body": "Stock markets in Tehran rose today as traders bought shares of "
                "the largest companies listed on the exchange."}),
    json.dumps({"title": "خبر خالی", "body": "   "}, ensure_ascii=False),
]) + "\n"


@dataclass(frozen=True)
class Recipe:
    """One cookbook entry: a question, the SQL (or Python) that answers it, and a note."""

    title: str
    question: str
    sql: str = ""
    python: str = ""
    run: Callable[[duckdb.DuckDBPyConnection], tuple[list[str], list[tuple[Any, ...]]]] | None = None
    note: str = ""


def _search_rows(con: duckdb.DuckDBPyConnection) -> tuple[list[str], list[tuple[Any, ...]]]:
    rows = []
    for q in ("پرسپولیسی", "پرسپوليسي", "بازیکنان تیم ملی"):
        for h in search.search(con, q, limit=3):
            rows.append((q, h.article_id, round(h.score, 3), h.title, " ".join(h.matched), h.snippet))
    return ["query", "article_id", "score", "title", "matched", "snippet"], rows


RECIPES: list[Recipe] = [
    Recipe(
        "Articles per agency per Jalali month",
        "How many articles did each agency publish in each month of the Iranian calendar?",
        "SELECT jalali_month, agency, articles, duplicates\nFROM monthly_counts\nORDER BY jalali_month DESC, articles DESC\nLIMIT 12;",
        note="`monthly_counts` groups by `left(published_jalali, 7)`; undated articles are not counted "
        "(see `agency_stats.undated`).",
    ),
    Recipe(
        "Daily counts, Gregorian and Jalali",
        "How many stories per day, with the day in both calendars (Tehran time)?",
        "SELECT day, jalali_day, agency, articles, canonical\nFROM daily_counts\nORDER BY day DESC, agency\nLIMIT 8;",
    ),
    Recipe(
        "What each agency contributes",
        "Per agency: how many articles, how many are duplicates, how many lack a date or a category?",
        "SELECT agency, articles, duplicates, duplicate_share, undated, uncategorised, avg_chars\nFROM agency_stats;",
    ),
    Recipe(
        "Full-text search (Python API and `akhbar search`)",
        "Which articles talk about Persepolis players, whatever the spelling or word form?",
        python='from akhbar.search import search\nfrom akhbar.warehouse import connect_reader\n\n'
        'con = connect_reader(Path("warehouse/news.duckdb"))\n'
        'for q in ("پرسپولیسی", "پرسپوليسي", "بازیکنان تیم ملی"):  # an inflected form; Arabic ي; a plural\n'
        '    for hit in search(con, q, limit=3):\n'
        '        print(q, hit.article_id, hit.score, hit.title, hit.matched, hit.snippet)',
        run=_search_rows,
        note="The query goes through the same reduction as the indexed text (hazm lemmas, letters and digits "
        "folded), so `پرسپولیسی` and `پرسپوليسي` find `پرسپولیس`. Every term must occur; a duplicate cluster "
        "gives one hit. Put a phrase in double quotes to require it verbatim.",
    ),
    Recipe(
        "Full-text search in SQL",
        "The same BM25 ranking from plain SQL (read-only sessions included).",
        "SELECT s.article_id, round(s.score, 3) AS score, a.agency, a.title\n"
        "FROM search_articles('پرسپولیس') AS s JOIN articles AS a USING (article_id)\n"
        "WHERE a.is_canonical\nORDER BY s.score DESC, s.article_id\nLIMIT 5;",
        note="`search_articles` takes terms already reduced (`akhbar.search.query_terms`); a base-form word is its "
        "own term, except that آ/أ/ئ/ؤ/ۀ are folded (`آمریکا` is the term `امریکا`). "
        "`all_terms := false` ranks articles holding any of the terms.",
    ),
    Recipe(
        "Find a phrase in any spelling, without the index",
        "Which articles contain the words «تیم ملی» — typed here with Arabic ي?",
        "SELECT article_id, agency, title\nFROM articles\nWHERE is_canonical AND fa_contains(body, 'تيم ملي')\n"
        "ORDER BY article_id\nLIMIT 5;",
        note="`fa_contains` compares `fa_key` forms (the Python `canonical_key`): letters, digits, ZWNJ/space "
        "and punctuation variants match, as whole words. It scans every body, so prefer search on large warehouses.",
    ),
    Recipe(
        "Who first published this story",
        "For stories published more than once: who had it first, and who else ran it?",
        "SELECT cluster_id, members, first_agency, agency_list, title\nFROM duplicate_clusters\nLIMIT 5;",
        note="`first_agency` is the earliest `published_at` in the cluster (undated members count as later; ties go "
        "to the canonical member). The members of one cluster:\n\n"
        "```sql\nSELECT article_id, agency, published_at, is_canonical, origin_name, origin_line\n"
        "FROM articles WHERE cluster_id = '…' ORDER BY published_at NULLS LAST;\n```",
    ),
    Recipe(
        "Duplicates per agency",
        "How many of each agency's articles are copies of a story already in the warehouse, and whose story?",
        "SELECT a.agency, o.agency AS original_agency, count(*) AS copies\n"
        "FROM articles AS a\nJOIN articles AS o ON o.article_id = a.cluster_id\n"
        "WHERE NOT a.is_canonical\nGROUP BY ALL\nORDER BY copies DESC;",
        note="`cluster_id` is the `article_id` of the cluster's first member, so the join finds the original.",
    ),
    Recipe(
        "Rejects by reason",
        "What did the runs reject, and why?",
        "SELECT reason, rejects, files, example_origin, example_detail\nFROM rejects_by_reason\n"
        "ORDER BY rejects DESC, reason;",
        note="The cookbook warehouse gets three deliberately malformed records (`bad-records.jsonl`) next to the "
        "samples. `rejects_by_reason` also has `run_id` and `run_started_at`.",
    ),
    Recipe(
        "Top keywords per source",
        "Which keywords does each input carry most often?",
        "SELECT origin_name, kw AS keyword, count(*) AS articles\n"
        "FROM (SELECT origin_name, unnest(keywords) AS kw FROM articles WHERE is_canonical)\n"
        "GROUP BY origin_name, kw\nQUALIFY row_number() OVER (PARTITION BY origin_name ORDER BY count(*) DESC, kw) <= 2\n"
        "ORDER BY origin_name, articles DESC, keyword;",
        note="Swap `origin_name` for `agency` to rank by agency.",
    ),
    Recipe(
        "Latest stories",
        "What are the newest stories (one row per story)?",
        "SELECT published_jalali, agency, category, title, copies\nFROM latest_articles\nLIMIT 5;",
    ),
    Recipe(
        "Who is quoted, and in what role",
        "Who said the most, and as what (the question behind \"who did the defence minister quote this week?\")?",
        "SELECT speaker, any_value(speaker_role) AS role, count(*) AS quotes, count(DISTINCT article_id) AS articles\n"
        "FROM quotes\nWHERE speaker_kind = 'person'\nGROUP BY speaker\nORDER BY quotes DESC, speaker\nLIMIT 5;",
        note="For one role: `WHERE speaker_role LIKE 'وزیر دفاع%'` (drop the `speaker_kind` filter to include quotes "
        "whose speaker the article names only by office, e.g. `استاندار اردبیل`); per week with `most_quoted_week`.",
    ),
    Recipe(
        "People most in the news",
        "Which persons do the stories name most (a reprint does not count twice)?",
        "SELECT e.canonical AS person, count(DISTINCT e.article_id) AS articles, any_value(e.title) AS title\n"
        "FROM entities AS e JOIN articles AS a USING (article_id)\nWHERE e.type = 'PER' AND a.is_canonical\n"
        "GROUP BY e.canonical\nORDER BY articles DESC, person\nLIMIT 5;",
        note="Weekly: `top_entities_week`; pairs named together: `entity_cooccurrence`.",
    ),
    Recipe(
        "Read the Parquet lake directly",
        "Can I query the files without DuckDB's database file (e.g. while a run holds it, or from another tool)?",
        "SELECT origin_name, count(*) AS articles, count(DISTINCT cluster_id) AS stories\n"
        "FROM read_parquet('warehouse/lake/articles/**/*.parquet', hive_partitioning = true)\n"
        "GROUP BY origin_name\nORDER BY articles DESC;",
        note="The lake holds the same rows as the tables, partitioned by `ingest_date=YYYY-MM-DD`; each file has "
        "the declared schema. Rejects are under `warehouse/lake/rejects/`.",
    ),
    Recipe(
        "Jalali dates in SQL",
        "Convert between the calendars.",
        "SELECT to_jalali(DATE '2023-03-21') AS nowruz_1402,\n"
        "       jalali_to_date(1403, 1, 1) AS nowruz_1403,\n"
        "       tehran_jalali(TIMESTAMPTZ '2024-03-19 21:00:00+00') AS tehran_day,\n"
        "       tehran_week(TIMESTAMPTZ '2024-03-19 21:00:00+00') AS week_starting_saturday;",
    ),
    Recipe(
        "Run history",
        "What did each run read and add?",
        "SELECT flow, status, files_read, records_read, articles_new, duplicates_new, rejects_new, articles_total\n"
        "FROM run_history;",
        note="Also `run_id`, `started_at`, `started_jalali`, `duration_s` and `error`.",
    ),
]


def build_warehouse(root: Path) -> Path:
    """Build the samples warehouse under ``root`` (with search index) and return its directory."""
    wh = root / "warehouse"
    extra = root / "extra"
    extra.mkdir(parents=True, exist_ok=True)
    (extra / "bad-records.jsonl").write_text(BAD_RECORDS, encoding="utf-8")
    etl.run(Settings(warehouse=wh, workers=1), [str(SAMPLES), str(extra)])
    con = duckdb.connect(str(wh / "news.duckdb"))
    try:
        search.index_missing(con)
        search.refresh_index(con)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return wh


def build_once(root: Path) -> Path:
    """Return the samples warehouse under ``root``, building it on first use (tests share one per session)."""
    done = root / "built.ok"
    if not done.exists():
        wh = build_warehouse(root)
        done.write_text(str(wh), encoding="utf-8")
    return root / "warehouse"


def _fmt(v: Any) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, float | decimal.Decimal):
        return f"{float(v):.3f}".rstrip("0").rstrip(".")
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, list):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    text = " ".join(str(v).split())
    if len(text) > MAX_CELL:
        text = text[: MAX_CELL - 1] + "…"
    return text.replace("|", "\\|")


def _table(cols: list[str], rows: list[tuple[Any, ...]]) -> list[str]:
    if not rows:
        return ["*(no rows on the samples yet)*"]
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    out += ["| " + " | ".join(_fmt(v) for v in r) + " |" for r in rows[:MAX_ROWS]]
    if len(rows) > MAX_ROWS:
        out.append(f"\n*{len(rows)} rows; the first {MAX_ROWS} shown.*")
    return out


def render(wh: Path) -> str:
    """Run every recipe against the warehouse at ``wh`` (read-only) and return the cookbook Markdown."""
    con = warehouse.connect_reader(wh / "news.duckdb")
    # Relative paths in recipes ('warehouse/lake/...') resolve against the directory holding `warehouse/`.
    con.execute(f"SET file_search_path = '{wh.parent}'")
    out = [
        "# SQL cookbook",
        "",
        "Real questions, the query that answers them, and its real output on the bundled samples",
        "(`data/samples`: 126 articles from Fars, Varzesh3, Tasnim and Borna, plus three malformed records).",
        "Generated by `scripts/cookbook.py`; do not edit by hand (a test fails when it is stale).",
        "",
        "Run any of them with `akhbar sql \"…\"` (or `akhbar sql -f query.sql`); the warehouse opens read-only.",
        "Tables, views and macros are described in [DATA_DICTIONARY.md](DATA_DICTIONARY.md).",
        "Long cells are cut at " + str(MAX_CELL) + " characters and tables at " + str(MAX_ROWS) + " rows.",
        "",
    ]
    try:
        for i, r in enumerate(RECIPES, 1):
            out += [f"## {i}. {r.title}", "", f"*{r.question}*", ""]
            if r.run is not None:
                out += ["```python", r.python, "```", ""]
                cols, rows = r.run(con)
            else:
                out += ["```sql", r.sql, "```", ""]
                cur = con.execute(r.sql)
                cols = [d[0] for d in cur.description]
                rows = cur.fetchall()
            out += _table(cols, rows)
            out += [""]
            if r.note:
                out += [r.note, ""]
    finally:
        con.close()
    return "\n".join(out).rstrip() + "\n"


def generate() -> str:
    """Build a fresh samples warehouse in a temporary directory and render the cookbook from it."""
    with tempfile.TemporaryDirectory(prefix="akhbar-cookbook-") as tmp:
        return render(build_warehouse(Path(tmp)))


def main(argv: list[str] | None = None) -> int:
    """Regenerate docs/COOKBOOK.md, or with --check report whether it is stale."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the committed file instead of writing it")
    ap.add_argument("--output", type=Path, default=OUT)
    args = ap.parse_args(argv)
    text = generate()
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            sys.stderr.write(f"{args.output} is stale: run python scripts/cookbook.py\n")
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    sys.stdout.write(f"wrote {args.output}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
