"""`akhbar run` starts Prefect's temporary server before importing Prefect, and Prefect runs the flow on it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from flows import early
from tests.conftest import REPO

pytestmark = pytest.mark.integration

RUN_ON_EARLY_SERVER = textwrap.dedent(
    """
    import os, sys
    sys.path.insert(0, sys.argv[1])
    from flows import early
    server = early.start()
    import flows  # telemetry off, as the CLI has it
    from prefect import flow

    @flow
    def answer() -> int:
        return 42

    adopted = early.adopt(server)
    result = answer()
    if server.via_environment:
        same = os.environ["PREFECT_API_URL"] == server.api_url
        # Prefect never needed its server package in this process.
        print(adopted, result, same, "prefect.server.api.server" not in sys.modules)
    else:
        from prefect.server.api.server import SubprocessASGIServer
        prefects = SubprocessASGIServer()
        print(adopted, result, prefects.port == server.port, prefects.server_process is server.process)
    """
)


def _run_on_early_server(cwd: Path, home: Path) -> list[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "PREFECT_PROFILE"))}
    env.update({"PREFECT_HOME": str(home), "PREFECT_LOGGING_LEVEL": "WARNING"})
    r = subprocess.run([sys.executable, "-c", RUN_ON_EARLY_SERVER, str(REPO)], cwd=cwd, env=env, capture_output=True,
                       text=True, timeout=300)  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    return r.stdout.split()[-4:]


def test_prefect_runs_the_flow_on_the_early_server_named_in_the_environment(tmp_path: Path) -> None:
    (tmp_path / "work").mkdir()
    assert _run_on_early_server(tmp_path / "work", tmp_path / "prefect") == ["True", "42", "True", "True"]


def test_with_prefect_configured_in_a_file_the_early_server_becomes_prefects_own(tmp_path: Path) -> None:
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "prefect.toml").write_text("[logging]\nlevel = 'WARNING'\n", encoding="utf-8")
    # Prefect decides (no API URL there): its per-process ephemeral server is the early one, no second server.
    assert _run_on_early_server(tmp_path / "work", tmp_path / "prefect") == ["True", "42", "True", "True"]


@pytest.mark.parametrize(
    ("where", "content"),
    [
        ("home/profiles.toml", 'active = "x"\n[profiles.x]\nPREFECT_API_URL = "http://127.0.0.1:4200/api"\n'),
        ("work/.env", "PREFECT_API_URL=http://127.0.0.1:4200/api\n"),
        ("work/prefect.toml", "[api]\nurl = 'http://127.0.0.1:4200/api'\n"),
        ("work/pyproject.toml", "[tool.prefect.api]\nurl = 'http://127.0.0.1:4200/api'\n"),
    ],
)
def test_a_prefect_setting_in_any_file_prefect_reads_is_noticed(tmp_path: Path, where: str, content: str) -> None:
    for d in ("home", "work"):
        (tmp_path / d).mkdir()
    env = {"PREFECT_HOME": str(tmp_path / "home")}
    assert not early.configured_elsewhere(tmp_path / "work", env)
    (tmp_path / where).write_text(content, encoding="utf-8")
    assert early.configured_elsewhere(tmp_path / "work", env)


def test_a_server_or_profile_named_in_the_environment_is_noticed(tmp_path: Path) -> None:
    for name in ("PREFECT_API_URL", "PREFECT_PROFILE", "PREFECT_PROFILES_PATH"):
        assert early.configured_elsewhere(tmp_path, {"PREFECT_HOME": str(tmp_path), name: "x"})


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


def test_the_port_is_held_for_the_server_until_it_answers() -> None:
    """Nothing binding the usual way gets the port while the server starts; uvicorn's way (SO_REUSEADDR) does."""
    import socket

    held = early._reserve_port()
    port = held.getsockname()[1]
    plain, uvicorn_like = socket.socket(), socket.socket()
    try:
        with pytest.raises(OSError):
            plain.bind(("127.0.0.1", port))
        uvicorn_like.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        uvicorn_like.bind(("127.0.0.1", port))
        uvicorn_like.listen()
    finally:
        for s in (held, plain, uvicorn_like):
            s.close()
