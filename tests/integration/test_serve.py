"""A real Prefect server, the maintenance deployment served by `serve_all`, one triggered run and its artifact.

Everything runs on 127.0.0.1 with its own PREFECT_HOME; every wait is bounded; both processes are stopped by
their process-group id at the end.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from akhbar import etl
from akhbar.config import Settings
from tests.conftest import REPO

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SERVER_START_TIMEOUT = 120.0
DEPLOYMENT_TIMEOUT = 60.0
RUN_TIMEOUT = 120.0
FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(home: Path, api: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_API_URL=api,
        DO_NOT_TRACK="1",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_UI_ENABLED="false",
        # No scheduler: the only run is the one this test triggers (a cron run must never start here).
        PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="false",
        PREFECT_RUNNER_POLL_FREQUENCY="1",
        PREFECT_LOGGING_LEVEL="INFO",
    )
    return env


def _wait(what: str, timeout: float, probe: Callable[[], Any], proc: subprocess.Popen[bytes] | None = None,
          log: Path | None = None) -> Any:
    """Call probe until it returns something truthy; fail with the process log after the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"{what}: process exited with {proc.returncode}\n{_tail(log)}")
        with contextlib.suppress(httpx.HTTPError):
            value = probe()
            if value:
                return value
        time.sleep(0.5)
    pytest.fail(f"{what}: not within {timeout:.0f} s\n{_tail(log)}")


def _tail(log: Path | None, n: int = 4000) -> str:
    return log.read_text(errors="replace")[-n:] if log and log.exists() else ""


@contextlib.contextmanager
def _process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Start a process in its own process group and stop that group (by id) on exit."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(args, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture
def small_warehouse(tmp_path: Path) -> Path:
    """A warehouse loaded in batches of one record: three small Parquet files in one partition."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    lines = [
        {"id": i, "title": f"خبر شماره {i}", "body": f"وزیر امور خارجه در سفر {i} روزه به بغداد با همتای عراقی خود دیدار کرد."}
        for i in range(1, 4)
    ]
    (inbox / "news.jsonl").write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    wh = tmp_path / "warehouse"
    # Entities off: the test is about compacting the three article files into one.
    summary = etl.run(Settings(warehouse=wh, workers=1, batch_size=1, entities=False), [str(inbox)])
    assert summary["articles_new"] == 3 and summary["lake_files"] == 3
    return wh


def test_served_maintenance_deployment_runs_and_publishes_its_artifact(tmp_path: Path, small_warehouse: Path) -> None:
    started = time.monotonic()
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = _env(tmp_path / "prefect_home", api)
    http = httpx.Client(base_url=api, timeout=10)
    server_log, serve_log = tmp_path / "server.log", tmp_path / "serve.log"
    prefect_cli = [sys.executable, "-m", "prefect"]

    with _process([*prefect_cli, "server", "start", "--host", "127.0.0.1", "--port", str(port)], env, server_log) as server:
        _wait("server health", SERVER_START_TIMEOUT, lambda: http.get("/health").status_code == 200, server, server_log)
        serve_code = (
            "import sys; from flows.deployments import serve_all; "
            "serve_all(sys.argv[1], include_scrape=False)"
        )
        with _process([sys.executable, "-c", serve_code, str(small_warehouse)], env, serve_log) as serving:
            deployment = _wait(
                "deployment registered", DEPLOYMENT_TIMEOUT,
                lambda: (r := http.get("/deployments/name/warehouse-maintenance/nightly-maintenance")).status_code == 200 and r.json(),
                serving, serve_log,
            )
            assert deployment["parameters"] == {"params": {"warehouse": str(small_warehouse.resolve())}}
            (sched,) = [s["schedule"] for s in deployment["schedules"]]
            assert (sched["cron"], sched["timezone"]) == ("30 3 * * *", "Asia/Tehran")
            assert deployment["global_concurrency_limit"]["limit"] == 1  # one run of the deployment at a time
            assert deployment["concurrency_options"]["collision_strategy"] == "ENQUEUE"

            # SQLite under load can answer 5xx ("database is locked") once: retry a bounded number of times.
            run = _wait(
                "flow run created", 30,
                lambda: (r := http.post(f"/deployments/{deployment['id']}/create_flow_run", json={})).status_code == 201 and r.json(),
                serving, serve_log,
            )
            final = _wait(
                "flow run finished", RUN_TIMEOUT,
                lambda: (s := http.get(f"/flow_runs/{run['id']}").json()["state"]["type"]) in FINAL and s,
                serving, serve_log,
            )
            assert final == "COMPLETED", _tail(serve_log)

        # The run's Markdown artifact, read from the server before it stops.
        found = http.post("/artifacts/filter", json={"artifacts": {"flow_run_id": {"any_": [run["id"]]}}}).json()
        (artifact,) = [a for a in found if a["key"] == "warehouse-maintenance"]
        assert artifact["type"] == "markdown"
        assert artifact["data"].startswith("# warehouse maintenance — ok")
        assert "| articles | ingest_date=" in artifact["data"] and "| 3 | 3 |" in artifact["data"]

    # The run did its work on the warehouse: one file per partition, a report, a runs row.
    files = list((small_warehouse / "lake").rglob("*.parquet"))
    assert len(files) == 1 and files[0].name.startswith("compact-")
    assert (small_warehouse / "reports" / "report-latest.html").exists()
    elapsed = time.monotonic() - started
    print(f"serve test: {elapsed:.1f} s")
    assert elapsed < 300, f"took {elapsed:.0f} s"
