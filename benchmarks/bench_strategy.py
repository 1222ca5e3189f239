"""Every solve path of every shipped scenario, idle and beside two busy processes -> STRATEGY.md.

Each shipped scenario runs at its natural size (``default`` and ``mlgw-tou``: February 2021 at
15 min; ``grid-stability``: its week at 5 min; ``year-2021``: the year at its 15-min step)
through ``optimize()`` (exclusivity off: the LP alone) on ``SolverOptions`` as shipped
(``auto``) and on every alternative path: one or two threads (two = HiGHS's parallel dual,
PAMI, what rule parallel-dual chose), cold, coarse or block warm start where they apply. Every
path of a scenario runs in one child process per condition, interleaved within each repeat, so
every ratio is measured in one run:

- ``idle``: nothing of ours beside the child (other users of the machine are recorded through
  ``os.getloadavg()`` before and after each run);
- ``load``: two CPU-burning subprocesses (bounded in time, killed afterwards) beside it, i.e. a
  2-core machine already fully busy.

The verdict column is the issue's rule: ``auto`` must never be more than 1.2x the best
single-thread path of the same scenario under load.

Usage (repository root, project environment)::

    python benchmarks/bench_strategy.py                        # all scenarios, 3 repeats
    python benchmarks/bench_strategy.py --scenarios default --repeats 5
    python benchmarks/bench_strategy.py --year-paths auto blocks-1t blocks-2t
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

PATHS: dict[str, dict[str, Any]] = {
    "auto": {},
    "auto-1t": {"threads": 1},
    "none-1t": {"warm_start": "none", "threads": 1},
    "none-2t": {"warm_start": "none", "threads": 2, "highs_options": {"simplex_strategy": 3}},
    "coarse-1t": {"warm_start": "coarse", "threads": 1},
    "coarse-2t": {"warm_start": "coarse", "threads": 2},
    "blocks-1t": {"warm_start": "blocks", "threads": 1},
    "blocks-2t": {"warm_start": "blocks", "threads": 2},
}
SCENARIOS: dict[str, dict[str, Any]] = {
    "default": {"paths": ["auto", "none-1t", "none-2t", "coarse-1t", "coarse-2t"]},
    "mlgw-tou": {"paths": ["auto", "none-1t", "none-2t", "coarse-1t", "coarse-2t"]},
    "grid-stability": {"paths": ["auto", "none-1t", "none-2t", "coarse-1t", "coarse-2t"]},
    # a year at 15 min: a cold or coarse solve takes 100-200 s (RESULTS.md); --year-paths adds them
    "year-2021": {"paths": ["auto", "blocks-1t", "blocks-2t"], "repeats": 1},
}
SINGLE_THREAD = ("none-1t", "coarse-1t", "blocks-1t", "auto-1t")
TWO_THREAD_LIMIT_S = 25.0  # [s] HiGHS time limit of the 2-thread paths (a bound, reported as such)


# --------------------------------------------------------------------------- child
def child(scenario: str, paths: list[str], repeats: int) -> None:
    """Run ``paths`` on ``scenario`` ``repeats`` times, interleaved; JSON lines on stdout."""
    import dataclasses

    import pandas as pd

    from optimizer import load_scenario, optimize
    from optimizer.errors import SolverLimitError
    from optimizer.solver.highs import import_highspy

    import_highspy()
    sc0 = load_scenario(scenario)
    short = load_scenario(
        scenario,
        start=sc0.index[0].tz_localize(None),
        end=(sc0.index[0] + pd.Timedelta(days=1)).tz_localize(None),
    )
    optimize(
        dataclasses.replace(
            short, options=short.options.model_copy(update={"enforce_exclusivity": False})
        )
    )  # warm the imports on one day
    for rep in range(repeats):
        for path in paths:
            upd = {"enforce_exclusivity": False, **PATHS[path]}
            sc = dataclasses.replace(sc0, options=sc0.options.model_copy(update=upd))
            if path.endswith("-2t"):  # bounded: measured several times slower under load
                sc = dataclasses.replace(
                    sc, options=sc.options.model_copy(update={"time_limit_s": TWO_THREAD_LIMIT_S})
                )
            load0 = os.getloadavg()[0]
            t0 = time.perf_counter()
            try:
                res = optimize(sc)
            except SolverLimitError:
                print(
                    json.dumps(
                        {
                            "scenario": scenario,
                            "path": path,
                            "repeat": rep,
                            "wall_s": time.perf_counter() - t0,
                            "build_s": 0.0,
                            "handoff_s": 0.0,
                            "solve_s": TWO_THREAD_LIMIT_S,
                            "objective": None,
                            "iterations": 0,
                            "rules": [],
                            "threads": 2,
                            "warm": "",
                            "limit": True,
                            "load_before": load0,
                            "load_after": os.getloadavg()[0],
                            "n_intervals": len(sc.index),
                            "interval_min": sc.interval_min,
                        }
                    ),
                    flush=True,
                )
                continue
            wall = time.perf_counter() - t0
            r = res.report
            print(
                json.dumps(
                    {
                        "scenario": scenario,
                        "path": path,
                        "repeat": rep,
                        "wall_s": wall,
                        "build_s": res.build_s,
                        "handoff_s": r.handoff_s,
                        "solve_s": r.solve_s,
                        "objective": r.objective_usd,
                        "iterations": r.simplex_iterations,
                        "rules": list(r.rules),
                        "threads": r.threads,
                        "warm": r.warm_start.method or "",
                        "load_before": load0,
                        "load_after": os.getloadavg()[0],
                        "n_intervals": len(sc.index),
                        "interval_min": sc.interval_min,
                    }
                ),
                flush=True,
            )


# --------------------------------------------------------------------------- parent
def burners(n: int, seconds: float) -> list[subprocess.Popen]:
    """``n`` CPU-burning processes that end by themselves after ``seconds``."""
    code = f"import time\nt = time.time() + {seconds}\nx = 0\nwhile time.time() < t:\n    x += 1\n"
    return [subprocess.Popen([sys.executable, "-c", code]) for _ in range(n)]


def stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        if p.poll() is None:
            p.kill()
        p.wait()


def run_child(
    scenario: str, paths: list[str], repeats: int, condition: str, budget_s: float
) -> list[dict]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = burners(2, budget_s) if condition == "load" else []
    try:
        if procs:
            time.sleep(1.0)  # let them reach the CPU
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                scenario,
                "--paths",
                *paths,
                "--repeats",
                str(repeats),
            ],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=budget_s,
            check=False,
        )
    finally:
        stop(procs)
    if out.returncode:
        print(out.stderr[-3000:], file=sys.stderr)
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    for r in rows:
        r["condition"] = condition
    return rows


def machine() -> dict[str, Any]:
    import highspy
    import pyomo

    try:
        hv = highspy.Highs().version()
    except Exception:  # noqa: BLE001
        hv = "?"
    from importlib.metadata import version

    return {
        "cpu_count": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "highspy": version("highspy"),
        "highs": hv,
        "pyomo": pyomo.version.version,
    }


def summarise(rows: list[dict]) -> dict[tuple, dict[str, Any]]:
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault((r["scenario"], r["condition"], r["path"]), []).append(r)
    out = {}
    for key, rs in groups.items():
        out[key] = {
            "wall": statistics.median(r["wall_s"] for r in rs),
            "solve": statistics.median(r["handoff_s"] + r["solve_s"] for r in rs),
            "n": len(rs),
            "rules": rs[0]["rules"],
            "warm": rs[0]["warm"],
            "load": (min(r["load_before"] for r in rs), max(r["load_after"] for r in rs)),
            "obj": rs[0]["objective"],
            "T": rs[0]["n_intervals"],
            "step": rs[0]["interval_min"],
            "iters": statistics.median(r["iterations"] or 0 for r in rs),
            "limit": sum(bool(r.get("limit")) for r in rs),
        }
    return out


def write_md(
    rows: list[dict], info: dict[str, Any], args: argparse.Namespace, path: Path, wall: float
) -> None:
    s = summarise(rows)
    lines = [
        "# Solve strategy: every path of every shipped scenario, idle and under load",
        "",
        f"Generated by `python benchmarks/bench_strategy.py {' '.join(sys.argv[1:])}` on "
        f"{time.strftime('%Y-%m-%dT%H:%M:%S')} in {wall:.0f} s; git {git_rev()}.",
        "",
        f"Machine: {info['cpu_count']} logical cores ({info['affinity']} usable), {info['platform']}; "
        f"Python {info['python']}, highspy {info['highspy']} (HiGHS {info['highs']}), Pyomo {info['pyomo']}.",
        "",
        "`wall` = `optimize()` end to end (build, hand-off, solve, checks and reports; exclusivity off), "
        "`solve` = hand-off + HiGHS (warm-start LPs included); medians over the repeats. `idle` = nothing of "
        "ours beside the run (the machine is shared: the 1-min load average around the runs is given); "
        "`load` = two CPU-burning processes beside it. `x best 1t` = the path's `wall` over the best "
        "single-thread path's `wall` of the same scenario and condition (same run, interleaved).",
        "",
    ]
    verdicts = []
    for scen in dict.fromkeys(r["scenario"] for r in rows):
        keys = [k for k in s if k[0] == scen]
        if not keys:
            continue
        T, step = s[keys[0]]["T"], s[keys[0]]["step"]
        lines += [
            f"## {scen} ({T} intervals of {step} min)",
            "",
            "| path | condition | plan (rules) | wall s | solve s | x best 1t | iterations | load avg | runs |",
            "|---|---|---|---:|---:|---:|---:|---|---:|",
        ]
        for cond in ("idle", "load"):
            ck = [k for k in keys if k[1] == cond]
            ones = [s[k]["wall"] for k in ck if k[2] in SINGLE_THREAD]
            best = min(ones) if ones else float("nan")
            for k in sorted(ck, key=lambda k: list(PATHS).index(k[2])):
                v = s[k]
                cut = (
                    f" ({v['limit']} hit the {TWO_THREAD_LIMIT_S:.0f} s limit: at least)"
                    if v["limit"]
                    else ""
                )
                lines.append(
                    f"| {k[2]}{cut} | {cond} | {', '.join(v['rules']) or '-'} | {v['wall']:.2f} | {v['solve']:.2f} | "
                    f"{v['wall'] / best:.2f} | {v['iters']:.0f} | {v['load'][0]:.2f}-{v['load'][1]:.2f} | {v['n']} |"
                )
            a = s.get((scen, cond, "auto"))
            if a is not None:
                # the single-thread path that runs auto's very plan (same rules but one-thread,
                # same iterations): its runs and auto's are one path measured twice, so the
                # verdict pools them (their difference is the machine's noise, shown apart)
                same = [
                    k
                    for k in ck
                    if k[2] in SINGLE_THREAD
                    and s[k]["iters"] == a["iters"]
                    and s[k]["warm"] == a["warm"]
                ]
                pool = [
                    r["wall_s"]
                    for r in rows
                    if r["scenario"] == scen
                    and r["condition"] == cond
                    and (r["path"] == "auto" or (same and r["path"] == same[0][2]))
                ]
                twin = s[same[0]]["wall"] if same else float("nan")
                verdicts.append(
                    (
                        scen,
                        cond,
                        statistics.median(pool) / best,
                        a["rules"],
                        same[0][2] if same else "-",
                        a["wall"] / twin if same else float("nan"),
                    )
                )
        lines.append("")
    lines += [
        "## Verdict: `auto` against the best single-thread path",
        "",
        "`auto's plan / best 1t` pools the runs of `auto` and of the single-thread path that runs the same "
        "plan (same warm start, same simplex iterations): one path measured twice. `auto / its twin` is that "
        "pair's own ratio, i.e. the run-to-run noise of the machine at the time.",
        "",
        "| scenario | condition | auto's plan / best 1t | <= 1.2x? | auto's twin | auto / its twin (noise) | auto's rules |",
        "|---|---|---:|---|---|---:|---|",
    ]
    for scen, cond, ratio, rules, twin, noise in verdicts:
        lines.append(
            f"| {scen} | {cond} | {ratio:.2f} | {'yes' if ratio <= 1.2 else '**no**'} | {twin} | {noise:.2f} | "
            f"{', '.join(rules)} |"
        )
    lines.append("")
    path.write_text("\n".join(lines))


def git_rev() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        return "?"


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--child")
    ap.add_argument("--paths", nargs="*")
    ap.add_argument("--scenarios", nargs="*", default=list(SCENARIOS))
    ap.add_argument("--conditions", nargs="*", default=["idle", "load"])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--year-paths", nargs="*")
    ap.add_argument(
        "--budget", type=float, default=1800.0, help="seconds per child (and burner lifetime)"
    )
    ap.add_argument("--out", default=str(HERE / "STRATEGY.md"))
    ap.add_argument("--json", default=str(HERE / "strategy.json"))
    ap.add_argument(
        "--merge", action="store_true", help="keep the rows of --json for scenarios not run now"
    )
    ap.add_argument("--render-only", action="store_true")
    args = ap.parse_args()
    if args.render_only:
        got = json.loads(Path(args.json).read_text())
        write_md(got["rows"], got["machine"], args, Path(args.out), got.get("elapsed_s", 0.0))
        return
    if args.child:
        child(args.child, args.paths, args.repeats)
        return
    t0 = time.perf_counter()
    info = machine()
    rows: list[dict] = []
    if args.merge and Path(args.json).exists():
        rows = [
            r
            for r in json.loads(Path(args.json).read_text())["rows"]
            if r["scenario"] not in args.scenarios
        ]
    for scen in args.scenarios:
        cfg = SCENARIOS[scen]
        paths = args.year_paths if (scen == "year-2021" and args.year_paths) else cfg["paths"]
        reps = cfg.get("repeats", args.repeats)
        for cond in args.conditions:
            print(f"{scen} {cond}: {paths} x {reps} (load {os.getloadavg()[0]:.2f})", flush=True)
            got = run_child(scen, paths, reps, cond, args.budget)
            rows += got
            for r in got:
                print(
                    f"  {r['path']:10s} {r['wall_s']:7.2f} s  solve {r['handoff_s'] + r['solve_s']:7.2f}  "
                    f"load {r['load_before']:.2f}  {','.join(r['rules'])}",
                    flush=True,
                )
            Path(args.json).write_text(
                json.dumps(
                    {"machine": info, "rows": rows, "elapsed_s": time.perf_counter() - t0}, indent=1
                )
            )
            write_md(rows, info, args, Path(args.out), time.perf_counter() - t0)


if __name__ == "__main__":
    main()
