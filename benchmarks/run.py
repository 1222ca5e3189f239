#!/usr/bin/env python
"""One entry point for every benchmark: ``python benchmarks/run.py [--quick]``.

Full run (about an hour on 2 cores: a HiGHS default solve of the year at 15 min takes ~3 min, and
bench_highs_options.py lets each of 11 other settings run up to its 60 s limit at every size):

1. ``bench_highs_options.py`` - every HiGHS setting on the raw LP, per size ->
   ``HIGHS-OPTIONS.md`` / ``highs_options.json``;
2. ``bench_full.py`` - the three builds (Pyomo, raw, linopy) of the full LP at every size, the
   targets table and a summary of step 1 -> ``RESULTS.md`` / ``results_full.json``.

``--quick`` (about 75 s): the three builds at 1 day at 5 min, 1 week at 5 min and 1 month at
15 min, one repeat; HiGHS default, dual devex, dual steepest edge and IPM + crossover at the two
5-minute sizes; it writes ``RESULTS-quick.md`` and
``HIGHS-OPTIONS-quick.md`` (and their .json) so that it never overwrites the full results
(``--out``/``--options-out`` to change that). Benchmarks never run in CI.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
sys.path[:0] = [str(BENCH_DIR), str(REPO)]

QUICK_SIZES = ["day-5min", "week-5min", "month-15min"]
QUICK_OPTION_SIZES = ["day-5min", "week-5min"]
QUICK_SETTINGS = ["dual-devex", "dual-steepest", "ipm-crossover"]


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="small sizes, 1 repeat, < 2 min")
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="RESULTS file (default RESULTS.md, quick: RESULTS-quick.md)",
    )
    p.add_argument("--options-out", type=Path, default=None)
    p.add_argument(
        "--skip-options", action="store_true", help="reuse the existing highs_options json"
    )
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)

    import bench_full
    import bench_highs_options

    sfx = "-quick" if args.quick else ""
    out = args.out or BENCH_DIR / f"RESULTS{sfx}.md"
    opt_out = args.options_out or BENCH_DIR / f"HIGHS-OPTIONS{sfx}.md"
    opt_json = opt_out.with_name(("highs_options" + sfx.replace("-", "_")) + ".json")
    res_json = out.with_name(("results_full" + sfx.replace("-", "_")) + ".json")
    t0 = time.perf_counter()
    if not args.skip_options:
        oargs = ["--out", str(opt_out), "--json", str(opt_json)]
        if args.quick:
            oargs += [
                "--sizes",
                *QUICK_OPTION_SIZES,
                "--settings",
                *QUICK_SETTINGS,
                "--time-limit",
                "10",
            ]
        bench_highs_options.main(oargs)
    entry = " ".join(["run.py", *(sys.argv[1:] if argv is None else argv)])
    fargs = [
        "--out",
        str(out),
        "--json",
        str(res_json),
        "--options-json",
        str(opt_json),
        "--entry",
        entry,
    ]
    if args.quick:
        fargs += [
            "--sizes",
            *QUICK_SIZES,
            "--repeats",
            "1",
            "--max-load",
            "99",
            "--note",
            "quick run (--quick): small sizes, one repeat; the full run is `python benchmarks/run.py`",
        ]
    else:
        fargs += ["--repeats", str(args.repeats)]
    bench_full.main(fargs)
    print(f"run.py finished in {time.perf_counter() - t0:.0f} s: {out}, {opt_out}", file=sys.stderr)


if __name__ == "__main__":
    main()
