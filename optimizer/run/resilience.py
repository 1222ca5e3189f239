"""The cost of resilience: the bill against guaranteed ride-through hours (``SPEC.md`` §8, 14).

:func:`resilience_tradeoff` solves the scenario with the ride-through floor of ``H`` hours at
each critical-load level, ``H = 0`` (no energy held) first, as warm re-solves of **one**
mutable model (:class:`~optimizer.run.warm.WarmSolver`): the floor's ``F_t`` are Params, so
only the right-hand sides change between cases. Each solved schedule is then put through the
outage simulator (:mod:`optimizer.results.outage`) at its level, so every row says both what
the floor costs and what it buys.

Study design, stated once: every case starts and ends at the scenario's initial SOC (family 5),
so a floor out of reach from it near the start is reported as infeasible with the precheck's
reason, not moved. The floor is held with ``allow_power_shortfall = True``: intervals in which
the fleet's power cannot carry the level at all are counted in ``power_short_intervals``.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from optimizer.errors import ModellingWarning
from optimizer.formulation.model_data import ModelData
from optimizer.inputs.resilience import Resilience
from optimizer.inputs.scenario import Scenario
from optimizer.loads.critical import (
    DEFAULT_LEVELS,
    CriticalLoad,
    critical_level_name,
    critical_load_mw,
    outage_fleet,
    power_shortfall_mw,
)
from optimizer.results.outage import RideThrough, simulate_ride_through
from optimizer.results.result import DispatchResult
from optimizer.run.warm import WarmSolver

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_TRADEOFF_HOURS_H", "ResilienceStudy", "resilience_tradeoff"]

DEFAULT_TRADEOFF_HOURS_H: tuple[float, ...] = (0.0, 0.5, 1.0, 2.0, 3.0, 4.0)
"""Guaranteed ride-through hours of the trade-off curve [h]."""


@dataclass(frozen=True)
class ResilienceStudy:
    """The trade-off of bill against guaranteed ride-through hours, and survival without a floor.

    Attributes
    ----------
    curve : pandas.DataFrame
        One row per (``critical_load``, ``hours_h``): ``status``; ``bill_usd`` [USD];
        ``cost_usd`` and ``cost_frac``, the bill above the no-floor case [USD] and as a share
        of it [-]; ``held_soc_mean_frac`` and ``held_soc_max_frac``, the SOC minimum plus the
        floor as a share of the fleet's energy [-]; ``soc_mean_frac`` of the schedule [-];
        survival at that level from the solved schedule: ``min_h``, ``median_h`` [h],
        ``p_survive_h`` (share of starts surviving ``hours_h``) [-]; ``power_short_intervals``
        (the fleet cannot carry the level at all) [-]; ``warm`` (a warm re-solve) and
        ``solve_s`` [s]; ``reason`` when not solved.
    survival : RideThrough
        Outage survival of the no-floor schedule at every level.
    base : DispatchResult
        The no-floor solve (``H = 0``).
    """

    curve: pd.DataFrame
    survival: RideThrough
    base: DispatchResult


def _row(
    scenario: Scenario,
    level: CriticalLoad,
    hours_h: float,
    result: DispatchResult,
    base_bill: float | None,
) -> dict[str, object]:
    fleet = outage_fleet(scenario.site.battery_groups)
    energy = sum(g.energy_capacity_mwh for g in scenario.site.battery_groups)
    c = critical_load_mw(
        level,
        load_mw=scenario.load_mw,
        gpu_load_mw=scenario.gpu_load_mw,
        cluster=scenario.site.gpu_cluster,
    )
    short = power_shortfall_mw(
        c, np.full(len(c), fleet.aux_mw), np.full(len(c), fleet.discharge_power_max_mw)
    )
    row: dict[str, object] = {
        "critical_load": critical_level_name(level),
        "hours_h": hours_h,
        "status": str(result.status),
        "critical_load_peak_mw": float(np.max(c)),
        "power_short_intervals": int(np.sum(short > 1e-9)) if hours_h > 0 else 0,
        "warm": bool(result.report.warm_start.warm),
        "solve_s": float(result.report.solve_s + result.report.handoff_s),
        "reason": "; ".join(i.what for i in result.issues),
    }
    if not len(result.schedule):
        return row

    bill = result.objective_usd
    floor = ModelData.from_scenario(result.scenario).energy_floor
    held = (
        (floor.soc_min_mwh + floor.floor_mwh) / energy
        if floor is not None
        else np.full(1, fleet.soc_min_mwh / energy)
    )
    rt = simulate_ride_through(
        scenario, result.schedule, critical=[level], max_hours=24.0, hours_h=(max(hours_h, 0.25),)
    )
    s = rt.summary().iloc[0]
    row.update(
        bill_usd=bill,
        cost_usd=None if base_bill is None else bill - base_bill,
        cost_frac=None if not base_bill else (bill - base_bill) / base_bill,
        held_soc_mean_frac=float(np.mean(held)),
        held_soc_max_frac=float(np.max(held)),
        soc_mean_frac=float(result.schedule["soc_mwh"].mean() / energy),
        min_h=float(
            rt.outcomes[rt.levels[0]]["survival_h"]
            .iloc[1:]
            .where(~rt.outcomes[rt.levels[0]]["censored"].iloc[1:])
            .min()
        ),
        median_h=float(s["median_h"]),
        p_survive_h=float(s[f"p_survive_{max(hours_h, 0.25):g}h"]),
    )
    return row


def resilience_tradeoff(
    scenario: Scenario,
    *,
    levels: Sequence[CriticalLoad] = DEFAULT_LEVELS,
    hours_h: Sequence[float] = DEFAULT_TRADEOFF_HOURS_H,
    solver: WarmSolver | None = None,
) -> ResilienceStudy:
    """Solve ``scenario`` with a ride-through floor of each of ``hours_h`` at each of ``levels``.

    Parameters
    ----------
    scenario : Scenario
        The study; its own ``resilience`` is replaced case by case.
    levels : sequence of level, default ("site", "training_paused")
        Critical-load levels (:func:`optimizer.loads.critical.critical_load_mw`).
    hours_h : sequence of float, default (0, 0.5, 1, 2, 3, 4)
        Guaranteed ride-through hours [h], whole numbers of intervals; 0 (no floor) is always
        solved, once, first.
    solver : WarmSolver, optional
        The warm solver to use (a new one by default).

    Returns
    -------
    ResilienceStudy
        The trade-off curve, the survival of the no-floor schedule, and its solve.

    Raises
    ------
    InfeasibleError, SolveError
        When the no-floor case itself cannot be solved.
    ValueError
        An unknown level.

    Examples
    --------
    >>> study = resilience_tradeoff(load_scenario("default"), hours_h=(0, 1, 4))  # doctest: +SKIP
    >>> study.curve[["critical_load", "hours_h", "cost_usd", "min_h"]]           # doctest: +SKIP
    """
    solver = solver or WarmSolver(max_models=1)
    levels = list(levels)
    first = levels[0] if levels else "site"
    rows: list[dict[str, object]] = []
    t0 = time.perf_counter()
    base = solver.optimize(scenario.replace(resilience=_floor(first, 0.0)))
    base_bill = base.objective_usd
    for level in levels:
        for h in hours_h:
            if h == 0:
                rows.append(_row(scenario, level, 0.0, base, base_bill))
                continue
            with warnings.catch_warnings():  # the shortfall is counted in the row instead
                warnings.simplefilter("ignore", ModellingWarning)
                result = solver.optimize(
                    scenario.replace(resilience=_floor(level, float(h))), raise_on_failure=False
                )
            rows.append(_row(scenario, level, float(h), result, base_bill))
    logger.info(
        "resilience trade-off: %d cases in %.1f s (%d builds, %d warm)",
        len(rows),
        time.perf_counter() - t0,
        solver.n_builds,
        solver.n_warm,
    )
    survival = simulate_ride_through(scenario, base.schedule, critical=levels)
    return ResilienceStudy(curve=pd.DataFrame(rows), survival=survival, base=base)


def _floor(level: CriticalLoad, hours_h: float) -> Resilience:
    if isinstance(level, pd.Series | np.ndarray):
        return Resilience(
            critical_load="series",
            critical_load_mw=np.asarray(level, dtype=float),
            hours_h=hours_h,
            allow_power_shortfall=True,
        )
    return Resilience(critical_load=level, hours_h=hours_h, allow_power_shortfall=True)
