"""Cost terms of the objective (``SPEC.md`` §5); each becomes ``m.cost_<name>_usd``."""

from __future__ import annotations

from dataclasses import dataclass

import pyomo.environ as pyo
from pyomo.core.util import quicksum

from optimizer.formulation.data import ModelData


@dataclass(frozen=True)
class CostTerm:
    """A named cost [USD]; revenue enters with a negative sign."""

    name: str
    expr: object


def energy_cost(m: pyo.ConcreteModel, data: ModelData) -> CostTerm:
    """``energy_usd = sum_t pi[t] g[t] dt``."""
    w = data.import_price_usd_per_mwh * data.interval_h
    return CostTerm("energy", quicksum(float(w[t]) * m.grid_import_mw[t] for t in m.T))


def export_revenue(m: pyo.ConcreteModel, data: ModelData) -> CostTerm:
    """``export_usd = - sum_t pix[t] x[t] dt`` (a revenue, so negative)."""
    w = data.export_price_usd_per_mwh * data.interval_h
    return CostTerm("export", quicksum(-float(w[t]) * m.grid_export_mw[t] for t in m.T if w[t] != 0.0))


def degradation_cost(m: pyo.ConcreteModel, data: ModelData) -> CostTerm:
    """``degradation_usd = sum_bt delta[b] d[b,t] dt``."""
    terms = []
    for g in data.groups:
        w = g.degradation_cost_usd_per_mwh * data.interval_h
        if w != 0.0:
            terms.extend(w * m.discharge_mw[g.name, t] for t in m.T)
    return CostTerm("degradation", quicksum(terms))


def fixed_charges(data: ModelData) -> CostTerm:
    """``fixed_usd``: fixed monthly charges of every billing month touched (a constant)."""
    return CostTerm("fixed", data.fixed_usd)
