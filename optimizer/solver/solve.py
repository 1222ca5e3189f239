"""Hand the Pyomo model to HiGHS and map every outcome onto our enums and errors.

The default route (``interface = "stdform"``) compiles the model to its mixed standard form
(equality, <= and >= rows kept as such) and passes the sparse matrices to ``highspy`` in one
call. The compile is :func:`optimizer.solver.linear_compile.compile_linear`, which reads the model's
linear rows in one pass and gives exactly what Pyomo's ``LinearStandardFormCompiler`` gives,
two to three times as fast; a model outside its fast path (a fixed variable, a ranged row)
goes through Pyomo's compiler. ``appsi``, ``contrib`` and
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
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import scipy.sparse  # noqa: F401 - Pyomo's standard-form compiler imports it lazily; pay it at import, not in the hand-off timer
from pyomo.common.gc_manager import PauseGC
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from optimizer.errors import Issue, SolverUnavailableError
from optimizer.inputs.options import SolverOptions
from optimizer.solver.linear_compile import NotCompiled, compile_linear
from optimizer.solver.warmstart import blocks, coarse
from optimizer.solver.warmstart.blocks import BlockPlan, plan_blocks
from optimizer.solver.warmstart.coarse import (
    CoarsePlan,
    LevelMap,
    coarse_maps,
    measured_gain,
    plan_coarse,
)

WarmPlan = BlockPlan | CoarsePlan  # how a stdform solve starts (optimizer.solver.warmstart.blocks, optimizer.solver.warmstart.coarse)

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
        "threads": 1 if options.threads is None else int(options.threads),  # 0: HiGHS chooses
    }
    if options.algorithm == "simplex":
        opts["solver"] = "simplex"
        opts["simplex_strategy"] = 1  # dual
        opts["simplex_dual_edge_weight_strategy"] = 1  # devex
    elif options.algorithm == "ipm":
        opts["solver"] = "ipm"
        opts["run_crossover"] = "on"  # a vertex, exactly like simplex
    opts.update(options.highs_options)
    return opts


def _parallel_dual(options: SolverOptions, n_intervals: int, interval_min: int) -> bool:
    """The measured thread rule of :class:`SolverOptions` (``threads = None``): parallel dual
    simplex on 2 threads for a long cold LP at 5-15 min steps on a machine with 2+ cores."""
    from optimizer.inputs.options import PARALLEL_MIN_INTERVALS

    return (
        options.threads is None
        and options.algorithm == "auto"
        and "simplex_strategy" not in options.highs_options
        and "threads" not in options.highs_options
        and 5 <= interval_min <= 15
        and n_intervals >= PARALLEL_MIN_INTERVALS
        and (os.cpu_count() or 1) >= 2
    )


def cold_highs_options(options: SolverOptions, n_intervals: int, interval_min: int) -> dict[str, Any]:
    """The HiGHS options of a cold solve of ``n_intervals`` intervals: :func:`_highs_options`
    plus the measured thread rule (:func:`_parallel_dual`)."""
    opts = _highs_options(options, interval_min)
    if _parallel_dual(options, n_intervals, interval_min):
        opts.update(simplex_strategy=3, threads=2)
    return opts


def solve_model(
    m: pyo.ConcreteModel,
    options: SolverOptions,
    *,
    interval_min: int = 60,
    index: pd.DatetimeIndex | None = None,
    release_rows: bool = False,
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
        :mod:`optimizer.solver.warmstart.blocks`) cuts the horizon into calendar months of this index; without
        it the LP is solved cold.
    release_rows : bool
        With the stdform route, drop the model's constraints, objective and expressions once
        HiGHS holds the LP and the LP has at least :data:`RELEASE_ROWS_MIN` rows, so that their
        memory is free while HiGHS solves (a year at 15 min: several hundred MB). The variables
        stay and receive the solution; a caller that needs the rows again (the exclusivity
        re-solve) rebuilds the model (``m._rows_released`` is True).
    """
    opts = _highs_options(options, interval_min)
    try:
        if options.interface == "stdform":
            plan = _warm_plan(m, options, index, interval_min)
            if plan is None and index is not None:
                opts = cold_highs_options(options, len(index), interval_min)
            return _solve_stdform(m, opts, plan, release_rows=release_rows)
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


