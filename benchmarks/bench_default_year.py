"""The new default at scale (issue 24, must-have 4): a year at 15 min, end to end, in one run.

The built-in ``default`` scenario (TVA seasonal TOU through the tariff engine, the grid-stable
families 8, 9, 10, 13 and 15) cut to 2021 at 15 min (35,040 intervals), through
``optimizer.optimize`` (the project, ``auto`` strategy), against HiGHS at its default settings
on the identical LP, measured in the same run, each in a fresh process.

``raw_full.py`` mirrors the simple tariff only (not the tariff engine's 30-min TOU demand
blocks, HUD blocks and contract rows), so the yardstick is the project's own LP exported once
to arrays (an .npz; not timed) and solved by ``highspy`` alone: ``HighsLp`` from the arrays,
``passModel``, ``run`` at HiGHS defaults (``raw_default`` of ``bench_full.py``, on this LP).
The export shares the project's compile, so it is a speed yardstick, not an independent
formulation (``tests/formulation/test_cross_check.py`` is that).

Usage::

    python benchmarks/bench_default_year.py            # -> benchmarks/DEFAULT-YEAR.md, default_year.json

Peak RSS is ``VmHWM`` of each child [MB]; ``optimize_s`` is build + hand-off + solve + post
(scenario loading and imports shown apart), as ``total`` in ``bench_full.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SPAN = {"start": "2021-01-01", "end": "2022-01-01"}


def _hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def _project() -> dict[str, Any]:
    t0 = time.perf_counter()
    import optimizer

    t1 = time.perf_counter()
    sc = optimizer.load_scenario("default", **SPAN)
    t2 = time.perf_counter()
    r = optimizer.optimize(sc)
    t3 = time.perf_counter()
    return {
        "import_s": t1 - t0,
        "load_s": t2 - t1,
        "optimize_s": t3 - t2,
        "objective_usd": r.objective_usd,
        "handoff_s": r.report.handoff_s,
        "solve_s": r.report.solve_s,
        "rules": list(r.report.rules),
        "simplex_iterations": r.report.simplex_iterations,
        "peak_rss_mb": _hwm_mb(),
        "intervals": sc.n_intervals,
    }


def _export(path: str) -> dict[str, Any]:
    import numpy as np

    import optimizer
    from optimizer.formulation.build import build_model
    from optimizer.formulation.model_data import ModelData
    from optimizer.solver.standard_form import standard_form

    sc = optimizer.load_scenario("default", **SPAN)
    data = ModelData.from_scenario(sc)
    sf = standard_form(build_model(sc, data))
    a = sf.a.tocsc()
    np.savez(
        path,
        cost=sf.cost,
        col_lower=sf.col_lower,
        col_upper=sf.col_upper,
        row_lower=sf.row_lower,
        row_upper=sf.row_upper,
        start=a.indptr,
        index=a.indices,
        value=a.data,
        offset=np.array([sf.offset]),
    )
    return {"columns": int(a.shape[1]), "rows": int(a.shape[0]), "nonzeros": int(a.nnz)}


def highs_lp(z: Any) -> Any:
    """A ``highspy.HighsLp`` from the arrays of an exported LP (``_export``'s .npz)."""
    import highspy

    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = int(z["cost"].size), int(z["row_lower"].size)
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = z["cost"], z["col_lower"], z["col_upper"]
    lp.row_lower_, lp.row_upper_ = z["row_lower"], z["row_upper"]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = (
        z["start"],
        z["index"],
        z["value"],
    )
    return lp


def _raw(path: str) -> dict[str, Any]:
    import highspy
    import numpy as np

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    t0 = time.perf_counter()
    z = np.load(path)
    lp = highs_lp(z)
    t1 = time.perf_counter()
    h.passModel(lp)
    t2 = time.perf_counter()
    h.run()
    t3 = time.perf_counter()
    return {
        "build_s": t1 - t0,
        "handoff_s": t2 - t1,
        "solve_s": t3 - t2,
        "total_s": t3 - t0,
        "status": h.modelStatusToString(h.getModelStatus()),
        "objective_usd": h.getInfo().objective_function_value + float(z["offset"][0]),
        "iterations": int(h.getInfo().simplex_iteration_count),
        "peak_rss_mb": _hwm_mb(),
        "highs": h.version(),
    }


def _child(kind: str, arg: str = "") -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--arg", arg],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--child", choices=["project", "export", "raw"])
    p.add_argument("--arg", default="")
    p.add_argument("--out", type=Path, default=HERE / "DEFAULT-YEAR.md")
    p.add_argument("--json", type=Path, default=HERE / "default_year.json")
    args = p.parse_args()
    if args.child:
        fn = {"project": lambda: _project(), "export": lambda: _export(args.arg)}
        fn["raw"] = lambda: _raw(args.arg)
        print(json.dumps(fn[args.child]()))
        return
    load0 = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        lp = str(Path(tmp) / "default_year.npz")
        size = _child("export", lp)
        project = _child("project")
        raw = _child("raw", lp)
    load1 = os.getloadavg()[0]
    time_ratio = project["optimize_s"] / raw["total_s"]
    rss_ratio = project["peak_rss_mb"] / raw["peak_rss_mb"]
    rel = abs(project["objective_usd"] - raw["objective_usd"]) / abs(raw["objective_usd"])
    res = {
        "size": size,
        "project": project,
        "raw_default": raw,
        "time_ratio": time_ratio,
        "rss_ratio": rss_ratio,
        "objective_rel_diff": rel,
        "load": [load0, load1],
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    args.json.write_text(json.dumps(res, indent=1) + "\n")
    args.out.write_text(
        "# The new default at scale: a year at 15 min (issue 24, must-have 4)\n\n"
        f"Generated by `python benchmarks/bench_default_year.py` on {res['date']}; "
        f"{res['machine']}, Python {res['python']}, HiGHS {raw['highs']}; "
        f"1-min load {load0:.2f} before, {load1:.2f} after.\n\n"
        f"LP: `default` over 2021 at 15 min ({project['intervals']:,} intervals): "
        f"{size['columns']:,} columns, {size['rows']:,} rows, {size['nonzeros']:,} non-zeros.\n\n"
        "| route | total s | peak RSS MB | x raw_default time | x raw_default RSS |\n"
        "|---|---:|---:|---:|---:|\n"
        f"| project (`optimize`, auto) | {project['optimize_s']:.1f} | "
        f"{project['peak_rss_mb']:.0f} | **{time_ratio:.2f}** | **{rss_ratio:.2f}** |\n"
        f"| raw_default (highspy, HiGHS defaults, same LP) | {raw['total_s']:.1f} | "
        f"{raw['peak_rss_mb']:.0f} | 1.00 | 1.00 |\n\n"
        f"- Project: hand-off {project['handoff_s']:.1f} s, solve {project['solve_s']:.1f} s "
        f"(rules: {', '.join(project['rules'])}); scenario loading {project['load_s']:.1f} s and imports "
        f"{project['import_s']:.1f} s are not in its total; objective "
        f"{project['objective_usd']:,.2f} USD.\n"
        f"- raw_default: build {raw['build_s']:.2f} s, passModel {raw['handoff_s']:.2f} s, solve "
        f"{raw['solve_s']:.1f} s ({raw['iterations']:,} simplex iterations, {raw['status']}); "
        f"objective {raw['objective_usd']:,.2f} USD (relative difference {rel:.1e}).\n"
        "- Targets: time <= 0.5x, peak RSS <= 1.5x.\n"
    )
    print(args.out.read_text())


if __name__ == "__main__":
    main()
