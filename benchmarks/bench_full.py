#!/usr/bin/env python
"""Three builds of the same full dispatch LP (every SPEC family), timed from arrays to solution.

Routes (each run in a fresh subprocess, so imports and peak RSS are per route):

* ``pyomo``       - the project: ``load_scenario`` -> ``ModelData`` -> ``build_model`` ->
  ``solve_model`` (``interface="stdform"``, ``release_rows=True`` as ``optimize`` calls it, HiGHS options of ``algorithm="auto"``,
  ``warm_start="auto"``: the block warm start of ``optimizer/solver/warmstart/blocks.py`` from 3 calendar months
  and 8,000 intervals on, else at 5-15 min steps the coarse warm start of ``optimizer/solver/warmstart/coarse.py``,
  else cold).
* ``pyomo_cold``  - the same with ``SolverOptions(warm_start="none")``: the project's cold solve.
* ``raw``         - the floor: ``raw_full.build_raw_full`` (numpy/scipy) -> ``HighsLp`` ->
  ``passModel`` -> ``run``, with the same HiGHS options as ``pyomo``.
* ``raw_default`` - the same raw LP solved with HiGHS's default settings: the yardstick of the
  issue's targets.
* ``linopy``      - the peer: ``linopy_model.build_linopy_full`` -> ``Model.solve(io_api="direct")``
  with the same HiGHS options as ``pyomo``.
* ``pyomo_choose`` - the project route with ``SolverOptions(algorithm="choose")``: HiGHS's own
  choice (dual simplex, default pricing) instead of ``auto``; threads=1 as every project solve.
* ``linopy_default`` (optional, ``--routes``) - linopy with HiGHS defaults.

Scenario: the built-in ``grid-stability`` scenario (ramp, swing from telemetry, reserve, TVA
events, curtailment and deferral) cut to each size. ``enforce_exclusivity`` is off for the
timing: every route times one LP solve; whether the project would re-solve as a MIP is checked
on the Pyomo solution and reported (``excl pairs``).

Objectives are compared without the constants the project adds (fixed charges and the event
credit constant: ``raw_full`` returns them as ``offset``), to 1e-6 relative of ``raw_default``.

Usage::

    python benchmarks/bench_full.py                                  # every size, 3 repeats
    python benchmarks/bench_full.py --sizes day-5min week-5min --repeats 1
    python benchmarks/bench_full.py --slow-repeats 1                 # repeats at 30d-5min/year-15min

Writes ``benchmarks/RESULTS.md`` (``--out``) and ``benchmarks/results_full.json`` (``--json``).
"""

from __future__ import annotations

import argparse
import json
import os
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
sys.path.insert(0, str(BENCH_DIR))

from bench_routes import RunClock, machine_info  # noqa: E402
from full_common import SIZES, load_size, machine_load, model_arrays, read_inputs, write_inputs  # noqa: E402

ROUTES = ["pyomo", "pyomo_cold", "pyomo_choose", "raw", "raw_default", "linopy", "linopy_default"]
DEFAULT_ROUTES = ["pyomo", "pyomo_cold", "raw", "raw_default", "linopy"]
WARM_KEYS = (
    "warm_start",
    "n_blocks",
    "blocks_s",
    "block_iterations",
    "final_s",
    "final_iterations",
    "fallback",
    "coarse_label",
    "coarse_s",
    "coarse_iterations",
    "coarse_sizes",
)
SLOW_SIZES = {"30d-5min", "year-15min"}
RTOL = 1e-6
TIME_COLS = ("build_s", "handoff_s", "solve_s", "post_s", "total_s")
HIGHS_DEFAULT = {"output_flag": False}

# the targets: size -> (max total / raw_default total, max peak RSS / raw_default peak RSS)
TARGETS = {
    "year-15min": (0.8, 1.5),
    "year-60min": (1.2, None),
    "day-5min": (1.5, None),
    "30d-5min": (0.1, None),
}


# ============================================================================ children
def _rss_mb() -> float:
    """Peak RSS of this process [MB]: ``VmHWM`` of ``/proc/self/status``.

    Not ``ru_maxrss``: Linux keeps that high-water mark across ``execve``, so a child forked from
    a large parent reports at least the parent's RSS (bench_routes.py's small routes show ~183 MB
    for that reason). ``VmHWM`` belongs to the process's own address space, new at exec.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _offset(data: Any) -> float:
    """The constants of the project's objective: fixed charges and the event credit constant."""
    import numpy as np

    const = float(data.fixed_usd) - float(data.event_capacity_credit_usd)
    if data.event_cap_mw is not None and data.event_credit_usd_per_mwh is not None:
        paid = np.isfinite(data.event_cap_mw) & (data.event_credit_usd_per_mwh != 0.0)
        const -= float(
            np.sum(data.event_credit_usd_per_mwh[paid] * data.load_mw[paid]) * data.interval_h
        )
    return const


