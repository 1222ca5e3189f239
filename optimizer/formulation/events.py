"""Family 11, utility events, and the event credit (``SPEC.md`` §4.11)."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
from pyomo.core.util import quicksum

from optimizer.formulation.costs import CostTerm
from optimizer.formulation.data import ModelData


def add_events(m: pyo.ConcreteModel, data: ModelData) -> CostTerm:
    """Cap grid import during called events; return the event credit (a negative cost).

    Notes
    -----
    ::

        event_cap[t]:  g[t] <= cap_e                  for t in event e
                       (cap_e = firm demand, or baseline_e - red_e)
        event_credit_usd = - sum_{t in events} credit_e (L[t] - g[t]) dt  -  capacity credit

    The energy credit is paid on the reduction below the site load ``L[t]``; the capacity
    credit (USD/MW-month on the program's interruptible MW) is a constant.
    """
    cap = data.event_cap_mw
    assert cap is not None  # noqa: S101 - only called with events
    ts = [int(t) for t in np.flatnonzero(np.isfinite(cap))]
    m.event_cap = pyo.Constraint(ts, rule=lambda m, t: m.grid_import_mw[t] <= float(cap[t]))
    credit = data.event_credit_usd_per_mwh if data.event_credit_usd_per_mwh is not None else np.zeros(data.n_intervals)
    dt = data.interval_h
    energy = quicksum(
        -float(credit[t]) * dt * (float(data.load_mw[t]) - m.grid_import_mw[t]) for t in ts if credit[t] != 0.0
    )
    return CostTerm("event_credit", energy - data.event_capacity_credit_usd)
