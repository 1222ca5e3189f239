"""Families 2, 4 and 5: SOC dynamics, energy limits and terminal energy (``SPEC.md`` §4.2, §4.4, §4.5)."""

from __future__ import annotations

import math

import pyomo.core as pyo

from optimizer.formulation.model_data import ModelData
from optimizer.formulation.params import param, set_bounds


def add_state_of_charge(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Add the SOC recursion ``soc_balance[b,t]`` (family 2).

    Notes
    -----
    ::

        soc_balance[b,t]:  s[b,t] = r[b] s[b,t-1] + (etac[b] c[b,t] - d[b,t] / etad[b]) dt
                           with s[b,-1] = s0[b] n[b] E[b]

    ==========  =====================================  ==========================
    symbol      meaning                                Pyomo / field
    ==========  =====================================  ==========================
    s[b,t]      energy at the end of t [MWh]           soc_mwh[b, t]
    r[b]        retention (1 - lam)^dt [-]             GroupData.retention_frac
    etac, etad  one-way efficiencies [-]               charge/discharge_efficiency_frac
    c, d        charge / discharge [MW]                charge_mw, discharge_mw
    dt          interval length [h]                    ModelData.interval_h
    ==========  =====================================  ==========================
    """
    names = [g.name for g in data.groups]
    keep = param(
        m, "soc_retention", names, lambda d: {g.name: g.retention_frac for g in d.groups}, data
    )
    into = param(
        m,
        "soc_charge_coef",
        names,
        lambda d: {g.name: g.charge_efficiency_frac * d.interval_h for g in d.groups},
        data,
    )
    out = param(
        m,
        "soc_discharge_coef",
        names,
        lambda d: {g.name: d.interval_h / g.discharge_efficiency_frac for g in d.groups},
        data,
    )
    start = param(
        m, "soc_initial", names, lambda d: {g.name: g.initial_soc_mwh for g in d.groups}, data
    )

    def _balance(m: pyo.ConcreteModel, b: str, t: int) -> pyo.Expression:
        before = start[b] if t == 0 else m.soc_mwh[b, t - 1]
        return (
            m.soc_mwh[b, t]
            == keep[b] * before + into[b] * m.charge_mw[b, t] - out[b] * m.discharge_mw[b, t]
        )

    m.soc_balance = pyo.Constraint(m.B, m.T, rule=_balance)


def add_energy_limits(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Keep the stored energy inside the SOC band (family 4), as variable bounds.

    Notes
    -----
    ::

        smin[b] n[b] E[b] <= s[b,t] <= smax[b] n[b] E[b]
    """
    ts = list(m.T)
    for g in data.groups:
        keys = [(g.name, t) for t in ts]
        set_bounds(
            m,
            m.soc_mwh,
            keys,
            lambda d, b=g.name: (d.group(b).soc_min_mwh, d.group(b).soc_max_mwh),
            data,
        )


def add_terminal_energy(m: pyo.ConcreteModel, data: ModelData) -> None:
    """End the horizon inside the terminal band (family 5): ``soc_terminal[b]``, ``soc_terminal_max[b]``.

    Notes
    -----
    ::

        soc_terminal[b]:      s[b,T-1] >= s_lo[b]   (default s_lo = s[b,-1]; "free": smin n E)
        soc_terminal_max[b]:  s[b,T-1] <= s_hi[b]   (only groups with a target or a band top)

    A target (``final_soc_frac``) is the band ``s_lo = s_hi``, i.e. an equality.

    ==========  =====================================  ==================================
    symbol      meaning                                Pyomo / field
    ==========  =====================================  ==================================
    s_lo[b]     lowest energy at the end [MWh]         GroupData.final_soc_min_mwh
    s_hi[b]     highest energy at the end [MWh]        GroupData.final_soc_max_mwh
    ==========  =====================================  ==================================
    """
    last = m.T.last()
    names = [g.name for g in data.groups]
    target = param(
        m, "soc_final", names, lambda d: {g.name: g.final_soc_min_mwh for g in d.groups}, data
    )
    m.soc_terminal = pyo.Constraint(m.B, rule=lambda m, b: m.soc_mwh[b, last] >= target[b])
    capped = [g.name for g in data.groups if math.isfinite(g.final_soc_max_mwh)]
    if capped:
        top = param(
            m,
            "soc_final_max",
            capped,
            lambda d: {b: d.group(b).final_soc_max_mwh for b in capped},
            data,
        )
        m.soc_terminal_max = pyo.Constraint(capped, rule=lambda m, b: m.soc_mwh[b, last] <= top[b])
