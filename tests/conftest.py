"""Shared fixtures: paths to samples and ../shared/data, hazm warm-up, one Prefect harness per session."""

from __future__ import annotations

import os
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
