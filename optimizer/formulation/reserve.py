"""Families 9, 10 and 15: swing buffer, reserve energy and reserve deliverability
(``SPEC.md`` §4.9, §4.10, §8.15)."""

from __future__ import annotations

import numpy as np
import pyomo.core as pyo
from pyomo.core.util import quicksum

from optimizer.formulation.costs import CostTerm
from optimizer.formulation.model_data import ModelData
from optimizer.formulation.params import param, set_bounds


def add_reserve_variables(m: pyo.ConcreteModel, data: ModelData) -> CostTerm | None:
    """Add ``reserve_up_mw[t]``/``reserve_down_mw[t]``; with a price, return the revenue.

    Notes
    -----
    Without a price the bounds pin them to the required amounts (``ru = ru_min``)::

        ru_min[t] <= ru[t] <= ru_max[t]       rd_min[t] <= rd[t] <= rd_max[t]
        reserve_usd = - sum_t price (ru[t] + rd[t]) dt
    """
    r = data.reserve
    if r is None:
        return None
    ts = list(m.T)
    m.reserve_up_mw = pyo.Var(m.T)
    m.reserve_down_mw = pyo.Var(m.T)
    set_bounds(m, m.reserve_up_mw, ts, lambda d: (d.reserve.up_min_mw, d.reserve.up_max_mw), data)
    set_bounds(
        m, m.reserve_down_mw, ts, lambda d: (d.reserve.down_min_mw, d.reserve.down_max_mw), data
    )
    if not r.is_priced:
        return None
    w = param(
        m,
        "reserve_weight",
        None,
        lambda d: -float(d.reserve.price_usd_per_mw_h or 0.0) * d.interval_h,
        data,
    )
    return CostTerm(
        "reserve", quicksum(w * (m.reserve_up_mw[t] + m.reserve_down_mw[t]) for t in m.T)
    )


def add_swing_buffer(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Hold fleet headroom for the sub-interval swing plus the reserve (family 9).

    Notes
    -----
    ::

        swing_up[t]:    sum_b (a n Pd[b,t] - d[b,t] + c[b,t]) >= wup[t] + ru[t]
        swing_down[t]:  sum_b (a n Pc[b,t] - c[b,t] + d[b,t]) >= wdn[t] + rd[t]

    Up headroom is what the fleet can still add to supply (more discharge or less charge);
    down headroom is what it can still absorb. Written with the fleet's power moved to the
    right-hand side: ``sum_b (c - d) >= wup + ru - sum_b a n Pd``.

    ========  =========================================  =========================
    symbol    meaning                                    Pyomo / field
    ========  =========================================  =========================
    wup, wdn  swing above / below the interval mean [MW] ModelData.swing_up_mw, ...
    ru, rd    frequency reserve held up / down [MW]      reserve_up_mw, reserve_down_mw
    ========  =========================================  =========================
    """
    n = data.n_intervals
    names = [g.name for g in data.groups]
    fleet_d = param(
        m,
        "swing_fleet_discharge",
        m.T,
        lambda d: sum((g.discharge_max_mw for g in d.groups), np.zeros(d.n_intervals)),
        data,
    )
    fleet_c = param(
        m,
        "swing_fleet_charge",
        m.T,
        lambda d: sum((g.charge_max_mw for g in d.groups), np.zeros(d.n_intervals)),
        data,
    )
    wup = param(
        m,
        "swing_up",
        m.T,
        lambda d: d.swing_up_mw if d.swing_up_mw is not None else np.zeros(n),
        data,
    )
    wdn = param(
        m,
        "swing_down",
        m.T,
        lambda d: d.swing_down_mw if d.swing_down_mw is not None else np.zeros(n),
        data,
    )
    has_reserve = hasattr(m, "reserve_up_mw")

    def _up(m: pyo.ConcreteModel, t: int) -> object:
        net = sum(m.charge_mw[b, t] - m.discharge_mw[b, t] for b in names)
        need = wup[t] + (m.reserve_up_mw[t] if has_reserve else 0.0)
        return fleet_d[t] + net >= need

    def _down(m: pyo.ConcreteModel, t: int) -> object:
        net = sum(m.discharge_mw[b, t] - m.charge_mw[b, t] for b in names)
        need = wdn[t] + (m.reserve_down_mw[t] if has_reserve else 0.0)
        return fleet_c[t] + net >= need

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
    names = [g.name for g in data.groups]
    k_up = param(
        m,
        "reserve_up_energy_h",
        None,
        lambda d: d.reserve.sustain_h / min(g.discharge_efficiency_frac for g in d.groups),
        data,
    )
    k_dn = param(
        m,
        "reserve_down_energy_h",
        None,
        lambda d: d.reserve.sustain_h * max(g.charge_efficiency_frac for g in d.groups),
        data,
    )
    lo = param(m, "reserve_soc_floor", None, lambda d: sum(g.soc_min_mwh for g in d.groups), data)
    hi = param(m, "reserve_soc_ceiling", None, lambda d: sum(g.soc_max_mwh for g in d.groups), data)
    m.reserve_energy_up = pyo.Constraint(
        m.T, rule=lambda m, t: sum(m.soc_mwh[b, t] for b in names) - k_up * m.reserve_up_mw[t] >= lo
    )
    m.reserve_energy_down = pyo.Constraint(
        m.T,
        rule=lambda m, t: sum(m.soc_mwh[b, t] for b in names) + k_dn * m.reserve_down_mw[t] <= hi,
    )


def add_reserve_deliverability(m: pyo.ConcreteModel, data: ModelData) -> None:
    """An up-reserve is a cut in what the grid sees: hold no more than can be delivered (family 15).

    Notes
    -----
    Delivering ``ru`` MW of up-reserve lowers the net draw by ``ru``: the import can fall to 0
    and the export can rise to its limit, no further::

        reserve_deliverable[t]:  ru[t] <= g[t] + (Gexp[t] - x[t])

    Without export (``Gexp = 0``) the site must import at least the reserve it holds.

    ========  ======================================  ===============================
    symbol    meaning                                 Pyomo / field
    ========  ======================================  ===============================
    ru[t]     up reserve held [MW]                    reserve_up_mw[t]
    g, x      grid import / export [MW]               grid_import_mw, grid_export_mw
    Gexp[t]   export limit [MW]                       ModelData.export_limit_mw
    ========  ======================================  ===============================
    """
    gexp = param(m, "reserve_export_limit", m.T, lambda d: d.export_limit_mw, data)
    m.reserve_deliverable = pyo.Constraint(
        m.T,
        rule=lambda m, t: m.reserve_up_mw[t] - m.grid_import_mw[t] + m.grid_export_mw[t] <= gexp[t],
    )
