"""Re-extract the entities and quotes of articles already in the warehouse (after an upgrade of the extractors).

``akhbar run`` extracts entities and quotes once, when an article is first loaded; a later version that finds
more (or fewer) keeps the old rows of everything loaded before it. :func:`reextract` runs the current
extractors over every stored article body, in bounded batches, and replaces the rows of the articles whose
result changed: one transaction per batch, so an interrupted run leaves every article either old or new, and
a rerun with the same code changes nothing. The Parquet lake follows: each ``ingest_date`` partition holding
a changed article is marked in ``lake_stale`` by the batch's own transaction, then rewritten from the table
(new file first, then ``lake_files`` swapped and the mark cleared in one transaction, then the old files
deleted, as compaction does). A run killed between the two finds its marks at the next start and finishes
them, so the lake never keeps stale rows unnoticed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from akhbar import lake, maintenance
from akhbar.extract.fingerprint import extractors_fingerprint
from akhbar.records import entity_row, quote_row
from akhbar.schema import ENTITIES, QUOTES, table_name
from akhbar.warehouse import rollback_quietly

BATCH = 200  # articles per batch: one tagger call and one transaction each


@dataclass(slots=True)
class Reextracted:
    """What one re-extraction did."""

    articles: int = 0
    changed: int = 0
    entities_before: int = 0
    entities_after: int = 0
    quotes_before: int = 0
    quotes_after: int = 0
    partitions: list[str] = field(default_factory=list)  # lake partitions rewritten (relative directories)
    lake_files: int = 0  # Parquet files written


def _content(rows: Iterable[dict[str, Any]], schema: pa.Schema) -> list[tuple[Any, ...]]:
    """Return rows as sorted tuples of every column but ``run_id`` (what a comparison looks at)."""
    names = [f.name for f in schema if f.name not in ("article_id", "run_id")]
    return sorted((tuple(r[n] for n in names) for r in rows), key=repr)


def _stored(con: duckdb.DuckDBPyConnection, schema: pa.Schema, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    name = table_name(schema)
    cols = ", ".join(f'"{f.name}"' for f in schema)
    cur = con.execute(f'SELECT {cols} FROM "{name}" WHERE article_id IN (SELECT unnest(?))', [ids])
    names = [f.name for f in schema]
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in cur.fetchall():
        rec = dict(zip(names, row, strict=True))
        out[rec["article_id"]].append(rec)
    return out


def _partition_of(day: dt.date) -> str:
    return f"ingest_date={day.isoformat()}"


def rewrite_partition(con: duckdb.DuckDBPyConnection, warehouse_dir: Path, schema: pa.Schema, partition: str,
                      run_id: str) -> int:
    """Rewrite one lake partition of ``schema``'s table from the DuckDB rows of the articles loaded that day.

    Returns the number of files written (0 when the day has no rows left). Rows stream in record batches.
    """
    name = table_name(schema)
    directory = f"lake/{name}/{partition}"
    day = dt.date.fromisoformat(partition.removeprefix("ingest_date="))
    old = [r[0] for r in con.execute(
        "SELECT path FROM lake_files WHERE table_name = ? AND starts_with(path, ?)", [name, directory + "/"]).fetchall()]
    cols = ", ".join(f't."{f.name}"' for f in schema)
    reader = con.execute(
        f'SELECT {cols} FROM "{name}" AS t JOIN articles AS a USING (article_id) '
        "WHERE CAST(timezone('UTC', a.loaded_at) AS DATE) = ? ORDER BY t.article_id, t.\"start\"", [day]
    ).fetch_record_batch(65_536)
    rel = f"{directory}/reextract-{run_id}.parquet"
    tables = (pa.Table.from_batches([batch]).cast(schema) for batch in reader)
    rows = lake.write_tables(warehouse_dir, rel, schema, tables, keep_empty=False)
    clear = ('DELETE FROM lake_stale WHERE "partition" = ?', [directory])
    lake.swap_files(con, warehouse_dir, name, old, rel if rows else None, rows, run_id, also=clear)
    return 1 if rows else 0


def reextract(con: duckdb.DuckDBPyConnection, warehouse_dir: Path, run_id: str, batch: int = BATCH,
              progress: Callable[[Reextracted, int], None] | None = None) -> Reextracted:
    """Run the current entity and quote extractors over every stored article; replace what changed.

    ``progress(result_so_far, total_articles)`` is called after each batch.
    """
    from akhbar.extract.entities import extract_entities_many
    from akhbar.extract.quotes import extract_quotes

    res = Reextracted()
    total = con.execute("SELECT count(*) FROM articles").fetchone()[0]  # type: ignore[index]
    _rewrite_stale(con, warehouse_dir, run_id, res)  # left by a run that stopped before its lake rewrite
    last = ""
    while True:
        rows = con.execute(
            "SELECT article_id, body, CAST(timezone('UTC', loaded_at) AS DATE) FROM articles "
            "WHERE article_id > ? ORDER BY article_id LIMIT ?", [last, batch]).fetchall()
        if not rows:
            break
        last = rows[-1][0]
        ids = [r[0] for r in rows]
        paragraphs = [body.split("\n") for _, body, _ in rows]
        new_e: dict[str, list[dict[str, Any]]] = {}
        new_q: dict[str, list[dict[str, Any]]] = {}
        for aid, paras, found in zip(ids, paragraphs, extract_entities_many(paragraphs), strict=True):
            new_e[aid] = [entity_row(aid, e, run_id) for e in found]
            new_q[aid] = [quote_row(aid, q, run_id) for q in extract_quotes(paras, found)]
        old_e, old_q = _stored(con, ENTITIES, ids), _stored(con, QUOTES, ids)
        changed = [
            aid for aid in ids
            if _content(old_e[aid], ENTITIES) != _content(new_e[aid], ENTITIES)
            or _content(old_q[aid], QUOTES) != _content(new_q[aid], QUOTES)
        ]
        res.articles += len(ids)
        res.entities_before += sum(len(v) for v in old_e.values())
        res.quotes_before += sum(len(v) for v in old_q.values())
        res.entities_after += sum(len(v) for v in new_e.values())
        res.quotes_after += sum(len(v) for v in new_q.values())
        if changed:
            ent = pa.Table.from_pylist([r for aid in changed for r in new_e[aid]], schema=ENTITIES)  # noqa: F841
            quo = pa.Table.from_pylist([r for aid in changed for r in new_q[aid]], schema=QUOTES)  # noqa: F841
            day_of = {r[0]: r[2] for r in rows}
            stale = sorted({(f"lake/{name}/{_partition_of(day_of[aid])}", name) for aid in changed for name in ("entities", "quotes")})
            con.execute("BEGIN TRANSACTION")
            try:
                for name in ("entities", "quotes"):
                    con.execute(f"DELETE FROM {name} WHERE article_id IN (SELECT unnest(?))", [changed])
                con.execute("INSERT INTO entities BY NAME SELECT * FROM ent")
                con.execute("INSERT INTO quotes BY NAME SELECT * FROM quo")
                con.executemany(
                    "INSERT INTO lake_stale VALUES (?, ?, ?, now()) ON CONFLICT DO NOTHING",
                    [[part, name, run_id] for part, name in stale],
                )
                con.execute("COMMIT")
            except BaseException:
                rollback_quietly(con)
                raise
            res.changed += len(changed)
        if progress:
            progress(res, total)
    _rewrite_stale(con, warehouse_dir, run_id, res)
    return res


def _rewrite_stale(con: duckdb.DuckDBPyConnection, warehouse_dir: Path, run_id: str, res: Reextracted) -> None:
    """Rewrite every lake partition marked in ``lake_stale`` (each clears its own mark)."""
    schemas = {table_name(s): s for s in (ENTITIES, QUOTES)}
    for directory, name in con.execute('SELECT "partition", table_name FROM lake_stale ORDER BY 1').fetchall():
        res.lake_files += rewrite_partition(con, warehouse_dir, schemas[name], directory.rsplit("/", 1)[1], run_id)
        res.partitions.append(directory)


def record_run(con: duckdb.DuckDBPyConnection, run_id: str, started_at: dt.datetime, res: Reextracted | None,
               status: str, error: str | None = None) -> None:
    """Add the re-extraction to ``runs`` (flow ``reextract``; records_read = articles examined)."""
    maintenance.record_run(
        con, run_id, started_at, status, res.lake_files if res else 0, error, flow="reextract",
        records_read=res.articles if res else 0, articles_unchanged=(res.articles - res.changed) if res else 0,
        extractors=extractors_fingerprint(),
    )


def new_run_id(now: dt.datetime | None = None) -> str:
    """Return a sortable re-extraction run id (UTC time + "x" + random suffix)."""
    return maintenance.new_run_id(now, tag="x")