def child_pyomo(
    size: str, algorithm: str | None = None, warm_start: str | None = None
) -> dict[str, Any]:
    t0 = time.perf_counter()
    import highspy  # noqa: F401
    import pyomo.environ  # noqa: F401
    import scipy.sparse  # noqa: F401

    from optimizer.formulation.build import build_model
    from optimizer.formulation.model_data import ModelData
    from optimizer.results.checks import Tolerances, simultaneous_pairs
    from optimizer.results.extract import extract_group_arrays
    from optimizer.solver.highs import import_highspy
    from optimizer.solver.solve import solve_model
    from optimizer.solver.strategy import has_block_demand, highs_options, plan_solve

    import_highspy()  # HiGHS's first instance (its banner silenced): out of the timing, as child_raw does
    import_s = time.perf_counter() - t0
    t = time.perf_counter()
    sc = load_size(size)
    if algorithm is not None:  # the same scenario with another SolverOptions.algorithm
        import dataclasses

        sc = dataclasses.replace(sc, options=sc.options.model_copy(update={"algorithm": algorithm}))
    if warm_start is not None:  # the same scenario with another SolverOptions.warm_start
        import dataclasses

        sc = dataclasses.replace(
            sc, options=sc.options.model_copy(update={"warm_start": warm_start})
        )
    data = ModelData.from_scenario(sc)
    data_s = time.perf_counter() - t
    rss_before = _rss_mb()

    t = time.perf_counter()
    m = build_model(sc, data)
    build_s = time.perf_counter() - t
    t_call = time.perf_counter()
    plan = plan_solve(
        sc.options,
        sc.index,
        interval_min=sc.interval_min,
        block_demand=has_block_demand(
            data.tariff.demand_windows if data.tariff is not None else ()
        ),
        soc_floor_mwh={g.name: g.initial_soc_mwh for g in data.groups},
        release_rows=True,
    )
    rep = solve_model(m, sc.options, plan=plan)  # as optimize() calls it
    wall = time.perf_counter() - t_call
    post_s = wall - rep.handoff_s - rep.solve_s
    rss_after = _rss_mb()
    obj = None if rep.objective_usd is None else rep.objective_usd - _offset(data)
    pairs = None
    if rep.objective_usd is not None:  # would optimize() re-solve as a MIP? (not timed)
        tol = Tolerances.for_data(data, rep.objective_usd)
        pairs = len(simultaneous_pairs(data, extract_group_arrays(m, data), tol))
    return {
        "status": str(rep.status),
        "raw_status": rep.raw_status,
        "objective_usd": obj,
        "import_s": import_s,
        "data_s": data_s,
        "build_s": build_s,
        "handoff_s": rep.handoff_s,
        "solve_s": rep.solve_s,
        "post_s": post_s,
        "rss_before_build_mb": rss_before,
        "rss_after_solve_mb": rss_after,
        "n_variables": rep.n_variables,
        "n_constraints": rep.n_constraints,
        "n_nonzeros": rep.n_nonzeros,
        "simplex_iterations": rep.simplex_iterations,
        "exclusivity_pairs": pairs,
        "highs_options": highs_options(sc.options),
        "warm_start_option": sc.options.warm_start,
        **{k: v for k, v in rep.warm_start.as_dict().items() if k in WARM_KEYS},
    }


def child_raw(npz: str, opts: dict[str, Any]) -> dict[str, Any]:
    t0 = time.perf_counter()
    import highspy
    import numpy as np
    from raw_full import build_raw_full, max_violation, to_highs_lp

    highspy.Highs()  # the first instance prints HiGHS's banner; keep it out of the timing
    import_s = time.perf_counter() - t0
    inp = read_inputs(npz)
    rss_before = _rss_mb()

    t = time.perf_counter()
    R = build_raw_full(inp)
    build_s = time.perf_counter() - t

    t = time.perf_counter()
    lp = to_highs_lp(R, highspy)
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
    rss_after = _rss_mb()
    row_v, col_v = max_violation(R, x)
    A = R["A"]
    return {
        "status": status.lower(),
        "objective_usd": obj,
        "import_s": import_s,
        "data_s": 0.0,
        "build_s": build_s,
        "handoff_s": handoff_s,
        "solve_s": solve_s,
        "post_s": post_s,
        "rss_before_build_mb": rss_before,
        "rss_after_solve_mb": rss_after,
        "n_variables": int(A.shape[1]),
        "n_constraints": int(A.shape[0]),
        "n_nonzeros": int(A.nnz),
        "simplex_iterations": int(h.getInfo().simplex_iteration_count),
        "ipm_iterations": int(h.getInfo().ipm_iteration_count),
        "max_row_violation": row_v,
        "max_col_violation": col_v,
        "offset_usd": R["offset"],
    }


