"""DuckDB: DDL generated from akhbar.schema, numbered SQL files, one writer at a time, read-only readers."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa

from akhbar.schema import REGISTRY, backfill, ddl_for, duckdb_type, table_name

SQL_DIR = Path(__file__).resolve().parents[1] / "warehouse"
SQL_SUBDIRS = ("macros", "views")


class WarehouseMissing(RuntimeError):
    """No warehouse at the given directory."""


class WarehouseBusy(RuntimeError):
    """Another run holds the writer lock."""


def rollback_quietly(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back the open transaction, saying nothing if there is none.

    After a failed COMMIT (e.g. ENOSPC on the WAL) DuckDB has already ended the transaction, and the
    ROLLBACK's own "no transaction is active" must not replace the real error.
    """
    with contextlib.suppress(duckdb.Error):
        con.execute("ROLLBACK")


def sql_files(kind: str) -> list[Path]:
    """Return the numbered SQL files of one kind (macros, views, checks) in order."""
    d = SQL_DIR / kind
    return sorted(d.glob("*.sql")) if d.exists() else []


def _sql_literal(value: object) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def add_missing_columns(con: duckdb.DuckDBPyConnection, schema: pa.Schema) -> list[str]:
    """Bring an existing table up to its declared columns; return the columns added.

    A warehouse made by an older version lacks columns added since: each is added with its declared backfill
    value (or null) in the rows already there, then made NOT NULL when declared so.
    """
    name = table_name(schema)
    have = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND table_schema = current_schema()",
            [name],
        ).fetchall()
    }
    added = []
    for field in schema:
        if field.name in have:
            continue
        value = backfill(field)
        if value is None and not field.nullable:
            raise RuntimeError(f"table {name} lacks the required column {field.name} and it declares no backfill value")
        default = "" if value is None else f" DEFAULT {_sql_literal(value)}"
        con.execute(f'ALTER TABLE "{name}" ADD COLUMN "{field.name}" {duckdb_type(field.type)}{default}')
        if value is not None:
            con.execute(f'ALTER TABLE "{name}" ALTER COLUMN "{field.name}" DROP DEFAULT')
        if not field.nullable:
            con.execute(f'ALTER TABLE "{name}" ALTER COLUMN "{field.name}" SET NOT NULL')
        added.append(field.name)
    return added


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create every registered table; add the columns an existing table made by an older version lacks."""
    for schema in REGISTRY.values():
        con.execute(ddl_for(schema))
        add_missing_columns(con, schema)


def apply_sql(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create macros and views from the numbered SQL files."""
    for kind in SQL_SUBDIRS:
        for path in sql_files(kind):
            con.execute(path.read_text(encoding="utf-8"))


def init(con: duckdb.DuckDBPyConnection) -> None:
    """Bring a connection's database to the current schema: tables, macros, views."""
    create_tables(con)
    apply_sql(con)


def _is_lock_conflict(exc: duckdb.Error) -> bool:
    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


# A reader kept out by the writer touches this file; the writer closes the DuckDB file after its current
# batch when it sees a touch newer than its connection (see akhbar.etl.RunState.release).
READ_WANTED = ".read-wanted"


def ask_for_read(warehouse: Path) -> None:
    """Tell a running writer that a reader is waiting for the DuckDB file."""
    path = warehouse / READ_WANTED
    with contextlib.suppress(OSError):  # e.g. a read-only warehouse directory: the writer's timer still lets it in
        created = not path.exists()
        path.touch()
        if created:
            path.chmod(0o666)  # so readers running as other users can touch it too


def read_wanted_since(warehouse: Path, since: float) -> bool:
    """Whether a reader asked for the file at or after wall-clock time ``since``."""
    try:
        return (warehouse / READ_WANTED).stat().st_mtime >= since
    except OSError:
        return False


