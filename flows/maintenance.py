"""Flow `warehouse-maintenance` (nightly): compact the lake, run the SQL checks, write the HTML report."""

from __future__ import annotations

# Importing any flows.* module runs flows/__init__.py first, which turns telemetry off before prefect loads.
import datetime as dt
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, Field

from akhbar import maintenance, report, warehouse
from akhbar.config import Settings

ARTIFACT_KEY = "warehouse-maintenance"


class MaintenanceParams(BaseModel):
    """Parameters of one maintenance run (shown as a form in the Prefect UI)."""

    warehouse: str = Field("warehouse", description="warehouse directory")
    lock_timeout: float = Field(1800.0, ge=0, description="seconds to wait for a running ETL to release the writer lock")
    min_files: int = Field(2, ge=2, description="compact a partition once it has at least this many files")
    report_days: int = Field(0, ge=0, description="days the HTML report covers; 0 = everything")
    fail_on_checks: bool = Field(True, description="end in Failed when a check returns rows (after the report is written)")


# Each task opens its own connection inside (tasks pass paths and plain values, never connections).
def _writer(warehouse_dir: str) -> Any:
    settings = Settings(warehouse=warehouse_dir)
    return warehouse.connect_writer(settings.db_path, memory_limit=settings.duckdb_memory)


@task(name="compact-lake", cache_policy=NO_CACHE)
def compact_lake(warehouse_dir: str, run_id: str, min_files: int) -> list[maintenance.Compacted]:
    """Merge small Parquet files per partition and checkpoint DuckDB."""
    con = _writer(warehouse_dir)
    try:
        return maintenance.compact_lake(con, Path(warehouse_dir), run_id, min_files)
    finally:
        con.close()


@task(name="run-checks", cache_policy=NO_CACHE)
def run_checks(warehouse_dir: str) -> list[maintenance.CheckResult]:
    """Run warehouse/checks/*.sql; each must return zero rows."""
    con = _writer(warehouse_dir)
    try:
        return maintenance.run_checks(con)
    finally:
        con.close()


@task(name="record-run", cache_policy=NO_CACHE)
def record_run(warehouse_dir: str, run_id: str, started_at: dt.datetime, status: str, lake_files: int,
               error: str | None) -> None:
    """Add this maintenance run to the `runs` table."""
    con = _writer(warehouse_dir)
    try:
        maintenance.record_run(con, run_id, started_at, status, lake_files, error)
        con.execute("CHECKPOINT")
    finally:
        con.close()


@task(name="write-report", cache_policy=NO_CACHE)
def write_report(warehouse_dir: str, report_days: int) -> str:
    """Write reports/report-<time>.html and report-latest.html."""
    since = dt.datetime.now(report.TEHRAN).date() - dt.timedelta(days=report_days) if report_days else None
    return str(report.write_html_report(warehouse_dir, since=since))


@flow(name="warehouse-maintenance", log_prints=True)
def warehouse_maintenance(params: MaintenanceParams | None = None) -> dict[str, Any]:
    """Nightly upkeep under the writer lock: compact the lake, run the checks, write the HTML report."""
    params = params or MaintenanceParams()
    log = get_run_logger()
    wh = params.warehouse
    run_id = maintenance.new_run_id()
    started = dt.datetime.now(dt.UTC)
    # The same lock as an ETL run: maintenance waits for a running load and blocks the next one.
    with warehouse.writer_lock(Path(wh), params.lock_timeout):
        compacted = compact_lake(wh, run_id, params.min_files)
        checks = run_checks(wh)
        failed = [c for c in checks if not c.ok]
        written = sum(1 for c in compacted if c.new_file)
        error = ("checks failed: " + ", ".join(c.name for c in failed)) if failed else None
        record_run(wh, run_id, started, "partial" if failed else "ok", written, error)
        report_path = write_report(wh, params.report_days)
    markdown = maintenance.maintenance_markdown(compacted, checks, report_path)
    create_markdown_artifact(markdown, key=ARTIFACT_KEY, description=f"warehouse maintenance {run_id}")
    log.info("compacted %d partition(s); %d/%d checks passed; report %s", written, len(checks) - len(failed), len(checks), report_path)
    result = {
        "run_id": run_id,
        "warehouse": wh,
        "compacted": maintenance.as_dicts(compacted),
        "checks": [{"name": c.name, "rows": c.rows, "error": c.error, "ok": c.ok} for c in checks],
        "checks_failed": [c.name for c in failed],
        "report": report_path,
    }
    if failed and params.fail_on_checks:
        raise RuntimeError(f"{len(failed)} warehouse check(s) returned rows: {', '.join(c.name for c in failed)} (see the artifact)")
    return result
