"""Family 11, utility events, and the event credit (``SPEC.md`` §4.11)."""

from __future__ import annotations

import numpy as np
import pyomo.core as pyo
from pyomo.core.util import quicksum

from optimizer.formulation.costs import CostTerm
from optimizer.formulation.model_data import ModelData
from optimizer.formulation.params import param


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
    assert data.event_cap_mw is not None  # noqa: S101 - only called with events
    ts = [int(t) for t in np.flatnonzero(np.isfinite(data.event_cap_mw))]
    cap = param(
        m, "event_cap", ts, lambda d: dict(zip(ts, d.event_cap_mw[ts].tolist(), strict=True)), data
    )
    m.event_cap = pyo.Constraint(ts, rule=lambda m, t: m.grid_import_mw[t] <= cap[t])
    credit = (
        data.event_credit_usd_per_mwh
        if data.event_credit_usd_per_mwh is not None
        else np.zeros(data.n_intervals)
    )
    paid = [t for t in ts if credit[t] != 0.0]
    w = param(
        m,
        "event_credit_weight",
        paid,
        lambda d: dict(
            zip(paid, (d.event_credit_usd_per_mwh[paid] * d.interval_h).tolist(), strict=True)
        ),
        data,
    )
    const = param(
        m,
        "event_credit_constant",
        None,
        lambda d: (
            -float(np.sum(d.event_credit_usd_per_mwh[paid] * d.load_mw[paid]) * d.interval_h)
            - d.event_capacity_credit_usd
        ),
        data,
    )
    energy = quicksum(w[t] * m.grid_import_mw[t] for t in paid)
    return CostTerm("event_credit", energy + const)
