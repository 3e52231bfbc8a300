"""Deployment definitions: schedules on Tehran time, one run at a time, parameters, and prefect.yaml agreeing."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from prefect import flow
from pydantic import BaseModel

from flows import deployments
from tests.conftest import REPO


class _Params(BaseModel):
    warehouse: str = "warehouse"


@flow
def _plain(warehouse: str = "w") -> None:
    """A flow with a plain warehouse argument."""


@flow
def _model(params: _Params | None = None) -> None:
    """A flow with one optional pydantic model."""


@flow
def _none(x: int = 1) -> None:
    """A flow with no warehouse."""


def test_warehouse_parameters_follow_the_flow_signature() -> None:
    from flows.maintenance import warehouse_maintenance
    from flows.news_etl import news_etl

    assert deployments.warehouse_parameters(_plain, "/w") == {"warehouse": "/w"}
    assert deployments.warehouse_parameters(_model, "/w") == {"params": {"warehouse": "/w"}}
    assert deployments.warehouse_parameters(news_etl, "/w") == {"params": {"warehouse": "/w"}}
    assert deployments.warehouse_parameters(warehouse_maintenance, "/w") == {"params": {"warehouse": "/w"}}
    with pytest.raises(TypeError, match="no warehouse parameter"):
        deployments.warehouse_parameters(_none, "/w")


def test_maintenance_deployment_is_nightly_on_tehran_time_one_at_a_time() -> None:
    d = deployments.maintenance_deployment("/srv/wh")
    assert d.name == "nightly-maintenance" and d.entrypoint == "flows.maintenance.warehouse_maintenance"
    (s,) = d.schedules
    assert (s.schedule.cron, s.schedule.timezone) == ("30 3 * * *", "Asia/Tehran")
    assert d.concurrency_limit == 1 and d.concurrency_options.collision_strategy.value == "ENQUEUE"
    assert d.parameters == {"params": {"warehouse": "/srv/wh"}}


def test_serve_list_skips_a_missing_scrape_flow(caplog: pytest.LogCaptureFixture) -> None:
    import importlib.util

    has_scrape = importlib.util.find_spec("flows.scrape") is not None
    names = [d.name for d in deployments.deployments("/srv/wh")]
    assert names == (["hourly-scrape", "nightly-maintenance"] if has_scrape else ["nightly-maintenance"])
    assert [d.name for d in deployments.deployments("/srv/wh", include_scrape=False)] == ["nightly-maintenance"]


def test_network_task_retries_with_backoff() -> None:
    def fetch(url: str) -> str:
        return url

    t = deployments.network_task(fetch)
    assert t.retries == 3 and t.retry_delay_seconds == [2, 10, 30] and t.retry_jitter_factor == 0.5
    assert deployments.network_task(fetch, retries=1).retries == 1


def test_prefect_yaml_matches_the_served_deployments() -> None:
    spec: dict[str, Any] = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))
    by_name = {d["name"]: d for d in spec["deployments"]}
    assert set(by_name) == {"hourly-scrape", "nightly-maintenance"}
    for d, cron in ((by_name["hourly-scrape"], deployments.SCRAPE_CRON), (by_name["nightly-maintenance"], deployments.MAINTENANCE_CRON)):
        (s,) = d["schedules"]
        assert (s["cron"], s["timezone"]) == (cron, deployments.TIMEZONE)
        assert d["concurrency_limit"] == {"limit": 1, "collision_strategy": "ENQUEUE"}
        assert d["work_pool"]["name"] == "akhbar-writer"
        assert d["parameters"] == {"params": {"warehouse": "{{ $AKHBAR_WAREHOUSE }}"}}
        path, _, func = d["entrypoint"].partition(":")
        module = path.removesuffix(".py").replace("/", ".")
        served = deployments.SCRAPE_ENTRYPOINT if "scrape" in path else deployments.MAINTENANCE_ENTRYPOINT
        assert served == f"{module}.{func}"  # the same flow in both forms
    assert (REPO / by_name["nightly-maintenance"]["entrypoint"].partition(":")[0]).exists()
