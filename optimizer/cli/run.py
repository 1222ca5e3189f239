"""``bess-dispatch run``: optimise a scenario, print the bill, write the run folder."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from optimizer.cli.common import (
    EndOption,
    EnergyBasisOption,
    StartOption,
    StepOption,
    _fail,
    _load_scenario,
)
from optimizer.cli.render import render_summary
from optimizer.errors import InputError, OptimizerError


def run(
    scenario: Annotated[
        str | None,
        typer.Argument(help="Scenario TOML, or a built-in name (default: the built-in 'default')."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Output folder (default: bess-dispatch-out/<scenario name>). Files of an earlier run there are replaced, never mixed.",
        ),
    ] = None,
    start: StartOption = None,
    end: EndOption = None,
    step: StepOption = None,
    interface: Annotated[
        str | None, typer.Option(help="Solver hand-off: stdform, appsi, contrib.")
    ] = None,
    algorithm: Annotated[
        str | None, typer.Option(help="HiGHS algorithm: auto, simplex, ipm, choose.")
    ] = None,
    time_limit_s: Annotated[float | None, typer.Option(help="Solver time limit [s].")] = None,
    plot: Annotated[bool, typer.Option(help="Write dispatch.png.")] = True,
    report: Annotated[
        bool,
        typer.Option(
            "--report/--no-report", help="Also write report.html (self-contained, opens offline)."
        ),
    ] = False,
    energy_basis: EnergyBasisOption = None,
) -> None:
    """Optimise a scenario, print the bill, and write schedule.parquet/.csv, summary.json, dispatch.png."""
    from optimizer.io.atomic import check_output_dir
    from optimizer.run.optimize import optimize

    try:
        sc = _load_scenario(scenario, start, end, step, energy_basis=energy_basis)
        changes = {
            k: v
            for k, v in (
                ("interface", interface),
                ("algorithm", algorithm),
                ("time_limit_s", time_limit_s),
            )
            if v is not None
        }
        if changes:
            from pydantic import ValidationError

            try:
                sc = sc.replace(options=sc.options.model_copy(update=changes))
                type(sc.options).model_validate(sc.options.model_dump())
            except ValidationError as exc:
                e = exc.errors()[0]
                key = str(e["loc"][0]) if e["loc"] else next(iter(changes))
                option = "--" + key.replace("_", "-")
                msg = f"{option}: {e['msg']}; got {changes.get(key)!r}. Correct {option}."
                raise InputError(msg) from exc
        folder = check_output_dir(out if out is not None else Path("bess-dispatch-out") / sc.name)
        t0 = time.perf_counter()
        result = optimize(sc, while_solving=_import_matplotlib if plot else None)
        written = result.to_dir(folder, plot=plot)
        if report:
            from optimizer.report import scenario_inputs, write_report

            written.append(write_report(folder, inputs=scenario_inputs(sc)))
        summary = result.summary()
        summary["wall_s"] = time.perf_counter() - t0
    except OptimizerError as exc:
        raise _fail(exc) from None
    render_summary(summary, folder, written)


def _import_matplotlib() -> None:
    """Import matplotlib's figure API while HiGHS solves (``optimize(while_solving=...)``).

    HiGHS releases the GIL while it solves on its own thread, so this import (0.21-0.23 s,
    measured in-process on the 2-core VM; the default month's solve takes about 0.45 s) runs on
    the other core instead of following the solve, and ``dispatch.png`` then only renders.
    Started before the build (the old prefetch thread), it competed with the build for the GIL.
    A failure here is ignored: the plot reports its own.
    """
    import importlib

    from optimizer.results.figure import figure_class

    try:
        figure_class()
        for name in ("matplotlib.ticker", "matplotlib.backends.backend_agg"):  # the render's own
            importlib.import_module(name)
    except Exception:  # noqa: BLE001 - a head start only; the plot reports its own failure
        return
