"""``DispatchResult``: the schedule, the bill by term against the baseline, and the solve report."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from optimizer.errors import InfeasibleError, Issue, SolverLimitError, UnboundedError
from optimizer.inputs.scenario import Scenario
from optimizer.inputs.tariff import CONVERTED_NOTE
from optimizer.results.files import write_excel, write_run, write_schedule_parquet
from optimizer.solver.status import SolveReport, SolveStatus

ENERGY_BASIS_LABELS = {
    "schedule": "schedule: the tariff's own energy rates",
    "market": "market WHAT-IF: energy at the price series, as if the site were a market load",
    "market_plus_schedule": "market + schedule WHAT-IF: price series plus the tariff's rates",
    "simple": "price series plus the simple tariff's adder",
}
"""How each energy basis is named in the summary and the printed table."""


def energy_basis(scenario: Scenario) -> str:
    """The energy basis of ``scenario``'s tariff (``"simple"`` for a simple tariff, also when
    its spec gained a charge on the way in, such as valued system peaks)."""
    spec = scenario.tariff_spec
    simple = scenario.has_simple_tariff or CONVERTED_NOTE in spec.notes
    return "simple" if simple else str(spec.energy.basis)


def billing_months_covered(index: pd.DatetimeIndex, interval_h: float) -> list[dict[str, Any]]:
    """Each calendar month the horizon touches, with the share of its hours it covers [-].

    Monthly charges (demand, excess, facilities, fixed) are billed in full for every month the
    horizon touches, even partly: ``demand_billed_in_full`` says so, so a one-day study's bill
    is read as one day of energy plus a whole month of demand (issue 18: bills say what they
    assume). HUD blocks of a tariff-engine tariff follow the covered share.
    """
    if not len(index):
        return []
    local = index.tz_localize(None) if index.tz is not None else index
    months = local.to_period("M")
    out = []
    for month in months.unique():
        start = month.start_time.tz_localize(index.tz) if index.tz is not None else month.start_time
        end = (
            (month + 1).start_time.tz_localize(index.tz)
            if index.tz is not None
            else (month + 1).start_time
        )
        hours = (end - start) / pd.Timedelta(hours=1)
        covered = float((months == month).sum()) * interval_h
        share = min(1.0, covered / hours)
        out.append(
            {
                "month": str(month),
                "covered_share_frac": share,
                "demand_billed_in_full": share < 1.0 - 1e-9,
            }
        )
    return out


@dataclass(frozen=True)
class Exclusivity:
    """What the exclusivity re-solve did (``SPEC.md`` §6).

    Attributes
    ----------
    n_pairs : int
        (group, interval) pairs that charged and discharged at once in the LP [-].
    intervals : tuple of str
        Their interval starts (ISO 8601, local).
    lp_objective_usd, mip_objective_usd : float
        Objective before and after enforcing exclusivity [USD].
    method : str
        How the schedule was made exclusive (:mod:`optimizer.run.exclusivity`): ``"mip"``
        (proven within ``SolverOptions.mip_rel_gap_frac``), ``"mip-time-limit"`` (the
        incumbent when ``exclusivity_time_limit_s`` ran out), ``"fixed-modes"`` (each pair's
        mode fixed from the LP's net flow, then an LP), or ``""`` when nothing was enforced.
    mip_gap_frac : float or None
        Relative MIP gap of the last MIP round [-] (0 when proven optimal); None without one.
    rounds : int
        Re-solves made (MIP rounds and fixed-mode LPs) [-].
    n_binaries : int
        Binaries of the last MIP round (the pairs found plus the candidate intervals) [-].
    seconds : float
        Seconds spent in the exclusivity re-solves [s].
    """

    n_pairs: int = 0
    intervals: tuple[str, ...] = ()
    lp_objective_usd: float | None = None
    mip_objective_usd: float | None = None
    method: str = ""
    mip_gap_frac: float | None = None
    rounds: int = 0
    n_binaries: int = 0
    seconds: float = 0.0

    @property
    def cost_usd(self) -> float:
        """What exclusivity cost [USD] (0 if not enforced)."""
        if self.lp_objective_usd is None or self.mip_objective_usd is None:
            return 0.0
        return self.mip_objective_usd - self.lp_objective_usd


@dataclass(frozen=True)
class DispatchResult:
    """The outcome of :func:`optimizer.optimize`.

    Attributes
    ----------
    scenario : Scenario
        The inputs, echoed for provenance.
    status : SolveStatus
        ``optimal`` unless ``raise_on_failure=False`` and the solve failed.
    schedule : pandas.DataFrame
        One row per interval (``SPEC.md`` §7); index ``interval_start``.
    groups : pandas.DataFrame
        Tidy: one row per (interval_start, group).
    costs : pandas.DataFrame
        Index: cost terms and ``total``; columns ``baseline_usd``, ``optimized_usd``, ``savings_usd`` [USD].
    report : SolveReport
        Solver outcome, sizes and times.
    build_s : float
        Seconds to build the Pyomo model [s].
    baseline_feasible : bool
        Whether the no-battery site respects every hard limit (import cap).
    exclusivity : Exclusivity
        Intervals on which exclusive charge/discharge was enforced, and its cost.
    issues : tuple of Issue
        Why the solve failed, when it did.
    baseline_violations : dict
        Intervals in which the no-battery site breaks each hard limit [-].
    grid : dict
        Ramp compliance, headroom and event performance (``results.grid_report``).
    resilience : dict
        Outage survival of the schedule at the default critical-load levels, and the floor
        held if any (``results.outage.ride_through_summary``).
    """

    scenario: Scenario
    status: SolveStatus
    schedule: pd.DataFrame
    groups: pd.DataFrame
    costs: pd.DataFrame
    report: SolveReport
    build_s: float = 0.0
    baseline_feasible: bool = True
    exclusivity: Exclusivity = field(default_factory=Exclusivity)
    issues: tuple[Issue, ...] = ()
    baseline_violations: dict[str, int] = field(default_factory=dict)
    grid: dict[str, Any] = field(default_factory=dict)
    resilience: dict[str, Any] = field(default_factory=dict)

    @property
    def objective_usd(self) -> float:
        """Optimised total cost [USD]."""
        return float(self.costs.loc["total", "optimized_usd"]) if len(self.costs) else math.nan

    def raise_for_status(self) -> DispatchResult:
        """Return self when optimal; raise the matching SolveError otherwise."""
        if self.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
            return self
        err = {SolveStatus.INFEASIBLE: InfeasibleError, SolveStatus.UNBOUNDED: UnboundedError}.get(
            self.status, SolverLimitError
        )
        msg = ""
        raise err(
            msg, issues=list(self.issues) or [Issue(f"solve ended {self.status}", field="solver")]
        )

    def summary(self) -> dict[str, Any]:
        """Key figures, JSON-ready (the CLI table, ``summary.json`` and sweeps use these)."""
        s = self.schedule
        sc = self.scenario
        dt_h = sc.interval_h
        capacity = sc.site.fleet_energy_capacity_mwh
        discharged = float(s["discharge_mw"].sum() * dt_h) if len(s) else 0.0
        charged = float(s["charge_mw"].sum() * dt_h) if len(s) else 0.0
        out: dict[str, Any] = {
            "scenario": sc.name,
            "status": str(self.status),
            "start": sc.index[0].isoformat(),
            "end": (sc.index[-1] + pd.Timedelta(minutes=sc.interval_min)).isoformat(),
            "interval_min": sc.interval_min,
            "n_intervals": sc.n_intervals,
            # how energy is priced: the tariff's schedule, or a labelled market what-if
            "energy_basis": energy_basis(sc),
            "energy_basis_label": ENERGY_BASIS_LABELS[energy_basis(sc)],
            "bill_baseline_usd": float(self.costs.loc["total", "baseline_usd"])
            if len(self.costs)
            else None,
            "bill_optimized_usd": float(self.costs.loc["total", "optimized_usd"])
            if len(self.costs)
            else None,
            "savings_usd": float(self.costs.loc["total", "savings_usd"])
            if len(self.costs)
            else None,
            "peak_import_baseline_mw": float(sc.load_mw.max()),
            "peak_import_optimized_mw": float(s["grid_import_mw"].max()) if len(s) else None,
            "energy_charged_mwh": charged,
            "energy_discharged_mwh": discharged,
            "equivalent_full_cycles": discharged / capacity if capacity > 0 else 0.0,
            "fleet_power_mw": sc.site.fleet_power_discharge_max_mw,
            "fleet_energy_mwh": capacity,
            "baseline_feasible": self.baseline_feasible,
            "baseline_violations": dict(self.baseline_violations),
            "exclusivity_pairs": self.exclusivity.n_pairs,
            "exclusivity_cost_usd": self.exclusivity.cost_usd,
            "exclusivity_method": self.exclusivity.method,
            "exclusivity_mip_gap": self.exclusivity.mip_gap_frac,
            "exclusivity_rounds": self.exclusivity.rounds,
            "build_s": self.build_s,
            "handoff_s": self.report.handoff_s,
            "solve_s": self.report.solve_s,
            "n_variables": self.report.n_variables,
            "n_constraints": self.report.n_constraints,
            "solver": self.report.solver,
            "interface": self.report.interface,
            "algorithm": self.report.algorithm,
            "simplex_iterations": self.report.simplex_iterations,
            # how the LP was started (optimizer.solver.warmstart.blocks / optimizer.solver.warmstart.coarse): levels, seconds,
            # iterations and any fallback to a cold solve; {} for a cold solve
            "warm_start": self.report.warm_start.as_dict(),
            "costs_usd": {
                term: {k: float(v) for k, v in row.items()} for term, row in self.costs.iterrows()
            },
            "notes": list(sc.notes),
            "billing_months": billing_months_covered(sc.index, sc.interval_h),
        }
        if self.grid:
            out["grid"] = self.grid
        if self.resilience:
            out["resilience"] = self.resilience
        return out

    def to_dict(self) -> dict[str, Any]:
        """Summary, cost table and schedule as plain Python objects (JSON-ready)."""
        sched = self.schedule.reset_index()
        if len(sched):
            sched["interval_start"] = sched["interval_start"].map(lambda t: t.isoformat())
        return {
            "summary": self.summary(),
            "costs_usd": self.costs.to_dict(orient="index"),
            "schedule": sched.to_dict(orient="list"),
        }

    def to_parquet(self, out_dir: str | Path) -> Path:
        """Write ``schedule.parquet`` only (atomically); returns its path."""
        return write_schedule_parquet(self.schedule, out_dir)

    def to_excel(self, path: str | Path) -> Path:
        """Write an Excel workbook: the schedule (local stamps as dates), the bill by term, the summary.

        Needs the optional ``openpyxl`` (``pip install "bess-dispatch[excel]"``).
        """
        return write_excel(self.schedule, self.costs, self.summary(), path)

    def to_dir(self, out_dir: str | Path, *, plot: bool = True) -> list[Path]:
        """Write ``schedule.parquet``, ``schedule.csv``, ``summary.json`` and ``dispatch.png`` atomically.

        Each file is written under a temporary name in ``out_dir`` and renamed into place,
        so an interrupted run never leaves a half-written file that looks complete
        (:func:`optimizer.results.files.write_run`).
        """
        return write_run(self.schedule, self.summary(), self.scenario, out_dir, plot=plot)