def _warm_plan(m: pyo.ConcreteModel, options: SolverOptions, index: pd.DatetimeIndex | None, interval_min: int) -> WarmPlan | None:
    """The warm start of ``options.warm_start`` for this horizon, or None for a cold solve:
    calendar-month blocks (:mod:`optimizer.solver.warmstart.blocks`) or a coarse LP (:mod:`optimizer.solver.warmstart.coarse`);
    ``"auto"`` tries the blocks first."""
    if options.warm_start == "none" or index is None:
        return None

    data = getattr(m, "_data", None)
    engine = data is not None and data.tariff is not None
    plan: WarmPlan | None = None
    if options.warm_start in ("blocks", "auto"):
        floors = {} if data is None else {g.name: g.initial_soc_mwh for g in data.groups}
        plan = plan_blocks(index, floors, options.warm_start)
        if plan is not None and measured_gain(interval_min, tariff_engine=engine):  # each month from its coarse start
            plan.coarse = plan_coarse(index, interval_min, "coarse")
    if plan is None and options.warm_start in ("coarse", "auto"):
        plan = plan_coarse(index, interval_min, options.warm_start, tariff_engine=engine)
    return plan


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


@dataclass
class StandardForm:
    """The LP of a Pyomo model as arrays (mixed form, as Pyomo's ``LinearStandardFormCompiler``).

    Attributes
    ----------
    columns : list
        The Pyomo variables, in column order.
    rows : list
        ``RowEntry(constraint, bound_type)`` in row order (1: ``<=``, -1: ``>=``, 0: ``=``).
    cost, col_lower, col_upper, row_lower, row_upper : numpy.ndarray
        Objective coefficients and bounds (``inf`` where unbounded).
    a : scipy.sparse.csc_matrix
        The constraint matrix.
    offset : float
        The objective's constant [USD].
    integer : numpy.ndarray
        True for integer columns.
    """

    columns: list[Any]
    rows: list[Any]
    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    a: Any
    offset: float
    integer: np.ndarray
    dropped: list[Any] | None = None  # variables in no row and not in the objective (found on first load)


def standard_form(m: pyo.ConcreteModel) -> StandardForm:
    """Compile ``m`` to arrays (no solver involved)."""

    inf = np.inf
    with PauseGC():
        try:
            info: Any = compile_linear(m)  # the same LP as Pyomo's compiler, faster
        except NotCompiled as exc:
            logger.debug("Pyomo's standard-form compiler: %s", exc)
            info = LinearStandardFormCompiler().write(m, mixed_form=True)
    cols = info.columns
    n_col, n_row = len(cols), len(info.rows)
    bounds = np.array([v.bounds for v in cols], dtype=float).reshape(len(cols), 2)  # None -> nan
    col_lower = np.where(np.isnan(bounds[:, 0]), -inf, bounds[:, 0])
    col_upper = np.where(np.isnan(bounds[:, 1]), inf, bounds[:, 1])
    kinds = np.fromiter((r.bound_type for r in info.rows), dtype=np.int8, count=n_row)
    rhs = np.asarray(info.rhs, dtype=float)
    return StandardForm(
        columns=list(cols),
        rows=list(info.rows),
        cost=np.asarray(info.c.toarray()).ravel() if n_col else np.zeros(0),
        col_lower=col_lower,
        col_upper=col_upper,
        row_lower=np.where(kinds == 1, -inf, rhs),
        row_upper=np.where(kinds == -1, inf, rhs),
        a=info.A.tocsc(),
        offset=float(info.c_offset[0]) if len(info.c_offset) else 0.0,
        integer=np.fromiter((v.is_integer() for v in cols), dtype=bool, count=n_col),
    )


def highs_instance(sf: StandardForm, opts: dict[str, Any]) -> Any:
    """A new ``highspy.Highs`` holding ``sf`` with ``opts`` set (LP options skipped for a MIP)."""
    highspy = _highs()
    lp = coarse.highs_lp(highspy, sf)
    lp.offset_ = sf.offset
    is_mip = bool(sf.integer.any())
    if is_mip:
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in sf.integer]
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    for k, v in opts.items():
        if is_mip and k in ("solver", "simplex_strategy", "run_crossover"):
            continue  # MIP: let HiGHS choose its LP solver for the nodes
        h.setOptionValue(k, v)
    h.passModel(lp)
    return h


