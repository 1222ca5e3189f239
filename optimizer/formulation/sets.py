"""Index sets: intervals ``T`` (integer positions) and battery groups ``B``."""

from __future__ import annotations

import pyomo.core as pyo

from optimizer.formulation.model_data import ModelData


def add_sets(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Add ``m.T = 0..T-1`` (timestamps stay in the scenario) and ``m.B`` (group names)."""
    m.T = pyo.RangeSet(0, data.n_intervals - 1)
    m.B = pyo.Set(initialize=[g.name for g in data.groups], ordered=True)
