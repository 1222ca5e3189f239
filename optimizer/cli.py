"""``bess-dispatch``: a thin typer shell over the library.

Exit codes: 0 ok; 2 bad input or usage; 3 infeasible or unbounded; 4 other solver
failure; 5 a result check failed; 1 is left to genuine bugs (which show a traceback).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from optimizer.errors import InputError, OptimizerError, ResultCheckError, SolveError, UnboundedError, InfeasibleError

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Battery dispatch for large AI datacenters (Pyomo + HiGHS).")
err = Console(stderr=True)

EXIT_INPUT, EXIT_INFEASIBLE, EXIT_SOLVER, EXIT_CHECK = 2, 3, 4, 5


def _exit_code(exc: OptimizerError) -> int:
    if isinstance(exc, InputError):
        return EXIT_INPUT
    if isinstance(exc, InfeasibleError | UnboundedError):
        return EXIT_INFEASIBLE
    if isinstance(exc, SolveError):
        return EXIT_SOLVER
    if isinstance(exc, ResultCheckError):
        return EXIT_CHECK
    return 1


def _fail(exc: OptimizerError) -> typer.Exit:
    typer.echo(f"{type(exc).__name__}: {exc}", err=True)
    return typer.Exit(code=_exit_code(exc))


def _parse_time(value: str | None, option: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise InputError(f"{option}: not an ISO 8601 date-time; expected e.g. 2021-02-14 or 2021-02-14T00:00-06:00, got {value!r}. Correct {option}.") from exc


def _parse_step(value: str | None) -> int | None:
    if value is None:
        return None
    text = value.strip().lower().removesuffix("min").removesuffix("m")
    if text.endswith("h"):
        minutes = int(float(text[:-1]) * 60)
    else:
        try:
            minutes = int(text)
        except ValueError as exc:
            raise InputError(f"--step: expected minutes like 15, 15min or 1h, got {value!r}. Correct --step.") from exc
    return minutes


def _scenario_arg(scenario: str | None) -> str:
    from optimizer.io import builtin_scenario

    return str(builtin_scenario("default")) if scenario is None else scenario


def _money(x: float | None) -> str:
    return "-" if x is None else f"${x:,.0f}"


def render_summary(summary: dict[str, Any], out: Path | None) -> None:
    """Print the rich summary table to stderr."""
    t = Table(title=f"{summary['scenario']}: {summary['start'][:16]} .. {summary['end'][:16]}, {summary['interval_min']} min", show_header=True)
    t.add_column("term")
    t.add_column("without batteries", justify="right")
    t.add_column("with batteries", justify="right")
    t.add_column("savings", justify="right")
    for term, row in summary["costs_usd"].items():
        style = "bold" if term == "total" else ""
        t.add_row(f"{term} [USD]", _money(row["baseline_usd"]), _money(row["optimized_usd"]), _money(row["savings_usd"]), style=style)
    t.add_section()
    t.add_row("peak import [MW]", f"{summary['peak_import_baseline_mw']:,.1f}", f"{summary['peak_import_optimized_mw']:,.1f}", f"{summary['peak_import_baseline_mw'] - summary['peak_import_optimized_mw']:,.1f}")
    t.add_row("equivalent full cycles", "", f"{summary['equivalent_full_cycles']:.2f}", "")
    t.add_row("solve", "", f"build {summary['build_s']:.2f} s, hand-off {summary['handoff_s']:.2f} s, HiGHS {summary['solve_s']:.2f} s", "")
    t.add_row("LP size", "", f"{summary['n_variables']:,} vars x {summary['n_constraints']:,} rows", "")
    err.print(t)
    if not summary["baseline_feasible"]:
        broken = ", ".join(f"{k} in {n} intervals" for k, n in summary.get("baseline_violations", {}).items() if n)
        err.print(f"[yellow]note[/]: the no-battery baseline breaks hard limits ({broken}); its bill is shown for reference only.")
    if summary["exclusivity_pairs"]:
        err.print(f"[yellow]note[/]: exclusive charge/discharge enforced on {summary['exclusivity_pairs']} intervals (cost {_money(summary['exclusivity_cost_usd'])}).")
    grid = summary.get("grid")
    if grid and (grid["ramp"].get("rise_limit_mw") is not None or grid["events"] or grid["headroom"]["swing_up_max_mw"] > 0 or grid["curtailed_mwh"] or grid["deferred_mwh"]):
        render_grid(grid)
    for note in summary["notes"]:
        err.print(f"[dim]input: {note}[/]")
    if out is not None:
        err.print(f"wrote {out}/schedule.parquet, schedule.csv, summary.json, dispatch.png")


def render_grid(grid: dict[str, Any]) -> None:
    """Print ramp compliance, headroom and event performance to stderr."""
    r, h = grid["ramp"], grid["headroom"]
    t = Table(title="grid stability", show_header=True)
    t.add_column("measure")
    t.add_column("without batteries", justify="right")
    t.add_column("with batteries", justify="right")
    t.add_column("limit", justify="right")
    t.add_row("largest rise [MW/interval]", f"{r['largest_rise_baseline_mw']:,.1f}", f"{r['largest_rise_optimized_mw']:,.1f}", f"{r.get('rise_limit_mw', float('nan')):,.1f}")
    t.add_row("largest fall [MW/interval]", f"{r['largest_fall_baseline_mw']:,.1f}", f"{r['largest_fall_optimized_mw']:,.1f}", f"{r.get('fall_limit_mw', float('nan')):,.1f}")
    if "violations_baseline" in r:
        t.add_row("ramp violations [intervals]", f"{r['violations_baseline']}", f"{r['violations_optimized']}", "0")
    for key, n in grid["baseline_violations"].items():
        if key != "ramp":
            t.add_row(f"{key} violations [intervals]", f"{n}", "0", "0")
    t.add_row("headroom up min / mean [MW]", "", f"{h['headroom_up_min_mw']:,.1f} / {h['headroom_up_mean_mw']:,.1f}", f"swing {h['swing_up_max_mw']:,.1f} max")
    t.add_row("headroom down min / mean [MW]", "", f"{h['headroom_down_min_mw']:,.1f} / {h['headroom_down_mean_mw']:,.1f}", f"swing {h['swing_down_max_mw']:,.1f} max")
    t.add_row("curtailed / deferred [MWh]", "", f"{grid['curtailed_mwh']:,.1f} / {grid['deferred_mwh']:,.1f}", "")
    err.print(t)
    if grid["events"]:
        e = Table(title="events", show_header=True)
        for col in ("event", "cap MW", "import before MW", "max during MW", "reduced MWh", "battery MWh", "curtailed MWh", "deferred MWh"):
            e.add_column(col, justify="right")
        for ev in grid["events"]:
            e.add_row(ev["event_id"], f"{ev['cap_mw']:,.0f}", f"{ev['import_before_mw']:,.1f}", f"{ev['import_during_max_mw']:,.1f}", f"{ev['reduction_mwh']:,.1f}", f"{ev['battery_mwh']:,.1f}", f"{ev['curtailment_mwh']:,.1f}", f"{ev['deferral_mwh']:,.1f}")
        err.print(e)


@app.command()
def run(
    scenario: Annotated[str | None, typer.Argument(help="Scenario TOML, or a built-in name (default: the built-in 'default').")] = None,
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("bess-dispatch-out"),
    start: Annotated[str | None, typer.Option(help="Horizon start, ISO 8601 (site-local if no offset).")] = None,
    end: Annotated[str | None, typer.Option(help="Horizon end (exclusive), ISO 8601.")] = None,
    step: Annotated[str | None, typer.Option(help="Step: 5, 15min, 1h ...")] = None,
    interface: Annotated[str | None, typer.Option(help="Solver hand-off: stdform, appsi, contrib.")] = None,
    algorithm: Annotated[str | None, typer.Option(help="HiGHS algorithm: auto, simplex, ipm, choose.")] = None,
    time_limit_s: Annotated[float | None, typer.Option(help="Solver time limit [s].")] = None,
    plot: Annotated[bool, typer.Option(help="Write dispatch.png.")] = True,
    report: Annotated[bool, typer.Option("--report/--no-report", help="Also write report.html (self-contained, opens offline).")] = False,
) -> None:
    """Optimise a scenario, print the bill, and write schedule.parquet/.csv, summary.json, dispatch.png."""
    from optimizer.api import optimize
    from optimizer.io import load_scenario

    try:
        sc = load_scenario(_scenario_arg(scenario), start=_parse_time(start, "--start"), end=_parse_time(end, "--end"), interval_min=_parse_step(step))
        changes = {k: v for k, v in (("interface", interface), ("algorithm", algorithm), ("time_limit_s", time_limit_s)) if v is not None}
        if changes:
            from pydantic import ValidationError

            try:
                sc = sc.replace(options=sc.options.model_copy(update=changes))
                type(sc.options).model_validate(sc.options.model_dump())
            except ValidationError as exc:
                raise InputError(f"solver options: {exc.errors()[0]['msg']}; got {changes}. Use a listed value.") from exc
        t0 = time.perf_counter()
        result = optimize(sc)
        result.to_dir(out, plot=plot)
        if report:
            from optimizer.report import scenario_inputs, write_report

            write_report(out, inputs=scenario_inputs(sc))
        summary = result.summary()
        summary["wall_s"] = time.perf_counter() - t0
    except OptimizerError as exc:
        raise _fail(exc) from None
    render_summary(summary, out)
    if report:
        err.print(f"wrote {out}/report.html")


@app.command()
def validate(
    scenario: Annotated[str, typer.Argument(help="Scenario TOML or built-in name.")],
) -> None:
    """Check a scenario and every model and series it names, without solving."""
    from optimizer.api import precheck
    from optimizer.io import load_scenario

    try:
        sc = load_scenario(scenario)
        precheck(sc)
    except OptimizerError as exc:
        raise _fail(exc) from None
    err.print(
        f"[green]ok[/]: {sc.name}: {sc.n_intervals} intervals of {sc.interval_min} min from {sc.index[0].isoformat()}, "
        f"{len(sc.site.battery_groups)} battery group(s), fleet {sc.site.fleet_power_discharge_max_mw:,.0f} MW / "
        f"{sc.site.fleet_energy_capacity_mwh:,.0f} MWh, peak load {sc.load_mw.max():,.1f} MW"
    )


@app.command("list")
def list_scenarios() -> None:
    """List the built-in scenarios."""
    from optimizer.io import builtin_scenario, list_builtin_scenarios

    for name in list_builtin_scenarios():
        typer.echo(f"{name}\t{builtin_scenario(name)}")


@app.command("report")
def report_command(
    folder: Annotated[Path, typer.Argument(help="A run's output folder (summary.json, schedule.parquet) or a study's (cases.parquet).")],
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


def main() -> None:
    """Console-script entry point."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()
