"""``bess-dispatch report``: the HTML report of a run or study folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from optimizer.cli.common import (
    EXIT_INPUT,
    _fail,
    err,
)
from optimizer.errors import OptimizerError


def report_command(
    folder: Annotated[
        Path,
        typer.Argument(
            help="A run's output folder (summary.json, schedule.parquet) or a study's (cases.parquet)."
        ),
    ],
) -> None:
    """Write a self-contained report.html (opens offline) into a run or study output folder."""
    from optimizer.report import report_kind, write_report, write_study_report

    kind = report_kind(folder)
    if kind is None:
        typer.echo(
            f"{folder}: no run or study output here; expected summary.json and schedule.parquet (from `bess-dispatch run`) "
            "or cases.parquet (from `bess-dispatch sweep`). Point at an output folder.",
            err=True,
        )
        raise typer.Exit(code=EXIT_INPUT)
    try:
        path = write_report(folder) if kind == "run" else write_study_report(folder)
    except OptimizerError as exc:
        raise _fail(exc) from None
    err.print(f"wrote {path}")
