"""Family 7, demand peaks, and the demand cost term (``SPEC.md`` §4.7, §5)."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from optimizer.formulation.costs import CostTerm
from optimizer.formulation.model_data import ModelData
from optimizer.formulation.params import is_mutable, param, set_bounds

# Row lower bound of a (window, interval) pair outside the window: HiGHS reads any bound at or
# beyond its infinite_bound (1e20) as no bound, so the row is free.
ROW_OFF_MW = -1e30


def add_demand_peaks(m: pyo.ConcreteModel, data: ModelData) -> CostTerm:
    """Add a peak variable per demand window and ``demand_peak[t]`` rows; return the demand cost.

    Notes
    -----
    ::

        demand_peak[t]:  p[k(t)] >= g[t]            for every t in a window
        p[k] >= p_mtd[k]                            peak already set this month (a bound)
        demand_usd     = sum_k D[k] p[k]

    =======  ======================================  ==========================
    symbol   meaning                                 Pyomo / field
    =======  ======================================  ==========================
    p[k]     peak import in window k [MW]            demand_peak_mw[k]
    D[k]     demand rate [USD/MW per period]         ModelData.demand_rate_usd_per_mw
    k(t)     window of interval t                    ModelData.demand_window
    =======  ======================================  ==========================

    A mutable build (warm re-solves) holds a row for every (window, interval) pair, switched
    off by its bound (:data:`ROW_OFF_MW`, no bound for HiGHS) where the interval is not in the
    window, so that a rolling window crossing a month boundary keeps its model.
    """
    m.K = pyo.RangeSet(0, data.n_windows - 1)
    m.demand_peak_mw = pyo.Var(m.K, domain=pyo.NonNegativeReals)
    set_bounds(m, m.demand_peak_mw, list(m.K), lambda d: (d.demand_floor_mw, None), data)
    window = data.demand_window
    if is_mutable(m):  # which window holds each interval is data: a month boundary is no rebuild
        pairs = [(k, t) for k in m.K for t in m.T]

        def floor(d: ModelData) -> np.ndarray:
            on = d.demand_window[None, :] == np.arange(d.n_windows)[:, None]
            return np.where(on, 0.0, ROW_OFF_MW).ravel()

        lo = param(m, "demand_peak_floor", pairs, floor, data)
        m.demand_peak = pyo.Constraint(
            pairs, rule=lambda m, k, t: m.demand_peak_mw[k] - m.grid_import_mw[t] >= lo[k, t]
        )
    else:
        in_window = [int(t) for t in np.flatnonzero(window >= 0)]
        m.demand_peak = pyo.Constraint(
            in_window, rule=lambda m, t: m.demand_peak_mw[int(window[t])] >= m.grid_import_mw[t]
        )
    rate = param(m, "demand_rate", list(m.K), lambda d: d.demand_rate_usd_per_mw, data)
    return CostTerm("demand", sum(rate[k] * m.demand_peak_mw[k] for k in m.K))
