"""The Parquet lake: hive-partitioned files written atomically (temp name, fsync, rename)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from akhbar.schema import table_name
from akhbar.warehouse import rollback_quietly


def write_tables(warehouse: Path, rel: str, schema: pa.Schema, tables: Iterable[pa.Table], *,
                 keep_empty: bool = True) -> int:
    """Stream tables of one schema into the Parquet file ``warehouse/rel``, atomically; return its rows.

    The file appears under its final name only once complete (temp name, fsync, rename), so a reader or a
    crash never sees half a file. With ``keep_empty=False`` no file is left when there are no rows.
    """
    final = warehouse / rel
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.name}.tmp")
    rows = 0
    try:
        with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
            for tbl in tables:
                writer.write_table(tbl)
                rows += tbl.num_rows
        if rows or keep_empty:
            _publish(tmp, final)
        else:
            tmp.unlink()
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return rows


def _publish(tmp: Path, final: Path) -> None:
    """Give a complete temp file its final name (fsync first, so a crash never leaves half a file there)."""
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, final)


def write_table(warehouse: Path, tbl: pa.Table, partition: str, name: str) -> tuple[str, int]:
    """Write a table of a declared schema as one Parquet file under ``lake/<table>/<partition>/<name>.parquet``.

    Returns (relpath, rows). The file appears under its final name only once complete, so a reader or a crash
    never sees half a file.
    """
    rel = Path("lake") / table_name(tbl.schema) / partition / f"{name}.parquet"
    final = warehouse / rel
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.name}.tmp")
    pq.write_table(tbl, tmp, compression="zstd")
    _publish(tmp, final)
    return rel.as_posix(), tbl.num_rows


def swap_files(con: duckdb.DuckDBPyConnection, warehouse: Path, table: str, old: list[str], new: str | None,
               rows: int, run_id: str, also: tuple[str, list[object]] | None = None) -> None:
    """Replace registered lake files by one new file (or none) in one transaction, then delete the old files.

    ``also`` is one more statement for the same transaction. On failure the new file is deleted and the old
    ones stay registered: a crash at any point leaves only files the next run's orphan sweep removes.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM lake_files WHERE path IN (SELECT unnest(?))", [old])
        if also:
            con.execute(*also)
        if new:
            con.execute("INSERT INTO lake_files VALUES (?, ?, ?, ?, ?)", [new, table, rows, run_id, dt.datetime.now(dt.UTC)])
        con.execute("COMMIT")
    except BaseException:
        rollback_quietly(con)
        if new:
            (warehouse / new).unlink(missing_ok=True)
        raise
    for f in old:
        if f != new:
            (warehouse / f).unlink(missing_ok=True)


def lake_files(warehouse: Path) -> set[str]:
    """List the Parquet files (relative paths) present in the lake, including temp files of a crashed write."""
    root = warehouse / "lake"
    if not root.exists():
        return set()
    return {p.relative_to(warehouse).as_posix() for p in root.rglob("*.parquet*")}


def remove_orphans(warehouse: Path, registered: set[str]) -> list[str]:
    """Delete lake files that no committed load registered (left by a run that died); return them."""
    removed = []
    for rel in sorted(lake_files(warehouse) - registered):
        (warehouse / rel).unlink(missing_ok=True)
        removed.append(rel)
    return removed
