"""Flow `scrape-news`: read the agencies' feeds and sitemaps, fetch new pages, load them like `news-etl`."""

from __future__ import annotations

import flows  # noqa: F401 - sets the telemetry environment before prefect loads

from collections import deque
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.utilities.annotations import quote
from pydantic import BaseModel, Field

from akhbar import etl
from akhbar.config import Settings
from akhbar.scrape import pipeline
from akhbar.scrape.config import load_config
from akhbar.scrape.run import ERROR, ScrapeResult
from akhbar.scrape.state import DuckDBFeedState, PendingFeedState


class ScrapeParams(BaseModel):
    """Parameters of one scrape (shown as a form in the Prefect UI)."""

    sources: list[str] = Field(
        default_factory=list,
        description="configured source names; empty = every source (or only the feed/sitemap URLs, when given)",
    )
    config: str | None = Field(None, description="sources TOML file; default: the packaged akhbar/data/sources.toml")
    feeds: list[str] = Field(default_factory=list, description="extra RSS/Atom feed URLs (one source per host)")
    sitemaps: list[str] = Field(default_factory=list, description="extra sitemap URLs (one source per host)")
    allow_hosts: list[str] = Field(
        default_factory=list, description="hosts allowed although private/loopback (e.g. 127.0.0.1 for a test site)"
    )
    warehouse: str = Field("warehouse", description="warehouse directory (scrape state and raw archive live in it)")
    archive_dir: str | None = Field(None, description="where raw responses are archived; default <warehouse>/raw")
    workers: int = Field(1, ge=0, description="normalization processes; 0 = one per core")
    batch_size: int = Field(500, ge=1, description="records per batch")
    retries: int = Field(2, ge=0, description="retries of a source none of whose feeds/sitemaps answered")
    retry_delay_seconds: float = Field(60.0, ge=0, description="wait before such a retry")


# Tasks receive the run state (a DuckDB connection) and record batches: never cache or hash them.
start_run = task(etl.start_run, name="start-run", cache_policy=NO_CACHE)
scrape_source = task(
    pipeline.scrape_source, name="scrape-source", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=60
)
prepare_batch = task(etl.prepare, name="normalize-batch", cache_policy=NO_CACHE)
load_batch = task(etl.load, name="load-batch", cache_policy=NO_CACHE)
commit_state = task(pipeline.commit_states, name="commit-scrape-state", cache_policy=NO_CACHE)
finish_run = task(pipeline.finish, name="finish-run", cache_policy=NO_CACHE)


@flow(name="scrape-news", log_prints=True)
def scrape_news(params: ScrapeParams) -> dict[str, Any]:
    """Scrape the sources (one task each, retried when unreachable), then normalize/dedup/load what is new."""
    settings = Settings(warehouse=params.warehouse, workers=params.workers, batch_size=params.batch_size)
    config = pipeline.select_sources(
        load_config(params.config), params.sources, params.feeds, params.sitemaps, params.allow_hosts
    )
    state = start_run(settings, pipeline.run_inputs(config), flow=pipeline.FLOW)
    results: list[ScrapeResult] = []
    pendings: list[PendingFeedState] = []
    unreachable: list[str] = []
    try:
        base = DuckDBFeedState(state.con)
        archive = pipeline.archive_dir_for(settings, params.archive_dir)
        scrape_task = scrape_source.with_options(retries=params.retries, retry_delay_seconds=params.retry_delay_seconds)
        running: deque[tuple[str, PrefectFuture[Any]]] = deque()
        for src in config.sources:
            if len(running) >= max(1, config.workers):  # at most `workers` sources at once
                _collect(*running.popleft(), results, pendings, unreachable)
            future = scrape_task.with_options(task_run_name=f"scrape-{src.name}").submit(
                pipeline.only(config, src), base, archive, config.allow_hosts
            )
            running.append((src.name, future))
        while running:
            _collect(*running.popleft(), results, pendings, unreachable)

        with etl.worker_pool(settings) as pool:
            workers = etl.worker_count(settings)

            def submit(batch: list[Any]) -> PrefectFuture[Any]:
                # quote(): Prefect would walk every argument looking for futures; a batch holds none.
                return prepare_batch.submit(quote(batch), pool, workers, settings.entities, quote(etl.hand_out(state, batch)))

            # The next etl.AHEAD batches are normalized in the workers while one is loaded here.
            for future in etl.in_flight(etl.batches_of(pipeline.scraped_items(results), settings.batch_size), submit):
                load_batch(state, quote(future.result()))
        commit_state(pendings)
    except BaseException as exc:
        etl.finish_run(state, exc)
        raise
    return finish_run(state, pipeline.merge_results(results), unreachable)


def _collect(
    name: str,
    future: PrefectFuture[Any],
    results: list[ScrapeResult],
    pendings: list[PendingFeedState],
    unreachable: list[str],
) -> None:
    """Take one source task's outcome; a source that failed for good is counted, never fatal to the run."""
    future.wait()
    value = future.result(raise_on_failure=False)
    if not isinstance(value, BaseException):
        result, held = value
        results.append(result)
        pendings.append(held)
        return
    get_run_logger().warning("source %s failed: %s", name, value)
    unreachable.append(name)
    if isinstance(value, pipeline.SourceUnreachable):
        results.append(value.result)
    else:  # an unexpected error in the task itself: counted like a crashed source
        results.append(ScrapeResult(counts={name: {f"source:{ERROR}": 1, "records": 0, "rejects": 0}}))

