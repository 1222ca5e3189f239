"""Families 1 and 6: site power balance and interconnection limits (``SPEC.md`` §4.1, §4.6)."""

from __future__ import annotations

import pyomo.core as pyo

from optimizer.formulation.model_data import ModelData
from optimizer.formulation.params import param, set_bounds


def add_power_balance(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Balance the site's power in every interval, ``grid_balance[t]`` (family 1).

    Notes
    -----
    ::

        grid_balance[t]:  g[t] - x[t] + sum_b (d[b,t] - c[b,t]) = L[t] - u[t] - v[t] + w[t] + aux[t]

    ``aux[t] = sum_b a[b,t] n[b] aux[b]``; ``u`` curtailed, ``v`` deferred and ``w``
    recovered GPU load exist only when the scenario has flexible load (family 12).

    ========  ==================================  ======================
    symbol    meaning                             Pyomo / field
    ========  ==================================  ======================
    g, x      grid import / export [MW]           grid_import_mw, grid_export_mw
    L         site load at the meter [MW]         ModelData.load_mw
    aux       fleet auxiliary load [MW]           ModelData.aux_load_mw
    ========  ==================================  ======================
    """
    rhs = param(m, "site_demand", m.T, lambda d: d.load_mw + d.aux_load_mw, data)
    groups = list(m.B)
    curtail = hasattr(m, "curtailed_mw")
    defer = hasattr(m, "deferred_mw")

    def _balance(m: pyo.ConcreteModel, t: int) -> pyo.Expression:
        battery = sum(m.discharge_mw[b, t] - m.charge_mw[b, t] for b in groups)
        flex = 0.0
        if curtail:
            flex = flex + m.curtailed_mw[t]
        if defer:
            flex = flex + m.deferred_mw[t] - m.recovered_mw[t]
        return m.grid_import_mw[t] - m.grid_export_mw[t] + battery + flex == rhs[t]

    m.grid_balance = pyo.Constraint(m.T, rule=_balance)


def add_interconnection(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Cap import and export at the point of interconnection (family 6), as variable bounds.

    Notes
    -----
    ::

        0 <= g[t] <= Gimp[t]      0 <= x[t] <= Gexp[t]
    """
    ts = list(m.T)
    set_bounds(m, m.grid_import_mw, ts, lambda d: (None, d.import_limit_mw), data)
    set_bounds(m, m.grid_export_mw, ts, lambda d: (None, d.export_limit_mw), data)