def _connect_retrying(db_path: Path, read_only: bool, wait: float) -> duckdb.DuckDBPyConnection:
    """Open the DuckDB file, retrying while another process holds a conflicting lock (up to ``wait`` s).

    DuckDB 1.5 lets no other process in, not even read-only, while one holds the file read-write; the
    writer therefore lets go of it after a batch when a reader has asked (or has held it RELEASE_EVERY_S
    seconds), and readers and the writer take turns.
    """
    deadline = time.monotonic() + wait
    delay = 0.02
    while True:
        try:
            return duckdb.connect(str(db_path), read_only=read_only)
        except duckdb.Error as exc:
            if not _is_lock_conflict(exc) or time.monotonic() >= deadline:
                raise
            if read_only:
                ask_for_read(db_path.parent)
            time.sleep(delay)
            delay = min(delay * 2, 0.25)


# DuckDB checkpoints (rewrites the changed row groups into the file) when a commit leaves the write-ahead log
# over this size. Its default, 16 MB, is reached every few batches because each batch logs its articles' text,
# and every checkpoint rewrites the tables a batch updates in place (boilerplate counts, canonical flags).
# At 256 MB a 50,000-article run's commits took 4.5 s instead of 18.6-20.0 s (2.3 s of CPU instead of
# 11.2-12.6) and the writer's peak RSS stayed the same (572 vs 565 MiB). Committed data is in the log either
# way: a crash loses nothing, the next open replays it.
CHECKPOINT_THRESHOLD = "256MB"


def connect_writer(db_path: Path, wait: float = 0.0, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """Open the warehouse for writing and initialise it (waiting up to ``wait`` s for readers to let go)."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    con = reopen_writer(db_path, wait, memory_limit)
    init(con)
    return con


def reopen_writer(db_path: Path, wait: float, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """Reopen an initialised warehouse for writing, between two batches of a run (no DDL)."""
    con = _limit(_connect_retrying(db_path, read_only=False, wait=wait), memory_limit)
    con.execute(f"SET checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")
    return con


def _limit(con: duckdb.DuckDBPyConnection, memory_limit: str | None) -> duckdb.DuckDBPyConnection:
    # DuckDB's default buffer pool is 80 % of RAM and the writer's grew with the history; a bound keeps
    # the writer's RSS flat (larger operations spill to the warehouse's temp directory instead).
    if memory_limit:
        con.execute("SET memory_limit = ?", [memory_limit])
    return con


def connect_reader(db_path: Path, wait: float = 30.0, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-only; while a run writes, wait (up to ``wait`` s) for a gap between two batches.

    ``memory_limit`` bounds DuckDB's buffer pool, for readers inside a run's own process (its report).
    """
    if not db_path.exists():
        raise WarehouseMissing(f"no warehouse at {db_path.parent} (run `akhbar run PATH` first, or pass --warehouse)")
    con = _limit(_connect_retrying(db_path, read_only=True, wait=wait), memory_limit)
    # Macros are temporary objects in read-only mode: re-create them for this session.
    for path in sql_files("macros"):
        with contextlib.suppress(duckdb.Error):
            con.execute(path.read_text(encoding="utf-8").replace("CREATE OR REPLACE MACRO", "CREATE OR REPLACE TEMP MACRO"))
    return con


@contextlib.contextmanager
def writer_lock(warehouse: Path, timeout: float) -> Iterator[None]:
    """Hold the single-writer lock of a warehouse, waiting up to ``timeout`` seconds for another run."""
    warehouse.mkdir(parents=True, exist_ok=True)
    path = warehouse / ".writer.lock"
    fh = open(path, "a+")  # held open for the duration of the context
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    fh.seek(0)
                    holder = fh.read().strip() or "another process"
                    raise WarehouseBusy(
                        f"warehouse {warehouse} is being written by {holder}; waited {timeout:.0f} s "
                        "(readers such as `akhbar sql` still work)"
                    ) from None
                time.sleep(0.2)
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}")
        fh.flush()
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        fh.close()
