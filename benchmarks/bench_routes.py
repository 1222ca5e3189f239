#!/usr/bin/env python
"""Time every route from scenario arrays to a solved dispatch LP, on the same data and options.

Routes (each measured in a fresh subprocess, so import state and peak RSS are per route):

* ``stdform`` - the project's default: ``build_model`` then ``solve_model`` with
  ``interface="stdform"`` (Pyomo ``LinearStandardFormCompiler`` -> ``highspy.passModel``).
* ``appsi``, ``contrib`` - the same Pyomo model through Pyomo's own HiGHS interfaces.
* ``raw`` - the floor: ``tests/reference_lp.build_reference_lp`` (numpy/scipy CSC) -> ``HighsLp``
  -> ``passModel`` -> ``run``; no modelling layer at all.
* ``linopy`` - the peer: ``benchmarks/linopy_model.py`` (same maths as the reference) solved with
  ``Model.solve(solver_name="highs", io_api="direct")``. Skipped when linopy is not installed.

All routes use the HiGHS options of ``optimizer.solver.strategy.highs_options`` for the scenario's
``SolverOptions`` (dual simplex + devex at >= 15 min, IPM + crossover below 15 min), and every
optimal objective is checked against the raw floor (the project objective minus its constant fixed
charge) to 1e-6 relative.

Usage::

    python benchmarks/bench_routes.py                                  # every size, 3 repeats
    python benchmarks/bench_routes.py --sizes day-5min month-15min --repeats 1
    python benchmarks/bench_routes.py --repeats-year15 1               # cap the slow size

Writes ``benchmarks/RESULTS-families-1-7.md`` (``--out``; RESULTS.md is now the full-LP benchmark of ``bench_full.py``) and ``benchmarks/results.json`` (``--json``).
See ``benchmarks/README.md`` for the meaning of every column.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
TESTS_DIR = REPO / "tests"

SIZES: dict[str, dict[str, Any]] = {
    "day-5min": {
        "label": "1 day at 5 min (2021-02-15)",
        "start": "2021-02-15T00:00",
        "end": "2021-02-16T00:00",
        "interval_min": 5,
    },
    "week-5min": {
        "label": "1 week at 5 min (2021-02-15 to 2021-02-22)",
        "start": "2021-02-15T00:00",
        "end": "2021-02-22T00:00",
        "interval_min": 5,
    },
    "month-15min": {
        "label": "1 month at 15 min (February 2021)",
        "start": "2021-02-01T00:00",
        "end": "2021-03-01T00:00",
        "interval_min": 15,
    },
    "year-60min": {"label": "1 year at 1 h (2021)", "start": None, "end": None, "interval_min": 60},
    "year-15min": {
        "label": "1 year at 15 min (2021)",
        "start": None,
        "end": None,
        "interval_min": 15,
    },
}
ROUTES = ["stdform", "appsi", "contrib", "raw", "linopy"]
PYOMO_ROUTES = {"stdform", "appsi", "contrib"}
SLOW_SIZE = "year-15min"
RTOL = 1e-6
TIME_COLS = ("build_s", "handoff_s", "solve_s", "post_s", "total_s")


# ============================================================================ shared helpers
def _load(size: str):
    """The built-in ``year-2021`` scenario cut to ``size`` (naive datetimes are local time)."""
    from optimizer.io import load_scenario

    spec = SIZES[size]
    kw: dict[str, Any] = {"interval_min": spec["interval_min"]}
    if spec["start"]:
        kw["start"] = dt.datetime.fromisoformat(spec["start"])
        kw["end"] = dt.datetime.fromisoformat(spec["end"])
    return load_scenario("year-2021", **kw)


def reference_groups(scenario) -> list[dict]:
    """Per-unit battery fields for ``tests/reference_lp`` (it takes aux load per unit)."""
    groups = []
    for g in scenario.site.battery_groups:
        u = g.unit
        groups.append(
            {
                "n_units": g.n_units,
                "power_charge_max_mw": u.power_charge_max_mw,
                "power_discharge_max_mw": u.power_discharge_max_mw,
                "energy_capacity_mwh": u.energy_capacity_mwh,
                "charge_efficiency_frac": u.charge_efficiency_frac,
                "discharge_efficiency_frac": u.discharge_efficiency_frac,
                "soc_min_frac": u.soc_min_frac,
                "soc_max_frac": u.soc_max_frac,
                "initial_soc_frac": g.initial_soc_frac,
                "final_soc_min_frac": g.initial_soc_frac
                if g.final_soc_min_frac is None
                else g.final_soc_min_frac,
                "self_discharge_frac_per_h": u.self_discharge_frac_per_h,
                "aux_load_mw": u.aux_load_mw,
                "degradation_cost_usd_per_mwh": u.degradation_cost_usd_per_mwh,
                "availability_frac": g.availability_frac,
            }
        )
    return groups


def _read_inputs(npz_path: str) -> dict[str, Any]:
    import numpy as np

    z = np.load(npz_path)
    meta = json.loads(Path(npz_path).with_suffix(".json").read_text())
    return {
        "load_mw": z["load_mw"],
        "price_usd_per_mwh": z["price_usd_per_mwh"],
        "export_price_usd_per_mwh": z["export_price_usd_per_mwh"],
        "import_limit_mw": z["import_limit_mw"],
        "export_limit_mw": z["export_limit_mw"],
        "interval_h": meta["interval_h"],
        "demand_window": z["demand_window"],
        "demand_rate_usd_per_mw": z["demand_rate_usd_per_mw"],
        "groups": meta["groups"],
    }


class RunClock:
    """Wraps ``highspy.Highs.run`` to record when HiGHS starts and stops solving.

    Used for the routes that do not report their own split (appsi, contrib, linopy): hand-off is
    the time from the call to the first ``run``, solve is the time inside ``run``, post is the rest.
    """

    def __init__(self) -> None:
        import highspy

        self.start: float | None = None
        self.end: float | None = None
        self.inside = 0.0
        self.calls = 0
        orig = highspy.Highs.run
        clock = self

        def run(h, *a, **k):
            t = time.perf_counter()
            if clock.start is None:
                clock.start = t
            try:
                return orig(h, *a, **k)
            finally:
                clock.end = time.perf_counter()
                clock.inside += clock.end - t
                clock.calls += 1

        highspy.Highs.run = run


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


# ============================================================================ child processes
def child_pyomo(route: str, size: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    import highspy  # noqa: F401
    import pyomo.environ  # noqa: F401
    import scipy.sparse  # noqa: F401  (also runs Pyomo's deferred-import hook for scipy)

    from optimizer.formulation.build import build_model
    from optimizer.formulation.model_data import ModelData
    from optimizer.solver.solve import solve_model
    from optimizer.solver.strategy import highs_options

    if route == "appsi":
        import pyomo.contrib.appsi.solvers.highs  # noqa: F401
    elif route == "contrib":
        import pyomo.contrib.solver.solvers.highs  # noqa: F401
    import_s = time.perf_counter() - t0

    sc = _load(size)
    t = time.perf_counter()
    data = ModelData.from_scenario(sc)
    data_s = time.perf_counter() - t
    options = sc.options.model_copy(update={"interface": route})

    t = time.perf_counter()
    m = build_model(sc, data)
    build_s = time.perf_counter() - t

    stash: dict[str, Any] = {}
    if route == "contrib":
        # keep Pyomo's results object: solve_model does not return it, and (see README) its
        # status mapping misses Pyomo's `convergenceCriteriaSatisfied`
        from pyomo.contrib.solver.solvers.highs import Highs as ContribHighs

        orig_solve = ContribHighs.solve

        def solve(self, *a, **k):
            stash["res"] = orig_solve(self, *a, **k)
            return stash["res"]

        ContribHighs.solve = solve

    clock = RunClock()
    t_call = time.perf_counter()
    rep = solve_model(m, options)
    t_done = time.perf_counter()
    wall = t_done - t_call
    if route == "stdform":
        handoff_s, solve_s = rep.handoff_s, rep.solve_s
    else:
        handoff_s = (clock.start or t_done) - t_call
        solve_s = clock.inside
    post_s = wall - handoff_s - solve_s
    obj = None if rep.objective_usd is None else rep.objective_usd - data.fixed_usd
    extra: dict[str, Any] = {"report_status": str(rep.status), "report_raw_status": rep.raw_status}
    if rep.objective_usd is None and "res" in stash:
        res = stash["res"]
        extra["pyomo_termination"] = str(res.termination_condition)
        if res.incumbent_objective is not None:
            obj = res.incumbent_objective - data.fixed_usd
            extra["objective_source"] = "Pyomo results object (SolveReport had none)"
            t = time.perf_counter()
            res.solution_loader.load_vars()  # what solve_model would have done on success
            extra["load_vars_added_s"] = time.perf_counter() - t
            post_s += extra["load_vars_added_s"]
    return {
        **extra,
        "status": str(rep.status),
        "objective_usd": obj,
        "fixed_usd": data.fixed_usd,
        "import_s": import_s,
        "data_s": data_s,
        "build_s": build_s,
        "handoff_s": handoff_s,
        "solve_s": solve_s,
        "post_s": post_s,
        "solve_model_wall_s": wall,
        "report_handoff_s": rep.handoff_s,
        "report_solve_s": rep.solve_s,
        "run_clock_s": clock.inside,
        "run_calls": clock.calls,
        "n_variables": rep.n_variables,
        "n_constraints": rep.n_constraints,
        "n_nonzeros": rep.n_nonzeros,
        "simplex_iterations": rep.simplex_iterations,
        "highs_options": highs_options(options),
    }


def child_raw(npz: str, opts: dict[str, Any]) -> dict[str, Any]:
    t0 = time.perf_counter()
    import highspy
    import numpy as np

    sys.path.insert(0, str(TESTS_DIR))
    from reference_lp import build_reference_lp

    highspy.Highs()  # the first instance prints HiGHS's banner; keep it out of the timing
    import_s = time.perf_counter() - t0
    inp = _read_inputs(npz)

    t = time.perf_counter()
    R = build_reference_lp(**inp)
    build_s = time.perf_counter() - t

    t = time.perf_counter()
    A = R["A"]
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = A.shape[1], A.shape[0]
    lp.col_cost_ = R["cost"]
    lp.col_lower_, lp.col_upper_ = R["col_lower"], R["col_upper"]
    lp.row_lower_, lp.row_upper_ = R["row_lower"], R["row_upper"]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data
    h = highspy.Highs()
    for k, v in opts.items():
        h.setOptionValue(k, v)
    h.passModel(lp)
    handoff_s = time.perf_counter() - t

    t = time.perf_counter()
    h.run()
    solve_s = time.perf_counter() - t

    t = time.perf_counter()
    status = h.modelStatusToString(h.getModelStatus())
    x = np.asarray(h.getSolution().col_value, dtype=float)
    obj = float(h.getInfo().objective_function_value) if status == "Optimal" else None
    post_s = time.perf_counter() - t
    return {
        "status": status.lower(),
        "objective_usd": obj,
        "import_s": import_s,
        "build_s": build_s,
        "handoff_s": handoff_s,
        "solve_s": solve_s,
        "post_s": post_s,
        "n_variables": int(A.shape[1]),
        "n_constraints": int(A.shape[0]),
        "n_nonzeros": int(A.nnz),
        "simplex_iterations": int(h.getInfo().simplex_iteration_count),
        "n_solution": int(x.size),
    }


def child_linopy(npz: str, opts: dict[str, Any]) -> dict[str, Any]:
    t0 = time.perf_counter()
    import highspy  # noqa: F401
    import linopy  # noqa: F401

    sys.path.insert(0, str(BENCH_DIR))
    from linopy_model import build_linopy_model

    import_s = time.perf_counter() - t0
    inp = _read_inputs(npz)

    t = time.perf_counter()
    m = build_linopy_model(**inp)
    build_s = time.perf_counter() - t

    clock = RunClock()
    t_call = time.perf_counter()
    status, condition = m.solve(solver_name="highs", io_api="direct", progress=False, **opts)
    t_done = time.perf_counter()
    handoff_s = (clock.start or t_done) - t_call
    solve_s = clock.inside
    post_s = (t_done - t_call) - handoff_s - solve_s
    M = m.matrices
    return {
        "status": str(condition),
        "objective_usd": float(m.objective.value) if condition == "optimal" else None,
        "import_s": import_s,
        "build_s": build_s,
        "handoff_s": handoff_s,
        "solve_s": solve_s,
        "post_s": post_s,
        "run_calls": clock.calls,
        "n_variables": int(len(M.vlabels)),
        "n_constraints": int(len(M.clabels)),
        "n_nonzeros": int(M.A.nnz),
        "linopy_version": metadata.version("linopy"),
    }


def child_breakdown(size: str, profile_path: str | None) -> dict[str, Any]:
    """Where the stdform hand-off spends its time (HiGHS ``run`` stubbed out: no solve).

    ``cold`` is the first ``solve_model`` hand-off in a fresh process (nothing pre-imported, as in
    a CLI run); ``warm`` is a second one on a freshly built model in the same process. The phases
    replay the steps of ``optimizer.solver.solve.solve_model``'s stdform route one by one on a third model.
    """
    import highspy
    import numpy as np

    from optimizer.formulation.build import build_model
    from optimizer.formulation.model_data import ModelData
    from optimizer.solver.highs import import_highspy
    from optimizer.solver.solve import solve_model
    from optimizer.solver.strategy import highs_options

    scipy_before = "scipy" in sys.modules
    sc = _load(size)
    data = ModelData.from_scenario(sc)
    options = sc.options.model_copy(update={"interface": "stdform"})
    highspy.Highs.run = lambda self: None  # hand-off only

    prof = None
    if profile_path:
        import cProfile

        prof = cProfile.Profile()
    m = build_model(sc, data)
    if prof:
        prof.enable()
    cold = solve_model(m, options).handoff_s
    if prof:
        prof.disable()
    m = build_model(sc, data)
    prof_warm = None
    if profile_path:
        import cProfile

        prof_warm = cProfile.Profile()
        prof_warm.enable()
    warm = solve_model(m, options).handoff_s
    if prof_warm:
        prof_warm.disable()

    if profile_path:
        import io
        import pstats

        out = io.StringIO()
        out.write(f"# cProfile of solve_model hand-off (stdform, run() stubbed), size {size}\n")
        out.write(f"# cold (first call in a fresh process): {cold:.3f} s under the profiler\n\n")
        for key in ("cumulative", "tottime"):
            pstats.Stats(prof, stream=out).sort_stats(key).print_stats(15)
        out.write(f"\n# warm (second call, same process): {warm:.3f} s under the profiler\n\n")
        for key in ("cumulative", "tottime"):
            pstats.Stats(prof_warm, stream=out).sort_stats(key).print_stats(15)
        Path(profile_path).write_text(out.getvalue())
        return {"profile_path": profile_path, "cold_handoff_s": cold, "warm_handoff_s": warm}

    from pyomo.common.gc_manager import PauseGC
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    hs = import_highspy()
    opts = highs_options(options)
    m = build_model(sc, data)
    ph: dict[str, float] = {}
    t = time.perf_counter()
    with PauseGC():
        info = LinearStandardFormCompiler().write(m, mixed_form=True)
    ph["compile_s"] = time.perf_counter() - t
    t = time.perf_counter()
    cols = info.columns
    n_col, n_row = len(cols), len(info.rows)
    inf = hs.kHighsInf
    col_lower = np.array([-inf if v.lb is None else v.lb for v in cols], dtype=float)
    col_upper = np.array([inf if v.ub is None else v.ub for v in cols], dtype=float)
    ph["col_bounds_s"] = time.perf_counter() - t
    t = time.perf_counter()
    kinds = np.fromiter((r.bound_type for r in info.rows), dtype=np.int8, count=n_row)
    rhs = np.asarray(info.rhs, dtype=float)
    row_lower = np.where(kinds == 1, -inf, rhs)
    row_upper = np.where(kinds == -1, inf, rhs)
    cost = np.asarray(info.c.toarray()).ravel()
    a = info.A.tocsc()
    integer = np.fromiter((v.is_integer() for v in cols), dtype=bool, count=n_col)
    ph["rows_cost_matrix_s"] = time.perf_counter() - t
    t = time.perf_counter()
    lp = hs.HighsLp()
    lp.num_col_, lp.num_row_ = n_col, n_row
    lp.col_cost_ = cost
    lp.col_lower_, lp.col_upper_ = col_lower, col_upper
    lp.row_lower_, lp.row_upper_ = row_lower, row_upper
    lp.a_matrix_.format_ = hs.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data.astype(float)
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n_col, n_row
    ph["highslp_fill_s"] = time.perf_counter() - t
    t = time.perf_counter()
    h = hs.Highs()
    for k, v in opts.items():
        h.setOptionValue(k, v)
    h.passModel(lp)
    ph["passmodel_s"] = time.perf_counter() - t
    ph["phases_total_s"] = sum(ph.values())
    assert not integer.any()
    return {
        "cold_handoff_s": cold,
        "warm_handoff_s": warm,
        "scipy_imported_before": scipy_before,
        "n_variables": n_col,
        "n_constraints": n_row,
        **ph,
    }


def child_scipy_import() -> dict[str, Any]:
    """What the first stdform hand-off pays when nothing imported scipy before it: in a fresh
    process with Pyomo loaded, ``import scipy.sparse`` also runs Pyomo's deferred-import hook for
    scipy, which imports scipy.stats, scipy.integrate and scipy.spatial."""
    import pyomo.environ  # noqa: F401

    t = time.perf_counter()
    import scipy.sparse  # noqa: F401

    with_pyomo = time.perf_counter() - t
    return {
        "scipy_import_after_pyomo_s": with_pyomo,
        "scipy_stats_loaded": "scipy.stats" in sys.modules,
    }


def child_scipy_alone() -> dict[str, Any]:
    t = time.perf_counter()
    import scipy.sparse  # noqa: F401

    return {
        "scipy_sparse_alone_s": time.perf_counter() - t,
        "scipy_stats_loaded": "scipy.stats" in sys.modules,
    }


def run_child(args: argparse.Namespace) -> None:
    opts = json.loads(args.opts) if args.opts else {}
    if args.child in PYOMO_ROUTES:
        res = child_pyomo(args.child, args.size)
    elif args.child == "raw":
        res = child_raw(args.data, opts)
    elif args.child == "linopy":
        res = child_linopy(args.data, opts)
    elif args.child == "breakdown":
        res = child_breakdown(args.size, None)
    elif args.child == "scipyimport":
        res = child_scipy_import()
    elif args.child == "scipyalone":
        res = child_scipy_alone()
    elif args.child == "profile":
        res = child_breakdown(args.size, args.profile_out)
    else:
        msg = f"unknown child {args.child}"
        raise SystemExit(msg)
    res["peak_rss_mb"] = _rss_mb()
    Path(args.result).write_text(json.dumps(res, default=str))


# ============================================================================ parent
def machine_info() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram_gb = round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass

    def ver(name: str) -> str | None:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    return {
        "cpu": cpu,
        "logical_cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "ram_gb": ram_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
        "highspy": ver("highspy"),
        "pyomo": ver("pyomo"),
        "linopy": ver("linopy"),
        "numpy": ver("numpy"),
        "scipy": ver("scipy"),
        "pandas": ver("pandas"),
        "xarray": ver("xarray"),
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "git": _git_state(),
    }


def _git_state() -> str:
    def git(*a: str) -> str:
        try:
            return subprocess.run(
                ["git", *a], cwd=REPO, capture_output=True, text=True, check=False
            ).stdout.strip()
        except OSError:
            return ""

    head = git("rev-parse", "--short", "HEAD")
    dirty = git("status", "--porcelain", "--", "optimizer", "tests/reference_lp.py")
    return (
        f"{head}{' + uncommitted changes under optimizer/' if dirty else ''}" if head else "unknown"
    )


def _spawn(
    child: str,
    size: str,
    tmp: Path,
    *,
    data: str = "",
    opts: dict | None = None,
    timeout: float,
    profile_out: str = "",
) -> dict[str, Any]:
    result = tmp / f"{child}-{size}-{time.monotonic_ns()}.json"
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        child,
        "--size",
        size,
        "--result",
        str(result),
    ]
    if data:
        cmd += ["--data", data]
    if opts is not None:
        cmd += ["--opts", json.dumps(opts)]
    if profile_out:
        cmd += ["--profile-out", profile_out]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    load_before = os.getloadavg()[0]
    t = time.perf_counter()
    try:
        proc = subprocess.run(
            cmd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s", "timeout": True}
    wall = time.perf_counter() - t
    if proc.returncode != 0 or not result.exists():
        return {"error": f"exit {proc.returncode}: {proc.stderr.strip()[-800:]}"}
    res = json.loads(result.read_text())
    res["process_wall_s"] = wall
    res["loadavg_1min_before"] = load_before
    res["loadavg_1min_after"] = os.getloadavg()[0]
    return res


def _dump_inputs(size: str, tmp: Path) -> tuple[str, dict[str, Any], dict[str, Any]]:
    import numpy as np

    from optimizer.formulation.model_data import ModelData
    from optimizer.solver.strategy import highs_options

    sys.path.insert(0, str(BENCH_DIR))
    from full_common import _demand

    sc = _load(size)
    d = ModelData.from_scenario(sc)
    window, rates, _ = _demand(d)
    groups = reference_groups(sc)
    aux_ref = sum(g["availability_frac"] * g["n_units"] * g["aux_load_mw"] for g in groups)
    if not np.allclose(d.aux_load_mw, aux_ref):
        msg = "aux load of ModelData and of the per-unit groups disagree"
        raise SystemExit(msg)
    npz = tmp / f"inputs-{size}.npz"
    np.savez(
        npz,
        load_mw=d.load_mw,
        price_usd_per_mwh=d.import_price_usd_per_mwh,
        export_price_usd_per_mwh=d.export_price_usd_per_mwh,
        import_limit_mw=d.import_limit_mw,
        export_limit_mw=d.export_limit_mw,
        demand_window=window,
        demand_rate_usd_per_mw=rates,
    )
    npz.with_suffix(".json").write_text(json.dumps({"interval_h": d.interval_h, "groups": groups}))
    opts = highs_options(sc.options)
    info = {
        "n_intervals": d.n_intervals,
        "interval_min": sc.interval_min,
        "start": str(sc.index[0]),
        "end": str(sc.index[-1]),
        "fixed_usd": d.fixed_usd,
        "n_groups": len(groups),
        "n_windows": len(rates),
    }
    return str(npz), opts, info


def _median(xs: list[float]) -> float:
    return float(statistics.median(xs)) if xs else float("nan")


def aggregate(runs: list[dict[str, Any]], ref_obj: float | None) -> dict[str, Any]:
    ok = [r for r in runs if "error" not in r]
    agg: dict[str, Any] = {"n_runs": len(ok), "n_failed": len(runs) - len(ok)}
    if not ok:
        agg["error"] = runs[-1].get("error") if runs else "not run"
        return agg
    for r in ok:
        r["total_s"] = r["build_s"] + r["handoff_s"] + r["solve_s"] + r["post_s"]
    for col in (*TIME_COLS, "import_s", "peak_rss_mb"):
        agg[col] = _median([r[col] for r in ok])
    agg["total_min_s"] = min(r["total_s"] for r in ok)
    agg["total_max_s"] = max(r["total_s"] for r in ok)
    objs = [r["objective_usd"] for r in ok]
    agg["objective_usd"] = objs[0]
    if ref_obj is not None and all(o is not None for o in objs):
        agg["obj_rel_diff"] = max(abs(o - ref_obj) / max(1.0, abs(ref_obj)) for o in objs)
    else:
        agg["obj_rel_diff"] = None
    agg["status"] = sorted({str(r["status"]) for r in ok})
    loads = [
        x
        for r in ok
        for x in (r.get("loadavg_1min_before"), r.get("loadavg_1min_after"))
        if x is not None
    ]
    if loads:
        agg["loadavg_min"], agg["loadavg_max"] = min(loads), max(loads)
    for k in ("n_variables", "n_constraints", "n_nonzeros", "simplex_iterations"):
        if k in ok[0]:
            agg[k] = ok[0][k]
    return agg


def _f(x: Any, nd: int = 3) -> str:
    if x is None or (isinstance(x, float) and x != x):
        return "-"
    return f"{x:.{nd}f}"


def findings(results: dict[str, Any]) -> list[str]:
    out: list[str] = []
    max_diff = 0.0
    all_checked = True
    for size, res in results["sizes"].items():
        routes = res["routes"]
        raw = routes.get("raw", {})
        done = {k: v for k, v in routes.items() if "total_s" in v}
        if not done or "total_s" not in raw:
            continue
        for v in done.values():
            if v.get("obj_rel_diff") is None:
                all_checked = False
            else:
                max_diff = max(max_diff, v["obj_rel_diff"])
        fastest = min(done, key=lambda k: done[k]["total_s"])
        modelled = {k: v for k, v in done.items() if k != "raw"}
        fastest_modelled = min(modelled, key=lambda k: modelled[k]["total_s"]) if modelled else None
        std = done.get("stdform")
        line = f"- **{SIZES[size]['label']}**: fastest overall `{fastest}` ({done[fastest]['total_s']:.3f} s)"
        if fastest_modelled:
            fm = modelled[fastest_modelled]
            line += f"; fastest modelling route `{fastest_modelled}` at {fm['total_s'] / raw['total_s']:.2f}x raw"
        if std:
            over_std = std["build_s"] + std["handoff_s"] + std["post_s"]
            over_raw = raw["build_s"] + raw["handoff_s"] + raw["post_s"]
            line += (
                f". stdform: {std['total_s']:.3f} s = {std['total_s'] / raw['total_s']:.2f}x raw; "
                f"non-solve time {over_std:.3f} s (raw {over_raw:.3f} s), "
                f"{100 * over_std / std['total_s']:.0f} % of its total"
            )
            for alt in ("appsi", "contrib"):
                if alt in done:
                    line += (
                        f"; {alt} hand-off+post {done[alt]['handoff_s'] + done[alt]['post_s']:.3f} s "
                        f"vs stdform {std['handoff_s'] + std['post_s']:.3f} s"
                    )
            if "linopy" in done:
                lp = done["linopy"]
                line += (
                    f"; linopy {lp['total_s']:.3f} s ({lp['total_s'] / std['total_s']:.2f}x stdform, "
                    f"build {lp['build_s']:.3f} s)"
                )
        solves = [v["solve_s"] for v in done.values()]
        line += f". Solve times across routes: {min(solves):.3f}-{max(solves):.3f} s."
        skipped = [k for k, v in routes.items() if "total_s" not in v]
        if skipped:
            why = ", ".join(f"{k} ({routes[k].get('error', 'skipped')})" for k in skipped)
            line += f" Not measured: {why}."
        out.append(line)
    checked_any = any("total_s" in r["routes"].get("raw", {}) for r in results["sizes"].values())
    if not checked_any:
        out.append("- **Objectives**: not checked (the raw route was not run).")
    else:
        verdict = "matches" if max_diff <= RTOL else "DOES NOT match"
        out.append(
            f"- **Objectives**: every measured route {verdict} the raw floor (max relative difference "
            f"{max_diff:.1e}, tolerance {RTOL:g})"
            + ("" if all_checked else "; some runs returned no objective")
            + "."
        )
    bugs = sorted(
        {
            n.split(":")[0]
            for r in results["sizes"].values()
            for n in r.get("notes", [])
            if "solve_model returned status" in n
        }
    )
    if bugs:
        out.append(
            f"- **Project problem**: `solve_model(interface=...)` for {', '.join(bugs)} reported "
            "status `error` on solves that Pyomo reports as `convergenceCriteriaSatisfied` (optimal), so "
            "no values were loaded; the tables use Pyomo's objective and add the `load_vars()` time."
        )
    bd = {
        s: r.get("breakdown")
        for s, r in results["sizes"].items()
        if r.get("breakdown") and "compile_s" in r["breakdown"]
    }
    if bd:
        parts = []
        for s, b in bd.items():
            parts.append(
                f"{s}: cold {b['cold_handoff_s']:.3f} s, warm {b['warm_handoff_s']:.3f} s "
                f"(compile {100 * b['compile_s'] / b['phases_total_s']:.0f} % of the warm phases)"
            )
        gap = max(b["cold_handoff_s"] - b["warm_handoff_s"] for b in bd.values())
        if gap > 0.2:
            tail = (
                ". The cold-minus-warm gap is a one-time import (scipy, plus scipy.stats/integrate/spatial "
                "pulled in by Pyomo's deferred-import hook for scipy) paid by the first hand-off in each "
                "process; the route tables exclude it (see `import s`)."
            )
        else:
            tail = (
                ". Cold and warm agree: scipy was already imported when the hand-off started (the code "
                "measured imports it at module level), so its one-time cost sits in `import optimizer`; "
                "the warm hand-off is dominated by Pyomo's LinearStandardFormCompiler."
            )
        out.append("- **stdform hand-off**: " + "; ".join(parts) + tail)
    big = [
        s
        for s in results["sizes"]
        if "stdform" in results["sizes"][s]["routes"]
        and "peak_rss_mb" in results["sizes"][s]["routes"]["stdform"]
    ]
    if big:
        s = big[-1]
        rr = results["sizes"][s]["routes"]
        out.append(
            "- **Peak RSS** at "
            + SIZES[s]["label"]
            + ": "
            + ", ".join(
                f"{k} {v['peak_rss_mb']:.0f} MB" for k, v in rr.items() if "peak_rss_mb" in v
            )
            + "."
        )
    return out


def write_markdown(results: dict[str, Any], path: Path) -> None:
    mi = results["machine"]
    L = ["# Route benchmark: build, hand-off and solve of the dispatch LP", ""]
    shown, skip = [], False
    for tok in results["argv"]:
        if skip:
            skip = False
            continue
        if tok == "--note":
            skip = True
            continue
        shown.append(tok)
    cmd = " ".join(shown).replace("&&", "&& python benchmarks/bench_routes.py")
    L.append(
        f"Generated by `{('python benchmarks/bench_routes.py ' + cmd).strip()}` on {mi['date']}."
    )
    L.append("")
    L.append(f"Code: git {mi.get('git', 'unknown')}.")
    L.append("")
    L.append(
        f"Machine: {mi['cpu']}, {mi['logical_cores']} logical cores ({mi['usable_cores']} usable), "
        f"{mi['ram_gb']} GB RAM, {mi['os']}. Python {mi['python']}, highspy {mi['highspy']}, "
        f"pyomo {mi['pyomo']}, linopy {mi['linopy'] or 'not installed'}, numpy {mi['numpy']}, scipy {mi['scipy']}."
    )
    L.append("")
    for n in results.get("notes", []):
        L.append(f"Note: {n}")
        L.append("")
    L.append(
        "Scenario: built-in `year-2021` (Memphis 1 GW site, 900 Megapack 2 XL in one group, MISO Arkansas "
        "Hub RT LMP, TVA-style demand charge) cut to each span; LP families 1-7 of SPEC.md. "
        "Each route runs in a fresh subprocess per repeat; times are medians; `total` = build + hand-off + "
        "solve + post (imports excluded, shown apart); `x raw` = total / raw total of the same run set. "
        "Columns are explained in `benchmarks/README.md`."
    )
    L.append("")
    for size, res in results["sizes"].items():
        info = res["info"]
        L.append(f"## {SIZES[size]['label']}")
        L.append("")
        algo = res["highs_options"].get("solver", "choose")
        extra = (
            ", dual + devex" if algo == "simplex" else (", crossover on" if algo == "ipm" else "")
        )
        L.append(
            f"T = {info['n_intervals']} intervals of {info['interval_min']} min ({info['start']} .. {info['end']}); "
            f"HiGHS solver={algo}{extra}, threads={res['highs_options'].get('threads')}, "
            f"presolve={res['highs_options'].get('presolve')}; repeats = {res['repeats']}."
        )
        L.append("")
        L.append(
            "| route | vars x rows (nnz) | build s | hand-off s | solve s | post s | total s | x raw | peak RSS MB | import s | obj rel diff |"
        )
        L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        raw_total = res["routes"].get("raw", {}).get("total_s")
        for route, a in res["routes"].items():
            if "total_s" not in a:
                L.append(
                    f"| {route} | - | - | - | - | - | - | - | - | - | {a.get('error', 'skipped')} |"
                )
                continue
            shape = (
                f"{a['n_variables']} x {a['n_constraints']} ({a['n_nonzeros']})"
                if a.get("n_variables")
                else "(not reported)"
            )
            ratio = a["total_s"] / raw_total if raw_total else None
            diff = a.get("obj_rel_diff")
            L.append(
                f"| {route} | {shape} | {_f(a['build_s'])} | {_f(a['handoff_s'])} | {_f(a['solve_s'])} | "
                f"{_f(a['post_s'])} | {_f(a['total_s'])} | {_f(ratio, 2)} | {_f(a['peak_rss_mb'], 0)} | "
                f"{_f(a['import_s'], 2)} | {'-' if diff is None else f'{diff:.1e}'} |"
            )
        loads = [
            (a["loadavg_min"], a["loadavg_max"])
            for a in res["routes"].values()
            if "loadavg_min" in a
        ]
        if loads:
            lo, hi = min(x[0] for x in loads), max(x[1] for x in loads)
            cores = mi.get("usable_cores") or mi.get("logical_cores") or 1
            warn = (
                (
                    " - **the machine was shared with other work during these runs (load > 1 on top of the "
                    "benchmark's own process): treat differences below ~20 % as noise**"
                )
                if hi > 1.5
                else ""
            )
            L.append("")
            L.append(
                f"1-min load average around the runs: {lo:.2f}-{hi:.2f} on {cores} cores{warn}."
            )
        if res.get("notes"):
            L.append("")
            for n in res["notes"]:
                L.append(f"Note: {n}")
        L.append("")
    bd = {
        s: r["breakdown"]
        for s, r in results["sizes"].items()
        if r.get("breakdown") and "compile_s" in r["breakdown"]
    }
    if bd:
        L.append("## Where the stdform hand-off goes (HiGHS `run` stubbed out)")
        L.append("")
        L.append(
            "`cold` = first `solve_model` hand-off in a fresh process with nothing pre-imported (as in a CLI run); "
            "`warm` = a second one in the same process; the phases replay `solve_model`'s stdform route step by step (warm)."
        )
        L.append("")
        si = results.get("scipy_import")
        if si:
            L.append(
                f"In a fresh process, `import scipy.sparse` costs {si['alone_s']:.3f} s on its own and "
                f"{si['after_pyomo_s']:.3f} s once Pyomo is imported (Pyomo's deferred-import hook then also "
                f"imports scipy.stats/integrate/spatial: {si['stats_loaded_after_pyomo']}); median of 3. "
                "Whoever imports scipy first in a process pays it: the first stdform hand-off when "
                "`optimizer.solver.solve` imports it lazily, `import optimizer` when it is imported at module level."
            )
            L.append("")
        L.append(
            "| size | cold s | warm s | compile (LinearStandardFormCompiler) s | column bounds s | rows/cost/CSC s | HighsLp fill s | Highs()+options+passModel s |"
        )
        L.append("|---|---:|---:|---:|---:|---:|---:|---:|")
        for s, b in bd.items():
            L.append(
                f"| {s} | {_f(b['cold_handoff_s'])} | {_f(b['warm_handoff_s'])} | {_f(b['compile_s'])} | "
                f"{_f(b['col_bounds_s'])} | {_f(b['rows_cost_matrix_s'])} | {_f(b['highslp_fill_s'])} | {_f(b['passmodel_s'])} |"
            )
        L.append("")
    L.append("## Findings (computed from the numbers above)")
    L.append("")
    L.extend(findings(results))
    L.append("")
    path.write_text("\n".join(L) + "\n")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--sizes",
        nargs="+",
        choices=list(SIZES),
        default=list(SIZES),
        help="sizes to run (default: all)",
    )
    p.add_argument(
        "--routes", nargs="+", choices=ROUTES, default=ROUTES, help="routes to run (default: all)"
    )
    p.add_argument(
        "--repeats", type=int, default=3, help="fresh-process repeats per route (default 3)"
    )
    p.add_argument(
        "--repeats-year15",
        type=int,
        default=None,
        help=f"repeats for {SLOW_SIZE} only (default: --repeats)",
    )
    p.add_argument(
        "--slow-timeout",
        type=float,
        default=120.0,
        help=f"appsi/contrib at {SLOW_SIZE} are skipped when one run exceeds this many s (default 120)",
    )
    p.add_argument(
        "--timeout", type=float, default=900.0, help="per-run time limit for every other run [s]"
    )
    p.add_argument(
        "--no-breakdown", action="store_true", help="skip the stdform hand-off breakdown"
    )
    p.add_argument(
        "--profile-size",
        default="month-15min",
        help="size whose hand-off is cProfiled to benchmarks/profile_handoff.txt ('' = none)",
    )
    p.add_argument(
        "--skip-routes", action="store_true", help="run only the hand-off breakdown/profile"
    )
    p.add_argument(
        "--merge",
        action="store_true",
        help="start from the existing --json and replace only what this invocation measures",
    )
    p.add_argument(
        "--note", action="append", default=[], help="a note to print at the top of RESULTS.md"
    )
    p.add_argument("--out", type=Path, default=BENCH_DIR / "RESULTS-families-1-7.md")
    p.add_argument("--json", type=Path, default=BENCH_DIR / "results.json")
    # internal: child mode
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--size", help=argparse.SUPPRESS)
    p.add_argument("--data", help=argparse.SUPPRESS)
    p.add_argument("--opts", help=argparse.SUPPRESS)
    p.add_argument("--result", help=argparse.SUPPRESS)
    p.add_argument("--profile-out", help=argparse.SUPPRESS)
    p.add_argument(
        "--render-only", action="store_true", help="rewrite --out from --json without running"
    )
    args = p.parse_args(argv)
    if args.child:
        run_child(args)
        return
    if args.render_only:
        write_markdown(json.loads(args.json.read_text()), args.out)
        return

    sys.path.insert(0, str(REPO))
    argv_shown = sys.argv[1:] if argv is None else argv
    routes = list(args.routes)
    notes_all: list[str] = []
    if "linopy" in routes:
        try:
            metadata.version("linopy")
        except metadata.PackageNotFoundError:
            routes.remove("linopy")
            notes_all.append("linopy is not installed: the peer route was skipped")
    if args.skip_routes:
        routes = []
    results: dict[str, Any] = {
        "machine": machine_info(),
        "argv": argv_shown,
        "sizes": {},
        "notes": notes_all,
    }
    if args.merge and args.json.exists():
        old = json.loads(args.json.read_text())
        results["sizes"] = old.get("sizes", {})
        results["argv"] = old.get("argv", []) + ["&&", *argv_shown]
        results["notes"] = old.get("notes", []) + notes_all
        if "scipy_import" in old:
            results["scipy_import"] = old["scipy_import"]
        results["machine"]["date"] = (
            f"{old['machine']['date']} (merged {results['machine']['date']})"
        )
    results["notes"] += [n for n in args.note if n not in results["notes"]]
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-routes-") as tmpdir:
        tmp = Path(tmpdir)
        if not args.no_breakdown:
            a = [_spawn("scipyimport", "-", tmp, timeout=120) for _ in range(3)]
            b = [_spawn("scipyalone", "-", tmp, timeout=120) for _ in range(3)]
            results["scipy_import"] = {
                "after_pyomo_s": _median(
                    [x["scipy_import_after_pyomo_s"] for x in a if "error" not in x]
                ),
                "alone_s": _median([x["scipy_sparse_alone_s"] for x in b if "error" not in x]),
                "stats_loaded_after_pyomo": all(x.get("scipy_stats_loaded") for x in a),
            }
        for size in [s for s in SIZES if s in args.sizes]:
            npz, opts, info = _dump_inputs(size, tmp)
            repeats = (
                args.repeats_year15 if (size == SLOW_SIZE and args.repeats_year15) else args.repeats
            )
            runs: dict[str, list[dict[str, Any]]] = {r: [] for r in routes}
            skipped: dict[str, str] = {}
            notes: list[str] = []
            for rep in range(repeats):
                for route in routes:
                    if route in skipped:
                        continue
                    slow = size == SLOW_SIZE and route in ("appsi", "contrib")
                    res = _spawn(
                        route,
                        size,
                        tmp,
                        data=npz,
                        opts=opts,
                        timeout=args.slow_timeout if slow else args.timeout,
                    )
                    if res.get("timeout") and slow:
                        skipped[route] = f"skipped: one run took > {args.slow_timeout:.0f} s"
                        notes.append(
                            f"{route} skipped at this size: a run exceeded {args.slow_timeout:.0f} s."
                        )
                    elif "error" in res:
                        notes.append(f"{route} repeat {rep + 1}: {res['error']}")
                    else:
                        if res.get("objective_source"):
                            msg_bug = (
                                f"{route}: solve_model returned status={res['report_status']!r} (raw "
                                f"{res['report_raw_status']!r}) although Pyomo reports "
                                f"{res.get('pyomo_termination')}; objective read from Pyomo's results "
                                f"object and load_vars() timed into post s."
                            )
                            if msg_bug not in notes:
                                notes.append(msg_bug)
                        hopts = res.get("highs_options")
                        if hopts is not None and hopts != opts:
                            notes.append(
                                f"{route}: HiGHS options differ from the raw route: {hopts}"
                            )
                    runs[route].append(res)
                    msg = res.get("error") or (
                        f"build {res['build_s']:.3f} handoff {res['handoff_s']:.3f} "
                        f"solve {res['solve_s']:.3f} post {res['post_s']:.3f} "
                        f"obj {res['objective_usd']} rss {res['peak_rss_mb']:.0f} MB"
                    )
                    print(
                        f"[{time.perf_counter() - t_start:7.1f} s] {size} rep {rep + 1}/{repeats} {route}: {msg}",
                        file=sys.stderr,
                        flush=True,
                    )
            ref_runs = [r for r in runs.get("raw", []) if r.get("objective_usd") is not None]
            ref_obj = ref_runs[0]["objective_usd"] if ref_runs else None
            if ref_obj is None and args.merge:
                ref_obj = (
                    results["sizes"]
                    .get(size, {})
                    .get("routes", {})
                    .get("raw", {})
                    .get("objective_usd")
                )
            agg = {}
            for route in routes:
                agg[route] = aggregate(runs[route], ref_obj)
                if route in skipped:
                    agg[route]["error"] = skipped[route]
            prev = results["sizes"].get(size) if args.merge else None
            if prev:  # keep the routes (and their notes) this invocation did not re-measure
                agg = {**{k: v for k, v in prev["routes"].items() if k not in agg}, **agg}
                agg = {k: agg[k] for k in ROUTES if k in agg}
                runs = {**{k: v for k, v in prev["runs"].items() if k not in runs}, **runs}
                notes = [n for n in prev.get("notes", []) if n.split(":")[0] not in routes] + notes
                repeats_shown = prev["repeats"] if not routes else repeats
            else:
                repeats_shown = repeats
            entry: dict[str, Any] = {
                "info": info,
                "highs_options": opts,
                "repeats": repeats_shown,
                "routes": agg,
                "runs": runs,
                "notes": notes,
            }
            for key in ("breakdown", "profile"):
                if prev and key in prev:
                    entry[key] = prev[key]
            if size == SLOW_SIZE and repeats < args.repeats:
                notes.append(
                    f"run with {repeats} repeat(s) instead of {args.repeats} to stay in the time budget."
                )
            if not args.no_breakdown:
                bd = _spawn("breakdown", size, tmp, timeout=args.timeout)
                entry["breakdown"] = bd
                print(
                    f"[{time.perf_counter() - t_start:7.1f} s] {size} hand-off breakdown: "
                    f"{ {k: round(v, 4) for k, v in bd.items() if isinstance(v, float)} }",
                    file=sys.stderr,
                    flush=True,
                )
            if args.profile_size == size:
                prof_path = BENCH_DIR / "profile_handoff.txt"
                entry["profile"] = _spawn(
                    "profile", size, tmp, timeout=args.timeout, profile_out=str(prof_path)
                )
            results["sizes"][size] = entry
            # write after every size so that a long run leaves usable partial results
            results["elapsed_s"] = time.perf_counter() - t_start
            args.json.write_text(json.dumps(results, indent=1, default=str))
            write_markdown(results, args.out)
    print(
        f"wrote {args.out} and {args.json} in {time.perf_counter() - t_start:.0f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
