"""Warm re-solves: one model and one HiGHS instance for many scenarios of one structure.

The model is built once with mutable Params (``build_model(..., mutable=True)``); each new
scenario of the same structure pushes only its new numbers to the solver that holds it, which
keeps its simplex basis. Nothing is rebuilt. The mechanics (the cache by structure key, the
direct and the persistent routes) are in :mod:`optimizer.solver.resolve`; a scenario with
another structure (another horizon, other groups, families switched on or off, other event
intervals, TOU blocks on other weekdays) gets a new model.

Used by sweeps (one solver per worker) and by rolling-horizon operation.
"""

from __future__ import annotations

import logging
import time
from typing import Literal

from optimizer.errors import InfeasibleError, SolverLimitError, UnboundedError
from optimizer.formulation.build import build_model
from optimizer.formulation.model_data import ModelData
from optimizer.formulation.precheck import find_infeasibilities
from optimizer.formulation.structure import structure_key
from optimizer.inputs.scenario import Scenario
from optimizer.results.checks import Tolerances, simultaneous_pairs
from optimizer.results.extract import extract_group_arrays
from optimizer.results.result import DispatchResult
from optimizer.run.explain import explain_failure
from optimizer.run.finish import failure_result, finish
from optimizer.run.optimize import optimize
from optimizer.solver.resolve.cache import ModelCache
from optimizer.solver.status import SolveReport, SolveStatus, TerminationCondition
from optimizer.solver.strategy import highs_options

logger = logging.getLogger(__name__)


class WarmSolver:
    """Solve a sequence of scenarios, re-using the model and the HiGHS basis where the structure
    allows.

    Parameters
    ----------
    max_models : int
        How many built models (one per structure) to keep [-].
    route : {"direct", "persistent"}
        ``direct`` pushes changed numbers straight to HiGHS through the model's affine map
        (:mod:`optimizer.solver.resolve.affine`; falls back to ``persistent`` when the map does
        not hold), ``persistent`` uses Pyomo's persistent HiGHS interface.

    Attributes
    ----------
    n_builds, n_warm : int
        How many scenarios needed a build, and how many were warm re-solves [-].

    Examples
    --------
    >>> solver = WarmSolver()                      # doctest: +SKIP
    >>> for sc in scenarios:                       # doctest: +SKIP
    ...     result = solver.optimize(sc)
    """

    def __init__(
        self, max_models: int = 8, route: Literal["direct", "persistent"] = "direct"
    ) -> None:
        if max_models < 1:
            msg = f"max_models must be at least 1; got {max_models}"
            raise ValueError(msg)
        if route not in ("direct", "persistent"):
            msg = f"route must be 'direct' or 'persistent'; got {route!r}"
            raise ValueError(msg)
        self.max_models = max_models
        self.route = route
        self._cache = ModelCache(max_models, route)
        self.n_builds = 0
        self.n_warm = 0

    def optimize(
        self, scenario: Scenario, *, raise_on_failure: bool = True, reports: bool = True
    ) -> DispatchResult:
        """Like :func:`optimizer.optimize`, warm when the model structure is unchanged.

        A solution that charges and discharges at once (which needs binaries, so another
        structure) is re-solved cold by :func:`optimizer.optimize`. ``reports=False`` leaves
        the stability and ride-through reports out of the result (rolling operation).
        """
        data = ModelData.from_scenario(scenario)
        issues = find_infeasibilities(scenario, data)
        if issues:
            if raise_on_failure:
                msg = ""
                raise InfeasibleError(msg, issues=issues)
            report = SolveReport(
                status=SolveStatus.INFEASIBLE, termination=TerminationCondition.INFEASIBLE
            )
            return failure_result(scenario, report, 0.0, issues)
        key = structure_key(data)
        t0 = time.perf_counter()
        opts = highs_options(scenario.options)
        entry, warm, handoff_s = self._cache.take(
            key, data, opts, lambda: build_model(scenario, data, mutable=True)
        )
        if warm:
            self.n_warm += 1
        else:
            self.n_builds += 1
        build_s = time.perf_counter() - t0 - handoff_s
        report = entry.solve(opts, warm=warm, handoff_s=handoff_s)
        m = entry.model
        if report.status not in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
            if entry.direct is None:  # the direct route clears its HiGHS state itself
                self._cache.forget(key)  # do not warm-start from a failed state
            issues = explain_failure(scenario, data, report)
            if raise_on_failure:
                errors = {
                    SolveStatus.INFEASIBLE: InfeasibleError,
                    SolveStatus.UNBOUNDED: UnboundedError,
                }
                msg = ""
                raise errors.get(report.status, SolverLimitError)(msg, issues=issues)
            return failure_result(scenario, report, build_s, issues)
        if scenario.options.enforce_exclusivity:
            tol = Tolerances.for_data(data, report.objective_usd or 0.0)
            if simultaneous_pairs(data, extract_group_arrays(m, data), tol):
                logger.info(
                    "warm solve charges and discharges at once; re-solving cold with exclusivity"
                )
                return optimize(scenario, raise_on_failure=raise_on_failure)
        return finish(scenario, data, m, report, build_s, reports=reports)


def solve_many(
    scenarios: list[Scenario], *, raise_on_failure: bool = False
) -> list[DispatchResult]:
    """Solve ``scenarios`` in order on one :class:`WarmSolver` (failures become results)."""
    solver = WarmSolver()
    return [solver.optimize(sc, raise_on_failure=raise_on_failure) for sc in scenarios]


__all__ = ["WarmSolver", "solve_many"]
