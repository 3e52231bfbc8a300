"""Nightly warehouse maintenance: compact the Parquet lake, run the SQL checks, checkpoint DuckDB.

Compaction merges the small files of one partition (``lake/<table>/<partition>/*.parquet``, one per batch)
into one file. It is crash-safe in the same way as a load: the new file is written under a temp name and
renamed, then ``lake_files`` swaps old paths for the new one in one DuckDB transaction, and only then are
the old files deleted. A crash before the commit leaves an unregistered new file; a crash after it leaves
unregistered old files; either way the next run's orphan sweep (``lake.remove_orphans``) deletes them.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from akhbar import lake, warehouse
from akhbar.report import md_table
from akhbar.schema import REGISTRY, backfill


@dataclass(slots=True)
class Partition:
    """One lake partition's committed files, as listed in ``lake_files``."""

    table: str
    directory: str  # relative to the warehouse, e.g. lake/articles/ingest_date=2024-03-20
    files: list[str]
    rows: int


@dataclass(slots=True)
class Compacted:
    """What compacting one partition did (or why it did not)."""

    table: str
    directory: str
    files_before: int
    rows: int
    new_file: str | None = None
    bytes_before: int = 0
    bytes_after: int = 0
    skipped: str | None = None


@dataclass(slots=True)
class CheckResult:
    """One ``warehouse/checks/*.sql`` file: the rows it returned (should be none) or the error it raised."""

    name: str
    rows: int
    sample: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.rows == 0 and self.error is None


def plan_compaction(con: duckdb.DuckDBPyConnection, min_files: int = 2) -> list[Partition]:
    """List the partitions holding at least ``min_files`` committed files, largest first."""
    groups: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
    for path, table, rows in con.execute("SELECT path, table_name, rows FROM lake_files ORDER BY path").fetchall():
        groups[(table, os.path.dirname(path))].append((path, rows))
    parts = [
        Partition(table, d, [p for p, _ in files], sum(r for _, r in files))
        for (table, d), files in groups.items()
        if len(files) >= min_files
    ]
    return sorted(parts, key=lambda p: (-len(p.files), p.table, p.directory))


def _target_schema(table: str, first: pa.Schema) -> pa.Schema:
    """Return the declared schema of a lake table (so old files gain new nullable columns), else the file's own."""
    declared = REGISTRY.get(table)
    return declared if declared is not None else first


def _conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.Table:
    """Cast a batch to the target schema, adding declared columns an older file lacks (backfill value or null)."""
    cols = []
    for f in schema:
        if f.name in batch.schema.names:
            cols.append(batch.column(f.name).cast(f.type))
        elif backfill(f) is not None:
            cols.append(pa.array([backfill(f)] * batch.num_rows, f.type))
        elif f.nullable:
            cols.append(pa.nulls(batch.num_rows, f.type))
        else:
            raise ValueError(f"file lacks required column {f.name!r}")
    return pa.Table.from_arrays(cols, schema=schema)


def merge_files(warehouse_dir: Path, part: Partition, name: str) -> tuple[str, int]:
    """Stream a partition's files into one new Parquet file, written atomically; return (relpath, rows).

    Memory stays at one record batch: files are read batch by batch, never whole.
    """
    rel = f"{part.directory}/{name}.parquet"
    schema = _target_schema(part.table, pq.read_schema(warehouse_dir / part.files[0]))
    batches = (
        _conform(batch, schema)
        for f in part.files
        for batch in pq.ParquetFile(warehouse_dir / f).iter_batches(batch_size=65_536)
    )
    return rel, lake.write_tables(warehouse_dir, rel, schema, batches)


def compact_partition(con: duckdb.DuckDBPyConnection, warehouse_dir: Path, part: Partition, run_id: str) -> Compacted:
    """Merge one partition's files into one, swap them in ``lake_files`` in one transaction, delete the old files."""
    res = Compacted(part.table, part.directory, len(part.files), part.rows)
    missing = [f for f in part.files if not (warehouse_dir / f).exists()]
    if missing:
        res.skipped = f"{len(missing)} registered file(s) missing, e.g. {missing[0]}"
        return res
    res.bytes_before = sum((warehouse_dir / f).stat().st_size for f in part.files)
    try:
        rel, rows = merge_files(warehouse_dir, part, f"compact-{run_id}")
    except (pa.ArrowException, ValueError, OSError) as exc:
        res.skipped = f"{type(exc).__name__}: {exc}"
        return res
    if rows != part.rows:
        # lake_files disagrees with the files: keep the originals and report it.
        (warehouse_dir / rel).unlink(missing_ok=True)
        res.skipped = f"row count mismatch: files hold {rows}, lake_files says {part.rows}"
        return res
    lake.swap_files(con, warehouse_dir, part.table, part.files, rel, rows, run_id)
    res.new_file = rel
    res.bytes_after = (warehouse_dir / rel).stat().st_size
    return res


