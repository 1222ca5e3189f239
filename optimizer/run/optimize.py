"""``optimize``: scenario in, verified DispatchResult out."""

from __future__ import annotations

import logging
import time

from optimizer.errors import InfeasibleError, Issue, SolverLimitError, UnboundedError
from optimizer.formulation.build import build_model
from optimizer.formulation.exclusivity import add_exclusivity
from optimizer.formulation.model_data import ModelData
from optimizer.formulation.precheck import find_infeasibilities
from optimizer.inputs.scenario import Scenario
from optimizer.results.checks import (
    Tolerances,
    simultaneous_pairs,
)
from optimizer.results.extract import (
    extract_group_arrays,
)
from optimizer.results.result import DispatchResult, Exclusivity
from optimizer.run.explain import explain_failure
from optimizer.run.finish import failure_result, finish
from optimizer.solver import SolveReport, SolveStatus, solve_model
from optimizer.solver.strategy import plan_solve

logger = logging.getLogger(__name__)

MAX_EXCLUSIVITY_ROUNDS = 4



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
            return failure_result(scenario, report, 0.0, issues)

    t0 = time.perf_counter()
    m = build_model(scenario, data)
    build_s = time.perf_counter() - t0
    logger.info("built %s: %d intervals, %d groups in %.3f s", scenario.name, data.n_intervals, len(data.groups), build_s)
    plan = plan_solve(options, scenario.index, interval_min=scenario.interval_min, tariff_engine=data.tariff is not None,
                      soc_floor_mwh={g.name: g.initial_soc_mwh for g in data.groups}, release_rows=True)
    report = solve_model(m, options, plan=plan)
    if report.status not in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
        issues = explain_failure(scenario, data, report)
        if raise_on_failure:
            err = {SolveStatus.INFEASIBLE: InfeasibleError, SolveStatus.UNBOUNDED: UnboundedError}.get(report.status, SolverLimitError)
            raise err("", issues=issues)
        return failure_result(scenario, report, build_s, issues)

    groups = extract_group_arrays(m, data)
    exclusivity = Exclusivity()
    if options.enforce_exclusivity:
        tol = Tolerances.for_data(data, report.objective_usd or 0.0)
        pairs = simultaneous_pairs(data, groups, tol)
        lp_objective = report.objective_usd
        enforced: set[tuple[str, int]] = set()
        rounds = 0
        while pairs and rounds < MAX_EXCLUSIVITY_ROUNDS:
            rounds += 1
            enforced |= set(pairs)
            if report.rows_released:  # a large LP dropped its rows during the solve
                m = build_model(scenario, data)
            for name in ("excl_charge", "excl_discharge", "excl_mode", "excl_pairs"):
                if hasattr(m, name):
                    m.del_component(name)
            add_exclusivity(m, data, sorted(enforced, key=lambda p: (p[1], p[0])))
            mip_report = solve_model(m, options)
            mip_report.handoff_s += report.handoff_s
            mip_report.solve_s += report.solve_s
            report = mip_report
            if report.status not in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
                issues = [Issue("exclusive charge/discharge made the problem infeasible", field="exclusivity", got=f"{len(enforced)} intervals")]
                if raise_on_failure:
                    raise InfeasibleError("", issues=issues)
                return failure_result(scenario, report, build_s, issues)
            groups = extract_group_arrays(m, data)
            pairs = simultaneous_pairs(data, groups, tol)
        if enforced:
            stamps = tuple(scenario.index[t].isoformat() for _, t in sorted(enforced, key=lambda p: p[1]))
            exclusivity = Exclusivity(len(enforced), stamps, lp_objective, report.objective_usd)
            logger.warning(
                "exclusive charge/discharge enforced on %d intervals (cost %.2f USD)", len(enforced), exclusivity.cost_usd
            )

    return finish(scenario, data, m, report, build_s, exclusivity=exclusivity)
