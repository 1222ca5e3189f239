"""``optimize``: scenario in, verified DispatchResult out."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import numpy as np

from optimizer.errors import InfeasibleError, SolverLimitError, UnboundedError
from optimizer.formulation.build import build_model
from optimizer.formulation.model_data import ModelData
from optimizer.formulation.precheck import find_infeasibilities
from optimizer.inputs.scenario import Scenario
from optimizer.results.result import DispatchResult, Exclusivity
from optimizer.run.exclusivity import make_exclusive
from optimizer.run.explain import explain_failure
from optimizer.run.finish import failure_result, finish
from optimizer.solver import SolveReport, SolveStatus, solve_model
from optimizer.solver.strategy import has_block_demand, plan_solve

logger = logging.getLogger(__name__)


def optimize(
    scenario: Scenario,
    *,
    raise_on_failure: bool = True,
    precheck: bool = True,
    while_solving: Callable[[], object] | None = None,
) -> DispatchResult:
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
    while_solving : callable, optional
        Work for the calling thread while HiGHS solves the LP on its own thread and core
        (HiGHS releases the GIL). ``bess-dispatch run`` imports matplotlib for its plot here.
        Called at most once, during the first HiGHS run of the full LP (the cold solve, or a
        warm start's final solve); not when a pre-check fails or with the appsi or contrib
        interface. Its exception is raised unchanged once the solve is over.

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
                msg = ""
                raise InfeasibleError(msg, issues=issues)
            return failure_result(scenario, report, 0.0, issues)

    t0 = time.perf_counter()
    m = build_model(scenario, data)
    build_s = time.perf_counter() - t0
    logger.info(
        "built %s: %d intervals, %d groups in %.3f s",
        scenario.name,
        data.n_intervals,
        len(data.groups),
        build_s,
    )
    windows = data.tariff.demand_windows
    plan = plan_solve(
        options,
        scenario.index,
        interval_min=scenario.interval_min,
        block_demand=has_block_demand(windows),
        soc_floor_mwh={g.name: g.initial_soc_mwh for g in data.groups},
        release_rows=True,
        coarse_breaks=_event_edges(data.event_cap_mw),
    )
    report = solve_model(m, options, plan=plan, while_solving=while_solving)
    if report.status not in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
        issues = explain_failure(scenario, data, report)
        if raise_on_failure:
            err = {
                SolveStatus.INFEASIBLE: InfeasibleError,
                SolveStatus.UNBOUNDED: UnboundedError,
            }.get(report.status, SolverLimitError)
            msg = ""
            raise err(msg, issues=issues)
        return failure_result(scenario, report, build_s, issues)

    exclusivity = Exclusivity()
    if (
        options.enforce_exclusivity
    ):  # bounded in time and always exclusive: optimizer/run/exclusivity.py
        out = make_exclusive(scenario, data, m, report, lambda: build_model(scenario, data))
        if out.issues:
            if raise_on_failure:
                msg = ""
                raise InfeasibleError(msg, issues=out.issues)
            return failure_result(scenario, out.report, build_s, out.issues)
        m, report, exclusivity = out.model, out.report, out.exclusivity

    return finish(scenario, data, m, report, build_s, exclusivity=exclusivity)


def _event_edges(event_cap_mw: np.ndarray | None) -> tuple[int, ...]:
    """Where a called event starts or ends: every interval whose in-event state differs from
    the interval before it [-]. A coarse warm-start group never straddles one."""
    if event_cap_mw is None:
        return ()
    inside = np.isfinite(event_cap_mw)
    return tuple(int(t) for t in np.flatnonzero(inside[1:] != inside[:-1]) + 1)
