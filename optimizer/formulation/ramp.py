"""Family 8, ramp limits on the site's grid import (``SPEC.md`` §4.8)."""

from __future__ import annotations

import pyomo.environ as pyo

from optimizer.formulation.data import ModelData


def add_ramp(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Limit how fast grid import rises and falls between consecutive intervals.

    Notes
    -----
    ::

        ramp_up[t]:    g[t] - g[t-1] <= Rup[t] dt_min      t >= 1 (t = 0 against g_init if given)
        ramp_down[t]:  g[t-1] - g[t] <= Rdn[t] dt_min

    ``Rup[t]`` is the return-to-service rate inside the window after an event ends.

    ==========  ===================================  ===========================
    symbol      meaning                              Pyomo / field
    ==========  ===================================  ===========================
    g[t]        grid import [MW]                     grid_import_mw[t]
    Rup dt_min  largest rise in one interval [MW]    RampData.rise_mw[t]
    Rdn dt_min  largest fall in one interval [MW]    RampData.fall_mw[t]
    g_init      import before the horizon [MW]       RampData.initial_import_mw
    ==========  ===================================  ===========================
    """
    r = data.ramp
    assert r is not None  # noqa: S101 - build_model only calls this when the family is on
    g = m.grid_import_mw
    g0 = r.initial_import_mw
    first = 0 if g0 is not None else 1
    ts = range(first, data.n_intervals)

    def _prev(t: int) -> object:
        return g0 if t == 0 else g[t - 1]

    m.ramp_up = pyo.Constraint(ts, rule=lambda m, t: g[t] - _prev(t) <= float(r.rise_mw[t]))
    m.ramp_down = pyo.Constraint(ts, rule=lambda m, t: _prev(t) - g[t] <= float(r.fall_mw[t]))