def run_in_scheduler(h: Any) -> None:
    """``h.run()`` where HiGHS's thread scheduler allows it.

    HiGHS keeps one task scheduler per calling OS thread, sized by the ``threads`` option of
    the first solve on that thread; a later solve asking for another count ends with status
    'Not Set'. A solve with ``threads`` other than 1 therefore runs on a fresh thread (its
    scheduler is created for it and shut down when it ends); one-thread solves, the default,
    run where they are called."""
    threads = h.getOptionValue("threads")
    if isinstance(threads, tuple):  # highspy returns (status, value)
        threads = threads[-1]
    if int(threads) == 1:
        h.run()
        return
    failure: list[BaseException] = []

    def _go() -> None:
        try:
            h.run()
        except BaseException as exc:  # noqa: BLE001 - re-raised on the calling thread
            failure.append(exc)

    worker = threading.Thread(target=_go, name="highs-solve", daemon=True)
    worker.start()
    worker.join()
    if failure:
        raise failure[0]


def run_highs(h: Any) -> tuple[SolveStatus, TerminationCondition, str, np.ndarray | None, float | None, float]:
    """``h.run()``; return status, termination, HiGHS's status text, the primal values (None
    without a solution), the objective [USD] and the solve seconds [s]."""
    t1 = time.perf_counter()
    run_in_scheduler(h)
    solve_s = time.perf_counter() - t1
    raw = h.modelStatusToString(h.getModelStatus())
    status, term = _HIGHS_STATUS.get(raw, (SolveStatus.ERROR, TerminationCondition.UNKNOWN))
    info_h = h.getInfo()
    has_solution = info_h.primal_solution_status == 2  # kSolutionStatusFeasible
    if term in (TerminationCondition.TIME_LIMIT, TerminationCondition.ITERATION_LIMIT) and has_solution:
        status = SolveStatus.FEASIBLE
    if status not in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
        return status, term, raw, None, None, solve_s
    x = np.asarray(h.getSolution().col_value, dtype=float)
    return status, term, raw, x, float(info_h.objective_function_value), solve_s


def load_values(m: pyo.ConcreteModel, sf: StandardForm, x: np.ndarray) -> None:
    """Put the column values ``x`` into the model's variables; variables the compiler dropped
    (no row, no cost) sit at the bound nearest zero."""
    if sf.integer.any():
        x = x.copy()
        x[sf.integer] = np.round(x[sf.integer])
    for v, val in zip(sf.columns, x.tolist(), strict=True):
        v.set_value(val, skip_validation=True)
    if sf.dropped is None:
        seen = {id(v) for v in sf.columns}
        sf.dropped = [v for v in m.component_data_objects(pyo.Var, active=True) if id(v) not in seen]
    for v in sf.dropped:
        lo, hi = v.lb, v.ub
        v.set_value(min(max(0.0, lo if lo is not None else 0.0), hi if hi is not None else 0.0), skip_validation=True)


# LPs at least this large release their Pyomo rows during the solve (``solve_model(release_rows=True)``) [-]
RELEASE_ROWS_MIN = 200_000


def release_model_rows(m: pyo.ConcreteModel) -> None:
    """Delete every Constraint, Objective and Expression of ``m`` (keep Vars, Sets, Params) and
    hand the freed memory back to the operating system; sets ``m._rows_released``."""
    import gc

    for comp in list(m.component_objects((pyo.Constraint, pyo.Objective, pyo.Expression), descend_into=True)):
        comp.parent_block().del_component(comp)
    object.__setattr__(m, "_rows_released", True)
    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: the memory is still free for reuse in-process
        pass


def _solve_stdform(m: pyo.ConcreteModel, opts: dict[str, Any], plan: WarmPlan | None = None, *, release_rows: bool = False) -> SolveReport:
    # no cyclic garbage collection meanwhile: the hand-off and the warm starts make few cycles,
    # and each collection would scan the model's millions of objects (measured at 30 days at
    # 5 min: 0.17 s of collections inside solve_model)
    with PauseGC():
        return _solve_stdform_paused(m, opts, plan, release_rows=release_rows)


