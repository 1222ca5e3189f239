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

from optimizer.errors import (
    InfeasibleError,
    InputError,
    OptimizerError,
    ResultCheckError,
    SolveError,
    UnboundedError,
)

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


def _parse_step(value: str | None, option: str = "--step") -> int | None:
    if value is None:
        return None
    from optimizer.inputs.timeseries import ALLOWED_INTERVAL_MIN

    text = value.strip().lower().removesuffix("min").removesuffix("m")
    try:
        minutes = float(text[:-1]) * 60 if text.endswith("h") else float(text)
    except ValueError as exc:
        msg = f"{option}: expected minutes like 15, 15min or 1h, got {value!r}. Correct {option}."
        raise InputError(msg) from exc
    if minutes not in ALLOWED_INTERVAL_MIN:
        msg = f"{option}: unsupported step; expected one of {ALLOWED_INTERVAL_MIN} min, got {value!r}. Choose a supported step."
        raise InputError(msg)
    return int(minutes)


def _parse_duration(value: str, option: str) -> str:
    import pandas as pd

    try:
        ok = not pd.isna(pd.Timedelta(value))
    except ValueError:
        ok = False
    if not ok:
        msg = f"{option}: not a duration; expected e.g. 48h, 90min or 1d, got {value!r}. Correct {option}."
        raise InputError(msg)
    return value


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
        if term != "total" and not row["baseline_usd"] and not row["optimized_usd"]:
            continue  # a term this tariff and site do not have
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
    energy_basis: Annotated[str | None, typer.Option("--energy-basis", help="Market exposure of a TOU tariff: market (LMP), schedule (TOU rates) or market_plus_schedule.")] = None,
) -> None:
    """Optimise a scenario, print the bill, and write schedule.parquet/.csv, summary.json, dispatch.png."""
    from optimizer.io import load_scenario
    from optimizer.run.optimize import optimize

    try:
        sc = load_scenario(_scenario_arg(scenario), start=_parse_time(start, "--start"), end=_parse_time(end, "--end"), interval_min=_parse_step(step), energy_basis=energy_basis)
        changes = {k: v for k, v in (("interface", interface), ("algorithm", algorithm), ("time_limit_s", time_limit_s)) if v is not None}
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
    from optimizer.io import load_scenario
    from optimizer.run.optimize import precheck

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


def render_sweep(cases: Any, folder: Path, pngs: list[Path], axes: tuple[str, ...]) -> None:
    """Print a study's outcome to stderr: cases by status, the best case, the files written."""
    counts = cases["status"].value_counts()
    err.print(f"[bold]{len(cases)} cases[/]: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    failed = cases[~cases["status"].isin(("optimal", "feasible"))]
    for (status, kind), n in failed.groupby(["status", "error_type"], dropna=False).size().items():
        err.print(f"  [yellow]{n} {status}[/] ({kind})")
    if "savings_usd" in cases.columns and cases["savings_usd"].notna().any():
        best = cases.loc[cases["savings_usd"].idxmax()]
        where = ", ".join(f"{a}={best[a]}" for a in axes)
        err.print(f"best savings: {_money(best['savings_usd'])} at {where} (case {best['case_id']})")
    err.print(f"wrote {folder}/cases.parquet" + "".join(f", {p.name}" for p in pngs))


@app.command()
def sweep(
    study: Annotated[Path, typer.Argument(help="Study TOML, e.g. models/studies/fleet-size.toml.")],
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="Address of a running dask scheduler, e.g. tcp://10.0.0.5:8786.")] = None,
    workers: Annotated[int | None, typer.Option("--workers", help="Local dask worker processes (default: one per core); 0 runs in this process without dask.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Output folder (default: bess-sweep-out/<study name>). Running again skips finished cases.")] = None,
    schedules: Annotated[bool, typer.Option("--schedules", help="Also write each case's full schedule to schedules/<case_id>.parquet.")] = False,
    plots: Annotated[bool, typer.Option(help="Write the PNG plots.")] = True,
    progress: Annotated[bool, typer.Option(help="Show the progress bar.")] = True,
) -> None:
    """Run a what-if study: every case solved on dask.distributed, one row each in cases.parquet, plus PNG plots."""
    import os

    from optimizer.studies.plots import write_study_plots
    from optimizer.studies import load_study, run_study

    if (scheduler is not None and workers is not None) or (workers is not None and workers < 0):
        typer.echo("sweep: give --scheduler (an existing cluster) or --workers N >= 0 (a local one), not both.", err=True)
        raise typer.Exit(code=EXIT_INPUT)
    logging.getLogger("distributed").setLevel(logging.WARNING)  # its INFO chatter would bury the progress bar
    try:
        spec = load_study(study)
        folder = out if out is not None else Path("bess-sweep-out") / spec.name
        n_workers = None if scheduler is not None or workers == 0 else (workers or os.cpu_count() or 1)
        cases = run_study(spec, scheduler, out_dir=folder, workers=n_workers, save_schedules=schedules, progress=progress)
        pngs = write_study_plots(cases, folder, axes=spec.axis_names) if plots else []
    except OptimizerError as exc:
        raise _fail(exc) from None
    render_sweep(cases, folder, pngs, spec.axis_names)