def child_linopy(npz: str, opts: dict[str, Any]) -> dict[str, Any]:
    t0 = time.perf_counter()
    import warnings

    import highspy
    import linopy  # noqa: F401
    from linopy_model import build_linopy_full

    try:  # the legacy absent-slot semantics (shift() drops the t = 0 term) is what the model relies on
        from linopy.config import LinopySemanticsWarning

        warnings.filterwarnings("ignore", category=LinopySemanticsWarning)
    except ImportError:
        pass
    highspy.Highs()  # HiGHS's first instance: out of the timing, as child_raw does
    import_s = time.perf_counter() - t0
    inp = read_inputs(npz)
    rss_before = _rss_mb()

    t = time.perf_counter()
    m = build_linopy_full(inp)
    build_s = time.perf_counter() - t

    clock = RunClock()
    t_call = time.perf_counter()
    _, condition = m.solve(solver_name="highs", io_api="direct", progress=False, **opts)
    t_done = time.perf_counter()
    handoff_s = (clock.start or t_done) - t_call
    solve_s = clock.inside
    post_s = (t_done - t_call) - handoff_s - solve_s
    rss_after = _rss_mb()
    M = m.matrices
    return {
        "status": str(condition),
        "objective_usd": float(m.objective.value) if condition == "optimal" else None,
        "import_s": import_s,
        "data_s": 0.0,
        "build_s": build_s,
        "handoff_s": handoff_s,
        "solve_s": solve_s,
        "post_s": post_s,
        "run_calls": clock.calls,
        "rss_before_build_mb": rss_before,
        "rss_after_solve_mb": rss_after,
        "n_variables": int(len(M.vlabels)),
        "n_constraints": int(len(M.clabels)),
        "n_nonzeros": int(M.A.nnz),
        "linopy_version": metadata.version("linopy"),
    }


def run_child(args: argparse.Namespace) -> None:
    opts = json.loads(args.opts) if args.opts else {}
    if args.child == "pyomo":
        res = child_pyomo(args.size)
    elif args.child == "pyomo_cold":
        res = child_pyomo(args.size, warm_start="none")
    elif args.child == "pyomo_choose":
        res = child_pyomo(args.size, algorithm="choose")
    elif args.child in ("raw", "raw_default"):
        res = child_raw(args.data, opts)
    elif args.child in ("linopy", "linopy_default"):
        res = child_linopy(args.data, opts)
    else:
        msg = f"unknown child {args.child}"
        raise SystemExit(msg)
    res["peak_rss_mb"] = _rss_mb()
    import resource

    res["ru_maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    Path(args.result).write_text(json.dumps(res, default=str))


# ============================================================================ parent
def _spawn(
    route: str, size: str, tmp: Path, *, data: str, opts: dict[str, Any], timeout: float
) -> dict[str, Any]:
    result = tmp / f"{route}-{size}-{time.monotonic_ns()}.json"
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        route,
        "--size",
        size,
        "--data",
        data,
        "--opts",
        json.dumps(opts),
        "--result",
        str(result),
    ]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    load_before = machine_load()
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
    res["loadavg_1min_after"] = machine_load()
    return res


def prepare(size: str, tmp: Path) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Scenario -> arrays (.npz) for the raw and linopy children; the project's HiGHS options."""
    from optimizer.formulation.model_data import ModelData
    from optimizer.solver.strategy import LpShape, cold_highs_options

    sc = load_size(size)
    d = ModelData.from_scenario(sc)
    npz = tmp / f"inputs-{size}.npz"
    write_inputs(model_arrays(d), npz)
    shape = LpShape.of(sc.index, sc.interval_min)
    opts = cold_highs_options(
        sc.options, shape
    )  # the project's cold settings, thread rule included
    info = {
        "n_intervals": d.n_intervals,
        "interval_min": sc.interval_min,
        "start": str(sc.index[0]),
        "end": str(sc.index[-1]),
        "offset_usd": _offset(d),
        "n_groups": len(d.groups),
        "n_event_intervals": int(
            sum(
                1
                for v in (d.event_cap_mw if d.event_cap_mw is not None else [])
                if v != float("inf")
            )
        ),
        "families": {
            "ramp": d.ramp is not None,
            "swing": d.swing_up_mw is not None,
            "reserve": d.reserve is not None,
            "events": d.has_events,
            "curtailment": bool(d.flex and d.flex.has_curtailment),
            "deferral": bool(d.flex and d.flex.has_deferral),
            "tariff_engine": d.tariff is not None,
        },
    }
    return str(npz), opts, info