def _solve_stdform_paused(m: pyo.ConcreteModel, opts: dict[str, Any], plan: WarmPlan | None, *, release_rows: bool) -> SolveReport:
    t0 = time.perf_counter()
    sf = standard_form(m)
    h = highs_instance(sf, opts)
    n_rows = len(sf.rows)
    maps = None
    levels = plan if isinstance(plan, CoarsePlan) else getattr(plan, "coarse", None)
    if levels is not None and not sf.integer.any():
        maps = coarse_maps(sf, levels, len(m.T))  # needs the row entries, freed next
    sf.rows = []  # Pyomo's row entries are not needed after the hand-off: ~340 MB at a year at 15 min
    if release_rows and n_rows >= RELEASE_ROWS_MIN and not sf.integer.any():
        release_model_rows(m)
    handoff_s = time.perf_counter() - t0
    extra: dict[str, Any] = {}
    if plan is not None and not sf.integer.any():
        status, term, raw, x, objective, solve_s = _solve_warm(h, sf, len(m.T), plan, opts, extra, maps)
    else:
        status, term, raw, x, objective, solve_s = run_highs(h)
    if x is not None:
        load_values(m, sf, x)
    return SolveReport(
        status=status,
        termination=term,
        solver=f"HiGHS {h.version()}",
        interface="stdform",
        algorithm=_WARM_LABEL[extra["warm_start"]] if extra and not extra["fallback"] else str(opts.get("solver", "choose")),
        objective_usd=objective,
        handoff_s=handoff_s,
        solve_s=solve_s,
        n_variables=len(sf.columns),
        n_constraints=n_rows,
        n_nonzeros=int(sf.a.nnz),
        is_mip=bool(sf.integer.any()),
        simplex_iterations=int(h.getInfo().simplex_iteration_count),
        raw_status=raw,
        extra=extra,
    )


_WARM_LABEL = {"blocks": "simplex (block warm start)", "coarse": "simplex (coarse warm start)"}


def _solve_warm(
    h: Any,
    sf: StandardForm,
    n_intervals: int,
    plan: WarmPlan,
    opts: dict[str, Any],
    extra: dict[str, Any],
    maps: list[LevelMap] | None = None,
) -> tuple[SolveStatus, TerminationCondition, str, np.ndarray | None, float | None, float]:
    """The block (:mod:`optimizer.solver.warmstart.blocks`) or coarse (:mod:`optimizer.solver.warmstart.coarse`) warm start, then
    the full LP from its basis; a cold solve of ``h`` with the caller's ``opts`` whenever that
    does not end Optimal. Returns what :func:`run_highs` returns, the seconds counting the
    blocks or the coarse LP too [s]."""

    t0 = time.perf_counter()
    if isinstance(plan, BlockPlan):
        basis = _block_basis(sf, n_intervals, plan, opts, extra, maps)
    else:
        basis = _coarse_basis(sf, plan, maps, opts, extra)
    if basis is not None:
        if _solve_from_basis(h, basis, opts, extra, t0):
            status, term, raw, x, objective, _ = _result(h)
            return status, term, raw, x, objective, time.perf_counter() - t0
        h.clearSolver()  # back to a cold solve with the caller's settings
        h.resetOptions()
        h.setOptionValue("output_flag", False)
        for k, v in opts.items():
            h.setOptionValue(k, v)
        h.setOptionValue("time_limit", max(1.0, float(opts.get("time_limit", 3600.0)) - (time.perf_counter() - t0)))
    status, term, raw, x, objective, _ = run_highs(h)
    return status, term, raw, x, objective, time.perf_counter() - t0


def _result(h: Any) -> tuple[SolveStatus, TerminationCondition, str, np.ndarray | None, float | None, float]:
    """What :func:`run_highs` returns, for an instance that has already run (0 s)."""
    raw = h.modelStatusToString(h.getModelStatus())
    status, term = _HIGHS_STATUS.get(raw, (SolveStatus.ERROR, TerminationCondition.UNKNOWN))
    info_h = h.getInfo()
    x = np.asarray(h.getSolution().col_value, dtype=float)
    return status, term, raw, x, float(info_h.objective_function_value), 0.0


