"""Collect the named cost terms into ``m.cost_<name>_usd`` and ``m.objective_usd``."""

from __future__ import annotations

import pyomo.core as pyo

from optimizer.formulation.costs import CostTerm


def add_objective(m: pyo.ConcreteModel, costs: list[CostTerm]) -> None:
    """Register every cost term as an Expression and minimise their sum [USD]."""
    names = []
    for term in costs:
        comp = f"cost_{term.name}_usd"
        setattr(m, comp, pyo.Expression(expr=term.expr))
        names.append(comp)
    m.cost_term_names = tuple(t.name for t in costs)
    m.objective_usd = pyo.Objective(expr=sum(getattr(m, n) for n in names), sense=pyo.minimize)
