"""Family 8, ramp limits on the site's net grid draw (``SPEC.md`` §4.8)."""

from __future__ import annotations

import pyomo.core as pyo

from optimizer.formulation.model_data import ModelData
from optimizer.formulation.params import param


def add_ramp(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Limit how fast the net grid draw rises and falls between consecutive intervals.

    The limit is on the net draw ``g - x``, what the grid sees at the one meter. With export
    off (``x = 0``) this is SPEC §4.8 as written; with export on, a limit on import alone would
    let the LP meet it by importing and exporting at once, and the net flow reported (and seen
    by the grid) would break it (issue 18).

    Notes
    -----
    ::

        ramp_up[t]:    (g[t] - x[t]) - (g[t-1] - x[t-1]) <= Rup[t] dt_min   t >= 1 (t = 0 against g_init if given)
        ramp_down[t]:  (g[t-1] - x[t-1]) - (g[t] - x[t]) <= Rdn[t] dt_min

    ``Rup[t]`` is the return-to-service rate inside the window after an event ends.

    ==========  ===================================  ===========================
    symbol      meaning                              Pyomo / field
    ==========  ===================================  ===========================
    g[t]        grid import [MW]                     grid_import_mw[t]
    x[t]        grid export [MW]                     grid_export_mw[t]
    Rup dt_min  largest rise in one interval [MW]    RampData.rise_mw[t]
    Rdn dt_min  largest fall in one interval [MW]    RampData.fall_mw[t]
    g_init      import before the horizon [MW]       RampData.initial_import_mw
    ==========  ===================================  ===========================
    """
    r = data.ramp
    assert r is not None  # noqa: S101 - build_model only calls this when the family is on
    g, x = m.grid_import_mw, m.grid_export_mw
    has_start = r.initial_import_mw is not None
    g0 = (
        param(m, "ramp_initial_import", None, lambda d: d.ramp.initial_import_mw, data)
        if has_start
        else None
    )
    rise = param(m, "ramp_rise", m.T, lambda d: d.ramp.rise_mw, data)
    fall = param(m, "ramp_fall", m.T, lambda d: d.ramp.fall_mw, data)
    ts = range(0 if has_start else 1, data.n_intervals)

    def _prev(t: int) -> object:
        return g0 if t == 0 else g[t - 1] - x[t - 1]

    m.ramp_up = pyo.Constraint(ts, rule=lambda m, t: g[t] - x[t] - _prev(t) <= rise[t])
    m.ramp_down = pyo.Constraint(ts, rule=lambda m, t: _prev(t) - (g[t] - x[t]) <= fall[t])