@app.command()
def operate(
    scenario: Annotated[str | None, typer.Argument(help="Scenario TOML or built-in name (default: 'default').")] = None,
    window: Annotated[str, typer.Option(help="Optimisation window, e.g. 48h.")] = "48h",
    step: Annotated[str, typer.Option(help="Committed step, e.g. 1h.")] = "1h",
    forecast: Annotated[str, typer.Option(help="perfect, persistence, persistence-week or noisy.")] = "persistence",
    seed: Annotated[int, typer.Option(help="Seed of the noisy forecast.")] = 0,
    interval: Annotated[str | None, typer.Option("--step-data", help="Model step for the data, e.g. 60 (default: the scenario's).")] = None,
    start: Annotated[str | None, typer.Option(help="Horizon start, ISO 8601.")] = None,
    end: Annotated[str | None, typer.Option(help="Horizon end (exclusive), ISO 8601.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write operation.parquet and operation.json here.")] = None,
    energy_basis: Annotated[str | None, typer.Option("--energy-basis", help="Market exposure of a TOU tariff: market (LMP), schedule (TOU rates) or market_plus_schedule.")] = None,
) -> None:
    """Receding-horizon operation on forecasts; prints the rolling bill, the perfect-foresight bill and the gap."""
    import json

    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from optimizer.io import load_scenario, write_atomic
    from optimizer.operation.forecasts import by_name
    from optimizer.operation.operate import operate as run_operate

    try:
        try:
            by_name(forecast)
        except KeyError as exc:
            msg = str(exc.args[0]).rstrip(".") + "."
            raise InputError(msg) from exc
        _parse_duration(window, "--window")
        _parse_duration(step, "--step")
        sc = load_scenario(_scenario_arg(scenario), start=_parse_time(start, "--start"), end=_parse_time(end, "--end"), interval_min=_parse_step(interval, "--step-data"), energy_basis=energy_basis)
        with Progress(TextColumn("operate"), BarColumn(), TextColumn("{task.completed}/{task.total} windows"), TimeRemainingColumn(), console=err, transient=True) as bar:
            task = bar.add_task("operate", total=None)
            res = run_operate(sc, forecast, window=window, step=step, seed=seed, progress=lambda done, total: bar.update(task, completed=done, total=total))
    except OptimizerError as exc:
        raise _fail(exc) from None
    s = res.summary()
    t = Table(title=f"{sc.name}: rolling operation, window {window}, step {step}, forecast {forecast}")
    t.add_column("term")
    for col in ("without batteries", "rolling", "perfect foresight"):
        t.add_column(col, justify="right")
    for term, row in res.costs.iterrows():
        t.add_row(f"{term} [USD]", _money(row["baseline_usd"]), _money(row["rolling_usd"]), _money(row["perfect_foresight_usd"]), style="bold" if term == "total" else "")
    t.add_section()
    t.add_row("value of foresight [USD]", "", _money(s["value_of_foresight_usd"]), "")
    t.add_row("solves", "", f"{s['n_solves']} ({s['n_builds']} builds), {s['solves_per_s']:.1f}/s", f"{s['wall_s']:.1f} s")
    err.print(t)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        write_atomic(out / "operation.parquet", lambda p: res.schedule.to_parquet(p))
        write_atomic(out / "operation.json", lambda p: p.write_text(json.dumps(s, indent=2) + "\n"))
        err.print(f"wrote {out}/operation.parquet, operation.json")


@app.command("bill")
def bill_command(
    tariff: Annotated[Path, typer.Option("--tariff", help="Tariff TOML or URDB JSON.")],
    load: Annotated[Path, typer.Option("--load", help="CSV/Parquet of grid import: interval_start + a MW column.")],
    column: Annotated[str, typer.Option(help="The MW column.")] = "load_mw",
    timestamp_column: Annotated[str, typer.Option(help="The interval-start column.")] = "interval_start",
    start: Annotated[str | None, typer.Option(help="First interval, ISO 8601.")] = None,
    end: Annotated[str | None, typer.Option(help="End (exclusive), ISO 8601.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the bill lines as CSV here.")] = None,
) -> None:
    """Bill a load (or import) series under a tariff, month by month and line by line (no optimisation)."""
    from optimizer.inputs.timeseries import read_series
    from optimizer.io import write_atomic
    from optimizer.io.tariff_file import load_tariff_spec
    from optimizer.tariffs import bill as run_bill

    try:
        spec = load_tariff_spec(tariff)
        series = read_series(load, column, timestamp_column)
        t0, t1 = _parse_time(start, "--start"), _parse_time(end, "--end")
        if t0 is not None:
            series = series[series.index >= _aware(t0, series.index.tz)]
        if t1 is not None:
            series = series[series.index < _aware(t1, series.index.tz)]
        price = None
        src = getattr(spec.energy, "price_series", None)
        if src is not None and spec.energy.basis != "schedule":
            import pandas as pd

            p = read_series(Path(src.path), src.column, src.timestamp_column)
            price = p.reindex(pd.DatetimeIndex(series.index).tz_convert(p.index.tz), method="ffill")
            price.index = series.index
        lines = run_bill(series.rename("import_mw"), spec, price_usd_per_mwh=price)
    except OptimizerError as exc:
        raise _fail(exc) from None
    t = Table(title=f"{spec.name}: bill of {load.name}")
    for col in ("month", "line", "quantity", "rate", "amount"):
        t.add_column(col, justify="right" if col != "line" else "left")
    flat = lines.reset_index() if "month" not in lines.columns else lines
    for row in flat.itertuples():
        t.add_row(str(row.month), str(row.line), f"{row.quantity:,.2f} {row.unit}", f"{row.rate:,.4g} {row.rate_unit}", _money(row.amount_usd))
    t.add_section()
    t.add_row("total", "", "", "", _money(float(lines["amount_usd"].sum())), style="bold")
    err.print(t)
    if out is not None:
        write_atomic(out, lambda p: flat.to_csv(p, index=False))


def _aware(ts: dt.datetime, tz: Any) -> Any:
    import pandas as pd

    stamp = pd.Timestamp(ts)
    return stamp.tz_localize(tz) if stamp.tzinfo is None else stamp.tz_convert(tz)


def main() -> None:
    """Console-script entry point."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()
