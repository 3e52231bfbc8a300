"""The flow on a local Dask cluster (2 processes) gives the same warehouse as the default runner."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.conftest import SAMPLES

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("prefect_harness")]

CONTENT = """
SELECT count(*), md5(string_agg(article_id || body || cluster_id || is_canonical::VARCHAR || coalesce(agency, '')
    || coalesce(published_jalali, '') || coalesce(category, '') || array_to_string(keywords, ','), '|' ORDER BY article_id))
FROM articles
"""


def _content(wh: Path) -> tuple:
    con = duckdb.connect(str(wh / "news.duckdb"), read_only=True)
    try:
        return con.execute(CONTENT).fetchone()
    finally:
        con.close()


def test_local_dask_cluster_matches_default_runner(tmp_path: Path) -> None:
    from flows.news_etl import EtlParams, run_news_etl

    base = EtlParams(inputs=[str(SAMPLES)], warehouse=str(tmp_path / "default"), workers=1, batch_size=30)
    on_dask = EtlParams(inputs=[str(SAMPLES)], warehouse=str(tmp_path / "dask"), workers=2, batch_size=30, dask=True)
    a = run_news_etl(base)
    b = run_news_etl(on_dask)
    assert a["articles_new"] == b["articles_new"] == 126
    assert _content(tmp_path / "default") == _content(tmp_path / "dask")
