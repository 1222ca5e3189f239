"""``optimize``: scenario in, verified DispatchResult out."""

from __future__ import annotations

import logging
import time

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from optimizer.errors import InfeasibleError, Issue, SolverLimitError, UnboundedError
from optimizer.formulation.build import build_model
from optimizer.formulation.model_data import ModelData
from optimizer.formulation.precheck import find_infeasibilities
from optimizer.inputs.scenario import Scenario
from optimizer.results.checks import baseline_violations, check_solution
from optimizer.results.costs import COST_TERMS, baseline_terms, bill_terms
from optimizer.results.extract import (
    Solution,
    build_schedule,
    extract_solution,
    tidy_groups,
)
from optimizer.results.result import DispatchResult, Exclusivity
from optimizer.solver import SolveReport, SolveStatus, solve_model
from optimizer.run.exclusivity import make_exclusive
from optimizer.solver.strategy import has_block_demand, plan_solve

logger = logging.getLogger(__name__)


def _failure(scenario: Scenario, report: SolveReport, build_s: float, issues: list[Issue]) -> DispatchResult:
    return DispatchResult(
        scenario=scenario,
        status=report.status,
        schedule=pd.DataFrame(),
        groups=pd.DataFrame(),
        costs=pd.DataFrame(),
        report=report,
        build_s=build_s,
        issues=tuple(issues),
    )


def optimize(scenario: Scenario, *, raise_on_failure: bool = True, precheck: bool = True) -> DispatchResult:
    """Schedule the fleet at least cost and verify the schedule.

    Parameters
    ----------
    scenario : Scenario
        Validated inputs; not modified.
    raise_on_failure : bool
        Raise :class:`InfeasibleError`, :class:`UnboundedError` or :class:`SolverLimitError`
        when no solution is found (default). With False, return a result whose ``status``
        says what happened (sweeps use this).
    precheck : bool
        Run the solver-free infeasibility checks first (milliseconds); they name the
        interval and the MW or MWh short.

    Returns
    -------
    DispatchResult
        Optimal schedule, bill by term against the no-battery baseline, and solve report.

    Raises
    ------
    InfeasibleError, UnboundedError, SolverLimitError, SolverUnavailableError, ResultCheckError
    """
    options = scenario.options
    data = ModelData.from_scenario(scenario)
    if precheck:
        issues = find_infeasibilities(scenario, data)
        if issues:
            report = SolveReport(status=SolveStatus.INFEASIBLE, termination="infeasible")  # type: ignore[arg-type]
            if raise_on_failure:
                raise InfeasibleError("", issues=issues)
            return _failure(scenario, report, 0.0, issues)

    t0 = time.perf_counter()
    m = build_model(scenario, data)
    build_s = time.perf_counter() - t0
    logger.info("built %s: %d intervals, %d groups in %.3f s", scenario.name, data.n_intervals, len(data.groups), build_s)
    windows = data.tariff.demand_windows if data.tariff is not None else ()
    plan = plan_solve(options, scenario.index, interval_min=scenario.interval_min, block_demand=has_block_demand(windows),
                      soc_floor_mwh={g.name: g.initial_soc_mwh for g in data.groups}, release_rows=True)
    report = solve_model(m, options, plan=plan)
    if report.status not in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
        issues = _explain_failure(scenario, data, report)
        if raise_on_failure:
            err = {SolveStatus.INFEASIBLE: InfeasibleError, SolveStatus.UNBOUNDED: UnboundedError}.get(report.status, SolverLimitError)
            raise err("", issues=issues)
        return _failure(scenario, report, build_s, issues)

    exclusivity = Exclusivity()
    if options.enforce_exclusivity:  # bounded in time and always exclusive: optimizer/run/exclusivity.py
        out = make_exclusive(scenario, data, m, report, lambda: build_model(scenario, data))
        if out.issues:
            if raise_on_failure:
                raise InfeasibleError("", issues=out.issues)
            return _failure(scenario, out.report, build_s, out.issues)
        m, report, exclusivity = out.model, out.report, out.exclusivity

    return finish(scenario, data, m, report, build_s, exclusivity=exclusivity)


