"""Peak memory of ``optimize`` on a year at 15 min, in a fresh process (issue 24, must-have 3).

Usage::

    PYTHONPATH=$PWD python benchmarks/mem_year.py year-2021 --out /tmp/year.npz
    PYTHONPATH=$PWD python benchmarks/mem_year.py default --start 2021-01-01 --end 2022-01-01

Prints one JSON line: peak RSS (``VmHWM`` of this process, the same as ``ru_maxrss`` for a
process that did not fork from a large parent) [MB], the RSS at the phase boundaries [MB],
wall time of ``optimize`` [s], the objective [USD] and the solve report's timings [s].
``--out`` saves the schedule's numeric columns and the cost table (.npz) to compare two runs
(``--compare`` another .npz: the largest absolute difference per column and the objective's
relative difference).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path


def _status_mb(key: str) -> float:
    """``VmRSS`` or ``VmHWM`` of this process [MB]."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("scenario")
    p.add_argument("--start")
    p.add_argument("--end")
    p.add_argument("--out", type=Path)
    p.add_argument("--compare", type=Path)
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    import numpy as np

    import optimizer

    import_s = time.perf_counter() - t0
    kw = {k: v for k, v in (("start", args.start), ("end", args.end)) if v is not None}
    sc = optimizer.load_scenario(args.scenario, **kw)
    rss_data = _status_mb("VmRSS")
    t = time.perf_counter()
    r = optimizer.optimize(sc)
    wall_s = time.perf_counter() - t
    out = {
        "scenario": args.scenario,
        "n_intervals": sc.n_intervals,
        "interval_min": sc.interval_min,
        "peak_rss_mb": round(_status_mb("VmHWM"), 1),
        "ru_maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
        "rss_after_data_mb": round(rss_data, 1),
        "rss_end_mb": round(_status_mb("VmRSS"), 1),
        "import_s": round(import_s, 2),
        "optimize_s": round(wall_s, 2),
        "build_s": round(r.build_s, 2),
        "handoff_s": round(r.report.handoff_s, 2),
        "solve_s": round(r.report.solve_s, 2),
        "objective_usd": r.objective_usd,
        "report_objective_usd": r.report.objective_usd,
        "rows_released": r.report.rows_released,
    }
    num = r.schedule.select_dtypes("number")
    if args.out is not None:
        np.savez(
            args.out,
            columns=np.array(list(num.columns)),
            values=num.to_numpy(dtype=float),
            costs=r.costs.to_numpy(dtype=float),
            objective=np.array([r.report.objective_usd]),
        )
    if args.compare is not None:
        ref = np.load(args.compare)
        assert list(ref["columns"]) == list(num.columns), "schedule columns differ"
        diff = np.abs(ref["values"] - num.to_numpy(dtype=float)).max(axis=0)
        obj_ref = float(ref["objective"][0])
        out["max_abs_diff"] = dict(zip(num.columns, diff.round(12).tolist(), strict=True))
        out["costs_max_abs_diff_usd"] = float(
            np.abs(ref["costs"] - r.costs.to_numpy(dtype=float)).max()
        )
        out["objective_rel_diff"] = abs(r.report.objective_usd - obj_ref) / max(1.0, abs(obj_ref))
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
