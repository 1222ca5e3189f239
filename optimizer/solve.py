"""Hand the Pyomo model to HiGHS and map every outcome onto our enums and errors.

The default route (``interface = "stdform"``) compiles the model with Pyomo's
``LinearStandardFormCompiler`` (mixed form: equality, <= and >= rows kept as such) and
passes the sparse matrices to ``highspy`` in one call. ``appsi``, ``contrib`` and
``lp_file`` go through Pyomo's own HiGHS interfaces or an LP file; ``benchmarks/``
measures all four on the same LP.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import scipy.sparse  # noqa: F401 - Pyomo's standard-form compiler imports it lazily; pay it at import, not in the hand-off timer
from pyomo.common.gc_manager import PauseGC

from optimizer.errors import Issue, SolverUnavailableError
from optimizer.inputs.options import SolverOptions

if TYPE_CHECKING:
    from optimizer.blocks import BlockPlan

logger = logging.getLogger(__name__)


class SolveStatus(StrEnum):
    """What the solve produced."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    ERROR = "error"


class TerminationCondition(StrEnum):
    """Why the solver stopped."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    INFEASIBLE_OR_UNBOUNDED = "infeasible_or_unbounded"
    TIME_LIMIT = "time_limit"
    ITERATION_LIMIT = "iteration_limit"
    ERROR = "error"
    UNKNOWN = "unknown"


_HIGHS_STATUS = {
    "Optimal": (SolveStatus.OPTIMAL, TerminationCondition.OPTIMAL),
    "Infeasible": (SolveStatus.INFEASIBLE, TerminationCondition.INFEASIBLE),
    "Unbounded": (SolveStatus.UNBOUNDED, TerminationCondition.UNBOUNDED),
    "Primal infeasible or unbounded": (SolveStatus.INFEASIBLE, TerminationCondition.INFEASIBLE_OR_UNBOUNDED),
    "Time limit reached": (SolveStatus.ERROR, TerminationCondition.TIME_LIMIT),
    "Iteration limit reached": (SolveStatus.ERROR, TerminationCondition.ITERATION_LIMIT),
}


@dataclass
class SolveReport:
    """What happened in the solver.

    Attributes
    ----------
    status, termination : SolveStatus, TerminationCondition
    solver : str
        Solver name and version.
    interface : str
        The hand-off route used.
    algorithm : str
        HiGHS algorithm asked for.
    objective_usd : float or None
        Objective value reported by the solver [USD].
    handoff_s, solve_s : float
        Seconds to hand the model to the solver and to solve it [s].
    n_variables, n_constraints, n_nonzeros : int
        Size of the problem passed to the solver [-].
    is_mip : bool
        True when binaries were present (exclusivity re-solve).
    simplex_iterations : int
        Simplex iterations (0 when not reported) [-].
    """

    status: SolveStatus
    termination: TerminationCondition
    solver: str = ""
    interface: str = ""
    algorithm: str = ""
    objective_usd: float | None = None
    handoff_s: float = 0.0
    solve_s: float = 0.0
    n_variables: int = 0
    n_constraints: int = 0
    n_nonzeros: int = 0
    is_mip: bool = False
    simplex_iterations: int = 0
    raw_status: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _highs_options(options: SolverOptions, interval_min: int) -> dict[str, Any]:
    """HiGHS options for ``options``. ``auto`` is HiGHS's own default (dual simplex, its own
    pricing) at every step: measured fastest or tied on the full LP at every size from a day at
    5 min to a year at 15 min (``benchmarks/HIGHS-OPTIONS.md``); devex pricing was 1.2-3x and
    interior point 1.4-2.4x slower there. ``interval_min`` is kept for rules that depend on it."""
    del interval_min
    opts: dict[str, Any] = {
        "output_flag": False,
        "time_limit": float(options.time_limit_s),
        "presolve": "on" if options.presolve else "off",
        "mip_rel_gap": float(options.mip_rel_gap_frac),
    }
    if options.threads:
        opts["threads"] = int(options.threads)
    if options.algorithm == "simplex":
        opts["solver"] = "simplex"
        opts["simplex_strategy"] = 1  # dual
        opts["simplex_dual_edge_weight_strategy"] = 1  # devex
    elif options.algorithm == "ipm":
        opts["solver"] = "ipm"
        opts["run_crossover"] = "on"  # a vertex, exactly like simplex
    opts.update(options.highs_options)
    return opts


def solve_model(
    m: pyo.ConcreteModel,
    options: SolverOptions,
    *,
    interval_min: int = 60,
    index: pd.DatetimeIndex | None = None,
) -> SolveReport:
    """Solve ``m`` with HiGHS, load the solution into its variables and report.

    Never raises for infeasible or unbounded models: the status says so. Any solver-side
    exception becomes :class:`SolverUnavailableError`.

    Parameters
    ----------
    m : pyomo.environ.ConcreteModel
        A model of :func:`optimizer.formulation.build.build_model`.
    options : SolverOptions
        Interface, HiGHS settings and ``warm_start``.
    interval_min : int
        Interval length [min].
    index : pandas.DatetimeIndex, optional
        The scenario's site-local intervals. The block warm start (``options.warm_start``,
        :mod:`optimizer.blocks`) cuts the horizon into calendar months of this index; without
        it the LP is solved cold.
    """
    opts = _highs_options(options, interval_min)
    try:
        if options.interface == "stdform":
            plan = None
            if options.warm_start != "none" and index is not None:
                from optimizer.blocks import plan_blocks

                data = getattr(m, "_data", None)
                floors = {} if data is None else {g.name: g.initial_soc_mwh for g in data.groups}
                plan = plan_blocks(index, floors, options.warm_start)
            return _solve_stdform(m, opts, plan)
        return _solve_pyomo_interface(m, opts, options.interface)
    except SolverUnavailableError:
        raise
    except Exception as exc:  # any solver or hand-off failure is ours to explain
        msg = ""
        raise SolverUnavailableError(
            msg,
            issues=[
                Issue(
                    f"the solver failed ({type(exc).__name__}: {exc})",
                    field=f"solver.interface={options.interface}",
                    fix="Re-run with another solver interface (--interface) or report a bug",
                )
            ],
        ) from exc


def _highs() -> Any:
    try:
        import highspy
    except ImportError as exc:
        msg = ""
        raise SolverUnavailableError(
            msg, issues=[Issue("highspy is not installed", fix="pip install 'highspy>=1.16,<2'")]
        ) from exc
    _silence_banner(highspy)
    return highspy


# Anything that redirects the process's stdout/stderr file descriptors (this banner
# suppression, Pyomo's persistent HiGHS interface) holds this lock: two threads redirecting
# at once corrupt each other's descriptors.
FD_LOCK = threading.Lock()


@functools.cache
def _silence_banner(highspy: Any) -> None:
    """HiGHS prints a copyright banner on stdout when the first instance is created, before
    ``output_flag`` can be set; create that first instance with stdout pointed at /dev/null
    (once per process) so that the library prints nothing."""
    with FD_LOCK:
        _create_silently(highspy)


def _create_silently(highspy: Any) -> None:
    try:
        sys.stdout.flush()
        saved = os.dup(1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)
    except OSError:  # no real stdout (some embedders): the banner is harmless
        highspy.Highs()


def compile_stdform(m: pyo.ConcreteModel) -> tuple[list[Any], Any, Any, np.ndarray]:
    """Compile ``m`` with Pyomo's ``LinearStandardFormCompiler`` into a ``highspy.HighsLp``.

    Returns
    -------
    cols : list
        The Pyomo variables, in column order.
    lp : highspy.HighsLp
        Costs, bounds, row bounds and the column-wise matrix.
    a : scipy.sparse.csc_matrix
        The same matrix, rows x columns.
    integer : numpy.ndarray
        True for the integer columns.
    """
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    highspy = _highs()
    with PauseGC():
        info = LinearStandardFormCompiler().write(m, mixed_form=True)
    cols = info.columns
    n_col, n_row = len(cols), len(info.rows)
    inf = highspy.kHighsInf
    col_lower = np.array([-inf if v.lb is None else v.lb for v in cols], dtype=float)
    col_upper = np.array([inf if v.ub is None else v.ub for v in cols], dtype=float)
    kinds = np.fromiter((r.bound_type for r in info.rows), dtype=np.int8, count=n_row)
    rhs = np.asarray(info.rhs, dtype=float)
    row_lower = np.where(kinds == 1, -inf, rhs)
    row_upper = np.where(kinds == -1, inf, rhs)
    cost = np.asarray(info.c.toarray()).ravel() if n_col else np.zeros(0)
    a = info.A.tocsc()
    integer = np.fromiter((v.is_integer() for v in cols), dtype=bool, count=n_col)

    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_col, n_row
    lp.col_cost_ = cost
    lp.col_lower_, lp.col_upper_ = col_lower, col_upper
    lp.row_lower_, lp.row_upper_ = row_lower, row_upper
    lp.offset_ = float(info.c_offset[0]) if len(info.c_offset) else 0.0
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data.astype(float)
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n_col, n_row
    if integer.any():
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in integer]

    return cols, lp, a, integer


def _solve_stdform(m: pyo.ConcreteModel, opts: dict[str, Any], plan: BlockPlan | None = None) -> SolveReport:
    highspy = _highs()
    t0 = time.perf_counter()
    cols, lp, a, integer = compile_stdform(m)
    n_col, n_row = lp.num_col_, lp.num_row_

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    for k, v in opts.items():
        if integer.any() and k in ("solver", "simplex_strategy", "run_crossover"):
            continue  # MIP: let HiGHS choose its LP solver for the nodes
        h.setOptionValue(k, v)
    h.passModel(lp)
    handoff_s = time.perf_counter() - t0

    t1 = time.perf_counter()
    extra: dict[str, Any] = {}
    solved = False
    nnz = int(a.nnz)
    basis = None
    if plan is not None and not integer.any():
        basis, extra = _block_basis(highspy, lp, a, cols, len(m.T), plan, opts)
    del lp, a  # HiGHS holds its own copy: free ours before the full solve (peak memory)
    if basis is not None:
        solved = _solve_from_basis(highspy, h, basis, opts, extra, t1)
        del basis
        if not solved:  # back to a cold solve with the caller's settings
            h.clearSolver()
            h.resetOptions()
            h.setOptionValue("output_flag", False)
            for k, v in opts.items():
                h.setOptionValue(k, v)
            h.setOptionValue("time_limit", max(1.0, float(opts.get("time_limit", 3600.0)) - (time.perf_counter() - t1)))
    if not solved:
        h.run()
    solve_s = time.perf_counter() - t1
    raw = h.modelStatusToString(h.getModelStatus())
    status, term = _HIGHS_STATUS.get(raw, (SolveStatus.ERROR, TerminationCondition.UNKNOWN))
    info_h = h.getInfo()
    has_solution = info_h.primal_solution_status == 2  # kSolutionStatusFeasible
    if term in (TerminationCondition.TIME_LIMIT, TerminationCondition.ITERATION_LIMIT) and has_solution:
        status = SolveStatus.FEASIBLE
    objective = None
    if status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
        x = np.asarray(h.getSolution().col_value, dtype=float)
        if integer.any():
            x[integer] = np.round(x[integer])
        for v, val in zip(cols, x, strict=True):
            v.set_value(float(val), skip_validation=True)
        # variables the compiler dropped (no row, no cost) sit at a bound nearest zero
        seen = {id(v) for v in cols}
        for v in m.component_data_objects(pyo.Var, active=True):
            if id(v) not in seen:
                lo, hi = v.lb, v.ub
                v.set_value(min(max(0.0, lo if lo is not None else 0.0), hi if hi is not None else 0.0), skip_validation=True)
        objective = float(h.getInfo().objective_function_value)
    return SolveReport(
        status=status,
        termination=term,
        solver=f"HiGHS {h.version()}",
        interface="stdform",
        algorithm="simplex (block warm start)" if solved else str(opts.get("solver", "choose")),
        objective_usd=objective,
        handoff_s=handoff_s,
        solve_s=solve_s,
        n_variables=n_col,
        n_constraints=n_row,
        n_nonzeros=nnz,
        is_mip=bool(integer.any()),
        simplex_iterations=int(info_h.simplex_iteration_count),
        raw_status=raw,
        extra=extra,
    )


def _block_basis(
    highspy: Any, lp: Any, a: Any, cols: list[Any], n_intervals: int, plan: BlockPlan, opts: dict[str, Any]
) -> tuple[Any, dict[str, Any]]:
    """The block warm start's basis of the full LP (:mod:`optimizer.blocks`), or None with the
    reason in ``extra["fallback"]``. Never raises: the caller then solves cold."""
    from optimizer import blocks

    extra: dict[str, Any] = {"warm_start": "blocks", "block_label": plan.label, "n_blocks": plan.n_blocks, "fallback": ""}
    try:
        col_interval, floors = blocks.scan_columns(cols, n_intervals, plan)
        start = blocks.block_start(highspy, lp, a, col_interval, plan, floors, dict(opts))
        extra.update(blocks_s=start.blocks_s, block_iterations=start.block_iterations,
                     basis_basic_minus_rows=start.n_basic_minus_rows)
        statuses = [highspy.HighsBasisStatus(i) for i in range(5)]
        basis = highspy.HighsBasis()
        basis.col_status = [statuses[i] for i in start.col_status.tolist()]
        basis.row_status = [statuses[i] for i in start.row_status.tolist()]
        basis.valid = True
        basis.alien = True  # HiGHS checks it, completes it and repairs it when singular
    except Exception as exc:  # a block that is infeasible or fails: the cold solve decides
        extra["fallback"] = f"{type(exc).__name__}: {exc}"
        logger.warning("block warm start failed (%s); solving cold", extra["fallback"])
        return None, extra
    return basis, extra


def _solve_from_basis(highspy: Any, h: Any, basis: Any, opts: dict[str, Any], extra: dict[str, Any], t_start: float) -> bool:
    """Run the full LP in ``h`` from ``basis``; True when HiGHS reports Optimal."""
    from optimizer import blocks

    if h.setBasis(basis) != highspy.HighsStatus.kOk:
        extra["fallback"] = "HiGHS rejected the assembled basis"
        logger.warning("block warm start: %s; solving cold", extra["fallback"])
        return False
    for k, v in {**blocks.FINAL_OPTIONS, **_user_overrides(opts)}.items():
        h.setOptionValue(k, v)
    h.setOptionValue("time_limit", max(1.0, float(opts.get("time_limit", 3600.0)) - (time.perf_counter() - t_start)))
    t1 = time.perf_counter()
    h.run()
    extra["final_s"] = time.perf_counter() - t1
    extra["final_iterations"] = int(h.getInfo().simplex_iteration_count)
    raw = h.modelStatusToString(h.getModelStatus())
    if raw != "Optimal":
        extra["fallback"] = f"the final solve from the assembled basis ended with '{raw}'"
        logger.warning("block warm start: %s; solving cold", extra["fallback"])
        return False
    return True


def _user_overrides(opts: dict[str, Any]) -> dict[str, Any]:
    """The caller's explicit simplex settings, which win over the final solve's defaults."""
    return {k: opts[k] for k in ("simplex_strategy", "simplex_dual_edge_weight_strategy") if k in opts}


def _solve_pyomo_interface(m: pyo.ConcreteModel, opts: dict[str, Any], interface: str) -> SolveReport:
    highspy = _highs()
    is_mip = any(v.is_integer() for v in m.component_data_objects(pyo.Var, active=True))
    t0 = time.perf_counter()
    if interface == "lp_file":
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "model.lp"
            m.write(str(path), io_options={"symbolic_solver_labels": False})
            handoff_s = time.perf_counter() - t0
            h = highspy.Highs()
            for k, v in opts.items():
                h.setOptionValue(k, v)
            h.readModel(str(path))
            t1 = time.perf_counter()
            h.run()
            solve_s = time.perf_counter() - t1
        raw = h.modelStatusToString(h.getModelStatus())
        status, term = _HIGHS_STATUS.get(raw, (SolveStatus.ERROR, TerminationCondition.UNKNOWN))
        # LP-file route: used for timing only; values are not mapped back (names are positional)
        return SolveReport(status=status, termination=term, solver="HiGHS", interface=interface,
                           objective_usd=float(h.getInfo().objective_function_value) if status == SolveStatus.OPTIMAL else None,
                           handoff_s=handoff_s, solve_s=solve_s, is_mip=is_mip, raw_status=raw,
                           extra={"values_loaded": False})
    if interface == "appsi":
        from pyomo.contrib.appsi.solvers.highs import Highs as AppsiHighs

        solver = AppsiHighs()
        solver.config.load_solution = False
        solver.highs_options = dict(opts)
        res = solver.solve(m)
        total = time.perf_counter() - t0
        term_s = str(res.termination_condition).split(".")[-1].lower()
        ok = term_s == "optimal"
        if ok:
            res.solution_loader.load_vars()
        status = SolveStatus.OPTIMAL if ok else (SolveStatus.INFEASIBLE if "infeasible" in term_s else SolveStatus.ERROR)
        return SolveReport(status=status, termination=TerminationCondition.OPTIMAL if ok else TerminationCondition.UNKNOWN,
                           solver="HiGHS (appsi)", interface=interface, objective_usd=res.best_feasible_objective if ok else None,
                           handoff_s=total, solve_s=0.0, is_mip=is_mip, raw_status=term_s,
                           extra={"note": "appsi reports one total time; it is in handoff_s"})
    from pyomo.contrib.solver.solvers.highs import Highs as ContribHighs

    solver = ContribHighs()
    res = solver.solve(m, load_solutions=False, raise_exception_on_nonoptimal_result=False, solver_options=dict(opts))
    total = time.perf_counter() - t0
    term_s = str(res.termination_condition).split(".")[-1].lower()
    ok = "optimal" in term_s or term_s == "convergencecriteriasatisfied"
    if ok:
        res.solution_loader.load_vars()
    status = SolveStatus.OPTIMAL if ok else (SolveStatus.INFEASIBLE if "infeasible" in term_s else SolveStatus.ERROR)
    return SolveReport(status=status, termination=TerminationCondition.OPTIMAL if ok else TerminationCondition.UNKNOWN,
                       solver="HiGHS (contrib)", interface=interface, objective_usd=res.incumbent_objective if ok else None,
                       handoff_s=total, solve_s=0.0, is_mip=is_mip, raw_status=term_s,
                       extra={"note": "contrib reports one total time; it is in handoff_s"})
