"""The `akhbar` command: run the ETL, query the warehouse, and the tools around them.

Every command takes ``--warehouse DIR`` (default ``warehouse/``, or ``$AKHBAR_WAREHOUSE``).
Exit codes: 0 success; 3 partial success (some records rejected, the rest loaded); 1 failure;
4 the warehouse is busy with another writer; 2 usage error.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_show_locals=False, help="akhbar: Persian news ETL and warehouse.")
# A pipe or file gets wide tables (rich would otherwise assume 80 columns and wrap Persian text to shreds).
console = Console() if sys.stdout.isatty() else Console(width=200)
err = Console(stderr=True)

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_PARTIAL, EXIT_BUSY = 0, 1, 2, 3, 4

WarehouseOpt = Annotated[
    Path,
    typer.Option("--warehouse", "-w", envvar="AKHBAR_WAREHOUSE", help="warehouse directory (DuckDB file + Parquet lake)"),
]


def _quiet_prefect(verbose: bool) -> None:
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    if not verbose:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def _parse_fields(pairs: list[str]) -> dict[str, str]:
    out = {}
    for p in pairs:
        name, sep, column = p.partition("=")
        if not sep or not name or not column:
            raise typer.BadParameter(f"--field takes FIELD=COLUMN, got {p!r}")
        out[name.strip()] = column.strip()
    return out


@app.command()
def run(
    paths: Annotated[list[Path], typer.Argument(help="files or folders of news (.txt, .jsonl, .json, .csv/.tsv, each optionally .gz)")],
    warehouse: WarehouseOpt = Path("warehouse"),
    workers: Annotated[int, typer.Option(help="normalization processes; 0 = one per core")] = 0,
    batch_size: Annotated[int, typer.Option(help="records per batch (bounds memory)")] = 500,
    field: Annotated[list[str], typer.Option("--field", help="map an input column to a field, e.g. --field body=text")] = [],  # noqa: B006
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="show Prefect's logs")] = False,
    entities: Annotated[bool, typer.Option(help="extract named entities and quotes (the slowest stage)")] = True,
    dask: Annotated[bool, typer.Option("--dask", help="normalize on a local Dask cluster of --workers processes")] = False,
    dask_address: Annotated[str | None, typer.Option(help="normalize on an existing Dask cluster (tcp://host:8786)")] = None,
) -> None:
    """Load news files into the warehouse (Prefect flow `news-etl`, run locally with no server)."""
    missing = [str(p) for p in paths if not p.exists() and not p.is_symlink()]
    if missing:
        err.print(f"[red]error:[/red] no such file or directory: {', '.join(missing)}")
        raise typer.Exit(EXIT_USAGE)
    _quiet_prefect(verbose)
    fields = _parse_fields(field)
    # Start-up steps that ran one after the other now overlap: Prefect's temporary server boots (flows.early)
    # and the worker processes import hazm and build their normalizers while this process imports Prefect;
    # the flow then takes both (the same worker settings as EtlParams.settings gives).
    from flows import early as early_server

    server = early_server.start()
    from akhbar import etl
    from akhbar.config import Settings
    from akhbar.warehouse import WarehouseBusy

    early_workers = (
        contextlib.nullcontext()
        if dask or dask_address
        else etl.workers_started_early(Settings(warehouse=warehouse, workers=workers, batch_size=batch_size, entities=entities))
    )
    try:
        with early_workers:
            from flows.news_etl import EtlParams, run_news_etl

            params = EtlParams(
                inputs=[str(p) for p in paths], warehouse=str(warehouse), workers=workers, batch_size=batch_size,
                fields=fields, show_progress=progress and sys.stderr.isatty(),
                dask=dask, dask_address=dask_address, entities=entities,
            )
            early_server.adopt(server)
            summary = run_news_etl(params)
    except WarehouseBusy as exc:
        err.print(f"[red]busy:[/red] {exc}")
        raise typer.Exit(EXIT_BUSY) from None
    except Exception as exc:  # the flow already recorded the failure in `runs`
        err.print(f"[red]run failed:[/red] {type(exc).__name__}: {exc}")
        raise typer.Exit(EXIT_FAILED) from None
    finally:
        early_server.release(server)
    print_summary(summary)
    raise typer.Exit(EXIT_PARTIAL if summary["status"] == "partial" else EXIT_OK)


def print_summary(s: dict[str, Any]) -> None:
    """Print a run's figures as a short table."""
    t = Table(title=f"run {s['run_id']} — {s['status']}", show_header=False)
    t.add_column(style="bold")
    t.add_column(justify="right")
    t.add_row("files read / skipped", f"{s['files_read']:,} / {s['files_skipped']:,}")
    t.add_row("records read", f"{s['records_read']:,}")
    t.add_row("articles new", f"{s['articles_new']:,}")
    t.add_row("  of which duplicates (linked to a cluster)", f"{s['duplicates_new']:,}")
    t.add_row("already in the warehouse (unchanged)", f"{s['articles_unchanged']:,}")
    t.add_row("repeated paragraphs removed", f"{s['paragraphs_repeated']:,}")
    t.add_row("rejected (new)", f"{s['rejects_seen']:,} ({s['rejects_new']:,})")
    for reason, n in s["rejects_by_reason"].items():
        t.add_row(f"  {reason}", f"{n:,}")
    if s.get("encodings_converted"):
        t.add_row("files converted from", ", ".join(f"{k}: {v}" for k, v in s["encodings_converted"].items()))
    if s.get("orphans_removed"):
        t.add_row("files of a crashed run removed", f"{s['orphans_removed']:,}")
    t.add_row("Parquet files written", f"{s['lake_files']:,}")
    t.add_row("warehouse", f"{s['warehouse']}/news.duckdb")
    console.print(t)
    if s.get("articles_outdated"):
        from akhbar.extract.fingerprint import outdated_note

        err.print(f"[yellow]note:[/yellow] {outdated_note(s['articles_outdated'], s['warehouse'])}")


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, list):
        return "، ".join(_cell(x) for x in v)  # not repr(): it would print ZWNJ as \u200c
    return str(v)


