"""`akhbar ner` and `akhbar ner-eval`: tag gold NER files with the shipped model and score it."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from akhbar.cli import EXIT_USAGE, err

FORMATS = ("peyma", "arman")
NetworkOpt = Annotated[
    bool, typer.Option("--network", help="mix in the BiLSTM shipped beside the CRF (~1 F1 more, ~7x slower)")
]
SurnamesOpt = Annotated[
    int | None,
    typer.Option(
        "--surnames",
        min=0,
        help="also tag bare surnames of persons named in full within N sentences (the file read as running text, "
        "as the pipeline reads an article)",
    ),
]


def register(app: typer.Typer) -> None:
    """Add the NER commands to the CLI."""

    def _check(file: Path, fmt: str) -> None:
        if fmt not in FORMATS:
            err.print(f"[red]error:[/red] --format is one of {', '.join(FORMATS)}")
            raise typer.Exit(EXIT_USAGE)
        if not file.is_file():
            err.print(f"[red]error:[/red] no such file: {file}")
            raise typer.Exit(EXIT_USAGE)

    def _check_network(fmt: str, network: bool) -> None:
        from akhbar.extract.ner import model_for
        from akhbar.extract.ner_nn import nn_path

        if network and not nn_path(model_for(fmt)).exists():
            err.print(f"[red]error:[/red] no network shipped for {fmt}: {nn_path(model_for(fmt))}")
            raise typer.Exit(EXIT_USAGE)

    @app.command()
    def ner(
        file: Annotated[Path, typer.Argument(help="a gold NER file (PEYMA `tok|TAG` or ARMAN `tok TAG` lines)")],
        format: Annotated[str, typer.Option("--format", help="peyma or arman")] = "peyma",
        network: NetworkOpt = False,
        surnames: SurnamesOpt = None,
    ) -> None:
        """Write FILE to stdout with the model's tags in place of the gold ones (tokens unchanged)."""
        from akhbar.extract.ner import tag_file

        _check(file, format)
        _check_network(format, network)
        tag_file(str(file), format, sys.stdout, network=network, surnames=surnames)  # type: ignore[arg-type]

    @app.command("ner-eval")
    def ner_eval(
        file: Annotated[Path, typer.Argument(help="a gold NER file")],
        format: Annotated[str, typer.Option("--format", help="peyma or arman")] = "peyma",
        network: NetworkOpt = False,
        surnames: SurnamesOpt = None,
    ) -> None:
        """Score the model on a gold file: entity-level (exact span and type) P/R/F1 per type and micro."""
        from akhbar.extract.ner import evaluate_file

        _check(file, format)
        _check_network(format, network)
        sys.stdout.write(evaluate_file(str(file), format, network=network, surnames=surnames) + "\n")  # type: ignore[arg-type]
