"""Family 16, sizing (SPEC §8): hand-derived break-even, the affine map, and a sweep cross-check."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pyomo.environ as pyo
import pytest

from optimizer import optimize
from optimizer.formulation.build import build_model
from optimizer.formulation.model_data import ModelData
from optimizer.formulation.sizing import sizing_data, with_fixed_units
from optimizer.inputs.economics import (
    ContractDemandSizing,
    Sizing,
    UnitEconomics,
    annualised_cost_usd_per_unit,
    capital_recovery_factor,
)
from optimizer.run.sizing import size_fleet, sizing_scenario
from optimizer.solver import solve_model
from optimizer.testing import ATOL_USD, RTOL, make_scenario, make_unit

HOURS_PER_YEAR = 8760.0


def _with_units(sc, n: int):
    g = sc.site.battery_groups[0].model_copy(update={"n_units": n})
    return sc.replace(site=sc.site.model_copy(update={"battery_groups": (g,)}))


def _two_price(capital_cost_usd: float, *, max_units: int = 5):
    """Load 10 MW in both hours, prices [10, 50] USD/MWh, 1 MW / 1 MWh units, eta 0.9 each way."""
    econ = UnitEconomics(capital_cost_usd=capital_cost_usd, lifetime_years=10)
    unit = make_unit(charge_efficiency_frac=0.9, discharge_efficiency_frac=0.9).model_copy(
        update={"economics": econ}
    )
    sc = make_scenario([10.0, 10.0], [10.0, 50.0], unit=unit, initial_soc_frac=0.0, n_units=1)
    return sc.replace(sizing=Sizing(discount_rate_frac=0.0, min_units=0, max_units=max_units))


# hand derivation (the docstring of test_break_even_capital_cost)
SAVING_PER_UNIT_USD = 50.0 * 0.81 - 10.0 * 1.0  # 30.5
HORIZON_H = 2.0
BREAK_EVEN_USD = SAVING_PER_UNIT_USD * HOURS_PER_YEAR / HORIZON_H * 10  # 1,335,900


@pytest.mark.parametrize(("factor", "expected_units"), [(0.9, 5.0), (1.1, 0.0)])
def test_break_even_capital_cost(factor, expected_units):
    """Two prices and a known break-even capital cost.

    Each 1 MW / 1 MWh unit (eta_c = eta_d = 0.9, starting and ending empty) charges 1 MW in
    hour 0 at 10 USD/MWh (SOC 0.9 MWh) and discharges 0.9 * 0.9 = 0.81 MW in hour 1 at
    50 USD/MWh, cutting the site's import: it saves 50 * 0.81 - 10 * 1 = 30.5 USD over the
    2-hour horizon, and every unit the same (no limit couples them). Its cost over the horizon
    is capex * CRF(0, 10) * 2 / 8760 = capex / 10 * 2 / 8760 (r = 0, life 10 y, no O&M), so
    the break-even capital cost is 30.5 * 8760 / 2 * 10 = 1,335,900 USD. Below it every unit
    pays and the LP takes the most (5); above it none.
    """
    assert pytest.approx(1_335_900.0) == BREAK_EVEN_USD
    result = size_fleet(_two_price(BREAK_EVEN_USD * factor))
    assert result.optimum.units["bess"] == pytest.approx(expected_units, abs=1e-6)
    unit_cost = BREAK_EVEN_USD * factor / 10 * HORIZON_H / HOURS_PER_YEAR
    assert result.unit_cost_usd["bess"] == pytest.approx(unit_cost)
    # the net value is n (30.5 - unit cost)
    assert result.optimum.net_value_usd == pytest.approx(
        expected_units * (SAVING_PER_UNIT_USD - unit_cost), abs=1e-6
    )
    # one more unit saves 30.5 USD when there is room for it (finite difference at the bound)
    if expected_units == 0.0:
        assert result.marginal_value_usd_per_unit == pytest.approx(SAVING_PER_UNIT_USD, abs=1e-6)
        # the LP's dual of the bound N >= 0: a unit costs more than it saves
        assert result.optimum.unit_reduced_cost_usd["bess"] == pytest.approx(
            unit_cost - SAVING_PER_UNIT_USD, abs=1e-6
        )


def test_break_even_makes_the_objective_flat_in_n():
    """At exactly the break-even capital cost every size costs the same (the no-battery bill)."""
    sc = _two_price(BREAK_EVEN_USD)
    data = dataclasses.replace(ModelData.from_scenario(sc), sizing=sizing_data(sc))
    values = []
    for n in (0.0, 2.5, 5.0):
        m = build_model(sc, with_fixed_units(data, {"bess": n}))
        values.append(solve_model(m, sc.options).objective_usd)
    assert values == pytest.approx([10 * 10 + 10 * 50] * 3, rel=RTOL, abs=ATOL_USD)


def test_crf_and_annualised_cost():
    """CRF(7 %, 20) = 0.07 * 1.07^20 / (1.07^20 - 1) = 0.0943929; O&M levelised by the same CRF."""
    assert capital_recovery_factor(0.07, 20) == pytest.approx(0.0943929, abs=1e-7)
    econ = UnitEconomics(capital_cost_usd=0.0, fixed_om_usd_per_year=100.0, lifetime_years=3)
    # no escalation: levelised O&M equals the O&M itself
    assert annualised_cost_usd_per_unit(econ, 0.05) == pytest.approx(100.0)
    esc = econ.model_copy(update={"fixed_om_escalation_frac_per_year": 0.02})
    pv = 100 / 1.05 + 102 / 1.05**2 + 104.04 / 1.05**3
    assert annualised_cost_usd_per_unit(esc, 0.05) == pytest.approx(
        pv * capital_recovery_factor(0.05, 3)
    )


@pytest.fixture(scope="module")
def week():
    """The default site, one February week at hourly steps (grid duties on)."""
    from optimizer import load_scenario

    sc = load_scenario(
        "default", start=dt.datetime(2021, 2, 1), end=dt.datetime(2021, 2, 8), interval_min=60
    )
    return sc.replace(sizing=Sizing(max_units=1000))


@pytest.mark.parametrize("n", [300, 700])
def test_fixed_size_lp_equals_a_dispatch_at_that_size(week, n):
    """The affine map: the sizing LP with N fixed (its reference at the scenario's 900 units)
    has the dispatch objective of a plain build at n units, to round-off."""
    data = dataclasses.replace(ModelData.from_scenario(week), sizing=sizing_data(week))
    m = build_model(week, with_fixed_units(data, {"megapack": n}))
    report = solve_model(m, week.options)
    plain = solve_model(build_model(_with_units(week, n)), week.options)
    dispatch = report.objective_usd - pyo.value(m.cost_capex_usd)
    assert dispatch == pytest.approx(plain.objective_usd, rel=1e-9)


def test_lp_optimum_agrees_with_a_sweep(week):
    """A sweep over whole sizes (verified dispatch, net value = savings - annualised cost) peaks
    within one step of the sizing LP's optimum."""
    result = size_fleet(week)
    step = 50
    econ = week.site.battery_groups[0].unit.economics
    years = week.n_intervals / HOURS_PER_YEAR
    unit_cost = annualised_cost_usd_per_unit(econ, 0.07) * years
    sizes = list(range(step, 1001, step))
    net = []
    for n in sizes:  # small fleets cannot hold the grid duties (swing, reserve): infeasible
        r = optimize(_with_units(week, n), raise_on_failure=False)
        ok = str(r.status) == "optimal"
        net.append(float(r.costs.loc["total", "savings_usd"]) - unit_cost * n if ok else -np.inf)
    best = sizes[int(np.argmax(net))]
    assert abs(best - result.optimum.total_units) <= step
    # and the LP's net value is at least the sweep's best (it is the continuous optimum)
    assert result.optimum.net_value_usd >= max(net) - 1e-6 * abs(max(net))


def test_contract_demand_as_a_decision_caps_the_import(week):
    """With K a decision the import never exceeds K, and K's charge is in the objective."""
    sz = week.sizing.model_copy(
        update={"contract": ContractDemandSizing(rate_usd_per_mw_month=360.0), "min_units": 100}
    )
    result = size_fleet(sizing_scenario(week, sz))
    k = result.optimum.contract_mw
    assert k is not None
    assert result.optimum.contract_usd == pytest.approx(360.0 * 1 * k)  # one billing month
    assert result.scenario.tariff_spec.contract is None  # the tariff's own clause is replaced


def test_sizing_refuses_a_unit_without_costs():
    from optimizer.errors import InputError

    sc = make_scenario([1.0, 1.0], [10.0, 50.0]).replace(sizing=Sizing())
    with pytest.raises(InputError, match="no costs"):
        size_fleet(sc)


def test_throughput_budget_limits_discharge():
    """A budget of 0.5 cycles a year over a 2-hour horizon allows 0.5 * 1 MWh * 2 / 8760 MWh."""
    sc = _two_price(1.0).replace(sizing=Sizing(max_cycles_per_year=0.5))
    r = optimize(sc)
    discharged = r.schedule["discharge_mw"].sum()
    assert discharged == pytest.approx(0.5 * 1.0 * 2 / 8760, rel=1e-6)
