"""Library threads in the test process must not draw from the global `random` (see tests/conftest.py)."""

from __future__ import annotations

import random
import threading
import time
import warnings

from hypothesis import given, settings
from hypothesis import strategies as st


def test_websockets_keepalive_draws_from_a_private_generator() -> None:
    import websockets.asyncio.connection as ws_connection

    from tests.conftest import _private_random_for_background_threads

    _private_random_for_background_threads.__wrapped__()  # type: ignore[attr-defined]
    assert ws_connection.random is not random

    stop = threading.Event()

    def keepalive() -> None:  # what each websocket ping does, from Prefect's events-client thread
        while not stop.is_set():
            ws_connection.random.getrandbits(32)
            time.sleep(0.0005)

    @settings(max_examples=200, deadline=None, database=None)
    @given(st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=12))
    def draw(ws: list[str]) -> None:
        assert ws

    thread = threading.Thread(target=keepalive, daemon=True)
    thread.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # HypothesisDeprecationWarning would fail the test
            draw()
    finally:
        stop.set()
        thread.join()
