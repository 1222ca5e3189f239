"""Family 12, GPU curtailment, and the deferral backlog (``SPEC.md`` §4.12, extended)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyomo.core as pyo
from pyomo.core.util import quicksum

from optimizer.formulation.costs import CostTerm
from optimizer.formulation.model_data import ModelData
from optimizer.formulation.params import param, set_bounds


def add_flexible_load(m: pyo.ConcreteModel, data: ModelData) -> CostTerm:
    """Add curtailment ``curtailed_mw[t]`` and deferral; return the curtailment cost.

    Notes
    -----
    ::

        0 <= u[t] <= phi[t] Lgpu[t]                                   (family 12, a bound)
        0 <= v[t] <= psi Lgpu[t]        deferred GPU load
        0 <= w[t] <= Gpu_rating - Lgpu[t]   recovered (deferred work run later)
        flex_floor[t]:     u[t] + v[t] <= (1 - floor) Lgpu[t]
        flex_backlog[t]:   B[t] = B[t-1] + (v[t] - w[t]) dt,  B[-1] = 0,  0 <= B[t] <= Bmax
        flex_deadline[t]:  B[t] <= sum_{tau = t-D+1..t} v[tau] dt     (work runs within D intervals)
                           written sparsely with a running total V[t] = V[t-1] + v[t] dt:
                           B[t] <= V[t] - V[t-D]
        B[T-1] = 0                                                   (deferred energy is conserved)
        curtailment_usd = sum_t kappa u[t] dt  +  sum_t mu v[t] dt   (mu: cost of delaying work)

    ===========  ==========================================  ======================
    symbol       meaning                                     Pyomo / field
    ===========  ==========================================  ======================
    u            curtailed GPU load [MW]                     curtailed_mw
    v, w         deferred / recovered GPU load [MW]          deferred_mw, recovered_mw
    B            deferred energy not yet run [MWh]           backlog_mwh
    kappa        value of lost compute [USD/MWh]             FlexData.curtail_cost_usd_per_mwh
    D            deadline [intervals]                        FlexData.deadline_intervals
    ===========  ==========================================  ======================
    """
    f = data.flex
    assert f is not None  # noqa: S101 - only called with flexible load
    ts = list(m.T)
    terms: list[object] = []
    if f.has_curtailment:
        terms.extend(_add_curtailment(m, data, ts))
    if f.has_deferral:
        terms.extend(_add_deferral(m, data, ts))
    if f.has_curtailment or f.has_deferral:
        _add_flex_floor(m, data)
    return CostTerm("curtailment", quicksum(terms))


def _add_curtailment(m: pyo.ConcreteModel, data: ModelData, ts: list[int]) -> list[object]:
    """Add ``curtailed_mw[t]`` [MW]; return its cost terms kappa u[t] dt [USD]."""
    m.curtailed_mw = pyo.Var(m.T, domain=pyo.NonNegativeReals)
    set_bounds(m, m.curtailed_mw, ts, lambda d: (None, d.flex.curtail_max_mw), data)
    kappa = _weight(m, "curtail_weight", lambda d: d.flex.curtail_cost_usd_per_mwh, data)
    return [kappa * m.curtailed_mw[t] for t in m.T]


def _add_deferral(m: pyo.ConcreteModel, data: ModelData, ts: list[int]) -> list[object]:
    """Add deferral, recovery and the backlog [MWh] with its deadline; return mu v[t] dt [USD]."""
    f = data.flex
    assert f is not None  # noqa: S101 - only called with flexible load
    last = data.n_intervals - 1
    m.deferred_mw = pyo.Var(m.T, domain=pyo.NonNegativeReals)
    m.recovered_mw = pyo.Var(m.T, domain=pyo.NonNegativeReals)
    m.backlog_mwh = pyo.Var(m.T, domain=pyo.NonNegativeReals)
    set_bounds(m, m.deferred_mw, ts, lambda d: (None, d.flex.defer_max_mw), data)
    set_bounds(m, m.recovered_mw, ts, lambda d: (None, d.flex.recover_max_mw), data)
    set_bounds(
        m,
        m.backlog_mwh,
        ts,
        lambda d: (None, [0.0 if t == last else d.flex.max_backlog_mwh for t in ts]),
        data,
    )
    dt = param(m, "flex_interval_h", None, lambda d: d.interval_h, data)
    m.flex_backlog = pyo.Constraint(
        m.T,
        rule=lambda m, t: (
            m.backlog_mwh[t]
            == (0.0 if t == 0 else m.backlog_mwh[t - 1])
            + dt * (m.deferred_mw[t] - m.recovered_mw[t])
        ),
    )
    d_int = f.deadline_intervals
    # running total of deferred energy, so the deadline rows stay sparse (3 entries, not D)
    m.deferred_total_mwh = pyo.Var(m.T, domain=pyo.NonNegativeReals)
    m.flex_deferred_total = pyo.Constraint(
        m.T,
        rule=lambda m, t: (
            m.deferred_total_mwh[t]
            == (0.0 if t == 0 else m.deferred_total_mwh[t - 1]) + dt * m.deferred_mw[t]
        ),
    )
    m.flex_deadline = pyo.Constraint(
        m.T,
        rule=lambda m, t: (
            m.backlog_mwh[t]
            <= m.deferred_total_mwh[t] - (m.deferred_total_mwh[t - d_int] if t >= d_int else 0.0)
        ),
    )
    if not f.defer_cost_usd_per_mwh:
        return []
    mu = _weight(m, "defer_weight", lambda d: d.flex.defer_cost_usd_per_mwh, data)
    return [mu * m.deferred_mw[t] for t in m.T]


def _weight(
    m: pyo.ConcreteModel, name: str, cost: Callable[[ModelData], float], data: ModelData
) -> Any:
    """The objective weight of a cost ``cost(data)`` [USD/MWh]: times ``dt_h`` [USD/MW]."""
    return param(m, name, None, lambda d: cost(d) * d.interval_h, data)


def _add_flex_floor(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Add ``flex_floor[t]``: curtailed plus deferred load [MW] within the flexible share."""
    room = param(m, "flex_max", m.T, lambda d: d.flex.flex_max_mw, data)
    flex_vars = [
        v
        for v in (getattr(m, "curtailed_mw", None), getattr(m, "deferred_mw", None))
        if v is not None
    ]

    def _floor(m: pyo.ConcreteModel, t: int) -> object:
        return sum(v[t] for v in flex_vars) <= room[t]

    m.flex_floor = pyo.Constraint(m.T, rule=_floor)
