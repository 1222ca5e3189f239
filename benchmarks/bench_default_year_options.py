"""What else HiGHS offers on the default's year at 15 min (issue 24, must-have 4: what was tried).

``bench_default_year.py`` measures the project against HiGHS defaults on the identical LP; the
project's solve there is HiGHS's own cold dual simplex, so 0.5x needs a faster way to solve the
LP itself. This script exports that LP once (``bench_default_year.py --child export``) and runs
HiGHS on it with other settings, each in a fresh process with a time limit, plus one
reformulation of the same LP:

``peak-chain``
    The 24 monthly demand columns (each in 470-2,990 rows ``block - peak <= 0``) split into
    monotone chains ``y_1 <= y_2 <= ... <= y_k <= peak``, each block row on its own ``y_i``: the
    same feasible set projected onto the original columns, without a dense column (an interior
    point method's normal equations fill in with one).

Usage::

    python benchmarks/bench_default_year_options.py --time-limit 60
    # -> benchmarks/DEFAULT-YEAR-OPTIONS.md, default_year_options.json
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
sys.path.insert(0, str(HERE))
from bench_default_year import highs_lp  # noqa: E402

SETTINGS: dict[str, tuple[str, dict[str, Any]]] = {
    "default": ("HiGHS defaults", {}),
    "dual-devex": (
        "dual simplex, devex pricing",
        {"simplex_strategy": 1, "simplex_dual_edge_weight_strategy": 1},
    ),
    "dual-steepest": (
        "dual simplex, steepest edge",
        {"simplex_strategy": 1, "simplex_dual_edge_weight_strategy": 2},
    ),
    "primal": ("primal simplex", {"simplex_strategy": 4}),
    "ipm": ("IPX interior point + crossover", {"solver": "ipm"}),
    "presolve-off": ("HiGHS defaults, presolve off", {"presolve": "off"}),
    "scale-0": ("no scaling", {"simplex_scale_strategy": 0}),
    "scale-4": ("scaling strategy 4", {"simplex_scale_strategy": 4}),
    "no-perturbation": (
        "dual simplex without cost perturbation",
        {"dual_simplex_cost_perturbation_multiplier": 0.0},
    ),
    "dualize": ("the dual LP (simplex_dualize_strategy = 1)", {"simplex_dualize_strategy": 1}),
}
CHAIN_SETTINGS = ("default", "ipm")


def _solve(path: str, setting: str, limit_s: float) -> dict[str, Any]:
    import highspy
    import numpy as np

    z = np.load(path)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", limit_s)
    for k, v in SETTINGS[setting][1].items():
        h.setOptionValue(k, v)
    h.passModel(highs_lp(z))
    t0 = time.perf_counter()
    h.run()
    solve_s = time.perf_counter() - t0
    info = h.getInfo()
    return {
        "solve_s": solve_s,
        "status": h.modelStatusToString(h.getModelStatus()),
        "objective_usd": info.objective_function_value + float(z["offset"][0]),
        "simplex_iterations": int(info.simplex_iteration_count),
        "ipm_iterations": int(info.ipm_iteration_count),
        "highs": h.version(),
    }


def peak_chain(src: str, dst: str, min_rows: int = 200) -> dict[str, int]:
    """Write ``src``'s LP with every column of more than ``min_rows`` entries, wherever it is a
    peak (``expr - a * peak <= u`` with ``a > 0``, or the mirror), split into a monotone chain."""
    import numpy as np
    import scipy.sparse as sp

    z = dict(np.load(src))
    n_col, n_row = z["cost"].size, z["row_lower"].size
    a = sp.csc_matrix((z["value"], z["index"], z["start"]), shape=(n_row, n_col))
    dense = np.flatnonzero(np.diff(a.indptr) > min_rows)
    coo = a.tocoo()
    keep = ~np.isin(coo.col, dense)
    r, c, v = list(coo.row[keep]), list(coo.col[keep]), list(coo.data[keep])
    next_col, next_row = n_col, n_row
    for col in dense:
        rows = a.indices[a.indptr[col] : a.indptr[col + 1]]
        vals = a.data[a.indptr[col] : a.indptr[col + 1]]
        peaks = []
        for row, val in zip(rows, vals, strict=True):
            lo, up = z["row_lower"][row], z["row_upper"][row]
            if (val < 0 and np.isinf(lo)) or (val > 0 and np.isinf(up)):
                peaks.append((int(row), float(val)))
            else:  # any other use of the column stays as it is
                r.append(row), c.append(col), v.append(val)
        peaks.sort()
        ys = list(range(next_col, next_col + len(peaks)))
        next_col += len(peaks)
        for (row, val), y in zip(peaks, ys, strict=True):
            r.append(row), c.append(y), v.append(val)
        for i, y in enumerate(ys):  # y_i - y_{i+1} <= 0, the last one - peak <= 0
            r += [next_row, next_row]
            c += [y, ys[i + 1] if i + 1 < len(ys) else col]
            v += [1.0, -1.0]
            next_row += 1
    b = sp.csc_matrix((v, (r, c)), shape=(next_row, next_col))
    extra_c, extra_r = next_col - n_col, next_row - n_row
    np.savez(
        dst,
        cost=np.concatenate([z["cost"], np.zeros(extra_c)]),
        col_lower=np.concatenate([z["col_lower"], np.full(extra_c, -np.inf)]),
        col_upper=np.concatenate([z["col_upper"], np.full(extra_c, np.inf)]),
        row_lower=np.concatenate([z["row_lower"], np.full(extra_r, -np.inf)]),
        row_upper=np.concatenate([z["row_upper"], np.zeros(extra_r)]),
        start=b.indptr,
        index=b.indices,
        value=b.data,
        offset=z["offset"],
    )
    return {"dense_columns": int(dense.size), "added_columns": extra_c, "added_rows": extra_r}


def _child(args: list[str]) -> dict[str, Any]:
    out = subprocess.run([sys.executable, *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _markdown(res: dict[str, Any]) -> str:
    ref = next(x for x in res["runs"] if x["lp"] == "as built" and x["setting"] == "default")
    lines = [
        "# HiGHS settings on the default's year at 15 min (issue 24: what was tried)",
        "",
        f"Generated by `python benchmarks/bench_default_year_options.py --time-limit "
        f"{res['time_limit_s']:g}` on {res['date']}; {res['machine']}, Python {res['python']}, "
        f"HiGHS {ref['highs']}; 1-min load {res['load'][0]:.2f} before, {res['load'][1]:.2f} after. "
        "One solve per row, each in a fresh process, one after another.",
        "",
        f"LP: {res['size']['columns']:,} columns, {res['size']['rows']:,} rows, "
        f"{res['size']['nonzeros']:,} non-zeros (the export of `bench_default_year.py`). "
        f"`peak-chain`: {res['chain']['dense_columns']} dense demand columns split into chains "
        f"(+{res['chain']['added_columns']:,} columns, +{res['chain']['added_rows']:,} rows).",
        "",
        "| LP | setting | what | solve s | x default | status | simplex it | ipm it | objective rel diff |",
        "|---|---|---|---:|---:|---|---:|---:|---:|",
    ]
    for x in res["runs"]:
        rel = abs(x["objective_usd"] - ref["objective_usd"]) / abs(ref["objective_usd"])
        optimal = x["status"] == "Optimal"
        lines.append(
            f"| {x['lp']} | {x['setting']} | {SETTINGS[x['setting']][0]} | "
            f"{'' if optimal else '>'}{x['solve_s']:.1f} | "
            f"{'' if optimal else '>'}{x['solve_s'] / ref['solve_s']:.2f} | "
            f"{x['status']} | {x['simplex_iterations']:,} | {x['ipm_iterations']} | "
            f"{f'{rel:.1e}' if optimal else '-'} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--child", nargs=3, metavar=("LP", "SETTING", "LIMIT_S"))
    p.add_argument("--time-limit", type=float, default=60.0)
    p.add_argument("--settings", nargs="*", default=list(SETTINGS))
    p.add_argument("--out", type=Path, default=HERE / "DEFAULT-YEAR-OPTIONS.md")
    p.add_argument("--json", type=Path, default=HERE / "default_year_options.json")
    p.add_argument("--render", action="store_true", help="Only rewrite --out from --json.")
    args = p.parse_args()
    if args.render:
        args.out.write_text(_markdown(json.loads(args.json.read_text())))
        return
    if args.child:
        print(json.dumps(_solve(args.child[0], args.child[1], float(args.child[2]))))
        return
    load0 = os.getloadavg()[0]
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        lp, chain = str(Path(tmp) / "year.npz"), str(Path(tmp) / "chain.npz")
        size = _child([str(HERE / "bench_default_year.py"), "--child", "export", "--arg", lp])
        shape = peak_chain(lp, chain)
        jobs = [("as built", lp, s) for s in args.settings]
        jobs += [("peak-chain", chain, s) for s in CHAIN_SETTINGS if s in args.settings]
        for label, path, setting in jobs:
            out = _child([__file__, "--child", path, setting, str(args.time_limit)])
            runs.append({"lp": label, "setting": setting, **out})
            print(json.dumps(runs[-1]), flush=True)
    res = {
        "size": size,
        "chain": shape,
        "runs": runs,
        "time_limit_s": args.time_limit,
        "load": [load0, os.getloadavg()[0]],
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    args.json.write_text(json.dumps(res, indent=1) + "\n")
    args.out.write_text(_markdown(res))
    print(args.out.read_text())


if __name__ == "__main__":
    main()
