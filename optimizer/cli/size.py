"""``bess-dispatch size``: the fleet size and contract demand that pay off, and the fleet's life."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from optimizer.cli.common import _fail, _parse_step, _parse_time, _scenario_arg, err
from optimizer.errors import OptimizerError

logger = logging.getLogger(__name__)

_CURVE = (100, 200, 300, 500, 900)


def size_command(
    scenario: Annotated[
        str | None, typer.Argument(help="Scenario TOML, or a built-in name (default: 'default').")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Output folder (default: bess-dispatch-out/<scenario>/size)."),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(
            help="Sizing horizon start (default: [sizing] start, else 1 Jan of the scenario year)."
        ),
    ] = None,
    end: Annotated[str | None, typer.Option(help="Sizing horizon end (exclusive).")] = None,
    step: Annotated[
        str | None, typer.Option(help="Step (default: [sizing] interval_min, else 1h).")
    ] = None,
    units: Annotated[
        list[int] | None,
        typer.Option(
            "--units", help="Also value this fleet size over its life (repeatable), e.g. 900."
        ),
    ] = None,
    capital_cost_factor: Annotated[
        float,
        typer.Option(
            "--capital-cost-factor",
            min=0.0,
            help="Multiply every unit's capital cost (sensitivity), e.g. 0.7.",
        ),
    ] = 1.0,
    contract: Annotated[
        bool, typer.Option(help="Choose the contract demand too (needs [sizing.contract]).")
    ] = True,
    max_units: Annotated[
        int | None,
        typer.Option("--max-units", min=1, help="Most units per group (default: [sizing])."),
    ] = None,
    curve: Annotated[
        str | None,
        typer.Option(
            help="Sizes of the net-value curve, comma-separated (default 100,200,300,500,900)."
        ),
    ] = None,
    lifetime: Annotated[bool, typer.Option(help="Value the chosen fleet year by year.")] = True,
    plot: Annotated[bool, typer.Option(help="Write net-value.png.")] = True,
) -> None:
    """Print the optimal fleet size and contract demand, the fleet's life (NPV, payback, IRR).

    Solves the sizing LP (SPEC §8 family 16: unit counts, and the contract demand, as
    decisions; the annualised capital cost in the objective) over a horizon that represents a
    year, re-solves it at the rounded size, one unit more and along a curve of sizes, then
    re-optimises the dispatch year by year on the faded fleet. Writes sizing.json,
    curve.csv, lifetime.csv and net-value.png.
    """
    from optimizer.io.atomic import check_output_dir  # lazy: --help stays light
    from optimizer.run.sizing import size_fleet

    try:
        first, sc, sz = _sizing_scenario(
            scenario, start, end, step, contract, max_units, capital_cost_factor
        )
        wanted = _parse_curve(curve, sz.max_units)
        folder = check_output_dir(
            out if out is not None else Path("bess-dispatch-out") / first.name / "size"
        )
        err.print("[dim]solving the sizing LP ...[/]")
        t_start = time.perf_counter()
        result = size_fleet(sc, curve_units=wanted, evaluate_units=sorted(set(units or [])))
        _render_sizing(result, capital_cost_factor)
        lives = _value_lifetimes(sc, result, t_start) if lifetime else {}
    except OptimizerError as exc:
        raise _fail(exc) from None
    written = _write(folder, result, lives, plot)
    err.print(f"wrote {folder}/" + ", ".join(written))


def _sizing_scenario(
    scenario: str | None,
    start: str | None,
    end: str | None,
    step: str | None,
    contract: bool,
    max_units: int | None,
    capital_cost_factor: float,
) -> tuple[Any, Any, Any]:
    """The scenario as given, the sizing scenario over its horizon, and its ``[sizing]`` settings."""
    from optimizer.inputs.economics import Sizing
    from optimizer.io import load_scenario
    from optimizer.run.sizing import scale_capital_cost, sizing_scenario

    path = _scenario_arg(scenario)
    first = load_scenario(path)
    sz = first.sizing or Sizing()
    year = first.index[0].year
    t0 = _parse_time(start, "--start") or sz.start or dt.datetime(year, 1, 1)
    t1 = _parse_time(end, "--end") or sz.end or dt.datetime(year + 1, 1, 1)
    step_min = _parse_step(step) or sz.interval_min or 60
    sc = load_scenario(path, start=t0, end=t1, interval_min=step_min)
    changes: dict[str, Any] = {}
    if not contract:
        changes["contract"] = None
    if max_units is not None:
        changes["max_units"] = max_units
    sz = sz.model_copy(update=changes)
    if capital_cost_factor != 1.0:
        sc = scale_capital_cost(sc, capital_cost_factor)
    return first, sizing_scenario(sc, sz), sz


def _value_lifetimes(sc: Any, result: Any, t_start: float) -> dict[str, Any]:
    """The life of the rounded optimum and of each fixed size, keyed ``optimum`` or the unit count."""
    from optimizer.run.lifetime import lifetime_economics

    lives: dict[str, Any] = {}
    chosen = {b: int(round(v)) for b, v in result.rounded.units.items()}
    err.print("[dim]valuing the fleet year by year ...[/]")
    lives["optimum"] = lifetime_economics(sc, chosen, contract_mw=result.rounded.contract_mw)
    logger.info("lifetime of the optimum: %.1f s", time.perf_counter() - t_start)
    _render_lifetime(lives["optimum"], "the rounded optimum")
    for total, point in result.fixed.items():
        fleet = {b: int(round(v)) for b, v in point.units.items()}
        lives[str(total)] = lifetime_economics(sc, fleet, contract_mw=point.contract_mw)
        _render_lifetime(lives[str(total)], f"{total:,} units", table=False)
    return lives


def _parse_curve(value: str | None, max_units: int) -> list[int]:
    if value is not None and value.strip().lower() == "none":
        return []
    if value is None:
        return [u for u in _CURVE if u <= max_units]
    from optimizer.errors import InputError

    try:
        sizes = sorted({int(v) for v in value.split(",") if v.strip()})
    except ValueError as exc:
        msg = f"--curve: expected whole numbers, comma-separated, got {value!r}. Correct --curve."
        raise InputError(msg) from exc
    return [u for u in sizes if 0 <= u <= max_units]


def _render_sizing(result: Any, factor: float) -> None:
    from rich.table import Table

    sc = result.scenario
    unit_of = {g.name: g.unit for g in sc.site.battery_groups}
    err.print(f"[bold]sizing horizon[/]: {result.horizon_note}")
    if factor != 1.0:
        err.print(f"capital cost x {factor:g} (sensitivity)")
    t = Table(title="fleet size (SPEC §8 family 16)", show_header=True)
    for col in ("", "units", "MW", "MWh", "contract MW", "net value [$M]"):
        t.add_column(col, justify="left" if not col else "right")

    def row(label: str, p: Any) -> None:
        mw = sum(v * unit_of[b].power_discharge_max_mw for b, v in p.units.items())
        mwh = sum(v * unit_of[b].energy_capacity_mwh for b, v in p.units.items())
        k = "-" if p.contract_mw is None else f"{p.contract_mw:,.1f}"
        t.add_row(
            label,
            f"{p.total_units:,.1f}",
            f"{mw:,.0f}",
            f"{mwh:,.0f}",
            k,
            f"{p.net_value_usd / 1e6:,.2f}",
        )

    row("LP optimum (continuous)", result.optimum)
    row("rounded to whole units", result.rounded)
    for total, p in result.fixed.items():
        row(f"{total:,} units", p)
    err.print(t)
    cost = sum(result.unit_cost_usd.values()) / len(result.unit_cost_usd)
    first = next(iter(result.rounded.units))
    err.print(
        f"optimal fleet size: {result.rounded.total_units:,.0f} units"
        + (
            ""
            if result.rounded.contract_mw is None
            else f", contract demand {result.rounded.contract_mw:,.1f} MW"
        )
    )
    err.print(
        f"one more unit: saves ${result.marginal_value_usd_per_unit:,.0f} on the dispatch cost "
        "over "
        f"the horizon (finite difference; LP dual at the rounded size "
        f"{result.rounded.unit_reduced_cost_usd[first]:+,.0f} $/unit "
        f"net of cost) and costs ${cost:,.0f} (annualised capital + levelised O&M, prorated)"
    )
    verdict = "pays off" if result.rounded.net_value_usd > 0 else "does not pay off"
    err.print(
        f"net value vs no battery: ${result.rounded.net_value_usd / 1e6:,.2f}M over the horizon: "
        f"the fleet {verdict} on the bill alone. (A fleet of any size holds the scenario's grid "
        "duties - swing, reserve - which the "
        "no-battery site does not; the LP sizes the cheapest fleet that holds them.)"
    )


def _render_lifetime(life: Any, label: str, *, table: bool = True) -> None:
    from rich.table import Table

    if table:
        t = Table(title=f"lifetime of {label} (year 0 = purchase)", show_header=True)
        for col in (
            "year",
            "units",
            "added",
            "energy %",
            "cycles",
            "savings [$M]",
            "O&M [$M]",
            "capex [$M]",
            "cash [$M]",
            "cumulative [$M]",
        ):
            t.add_column(col, justify="right")
        for r in life.table.itertuples():
            energy = "" if r.year == 0 else f"{100 * r.energy_frac:.1f}"
            cycles = "" if r.year == 0 else f"{r.equivalent_full_cycles:.0f}"
            t.add_row(
                str(r.year),
                f"{r.units:,}",
                f"{r.units_added:,}",
                energy,
                cycles,
                f"{(r.bill_savings_usd + r.contract_savings_usd) / 1e6:,.2f}",
                f"{r.om_usd / 1e6:,.2f}",
                f"{r.capex_usd / 1e6:,.1f}",
                f"{r.cash_flow_usd / 1e6:,.1f}",
                f"{r.cumulative_usd / 1e6:,.1f}",
            )
        err.print(t)
    irr = "none (the cash never turns)" if life.irr_frac is None else f"{100 * life.irr_frac:.2f} %"
    payback = "never" if life.payback_year is None else f"{life.payback_year:.1f} years"
    err.print(
        f"{label} over {len(life.table) - 1} years: NPV ${life.npv_usd / 1e6:,.1f}M at "
        f"{100 * life.discount_rate_frac:g} %, "
        f"payback {payback}, IRR {irr}"
    )


def _write(folder: Path, result: Any, lives: dict[str, Any], plot: bool) -> list[str]:
    from optimizer.io.atomic import write_atomic  # lazy: --help stays light

    folder.mkdir(parents=True, exist_ok=True)
    doc = {
        "horizon": result.horizon_note,
        "optimum_units": result.optimum.units,
        "rounded_units": result.rounded.units,
        "contract_mw": result.rounded.contract_mw,
        "net_value_usd": result.rounded.net_value_usd,
        "objective_usd": result.rounded.objective_usd,
        "capex_usd": result.rounded.capex_usd,
        "contract_usd": result.rounded.contract_usd,
        "baseline_usd": result.baseline_usd,
        "unit_cost_usd": result.unit_cost_usd,
        "marginal_value_usd_per_unit": result.marginal_value_usd_per_unit,
        "unit_reduced_cost_usd": result.rounded.unit_reduced_cost_usd,
        "fixed": {
            str(k): {
                "units": p.units,
                "contract_mw": p.contract_mw,
                "net_value_usd": p.net_value_usd,
            }
            for k, p in result.fixed.items()
        },
        "lifetime": {
            k: {
                "npv_usd": v.npv_usd,
                "irr_frac": v.irr_frac,
                "payback_year": v.payback_year,
                "units": v.units,
                "contract_mw": v.contract_mw,
            }
            for k, v in lives.items()
        },
    }
    write_atomic(
        folder / "sizing.json",
        lambda p: Path(p).write_text(json.dumps(doc, indent=2, default=float)),
    )
    written = ["sizing.json"]
    if len(result.curve):
        write_atomic(folder / "curve.csv", lambda p: result.curve.to_csv(p, index=False))
        written.append("curve.csv")
    for key, life in lives.items():
        name = "lifetime.csv" if key == "optimum" else f"lifetime-{key}.csv"
        write_atomic(folder / name, lambda p, life=life: life.table.to_csv(p, index=False))
        written.append(name)
    if plot:
        from optimizer.results.sizing_plot import plot_net_value

        write_atomic(
            folder / "net-value.png",
            lambda p: plot_net_value(
                result.curve,
                result.optimum.total_units,
                result.optimum.net_value_usd,
                Path(p),
                title=f"net value over {result.horizon_note.split(' (')[0]}",
            ),
        )
        written.append("net-value.png")
    return written
