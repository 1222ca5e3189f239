"""Overhead of running HiGHS on the library's own solve threads (``optimizer.solver.highs.on_solve_thread``).

The same small LP (a day of ``year-2021`` at 1 h, its standard form in one ``highspy.Highs``)
is re-solved ``--n`` times from scratch (``clearSolver`` before each run), alternately on the
calling thread (``h.run()``) and through ``run_in_scheduler`` (a queue hand-off to the
long-lived solve thread and back); medians of the per-solve wall time, and their difference,
are the overhead of the hand-off. A third way hands the whole loop over once
(``on_solve_thread(loop, 1)``, as rolling operation does) and times each solve inside it.
Prints one line.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=300)
    args = ap.parse_args()
    from optimizer import load_scenario
    from optimizer.formulation.build import build_model
    from optimizer.solver.highs import highs_instance, on_solve_thread, run_in_scheduler
    from optimizer.solver.standard_form import standard_form

    sc = load_scenario("year-2021", start="2021-07-01", end="2021-07-03", interval_min=60)
    sf = standard_form(build_model(sc))
    h = highs_instance(
        sf, {"output_flag": False, "threads": 1}, offset_usd=sf.offset, integer=sf.integer
    )
    direct, threaded = [], []
    for _ in range(args.n):
        for way, out in ((h.run, direct), (lambda: run_in_scheduler(h), threaded)):
            h.clearSolver()
            t0 = time.perf_counter()
            way()
            out.append(time.perf_counter() - t0)
    inside: list[float] = []

    def loop() -> None:
        for _ in range(args.n):
            h.clearSolver()
            t0 = time.perf_counter()
            run_in_scheduler(h)
            inside.append(time.perf_counter() - t0)

    on_solve_thread(loop, 1)
    d, t, i = statistics.median(direct), statistics.median(threaded), statistics.median(inside)
    print(
        f"{len(sf.columns)} columns, {args.n} solves each, load {os.getloadavg()[0]:.2f}, "
        f"{os.cpu_count()} cores: direct {d * 1e3:.3f} ms, handed off per solve {t * 1e3:.3f} ms "
        f"(overhead {(t - d) * 1e6:.0f} us, {(t / d - 1) * 100:.1f} %), loop handed off once {i * 1e3:.3f} ms a solve"
    )


if __name__ == "__main__":
    main()
