"""Decision variables shared by several families (``SPEC.md`` §3).

All flows are non-negative and carry their direction in the name. Bounds that are
constraint families of their own (power limits, energy limits, interconnection) are set by
those family functions, not here.
"""

from __future__ import annotations

import pyomo.core as pyo

from optimizer.formulation.model_data import ModelData


def add_core_variables(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Add ``charge_mw[b,t]``, ``discharge_mw[b,t]``, ``soc_mwh[b,t]``, ``grid_import_mw[t]``, ``grid_export_mw[t]``.

    ``soc_mwh[b,t]`` is the energy stored at the **end** of interval ``t`` [MWh].
    """
    m.charge_mw = pyo.Var(m.B, m.T, domain=pyo.NonNegativeReals)
    m.discharge_mw = pyo.Var(m.B, m.T, domain=pyo.NonNegativeReals)
    m.soc_mwh = pyo.Var(m.B, m.T, domain=pyo.NonNegativeReals)
    m.grid_import_mw = pyo.Var(m.T, domain=pyo.NonNegativeReals)
    m.grid_export_mw = pyo.Var(m.T, domain=pyo.NonNegativeReals)
