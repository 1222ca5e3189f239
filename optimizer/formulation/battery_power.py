"""Family 3, power limits (``SPEC.md`` §4.3)."""

from __future__ import annotations

import pyomo.environ as pyo

from optimizer.formulation.data import ModelData


def add_power_limits(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Bound each group's charge and discharge by the power of its units in service.

    Notes
    -----
    Written as variable bounds (the solver treats them as such, at no row cost)::

        0 <= c[b,t] <= a[b,t] n[b] Pc[b]
        0 <= d[b,t] <= a[b,t] n[b] Pd[b]

    =============  ====================================  ===========================
    symbol         meaning                               Pyomo / field
    =============  ====================================  ===========================
    c, d           charge / discharge [MW]               charge_mw, discharge_mw
    a n Pc, a n Pd available charge / discharge [MW]      GroupData.charge_max_mw, ...
    =============  ====================================  ===========================
    """
    for g in data.groups:
        cmax, dmax = g.charge_max_mw, g.discharge_max_mw
        for t in m.T:
            m.charge_mw[g.name, t].setub(float(cmax[t]))
            m.discharge_mw[g.name, t].setub(float(dmax[t]))
