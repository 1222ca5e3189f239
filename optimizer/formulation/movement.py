"""Family 13, import movement: a small cost per MW of change of the grid draw (SPEC §8.13)."""

from __future__ import annotations

import pyomo.core as pyo
from pyomo.core.util import quicksum

from optimizer.formulation.costs import CostTerm
from optimizer.formulation.model_data import ModelData
from optimizer.formulation.params import param


def add_import_movement(m: pyo.ConcreteModel, data: ModelData) -> CostTerm:
    """Split every change of the net grid draw into a rise and a fall, and price both.

    Prices are flat inside a clock-aligned demand block, so many schedules cost the same and
    the LP may pick one that see-saws the draw between extremes. A small cost ``mu`` per MW
    moved breaks those ties in favour of the steadiest draw; it is reported as its own cost
    term, ``cost_movement_usd``.

    Parameters
    ----------
    m : pyomo.environ.ConcreteModel
        Model holding ``grid_import_mw`` and ``grid_export_mw`` over ``m.T``.
    data : ModelData
        ``movement_cost_usd_per_mw`` [USD/MW] and, when a ramp table gives one, the import
        just before the horizon ``ramp.initial_import_mw`` [MW].

    Returns
    -------
    CostTerm
        ``movement``: ``mu * sum_t (m+[t] + m-[t])`` [USD].

    Notes
    -----
    ::

        movement_balance[t]:  m+[t] - m-[t] = (g[t] - x[t]) - (g[t-1] - x[t-1])   t >= 1
                              (t = 0 against y_init = g_init when one is given)
        m+[t], m-[t] >= 0
        movement_usd = mu * sum_t (m+[t] + m-[t])

    With ``mu > 0`` an optimum never holds both ``m+[t]`` and ``m-[t]`` above zero (lowering
    both by their minimum keeps the row and saves ``2 mu min``), so
    ``m+[t] + m-[t] = |Δ(g - x)[t]|`` and ``movement_usd = mu * total variation of the draw``.

    ==========  ==========================================  ============================
    symbol      meaning                                     Pyomo / field
    ==========  ==========================================  ============================
    g[t], x[t]  grid import, export [MW]                    grid_import_mw, grid_export_mw
    m+[t]       rise of the net draw into t [MW]            movement_up_mw[t]
    m-[t]       fall of the net draw into t [MW]            movement_down_mw[t]
    mu          cost per MW moved [USD/MW]                  ModelData.movement_cost_usd_per_mw
    y_init      net draw before the horizon [MW]            RampData.initial_import_mw
    ==========  ==========================================  ============================
    """
    has_start = data.ramp is not None and data.ramp.initial_import_mw is not None
    ts = list(range(0 if has_start else 1, data.n_intervals))
    m.movement_up_mw = pyo.Var(ts, within=pyo.NonNegativeReals)
    m.movement_down_mw = pyo.Var(ts, within=pyo.NonNegativeReals)
    mu = param(m, "movement_cost", None, lambda d: d.movement_cost_usd_per_mw, data)
    y0 = None
    if has_start:
        y0 = param(m, "movement_initial_import", None, lambda d: d.ramp.initial_import_mw, data)
    g, x = m.grid_import_mw, m.grid_export_mw

    def _balance(m: pyo.ConcreteModel, t: int) -> object:
        before = y0 if t == 0 else g[t - 1] - x[t - 1]
        return m.movement_up_mw[t] - m.movement_down_mw[t] == g[t] - x[t] - before

    m.movement_balance = pyo.Constraint(ts, rule=_balance)
    cost = quicksum(mu * m.movement_up_mw[t] + mu * m.movement_down_mw[t] for t in ts)
    return CostTerm("movement", cost)
