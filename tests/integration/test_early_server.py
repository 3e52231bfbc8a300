"""`akhbar run` starts Prefect's temporary server before importing Prefect, and Prefect runs the flow on it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from flows import early
from tests.conftest import REPO

pytestmark = pytest.mark.integration

ADOPTED = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[1])
    from flows import early
    server = early.start()
    import flows  # telemetry off, as the CLI has it
    from prefect import flow
    from prefect.server.api.server import SubprocessASGIServer

    @flow
    def answer() -> int:
        return 42

    adopted = early.adopt(server)
    result = answer()
    prefects = SubprocessASGIServer()
    print(adopted, result, prefects.port == server.port, prefects.server_process is server.process)
    """
)


def test_the_early_server_becomes_prefects_own_and_runs_the_flow(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.update({"PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_LOGGING_LEVEL": "WARNING"})
    r = subprocess.run([sys.executable, "-c", ADOPTED, str(REPO)], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    # Adopted, the flow ran, and Prefect's per-process server is that process (no second server started).
    assert r.stdout.split()[-4:] == ["True", "42", "True", "True"], r.stdout


def test_nothing_is_started_when_a_server_is_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4200/api")
    assert early.start() is None
    assert early.adopt(None) is False


def test_a_server_prefect_will_not_use_is_stopped() -> None:
    """Prefect configured for another server (e.g. in a profile, not the environment): the early one goes."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    idle = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:4200/api"}):
            assert early.adopt(early.EarlyServer(idle, 4201)) is False
        assert idle.wait(timeout=10) is not None
    finally:
        if idle.poll() is None:
            idle.kill()
