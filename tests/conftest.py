"""Shared fixtures: paths to samples and ../shared/data, hazm warm-up, one Prefect harness per session."""

from __future__ import annotations

import os
import random
import sys
import types
from pathlib import Path

import pytest

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "samples"
SHARED_DATA = (REPO / ".." / "shared" / "data").resolve()
SEED = SHARED_DATA / "seed-mashregh"


def shared(*parts: str) -> Path:
    """Return a path under ../shared/data, skipping the test with a clear message when it is absent."""
    p = SHARED_DATA.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"needs {p} (the project's shared data set, ../shared/data next to the repo); not present here")
    return p


@pytest.fixture(scope="session")
def normalizer_ready() -> None:
    """Build hazm's normalizer once for the whole session (~1.5-3 s)."""
    from akhbar.text.normalize import warm_up

    warm_up()


@pytest.fixture(scope="session")
def prefect_harness():  # type: ignore[no-untyped-def]
    """One ephemeral Prefect API for every flow test of the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=int(os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"])):
        yield


# Library code that runs in background threads of the test process and draws from the global `random`: the
# websocket keepalive of Prefect's events client (`random.getrandbits(32)` per ping), its reconnect jitter, and
# Prefect's retry intervals. A draw that lands inside a Hypothesis example changes the global state under it,
# and Hypothesis warns (HypothesisDeprecationWarning "Do not use the `random` module inside strategies", seen
# now and then in CI on tests that use no `random` at all; reproduced with a thread calling getrandbits during
# @given). These modules get a private generator instead, as soon as they are imported.
_BACKGROUND_RANDOM_USERS = (
    "websockets.asyncio.connection",
    "websockets.sync.connection",
    "websockets.legacy.protocol",
    "websockets.client",
    "prefect._internal._observation_delivery",
    "prefect.utilities.math",
)
_PRIVATE_RANDOM = random.Random()


@pytest.fixture(autouse=True)
def _private_random_for_background_threads() -> None:
    for name in _BACKGROUND_RANDOM_USERS:
        module = sys.modules.get(name)
        if module is not None and isinstance(getattr(module, "random", None), types.ModuleType):
            module.random = _PRIVATE_RANDOM  # type: ignore[attr-defined]
