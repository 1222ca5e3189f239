"""``bess-dispatch operate``: receding-horizon operation on forecasts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from optimizer.cli.common import (
    EndOption,
    EnergyBasisOption,
    _fail,
    _load_scenario,
    _money,
    _parse_duration,
    err,
)
from optimizer.errors import InputError, OptimizerError


def operate(
    scenario: Annotated[
        str | None, typer.Argument(help="Scenario TOML or built-in name (default: 'default').")
    ] = None,
    window: Annotated[str, typer.Option(help="Optimisation window, e.g. 48h.")] = "48h",
    step: Annotated[str, typer.Option(help="Committed step, e.g. 1h.")] = "1h",
    forecast: Annotated[
        str, typer.Option(help="perfect, persistence, persistence-week or noisy.")
    ] = "persistence",
    seed: Annotated[int, typer.Option(help="Seed of the noisy forecast.")] = 0,
    interval: Annotated[
        str | None,
        typer.Option(
            "--step-data", help="Model step for the data, e.g. 60 (default: the scenario's)."
        ),
    ] = None,
    start: Annotated[str | None, typer.Option(help="Horizon start, ISO 8601.")] = None,
    end: EndOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write operation.parquet and operation.json here.")
    ] = None,
    energy_basis: EnergyBasisOption = None,
) -> None:
    """Receding-horizon operation on forecasts; prints the rolling bill, the perfect-foresight bill and the gap."""
    try:
        sc, res = _run_operation(
            scenario, window, step, forecast, seed, interval, start, end, out, energy_basis
        )
    except OptimizerError as exc:
        raise _fail(exc) from None
    s = res.summary()
    err.print(_operation_table(sc.name, res.costs, s, window, step, forecast))
    warn_fallbacks(s)
    if out is not None:
        _write_operation(out, res.schedule, s)


def _run_operation(
    scenario: str | None,
    window: str,
    step: str,
    forecast: str,
    seed: int,
    interval: str | None,
    start: str | None,
    end: str | None,
    out: Path | None,
    energy_basis: str | None,
) -> tuple[Any, Any]:
    """Check the options, load the scenario and operate it, with a progress bar on stderr."""

    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from optimizer.io.atomic import check_output_dir
    from optimizer.operation.forecasts import by_name
    from optimizer.operation.operate import operate as run_operate

    try:
        by_name(forecast)
    except KeyError as exc:
        msg = str(exc.args[0]).rstrip(".") + "."
        raise InputError(msg) from exc
    _parse_duration(window, "--window")
    _parse_duration(step, "--step")
    if out is not None:
        check_output_dir(out)
    sc = _load_scenario(
        scenario, start, end, interval, step_option="--step-data", energy_basis=energy_basis
    )
    with Progress(
        TextColumn("operate"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} windows"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("operate", total=None)
        res = run_operate(
            sc,
            forecast,
            window=window,
            step=step,
            seed=seed,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    return sc, res


def _operation_table(
    name: str, costs: Any, s: dict[str, Any], window: str, step: str, forecast: str
) -> Table:
    """The bill of each term [USD] without batteries, rolling, rolling on a perfect forecast and optimal."""
    t = Table(title=f"{name}: rolling operation, window {window}, step {step}, forecast {forecast}")
    t.add_column("term")
    for col in (
        "without batteries",
        "rolling",
        "rolling, perfect forecast",
        "full-horizon optimum",
    ):
        t.add_column(col, justify="right")
    for term, row in costs.iterrows():
        t.add_row(
            f"{term} [USD]",
            _money(row["baseline_usd"]),
            _money(row["rolling_usd"]),
            _money(row["rolling_perfect_forecast_usd"]),
            _money(row["perfect_foresight_usd"]),
            style="bold" if term == "total" else "",
        )
    t.add_section()
    t.add_row("value of foresight [USD]", "", _money(s["value_of_foresight_usd"]), "", "")
    t.add_row("cost of the window's myopia [USD]", "", "", _money(s["window_myopia_usd"]), "")
    t.add_row(
        "solves",
        "",
        f"{s['n_solves']} ({s['n_builds']} builds), {s['solves_per_s']:.1f}/s",
        "",
        f"{s['wall_s']:.1f} s",
    )
    return t


def _write_operation(out: Path, schedule: Any, s: dict[str, Any]) -> None:
    """Write operation.parquet and operation.json into ``out``: both files or none."""
    from optimizer.io.atomic import write_atomic

    created = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)  # check_output_dir allowed a new folder
        write_atomic(out / "operation.parquet", lambda p: schedule.to_parquet(p))
        write_atomic(out / "operation.json", lambda p: p.write_text(json.dumps(s, indent=2) + "\n"))
    except (OSError, OptimizerError) as exc:
        (out / "operation.parquet").unlink(missing_ok=True)  # nothing partial: both files or none
        if created:
            shutil.rmtree(out, ignore_errors=True)
        raise _fail(
            exc
            if isinstance(exc, OptimizerError)
            else InputError(f"{out}: cannot write ({exc.strerror}). Choose another --out.")
        ) from None
    err.print(f"wrote {out}/operation.parquet, operation.json")


def warn_fallbacks(summary: dict[str, Any]) -> None:
    """One warning line when windows were re-planned or the realised schedule breaks a grid limit."""
    n = summary.get("fallbacks", {})
    breaks = summary.get("realised_breaks", {})
    if not any(n.values()) and not breaks:
        return
    where = ", ".join(f"{k} in {v['intervals']}" for k, v in breaks.items())
    worst = max(breaks.items(), key=lambda kv: kv[1]["largest_mw"], default=None)
    realised = (
        "no grid limit broken in the realised schedule"
        if worst is None
        else f"the realised schedule breaks {where} intervals, worst"
        f" {worst[1]['largest_mw']:,.1f} MW ({worst[0]} at {worst[1]['at']})"
    )
    err.print(
        f"[yellow]warning[/]: {sum(n.values())} fallback step(s) (terminal rule dropped"
        f" {n.get('terminal', 0)}, ramp elastic {n.get('ramp', 0)}, grid limits elastic"
        f" {n.get('grid', 0)}), largest planned break"
        f" {summary.get('largest_planned_break_mw', 0.0):,.1f} MW; {realised}"
        + escape(" (operation.json: fallback_windows, realised_breaks).")
    )
