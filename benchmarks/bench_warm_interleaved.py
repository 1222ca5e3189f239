#!/usr/bin/env python
"""The example study's cases, warm, through the project and through raw highspy, interleaved.

``bench_sweep.py`` runs each mode in its own process, one after another, so on a shared
machine the raw reference and the project's warm run can meet different loads. Here both run
in one process, case by case in study order, alternating: for each case the project's
``run_case`` (one ``WarmSolver``: making the case, the precheck, the push, HiGHS, the bills and
the result row) and the raw reference's steps (making the case, the precheck, the reference
vectors, ``changeColsCost`` / ``changeColsBounds`` / ``changeRowsBounds``, ``run()``), on two
separate ``highspy.Highs`` instances. Whatever load the machine has, both meet it.

Usage::

    python benchmarks/bench_warm_interleaved.py [--repeats 3]

Prints a table and writes ``benchmarks/WARM-INTERLEAVED.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(BENCH_DIR))


def one_pass() -> dict[str, Any]:
    """One interleaved pass over the study; seconds per route and the largest objective gap."""
    from bench_sweep import STUDY, _highs_lp, _new_highs, _same_matrix, push_raw_changes
    from reference_lp import build_reference_lp
    from test_cross_check import reference_inputs

    from optimizer.formulation.model_data import ModelData
    from optimizer.formulation.precheck import find_infeasibilities
    from optimizer.solver.strategy import highs_options
    from optimizer.studies import apply_case, expand_study, load_study, run_case
    from optimizer.studies.runner import WorkerCache

    study = load_study(STUDY)
    cases = expand_study(study)
    cache = WorkerCache()
    for c in cases:
        cache.prepared(c)
    h: Any = None
    prev: dict[str, Any] | None = None
    t_project = t_raw = 0.0
    gaps: list[float] = []
    for case in cases:
        t0 = time.perf_counter()
        row = run_case(case, cache)
        t_project += time.perf_counter() - t0

        t1 = time.perf_counter()
        scenario = apply_case(cache.prepared(case), case)
        data = ModelData.from_scenario(scenario)
        if find_infeasibilities(scenario, data):
            t_raw += time.perf_counter() - t1
            continue
        m = build_reference_lp(**reference_inputs(scenario))
        if h is None or prev is None or not _same_matrix(prev["A"], m["A"]):
            h = _new_highs(highs_options(scenario.options))
            h.passModel(_highs_lp(m))
        else:
            push_raw_changes(h, m, prev)
        h.run()
        ok = h.modelStatusToString(h.getModelStatus())
        if ok == "Optimal":
            prev = m
            raw_total = float(h.getInfo().objective_function_value) + float(data.fixed_usd)
        else:
            h, prev, raw_total = None, None, float("nan")
        t_raw += time.perf_counter() - t1
        if row.get("status") == "optimal" and raw_total == raw_total:
            gaps.append(abs(row["bill_optimized_usd"] - raw_total) / abs(raw_total))
    return {
        "project_s": t_project,
        "raw_s": t_raw,
        "max_gap": max(gaps) if gaps else float("nan"),
        "n": len(cases),
        "load": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "WARM-INTERLEAVED.md")
    args = parser.parse_args()
    passes = [one_pass() for _ in range(args.repeats)]
    proj = statistics.median(p["project_s"] for p in passes)
    raw = statistics.median(p["raw_s"] for p in passes)
    n = passes[0]["n"]
    from importlib import metadata

    loads = ", ".join(f"{p['load']:.2f}" for p in passes)

    lines = [
        "# Warm re-solves, project against raw highspy, interleaved case by case",
        "",
        f"Measured {dt.datetime.now().isoformat(timespec='seconds')} by `python benchmarks/bench_warm_interleaved.py --repeats {args.repeats}` on "
        f"{platform.processor() or platform.machine()} ({os.cpu_count()} cores), highspy {metadata.version('highspy')}, pyomo {metadata.version('pyomo')}; "
        f"1-min load after each pass: {loads}.",
        "",
        f"Study: `models/studies/fleet-size.toml`, {n} cases (August, hourly), in study order, one process. For each case the project's "
        "`optimizer.studies.runner.run_case` (warm `WarmSolver`, bills, checks, the result row) and then the raw reference (making the case, "
        "precheck, `tests/reference_lp.py` vectors, the three `change*` calls, `run()`) on its own `highspy.Highs`. Medians over passes.",
        "",
        "| route | study [s] | cases/hour | ratio to raw |",
        "|---|---:|---:|---:|",
        f"| raw highspy (everything above) | {raw:.2f} | {n / raw * 3600:,.0f} | 1.00x |",
        f"| project warm (`run_case`) | {proj:.2f} | {n / proj * 3600:,.0f} | {proj / raw:.2f}x |",
        "",
        f"Largest relative difference between the project's and the raw optimised bill: {max(p['max_gap'] for p in passes):.1e}.",
        "Each pass includes the first (cold) case of each route. Of the 6 infeasible cases, 4 end in the precheck for both routes; the other 2 end infeasible in HiGHS, where the project also runs its elastic diagnosis (which constraint, which interval, how many MW) and the raw reference does not.",
        "",
    ]
    args.out.write_text("\n".join(lines))
    print("\n".join(lines))  # noqa: T201


if __name__ == "__main__":
    main()
