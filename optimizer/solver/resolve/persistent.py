"""The Pyomo persistent route of re-solves: Pyomo's persistent HiGHS interface keeps the model.

Used when the direct route's affine map (:mod:`optimizer.solver.resolve.affine`) does not hold
(or when asked for, ``WarmSolver(route="persistent")``). Between scenarios of one structure
only Params and variable bounds change, so the interface's structural scans are switched off
and it passes only what changed to the HiGHS instance it keeps, which keeps its basis.
"""

from __future__ import annotations

import time
from typing import Any

import pyomo.core as pyo
from pyomo.contrib.solver.solvers.highs import Highs as ContribHighs

from optimizer.solver.highs import FD_LOCK, import_highspy, on_solve_thread
from optimizer.solver.pyomo_routes import termination_text
from optimizer.solver.status import SolveReport, SolveStatus, WarmStartReport, pyomo_status


def persistent_highs() -> Any:
    """Pyomo's persistent HiGHS interface, its structural scans off.

    Returns
    -------
    pyomo.contrib.solver.solvers.highs.Highs
        A new interface, not yet holding a model.
    """
    import_highspy()  # silences the banner once per process
    solver = ContribHighs()
    au = solver.config.auto_updates
    # only Params and variable bounds change between warm solves: skip the structural scans
    au.check_for_new_or_removed_constraints = False
    au.check_for_new_or_removed_vars = False
    au.check_for_new_or_removed_params = False
    au.check_for_new_objective = False
    au.update_constraints = False
    au.update_named_expressions = False
    return solver


def solve_persistent(
    solver: Any, m: pyo.ConcreteModel, opts: dict[str, Any], *, warm: bool
) -> SolveReport:
    """Solve ``m`` (its Params refreshed) on the persistent interface ``solver``; load the values.

    Parameters
    ----------
    solver : pyomo.contrib.solver.solvers.highs.Highs
        From :func:`persistent_highs`, holding ``m`` after the first solve.
    m : pyomo.environ.ConcreteModel
        A mutable build.
    opts : dict
        HiGHS options (:func:`optimizer.solver.strategy.highs_options`).
    warm : bool
        The model was kept from an earlier scenario.

    Returns
    -------
    SolveReport
        Update and solve timed together in ``solve_s`` [s].
    """
    opts = {k: v for k, v in opts.items() if k != "output_flag"}
    t0 = time.perf_counter()
    with FD_LOCK:  # Pyomo's persistent interface redirects stdout/stderr descriptors
        res = on_solve_thread(
            lambda: solver.solve(
                m,
                solver_options=opts,
                load_solutions=False,
                raise_exception_on_nonoptimal_result=False,
            ),
            int(opts.get("threads", 1)),
        )
    total_s = time.perf_counter() - t0
    term = termination_text(res)
    status, termination = pyomo_status(term)
    ok = status == SolveStatus.OPTIMAL
    if ok:
        res.solution_loader.load_vars()
    highs = getattr(solver, "_solver_model", None)
    iterations = int(highs.getInfo().simplex_iteration_count) if highs is not None else 0
    objective = res.incumbent_objective
    return SolveReport(
        status=status,
        termination=termination,
        solver="HiGHS (persistent)",
        interface="persistent",
        algorithm=str(opts.get("solver", "choose")),
        objective_usd=float(objective) if ok and objective is not None else None,
        handoff_s=0.0,
        solve_s=total_s,
        simplex_iterations=iterations,
        raw_status=term,
        warm_start=WarmStartReport(
            warm=warm, note="persistent route: update and solve are timed together in solve_s"
        ),
    )
