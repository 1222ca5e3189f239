#!/usr/bin/env python
"""HiGHS settings chosen by measurement: every solver setting on the same raw LP, per size.

For each size the full ``grid-stability`` LP (all families, ``raw_full.py``) is built once in a
fresh child process and solved with each setting in turn (a new ``Highs`` per setting, the global
thread scheduler reset before each so that ``threads`` takes effect). Reported per setting: solve
time, status, iterations, objective difference to the HiGHS default, largest row and column-bound
violation of the returned point, and whether it is a vertex (valid basis).

A setting is **exact** when HiGHS says Optimal, the largest row and bound violations are
<= 1e-6 (MW or MWh) and the objective is within 1e-6 relative of the default's. The project's
``auto`` choice (``optimizer.solver.strategy.highs_options``) is shown next to the best exact setting.

Usage::

    python benchmarks/bench_highs_options.py                    # all sizes
    python benchmarks/bench_highs_options.py --sizes day-5min week-5min --time-limit 30

Writes ``benchmarks/HIGHS-OPTIONS.md`` and ``benchmarks/highs_options.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

from full_common import SIZES, load_size, machine_load, model_arrays, read_inputs, write_inputs  # noqa: E402

BASE = {"output_flag": False}
# name -> (options on top of HiGHS defaults, description)
SETTINGS: dict[str, tuple[dict[str, Any], str]] = {
    "default": ({}, "HiGHS defaults (solver=choose, threads=0)"),
    "dual": (
        {"solver": "simplex", "simplex_strategy": 1, "threads": 1},
        "dual simplex, default (choose) pricing",
    ),
    "dual-devex": (
        {
            "solver": "simplex",
            "simplex_strategy": 1,
            "simplex_dual_edge_weight_strategy": 1,
            "threads": 1,
        },
        "dual simplex, devex pricing",
    ),
    "dual-steepest": (
        {
            "solver": "simplex",
            "simplex_strategy": 1,
            "simplex_dual_edge_weight_strategy": 2,
            "threads": 1,
        },
        "dual simplex, steepest edge",
    ),
    "primal": ({"solver": "simplex", "simplex_strategy": 4, "threads": 1}, "primal simplex"),
    "ipm-crossover": (
        {"solver": "ipm", "run_crossover": "on", "threads": 1},
        "IPX interior point + crossover",
    ),
    "ipm-no-crossover": (
        {"solver": "ipm", "run_crossover": "off", "threads": 1},
        "IPX interior point, no crossover",
    ),
    "pdlp": ({"solver": "pdlp", "threads": 1}, "PDLP (first-order), default tolerances"),
    "auto-presolve-off": ({"presolve": "off"}, "the project's auto choice with presolve off"),
    "auto-threads2": ({"threads": 2}, "the project's auto choice with threads=2"),
    "dual-devex-threads2": (
        {
            "solver": "simplex",
            "simplex_strategy": 1,
            "simplex_dual_edge_weight_strategy": 1,
            "threads": 2,
        },
        "dual devex, threads=2",
    ),
    "ipm-crossover-threads2": (
        {"solver": "ipm", "run_crossover": "on", "threads": 2},
        "IPX + crossover, threads=2",
    ),
}
EXACT_TOL = 1e-6


def project_auto(size: str) -> dict[str, Any]:
    """The options ``optimizer.solver.strategy.highs_options`` gives for the scenario at ``size`` (solver keys only)."""
    from optimizer.solver.strategy import highs_options

    sc = load_size(size)
    opts = highs_options(sc.options)
    return {k: v for k, v in opts.items() if k not in ("output_flag", "time_limit", "mip_rel_gap")}


# ============================================================================ child
def child(
    npz: str,
    auto: dict[str, Any],
    names: list[str],
    time_limit: float,
    default_limit: float,
    out: str,
) -> None:
    import highspy
    import numpy as np
    from raw_full import build_raw_full, max_violation, to_highs_lp

    inp = read_inputs(npz)
    R = build_raw_full(inp)
    lp = to_highs_lp(R, highspy)
    results: dict[str, Any] = {}
    lp_size = {
        "n_cols": int(R["A"].shape[1]),
        "n_rows": int(R["A"].shape[0]),
        "nnz": int(R["A"].nnz),
    }
    for name in names:
        extra, _ = SETTINGS[name]
        opts = dict(BASE)
        if name.startswith("auto-"):
            opts.update(auto)
        opts.update(extra)
        opts["time_limit"] = default_limit if name == "default" else time_limit
        times = []
        while True:  # short solves are repeated (median): 5x under 1 s, 3x under 5 s
            highspy.Highs.resetGlobalScheduler(True)
            h = highspy.Highs()
            for k, v in opts.items():
                h.setOptionValue(k, v)
            h.passModel(lp)
            t = time.perf_counter()
            h.run()
            times.append(time.perf_counter() - t)
            want = 5 if times[0] < 1.0 else (3 if times[0] < 5.0 else 1)
            if len(times) >= want:
                break
        solve_s = float(np.median(times))
        status = h.modelStatusToString(h.getModelStatus())
        info = h.getInfo()
        res: dict[str, Any] = {
            "options": opts,
            "solve_s": solve_s,
            "times": times,
            "status": status,
            "simplex_iterations": int(info.simplex_iteration_count),
            "ipm_iterations": int(info.ipm_iteration_count),
            "pdlp_iterations": int(info.pdlp_iteration_count),
            "loadavg": machine_load(),
        }
        if info.primal_solution_status == 2 or status == "Optimal":
            x = np.asarray(h.getSolution().col_value, dtype=float)
            row, col = max_violation(R, x)
            obj = float(R["cost"] @ x)
            res.update(
                objective=obj,
                max_row_violation=row,
                max_col_violation=col,
                vertex=bool(h.getBasis().valid),
            )
        results[name] = res
        print(
            f"  {name}: {solve_s:.3f} s {status} {res.get('objective')} viol {res.get('max_row_violation')}",
            file=sys.stderr,
            flush=True,
        )
        # after every setting, so that an interrupted size keeps what it measured
        Path(out).write_text(json.dumps({**results, "_lp": lp_size}, default=str))


def classify(settings: dict[str, Any]) -> dict[str, Any]:
    """Add ``obj_rel_diff`` (to the default's objective) and ``exact`` to every setting."""
    ref = (
        settings.get("default", {}).get("objective")
        if settings.get("default", {}).get("status") == "Optimal"
        else None
    )
    for res in settings.values():
        res.pop("obj_rel_diff", None)
        if ref is not None and res.get("objective") is not None:
            res["obj_rel_diff"] = abs(res["objective"] - ref) / max(1.0, abs(ref))
        res["exact"] = bool(
            res["status"] == "Optimal"
            and res.get("max_row_violation", 1) <= EXACT_TOL
            and res.get("max_col_violation", 1) <= EXACT_TOL
            and res.get("obj_rel_diff", 1) <= EXACT_TOL
        )
    return settings


# ============================================================================ parent
def run_sizes(
    sizes: list[str],
    names: list[str],
    time_limit: float,
    default_limit: float,
    tmp: Path,
    log=sys.stderr,
    on_size=None,
    previous: dict[str, Any] | None = None,
) -> dict[str, Any]:
    from optimizer.formulation.model_data import ModelData

    out: dict[str, Any] = {}
    for size in sizes:
        sc = load_size(size)
        npz = tmp / f"opts-{size}.npz"
        write_inputs(model_arrays(ModelData.from_scenario(sc)), npz)
        auto = project_auto(size)
        res_path = (
            tmp / f"opts-{size}-result.json"
        )  # (opts-{size}.json holds the scalars of the .npz)
        print(f"[options] {size} (load {machine_load():.2f})", file=log, flush=True)
        cmd = [
            sys.executable,
            __file__,
            "--child",
            str(npz),
            "--auto",
            json.dumps(auto),
            "--names",
            *names,
            "--time-limit",
            str(time_limit),
            "--default-limit",
            str(default_limit),
            "--result",
            str(res_path),
        ]
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
        res = json.loads(res_path.read_text())
        lp = res.pop("_lp")
        prev = (previous or {}).get(size, {}).get("settings", {})
        merged = {**prev, **res}  # --merge: settings not re-run keep their earlier measurement
        merged = {k: merged[k] for k in SETTINGS if k in merged}
        out[size] = {
            "auto": auto,
            "lp": lp,
            "settings": classify(merged),
            "interval_min": sc.interval_min,
            "n_intervals": sc.n_intervals,
            "time_limit": time_limit,
            "rerun": sorted(res) if prev else None,
        }
        if on_size is not None:
            on_size(out)
    return out


def auto_name(auto: dict[str, Any]) -> str:
    if auto.get("solver") == "ipm":
        return "ipm-crossover"
    if auto.get("solver") == "simplex" and auto.get("simplex_dual_edge_weight_strategy") == 1:
        return "dual-devex"
    return "default"


def summarise(size: str, r: dict[str, Any]) -> dict[str, Any]:
    st = r["settings"]
    exact = {k: v for k, v in st.items() if v.get("exact")}
    best = min(exact, key=lambda k: exact[k]["solve_s"]) if exact else None
    a = auto_name(r["auto"])
    auto_s = st.get(a, {}).get("solve_s")
    default_s = st.get("default", {}).get("solve_s")
    return {
        "best": best,
        "best_s": exact[best]["solve_s"] if best else None,
        "auto": a,
        "auto_s": auto_s,
        "default_s": default_s,
        "auto_is_best": best == a,
        "auto_vs_best": (auto_s / exact[best]["solve_s"]) if (best and auto_s) else None,
    }


def write_markdown(
    results: dict[str, Any], path: Path, machine: dict[str, Any], header: str = ""
) -> None:
    L = ["# HiGHS settings by measurement (full grid-stability LP, raw build)", ""]
    if header:
        L += [header, ""]
    L.append(
        f"Machine: {machine.get('cpu')}, {machine.get('logical_cores')} logical cores, {machine.get('ram_gb')} GB RAM; "
        f"highspy {machine.get('highspy')}; {machine.get('date')}."
    )
    L.append("")
    L.append(
        "Solve time = median of 5 solves under 1 s, of 3 under 5 s, else one solve, of the same `raw_full.py` LP in one fresh process per size; "
        f"non-default settings stop at the time limit (shown as `>` limit). **exact** = Optimal, largest row "
        f"and bound violation <= {EXACT_TOL:g} (MW/MWh) and objective within {EXACT_TOL:g} relative of the "
        "default's. `vertex` = HiGHS returned a valid basis. `auto` = the options "
        '`optimizer.solver.strategy.highs_options` picks for the scenario\'s `algorithm = "auto"` (threads=1).'
    )
    L.append("")
    L.append("## Best exact setting per size")
    L.append("")
    L.append(
        "| size | LP cols x rows | default s | project auto | auto s | best exact | best s | auto / best | auto is best? |"
    )
    L.append("|---|---|---:|---|---:|---|---:|---:|---|")
    for size, r in results.items():
        s = summarise(size, r)
        L.append(
            f"| {size} | {r['lp']['n_cols']} x {r['lp']['n_rows']} | {_f(s['default_s'])} | {s['auto']} | {_f(s['auto_s'])} | "
            f"{s['best'] or '-'} | {_f(s['best_s'])} | {_f(s['auto_vs_best'], 2)} | {'yes' if s['auto_is_best'] else 'no'} |"
        )
    L.append("")
    for size, r in results.items():
        L.append(f"## {SIZES[size]['label']}")
        L.append("")
        L.append(
            f"T = {r['n_intervals']} intervals; LP {r['lp']['n_cols']} columns x {r['lp']['n_rows']} rows, "
            f"{r['lp']['nnz']} non-zeros; project auto = `{r['auto']}`."
        )
        L.append("")
        L.append(
            "| setting | what | solve s | status | simplex it | ipm it | pdlp it | obj rel diff | max row viol | max bound viol | vertex | exact | load |"
        )
        L.append("|---|---|---:|---|---:|---:|---:|---:|---:|---:|---|---|---:|")
        for name, v in r["settings"].items():
            limit = v["options"].get("time_limit")
            solve = _f(v["solve_s"]) if v["status"] != "Time limit reached" else f">{limit:.0f}"
            L.append(
                f"| {name} | {SETTINGS[name][1]} | {solve} | {v['status']} | {v['simplex_iterations']} | "
                f"{v['ipm_iterations']} | {v['pdlp_iterations']} | {_e(v.get('obj_rel_diff'))} | "
                f"{_e(v.get('max_row_violation'))} | {_e(v.get('max_col_violation'))} | "
                f"{'yes' if v.get('vertex') else 'no'} | {'yes' if v['exact'] else 'no'} | {v['loadavg']:.2f} |"
            )
        L.append("")
    path.write_text("\n".join(L) + "\n")


def _f(x: Any, nd: int = 3) -> str:
    return "-" if x is None else f"{x:.{nd}f}"


def _e(x: Any) -> str:
    return "-" if x is None else f"{x:.1e}"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", nargs="+", choices=list(SIZES), default=list(SIZES))
    p.add_argument("--settings", nargs="+", choices=list(SETTINGS), default=list(SETTINGS))
    p.add_argument(
        "--time-limit",
        type=float,
        default=60.0,
        help="per-setting HiGHS time limit [s] (default 60)",
    )
    p.add_argument(
        "--default-limit", type=float, default=600.0, help="time limit of the default setting [s]"
    )
    p.add_argument("--out", type=Path, default=BENCH_DIR / "HIGHS-OPTIONS.md")
    p.add_argument("--json", type=Path, default=BENCH_DIR / "highs_options.json")
    p.add_argument(
        "--merge",
        action="store_true",
        help="keep the sizes and settings of the existing --json that this run does not re-measure",
    )
    p.add_argument(
        "--skip-default",
        action="store_true",
        help="do not re-run the default setting (with --merge: reuse its earlier measurement)",
    )
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--auto", help=argparse.SUPPRESS)
    p.add_argument("--names", nargs="+", help=argparse.SUPPRESS)
    p.add_argument("--result", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        child(
            args.child,
            json.loads(args.auto),
            args.names,
            args.time_limit,
            args.default_limit,
            args.result,
        )
        return
    sys.path.insert(0, str(REPO))
    from bench_routes import machine_info

    names = ([] if args.skip_default else ["default"]) + [
        s for s in args.settings if s != "default"
    ]
    shown = " ".join(sys.argv[1:] if argv is None else argv)
    previous: dict[str, Any] = {}
    if args.merge and args.json.exists():
        previous = json.loads(args.json.read_text()).get("sizes", {})

    def save(
        res: dict[str, Any],
    ) -> None:  # after every size: an interrupted run keeps what it measured
        mi = machine_info()
        merged = {**previous, **res}
        merged = {k: merged[k] for k in SIZES if k in merged}
        args.json.write_text(json.dumps({"machine": mi, "sizes": merged}, indent=1, default=str))
        write_markdown(
            merged,
            args.out,
            mi,
            header=f"Generated by `python benchmarks/bench_highs_options.py {shown}`"
            + (" (merged into the previous results)" if previous else "")
            + ".",
        )

    with tempfile.TemporaryDirectory(prefix="bench-opts-") as tmp:
        run_sizes(
            args.sizes,
            names,
            args.time_limit,
            args.default_limit,
            Path(tmp),
            on_size=save,
            previous=previous,
        )
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
