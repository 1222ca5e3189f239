"""``solve_model``: hand the Pyomo model to HiGHS, follow the plan, load the values, report.

The default route (``interface = "stdform"``) compiles the model to its mixed standard form
(:mod:`optimizer.solver.standard_form`) and passes the sparse matrices to ``highspy`` in one
call (:mod:`optimizer.solver.highs`). What runs then is the :class:`SolvePlan` of
:func:`optimizer.solver.strategy.plan_solve`: a cold solve, or a warm start
(:mod:`optimizer.solver.warmstart`) and the full LP from its basis. ``appsi`` and ``contrib``
go through Pyomo's own HiGHS interfaces (:mod:`optimizer.solver.pyomo_routes`);
``benchmarks/`` measures them on the same LP.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pyomo.core as pyo
from pyomo.common.gc_manager import PauseGC

from optimizer.errors import Issue, SolverUnavailableError
from optimizer.inputs.options import SolverOptions
from optimizer.solver.highs import (
    HighsOutcome,
    OneShot,
    highs_basis,
    highs_instance,
    highs_result,
    import_highspy,
    run_highs,
    run_in_scheduler,
)
from optimizer.solver.released import (
    fill_solution,
    map_large_blocks,
    release_arrays,
    release_variables,
)
from optimizer.solver.standard_form import (
    StandardForm,
    load_values,
    release_model_rows,
    standard_form,
)
from optimizer.solver.status import SolveReport, WarmStartReport
from optimizer.solver.strategy import SolvePlan, WarmPlan, plan_solve
from optimizer.solver.warmstart import blocks, coarse
from optimizer.solver.warmstart.blocks import BlockPlan
from optimizer.solver.warmstart.coarse import CoarsePlan, LevelMap, coarse_maps

logger = logging.getLogger(__name__)

# the block start's column scan: interval of each column and the block-end SOC floors, or the
# exception the scan raised
BlockScan = tuple[np.ndarray, dict[int, list[tuple[int, float]]]] | Exception

_WARM_LABEL = {"blocks": "simplex (block warm start)", "coarse": "simplex (coarse warm start)"}


def solve_model(
    m: pyo.ConcreteModel,
    options: SolverOptions,
    *,
    plan: SolvePlan | None = None,
    while_solving: Callable[[], object] | None = None,
) -> SolveReport:
    """Solve ``m`` with HiGHS, load the solution into its variables and report.

    Never raises for infeasible or unbounded models: the status says so. Any solver-side
    exception becomes :class:`~optimizer.errors.SolverUnavailableError`.

    Parameters
    ----------
    m : pyomo.environ.ConcreteModel
        A model of :func:`optimizer.formulation.build.build_model`.
    options : SolverOptions
        The interface; the HiGHS settings when no ``plan`` is given.
    plan : SolvePlan, optional
        :func:`optimizer.solver.strategy.plan_solve` for the scenario (its warm start, thread
        rule and row release). Without it, a cold solve with the options' HiGHS settings.
    while_solving : callable, optional
        Work for the calling thread during the first HiGHS run of the full LP (the cold solve,
        or a warm start's final solve), on HiGHS's own thread; HiGHS releases the GIL, so it
        runs on the other core. Called at most once, with Python's cyclic garbage collector
        paused; the Pyomo interfaces (appsi, contrib) do not call it. Its exception is raised
        here, unchanged, once the solve is over.

    Returns
    -------
    SolveReport
        Status, objective [USD], timings [s] and how the LP was started.

    Raises
    ------
    SolverUnavailableError
        When HiGHS is missing or the solver fails.
    Exception
        Whatever ``while_solving`` raised, after the solve.
    """
    plan = plan_solve(options) if plan is None else plan
    once = OneShot(while_solving) if while_solving is not None else None
    report = _solve_by_interface(m, options, plan, once)
    if once is not None and once.error is not None:
        raise once.error  # the caller's own failure, not the solver's
    return report


def _solve_by_interface(
    m: pyo.ConcreteModel, options: SolverOptions, plan: SolvePlan, once: OneShot | None
) -> SolveReport:
    try:
        if options.interface == "stdform":
            return _solve_stdform(m, plan, once)
        # Pyomo's own interfaces load pyomo.environ and its plugins (about 0.14 s): only here
        from optimizer.solver.pyomo_routes import solve_pyomo_route

        return solve_pyomo_route(m, plan.highs_options, options.interface)
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


def _solve_stdform(m: pyo.ConcreteModel, plan: SolvePlan, once: OneShot | None) -> SolveReport:
    # no cyclic garbage collection meanwhile: the hand-off and the warm starts make few cycles,
    # and each collection would scan the model's millions of objects (measured at 30 days at
    # 5 min: 0.17 s of collections inside solve_model)
    with PauseGC():
        return _solve_stdform_paused(m, plan, once)


def _solve_stdform_paused(
    m: pyo.ConcreteModel, plan: SolvePlan, once: OneShot | None
) -> SolveReport:
    t0 = time.perf_counter()
    if plan.release_rows_min is not None and _n_rows(m) >= plan.release_rows_min:
        # a large LP: from the compile on, freed big blocks go back to the system at once
        # (peak RSS at a year at 15 min: ~990 MB when set at the release, ~945 MB here)
        map_large_blocks()
    sf = standard_form(m)
    opts = plan.highs_options
    h = highs_instance(sf, opts, offset_usd=sf.offset, integer=sf.integer)
    n_rows = len(sf.rows)
    is_mip = bool(sf.integer.any())
    warm = plan.warm_start if not is_mip else None
    maps = None
    levels = warm if isinstance(warm, CoarsePlan) else getattr(warm, "coarse", None)
    if levels is not None:
        maps = coarse_maps(sf, levels, len(m.T))  # needs the row entries, freed next
    sf.rows = []  # not needed after the hand-off: ~340 MB at a year at 15 min
    released = plan.release_rows_min is not None and n_rows >= plan.release_rows_min and not is_mip
    n_intervals, n_cols, nnz = len(m.T), len(sf.columns), int(sf.a.nnz)
    scan = _scan_blocks(sf, n_intervals, warm) if isinstance(warm, BlockPlan) else None
    if released:
        release_model_rows(m)
        # the variables too (~170 MB at a year at 15 min): the solution comes back as arrays
        release_variables(m, sf.columns)
        sf.columns = []
    handoff_s = time.perf_counter() - t0
    report = WarmStartReport()
    if warm is not None:
        out = _solve_warm(
            h, sf, n_intervals, warm, plan, report, maps, scan, release=released, once=once
        )
    else:
        out = run_highs(h, once)
    if out.x is not None:
        if released:
            fill_solution(m, out.x)
        else:
            load_values(m, sf, out.x)
    started = report.method is not None and not report.fallback
    return SolveReport(
        status=out.status,
        termination=out.termination,
        solver=f"HiGHS {h.version()}",
        interface="stdform",
        algorithm=_WARM_LABEL[report.method] if started else str(opts.get("solver", "choose")),
        objective_usd=out.objective_usd,
        handoff_s=handoff_s,
        solve_s=out.solve_s,
        n_variables=n_cols,
        n_constraints=n_rows,
        n_nonzeros=nnz,
        is_mip=is_mip,
        simplex_iterations=int(h.getInfo().simplex_iteration_count),
        raw_status=out.raw_status,
        rows_released=released,
        warm_start=report,
        rules=plan.rules,
        threads=int(opts.get("threads", 1)),
        mip_gap=_mip_gap(h) if is_mip and out.x is not None else None,
    )


def _n_rows(m: pyo.ConcreteModel) -> int:
    """Constraint rows of ``m`` before the compile (a ranged row counts once) [-]."""
    return sum(len(c) for c in m.component_objects(pyo.Constraint, active=True, descend_into=True))


def _mip_gap(h: Any) -> float:
    """HiGHS's relative MIP gap after a MIP run [-] (0 when the incumbent is proven optimal)."""
    gap = float(h.getInfo().mip_gap)
    return gap if np.isfinite(gap) else float("inf")


def _solve_warm(
    h: Any,
    sf: StandardForm,
    n_intervals: int,
    warm: WarmPlan,
    plan: SolvePlan,
    report: WarmStartReport,
    maps: list[LevelMap] | None = None,
    scan: BlockScan | None = None,
    *,
    release: bool = False,
    once: OneShot | None = None,
) -> HighsOutcome:
    """The block or coarse warm start, then the full LP from its basis; a cold solve of ``h``
    with the plan's options whenever that does not end Optimal. The seconds count the blocks
    or the coarse LPs too [s]. With ``release``, the arrays of ``sf`` (HiGHS has the LP) and
    the warm start's freed memory go before the full LP's solve."""
    t0 = time.perf_counter()
    opts = plan.highs_options
    if isinstance(warm, BlockPlan):
        basis = _block_basis(
            sf, scan or _scan_blocks(sf, n_intervals, warm), warm, plan, report, maps
        )
    else:
        basis = _coarse_basis(sf, warm, maps, plan, report)
    if release:
        release_arrays(sf)
    if basis is not None:
        if _solve_from_basis(h, basis, plan, report, t0, once):
            return highs_result(h)._replace(solve_s=time.perf_counter() - t0)
        h.clearSolver()  # back to a cold solve with the caller's settings
        h.resetOptions()
        h.setOptionValue("output_flag", False)
        for k, v in opts.items():
            h.setOptionValue(k, v)
        h.setOptionValue("time_limit", _time_left(opts, t0))
    return run_highs(h, once)._replace(solve_s=time.perf_counter() - t0)


def _time_left(opts: dict[str, Any], t_start: float) -> float:
    """The plan's time limit less the seconds since ``t_start``, at least 1 s [s]."""
    return max(1.0, float(opts.get("time_limit", 3600.0)) - (time.perf_counter() - t_start))


def _scan_blocks(sf: StandardForm, n_intervals: int, warm: BlockPlan) -> BlockScan:
    """The block start's column scan (:func:`blocks.scan_columns`), or the exception it raised:
    it reads the Pyomo columns, so it runs before they are released."""
    try:
        return blocks.scan_columns(sf.columns, n_intervals, warm)
    except Exception as exc:  # noqa: BLE001 - the block start reports it and the cold solve decides
        return exc


def _block_basis(
    sf: StandardForm,
    scan: BlockScan,
    warm: BlockPlan,
    plan: SolvePlan,
    report: WarmStartReport,
    maps: list[LevelMap] | None = None,
) -> Any:
    """The block warm start's basis of the full LP, or None with the reason in
    ``report.fallback``. Never raises: the caller then solves cold."""
    report.method, report.block_label, report.n_blocks = "blocks", warm.label, warm.n_blocks
    report.fallback = ""

    def make() -> tuple[np.ndarray, np.ndarray]:
        if isinstance(scan, Exception):
            raise scan
        col_interval, floors = scan
        if maps:
            report.block_coarse_label = warm.coarse.label
        start = blocks.block_start(
            sf,
            col_interval,
            warm,
            floors,
            dict(plan.highs_options),
            levels=maps,
            basis_options=plan.basis_options,
        )
        report.blocks_s = start.blocks_s
        report.block_iterations = start.block_iterations
        report.basis_basic_minus_rows = start.n_basic_minus_rows
        return start.col_status, start.row_status

    return _start_basis(make, report)


def _coarse_basis(
    sf: StandardForm,
    warm: CoarsePlan,
    maps: list[LevelMap] | None,
    plan: SolvePlan,
    report: WarmStartReport,
) -> Any:
    """The coarse warm start's basis of the full LP, or None with the reason in
    ``report.fallback``. Never raises: the caller then solves cold."""
    report.method, report.coarse_label, report.fallback = "coarse", warm.label, ""

    def make() -> tuple[np.ndarray, np.ndarray]:
        if maps is None:
            msg = "no coarse maps (a MIP, or the rows were released)"
            raise RuntimeError(msg)
        start = coarse.coarse_start(sf, maps, plan.coarse_options, plan.basis_options)
        report.coarse_s = start.coarse_s
        report.coarse_iterations = start.coarse_iterations
        report.coarse_sizes = start.sizes
        report.basis_basic_minus_rows = start.n_basic_minus_rows
        return start.col_status, start.row_status

    return _start_basis(make, report)


def _start_basis(make: Callable[[], tuple[np.ndarray, np.ndarray]], report: WarmStartReport) -> Any:
    """The basis of ``make()`` (column and row statuses), or None with the reason in
    ``report.fallback`` when it raises (an infeasible block or coarse LP, anything else)."""
    try:
        col_status, row_status = make()
    except Exception as exc:  # noqa: BLE001 - the cold solve decides
        report.fallback = f"{type(exc).__name__}: {exc}"
        logger.warning("%s warm start failed (%s); solving cold", report.method, report.fallback)
        return None
    return highs_basis(col_status, row_status)


def _solve_from_basis(
    h: Any,
    basis: Any,
    plan: SolvePlan,
    report: WarmStartReport,
    t_start: float,
    once: OneShot | None = None,
) -> bool:
    """Run the full LP in ``h`` from ``basis``; True when HiGHS reports Optimal."""
    if h.setBasis(basis) != import_highspy().HighsStatus.kOk:
        report.fallback = "HiGHS rejected the assembled basis"
        logger.warning("%s warm start: %s; solving cold", report.method, report.fallback)
        return False
    for k, v in plan.final_options.items():
        h.setOptionValue(k, v)
    h.setOptionValue("time_limit", _time_left(plan.highs_options, t_start))
    t1 = time.perf_counter()
    run_in_scheduler(h, once)
    report.final_s = time.perf_counter() - t1
    report.final_iterations = int(h.getInfo().simplex_iteration_count)
    raw = h.modelStatusToString(h.getModelStatus())
    if raw != "Optimal":
        report.fallback = f"the final solve from the assembled basis ended with '{raw}'"
        logger.warning("%s warm start: %s; solving cold", report.method, report.fallback)
        return False
    return True
