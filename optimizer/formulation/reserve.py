"""Families 9 and 10: swing buffer and reserve energy (``SPEC.md`` §4.9, §4.10)."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
from pyomo.core.util import quicksum

from optimizer.formulation.costs import CostTerm
from optimizer.formulation.data import ModelData


def _held(m: pyo.ConcreteModel, data: ModelData, direction: str, t: int) -> object:
    """Reserve held in interval t [MW]: a variable when priced, else a constant."""
    r = data.reserve
    if r is None:
        return 0.0
    if r.is_priced:
        return getattr(m, f"reserve_{direction}_mw")[t]
    return float((r.up_min_mw if direction == "up" else r.down_min_mw)[t])


def add_reserve_variables(m: pyo.ConcreteModel, data: ModelData) -> CostTerm | None:
    """With a reserve price, add ``reserve_up_mw[t]``/``reserve_down_mw[t]`` and return the revenue.

    Notes
    -----
    ::

        ru_min[t] <= ru[t] <= ru_max[t]       rd_min[t] <= rd[t] <= rd_max[t]
        reserve_usd = - sum_t price (ru[t] + rd[t]) dt
    """
    r = data.reserve
    if r is None or not r.is_priced:
        return None
    m.reserve_up_mw = pyo.Var(m.T, bounds=lambda m, t: (float(r.up_min_mw[t]), float(r.up_max_mw[t])))
    m.reserve_down_mw = pyo.Var(m.T, bounds=lambda m, t: (float(r.down_min_mw[t]), float(r.down_max_mw[t])))
    w = float(r.price_usd_per_mw_h or 0.0) * data.interval_h
    return CostTerm("reserve", quicksum(-w * (m.reserve_up_mw[t] + m.reserve_down_mw[t]) for t in m.T))


def add_swing_buffer(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Hold fleet headroom for the sub-interval swing plus the reserve (family 9).

    Notes
    -----
    ::

        swing_up[t]:    sum_b (a n Pd[b,t] - d[b,t] + c[b,t]) >= wup[t] + ru[t]
        swing_down[t]:  sum_b (a n Pc[b,t] - c[b,t] + d[b,t]) >= wdn[t] + rd[t]

    Up headroom is what the fleet can still add to supply (more discharge or less charge);
    down headroom is what it can still absorb.

    ========  =========================================  =========================
    symbol    meaning                                    Pyomo / field
    ========  =========================================  =========================
    wup, wdn  swing above / below the interval mean [MW] ModelData.swing_up_mw, ...
    ru, rd    frequency reserve held up / down [MW]      reserve_up_mw or constant
    ========  =========================================  =========================
    """
    n = data.n_intervals
    wup = data.swing_up_mw if data.swing_up_mw is not None else np.zeros(n)
    wdn = data.swing_down_mw if data.swing_down_mw is not None else np.zeros(n)
    groups = data.groups

    def _up(m: pyo.ConcreteModel, t: int) -> object:
        room = sum(float(g.discharge_max_mw[t]) - m.discharge_mw[g.name, t] + m.charge_mw[g.name, t] for g in groups)
        return room >= float(wup[t]) + _held(m, data, "up", t)

    def _down(m: pyo.ConcreteModel, t: int) -> object:
        room = sum(float(g.charge_max_mw[t]) - m.charge_mw[g.name, t] + m.discharge_mw[g.name, t] for g in groups)
        return room >= float(wdn[t]) + _held(m, data, "down", t)

    m.swing_up = pyo.Constraint(m.T, rule=_up)
    m.swing_down = pyo.Constraint(m.T, rule=_down)


def add_reserve_energy(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Keep enough stored energy (and room) to sustain the held reserve for H hours (family 10).

    Notes
    -----
    Fleet-wide, with the least favourable efficiencies of the groups (conservative when the
    groups differ)::

        reserve_energy_up[t]:    sum_b s[b,t] - ru[t] H / etad_min >= sum_b smin[b] n[b] E[b]
        reserve_energy_down[t]:  sum_b s[b,t] + rd[t] H etac_max <= sum_b smax[b] n[b] E[b]
    """
    r = data.reserve
    assert r is not None  # noqa: S101 - only called with a reserve
    if r.sustain_h <= 0 or not data.groups:
        return
    etad = min(g.discharge_efficiency_frac for g in data.groups)
    etac = max(g.charge_efficiency_frac for g in data.groups)
    lo = sum(g.soc_min_mwh for g in data.groups)
    hi = sum(g.soc_max_mwh for g in data.groups)
    names = [g.name for g in data.groups]
    h = r.sustain_h
    m.reserve_energy_up = pyo.Constraint(
        m.T, rule=lambda m, t: sum(m.soc_mwh[b, t] for b in names) - (h / etad) * _held(m, data, "up", t) >= lo
    )
    m.reserve_energy_down = pyo.Constraint(
        m.T, rule=lambda m, t: sum(m.soc_mwh[b, t] for b in names) + (h * etac) * _held(m, data, "down", t) <= hi
    )
