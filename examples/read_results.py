"""Read saved results back: run once into a folder, then load the schedule and summary.

python examples/read_results.py [OUT_DIR]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import optimizer

out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()) / "run"
scenario = optimizer.load_scenario("default", start="2021-02-15", end="2021-02-18")
optimizer.optimize(scenario).to_dir(out, plot=False)

schedule, summary = optimizer.read_result(out)
print(f"read {len(schedule)} intervals from {out}; index time zone {schedule.index.tz}")
print(
    f"bill {summary['bill_optimized_usd']:,.0f} USD against {summary['bill_baseline_usd']:,.0f} USD without batteries"
)
print(schedule[["grid_import_mw", "soc_mwh"]].describe().round(1))
