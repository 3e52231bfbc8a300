"""Start Prefect's temporary local server before Prefect is imported, for one-shot CLI runs.

`akhbar run` uses Prefect's ephemeral mode: the first time the flow needs the API, Prefect imports its server
package (~4.4 s in this process), starts a local server in a subprocess and waits for it (~6 s of its own
CPU), all after this process had imported Prefect and the flow. Started here first, the server boots while
this process imports Prefect and the worker processes build their normalizers.

When nothing configures Prefect for another server (the environment, a profile, ``prefect.toml``, ``.env`` or
``[tool.prefect]`` in ``pyproject.toml``: :func:`configured_elsewhere`), ``PREFECT_API_URL`` is set to this
server before Prefect is imported, so Prefect talks to it as to any running server and never imports its
server package here. Otherwise Prefect decides: :func:`adopt` hands the server to Prefect as its per-process
ephemeral server if Prefect wants one, and stops it if not. Either way it is stopped when the process exits.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass
class EarlyServer:
    """A Prefect API server process started by :func:`start`."""

    process: subprocess.Popen[bytes]
    port: int
    via_environment: bool = False  # PREFECT_API_URL was set to it before Prefect was imported
    reservation: socket.socket | None = None  # holds the port until the server answers (see _reserve_port)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def release_port(self) -> None:
        """Let go of the port reservation (the server listens on the port itself by now, or is gone)."""
        if self.reservation is not None:
            self.reservation.close()
            self.reservation = None

    def stop(self) -> None:
        """Terminate the server if it is still running (Prefect stops it itself once adopted)."""
        self.release_port()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _reserve_port() -> socket.socket:
    """Bind, without listening, a loopback port the kernel picks, with SO_REUSEADDR set.

    uvicorn sets SO_REUSEADDR too, so it can bind and listen on the port while this socket holds it; anything
    binding without it (the kernel handing out ports, Prefect's own port check) is refused. The server imports
    Prefect for ~4 s before it binds: a port merely found free would stay up for grabs all that time.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
    except OSError:
        sock.close()
        raise
    return sock


def configured_elsewhere(cwd: Path, environ: Mapping[str, str]) -> bool:
    """Tell whether any source Prefect 3 reads settings from might name a server or a profile (conservative).

    A server URL, profile or profiles file named in the environment counts; otherwise the profiles file
    (``profiles.toml`` under ``PREFECT_HOME``, default ``~/.prefect``) is read for an API URL, and ``.env``,
    ``prefect.toml`` and ``pyproject.toml`` in ``cwd`` for any Prefect setting.
    """
    if any(environ.get(k) for k in ("PREFECT_API_URL", "PREFECT_PROFILE", "PREFECT_PROFILES_PATH")):
        return True
    home = Path(environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()
    checks = [(home / "profiles.toml", "PREFECT_API_URL"), (cwd / ".env", "PREFECT_"), (cwd / "prefect.toml", ""),
              (cwd / "pyproject.toml", "tool.prefect")]  # fmt: skip
    for path, marker in checks:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if marker in text:
            return True
    return False


def start() -> EarlyServer | None:
    """Start the server Prefect's ephemeral mode would start (same command and environment); None if not wanted."""
    if os.environ.get("PREFECT_API_URL"):
        return None
    spec = importlib.util.find_spec("prefect")
    if spec is None or spec.origin is None:
        return None
    reservation = _reserve_port()
    port = int(reservation.getsockname()[1])
    process = subprocess.Popen(
        [
            sys.executable, "-m", "uvicorn", "--app-dir", str(Path(spec.origin).parent.parent),
            "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(port),
            "--log-level", "error", "--lifespan", "on",
        ],
        env={**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"},
    )
    server = EarlyServer(process, port, reservation=reservation)
    atexit.register(server.stop)  # after Prefect's own exit handlers (which may still send logs and events)
    if not configured_elsewhere(Path.cwd(), os.environ):
        os.environ["PREFECT_API_URL"] = server.api_url
        server.via_environment = True
    return server


def release(server: EarlyServer | None) -> None:
    """Take back the PREFECT_API_URL that :func:`start` set (the server itself stops at exit)."""
    if server is not None and server.via_environment and os.environ.get("PREFECT_API_URL") == server.api_url:
        del os.environ["PREFECT_API_URL"]


def _healthy(server: EarlyServer, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"{server.api_url}/health", timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


def adopt(server: EarlyServer | None) -> bool:
    """Wait for the early server and give it to Prefect; return whether Prefect uses it.

    Call after importing Prefect and before running a flow. A server Prefect will not use is stopped.
    """
    if server is None:
        return False
    from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS

    timeout = float(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value())
    if server.via_environment:  # Prefect already points at it: it has to come up
        if not _healthy(server, timeout):
            code = server.process.poll()
            server.stop()
            raise RuntimeError(f"Prefect's temporary server did not start on {server.api_url} (exit code {code})")
        server.release_port()
        return True
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    ephemeral = SubprocessASGIServer()  # Prefect's per-process instance (port None), the one its client uses
    wanted = not PREFECT_API_URL.value() and PREFECT_SERVER_EPHEMERAL_ENABLED.value() and not ephemeral.running
    if not wanted or not _healthy(server, timeout):
        server.stop()
        return False
    server.release_port()
    # What SubprocessASGIServer.start() sets once its own process answers (prefect 3.9.1, pinned).
    ephemeral.port = server.port
    ephemeral.server_process = server.process
    ephemeral.running = True
    atexit.register(ephemeral.stop)
    return True