def compact_lake(con: duckdb.DuckDBPyConnection, warehouse_dir: Path, run_id: str, min_files: int = 2) -> list[Compacted]:
    """Compact every partition with at least ``min_files`` files, then checkpoint the database."""
    done = [compact_partition(con, warehouse_dir, p, run_id) for p in plan_compaction(con, min_files)]
    con.execute("CHECKPOINT")
    return done


def run_checks(con: duckdb.DuckDBPyConnection, files: list[Path] | None = None, sample: int = 5) -> list[CheckResult]:
    """Run each check query (``warehouse/checks/*.sql`` by default); a check passes when it returns no rows."""
    results = []
    for path in warehouse.sql_files("checks") if files is None else files:
        try:
            rows = con.execute(path.read_text(encoding="utf-8")).fetchall()
        except duckdb.Error as exc:
            results.append(CheckResult(path.stem, 0, error=f"{type(exc).__name__}: {str(exc).splitlines()[0]}"))
            continue
        results.append(CheckResult(path.stem, len(rows), [repr(r)[:200] for r in rows[:sample]]))
    return results


def maintenance_markdown(compacted: list[Compacted], checks: list[CheckResult], report_path: str | None) -> str:
    """Render one maintenance run as Markdown for the Prefect artifact."""
    failed = [c for c in checks if not c.ok]
    lines = [f"# warehouse maintenance — {'checks failed' if failed else 'ok'}", ""]
    merged = [c for c in compacted if c.new_file]
    lines += ["## Lake compaction", ""]
    if compacted:
        lines.append(md_table(
            ["table", "partition", "files → 1", "rows", "KB before", "KB after", "note"],
            [[c.table, c.directory.rsplit("/", 1)[-1], c.files_before, c.rows, round(c.bytes_before / 1024),
              round(c.bytes_after / 1024) if c.new_file else "-", c.skipped or ""] for c in compacted],
        ))
        lines.append("")
        lines.append(f"{len(merged)} of {len(compacted)} partitions compacted.")
    else:
        lines.append("Nothing to compact (every partition already has one file).")
    lines += ["", "## Checks (each must return zero rows)", ""]
    if checks:
        lines.append(md_table(
            ["check", "result", "rows", "first rows / error"],
            [[c.name, "ok" if c.ok else "**FAILED**", c.rows, c.error or "; ".join(c.sample)] for c in checks],
        ))
    else:
        lines.append("No checks found.")
    if report_path:
        lines += ["", f"HTML report: `{report_path}`"]
    return "\n".join(lines) + "\n"


def as_dicts(items: list[Any]) -> list[dict[str, Any]]:
    """Turn result dataclasses into plain dicts (flow return values must be serialisable)."""
    return [asdict(i) for i in items]


def new_run_id(now: dt.datetime | None = None, tag: str = "m") -> str:
    """Return a sortable id for a run that loads no files (UTC time + tag + random suffix, like ETL runs)."""
    import secrets

    now = now or dt.datetime.now(dt.UTC)
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + tag + secrets.token_hex(3)


def record_run(con: duckdb.DuckDBPyConnection, run_id: str, started_at: dt.datetime, status: str,
               lake_files: int, error: str | None = None, *, flow: str = "warehouse-maintenance",
               records_read: int = 0, articles_unchanged: int = 0, extractors: str | None = None) -> None:
    """Record a run that loads no files (maintenance, re-extraction) in ``runs`` so the run history is complete.

    ``extractors``: the fingerprint of the extractors the run applied (re-extraction); none by default.
    """
    from akhbar import __version__
    from akhbar.extract.fingerprint import NONE

    con.execute(
        "INSERT INTO runs BY NAME SELECT ? AS run_id, ? AS flow, ? AS started_at, now() AS finished_at, "
        "? AS status, []::VARCHAR[] AS inputs, 0 AS files_read, 0 AS files_skipped, ? AS records_read, 0 AS articles_new, "
        "? AS articles_unchanged, 0 AS duplicates_new, 0 AS rejects_seen, 0 AS rejects_new, '{}' AS rejects_by_reason, "
        "0 AS paragraphs_repeated, ? AS lake_files, ? AS error, ? AS akhbar_version, ? AS extractors",
        [run_id, flow, started_at, status, records_read, articles_unchanged, lake_files, error, __version__,
         extractors or NONE],
    )