def finish(
    scenario: Scenario,
    data: ModelData,
    m: pyo.ConcreteModel,
    report: SolveReport,
    build_s: float,
    *,
    exclusivity: Exclusivity | None = None,
    reports: bool = True,
) -> DispatchResult:
    """Turn a solved model into a verified DispatchResult (shared by cold and warm solves).

    ``reports=False`` leaves out the stability and ride-through reports (``grid``,
    ``resilience``): rolling operation solves thousands of windows and reports on the
    committed schedule once (they were 0.22 s of 0.37 s a window at a year's hourly roll).
    """
    options = scenario.options
    exclusivity = exclusivity or Exclusivity()
    sol = extract_solution(m, data)
    sol.grid_import_mw, sol.grid_export_mw = _net_meter(data, sol.grid_import_mw, sol.grid_export_mw)
    terms = bill_terms(data, sol)
    base = baseline_terms(data)
    violations = baseline_violations(data)
    baseline_feasible = not any(violations.values())
    if options.check_invariants:
        # SPEC §6 "never above the baseline", made exact: the fleet can always stay idle, which
        # costs the baseline plus its auxiliary load; compare with that when idling is feasible
        idle, idle_feasible = idle_terms(data)
        check_solution(
            scenario.index, data, sol, terms, idle, idle_feasible, float(report.objective_usd or 0.0),
            require_exclusive=options.enforce_exclusivity,
        )
    costs = pd.DataFrame({"baseline_usd": base, "optimized_usd": terms})
    costs["savings_usd"] = costs["baseline_usd"] - costs["optimized_usd"]
    costs = costs.loc[[*COST_TERMS, "total"]]
    costs.index.name = "term"
    schedule = build_schedule(scenario, data, sol)
    from optimizer.results.grid_report import grid_report
    from optimizer.results.outage import ride_through_summary

    if not reports:
        return DispatchResult(
            scenario=scenario, status=report.status, schedule=schedule, groups=tidy_groups(scenario, sol.groups),
            costs=costs, report=report, build_s=build_s, baseline_feasible=baseline_feasible,
            exclusivity=exclusivity, baseline_violations=violations,
        )
    return DispatchResult(
        scenario=scenario,
        status=report.status,
        schedule=schedule,
        groups=tidy_groups(scenario, sol.groups),
        costs=costs,
        report=report,
        build_s=build_s,
        baseline_feasible=baseline_feasible,
        exclusivity=exclusivity,
        baseline_violations=violations,
        grid=grid_report(scenario, data, schedule, violations),
        resilience=ride_through_summary(scenario, schedule),
    )


def idle_terms(data: ModelData) -> tuple[pd.Series, bool]:
    """Bill of the site with its fleet idle (aux load drawn, no charge or discharge), and whether that is feasible."""
    sol = Solution.baseline(data)
    sol.grid_import_mw = data.load_mw + data.aux_load_mw
    feasible = bool(np.all(sol.grid_import_mw <= data.import_limit_mw * (1 + 1e-9)))
    n = data.n_intervals
    for g in data.groups:
        kept = g.initial_soc_mwh * g.retention_frac ** np.arange(1, n + 1)
        sol.groups[g.name]["soc_mwh"] = kept
        feasible &= bool(kept[-1] >= g.final_soc_min_mwh - 1e-9 and kept.min() >= g.soc_min_mwh - 1e-9)
    if data.event_cap_mw is not None:
        feasible &= bool(np.all(sol.grid_import_mw <= data.event_cap_mw * (1 + 1e-9)))
    if data.energy_floor is not None:
        f = data.energy_floor
        feasible &= bool(np.all(sol.fleet("soc_mwh") >= f.soc_min_mwh + f.floor_mwh - 1e-9))
    if data.ramp is not None:
        from optimizer.results.checks import ramp_steps_mw

        steps = ramp_steps_mw(data, sol.grid_import_mw)
        feasible &= bool(np.all(steps <= data.ramp.rise_mw * (1 + 1e-9)) and np.all(-steps <= data.ramp.fall_mw * (1 + 1e-9)))
    if data.has_swing:
        feasible = False  # holding headroom may force the fleet off idle; no simple idle comparison
    return bill_terms(data, sol), feasible


def _net_meter(data: ModelData, g: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Remove simultaneous import and export where it is cost-neutral (export price = import price).

    The LP is indifferent between importing 11 MW while exporting 10 MW and importing 1 MW when
    both flows earn the same price; one meter cannot do both, so the equivalent net flow is
    reported. Balance, caps and every cost term are unchanged.
    """
    both = np.minimum(g, x)
    neutral = np.isclose(data.import_price_usd_per_mwh, data.export_price_usd_per_mwh, rtol=0.0, atol=1e-12)
    cut = np.where(neutral & (both > 0), both, 0.0)
    return g - cut, x - cut


def _explain_failure(scenario: Scenario, data: ModelData, report: SolveReport) -> list[Issue]:
    hints = find_infeasibilities(scenario, data)
    if hints:
        return hints
    if report.status == SolveStatus.INFEASIBLE:
        from optimizer.run.explain import diagnose_infeasibility

        return diagnose_infeasibility(scenario, data)
    if report.status == SolveStatus.UNBOUNDED:
        return [Issue("the LP is unbounded", field="solver", got=report.raw_status, fix="Check for negative prices with no import or export cap")]
    return [
        Issue(
            f"the solver ended with '{report.raw_status}'",
            field="solver",
            fix="No single constraint family could be blamed by the pre-checks; relax caps, the terminal SOC target or raise time_limit_s",
        )
    ]
