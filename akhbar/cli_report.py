"""`akhbar report` (HTML run report) and `akhbar serve` (scheduled deployments)."""

import datetime as dt
import os
from pathlib import Path
from typing import Annotated

import typer

from akhbar.cli import EXIT_FAILED, WarehouseOpt, _quiet_prefect, console, err


def register(app: typer.Typer) -> None:
    """Add the report and serve commands to the CLI."""

    @app.command()
    def report(
        since: Annotated[str | None, typer.Option(help="only articles published since YYYY-MM-DD (Gregorian)")] = None,
        warehouse: WarehouseOpt = Path("warehouse"),
    ) -> None:
        """Write the self-contained HTML report (charts, duplicates, rejects, Persian-quality checks)."""
        from akhbar.report import write_html_report

        if not (warehouse / "news.duckdb").exists():
            err.print(f"[red]error:[/red] no warehouse at {warehouse} (run `akhbar run PATH` first, or pass --warehouse)")
            raise typer.Exit(EXIT_FAILED)
        day = dt.date.fromisoformat(since) if since else None
        path = write_html_report(warehouse, since=day)
        console.print(f"wrote {path} (open it in a browser; it needs no network)")

    @app.command()
    def serve(
        warehouse: WarehouseOpt = Path("warehouse"),
        no_scrape: Annotated[bool, typer.Option("--no-scrape", help="serve only the nightly maintenance")] = False,
    ) -> None:
        """Serve the hourly scrape and nightly maintenance deployments (needs PREFECT_API_URL to a server)."""
        _quiet_prefect(verbose=True)
        if not os.environ.get("PREFECT_API_URL"):
            err.print(
                "[yellow]PREFECT_API_URL is not set:[/yellow] start a server with "
                "`prefect server start --host 127.0.0.1` and export PREFECT_API_URL=http://127.0.0.1:4200/api"
            )
        from flows.deployments import serve_all

        serve_all(str(warehouse.resolve()), include_scrape=not no_scrape)
