"""The Parquet lake: hive-partitioned files written atomically (temp name, fsync, rename)."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from akhbar.schema import table_name


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
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, final)
    return rel.as_posix(), tbl.num_rows


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
