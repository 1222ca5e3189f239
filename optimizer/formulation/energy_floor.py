"""Family 14: energy floors, ride-through and event readiness (``SPEC.md`` §8)."""

from __future__ import annotations

import pyomo.core as pyo

from optimizer.formulation.model_data import ModelData
from optimizer.formulation.params import is_mutable, param


def add_energy_floor(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Hold at the end of every interval the energy to carry a critical load for H hours (14).

    Parameters
    ----------
    m : pyomo.environ.ConcreteModel
        Model holding ``soc_mwh`` over ``m.B x m.T``.
    data : ModelData
        ``data.energy_floor`` gives ``F_t`` [MWh] and the fleet's SOC minimum [MWh].

    Notes
    -----
    ::

        floor_energy[t]:  sum_b s[b,t] >= sum_b smin[b] n[b] E[b] + F[t]

        F[t] = sum_{k=1..K} r^-k (C[t+k] + aux[t+k]) dt / etad  +  smin (r^-K - 1),  K = H / dt

    (:func:`optimizer.loads.critical.energy_floor_mwh`; with no self-discharge, ``r = 1``, the
    spec's ``(1/etad) sum_{tau=t+1..t+K} (C + aux) dt``.) ``s[b,t]`` is the SOC at the end of
    ``t``, the start SOC of an outage beginning at ``t + 1``, which serves exactly
    ``tau = t+1 .. t+K``: a schedule on the floor survives ``H`` hours in the outage simulator
    (:mod:`optimizer.results.outage`) from every interval but the first. ``F`` is 0 outside the
    floor's months and hours of the day; past the horizon the last interval's load is repeated.
    ``F`` is one array, so several floors (ride-through, an interruptible programme's event
    readiness) combine by an elementwise maximum in :class:`ModelData` before reaching here.
    Rows with ``F[t] = 0`` are implied by the SOC bounds (family 4) and are not built, except in
    a mutable model, where another case may raise them.

    =========  ==============================================  ===============================
    symbol     meaning                                         Pyomo / field
    =========  ==============================================  ===============================
    s[b,t]     energy at the end of t [MWh]                    soc_mwh[b, t]
    smin n E   fleet SOC minimum [MWh]                         EnergyFloorData.soc_min_mwh
    F[t]       energy held for the ride-through [MWh]          EnergyFloorData.floor_mwh
    C[t]       critical load [MW]                              EnergyFloorData.critical_load_mw
    aux[t]     fleet auxiliary load [MW]                       ModelData.aux_load_mw
    etad, r    worst group's discharge efficiency, retention   outage_fleet(...)
    H          ride-through duration [h]                       EnergyFloorData.hours_h
    =========  ==============================================  ===============================
    """
    floor = data.energy_floor
    if floor is None:
        return
    names = [g.name for g in data.groups]
    need = param(
        m,
        "floor_energy",
        m.T,
        lambda d: d.energy_floor.soc_min_mwh + d.energy_floor.floor_mwh,
        data,
    )
    held = floor.floor_mwh > 0
    every_row = is_mutable(m)

    def _floor(m: pyo.ConcreteModel, t: int) -> object:
        if not (every_row or held[t]):
            return pyo.Constraint.Skip
        return sum(m.soc_mwh[b, t] for b in names) >= need[t]

    m.floor_energy = pyo.Constraint(m.T, rule=_floor)
