"""A parameter loop: how the bill moves with fleet size, re-solving one model warm.

python examples/parameter_loop.py
"""

from __future__ import annotations

import pandas as pd

import optimizer

base = optimizer.load_scenario("default", start="2021-02-08", end="2021-02-22", interval_min=60)
solver = optimizer.WarmSolver()  # same structure for every case: no rebuilds
rows = []
for units in (0, 300, 600, 900, 1200):
    groups = tuple(g.model_copy(update={"n_units": units}) for g in base.site.battery_groups)
    case = base.replace(site=base.site.model_copy(update={"battery_groups": groups}))
    res = solver.optimize(case)
    s = res.summary()
    rows.append(
        {
            "n_units": units,
            "bill_usd": s["bill_optimized_usd"],
            "savings_usd": s["savings_usd"],
            "peak_mw": s["peak_import_optimized_mw"],
        }
    )
print(pd.DataFrame(rows).round(0))
print(f"{solver.n_builds} build(s), {solver.n_warm} warm re-solves")