def _block_basis(
    sf: StandardForm, n_intervals: int, plan: BlockPlan, opts: dict[str, Any], extra: dict[str, Any], maps: list[LevelMap] | None = None
) -> Any:
    """The block warm start's basis of the full LP (:mod:`optimizer.solver.warmstart.blocks`), or None with the
    reason in ``extra["fallback"]``. Never raises: the caller then solves cold."""
    highspy = _highs()
    extra.update(warm_start="blocks", block_label=plan.label, n_blocks=plan.n_blocks, fallback="")

    def make() -> tuple[np.ndarray, np.ndarray]:
        col_interval, floors = blocks.scan_columns(sf.columns, n_intervals, plan)
        if maps:
            extra["block_coarse_label"] = plan.coarse.label
        start = blocks.block_start(highspy, sf, col_interval, plan, floors, dict(opts), maps, lambda c, r: _highs_basis(highspy, c, r))
        extra.update(blocks_s=start.blocks_s, block_iterations=start.block_iterations,
                     basis_basic_minus_rows=start.n_basic_minus_rows)
        return start.col_status, start.row_status

    return _start_basis(highspy, make, extra)


def _coarse_basis(
    sf: StandardForm, plan: CoarsePlan, maps: list[LevelMap] | None, opts: dict[str, Any], extra: dict[str, Any]
) -> Any:
    """The coarse warm start's basis of the full LP (:mod:`optimizer.solver.warmstart.coarse`), or None with the
    reason in ``extra["fallback"]``. Never raises: the caller then solves cold."""
    highspy = _highs()
    extra.update(warm_start="coarse", coarse_label=plan.label, fallback="")

    def make() -> tuple[np.ndarray, np.ndarray]:
        if maps is None:
            msg = "no coarse maps (a MIP, or the rows were released)"
            raise RuntimeError(msg)
        coarse_opts = {**opts, "threads": 1}  # one thread, HiGHS's own choice of simplex
        coarse_opts.pop("simplex_strategy", None)
        start = coarse.coarse_start(highspy, sf, maps, coarse_opts, blocks.FINAL_OPTIONS, lambda c, r: _highs_basis(highspy, c, r))
        extra.update(coarse_s=start.coarse_s, coarse_iterations=start.coarse_iterations,
                     coarse_sizes=start.sizes, basis_basic_minus_rows=start.n_basic_minus_rows)
        return start.col_status, start.row_status

    return _start_basis(highspy, make, extra)


def _start_basis(highspy: Any, make: Any, extra: dict[str, Any]) -> Any:
    """The basis of ``make()`` (column and row statuses), or None with the reason in
    ``extra["fallback"]`` when it raises (an infeasible block or coarse LP, anything else)."""
    try:
        col_status, row_status = make()
    except Exception as exc:  # the cold solve decides
        extra["fallback"] = f"{type(exc).__name__}: {exc}"
        logger.warning("%s warm start failed (%s); solving cold", extra["warm_start"], extra["fallback"])
        return None
    return _highs_basis(highspy, col_status, row_status)


def _highs_basis(highspy: Any, col_status: np.ndarray, row_status: np.ndarray) -> Any:
    """An alien ``HighsBasis`` of the statuses: HiGHS checks it, completes it and repairs it."""
    statuses = [highspy.HighsBasisStatus(i) for i in range(5)]
    basis = highspy.HighsBasis()
    basis.col_status = [statuses[i] for i in col_status.tolist()]
    basis.row_status = [statuses[i] for i in row_status.tolist()]
    basis.valid = True
    basis.alien = True
    return basis


def _solve_from_basis(h: Any, basis: Any, opts: dict[str, Any], extra: dict[str, Any], t_start: float) -> bool:
    """Run the full LP in ``h`` from ``basis``; True when HiGHS reports Optimal."""

    highspy = _highs()
    if h.setBasis(basis) != highspy.HighsStatus.kOk:
        extra["fallback"] = "HiGHS rejected the assembled basis"
        logger.warning("%s warm start: %s; solving cold", extra["warm_start"], extra["fallback"])
        return False
    for k, v in {**blocks.FINAL_OPTIONS, **_user_overrides(opts)}.items():
        h.setOptionValue(k, v)
    h.setOptionValue("time_limit", max(1.0, float(opts.get("time_limit", 3600.0)) - (time.perf_counter() - t_start)))
    t1 = time.perf_counter()
    run_in_scheduler(h)
    extra["final_s"] = time.perf_counter() - t1
    extra["final_iterations"] = int(h.getInfo().simplex_iteration_count)
    raw = h.modelStatusToString(h.getModelStatus())
    if raw != "Optimal":
        extra["fallback"] = f"the final solve from the assembled basis ended with '{raw}'"
        logger.warning("%s warm start: %s; solving cold", extra["warm_start"], extra["fallback"])
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
            run_in_scheduler(h)
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
