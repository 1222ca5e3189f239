"""``bess-dispatch sweep``: a what-if study on dask.distributed."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Annotated

import typer

from optimizer.cli.common import (
    EXIT_INPUT,
    _fail,
    err,
)
from optimizer.cli.render import render_sweep
from optimizer.errors import InputError, OptimizerError


def sweep(
    study: Annotated[
        str, typer.Argument(help="Study TOML, or a built-in study's name (fleet-size).")
    ],
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler", help="Address of a running dask scheduler, e.g. tcp://10.0.0.5:8786."
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            help="Local dask worker processes (default: one per core); 0 runs in this process without dask.",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Output folder (default: bess-sweep-out/<study name>). Running again skips finished cases.",
        ),
    ] = None,
    schedules: Annotated[
        bool,
        typer.Option(
            "--schedules",
            help="Also write each case's full schedule to schedules/<case_id>.parquet.",
        ),
    ] = False,
    plots: Annotated[bool, typer.Option(help="Write the PNG plots.")] = True,
    progress: Annotated[bool, typer.Option(help="Show the progress bar.")] = True,
    max_cases: Annotated[
        int,
        typer.Option(
            "--max-cases",
            help="Refuse a study of more cases than this (a guard against a runaway product of axes).",
        ),
    ] = 100_000,
) -> None:
    """Run a what-if study: every case solved on dask.distributed, one row each in cases.parquet, plus PNG plots."""

    from optimizer.io.atomic import check_output_dir
    from optimizer.io.builtin import resolve_model_path
    from optimizer.studies import load_study, run_study
    from optimizer.studies.plots import write_study_plots

    if (scheduler is not None and workers is not None) or (workers is not None and workers < 0):
        typer.echo(
            "sweep: give --scheduler (an existing cluster) or --workers N >= 0 (a local one), not both.",
            err=True,
        )
        raise typer.Exit(code=EXIT_INPUT)
    logging.getLogger("distributed").setLevel(
        logging.WARNING
    )  # its INFO chatter would bury the progress bar
    try:
        spec = load_study(resolve_model_path(study, "study", option="STUDY"))
        if spec.n_cases > max_cases:
            sizes = (
                " x ".join(f"{len(v)} {k}" for k, v in spec.axes.items())
                or f"{len(spec.cases)} listed cases"
            )
            msg = f"{spec.source_path}: the study has {spec.n_cases:,} cases ({sizes}); expected at most --max-cases {max_cases:,}. Cut an axis, or raise --max-cases if you mean it."
            raise InputError(msg)
        err.print(f"{spec.name}: {spec.n_cases:,} cases")
        folder = check_output_dir(out if out is not None else Path("bess-sweep-out") / spec.name)
        n_workers = (
            None if scheduler is not None or workers == 0 else (workers or os.cpu_count() or 1)
        )
        cases = run_study(
            spec,
            scheduler,
            out_dir=folder,
            workers=n_workers,
            save_schedules=schedules,
            progress=progress,
        )
        pngs = write_study_plots(cases, folder, axes=spec.axis_names) if plots else []
    except OptimizerError as exc:
        raise _fail(exc) from None
    render_sweep(cases, folder, pngs, spec.axis_names)
