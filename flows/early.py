"""Start Prefect's temporary local server before Prefect is imported, for one-shot CLI runs.

`akhbar run` uses Prefect's ephemeral mode: the first time the flow needs the API, Prefect starts a local
server in a subprocess (one per process) and waits for it. That happened only after this process had
imported Prefect and the flow (~4.6 s), and the server's own start-up (~6 s of CPU) came after it. Started
here first, the server boots while this process imports Prefect and the worker processes build their
normalizers; :func:`adopt` then hands it to Prefect as that per-process server, so the flow runs exactly
as in ephemeral mode. Nothing is started when ``PREFECT_API_URL`` is set, and the server is stopped
unused when Prefect turns out to be configured for another one (a profile) or to have ephemeral mode off.
If it failed to start, Prefect starts its own as before.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path


@dataclass
class EarlyServer:
    """A Prefect API server process started by :func:`start`."""

    process: subprocess.Popen[bytes]
    port: int

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def stop(self) -> None:
        """Terminate the server if it is still running (Prefect stops it itself once adopted)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start() -> EarlyServer | None:
    """Start the server Prefect's ephemeral mode would start (same command and environment); None if not wanted."""
    if os.environ.get("PREFECT_API_URL"):
        return None
    spec = importlib.util.find_spec("prefect")
    if spec is None or spec.origin is None:
        return None
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable, "-m", "uvicorn", "--app-dir", str(Path(spec.origin).parent.parent),
            "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(port),
            "--log-level", "error", "--lifespan", "on",
        ],
        env={**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"},
    )
    server = EarlyServer(process, port)
    atexit.register(server.stop)  # in case the run ends before Prefect adopts it
    return server


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
    """Make the early server this process's ephemeral Prefect server once it answers; return whether it was.

    Call after importing Prefect and before running a flow. A server Prefect will not use is stopped.
    """
    if server is None:
        return False
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_SERVER_EPHEMERAL_ENABLED,
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
    )

    ephemeral = SubprocessASGIServer()  # Prefect's per-process instance (port None), the one its client uses
    wanted = not PREFECT_API_URL.value() and PREFECT_SERVER_EPHEMERAL_ENABLED.value() and not ephemeral.running
    if not wanted or not _healthy(server, float(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value())):
        server.stop()
        return False
    # What SubprocessASGIServer.start() sets once its own process answers (prefect 3.9.1, pinned).
    ephemeral.port = server.port
    ephemeral.server_process = server.process
    ephemeral.running = True
    atexit.register(ephemeral.stop)
    return True