def route_opts(route: str, auto_opts: dict[str, Any], time_limit: float) -> dict[str, Any]:
    if route.endswith("_default"):
        return {**HIGHS_DEFAULT, "time_limit": time_limit}
    return {**auto_opts, "time_limit": time_limit}


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
    for col in (*TIME_COLS, "import_s", "data_s", "peak_rss_mb", "rss_before_build_mb"):
        agg[col] = _median([r[col] for r in ok])
    agg["total_min_s"] = min(r["total_s"] for r in ok)
    agg["total_max_s"] = max(r["total_s"] for r in ok)
    objs = [r["objective_usd"] for r in ok]
    agg["objective_usd"] = objs[0]
    agg["obj_rel_diff"] = (
        max(abs(o - ref_obj) / max(1.0, abs(ref_obj)) for o in objs)
        if ref_obj is not None and all(o is not None for o in objs)
        else None
    )
    agg["status"] = sorted({str(r["status"]) for r in ok})
    falls = [r["fallback"] for r in ok if r.get("fallback")]
    if "warm_start" in ok[0]:
        agg["fallback"] = falls[0] if falls else ""
    loads = [
        x
        for r in ok
        for x in (r.get("loadavg_1min_before"), r.get("loadavg_1min_after"))
        if x is not None
    ]
    if loads:
        agg["loadavg_min"], agg["loadavg_max"] = min(loads), max(loads)
    for k in ("blocks_s", "final_s", "coarse_s"):
        if all(k in r for r in ok):
            agg[k] = _median([r[k] for r in ok])
    for k in (
        "n_variables",
        "n_constraints",
        "n_nonzeros",
        "simplex_iterations",
        "ipm_iterations",
        "exclusivity_pairs",
        "max_row_violation",
        "max_col_violation",
        "offset_usd",
        "warm_start",
        "n_blocks",
        "block_iterations",
        "final_iterations",
        "coarse_label",
        "coarse_iterations",
        "coarse_sizes",
    ):
        if k in ok[0]:
            agg[k] = ok[0][k]
    return agg


def _f(x: Any, nd: int = 3) -> str:
    if x is None or (isinstance(x, float) and x != x):
        return "-"
    return f"{x:.{nd}f}"


def _ratio(a: Any, b: Any) -> float | None:
    return a / b if (a is not None and b) else None


def targets_rows(results: dict[str, Any], route: str = "pyomo") -> list[dict[str, Any]]:
    rows = []
    for size, (t_max, m_max) in TARGETS.items():
        res = results["sizes"].get(size)
        if not res or "total_s" not in res["routes"].get(route, {}):
            rows.append({"size": size, "missing": True, "t_max": t_max, "m_max": m_max})
            continue
        r = res["routes"]
        p, rd = r.get(route, {}), r.get("raw_default", {})
        t_ratio = _ratio(p.get("total_s"), rd.get("total_s"))
        m_ratio = _ratio(p.get("peak_rss_mb"), rd.get("peak_rss_mb"))
        rows.append(
            {
                "size": size,
                "t_max": t_max,
                "m_max": m_max,
                "t_ratio": t_ratio,
                "m_ratio": m_ratio,
                "t_met": None if t_ratio is None else t_ratio <= t_max,
                "m_met": None if (m_max is None or m_ratio is None) else m_ratio <= m_max,
            }
        )
    return rows


