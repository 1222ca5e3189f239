"""Family 3, power limits (``SPEC.md`` §4.3)."""

from __future__ import annotations

import pyomo.core as pyo

from optimizer.formulation.model_data import ModelData
from optimizer.formulation.params import set_bounds


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
    ts = list(m.T)
    for g in data.groups:
        keys = [(g.name, t) for t in ts]
        set_bounds(m, m.charge_mw, keys, lambda d, b=g.name: (None, d.group(b).charge_max_mw), data)
        set_bounds(
            m, m.discharge_mw, keys, lambda d, b=g.name: (None, d.group(b).discharge_max_mw), data
        )
