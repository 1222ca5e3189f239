"""The bill by term, recomputed from a schedule with numpy alone (``SPEC.md`` §5).

This is deliberately independent of the Pyomo expressions: the invariant check compares
its total with the solver's objective.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from optimizer.formulation.model_data import ModelData, ramp_steps_mw
from optimizer.results.extract import Solution
from optimizer.tariffs.evaluate import cost_terms

COST_TERMS = (
    "energy",
    "export",
    "demand",
    "excess",
    "coincident",
    "minimum",
    "degradation",
    "curtailment",
    "reserve",
    "event_credit",
    "movement",
    "fixed",
)


def net_draw_steps_mw(data: ModelData, net_import_mw: np.ndarray) -> np.ndarray:
    """Moves of the net draw ``y = g - x`` that family 13 prices [MW].

    ``y[t] - y[t-1]`` for ``t >= 1``, led by ``y[0] - g_init`` when the ramp table gives the
    import before the horizon (the same intervals as ``movement_balance``).
    """
    steps = np.diff(net_import_mw)
    if data.ramp is not None and data.ramp.initial_import_mw is not None and len(net_import_mw):
        steps = np.concatenate(([net_import_mw[0] - data.ramp.initial_import_mw], steps))
    return steps


def movement_usd(data: ModelData, grid_import_mw: np.ndarray, grid_export_mw: np.ndarray) -> float:
    """Family 13's cost of a schedule: ``mu * sum_t |Δ(g - x)[t]|`` [USD] (0 when off)."""
    if not data.has_movement:
        return 0.0
    steps = net_draw_steps_mw(data, np.asarray(grid_import_mw) - np.asarray(grid_export_mw))
    return float(data.movement_cost_usd_per_mw * np.abs(steps).sum())


def bill_terms(data: ModelData, sol: Solution) -> pd.Series:
    """Every cost term [USD] of a schedule, plus ``total``."""
    dt = data.interval_h
    g = sol.grid_import_mw
    t_terms = cost_terms(data.tariff, g, sol.grid_export_mw)  # the tariff's own numpy bill
    tariff = {
        k: float(t_terms[k])
        for k in ("energy", "export", "demand", "excess", "coincident", "minimum")
    }
    degradation = float(
        sum(
            gd.degradation_cost_usd_per_mwh * sol.groups[gd.name]["discharge_mw"].sum() * dt
            for gd in data.groups
        )
    )
    curtailment = 0.0
    if data.flex is not None:  # lost compute plus the cost of delaying deferred work
        curtailment = float(data.flex.curtail_cost_usd_per_mwh * sol.curtailed_mw.sum() * dt)
        curtailment += float(data.flex.defer_cost_usd_per_mwh * sol.deferred_mw.sum() * dt)
    reserve = 0.0
    if data.reserve is not None and data.reserve.is_priced:
        reserve = (
            -float(data.reserve.price_usd_per_mw_h or 0.0)
            * float((sol.reserve_up_mw + sol.reserve_down_mw).sum())
            * dt
        )
    event_credit = -data.event_capacity_credit_usd
    if data.event_credit_usd_per_mwh is not None and data.event_cap_mw is not None:
        inside = np.isfinite(data.event_cap_mw)
        event_credit -= float(
            np.sum(data.event_credit_usd_per_mwh[inside] * (data.load_mw[inside] - g[inside])) * dt
        )
    values = {
        **tariff,
        "degradation": degradation,
        "curtailment": curtailment,
        "reserve": reserve,
        "event_credit": event_credit,
        "movement": movement_usd(data, g, sol.grid_export_mw),
        "fixed": float(data.fixed_usd),
    }
    values["total"] = float(sum(values.values()))
    return pd.Series(values, name="usd")


def baseline_terms(data: ModelData) -> pd.Series:
    """Bill of the same site and tariff with no battery and no flexibility: ``g_t = L_t`` [USD].

    Its event capacity credit covers only the programmes whose cap the load never exceeds
    (``ModelData.baseline_event_capacity_credit_usd``): a site that cannot reduce is not paid
    for interruptions it could not deliver.
    """
    honest = replace(data, event_capacity_credit_usd=data.baseline_event_capacity_credit_usd)
    return bill_terms(honest, Solution.baseline(data))


def idle_terms(data: ModelData) -> tuple[pd.Series, bool]:
    """Bill of the site with its fleet idle (aux load drawn, no charge or discharge), and whether that is feasible."""
    sol = Solution.baseline(data)
    sol.grid_import_mw = data.load_mw + data.aux_load_mw
    feasible = bool(np.all(sol.grid_import_mw <= data.import_limit_mw * (1 + 1e-9)))
    n = data.n_intervals
    for g in data.groups:
        kept = g.initial_soc_mwh * g.retention_frac ** np.arange(1, n + 1)
        sol.groups[g.name]["soc_mwh"] = kept
        feasible &= bool(
            kept[-1] >= g.final_soc_min_mwh - 1e-9
            and kept[-1] <= g.final_soc_max_mwh + 1e-9
            and kept.min() >= g.soc_min_mwh - 1e-9
        )
    if data.event_cap_mw is not None:
        feasible &= bool(np.all(sol.grid_import_mw <= data.event_cap_mw * (1 + 1e-9)))
    if data.energy_floor is not None:
        f = data.energy_floor
        feasible &= bool(np.all(sol.fleet("soc_mwh") >= f.soc_min_mwh + f.floor_mwh - 1e-9))
    if data.ramp is not None:
        steps = ramp_steps_mw(data, sol.grid_import_mw)
        feasible &= bool(
            np.all(steps <= data.ramp.rise_mw * (1 + 1e-9))
            and np.all(-steps <= data.ramp.fall_mw * (1 + 1e-9))
        )
    if data.has_swing:
        feasible = False  # holding headroom may force the fleet off idle; no simple idle comparison
    return bill_terms(data, sol), feasible


def net_meter(data: ModelData, g: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Remove simultaneous import and export where it is cost-neutral (export price = import price).

    The LP is indifferent between importing 11 MW while exporting 10 MW and importing 1 MW when
    both flows earn the same price; one meter cannot do both, so the equivalent net flow is
    reported. Balance, caps and every cost term are unchanged.
    """
    both = np.minimum(g, x)
    neutral = np.isclose(
        data.import_price_usd_per_mwh, data.export_price_usd_per_mwh, rtol=0.0, atol=1e-12
    )
    cut = np.where(neutral & (both > 0), both, 0.0)
    return g - cut, x - cut
