"""``bess-dispatch resilience``: outage survival and the cost of guaranteed ride-through hours."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from optimizer.cli.common import (
    EndOption,
    StartOption,
    StepOption,
    _fail,
    _load_scenario,
    err,
)
from optimizer.errors import InputError, OptimizerError

_LEVELS = {
    "site": "site",
    "training_paused": "training_paused",
    "training-paused": "training_paused",
}


def _parse_levels(values: list[str] | None) -> list[Any]:
    """``site``, ``training_paused`` or a share in (0, 1], repeated or comma-separated."""
    if not values:
        return ["site", "training_paused"]
    levels: list[Any] = []
    for raw in (v.strip() for value in values for v in value.split(",") if v.strip()):
        if raw.lower() in _LEVELS:
            levels.append(_LEVELS[raw.lower()])
            continue
        try:
            share = float(raw)
        except ValueError:
            share = float("nan")
        if not 0 < share <= 1:
            msg = (
                "--critical: expected 'site', 'training_paused' or a share of the site load in "
                f"(0, 1], got {raw!r}. Correct --critical."
            )
            raise InputError(msg)
        levels.append(share)
    return levels


def _parse_hours(values: list[str] | None) -> list[float]:
    """Guaranteed hours [h], repeated or comma-separated; 0 (no floor) is always included."""
    if not values:
        return [0.0, 0.5, 1.0, 2.0, 3.0, 4.0]
    hours: list[float] = []
    for raw in (v.strip() for value in values for v in value.split(",") if v.strip()):
        try:
            h = float(raw.removesuffix("h"))
        except ValueError:
            h = float("nan")
        if not 0 <= h <= 48:
            msg = f"--hours: expected ride-through hours in [0, 48], got {raw!r}. Correct --hours."
            raise InputError(msg)
        hours.append(h)
    return sorted({0.0, *hours})


def resilience_command(
    scenario: Annotated[
        str | None, typer.Argument(help="Scenario TOML, or a built-in name (default: 'default').")
    ] = None,
    critical: Annotated[
        list[str] | None,
        typer.Option(
            "--critical",
            help="Critical load: site, training_paused or a share of the site load "
            "(repeat or comma-separate).",
        ),
    ] = None,
    hours: Annotated[
        list[str] | None,
        typer.Option(
            "--hours",
            help="Guaranteed ride-through hours of the trade-off curve, e.g. 0,0.5,1,2,3,4.",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Output folder (default: bess-dispatch-out/<scenario name>/resilience)."
        ),
    ] = None,
    start: StartOption = None,
    end: EndOption = None,
    step: StepOption = None,
    onsite_generation_mw: Annotated[
        float,
        typer.Option(
            "--onsite-generation-mw",
            min=0,
            help="On-site generation that keeps running in an outage [MW] (survival table only).",
        ),
    ] = 0.0,
    plot: Annotated[bool, typer.Option(help="Write survival.png.")] = True,
) -> None:
    """Print how long the fleet carries the site without the grid, and what guaranteed hours cost.

    Solves the scenario once without a ride-through floor and then with a floor of each of
    --hours at each --critical level, as warm re-solves of one model; writes survival.png,
    survival.csv and tradeoff.csv.
    """
    from optimizer.io.atomic import check_output_dir
    from optimizer.results.outage import simulate_ride_through
    from optimizer.run.resilience import resilience_tradeoff

    try:
        levels = _parse_levels(critical)
        wanted = _parse_hours(hours)
        sc = _load_scenario(scenario, start, end, step)
        _check_whole_intervals(wanted, sc.interval_min)
        folder = check_output_dir(
            out if out is not None else Path("bess-dispatch-out") / sc.name / "resilience"
        )
        study = resilience_tradeoff(sc.replace(resilience=None), levels=levels, hours_h=wanted)
        survival = study.survival
        if onsite_generation_mw > 0:
            survival = simulate_ride_through(
                sc, study.base.schedule, critical=levels, onsite_generation_mw=onsite_generation_mw
            )
    except OptimizerError as exc:
        raise _fail(exc) from None
    _render_survival(survival, onsite_generation_mw)
    _render_tradeoff(study.curve)
    _write_resilience(folder, survival, study.curve, plot)


def _check_whole_intervals(hours_h: list[float], interval_min: int) -> None:
    """Raise unless each of ``hours_h`` [h] is a whole number of ``interval_min`` [min] steps."""
    odd = [h for h in hours_h if abs(h * 60 / interval_min - round(h * 60 / interval_min)) > 1e-9]
    if odd:
        msg = (
            f"--hours: each must be a whole number of {interval_min}-min intervals; got "
            f"{odd}. Round them to a multiple of {interval_min / 60:g} h."
        )
        raise InputError(msg)


def _write_resilience(folder: Path, survival: Any, curve: Any, plot: bool) -> None:
    """Write survival.csv, tradeoff.csv and (with ``plot``) survival.png: all of them or none."""
    from optimizer.io.atomic import write_atomic
    from optimizer.results.survival_plot import plot_survival

    table = survival.summary()
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / "survival.csv", lambda p: table.to_csv(p))
        write_atomic(folder / "tradeoff.csv", lambda p: curve.to_csv(p, index=False))
        written = ["survival.csv", "tradeoff.csv"]
        if plot:
            hours = survival.curve([0.25 * k for k in range(1, 97)])
            write_atomic(folder / "survival.png", lambda p: plot_survival(hours, curve, p))
            written.append("survival.png")
    except OptimizerError as exc:
        for name in ("survival.csv", "tradeoff.csv", "survival.png"):  # nothing partial
            (folder / name).unlink(missing_ok=True)
        if created:
            folder.rmdir()
        raise _fail(exc) from None
    err.print(f"wrote {folder}/" + ", ".join(written))


def _render_survival(survival: Any, generation_mw: float) -> None:
    from rich.table import Table

    table = survival.summary()
    fleet = survival.fleet
    title = (
        f"ride-through of the schedule without a floor: fleet {fleet['power_mw']:,.0f} MW, "
        f"{fleet['usable_energy_mwh']:,.0f} MWh usable"
    )
    title += f", {generation_mw:g} MW on-site generation" if generation_mw > 0 else ""
    t = Table(title=title, show_header=True)
    t.add_column("if the grid is lost at any interval")
    for level in table.index:
        t.add_column(str(level), justify="right")
    t.add_row("critical load peak [MW]", *(f"{v:,.0f}" for v in table["critical_load_peak_mw"]))
    t.add_row("median ride-through [h]", *(f"{v:.2f}" for v in table["median_h"]))
    t.add_row("shortest ride-through [h]", *(f"{v:.2f}" for v in table["min_h"]))
    for col in (c for c in table.columns if c.startswith("p_survive_")):
        t.add_row(
            f"share lasting >= {col.removeprefix('p_survive_')}",
            *(f"{100 * v:.0f} %" for v in table[col]),
        )
    t.add_row(
        "failures: power / energy",
        *(
            f"{int(p)} / {int(e)}"
            for p, e in zip(table["n_power_limited"], table["n_energy_limited"], strict=True)
        ),
    )
    err.print(t)
    months = survival.by_month()
    if months.index.get_level_values("month").nunique() > 1:
        m = Table(title="median ride-through by month [h]", show_header=True)
        m.add_column("month")
        for level in survival.levels:
            m.add_column(level, justify="right")
        for month in months.index.get_level_values("month").unique():
            m.add_row(
                month, *(f"{months.loc[(lv, month), 'median_h']:.2f}" for lv in survival.levels)
            )
        err.print(m)


def _render_tradeoff(curve: Any) -> None:
    from rich.table import Table

    t = Table(
        title="the cost of resilience: bill against guaranteed ride-through H", show_header=True
    )
    for col in (
        "critical load",
        "H [h]",
        "bill [$M]",
        "cost [$k]",
        "cost %",
        "SOC held",
        "min h",
        "short",
    ):
        t.add_column(
            col,
            justify="left" if col == "critical load" else "right",
            min_width=10 if col == "bill [$M]" else None,
        )
    for r in curve.itertuples():
        if r.status not in ("optimal", "feasible"):
            t.add_row(
                r.critical_load,
                f"{r.hours_h:g}",
                f"[yellow]{r.status}[/]",
                "",
                "",
                "",
                "",
                str(r.power_short_intervals),
            )
            continue
        t.add_row(
            r.critical_load,
            f"{r.hours_h:g}",
            f"{r.bill_usd / 1e6:,.3f}",
            f"{r.cost_usd / 1e3:,.0f}",
            f"{100 * r.cost_frac:.2f}",
            f"{100 * r.held_soc_mean_frac:.0f} %",
            f"{r.min_h:.2f}",
            str(r.power_short_intervals),
        )
    err.print(t)
    err.print(
        "[dim]SOC held: the SOC minimum plus the floor, mean over the horizon; min h: the "
        "shortest ride-through from any interval of the solved schedule (simulator); short: "
        "intervals in which the fleet's power is below the critical load plus aux (an outage "
        "there drops the load at once).[/]"
    )
    for r in curve.itertuples():
        if r.status not in ("optimal", "feasible") and r.reason:
            err.print(f"[yellow]{r.critical_load}, {r.hours_h:g} h[/]: {r.reason}")
