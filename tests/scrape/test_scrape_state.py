"""FeedState: the memory and DuckDB implementations behave alike; the DuckDB tables match their schemas."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from akhbar.schema import duckdb_type, primary_key
from akhbar.scrape.state import FEED_STATE, SEEN_URLS, DuckDBFeedState, FeedStatus, MemoryFeedState

T0 = datetime(2026, 10, 19, 19, 30, tzinfo=UTC)


@pytest.fixture(params=["memory", "duckdb"])
def state(request: pytest.FixtureRequest):
    if request.param == "memory":
        yield MemoryFeedState()
    else:
        conn = duckdb.connect()
        yield DuckDBFeedState(conn)
        conn.close()


def test_feed_status_round_trip(state) -> None:
    assert state.get("https://x.ir/rss") is None
    state.put(FeedStatus("https://x.ir/rss", '"abc"', "Mon, 19 Oct 2026 19:32:38 GMT", "ok", T0))
    got = state.get("https://x.ir/rss")
    assert (got.etag, got.last_modified, got.last_status) == ('"abc"', "Mon, 19 Oct 2026 19:32:38 GMT", "ok")
    assert got.checked_at == T0
    state.put(FeedStatus("https://x.ir/rss", None, None, "not_modified", T0 + timedelta(hours=1)))
    assert state.get("https://x.ir/rss").last_status == "not_modified"


def test_seen_keys_first_sighting_wins(state) -> None:
    assert state.seen(["a", "b"]) == set()
    state.mark_seen(["a", "guid:mehr:1"], T0, "mehr")
    state.mark_seen(["a"], T0 + timedelta(days=1), "other")
    assert state.seen(["a", "b", "guid:mehr:1"]) == {"a", "guid:mehr:1"}
    assert state.seen([]) == set()


def test_duckdb_tables_match_the_declared_schemas() -> None:
    conn = duckdb.connect()
    DuckDBFeedState(conn)
    for schema, name in ((FEED_STATE, "feed_state"), (SEEN_URLS, "seen_urls")):
        rows = conn.execute(f"DESCRIBE {name}").fetchall()
        described = {r[0]: (r[1], r[2], r[3]) for r in rows}
        assert list(described) == schema.names
        for field in schema:
            dtype, null, key = described[field.name]
            assert dtype == duckdb_type(field.type)
            assert (null == "YES") is field.nullable
            assert (key == "PRI") is (field.name in primary_key(schema))


def test_duckdb_state_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "state.duckdb"
    with duckdb.connect(str(path)) as conn:
        s = DuckDBFeedState(conn)
        s.put(FeedStatus("https://x.ir/rss", '"e1"', None, "ok", T0))
        s.mark_seen(["https://x.ir/news/1"], T0, "x")
    with duckdb.connect(str(path)) as conn:
        s = DuckDBFeedState(conn)  # CREATE TABLE IF NOT EXISTS: reopening keeps the rows
        assert s.get("https://x.ir/rss").etag == '"e1"'
        assert s.seen(["https://x.ir/news/1"]) == {"https://x.ir/news/1"}
        first_seen = conn.execute("SELECT first_seen, source FROM seen_urls").fetchone()
        assert first_seen[0] == T0 and first_seen[1] == "x"
