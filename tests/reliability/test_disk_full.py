"""Disk and size limits: a full disk fails the run cleanly (nothing corrupted), and the next run completes.

Two simulations: ``pyarrow.parquet.write_table`` patched to fail with ENOSPC, and — when this process may
mount (root in a container that allows it) — a real, tiny tmpfs under the lake or the whole warehouse,
enlarged afterwards ("space was freed"). Also: the configurable maximum article size.
"""

from __future__ import annotations

import contextlib
import errno
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from akhbar import etl, lake
from akhbar.config import Settings
from tests.reliability.helpers import (
    INPUTS,
    akhbar,
    cli_env,
    core,
    fingerprint,
    in_child,
    lake_on_disk,
    queries,
    small_settings,
)

pytestmark = pytest.mark.usefixtures("warm")


def _fail_nth_write(nth: int) -> None:
    """Make the nth articles Parquet write leave half a temp file and fail with ENOSPC (in the forked child)."""
    real = pq.write_table
    count = 0

    def write_table(table: Any, where: Any, *a: Any, **k: Any) -> None:
        nonlocal count
        if "/lake/articles/" in str(where):
            count += 1
            if count == nth:
                Path(where).write_bytes(b"PAR1" + b"\0" * 100)
                raise OSError(errno.ENOSPC, "No space left on device")
        real(table, where, *a, **k)

    lake.pq.write_table = write_table  # type: ignore[attr-defined]


def _assert_failed_cleanly(wh: Path, loaded_batches: int) -> None:
    runs, counts, registered = queries(
        wh,
        "SELECT status, error FROM runs",
        "SELECT count(*) FROM articles",
        "SELECT count(*), coalesce(sum(rows), 0) FROM lake_files WHERE table_name = 'articles'",
    )
    ((status, error),) = runs
    assert status == "failed" and "No space left on device" in error
    assert registered == [(loaded_batches, counts[0][0])]  # whole batches only, each with its articles file


