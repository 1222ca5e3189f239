"""Cost terms of the objective (``SPEC.md`` §5); each becomes ``m.cost_<name>_usd``."""

from __future__ import annotations

from dataclasses import dataclass

import pyomo.core as pyo
from pyomo.core.util import quicksum

from optimizer.formulation.model_data import ModelData
from optimizer.formulation.params import param


@dataclass(frozen=True)
class CostTerm:
    """A named cost [USD]; revenue enters with a negative sign."""

    name: str
    expr: object


def energy_cost(m: pyo.ConcreteModel, data: ModelData, extra: object = 0.0) -> CostTerm:
    """``energy_usd = sum_t pi[t] g[t] dt`` (+ the tariff's energy-tier charges, ``extra``)."""
    w = param(m, "energy_weight", m.T, lambda d: d.import_price_usd_per_mwh * d.interval_h, data)
    return CostTerm("energy", quicksum(w[t] * m.grid_import_mw[t] for t in m.T) + extra)


def export_revenue(m: pyo.ConcreteModel, data: ModelData) -> CostTerm:
    """``export_usd = - sum_t pix[t] x[t] dt`` (a revenue, so negative)."""
    w = param(m, "export_weight", m.T, lambda d: -d.export_price_usd_per_mwh * d.interval_h, data)
    return CostTerm("export", quicksum(w[t] * m.grid_export_mw[t] for t in m.T))


def degradation_cost(m: pyo.ConcreteModel, data: ModelData) -> CostTerm:
    """``degradation_usd = sum_bt delta[b] d[b,t] dt``."""
    names = [g.name for g in data.groups if g.degradation_cost_usd_per_mwh > 0]
    w = param(
        m,
        "degradation_weight",
        names,
        lambda d: {g.name: g.degradation_cost_usd_per_mwh * d.interval_h for g in d.groups},
        data,
    )
    return CostTerm(
        "degradation", quicksum(w[b] * m.discharge_mw[b, t] for b in names for t in m.T)
    )


def fixed_charges(m: pyo.ConcreteModel, data: ModelData) -> CostTerm:
    """``fixed_usd``: fixed monthly charges of every billing month touched (a constant)."""
    return CostTerm("fixed", param(m, "fixed", None, lambda d: d.fixed_usd, data))