def write_markdown(
    results: dict[str, Any], path: Path, options_summary: list[str] | None = None
) -> None:
    mi = results["machine"]
    L = [
        "# Benchmarks: the full dispatch LP through Pyomo (project), raw highspy (floor) and linopy (peer)",
        "",
    ]
    L.append(
        f"Generated by `python benchmarks/{results.get('entry', 'bench_full.py')} {' '.join(results['argv'])}`"
        f" on {mi['date']} in {results.get('elapsed_s', 0):.0f} s. Code: git {mi.get('git', 'unknown')}."
    )
    if results.get("merged_from"):
        mf = results["merged_from"]
        L.append(
            f"Merged with the sizes of an earlier invocation ({mf['date']}, `{' '.join(mf.get('argv') or [])}`); "
            "each size's section gives the time it was measured."
        )
    L.append("")
    L.append(
        f"Machine: {mi['cpu']}, {mi['logical_cores']} logical cores ({mi['usable_cores']} usable), {mi['ram_gb']} GB RAM, "
        f"{mi['os']}. Python {mi['python']}, highspy {mi['highspy']}, pyomo {mi['pyomo']}, linopy {mi['linopy']}, "
        f"numpy {mi['numpy']}, scipy {mi['scipy']}, pandas {mi['pandas']}, xarray {mi['xarray']}."
    )
    L.append("")
    loads = [
        (a["loadavg_min"], a["loadavg_max"])
        for s in results["sizes"].values()
        for a in s["routes"].values()
        if "loadavg_min" in a
    ]
    if loads:
        lo, hi = min(x[0] for x in loads), max(x[1] for x in loads)
        L.append(
            f"1-min load average around the runs: {lo:.2f}-{hi:.2f} on 2 cores (the benchmark itself is one "
            "process, so anything above ~1.2 means other work shared the machine; per-size ranges below)."
        )
        L.append("")
    for n in results.get("notes", []):
        L.append(f"Note: {n}")
        L.append("")
    if results.get("scenario", "grid-stability") != "grid-stability":
        L.append(
            f"**Scenario of this run: `{results['scenario']}`** (`--scenario`), not `grid-stability`: "
            "the paragraph below describes the default; see the note for this scenario's families."
        )
        L.append("")
    L.append(
        "**LP.** The built-in `grid-stability` scenario (Memphis 1 GW AI site, 900 Megapack 2 XL, MISO Arkansas Hub "
        "RT LMP, TVA-style demand charge, GPU-profile load) with every SPEC §4 family on: 1-7, 8 ramp "
        "(10 MW/min, 5 MW/min return to service), 9 swing buffer (Frontier telemetry), 10 reserve energy "
        "(50 MW up/down for 15 min), 11 TVA IP events (derived from TVA system load), 12 curtailment and the "
        'deferral backlog; cut to each span with `load_scenario("grid-stability", start=, end=, interval_min=)`. '
        "The three builds produce the same LP, row for row (same rows, columns and non-zeros, checked below); "
        "objectives are compared without the project's constants (fixed charges, event credit constant)."
    )
    L.append("")
    L.append(
        "**Routes.** `pyomo` = the project (`build_model` + `solve_model`, stdform hand-off, HiGHS options of "
        '`algorithm="auto"`); `raw` = `benchmarks/raw_full.py` (numpy/scipy -> `HighsLp` -> `passModel`) '
        "with the same options; `raw_default` = the same raw LP with HiGHS default settings (the targets' "
        "yardstick); `linopy` = `benchmarks/linopy_model.build_linopy_full` with the same options as `pyomo`; "
        '`pyomo_cold` = the project route with `SolverOptions(warm_start="none")` (a cold solve: what `pyomo` was '
        'before the warm starts); `pyomo` uses `warm_start="auto"`, which at the year sizes is the block warm '
        "start (`optimizer/solver/warmstart/blocks.py`: calendar months solved in turn with carried state, their bases assembled "
        "into a basis of the full LP, then dual simplex with devex pricing to optimality; `solve` includes the "
        "month solves) and at 5-15 min steps below that the coarse warm start (`optimizer/solver/warmstart/coarse.py`: the LP "
        "aggregated in time to 120 and then 30 min, solved coarsest first, its basis lifted to the full LP, then "
        'dual simplex with devex pricing; `solve` includes the coarse solves, `hand-off` the maps); `pyomo_choose` = the project route with `SolverOptions(algorithm="choose")`. '
        "Each route runs in a fresh process per repeat; times are medians; `total` = build + hand-off + solve + "
        "post (imports, HiGHS's first instance and scenario loading excluded, shown apart). Peak RSS = `VmHWM` of the whole child "
        "process (not `ru_maxrss`, which Linux carries over from the forking parent); the `pyomo` child also holds the Scenario and pandas, the others read arrays from an .npz; "
        "`RSS before build` is the high-water mark when the build starts."
    )
    L.append("")
    # targets
    L.append("## Targets (issue 10): project route against `raw_default`, same run")
    L.append("")
    L.append(
        '`pyomo` is the project as it is (`algorithm="auto"`, `warm_start="auto"`); `pyomo_cold` the same '
        'route solved cold (`warm_start="none"`); `pyomo_choose` the route with `SolverOptions(algorithm="choose")`.'
    )
    L.append("")
    L.append(
        "| size | route | total: target | total: measured | met? | peak RSS: target | peak RSS: measured | met? |"
    )
    L.append("|---|---|---:|---:|---|---:|---:|---|")
    for route in ("pyomo", "pyomo_cold", "pyomo_choose"):
        if all(t.get("missing") for t in targets_rows(results, route)) and route != "pyomo":
            continue  # not measured at any target size
        for t in targets_rows(results, route):
            m_txt = "-" if t["m_max"] is None else f"<= {t['m_max']}x"
            if t.get("missing"):
                L.append(
                    f"| {t['size']} | {route} | <= {t['t_max']}x | not run | - | {m_txt} | - | - |"
                )
                continue
            m_meas = "-" if t["m_max"] is None else f"{_f(t['m_ratio'], 2)}x"
            L.append(
                f"| {t['size']} | {route} | <= {t['t_max']}x | {_f(t['t_ratio'], 2)}x | {_yn(t['t_met'])} | "
                f"{m_txt} | {m_meas} | {_yn(t['m_met'])} |"
            )
    L.append("")
    # summary
    L.append("## Summary: ratios of the project route per size")
    L.append("")
    L.append(
        "| size | T | pyomo total s | raw_default total s | total / raw_default | total / raw (same options) | "
        "peak RSS / raw_default | total / linopy | linopy / raw_default | pyomo_choose / raw_default | "
        "pyomo_cold / raw_default | obj max rel diff | excl pairs |"
    )
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size, res in results["sizes"].items():
        r = res["routes"]
        p, raw, rd, lp, pc = (
            r.get(k, {}) for k in ("pyomo", "raw", "raw_default", "linopy", "pyomo_choose")
        )
        pcold = r.get("pyomo_cold", {})
        diffs = [a.get("obj_rel_diff") for a in r.values() if a.get("obj_rel_diff") is not None]
        L.append(
            f"| {size} | {res['info']['n_intervals']} | {_f(p.get('total_s'))} | {_f(rd.get('total_s'))} | "
            f"{_f(_ratio(p.get('total_s'), rd.get('total_s')), 2)} | {_f(_ratio(p.get('total_s'), raw.get('total_s')), 2)} | "
            f"{_f(_ratio(p.get('peak_rss_mb'), rd.get('peak_rss_mb')), 2)} | {_f(_ratio(p.get('total_s'), lp.get('total_s')), 2)} | "
            f"{_f(_ratio(lp.get('total_s'), rd.get('total_s')), 2)} | {_f(_ratio(pc.get('total_s'), rd.get('total_s')), 2)} | "
            f"{_f(_ratio(pcold.get('total_s'), rd.get('total_s')), 2)} | {max(diffs):.1e} | "
            f"{p.get('exclusivity_pairs', '-')} |"
            if diffs
            else f"| {size} | - |"
        )
    L.append("")
    if options_summary:
        L.extend(options_summary)
        L.append("")
    for size, res in results["sizes"].items():
        info = res["info"]
        L.append(f"## {SIZES[size]['label']}")
        L.append("")
        opts = res["highs_options"]
        algo = opts.get("solver", "choose")
        extra = " dual + devex" if algo == "simplex" else (" + crossover" if algo == "ipm" else "")
        L.append(
            f"Measured {res.get('measured', mi['date'])}. "
            f"T = {info['n_intervals']} intervals of {info['interval_min']} min ({info['start']} .. {info['end']}), "
            f"{info['n_event_intervals']} event intervals; project options: solver={algo}{extra}, "
            f"threads={opts.get('threads')}, presolve={opts.get('presolve')}; repeats = {res['repeats']}."
        )
        L.append("")
        L.append(
            "| route | cols x rows (nnz) | build s | hand-off s | solve s | post s | total s | x raw_default | x raw | "
            "peak RSS MB | RSS before build MB | x raw_default RSS | import s | data s | iters (simplex/ipm) | obj rel diff |"
        )
        L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|")
        rd = res["routes"].get("raw_default", {})
        raw = res["routes"].get("raw", {})
        for route, a in res["routes"].items():
            if "total_s" not in a:
                L.append(f"| {route} | {a.get('error', 'skipped')} |" + " - |" * 15)
                continue
            shape = f"{a.get('n_variables')} x {a.get('n_constraints')} ({a.get('n_nonzeros')})"
            it = f"{a.get('simplex_iterations', '-')}/{a.get('ipm_iterations', '-')}"
            diff = a.get("obj_rel_diff")
            L.append(
                f"| {route} | {shape} | {_f(a['build_s'])} | {_f(a['handoff_s'])} | {_f(a['solve_s'])} | "
                f"{_f(a['post_s'])} | {_f(a['total_s'])} | {_f(_ratio(a['total_s'], rd.get('total_s')), 2)} | "
                f"{_f(_ratio(a['total_s'], raw.get('total_s')), 2)} | {_f(a['peak_rss_mb'], 0)} | "
                f"{_f(a.get('rss_before_build_mb'), 0)} | {_f(_ratio(a['peak_rss_mb'], rd.get('peak_rss_mb')), 2)} | "
                f"{_f(a['import_s'], 2)} | {_f(a.get('data_s'), 2)} | {it} | {'-' if diff is None else f'{diff:.1e}'} |"
            )
        loads = [
            (a["loadavg_min"], a["loadavg_max"])
            for a in res["routes"].values()
            if "loadavg_min" in a
        ]
        if loads:
            L.append("")
            L.append(
                f"1-min load average around these runs: {min(x[0] for x in loads):.2f}-{max(x[1] for x in loads):.2f}."
            )
        for route, a in res["routes"].items():
            if a.get("warm_start") == "blocks":
                L.append("")
                L.append(
                    f"`{route}` block warm start: {a.get('n_blocks')} month blocks in {_f(a.get('blocks_s'))} s "
                    f"({a.get('block_iterations')} simplex iterations), then the full LP from the assembled basis in "
                    f"{_f(a.get('final_s'))} s ({a.get('final_iterations')} iterations); fallback to cold: "
                    f"{a.get('fallback') or 'none'}."
                )
            if a.get("warm_start") == "coarse":
                L.append("")
                L.append(
                    f"`{route}` coarse warm start: levels {a.get('coarse_label')} (LPs of "
                    f"{', '.join(a.get('coarse_sizes') or [])} columns x rows) in {_f(a.get('coarse_s'))} s "
                    f"({a.get('coarse_iterations')} simplex iterations), then the full LP from the lifted basis in "
                    f"{_f(a.get('final_s'))} s ({a.get('final_iterations')} iterations); fallback to cold: "
                    f"{a.get('fallback') or 'none'}."
                )
        for n in res.get("notes", []):
            L.append("")
            L.append(f"Note: {n}")
        L.append("")
    L.append("## Findings (computed from the numbers above)")
    L.append("")
    L.extend(findings(results))
    L.append("")
    L.append(
        "The families 1-7 route comparison (stdform, appsi, contrib, raw, linopy on the `year-2021` scenario) "
        "is in `RESULTS-families-1-7.md` (`bench_routes.py`); the solver settings in `HIGHS-OPTIONS.md` "
        "(`bench_highs_options.py`)."
    )
    path.write_text("\n".join(L) + "\n")


