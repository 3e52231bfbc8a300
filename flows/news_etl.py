"""Flow `news-etl`: read news files, normalize and deduplicate them, write Parquet and load DuckDB."""

from __future__ import annotations

import flows  # noqa: F401 - sets the telemetry environment before prefect loads

import contextlib
import os
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.utilities.annotations import quote
from pydantic import BaseModel, Field

from akhbar import etl
from flows.artifacts import publish_run_artifact
from akhbar.config import Settings
from akhbar.sources.files import FieldMap


class EtlParams(BaseModel):
    """Parameters of one ETL run (shown as a form in the Prefect UI)."""

    inputs: list[str] = Field(..., description="files or folders to load (recursive; .gz is read transparently)")
    warehouse: str = Field("warehouse", description="warehouse directory")
    workers: int = Field(0, ge=0, description="normalization processes; 0 = one per core")
    batch_size: int = Field(500, ge=1, description="records per batch")
    fields: dict[str, str] = Field(default_factory=dict, description="field mapping overrides, e.g. body=text")
    show_progress: bool = Field(False, description="draw a progress bar on the terminal")
    dask_address: str | None = Field(None, description="run per-batch stages on this Dask scheduler (tcp://host:8786)")
    entities: bool = Field(True, description="extract named entities and quotes")
    dask: bool = Field(False, description="run per-batch stages on a local Dask cluster of `workers` processes")

    def settings(self) -> Settings:
        """Return the run's settings (the rest from AKHBAR_* variables)."""
        return Settings(warehouse=self.warehouse, workers=self.workers, batch_size=self.batch_size, entities=self.entities)


# Tasks receive the run state (a DuckDB connection) and record batches: never cache or hash them.
start_run = task(etl.start_run, name="start-run", cache_policy=NO_CACHE)
prepare_batch = task(etl.prepare, name="normalize-batch", cache_policy=NO_CACHE)
load_batch = task(etl.load, name="load-batch", cache_policy=NO_CACHE)
finish_run = task(etl.finish_run, name="finish-run", cache_policy=NO_CACHE)


@flow(name="news-etl", log_prints=True)
def news_etl(params: EtlParams) -> dict[str, Any]:
    """Load the inputs into the warehouse: read → normalize/dedup (parallel) → Parquet + DuckDB (one writer)."""
    settings = params.settings()
    fields = FieldMap.with_overrides(params.fields)
    # share_reads: the DuckDB file is let go between batches when a reader asks, so `akhbar sql` works during a run.
    state = start_run(settings, params.inputs, share_reads=True)
    progress = _progress(params.show_progress)
    on_dask = bool(params.dask_address or params.dask)
    try:
        # On Dask the task runner spreads the normalize tasks over the cluster; otherwise a local
        # process pool does. Loading always stays here, in the one writer process.
        pool_ctx = contextlib.nullcontext(None) if on_dask else etl.worker_pool(settings)
        with progress as bar, pool_ctx as pool, etl.writer_beside_workers(state, pool), etl.quiet_gc():
            job = bar.add_task("reading", total=None) if bar else None
            workers = 1 if on_dask else etl.worker_count(settings)
            # quote(): Prefect walks every task argument looking for futures (~0.3 s per batch of 500 prepared
            # articles, ~0.8 ms of writer CPU per article); a batch holds none, so it is passed opaque.
            # (prefect-dask does not unwrap quote() on the worker: there the batch is pickled and shipped anyway.)
            opaque = (lambda x: x) if on_dask else quote

            def submit(batch: list[Any]) -> PrefectFuture[Any]:
                # With the boilerplate key sets known now, the workers profile articles for near-dup search.
                return prepare_batch.submit(opaque(batch), pool, workers, settings.entities, opaque(etl.hand_out(state, batch)))

            # The next etl.AHEAD batches are normalized in the workers while one is loaded here.
            for future in etl.in_flight(etl.iter_batches(state, fields), submit):
                load_batch(state, quote(future.result()))
                if bar is not None:
                    bar.update(job, total=state.stats.bytes_total or None, completed=state.stats.bytes_done, description=_describe(state))
            if bar is not None:
                bar.update(job, completed=state.stats.bytes_total, description=_describe(state))
    except BaseException as exc:
        summary = finish_run(state, exc)
        with contextlib.suppress(Exception):  # never hide the run's own error
            publish_run_artifact(summary)
        raise
    summary = finish_run(state)
    publish_run_artifact(summary)  # reads the warehouse read-only, after finish_run released it
    return summary


def task_runner_for(params: EtlParams) -> Any:
    """Return the Dask task runner the parameters ask for, or None for the default runner."""
    if not (params.dask_address or params.dask):
        return None
    from prefect_dask import DaskTaskRunner

    if params.dask_address:
        return DaskTaskRunner(address=params.dask_address)
    n = params.workers or (os.cpu_count() or 1)
    return DaskTaskRunner(cluster_kwargs={"n_workers": n, "threads_per_worker": 1, "processes": True, "dashboard_address": None})


def run_news_etl(params: EtlParams) -> dict[str, Any]:
    """Run the flow with the task runner its parameters ask for (default, local Dask or a Dask cluster)."""
    runner = task_runner_for(params)
    if runner is not None:
        return news_etl.with_options(task_runner=runner)(params)
    # The worker processes warm up while Prefect starts its server.
    with etl.workers_started_early(params.settings()):
        return news_etl(params)


def _describe(state: etl.RunState) -> str:
    return f"read {state.records_read:,} · new {state.articles_new:,} · dup {state.duplicates_new:,} · rejected {state.rejects_seen:,}"


class _NoProgress:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _progress(show: bool) -> Any:
    if not show:
        return _NoProgress()
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), transient=False)
