"""`akhbar scrape`: run the Prefect flow `scrape-news` locally and print what each source gave."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

# Not imported from akhbar.cli at module level: `python -m akhbar.cli` runs that file as __main__, and
# akhbar.cli imports this module while it is still being defined.
WarehouseOpt = Annotated[
    Path,
    typer.Option("--warehouse", "-w", envvar="AKHBAR_WAREHOUSE", help="warehouse directory (DuckDB file + Parquet lake)"),
]


def scrape(
    source: Annotated[list[str], typer.Option("--source", "-s", help="a configured source to scrape (repeatable); default: all")] = [],  # noqa: B006
    config: Annotated[Path | None, typer.Option("--config", help="sources TOML file (default: the packaged akhbar/data/sources.toml)")] = None,
    feed: Annotated[list[str], typer.Option("--feed", help="an RSS/Atom feed URL to scrape (repeatable)")] = [],  # noqa: B006
    sitemap: Annotated[list[str], typer.Option("--sitemap", help="a sitemap or sitemap-index URL to scrape (repeatable)")] = [],  # noqa: B006
    allow_host: Annotated[list[str], typer.Option("--allow-host", help="allow a private/loopback host, e.g. 127.0.0.1 (repeatable)")] = [],  # noqa: B006
    warehouse: WarehouseOpt = Path("warehouse"),
    workers: Annotated[int, typer.Option(help="normalization processes; 0 = one per core")] = 1,
    retries: Annotated[int, typer.Option(help="retries of a source none of whose feeds answered")] = 1,
    retry_delay: Annotated[float, typer.Option(help="seconds before such a retry")] = 30.0,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="show Prefect's logs")] = False,
) -> None:
    """Scrape news sites (feeds, sitemaps, new pages) into the warehouse (Prefect flow `scrape-news`, no server)."""
    from akhbar.cli import (
        EXIT_BUSY,
        EXIT_FAILED,
        EXIT_OK,
        EXIT_PARTIAL,
        EXIT_USAGE,
        _quiet_prefect,
        err,
        print_summary,
    )

    if config is not None and not config.is_file():
        err.print(f"[red]error:[/red] no such sources file: {config}")
        raise typer.Exit(EXIT_USAGE)
    from akhbar.scrape.config import load_config
    from akhbar.scrape.pipeline import select_sources

    try:
        chosen = select_sources(load_config(config), source, feed, sitemap, allow_host)
    except ValueError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_USAGE) from None
    if not chosen.sources:
        err.print("[red]error:[/red] no source to scrape (the sources file has none; give --feed or --sitemap)")
        raise typer.Exit(EXIT_USAGE)
    _quiet_prefect(verbose)
    from akhbar.warehouse import WarehouseBusy
    from flows.scrape import ScrapeParams, scrape_news

    params = ScrapeParams(
        sources=source, config=str(config) if config else None, feeds=feed, sitemaps=sitemap, allow_hosts=allow_host,
        warehouse=str(warehouse), workers=workers, retries=retries, retry_delay_seconds=retry_delay,
    )
    try:
        summary = scrape_news(params)
    except WarehouseBusy as exc:
        err.print(f"[red]busy:[/red] {exc}")
        raise typer.Exit(EXIT_BUSY) from None
    except Exception as exc:  # the flow already recorded the failure in `runs`
        err.print(f"[red]scrape failed:[/red] {type(exc).__name__}: {exc}")
        raise typer.Exit(EXIT_FAILED) from None
    print_sources(summary)
    print_summary(summary)
    raise typer.Exit(EXIT_PARTIAL if summary["status"] == "partial" else EXIT_OK)


def print_sources(s: dict[str, Any]) -> None:
    """Print one row per source: items listed, pages fetched, records, unchanged feeds and failures."""
    from akhbar.cli import console
    from akhbar.scrape.pipeline import fetch_failures

    t = Table(title=f"sources — {s['requests']:,} HTTP requests")
    for name in ("source", "items", "pages", "records", "rejects", "seen before", "unchanged (304)", "failed"):
        t.add_column(name, justify="left" if name in ("source", "failed") else "right")
    for name, c in s["sources"].items():
        failed = ", ".join(f"{k} {n}" for k, n in fetch_failures(c).items())
        if name in s["sources_unreachable"]:
            failed = f"unreachable: {failed}"
        t.add_row(
            name,
            f"{c.get('items', 0):,}",
            f"{c.get('page:ok', 0) + c.get('page:rate_limited_retried', 0):,}",
            f"{c.get('records', 0):,}",
            f"{c.get('rejects', 0):,}",
            f"{c.get('skipped_seen', 0):,}",
            f"{c.get('feed:not_modified', 0) + c.get('sitemap:not_modified', 0):,}",
            failed,
        )
    console.print(t)


def register(app: typer.Typer) -> None:
    """Add the `scrape` command to the `akhbar` app."""
    app.command("scrape")(scrape)