def _yn(x: Any) -> str:
    return "-" if x is None else ("**yes**" if x else "**no**")


def findings(results: dict[str, Any]) -> list[str]:
    out = []
    same_shape = True
    for size, res in results["sizes"].items():
        r = res["routes"]
        shapes = {
            k: (a.get("n_variables"), a.get("n_constraints"), a.get("n_nonzeros"))
            for k, a in r.items()
            if "total_s" in a
        }
        if len(set(shapes.values())) > 1:
            same_shape = False
            out.append(f"- **{size}: the builds differ in size**: {shapes}.")
        diffs = {k: a.get("obj_rel_diff") for k, a in r.items() if "total_s" in a}
        bad = {k: v for k, v in diffs.items() if v is None or v > RTOL}
        if bad:
            out.append(
                f"- **{size}: objective mismatch** (> {RTOL:g} relative to raw_default, or missing): {bad}."
            )
        p = r.get("pyomo", {})
        if p.get("exclusivity_pairs"):
            out.append(
                f"- {size}: the LP schedule charges and discharges at once on {p['exclusivity_pairs']} "
                "(group, interval) pairs: `optimize()` would re-solve as a MIP; the table times the LP."
            )
        raw = r.get("raw_default", {})
        if raw.get("max_row_violation") is not None:
            out.append(
                f"- {size}: raw_default largest row violation {raw['max_row_violation']:.1e}, bound violation "
                f"{raw.get('max_col_violation', 0):.1e}; project non-solve time {_f((p.get('total_s') or 0) - (p.get('solve_s') or 0))} s "
                f"(build {_f(p.get('build_s'))}, hand-off {_f(p.get('handoff_s'))}, post {_f(p.get('post_s'))}) against "
                f"raw {_nonsolve(r.get('raw', {}))} s and linopy {_nonsolve(r.get('linopy', {}))} s."
            )
    if same_shape:
        out.insert(
            0,
            "- Every route built the same LP at every size (identical columns, rows and non-zeros).",
        )
    all_diffs = [
        a.get("obj_rel_diff")
        for s in results["sizes"].values()
        for a in s["routes"].values()
        if a.get("obj_rel_diff") is not None
    ]
    if all_diffs:
        out.insert(
            1,
            f"- Objectives: largest relative difference to raw_default over all routes and sizes "
            f"{max(all_diffs):.1e} (tolerance {RTOL:g}).",
        )
    return out


