"""Publish a news-etl run's report (per-source figures and Persian-quality checks) as a Prefect Markdown artifact."""

from __future__ import annotations

# Importing any flows.* module runs flows/__init__.py first, which turns telemetry off before prefect loads.
from pathlib import Path
from typing import Any
from uuid import UUID

import duckdb
from prefect.artifacts import create_markdown_artifact

from akhbar import report, warehouse
from akhbar.config import Settings

RUN_ARTIFACT_KEY = "news-etl-run"


def run_report_markdown(summary: dict[str, Any], source: duckdb.DuckDBPyConnection | str | Path | None = None) -> str:
    """Build the run's Markdown from its summary plus SQL figures read from the warehouse.

    ``source`` is an open connection, or a warehouse directory (default: ``summary["warehouse"]``) opened
    read-only. When the warehouse cannot be read (another writer already holds it), the summary alone is shown.
    """
    run_id = str(summary.get("run_id", ""))
    try:
        if isinstance(source, duckdb.DuckDBPyConnection):
            quality = report.run_quality(source, run_id)
        else:
            # In the run's own process, after the writer: bounded like the writer (the quality checks scan
            # every raw and normalized text the run added).
            con = warehouse.connect_reader(Path(source or summary["warehouse"]) / "news.duckdb",
                                           memory_limit=Settings().duckdb_memory)
            try:
                quality = report.run_quality(con, run_id)
            finally:
                con.close()
    except (duckdb.Error, warehouse.WarehouseMissing, KeyError) as exc:
        quality = {"note": f"per-source and quality figures unavailable: {type(exc).__name__}: {exc}"}
    return report.run_markdown(summary, quality)


def publish_run_artifact(summary: dict[str, Any], source: duckdb.DuckDBPyConnection | str | Path | None = None) -> UUID:
    """Create the `news-etl-run` Markdown artifact for a finished run; return the artifact id."""
    markdown = run_report_markdown(summary, source)
    return create_markdown_artifact(
        markdown, key=RUN_ARTIFACT_KEY, description=f"news-etl run {summary.get('run_id', '?')}: {summary.get('status', '?')}"
    )