def _result_table(cur: Any, fmt: str) -> None:
    cols = [d[0] for d in cur.description] if cur.description else []
    rows = cur.fetchall()
    if fmt == "json":
        sys.stdout.write(json.dumps([dict(zip(cols, r, strict=True)) for r in rows], ensure_ascii=False, default=str, indent=1) + "\n")
    elif fmt == "csv":
        import csv

        w = csv.writer(sys.stdout)
        w.writerow(cols)
        w.writerows(rows)
    else:
        t = Table(*cols, show_lines=False)
        for r in rows:
            t.add_row(*[_cell(v) for v in r])
        console.print(t)
        console.print(f"[dim]{len(rows)} row{'s' if len(rows) != 1 else ''}[/dim]")


@app.command()
def sql(
    query: Annotated[str | None, typer.Argument(help="a SQL query (read-only)")] = None,
    file: Annotated[Path | None, typer.Option("-f", "--file", help="read the query from a file")] = None,
    warehouse: WarehouseOpt = Path("warehouse"),
    format: Annotated[str, typer.Option("--format", help="table, csv or json")] = "table",
) -> None:
    """Run a read-only SQL query against the warehouse and print the result."""
    import duckdb

    from akhbar.warehouse import WarehouseMissing, connect_reader

    if (query is None) == (file is None):
        err.print("[red]error:[/red] give a query or -f FILE (one of them)")
        raise typer.Exit(EXIT_USAGE)
    if format not in ("table", "csv", "json"):
        err.print("[red]error:[/red] --format is table, csv or json")
        raise typer.Exit(EXIT_USAGE)
    text = query if query is not None else file.read_text(encoding="utf-8")  # type: ignore[union-attr]
    try:
        con = connect_reader(warehouse / "news.duckdb")
    except WarehouseMissing as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_FAILED) from None
    except duckdb.IOException as exc:
        err.print(f"[red]error:[/red] cannot open the warehouse read-only: {exc}")
        raise typer.Exit(EXIT_BUSY) from None
    try:
        _result_table(con.execute(text), format)
    except duckdb.Error as exc:
        msg = str(exc)
        if "read-only" in msg.lower():
            msg = "the warehouse is opened read-only by `akhbar sql`: write statements are refused. " + msg
        err.print(f"[red]error:[/red] {msg}")
        raise typer.Exit(EXIT_FAILED) from None
    finally:
        con.close()


_registered = False


def _register_subcommands() -> None:
    # Commands that live beside their feature (scraping, search, report, NER) register themselves here.
    import importlib

    global _registered
    if _registered:
        return
    _registered = True

    if __name__ == "__main__":
        # Run as `python -m akhbar.cli`: let the feature modules' `from akhbar.cli import ...` find this
        # module instead of loading a second copy that would import them half-initialized.
        sys.modules.setdefault("akhbar.cli", sys.modules["__main__"])

    for name in ("akhbar.cli_scrape", "akhbar.cli_search", "akhbar.cli_report", "akhbar.cli_ner", "akhbar.cli_reextract"):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(app)


def get_app() -> typer.Typer:
    """Return the CLI application with every command registered (for embedding and tests)."""
    _register_subcommands()
    return app


def main() -> None:
    """Entry point of the `akhbar` command."""
    # Registered here, not at import: worker processes re-import this module (spawn) and must not
    # import every feature's CLI, and `python -m akhbar.cli` must not import it twice.
    _register_subcommands()
    app()


if __name__ == "__main__":
    main()