def _nonsolve(a: dict[str, Any]) -> str:
    """Non-solve seconds of a route, or "-" when it was not run."""
    return _f(a["total_s"] - a["solve_s"]) if "total_s" in a else "-"


def options_section(path: Path) -> list[str]:
    """A short summary of ``highs_options.json`` (written by ``bench_highs_options.py``), if present."""
    if not path.exists():
        return []
    from bench_highs_options import summarise

    data = json.loads(path.read_text())
    L = [
        "## HiGHS settings (from `HIGHS-OPTIONS.md`, raw LP, "
        + data["machine"].get("date", "")
        + ")",
        "",
        "| size | default s | project auto | auto s | best exact setting | best s | auto / best |",
        "|---|---:|---|---:|---|---:|---:|",
    ]
    for size, r in data["sizes"].items():
        s = summarise(size, r)
        L.append(
            f"| {size} | {_f(s['default_s'])} | {s['auto']} | {_f(s['auto_s'])} | {s['best']} | {_f(s['best_s'])} | "
            f"{_f(s['auto_vs_best'], 2)} |"
        )
    return L


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", nargs="+", choices=list(SIZES), default=list(SIZES))
    p.add_argument("--routes", nargs="+", choices=ROUTES, default=DEFAULT_ROUTES)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument(
        "--slow-repeats", type=int, default=1, help=f"repeats at {sorted(SLOW_SIZES)} (default 1)"
    )
    p.add_argument(
        "--time-limit", type=float, default=900.0, help="HiGHS time limit and per-run timeout [s]"
    )
    p.add_argument(
        "--max-load",
        type=float,
        default=1.5,
        help="before a slow size, wait (up to --wait s) for the 1-min load to fall below this",
    )
    p.add_argument("--wait", type=float, default=120.0)
    p.add_argument("--note", action="append", default=[])
    p.add_argument(
        "--scenario",
        default=None,
        help="built-in scenario cut to each size (default grid-stability; "
        "year-2021: the grid-stable default's families on the simple tariff)",
    )
    p.add_argument("--out", type=Path, default=BENCH_DIR / "RESULTS.md")
    p.add_argument("--json", type=Path, default=BENCH_DIR / "results_full.json")
    p.add_argument(
        "--options-json",
        type=Path,
        default=BENCH_DIR / "highs_options.json",
        help="summarised into the output when it exists",
    )
    p.add_argument(
        "--render-only", action="store_true", help="rewrite --out from --json without running"
    )
    p.add_argument(
        "--merge",
        action="store_true",
        help="keep the sizes of the existing --json that this run does not measure",
    )
    p.add_argument("--entry", default="bench_full.py", help=argparse.SUPPRESS)
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--size", help=argparse.SUPPRESS)
    p.add_argument("--data", help=argparse.SUPPRESS)
    p.add_argument("--opts", help=argparse.SUPPRESS)
    p.add_argument("--result", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        run_child(args)
        return
    if args.render_only:
        write_markdown(
            json.loads(args.json.read_text()), args.out, options_section(args.options_json)
        )
        return
    sys.path.insert(0, str(REPO))
    if args.scenario:  # the children inherit it through the environment
        os.environ["BENCH_SCENARIO"] = args.scenario
    routes = list(args.routes)
    notes = list(args.note)
    shown = (sys.argv[1:] if argv is None else argv) if args.entry == "bench_full.py" else []
    results: dict[str, Any] = {
        "machine": machine_info(),
        "argv": shown,
        "scenario": os.environ.get("BENCH_SCENARIO", "grid-stability"),
        "entry": args.entry,
        "sizes": {},
        "notes": notes,
    }
    if args.merge and args.json.exists():
        old = json.loads(args.json.read_text())
        results["sizes"] = {k: v for k, v in old.get("sizes", {}).items() if k not in args.sizes}
        results["notes"] = [n for n in old.get("notes", []) if n not in notes] + notes
        results["merged_from"] = {
            "date": old["machine"]["date"],
            "argv": old.get("argv"),
            "elapsed_s": old.get("elapsed_s"),
        }
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-full-") as tmpdir:
        tmp = Path(tmpdir)
        for size in [s for s in SIZES if s in args.sizes]:
            npz, auto_opts, info = prepare(size, tmp)
            slow = size in SLOW_SIZES
            repeats = args.slow_repeats if slow else args.repeats
            if slow:
                waited = 0.0
                while machine_load() > args.max_load and waited < args.wait:
                    time.sleep(10)
                    waited += 10
                if waited:
                    print(
                        f"[{time.perf_counter() - t_start:7.1f} s] waited {waited:.0f} s for the load "
                        f"(now {machine_load():.2f})",
                        file=sys.stderr,
                        flush=True,
                    )
            runs: dict[str, list[dict[str, Any]]] = {r: [] for r in routes}
            size_notes: list[str] = []
            for rep in range(repeats):
                for route in routes:
                    opts = route_opts(route, auto_opts, args.time_limit)
                    res = _spawn(
                        route, size, tmp, data=npz, opts=opts, timeout=args.time_limit * 1.5 + 60
                    )
                    if "error" in res:
                        size_notes.append(f"{route} repeat {rep + 1}: {res['error']}")
                    elif route == "pyomo" and res.get("highs_options") != auto_opts:
                        size_notes.append(
                            f"pyomo computed other HiGHS options: {res.get('highs_options')}"
                        )
                    runs[route].append(res)
                    msg = res.get("error") or (
                        f"build {res['build_s']:.3f} handoff {res['handoff_s']:.3f} "
                        f"solve {res['solve_s']:.3f} post {res['post_s']:.3f} "
                        f"obj {res['objective_usd']} rss {res['peak_rss_mb']:.0f} MB "
                        f"load {res['loadavg_1min_before']:.2f}"
                    )
                    print(
                        f"[{time.perf_counter() - t_start:7.1f} s] {size} rep {rep + 1}/{repeats} {route}: {msg}",
                        file=sys.stderr,
                        flush=True,
                    )
            ref = next(
                (
                    r["objective_usd"]
                    for r in runs.get("raw_default", [])
                    if r.get("objective_usd") is not None
                ),
                None,
            )
            if ref is None:
                ref = next(
                    (
                        r["objective_usd"]
                        for r in runs.get("raw", [])
                        if r.get("objective_usd") is not None
                    ),
                    None,
                )
            agg = {route: aggregate(runs[route], ref) for route in routes}
            if repeats < args.repeats:
                size_notes.append(f"{repeats} repeat(s) at this size (time budget).")
            results["sizes"][size] = {
                "measured": results["machine"]["date"],
                "info": info,
                "highs_options": auto_opts,
                "repeats": repeats,
                "routes": agg,
                "runs": runs,
                "notes": size_notes,
            }
            results["sizes"] = {k: results["sizes"][k] for k in SIZES if k in results["sizes"]}
            results["elapsed_s"] = time.perf_counter() - t_start
            args.json.write_text(json.dumps(results, indent=1, default=str))
            write_markdown(results, args.out, options_section(args.options_json))
    print(
        f"wrote {args.out} and {args.json} in {time.perf_counter() - t_start:.0f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
