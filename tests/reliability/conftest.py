"""Fixtures of the reliability tests: a warmed-up test process (forked runs inherit it) and a clean run."""

from __future__ import annotations

from typing import Any

import pytest

from akhbar import etl
from tests.reliability.helpers import INPUTS, N_ARTICLES, N_BATCHES, fingerprint, in_child, small_settings


@pytest.fixture(scope="session")
def warm() -> None:
    """Load hazm and the models once in the test process: every forked run inherits them."""
    from akhbar.prepare import warm_up

    warm_up()


@pytest.fixture(scope="session")
def clean(warm: None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Fingerprint of a warehouse loaded by one uninterrupted run of INPUTS."""
    wh = tmp_path_factory.mktemp("clean") / "wh"
    status, summary = in_child(lambda: etl.run(small_settings(wh), INPUTS))
    assert status == "ok", summary
    assert summary["articles_new"] == N_ARTICLES and summary["lake_files"] >= N_BATCHES  # + rejects/entities files
    return fingerprint(wh)
