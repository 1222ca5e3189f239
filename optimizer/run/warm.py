"""Warm re-solves: one model and one persistent HiGHS instance for many scenarios of one structure.

The model is built once with mutable Params (``build_model(..., mutable=True)``); for each
new scenario :func:`~optimizer.formulation.params.update_model` refreshes the Params and
variable bounds from its data, and Pyomo's persistent HiGHS interface
(``pyomo.contrib.solver``) passes only what changed to the HiGHS instance it keeps, which
keeps its simplex basis. Nothing is rebuilt. A scenario with another structure (another
horizon, other groups, families switched on or off, other event intervals, TOU blocks on other
weekdays) gets a new model; the solver keeps the ``max_models`` most recently used models, one
per structure, so cases that alternate between a few structures (price years whose weekdays
differ, rolling windows that repeat a daily TOU layout) stay warm on each.

Used by sweeps (one solver per worker) and by rolling-horizon operation.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from typing import Any, Literal

import pyomo.environ as pyo

from optimizer.errors import InfeasibleError, SolverLimitError, UnboundedError
from optimizer.formulation.build import build_model
from optimizer.formulation.model_data import ModelData
from optimizer.formulation.params import update_model
from optimizer.formulation.structure import structure_key
from optimizer.inputs.scenario import Scenario
from optimizer.results.result import DispatchResult
from optimizer.solver.resolve.affine import DirectWarm
from optimizer.solver.solve import (
    FD_LOCK,
    SolveReport,
    SolveStatus,
    TerminationCondition,
    _highs_options,
)

logger = logging.getLogger(__name__)


class WarmSolver:
    """Solve a sequence of scenarios, re-using the model and the HiGHS basis when the structure allows.

    Examples
    --------
    >>> solver = WarmSolver()                      # doctest: +SKIP
    >>> for sc in scenarios:                       # doctest: +SKIP
    ...     result = solver.optimize(sc)

    Attributes
    ----------
    n_builds, n_warm : int
        How many scenarios needed a build, and how many were warm re-solves [-].
    """

    def __init__(self, max_models: int = 8, route: Literal["direct", "persistent"] = "direct") -> None:
        """``max_models``: how many built models (one per structure) to keep [-].
        ``route``: ``direct`` pushes changed numbers straight to HiGHS through the model's affine
        map (:mod:`optimizer.solver.resolve.affine`; falls back to ``persistent`` when the map does not hold),
        ``persistent`` uses Pyomo's persistent HiGHS interface."""
        if max_models < 1:
            msg = f"max_models must be at least 1; got {max_models}"
            raise ValueError(msg)
        if route not in ("direct", "persistent"):
            msg = f"route must be 'direct' or 'persistent'; got {route!r}"
            raise ValueError(msg)
        self.max_models = max_models
        self.route = route
        self._models: OrderedDict[tuple[Any, ...], tuple[pyo.ConcreteModel, Any]] = OrderedDict()
        self._model: pyo.ConcreteModel | None = None
        self._solver: Any = None
        self.n_builds = 0
        self.n_warm = 0

    def optimize(self, scenario: Scenario, *, raise_on_failure: bool = True) -> DispatchResult:
        """Like :func:`optimizer.optimize`, warm when the model structure is unchanged.

        A solution that charges and discharges at once (which needs binaries, so another
        structure) is re-solved cold by :func:`optimizer.optimize`.
        """
        from optimizer.formulation.precheck import find_infeasibilities
        from optimizer.results.checks import Tolerances, simultaneous_pairs
        from optimizer.results.extract import extract_group_arrays
        from optimizer.run.optimize import _explain_failure, _failure, finish, optimize

        data = ModelData.from_scenario(scenario)
        issues = find_infeasibilities(scenario, data)
        if issues:
            if raise_on_failure:
                raise InfeasibleError("", issues=issues)
            return _failure(scenario, SolveReport(status=SolveStatus.INFEASIBLE, termination=TerminationCondition.INFEASIBLE), 0.0, issues)
        key = structure_key(data)
        t0 = time.perf_counter()
        warm = key in self._models
        opts = _highs_options(scenario.options, scenario.interval_min)
        handoff_s = 0.0
        if warm:
            self._models.move_to_end(key)
            self._model, self._solver = self._models[key]
            if isinstance(self._solver, DirectWarm):
                self._solver.update(data, opts)  # the model's Params are not refreshed: HiGHS holds the numbers
            else:
                update_model(self._model, data)
            self.n_warm += 1
        else:
            self._model = build_model(scenario, data, mutable=True)
            t1 = time.perf_counter()
            direct = DirectWarm.build(self._model, data, opts) if self.route == "direct" else None
            self._solver = direct if direct is not None else _persistent_highs()
            handoff_s = time.perf_counter() - t1
            self._models[key] = (self._model, self._solver)
            while len(self._models) > self.max_models:
                self._models.popitem(last=False)
            self.n_builds += 1
        build_s = time.perf_counter() - t0 - handoff_s
        report = self._solve_direct(warm=warm, opts=opts, handoff_s=handoff_s) if isinstance(self._solver, DirectWarm) else self._solve(scenario, warm=warm)
        m = self._model
        if report.status not in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
            if not isinstance(self._solver, DirectWarm):  # the direct route clears its HiGHS state itself
                self._models.pop(key, None)  # do not warm-start from a failed state
            issues = _explain_failure(scenario, data, report)
            if raise_on_failure:
                err = {SolveStatus.INFEASIBLE: InfeasibleError, SolveStatus.UNBOUNDED: UnboundedError}.get(report.status, SolverLimitError)
                raise err("", issues=issues)
            return _failure(scenario, report, build_s, issues)
        if scenario.options.enforce_exclusivity:
            tol = Tolerances.for_data(data, report.objective_usd or 0.0)
            if simultaneous_pairs(data, extract_group_arrays(m, data), tol):
                logger.info("warm solve charges and discharges at once; re-solving cold with exclusivity")
                return optimize(scenario, raise_on_failure=raise_on_failure)
        return finish(scenario, data, m, report, build_s)

    def _solve_direct(self, *, warm: bool, opts: dict[str, Any], handoff_s: float) -> SolveReport:
        dw = self._solver
        assert isinstance(dw, DirectWarm)  # noqa: S101 - the caller checked
        status, term, raw, objective, solve_s, iters = dw.solve()
        sf = dw.lp.sf
        return SolveReport(
            status=status,
            termination=term,
            solver=f"HiGHS {dw.h.version()}",
            interface="direct-warm",
            algorithm=str(opts.get("solver", "choose")),
            objective_usd=objective,
            handoff_s=handoff_s + dw.update_s,
            solve_s=solve_s,
            n_variables=len(sf.columns),
            n_constraints=len(sf.rows),
            n_nonzeros=int(sf.a.nnz),
            simplex_iterations=iters,
            raw_status=raw,
            extra={"warm": warm, "changed": dw.n_changed, "note": "hand-off = compile + affine map (cold) or the pushed changes (warm)"},
        )

    def _solve(self, scenario: Scenario, *, warm: bool) -> SolveReport:
        opts = _highs_options(scenario.options, scenario.interval_min)
        opts.pop("output_flag", None)
        t0 = time.perf_counter()
        with FD_LOCK:  # Pyomo's persistent interface redirects stdout/stderr descriptors
            res = self._solver.solve(self._model, solver_options=opts, load_solutions=False, raise_exception_on_nonoptimal_result=False)
        total = time.perf_counter() - t0
        term = str(res.termination_condition).split(".")[-1].lower()
        ok = "optimal" in term or term == "convergencecriteriasatisfied"
        if ok:
            res.solution_loader.load_vars()
        status = SolveStatus.OPTIMAL if ok else (SolveStatus.INFEASIBLE if "infeasible" in term else SolveStatus.UNBOUNDED if "unbounded" in term else SolveStatus.ERROR)
        highs = getattr(self._solver, "_solver_model", None)
        iters = int(highs.getInfo().simplex_iteration_count) if highs is not None else 0
        return SolveReport(
            status=status,
            termination=TerminationCondition.OPTIMAL if ok else TerminationCondition.UNKNOWN,
            solver="HiGHS (persistent)",
            interface="persistent",
            algorithm=str(opts.get("solver", "choose")),
            objective_usd=float(res.incumbent_objective) if ok and res.incumbent_objective is not None else None,
            handoff_s=0.0,
            solve_s=total,
            simplex_iterations=iters,
            raw_status=term,
            extra={"warm": warm, "note": "persistent route: update and solve are timed together in solve_s"},
        )


def _persistent_highs() -> Any:
    from pyomo.contrib.solver.solvers.highs import Highs

    from optimizer.solver.solve import _highs

    _highs()  # silences the banner once per process
    solver = Highs()
    au = solver.config.auto_updates
    # only Params and variable bounds change between warm solves: skip the structural scans
    au.check_for_new_or_removed_constraints = False
    au.check_for_new_or_removed_vars = False
    au.check_for_new_or_removed_params = False
    au.check_for_new_objective = False
    au.update_constraints = False
    au.update_named_expressions = False
    return solver


def solve_many(scenarios: list[Scenario], *, raise_on_failure: bool = False) -> list[DispatchResult]:
    """Solve ``scenarios`` in order on one :class:`WarmSolver` (failures become results)."""
    solver = WarmSolver()
    return [solver.optimize(sc, raise_on_failure=raise_on_failure) for sc in scenarios]


__all__ = ["WarmSolver", "solve_many"]
