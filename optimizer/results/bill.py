"""The bill by term, recomputed from a schedule with numpy alone (``SPEC.md`` §5).

This is deliberately independent of the Pyomo expressions: the invariant check compares
its total with the solver's objective.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimizer.formulation.data import ModelData

COST_TERMS = ("energy", "export", "demand", "degradation", "fixed")


def window_peaks_mw(grid_import_mw: np.ndarray, data: ModelData) -> np.ndarray:
    """Highest import in each demand window [MW]."""
    peaks = np.zeros(data.n_windows)
    w = data.demand_window
    mask = w >= 0
    if mask.any():
        np.maximum.at(peaks, w[mask], grid_import_mw[mask])
    return peaks


def bill_terms(
    data: ModelData,
    grid_import_mw: np.ndarray,
    grid_export_mw: np.ndarray,
    discharge_mw_by_group: dict[str, np.ndarray],
) -> pd.Series:
    """Every cost term [USD] of a schedule, plus ``total``."""
    dt = data.interval_h
    energy = float(np.dot(data.import_price_usd_per_mwh, grid_import_mw) * dt)
    export = -float(np.dot(data.export_price_usd_per_mwh, grid_export_mw) * dt)
    demand = float(np.dot(data.demand_rate_usd_per_mw, window_peaks_mw(grid_import_mw, data)))
    degradation = float(
        sum(g.degradation_cost_usd_per_mwh * discharge_mw_by_group[g.name].sum() * dt for g in data.groups)
    )
    terms = pd.Series(
        {"energy": energy, "export": export, "demand": demand, "degradation": degradation, "fixed": data.fixed_usd},
        name="usd",
    )
    terms["total"] = float(terms.sum())
    return terms


def baseline_terms(data: ModelData) -> pd.Series:
    """Bill of the same site and tariff with no battery: ``g_t = L_t`` [USD]."""
    return bill_terms(data, data.load_mw.copy(), np.zeros(data.n_intervals), {g.name: np.zeros(data.n_intervals) for g in data.groups})