@pytest.fixture(scope="module")
def enospc(clean: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Fail the 4th Parquet write with ENOSPC, check the damage, rerun on a healthy disk."""
    wh = tmp_path_factory.mktemp("enospc") / "wh"

    def go() -> Any:
        _fail_nth_write(4)
        return etl.run(small_settings(wh), INPUTS)

    seen: dict[str, Any] = {"clean": clean, "first": in_child(go)}
    _assert_failed_cleanly(wh, loaded_batches=3)
    seen["rerun"] = in_child(lambda: etl.run(small_settings(wh), INPUTS))
    seen["fingerprint"] = fingerprint(wh)
    seen["lake"] = (lake_on_disk(wh), {p for (p,) in queries(wh, "SELECT path FROM lake_files")[0]})
    return seen


def test_enospc_fails_the_run_and_the_next_run_completes(enospc: dict[str, Any]) -> None:
    status, message = enospc["first"]
    assert status == "error" and "No space left on device" in message
    status, summary = enospc["rerun"]
    assert status == "ok", summary
    assert summary["orphans_removed"] >= 1  # the half temp file of the failed write
    assert core(enospc["fingerprint"]) == core(enospc["clean"])
    on_disk, registered = enospc["lake"]
    assert on_disk == registered


def test_enospc_rerun_keywords_equal_a_clean_run(enospc: dict[str, Any]) -> None:
    assert enospc["fingerprint"] == enospc["clean"]


@contextlib.contextmanager
def _tmpfs(where: Path, size: str) -> Iterator[Path]:
    where.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({r.stderr.strip() or r.returncode}); the patched-writer test covers ENOSPC")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _grow(where: Path) -> None:
    subprocess.run(["mount", "-o", "remount,size=256m", str(where)], check=True)


def test_real_full_disk_under_the_lake(clean: dict[str, Any], tmp_path: Path) -> None:
    wh = tmp_path / "wh"
    with _tmpfs(wh / "lake", "48k") as mnt:
        status, message = in_child(lambda: etl.run(small_settings(wh), INPUTS))
        assert status == "error" and "No space left on device" in message, message
        runs = queries(wh, "SELECT status FROM runs")[0]
        assert runs == [("failed",)]
        _grow(mnt)  # space freed
        status, summary = in_child(lambda: etl.run(small_settings(wh), INPUTS))
        assert status == "ok", summary
        assert core(fingerprint(wh)) == core(clean)


# Two sizes so that the disk fills at different steps (DuckDB 1.5.5, these inputs): with 1100k during a
# batch's commit; with 1600k later (the near-duplicate store's own commit, or while finishing the run,
# depending on how much the batches write).
WHOLE_WAREHOUSE = {"tmpfs 1100k": "1100k", "tmpfs 1600k": "1600k"}


@pytest.fixture(scope="module", params=list(WHOLE_WAREHOUSE))
def full_warehouse_disk(request: pytest.FixtureRequest, clean: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run with the whole warehouse on a tiny tmpfs, free space, rerun; return what was seen at each step."""
    wh = tmp_path_factory.mktemp("full") / "wh"
    seen: dict[str, Any] = {"clean": clean}
    with _tmpfs(wh, WHOLE_WAREHOUSE[request.param]) as mnt:
        seen["first"] = in_child(lambda: etl.run(small_settings(wh), INPUTS))
        _grow(mnt)
        seen["runs"], seen["articles"], seen["registered"] = queries(
            wh, "SELECT status, error FROM runs", "SELECT count(*) FROM articles",
            "SELECT coalesce(sum(rows), 0) FROM lake_files WHERE table_name = 'articles'",
        )
        seen["rerun"] = in_child(lambda: etl.run(small_settings(wh), INPUTS))
        seen["fingerprint"] = fingerprint(wh)
    return seen


def test_full_warehouse_disk_corrupts_nothing(full_warehouse_disk: dict[str, Any]) -> None:
    """DuckDB itself meets ENOSPC: the run fails, the database still opens with whole batches, the rerun completes."""
    seen = full_warehouse_disk
    status, message = seen["first"]
    assert status == "error" and "No space left on device" in message, message
    assert seen["articles"] == seen["registered"]  # whole batches only
    assert seen["rerun"][0] == "ok", seen["rerun"]
    assert core(seen["fingerprint"]) == core(seen["clean"])


def test_full_warehouse_disk_is_recorded_honestly(full_warehouse_disk: dict[str, Any]) -> None:
    """The failed run is never recorded 'ok', its error names the full disk (not a failed ROLLBACK), and the
    rerun equals a clean run down to keywords and term_stats."""
    ((status, error),) = full_warehouse_disk["runs"]
    assert status in ("failed", "running") and status != "ok"
    assert status == "running" or "No space left on device" in (error or "")
    assert full_warehouse_disk["fingerprint"] == full_warehouse_disk["clean"]


def test_max_article_size_is_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AKHBAR_MAX_ARTICLE_BYTES", "2000")
    settings = Settings(warehouse=tmp_path / "wh", workers=1)
    assert settings.max_article_bytes == 2000
    body = "وزیر امور خارجه کشورمان در نشست خبری امروز گفت که گفت\u200cوگوها با همسایگان ادامه دارد. "
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"id": "small", "body": body}, ensure_ascii=False) + "\n" + json.dumps({"id": "big", "body": body * 40}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    status, summary = in_child(lambda: etl.run(settings, [str(src)]))
    assert status == "ok" and summary["articles_new"] == 1 and summary["rejects_by_reason"] == {"too_large": 1}
    assert queries(settings.warehouse, "SELECT origin_line, reason FROM rejects")[0] == [(2, "too_large")]


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
def test_cli_exits_1_with_a_message_on_a_full_disk(clean: dict[str, Any], tmp_path: Path) -> None:
    wh = tmp_path / "wh"
    prelude = (
        "import errno, pyarrow.parquet as pq\n"
        "def _full(*a, **k):\n    raise OSError(errno.ENOSPC, 'No space left on device')\n"
        "pq.write_table = _full\n"
    )
    r = akhbar("run", *INPUTS, "--warehouse", str(wh), "--workers", "1", "--batch-size", "5", "--no-progress", env=cli_env(), prelude=prelude)
    assert r.returncode == 1, (r.stdout[-1000:], r.stderr[-2000:])
    assert "run failed" in r.stderr and "No space left on device" in r.stderr
    assert queries(wh, "SELECT status FROM runs")[0] == [("failed",)]
    status, summary = in_child(lambda: etl.run(small_settings(wh), INPUTS))
    assert status == "ok", summary
    assert core(fingerprint(wh)) == core(clean)
