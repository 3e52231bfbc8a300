"""Two processes on one warehouse: one writer at a time (the other waits or gives up), readers keep reading.

Measured with DuckDB 1.5.5: a process holding the database file read-write excludes every other process,
read-only connections included ("Could not set lock on file ... Conflicting lock is held"). Since the
writer kept its connection for the whole run, `akhbar sql` could not read during a run; now a kept-out
reader asks (touches warehouse/.read-wanted) and retries, and the writer closes the file after its current
batch when asked (or every RELEASE_EVERY_S seconds).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from akhbar import etl, warehouse
from akhbar.config import Settings
from tests.conftest import REPO, SAMPLES
from tests.reliability.helpers import BATCH, INPUTS, N_ARTICLES, Child, akhbar, cli_env, in_child, queries

pytestmark = pytest.mark.usefixtures("warm")


def _slow_writer(wh: Path, pause: float = 0.4) -> Child:
    """Start a writer run in another process that pauses after each batch (so others meet it mid-run)."""
    return Child(lambda: etl.run(Settings(warehouse=wh, workers=1, batch_size=BATCH), INPUTS, on_batch=lambda _s: time.sleep(pause)))


def _wait_for_writer(wh: Path, pid: int, timeout: float = 120) -> None:
    lock = wh / ".writer.lock"
    deadline = time.monotonic() + timeout
    while not (lock.exists() and lock.read_text().strip() == f"pid {pid}"):
        assert time.monotonic() < deadline, "the writer never took the lock"
        time.sleep(0.02)
    # and it has written a first batch
    while not ((wh / "lake").exists() and any((wh / "lake").rglob("*.parquet"))):
        assert time.monotonic() < deadline, "the writer committed nothing"
        time.sleep(0.02)


def test_second_writer_gives_up_with_a_clear_message(tmp_path: Path) -> None:
    wh = tmp_path / "wh"
    writer = _slow_writer(wh)
    _wait_for_writer(wh, writer.pid)
    status, message = in_child(lambda: etl.run(Settings(warehouse=wh, workers=1, lock_timeout=0.5), INPUTS))
    assert status == "error" and message.startswith("WarehouseBusy:")
    assert f"pid {writer.pid}" in message and "waited" in message
    status, summary = writer.result()
    assert status == "ok" and summary["articles_new"] == N_ARTICLES


def test_second_writer_waits_for_the_first(tmp_path: Path) -> None:
    wh = tmp_path / "wh"
    first = _slow_writer(wh)
    _wait_for_writer(wh, first.pid)
    second = Child(lambda: etl.run(Settings(warehouse=wh, workers=1, batch_size=BATCH, lock_timeout=300), INPUTS))
    s1, first_summary = first.result()
    s2, second_summary = second.result()
    assert (s1, s2) == ("ok", "ok"), (first_summary, second_summary)
    # the second run started after the first had finished, found everything loaded and wrote nothing
    assert first_summary["articles_new"] == N_ARTICLES
    assert second_summary["articles_new"] == 0 and second_summary["articles_unchanged"] == N_ARTICLES
    (runs, counts) = queries(
        wh,
        "SELECT run_id, started_at, finished_at, status FROM runs ORDER BY started_at",
        "SELECT count(*), count(DISTINCT article_id) FROM articles",
    )
    assert [r[0] for r in runs] == [first_summary["run_id"], second_summary["run_id"]]
    assert runs[1][1] >= runs[0][2], "two writers overlapped"
    assert counts == [(N_ARTICLES, N_ARTICLES)]


def test_duckdb_excludes_readers_while_another_process_writes(tmp_path: Path) -> None:
    """Pin the DuckDB behaviour the design depends on (measured with 1.5.5)."""
    import duckdb

    db = tmp_path / "x.duckdb"
    ready = tmp_path / "ready"

    def hold() -> None:
        con = duckdb.connect(str(db))
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
        ready.touch()
        time.sleep(3)
        con.close()

    holder = Child(hold)
    while not ready.exists():
        time.sleep(0.02)

    def read() -> Any:
        return duckdb.connect(str(db), read_only=True).execute("SELECT count(*) FROM t").fetchall()

    status, message = in_child(read)
    assert status == "error" and "lock" in message.lower(), (duckdb.__version__, message)
    assert holder.result()[0] == "ok"
    assert in_child(read) == ("ok", [(1,)])  # once the writer is gone, readers get in


def test_readers_keep_working_while_a_run_writes(tmp_path: Path) -> None:
    wh = tmp_path / "wh"
    writer = _slow_writer(wh, pause=0.5)
    _wait_for_writer(wh, writer.pid)

    def read_for_a_while() -> list[Any]:
        seen = []
        end = time.monotonic() + 3
        while time.monotonic() < end:
            try:
                con = warehouse.connect_reader(wh / "news.duckdb")
                try:
                    seen.append(con.execute("SELECT count(*) FROM articles").fetchone()[0])
                finally:
                    con.close()
            except Exception as exc:
                seen.append(f"{type(exc).__name__}: {exc}")
            time.sleep(0.1)
        return seen

    status, seen = in_child(read_for_a_while)
    w_status, summary = writer.result()
    assert w_status == "ok" and summary["articles_new"] == N_ARTICLES, summary
    assert status == "ok", seen
    failures = [s for s in seen if isinstance(s, str)]
    assert not failures, failures[:3]
    # every read saw whole batches, and never went backwards
    assert seen and seen == sorted(seen) and all(0 < n <= N_ARTICLES for n in seen)


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
def test_cli_exits_4_when_busy(tmp_path: Path) -> None:
    wh = tmp_path / "wh"
    with warehouse.writer_lock(wh, 0):  # this process is "the other writer"
        r = akhbar("run", str(SAMPLES / "headlinegen"), "--warehouse", str(wh), "--workers", "1", "--no-progress",
                   env=cli_env(AKHBAR_LOCK_TIMEOUT="1"))
    assert r.returncode == 4, (r.stdout[-1000:], r.stderr[-2000:])
    assert "busy" in r.stderr and "being written by pid" in r.stderr


def _read_in_new_process(db: Path, wait: float) -> subprocess.CompletedProcess[str]:
    # A new interpreter, not a fork: a forked child would inherit this process's open DuckDB instance.
    code = f"from akhbar import warehouse; print(warehouse.connect_reader(__import__('pathlib').Path({str(db)!r}), wait={wait}).execute('SELECT count(*) FROM runs').fetchone()[0])"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO)


def test_writer_lets_go_of_the_file_when_a_reader_asks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Closing checkpoints the file, so the writer keeps it between batches unless a reader is waiting."""
    wh = tmp_path / "wh"
    db = wh / "news.duckdb"
    state = etl.start_run(Settings(warehouse=wh), [], share_reads=True)
    try:
        assert state.con is None  # let go at the start, while the workers start
        state.connection()
        state.release()  # nobody asked, held for less than RELEASE_EVERY_S
        assert state.con is not None
        kept_out = _read_in_new_process(db, wait=0.3)
        assert kept_out.returncode != 0 and "lock" in kept_out.stderr.lower(), kept_out.stderr[-500:]
        assert (wh / warehouse.READ_WANTED).exists(), "the kept-out reader did not ask"
        state.release()  # a reader asked since the file was opened
        assert state.con is None
        let_in = _read_in_new_process(db, wait=0)
        assert let_in.returncode == 0 and let_in.stdout.strip() == "1", let_in.stderr[-500:]
        time.sleep(1.1)  # the ask is now older than the reopened connection (one second is allowed for mtime)
        state.connection()
        state.release()
        assert state.con is not None
        monkeypatch.setattr(etl, "RELEASE_EVERY_S", 0.0)  # readers that cannot ask get in on the timer
        state.release()
        assert state.con is None
    finally:
        etl.finish_run(state)
