"""Where ``optimize``'s memory peaks: RSS sampled every 20 ms, marked by phase (issue 24).

Usage::

    PYTHONPATH=$PWD python benchmarks/mem_phases.py year-2021

Wraps the solve route's steps (compile, passModel, row and variable release, block start,
final solve, solution fill, finish) to print, per phase, the RSS when it starts and ends and
the highest RSS sampled during it [MB]; then the peak of the process (``VmHWM``) [MB].
"""

from __future__ import annotations

import argparse
import functools
import sys
import threading
import time
from pathlib import Path
from typing import Any

_PHASES: list[tuple[str, float, float, float]] = []  # name, rss start, rss end, max inside
_MAX = [0.0]


def _mb(key: str = "VmRSS") -> float:
    """``VmRSS`` or ``VmHWM`` of this process [MB]."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def _sampler(stop: threading.Event) -> None:
    while not stop.is_set():
        _MAX[0] = max(_MAX[0], _mb())
        time.sleep(0.02)


def _wrap(owner: Any, name: str, label: str) -> None:
    fn = getattr(owner, name)

    @functools.wraps(fn)
    def inner(*a: Any, **k: Any) -> Any:
        start = _mb()
        _MAX[0] = start
        t = time.perf_counter()
        try:
            return fn(*a, **k)
        finally:
            _PHASES.append((label, start, _mb(), _MAX[0], time.perf_counter() - t))
            _MAX[0] = _mb()

    setattr(owner, name, inner)


def _before(owner: Any, name: str, *, trim: bool, stats: bool) -> None:
    """Run ``malloc_trim(0)`` and/or print pymalloc's arena summary before ``owner.name``."""
    fn = getattr(owner, name)

    @functools.wraps(fn)
    def inner(*a: Any, **k: Any) -> Any:
        if stats:
            sys._debugmallocstats()
        if trim:
            import ctypes

            t = _mb()
            ctypes.CDLL("libc.so.6").malloc_trim(0)
            print(f"malloc_trim: {t:.0f} -> {_mb():.0f} MB", file=sys.stderr)
        return fn(*a, **k)

    setattr(owner, name, inner)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("scenario")
    p.add_argument("--start")
    p.add_argument("--end")
    p.add_argument("--trim", action="store_true", help="malloc_trim(0) before the final solve")
    p.add_argument("--stats", action="store_true", help="pymalloc stats before the final solve")
    args = p.parse_args(argv)
    import optimizer
    import optimizer.run.optimize as opt
    import optimizer.solver.solve as solve
    from optimizer.solver.warmstart import blocks

    _wrap(opt, "build_model", "build_model")
    _wrap(opt, "finish", "finish")
    _wrap(solve, "standard_form", "compile")
    _wrap(solve, "highs_instance", "passModel")
    _wrap(solve, "release_model_rows", "release rows")
    _wrap(solve, "release_variables", "release variables")
    _wrap(solve, "_scan_blocks", "block scan")
    _wrap(blocks, "block_start", "block start")
    if args.trim or args.stats:
        _before(solve, "_solve_from_basis", trim=args.trim, stats=args.stats)
    _wrap(solve, "_solve_from_basis", "final solve")
    _wrap(solve, "run_highs", "cold solve")
    _wrap(solve, "fill_solution", "fill solution")
    _wrap(solve, "load_values", "load values")
    stop = threading.Event()
    threading.Thread(target=_sampler, args=(stop,), daemon=True).start()
    kw = {k: v for k, v in (("start", args.start), ("end", args.end)) if v is not None}
    sc = optimizer.load_scenario(args.scenario, **kw)
    print(f"after data: {_mb():.0f} MB", file=sys.stderr)
    optimizer.optimize(sc)
    stop.set()
    print(f"{'phase':20s} {'start':>7s} {'end':>7s} {'max':>7s} {'s':>6s}")
    for label, a, b, c, s in _PHASES:
        print(f"{label:20s} {a:7.0f} {b:7.0f} {c:7.0f} {s:6.1f}")
    print(f"peak (VmHWM): {_mb('VmHWM'):.0f} MB")


if __name__ == "__main__":
    main()
