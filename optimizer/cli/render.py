"""Rich tables of a run's bill and grid figures, and of a study's outcome, printed to stderr."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.table import Table

from optimizer.cli.common import _money, err


def render_summary(
    summary: dict[str, Any], out: Path | None, written: list[Path] | None = None
) -> None:
    """Print the rich summary table to stderr."""
    t = Table(
        title=f"{summary['scenario']}: {summary['start'][:16]} .. {summary['end'][:16]}, {summary['interval_min']} min",
        show_header=True,
    )
    t.add_column("term")
    t.add_column("without batteries", justify="right")
    t.add_column("with batteries", justify="right")
    t.add_column("savings", justify="right")
    basis = summary.get("energy_basis", "simple")
    what_if = basis in ("market", "market_plus_schedule")
    if what_if:
        t.caption = f"[yellow]energy basis: {summary.get('energy_basis_label', basis)}[/]"
    elif basis == "schedule":
        t.caption = f"energy basis: {summary.get('energy_basis_label', basis)}"
    for term, row in summary["costs_usd"].items():
        tiny = abs(row["baseline_usd"]) < 0.005 and abs(row["optimized_usd"]) < 0.005
        if term != "total" and tiny:
            continue  # a term this tariff and site do not have (or round-off at a binding cap)
        style = "bold" if term == "total" else ""
        label = "what-if energy" if term == "energy" and what_if else term
        t.add_row(
            f"{label} [USD]",
            _money(row["baseline_usd"]),
            _money(row["optimized_usd"]),
            _money(row["savings_usd"]),
            style=style,
        )
    t.add_section()
    t.add_row(
        "peak import [MW]",
        f"{summary['peak_import_baseline_mw']:,.1f}",
        f"{summary['peak_import_optimized_mw']:,.1f}",
        f"{summary['peak_import_baseline_mw'] - summary['peak_import_optimized_mw']:,.1f}",
    )
    t.add_row("equivalent full cycles", "", f"{summary['equivalent_full_cycles']:.2f}", "")
    t.add_row(
        "solve",
        "",
        f"build {summary['build_s']:.2f} s, hand-off {summary['handoff_s']:.2f} s, HiGHS {summary['solve_s']:.2f} s",
        "",
    )
    t.add_row(
        "LP size", "", f"{summary['n_variables']:,} vars x {summary['n_constraints']:,} rows", ""
    )
    err.print(t)
    if not summary["baseline_feasible"]:
        broken = ", ".join(
            f"{k} in {n} intervals" for k, n in summary.get("baseline_violations", {}).items() if n
        )
        err.print(
            f"[yellow]note[/]: the no-battery baseline breaks hard limits ({broken}); its bill is shown for reference only."
        )
    if summary["exclusivity_pairs"]:
        how = summary.get("exclusivity_method") or "mip"
        gap = summary.get("exclusivity_mip_gap")
        how += f", MIP gap {gap:.2%}" if gap else ""
        err.print(
            f"[yellow]note[/]: exclusive charge/discharge enforced on {summary['exclusivity_pairs']} intervals ({how}; cost {_money(summary['exclusivity_cost_usd'])})."
        )
    grid = summary.get("grid")
    if grid and grid.get("stability", {}).get("optimized"):
        render_stability(grid, summary["costs_usd"])
    if grid and (
        grid["ramp"].get("rise_limit_mw") is not None
        or grid["events"]
        or grid["headroom"]["swing_up_max_mw"] > 0
        or grid["curtailed_mwh"]
        or grid["deferred_mwh"]
    ):
        render_grid(grid)
    if summary.get("resilience"):
        render_ride_through(summary["resilience"])
    partial = [m for m in summary.get("billing_months", []) if m["demand_billed_in_full"]]
    if partial:
        which = ", ".join(
            f"{m['month']} ({m['covered_share_frac']:.1%} of its hours)" for m in partial
        )
        err.print(
            f"[yellow]note[/]: partial billing month {which}: energy is billed for the horizon, monthly demand and fixed charges in full."
        )
    for note in summary["notes"]:
        err.print(f"[dim]input: {note}[/]")
    if out is not None and written:
        err.print(f"wrote {out}/" + ", ".join(p.name for p in written))


def _hours(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def _share(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f} %"


def render_ride_through(res: dict[str, Any]) -> None:
    """Print outage survival at each critical-load level (``summary()["resilience"]``) to stderr."""
    fleet = res.get("fleet", {})
    title = (
        f"ride-through if the grid is lost (fleet {fleet.get('power_mw', 0):,.0f} MW, "
        f"{fleet.get('usable_energy_mwh', 0):,.0f} MWh usable)"
    )
    t = Table(title=title, show_header=True)
    for col in ("critical load", "peak MW", "median h", "min h", ">= 1 h", ">= 4 h", "power fails"):
        t.add_column(col, justify="right" if col != "critical load" else "left")
    for level, r in res["levels"].items():
        t.add_row(
            level,
            f"{r['critical_load_peak_mw']:,.0f}",
            _hours(r["median_h"]),
            _hours(r["min_h"]),
            _share(r["p_survive_1h"]),
            _share(r["p_survive_4h"]),
            f"{r['n_power_limited']}",
        )
    err.print(t)
    err.print(
        "[dim]ride-through: the fleet starts from the schedule's SOC at each interval, cannot "
        "charge, and carries the critical load plus its aux; power fails: outages ended because "
        "the load is above the fleet's power. Details: bess-dispatch resilience.[/]"
    )
    floor = res.get("floor")
    if floor:
        err.print(
            f"[dim]floor held: {floor['hours_h']:g} h of '{floor['critical_load']}' each interval"
            + (f" in months {floor['months']}" if floor["months"] else "")
            + (f" at hours {floor['hours_of_day']}" if floor["hours_of_day"] else "")
            + "[/]"
        )


STABILITY_ROWS = (
    ("largest_rise_mw", "largest rise [MW/interval]", "{:,.1f}"),
    ("largest_fall_mw", "largest fall [MW/interval]", "{:,.1f}"),
    ("total_variation_mw_per_day", "total variation [MW/day]", "{:,.0f}"),
    ("n_moves_at_least_threshold", "moves >= {threshold:g} MW", "{:,.0f}"),
    ("n_direction_changes", "direction changes", "{:,.0f}"),
    ("time_at_import_cap_h", "time at import cap [h]", "{:,.1f}"),
)


def render_stability(grid: dict[str, Any], costs: dict[str, Any]) -> None:
    """Print how hard the grid draw moves (SPEC §9), what it cost, and the draw at system peaks."""
    st = grid["stability"]
    t = Table(title="stability of the grid draw", show_header=True)
    t.add_column("measure")
    t.add_column("without batteries", justify="right")
    t.add_column("with batteries", justify="right")
    worse = set(st.get("worse_than_baseline", []))
    for key, label, fmt in STABILITY_ROWS:
        flag = " [yellow](worse)[/]" if key in worse else ""
        name = escape(label.format(threshold=st["move_threshold_mw"]))
        t.add_row(name, fmt.format(st["baseline"][key]), fmt.format(st["optimized"][key]) + flag)
    move = costs.get("movement", {})
    mu = st["movement_cost_usd_per_mw"]
    t.add_row(
        escape(f"movement cost [USD] (mu {mu:g}/MW)"),
        _money(move.get("baseline_usd", 0.0)),
        _money(move.get("optimized_usd", 0.0)),
    )
    peaks = grid.get("system_peaks") or {}
    if peaks.get("n_hours"):
        t.add_row(
            escape(f"draw in {peaks['n_hours']} TVA peak hours, mean / max [MW]"),
            f"{peaks['mean_draw_baseline_mw']:,.1f} / {peaks['max_draw_baseline_mw']:,.1f}",
            f"{peaks['mean_draw_optimized_mw']:,.1f} / {peaks['max_draw_optimized_mw']:,.1f}",
        )
    err.print(t)
    if st.get("moves_grid_harder_than_baseline"):
        err.print(
            "[yellow]warning[/]: this schedule moves the grid harder than the site without"
            f" batteries ({', '.join(sorted(worse))}); raise"
            + escape(" [grid] movement_cost_usd_per_mw or add a [grid.ramp] limit.")
        )


def render_grid(grid: dict[str, Any]) -> None:
    """Print ramp compliance, headroom and event performance to stderr."""
    r, h = grid["ramp"], grid["headroom"]
    t = Table(title="grid limits (ramp, headroom, events)", show_header=True)
    t.add_column("measure")
    t.add_column("without batteries", justify="right")
    t.add_column("with batteries", justify="right")
    t.add_column("limit", justify="right")
    t.add_row(
        "largest rise [MW/interval]",
        f"{r['largest_rise_baseline_mw']:,.1f}",
        f"{r['largest_rise_optimized_mw']:,.1f}",
        f"{r.get('rise_limit_mw', float('nan')):,.1f}",
    )
    t.add_row(
        "largest fall [MW/interval]",
        f"{r['largest_fall_baseline_mw']:,.1f}",
        f"{r['largest_fall_optimized_mw']:,.1f}",
        f"{r.get('fall_limit_mw', float('nan')):,.1f}",
    )
    if "violations_baseline" in r:
        t.add_row(
            "ramp violations [intervals]",
            f"{r['violations_baseline']}",
            f"{r['violations_optimized']}",
            "0",
        )
    for key, n in grid["baseline_violations"].items():
        if key != "ramp":
            t.add_row(f"{key} violations [intervals]", f"{n}", "0", "0")
    t.add_row(
        "headroom up min / mean [MW]",
        "",
        f"{h['headroom_up_min_mw']:,.1f} / {h['headroom_up_mean_mw']:,.1f}",
        f"swing {h['swing_up_max_mw']:,.1f} max",
    )
    t.add_row(
        "headroom down min / mean [MW]",
        "",
        f"{h['headroom_down_min_mw']:,.1f} / {h['headroom_down_mean_mw']:,.1f}",
        f"swing {h['swing_down_max_mw']:,.1f} max",
    )
    t.add_row(
        "curtailed / deferred [MWh]",
        "",
        f"{grid['curtailed_mwh']:,.1f} / {grid['deferred_mwh']:,.1f}",
        "",
    )
    err.print(t)
    if grid["events"]:
        e = Table(title="events", show_header=True)
        for col in (
            "event",
            "cap MW",
            "import before MW",
            "max during MW",
            "reduced MWh",
            "battery MWh",
            "curtailed MWh",
            "deferred MWh",
        ):
            e.add_column(col, justify="right")
        for ev in grid["events"]:
            e.add_row(
                ev["event_id"],
                f"{ev['cap_mw']:,.0f}",
                f"{ev['import_before_mw']:,.1f}",
                f"{ev['import_during_max_mw']:,.1f}",
                f"{ev['reduction_mwh']:,.1f}",
                f"{ev['battery_mwh']:,.1f}",
                f"{ev['curtailment_mwh']:,.1f}",
                f"{ev['deferral_mwh']:,.1f}",
            )
        err.print(e)


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
        err.print(
            f"best savings: {_money(best['savings_usd'])} at {where} (case {best['case_id']})"
        )
    if "net_value_usd" in cases.columns and cases["net_value_usd"].notna().any():
        best = cases.loc[cases["net_value_usd"].idxmax()]
        where = ", ".join(f"{a}={best[a]}" for a in axes)
        err.print(
            f"best net value: {_money(best['net_value_usd'])} at {where} (case {best['case_id']}; savings minus annualised fleet cost)"
        )
        fleets = (
            cases[cases["net_value_usd"].notna() & (cases.get("fleet_units", 1) > 0)]
            if "fleet_units" in cases.columns
            else cases.iloc[0:0]
        )
        if len(fleets) and best.get("fleet_units", 1) == 0:
            top = fleets.loc[fleets["net_value_usd"].idxmax()]
            err.print(
                f"best net value with a fleet: {_money(top['net_value_usd'])} at "
                + ", ".join(f"{a}={top[a]}" for a in axes)
            )
    err.print(f"wrote {folder}/cases.parquet" + "".join(f", {p.name}" for p in pngs))
