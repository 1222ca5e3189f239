#!/usr/bin/env python
"""Cases per hour for the example study (``models/studies/fleet-size.toml``, 96 cases).

Modes (each repeat of each mode runs in a fresh Python process, into a fresh output folder,
so nothing is resumed and nothing is cached between modes):

* ``sequential`` - ``run_study(study)``: one case after another in one process, no dask.
* ``local-N`` - a ``LocalCluster`` of N worker processes (one thread each, HiGHS on one
  thread), started first and timed apart, then ``run_study(study, client)``.

Every case today is a **cold** build and solve (``optimizer.optimize``: Pyomo model built,
compiled to standard form, handed to HiGHS). The inputs are loaded once by the client and
scattered to the workers. Warm re-solves (a model built once per worker and updated in
place) wait for the formulation's warm-start API; the table says so rather than inventing a
number.

Usage::

    python benchmarks/bench_sweep.py                      # sequential, local-1, local-2; 2 repeats
    python benchmarks/bench_sweep.py --modes local-2 --repeats 1

Writes ``benchmarks/SWEEP.md`` (``--out``) and ``benchmarks/sweep.json`` (``--json``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
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
STUDY = REPO / "models" / "studies" / "fleet-size.toml"


def run_one(mode: str, out_dir: Path) -> dict[str, Any]:
    """Run the study once in this process; return timings and per-case medians."""
    sys.path.insert(0, str(REPO))
    import logging

    logging.getLogger("distributed").setLevel(logging.ERROR)
    from optimizer.study import load_study
    from optimizer.sweep import run_study

    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    study = load_study(STUDY)
    startup_s = 0.0
    if mode == "sequential":
        t1 = time.perf_counter()
        rows = run_study(study, out_dir=out_dir, progress=False)
        run_s = time.perf_counter() - t1
        workers = 0
    else:
        from distributed import Client, LocalCluster

        workers = int(mode.split("-")[1])
        t1 = time.perf_counter()
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.ERROR)
        client = Client(cluster)
        client.wait_for_workers(workers)
        startup_s = time.perf_counter() - t1
        t2 = time.perf_counter()
        rows = run_study(study, client, out_dir=out_dir, progress=False)
        run_s = time.perf_counter() - t2
        client.close()
        cluster.close()
    total_s = time.perf_counter() - t0
    ok = rows[rows["status"].isin(("optimal", "feasible"))]
    return {
        "mode": mode,
        "workers": workers,
        "n_cases": len(rows),
        "n_failed": int(len(rows) - len(ok)),
        "startup_s": startup_s,
        "run_s": run_s,
        "total_s": total_s,
        "load_avg_1min": [load_before, os.getloadavg()[0]],
        "cases_per_hour_run": len(rows) / run_s * 3600.0,
        "cases_per_hour_total": len(rows) / total_s * 3600.0,
        "case_wall_s_sum": float(rows["wall_s"].sum()),
        "median_s": {c: float(ok[c].median()) for c in ("prepare_s", "build_s", "handoff_s", "solve_s", "wall_s")},
        "n_intervals": int(ok["n_intervals"].iloc[0]) if len(ok) else 0,
        "n_variables": int(ok["n_variables"].iloc[0]) if len(ok) else 0,
        "n_constraints": int(ok["n_constraints"].iloc[0]) if len(ok) else 0,
    }


def _machine() -> dict[str, Any]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for pkg in ("highspy", "pyomo", "dask", "distributed", "pandas"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = "-"
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "versions": versions}


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def write_markdown(path: Path, runs: dict[str, list[dict[str, Any]]], machine: dict[str, Any]) -> None:
    """Write the results table and notes."""
    first = next(iter(runs.values()))[0]
    lines = [
        "# Sweep throughput: `models/studies/fleet-size.toml`",
        "",
        f"Measured {dt.date.today().isoformat()} by `python benchmarks/bench_sweep.py` on {machine['cpu']} "
        f"({machine['cores']} cores), Python {machine['python']}, "
        + ", ".join(f"{k} {v}" for k, v in machine["versions"].items())
        + ".",
        "",
        f"The study: {first['n_cases']} cases (16 fleet sizes x 3 import caps x 2 price years), each August at "
        f"hourly steps ({first['n_intervals']} intervals, {first['n_variables']:,} variables x "
        f"{first['n_constraints']:,} constraints); {first['n_failed']} cases are infeasible by design "
        "(small fleets under tight caps) and end in the solver-free precheck. Every run starts from an "
        "empty output folder (no resume). Medians over repeats.",
        "",
        "| mode | workers | cluster start [s] | run [s] | cases/hour (run) | cases/hour (incl. start) | solve mode | machine load (1-min avg, before/after) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for mode, rs in runs.items():
        loads = "; ".join(f"{a:.1f}/{b:.1f}" for a, b in (r["load_avg_1min"] for r in rs))
        lines.append(
            f"| {mode} | {rs[0]['workers'] or '- (in-process)'} | {_median(rs, 'startup_s'):.1f} | {_median(rs, 'run_s'):.1f} | "
            f"{_median(rs, 'cases_per_hour_run'):,.0f} | {_median(rs, 'cases_per_hour_total'):,.0f} | cold | {loads} |"
        )
    lines += [
        "| warm re-solve | - | - | - | not measured | not measured | not implemented | |",
        "",
        "Per solved case (median of the medians, seconds):",
        "",
        "| mode | prepare inputs | build (Pyomo) | hand-off (stdform -> highspy) | HiGHS solve | whole case |",
        "|---|---|---|---|---|---|",
    ]
    for mode, rs in runs.items():
        med = {k: statistics.median(r["median_s"][k] for r in rs) for k in rs[0]["median_s"]}
        lines.append(f"| {mode} | {med['prepare_s']:.3f} | {med['build_s']:.3f} | {med['handoff_s']:.3f} | {med['solve_s']:.3f} | {med['wall_s']:.3f} |")
    lines += [
        "",
        "Notes:",
        "",
        "- *cases/hour (run)* counts from the first case submitted to the last row written (the "
        "cluster already up); *incl. start* adds loading the study and starting the cluster.",
        "- `prepare inputs` is near zero because the client loads each distinct input (the base "
        "scenario on one price year's horizon) once, which checks every window before anything is "
        "solved, and scatters it to the workers; in-process, `optimizer.sweep.WorkerCache` keeps it.",
        "- Each worker process pays its imports (pandas, Pyomo, highspy) on its first case, inside *run*.",
        "- **Warm re-solves are not implemented yet.** `optimizer.build_model` puts the data into the "
        "model as plain numbers, so a built model cannot be updated in place; the warm path waits for "
        "the formulation's warm-start API (mutable parameters or bound/cost updates on a persistent "
        "HiGHS model). `run_case` takes the per-worker cache where such a solver will live, and every "
        "row records `solve_mode = \"cold\"`. The build + hand-off columns above are what a warm "
        "re-solve would save per case.",
        "- With 2 cores, 2 workers is the ceiling; the scheduler and the client share those cores.",
    ]
    busiest = max(max(r["load_avg_1min"]) for rs in runs.values() for r in rs)
    if busiest > 0.5:
        lines.append(
            f"- **The machine was shared while measuring**: the 1-minute load average reached {busiest:.1f} on "
            f"{machine['cores']} cores (other jobs, see the last column). With another job on a core, a second "
            "worker has no free core, so `local-2` here is not the uncontended 2-worker throughput; re-run "
            "on an idle machine for that."
        )
    lines.append("")
    path.write_text("\n".join(lines))


def main() -> None:
    """Run every mode in fresh subprocesses and write SWEEP.md and sweep.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", nargs="+", default=["sequential", "local-1", "local-2"])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "SWEEP.md")
    parser.add_argument("--json", type=Path, default=BENCH_DIR / "sweep.json")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--from-json", action="store_true", help="Rewrite --out from --json without running.")
    args = parser.parse_args()
    if args.from_json:
        saved = json.loads(args.json.read_text())
        write_markdown(args.out, saved["runs"], saved["machine"])
        return
    if args.one:
        print(json.dumps(run_one(args.one, args.dir)))  # noqa: T201 - child process reports to the parent
        return
    runs: dict[str, list[dict[str, Any]]] = {m: [] for m in args.modes}
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    for repeat in range(args.repeats):
        for mode in args.modes:
            with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
                cmd = [sys.executable, __file__, "--one", mode, "--dir", str(Path(tmp) / "out")]
                done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
                result = json.loads(done.stdout.strip().splitlines()[-1])
            runs[mode].append(result)
            print(f"repeat {repeat + 1} {mode}: {result['run_s']:.1f} s run, {result['cases_per_hour_run']:,.0f} cases/hour", file=sys.stderr)  # noqa: T201
    machine = _machine()
    args.json.write_text(json.dumps({"machine": machine, "runs": runs}, indent=2) + "\n")
    write_markdown(args.out, runs, machine)
    print(f"wrote {args.out} and {args.json}", file=sys.stderr)  # noqa: T201


if __name__ == "__main__":
    main()
