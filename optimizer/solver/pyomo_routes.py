"""The comparison routes through Pyomo's own HiGHS interfaces (``appsi``, ``contrib``).

``SolverOptions.interface`` picks one; the default ``stdform`` route
(:mod:`optimizer.solver.solve`) is faster, and ``benchmarks/bench_routes.py`` measures all
three on the same LP. Both routes report one total time, which goes in ``handoff_s``.
"""

from __future__ import annotations

import time
from typing import Any

import pyomo.environ as pyo
from pyomo.contrib.appsi.solvers.highs import Highs as AppsiHighs
from pyomo.contrib.solver.solvers.highs import Highs as ContribHighs

from optimizer.solver.highs import import_highspy, on_solve_thread
from optimizer.solver.status import SolveReport, SolveStatus, WarmStartReport, pyomo_status


def termination_text(results: Any) -> str:
    """The last part of ``results.termination_condition``, lower case (``"optimal"``).

    Parameters
    ----------
    results : Pyomo results
        What a Pyomo solver interface returned.

    Returns
    -------
    str
        E.g. ``"convergencecriteriasatisfied"``.
    """
    return str(results.termination_condition).split(".")[-1].lower()


def solve_pyomo_route(m: pyo.ConcreteModel, opts: dict[str, Any], interface: str) -> SolveReport:
    """Solve ``m`` through Pyomo's ``appsi`` or ``contrib`` HiGHS interface and load the values.

    Parameters
    ----------
    m : pyomo.environ.ConcreteModel
        The model.
    opts : dict
        HiGHS options (:func:`optimizer.solver.strategy.highs_options`).
    interface : {"appsi", "contrib"}
        The route.

    Returns
    -------
    SolveReport
        Status, objective [USD] and the total seconds in ``handoff_s`` [s].
    """
    import_highspy()  # silences the banner once per process
    is_mip = any(v.is_integer() for v in m.component_data_objects(pyo.Var, active=True))
    t0 = time.perf_counter()
    if interface == "appsi":
        solver = AppsiHighs()
        solver.config.load_solution = False
        solver.highs_options = dict(opts)
        res = on_solve_thread(lambda: solver.solve(m), int(opts.get("threads", 1)))
        objective = res.best_feasible_objective
    else:
        solver = ContribHighs()
        res = on_solve_thread(
            lambda: solver.solve(
                m,
                load_solutions=False,
                raise_exception_on_nonoptimal_result=False,
                solver_options=dict(opts),
            ),
            int(opts.get("threads", 1)),
        )
        objective = res.incumbent_objective
    total_s = time.perf_counter() - t0
    term = termination_text(res)
    status, termination = pyomo_status(term)
    ok = status == SolveStatus.OPTIMAL
    if ok:
        res.solution_loader.load_vars()
    return SolveReport(
        status=status,
        termination=termination,
        solver=f"HiGHS ({interface})",
        interface=interface,
        objective_usd=objective if ok else None,
        handoff_s=total_s,
        solve_s=0.0,
        is_mip=is_mip,
        raw_status=term,
        warm_start=WarmStartReport(note=f"{interface} reports one total time; it is in handoff_s"),
    )
