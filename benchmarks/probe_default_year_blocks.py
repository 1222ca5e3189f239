"""Probe: the default's year at 15 min through one solve path, with its warm-start breakdown.

Usage (each a fresh process; JSON of ``SolverOptions`` fields to change)::

    python benchmarks/probe_default_year_blocks.py '{"warm_start": "blocks"}'
    python benchmarks/probe_default_year_blocks.py \
        '{"warm_start": "blocks", "highs_options": {"simplex_dual_edge_weight_strategy": 2}}'

Prints the wall time of ``optimize`` [s], the plan, the solve [s], the iterations, the
objective [USD] and the ``WarmStartReport`` (month solves and final solve apart).
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time

import optimizer


def main() -> None:
    sc = optimizer.load_scenario("default", start="2021-01-01", end="2022-01-01")
    extra = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    sc = dataclasses.replace(sc, options=sc.options.model_copy(update=extra))
    t = time.perf_counter()
    r = optimizer.optimize(sc)
    dt = time.perf_counter() - t
    rep = r.report
    print(json.dumps(extra), round(dt, 1), rep.algorithm, rep.rules, round(rep.solve_s, 1))
    print(rep.simplex_iterations, r.objective_usd)
    print(rep.warm_start)


if __name__ == "__main__":
    main()
