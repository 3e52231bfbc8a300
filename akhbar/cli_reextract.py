"""`akhbar reextract`: run the current entity and quote extractors over the articles already stored."""

import datetime as dt
import time
from pathlib import Path
from typing import Annotated

import typer

from akhbar.cli import EXIT_BUSY, EXIT_FAILED, WarehouseOpt, console, err


def register(app: typer.Typer) -> None:
    """Add the reextract command to the CLI."""

    @app.command()
    def reextract(
        warehouse: WarehouseOpt = Path("warehouse"),
        batch: Annotated[int, typer.Option(min=1, help="articles per batch (one transaction each)")] = 200,
        lock_timeout: Annotated[float, typer.Option(help="seconds to wait for a running load to finish")] = 600.0,
    ) -> None:
        """Re-extract the entities and quotes of every stored article with this version's extractors.

        Articles whose result differs get the new rows (in DuckDB and in their lake partitions); a rerun
        changes nothing. Run it after an upgrade that improves entities or quotes.
        """
        from akhbar import reextract as rx
        from akhbar import warehouse as wh

        db = warehouse / "news.duckdb"
        if not db.exists():
            err.print(f"[red]error:[/red] no warehouse at {warehouse} (run `akhbar run PATH` first, or pass --warehouse)")
            raise typer.Exit(EXIT_FAILED)
        started = dt.datetime.now(dt.UTC)
        run_id = rx.new_run_id(started)
        shown = [time.monotonic()]

        def progress(res: rx.Reextracted, total: int) -> None:
            if time.monotonic() - shown[0] >= 5 or res.articles == total:
                shown[0] = time.monotonic()
                err.print(f"  {res.articles:,}/{total:,} articles, {res.changed:,} changed")

        try:
            with wh.writer_lock(warehouse, lock_timeout):
                con = wh.connect_writer(db)
                try:
                    try:
                        res = rx.reextract(con, warehouse, run_id, batch=batch, progress=progress)
                    except Exception as exc:
                        rx.record_run(con, run_id, started, None, "failed", f"{type(exc).__name__}: {exc}")
                        raise
                    rx.record_run(con, run_id, started, res, "ok")
                    con.execute("CHECKPOINT")
                finally:
                    con.close()
        except wh.WarehouseBusy as exc:
            err.print(f"[red]busy:[/red] {exc}")
            raise typer.Exit(EXIT_BUSY) from None
        console.print(
            f"{res.articles:,} articles re-extracted, {res.changed:,} changed: entities {res.entities_before:,} -> "
            f"{res.entities_after:,}, quotes {res.quotes_before:,} -> {res.quotes_after:,}; "
            f"{len(res.partitions)} lake partitions rewritten ({res.lake_files} files); run {run_id}"
        )
