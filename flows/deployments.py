"""Deployments: the hourly scrape and the nightly maintenance, on Tehran time, one warehouse writer at a time.

`serve_all(warehouse)` serves both from this process (`akhbar serve`); `prefect.yaml` declares the same two
deployments for `prefect deploy` onto a work pool. The scrape flow is referenced by its entrypoint string and
loaded only when served, so importing this module never imports it.
"""

from __future__ import annotations

# Importing any flows.* module runs flows/__init__.py first, which turns telemetry off before prefect loads.
import importlib.util
import inspect
import logging
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prefect import Flow, serve, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import RunnerDeployment
from prefect.flows import EntrypointType, load_flow_from_entrypoint
from prefect.schedules import Cron

TIMEZONE = "Asia/Tehran"
# Served deployments name their flows by module path (works from any working directory, the package is
# installed); prefect.yaml uses the file-path form of the same entrypoints.
SCRAPE_ENTRYPOINT = "flows.scrape.scrape_news"
MAINTENANCE_ENTRYPOINT = "flows.maintenance.warehouse_maintenance"
SCRAPE_CRON = "5 * * * *"  # every hour at :05 Tehran time (agencies publish on the hour)
MAINTENANCE_CRON = "30 3 * * *"  # 03:30 Tehran: the quietest news hour, between two scrapes
# Network tasks retry with backoff; the delays outlast a typical 429/503 or a dropped connection.
NETWORK_RETRIES = 3
NETWORK_RETRY_DELAYS = [2, 10, 30]
# A whole scrape run is retried once later (loads are idempotent, so a rerun only adds what was missed).
SCRAPE_FLOW_RETRIES = 1
SCRAPE_FLOW_RETRY_DELAY = 300
# One run of each deployment at a time; a run that collides waits (ENQUEUE) instead of being dropped.
ONE_AT_A_TIME = ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE)

log = logging.getLogger(__name__)


def network_task(fn: Callable[..., Any], **options: Any) -> Any:
    """Wrap a core network function as a task with retries, backoff and jitter (for flows/scrape.py)."""
    options = {
        "retries": NETWORK_RETRIES,
        "retry_delay_seconds": NETWORK_RETRY_DELAYS,
        "retry_jitter_factor": 0.5,
        "cache_policy": NO_CACHE,
        **options,
    }
    return task(fn, **options)


def warehouse_parameters(flow: Flow[..., Any], warehouse: str) -> dict[str, Any]:
    """Build the deployment parameters that point a flow at a warehouse, whatever its signature style.

    Flows take either one pydantic model (``params: XParams`` with a ``warehouse`` field, possibly Optional)
    or a plain ``warehouse`` argument.
    """
    if "warehouse" in inspect.signature(flow.fn).parameters:
        return {"warehouse": warehouse}
    for name, hint in typing.get_type_hints(flow.fn).items():
        for t in (hint, *typing.get_args(hint)):
            if isinstance(t, type) and "warehouse" in getattr(t, "model_fields", {}):
                return {name: {"warehouse": warehouse}}
    raise TypeError(f"flow {flow.name!r} takes no warehouse parameter; cannot point it at {warehouse}")


def maintenance_deployment(warehouse: str, *, cron: str = MAINTENANCE_CRON, name: str = "nightly-maintenance") -> RunnerDeployment:
    """Return the nightly `warehouse-maintenance` deployment for one warehouse."""
    warehouse_maintenance = load_flow_from_entrypoint(MAINTENANCE_ENTRYPOINT, use_placeholder_flow=False)
    return warehouse_maintenance.to_deployment(
        name=name,
        schedules=[Cron(cron, timezone=TIMEZONE)],
        parameters=warehouse_parameters(warehouse_maintenance, warehouse),
        concurrency_limit=ONE_AT_A_TIME,
        entrypoint_type=EntrypointType.MODULE_PATH,
        description="Compact the Parquet lake, run warehouse/checks, write the HTML report (03:30 Tehran).",
        tags=["akhbar", "warehouse-writer"],
    )


def scrape_deployment(warehouse: str, *, cron: str = SCRAPE_CRON, name: str = "hourly-scrape",
                      entrypoint: str = SCRAPE_ENTRYPOINT) -> RunnerDeployment:
    """Return the hourly `scrape-news` deployment for one warehouse (the flow is loaded from its entrypoint)."""
    scrape = load_flow_from_entrypoint(entrypoint, use_placeholder_flow=False)
    scrape = scrape.with_options(retries=SCRAPE_FLOW_RETRIES, retry_delay_seconds=SCRAPE_FLOW_RETRY_DELAY)
    return scrape.to_deployment(
        name=name,
        schedules=[Cron(cron, timezone=TIMEZONE)],
        parameters=warehouse_parameters(scrape, warehouse),
        concurrency_limit=ONE_AT_A_TIME,
        entrypoint_type=EntrypointType.MODULE_PATH,
        description="Fetch the agencies' feeds and pages and load them into the warehouse (hourly, :05 Tehran).",
        tags=["akhbar", "network", "warehouse-writer"],
    )


def deployments(warehouse: str, *, include_scrape: bool = True) -> list[RunnerDeployment]:
    """Return the deployments to serve: the scrape (when flows/scrape.py exists) and the maintenance."""
    out = []
    if include_scrape and importlib.util.find_spec(SCRAPE_ENTRYPOINT.rpartition(".")[0]) is not None:
        out.append(scrape_deployment(warehouse))
    elif include_scrape:
        log.warning("%s not found: serving without the hourly scrape", SCRAPE_ENTRYPOINT)
    out.append(maintenance_deployment(warehouse))
    return out


def serve_all(warehouse: str, *, limit: int = 1, include_scrape: bool = True) -> None:
    """Serve the scheduled deployments from this process until interrupted.

    ``limit=1``: this process runs one flow at a time, so the hourly scrape and the nightly maintenance never
    write the warehouse together (the writer lock guards against any other process).
    """
    warehouse = str(Path(warehouse).resolve())  # runs start in their own process, maybe another directory
    serve(*deployments(warehouse, include_scrape=include_scrape), limit=limit)
