"""`akhbar search` and `akhbar dictionary`: full-text search and the data dictionary."""

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from akhbar.cli import EXIT_FAILED, EXIT_USAGE, WarehouseOpt, console, err


def register(app: typer.Typer) -> None:
    """Add the search and dictionary commands to the CLI."""

    @app.command("search")
    def search_cmd(
        query: Annotated[str, typer.Argument(help="words; a phrase in double quotes must occur verbatim")],
        agency: Annotated[str | None, typer.Option(help="exact agency name, e.g. فارس")] = None,
        since: Annotated[str | None, typer.Option(help="YYYY-MM-DD, Gregorian or Jalali (1403-01-01)")] = None,
        limit: Annotated[int, typer.Option(help="hits to show")] = 20,
        any_term: Annotated[bool, typer.Option("--any", help="match any word instead of all")] = False,
        format: Annotated[str, typer.Option("--format", help="table or json")] = "table",
        warehouse: WarehouseOpt = Path("warehouse"),
    ) -> None:
        """Full-text search in Persian: spelling variants (ي/ی, ك/ک, ZWNJ, digits) and word forms match."""
        import json

        from akhbar.search import has_index, search
        from akhbar.warehouse import WarehouseMissing, connect_reader

        try:
            con = connect_reader(warehouse / "news.duckdb")
        except WarehouseMissing as exc:
            err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(EXIT_FAILED) from None
        try:
            if not has_index(con):
                err.print("[yellow]no search index yet:[/yellow] it is built by `akhbar run` when articles are loaded")
                raise typer.Exit(EXIT_FAILED)
            hits = search(con, query, agency=agency, since=since, limit=limit, all_terms=not any_term)
        except ValueError as exc:
            err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(EXIT_USAGE) from None
        finally:
            con.close()
        if format == "json":
            from dataclasses import asdict

            sys.stdout.write(json.dumps([asdict(h) for h in hits], ensure_ascii=False, default=str, indent=1) + "\n")
            return
        t = Table("score", "day (Jalali)", "agency", "title", "snippet", "article_id")
        for h in hits:
            t.add_row(f"{h.score:.2f}", h.published_jalali or "", h.agency or "", h.title or "", h.snippet, h.article_id)
        console.print(t)
        console.print(f"[dim]{len(hits)} hit{'s' if len(hits) != 1 else ''}[/dim]")

    @app.command()
    def dictionary(
        write: Annotated[bool, typer.Option(help="write docs/DATA_DICTIONARY.md instead of printing")] = False,
    ) -> None:
        """Print (or write) the data dictionary: tables, columns, views, macros, checks, reject reasons."""
        from akhbar import dictionary as d

        if write:
            console.print(f"wrote {d.write()}")
        else:
            sys.stdout.write(d.render())
