"""The Prefect flow `news-etl` end to end under one session-scoped prefect_test_harness, and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO, SAMPLES

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("prefect_harness")]


def test_flow_loads_samples_with_two_workers_and_is_idempotent(tmp_path: Path) -> None:
    from flows.news_etl import EtlParams, news_etl

    params = EtlParams(inputs=[str(SAMPLES)], warehouse=str(tmp_path), workers=2, batch_size=40)
    first = news_etl(params)
    second = news_etl(params)
    assert first["articles_new"] == 126 and first["duplicates_new"] == 6 and first["status"] == "ok"
    assert second["articles_new"] == 0 and second["lake_files"] == 0
    con = duckdb.connect(str(tmp_path / "news.duckdb"), read_only=True)
    assert con.execute("SELECT count(*), count(DISTINCT cluster_id) FROM articles").fetchone() == (126, 120)
    assert con.execute("SELECT count(*) FROM runs WHERE status = 'ok'").fetchone() == (2,)


def _akhbar(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    e = {**os.environ, "PREFECT_LOGGING_LEVEL": "WARNING", **(env or {})}
    return subprocess.run([sys.executable, "-m", "akhbar.cli", *args], cwd=cwd, env=e, capture_output=True, text=True, timeout=600)


def test_cli_run_and_sql(tmp_path: Path) -> None:
    wh = tmp_path / "wh"
    r = _akhbar("run", str(SAMPLES / "langml"), "--warehouse", str(wh), "--workers", "1", cwd=REPO)
    assert r.returncode == 0, r.stderr
    assert "articles new" in r.stdout and "91" in r.stdout
    r = _akhbar("sql", "SELECT count(*) AS n FROM articles", "--format", "json", cwd=REPO, env={"AKHBAR_WAREHOUSE": str(wh)})
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == [{"n": 91}]
    r = _akhbar("sql", "DELETE FROM articles", "-w", str(wh), cwd=REPO)
    assert r.returncode == 1 and "read-only" in r.stderr
    r = _akhbar("sql", "SELECT 1", "-w", str(tmp_path / "nowhere"), cwd=REPO)
    assert r.returncode == 1 and "no warehouse" in r.stderr


def test_cli_exit_code_partial(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "a.jsonl").write_text('{"id": 1, "body": "وزیر دفاع گفت که امنیت عراق امنیت ایران است."}\n{oops\n', encoding="utf-8")
    r = _akhbar("run", str(inbox), "-w", str(tmp_path / "wh"), "--workers", "1", cwd=REPO)
    assert r.returncode == 3, r.stderr
    assert "malformed_json" in r.stdout
    r = _akhbar("run", str(tmp_path / "missing"), "-w", str(tmp_path / "wh"), cwd=REPO)
    assert r.returncode == 2 and "no such file" in r.stderr
