"""``build_model``: the whole dispatch LP on one screen (``SPEC.md`` §3-§5)."""

from __future__ import annotations

import pyomo.core as pyo
from pyomo.common.gc_manager import PauseGC

from optimizer.formulation.battery_power import add_power_limits
from optimizer.formulation.costs import (
    CostTerm,
    degradation_cost,
    energy_cost,
    export_revenue,
    fixed_charges,
)
from optimizer.formulation.energy_floor import add_energy_floor
from optimizer.formulation.events import add_events
from optimizer.formulation.flexible_load import add_flexible_load
from optimizer.formulation.grid import add_interconnection, add_power_balance
from optimizer.formulation.model_data import ModelData
from optimizer.formulation.movement import add_import_movement
from optimizer.formulation.objective import add_objective
from optimizer.formulation.params import param
from optimizer.formulation.ramp import add_ramp
from optimizer.formulation.reserve import (
    add_reserve_deliverability,
    add_reserve_energy,
    add_reserve_variables,
    add_swing_buffer,
)
from optimizer.formulation.sets import add_sets
from optimizer.formulation.sizing import add_sizing, add_throughput_budget
from optimizer.formulation.state_of_charge import (
    add_energy_limits,
    add_state_of_charge,
    add_terminal_energy,
)
from optimizer.formulation.tariff_charges import add_tariff_charges
from optimizer.formulation.variables import add_core_variables
from optimizer.inputs.scenario import Scenario


def build_model(
    scenario: Scenario, data: ModelData | None = None, *, mutable: bool = False
) -> pyo.ConcreteModel:
    """Build the dispatch LP of ``scenario``.

    Families (``SPEC.md`` §4): 1 power balance, 2 state of charge, 3 power limits, 4 energy
    limits, 5 terminal energy, 6 interconnection, 7 demand peaks, 8 ramp, 9 swing buffer,
    10 reserve energy, 11 utility events, 12 curtailment (with deferral); §8: 13 import
    movement, 14 energy floors (ride-through), 15 reserve deliverability, 16 sizing (unit
    counts and the contract demand as decisions; only with ``data.sizing``, which forces a
    mutable build), and the throughput budget. Families 8-16 are built only when asked for.
    Cost terms (§5, §8): energy, export, demand, degradation, curtailment, reserve, event
    credit, movement, fixed, capex and contract (16).

    Parameters
    ----------
    scenario : Scenario
        A validated scenario; it is not modified.
    data : ModelData, optional
        The scenario's arrays, when the caller already has them.
    mutable : bool
        Hold every number in mutable Params and refreshable bounds, so that
        :func:`optimizer.formulation.params.update_model` can change the data of another
        scenario with the same structure without a rebuild (warm re-solves). Slower to build.

    Returns
    -------
    pyomo.environ.ConcreteModel
        With ``m.objective_usd`` and one ``m.cost_<name>_usd`` per term.
    """
    data = ModelData.from_scenario(scenario) if data is None else data
    mutable = mutable or data.sizing is not None  # family 16 rewrites the Params of the others
    with PauseGC():
        m = pyo.ConcreteModel(name=scenario.name)
        object.__setattr__(m, "_mutable", mutable)
        add_sets(m, data)
        add_core_variables(m, data)
        tariff = add_tariff_charges(m, data)  # 7, demand peaks and the tariff's other charges
        costs: list[CostTerm] = [energy_cost(m, data, tariff["energy_extra"])]
        costs += [
            CostTerm(name, tariff[name]) for name in ("demand", "excess", "coincident", "minimum")
        ]
        if data.flex is not None:
            costs.append(add_flexible_load(m, data))  # 12 (variables used by the balance)
        add_power_balance(m, data)  # 1
        add_state_of_charge(m, data)  # 2
        add_power_limits(m, data)  # 3
        add_energy_limits(m, data)  # 4
        add_terminal_energy(m, data)  # 5
        add_interconnection(m, data)  # 6
        if data.export_limit_mw.any():
            costs.append(export_revenue(m, data))
        if data.ramp is not None:
            add_ramp(m, data)  # 8
        if data.has_movement:
            costs.append(add_import_movement(m, data))  # 13
        if data.reserve is not None:
            revenue = add_reserve_variables(m, data)
            if revenue is not None:
                costs.append(revenue)
        if data.has_swing:
            add_swing_buffer(m, data)  # 9
        if data.reserve is not None:
            add_reserve_energy(m, data)  # 10
            add_reserve_deliverability(m, data)  # 15
        if data.energy_floor is not None:
            add_energy_floor(m, data)  # 14, ride-through
        if data.has_events or data.event_capacity_credit_usd:
            if data.has_events:
                costs.append(add_events(m, data))  # 11
            else:
                costs.append(
                    CostTerm(
                        "event_credit",
                        param(
                            m,
                            "event_capacity_credit",
                            None,
                            lambda d: -d.event_capacity_credit_usd,
                            data,
                        ),
                    )
                )
        if data.throughput_max_mwh is not None:
            add_throughput_budget(m, data)  # warranty cycle limit
        if any(g.degradation_cost_usd_per_mwh > 0 for g in data.groups):
            costs.append(degradation_cost(m, data))
        costs.append(fixed_charges(m, data))
        if data.sizing is not None:
            costs += add_sizing(m, data)  # 16, last: it rewrites the rows above in N
        add_objective(m, costs)
    return m
