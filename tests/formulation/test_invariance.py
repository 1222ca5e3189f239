"""Invariances and properties of the optimum (STYLE §16)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer import optimize
from optimizer.testing import make_scenario, make_unit


def test_step_invariance_hourly_prices_repeated_at_15_min():
    """With no standing losses and no aux load, hourly prices and loads repeated four times at
    15 minutes give the same optimal cost as the hourly model: every hourly schedule maps to a
    15-minute one of equal cost, and the 15-minute model has no cheaper option because the
    prices and loads are constant within each hour and the LP is convex (averaging the four
    quarter-hours of any 15-min solution gives an hourly solution of equal cost)."""
    rng = np.random.default_rng(7)
    load = rng.uniform(10, 40, 24)
    price = rng.uniform(10, 90, 24)
    unit = make_unit(
        power_mw=5,
        energy_mwh=12,
        charge_efficiency_frac=0.95,
        discharge_efficiency_frac=0.92,
        degradation_cost_usd_per_mwh=3,
    )
    kw = dict(unit=unit, initial_soc_frac=0.3, demand_charge_usd_per_mw=400.0)
    hourly = optimize(make_scenario(load, price, interval_min=60, **kw))
    quarter = optimize(
        make_scenario(np.repeat(load, 4), np.repeat(price, 4), interval_min=15, **kw)
    )
    assert quarter.objective_usd == pytest.approx(hourly.objective_usd, rel=1e-7)
    assert hourly.objective_usd < hourly.costs.loc["total", "baseline_usd"]  # the battery is used


def test_finer_step_never_costs_more_and_is_sensitive():
    """Guard for the test above. With a standing loss, the 15-minute model can time its charge
    inside the hour (charge late, discharge early) and lose less, so it may cost less than the
    hourly model but never more: every hourly schedule is a feasible 15-minute schedule with
    the same cost because ((1-l)^0.25)^4 = (1-l)^1 and the SOC at each hour's end is the same.
    A price spike inside one hour must change the answer, which shows the comparison is sensitive."""
    rng = np.random.default_rng(8)
    load = rng.uniform(10, 40, 12)
    price = rng.uniform(10, 90, 12)
    unit = make_unit(power_mw=5, energy_mwh=12, self_discharge_frac_per_h=0.01)
    hourly = optimize(make_scenario(load, price, unit=unit, initial_soc_frac=0.5))
    p15 = np.repeat(price, 4)
    quarter = optimize(
        make_scenario(np.repeat(load, 4), p15, interval_min=15, unit=unit, initial_soc_frac=0.5)
    )
    assert quarter.objective_usd <= hourly.objective_usd + 1e-7 * abs(hourly.objective_usd)
    p15 = p15.copy()
    p15[int(np.argmax(p15))] *= 3  # one quarter-hour spike
    spiked = optimize(
        make_scenario(np.repeat(load, 4), p15, interval_min=15, unit=unit, initial_soc_frac=0.5)
    )
    assert spiked.objective_usd != pytest.approx(quarter.objective_usd, rel=1e-7)


@pytest.mark.parametrize("k", [0.5, 2.0, 7.0])
def test_price_scaling_scales_the_cost(k):
    """Scaling every price (energy and demand) by k > 0 scales the optimal cost by k: the
    feasible set is unchanged and the objective is linear in the prices."""
    rng = np.random.default_rng(11)
    load = rng.uniform(10, 40, 48)
    price = rng.uniform(-10, 150, 48)
    unit = make_unit(
        power_mw=4,
        energy_mwh=10,
        charge_efficiency_frac=0.9,
        discharge_efficiency_frac=0.9,
        degradation_cost_usd_per_mwh=5,
    )
    base = optimize(
        make_scenario(
            load,
            price,
            unit=unit,
            initial_soc_frac=0.5,
            demand_charge_usd_per_mw=300,
            fixed_charge_usd_per_month=100,
        )
    )
    unit_k = make_unit(
        power_mw=4,
        energy_mwh=10,
        charge_efficiency_frac=0.9,
        discharge_efficiency_frac=0.9,
        degradation_cost_usd_per_mwh=5 * k,
    )
    scaled = optimize(
        make_scenario(
            load,
            price * k,
            unit=unit_k,
            initial_soc_frac=0.5,
            demand_charge_usd_per_mw=300 * k,
            fixed_charge_usd_per_month=100 * k,
        )
    )
    assert scaled.objective_usd == pytest.approx(k * base.objective_usd, rel=1e-7)


@settings(max_examples=25, deadline=None)
@given(
    power=st.floats(0.5, 20),
    energy=st.floats(0.5, 80),
    etac=st.floats(0.7, 1.0),
    etad=st.floats(0.7, 1.0),
    seed=st.integers(0, 10_000),
    cap_slack=st.floats(0.0, 30.0),
)
def test_properties_bounds_hold_and_relaxing_never_costs_more(
    power, energy, etac, etad, seed, cap_slack
):
    """On random batteries and prices: the result passes the SPEC §6 checks (optimize raises
    otherwise), beats or equals the baseline, and relaxing the import cap never raises the cost."""
    rng = np.random.default_rng(seed)
    load = rng.uniform(5, 30, 24)
    price = rng.uniform(-20, 200, 24)
    unit = make_unit(
        power_mw=power,
        energy_mwh=energy,
        charge_efficiency_frac=etac,
        discharge_efficiency_frac=etad,
    )
    cap = float(load.max() + cap_slack)
    tight = optimize(
        make_scenario(
            load,
            price,
            unit=unit,
            initial_soc_frac=0.5,
            import_limit_mw=cap,
            demand_charge_usd_per_mw=50,
        )
    )
    loose = optimize(
        make_scenario(
            load,
            price,
            unit=unit,
            initial_soc_frac=0.5,
            import_limit_mw=cap + 50,
            demand_charge_usd_per_mw=50,
        )
    )
    assert (
        tight.objective_usd
        <= tight.costs.loc["total", "baseline_usd"] + 1e-6 * abs(tight.objective_usd) + 1e-6
    )
    assert loose.objective_usd <= tight.objective_usd + 1e-6 * max(1.0, abs(tight.objective_usd))
    s = tight.schedule
    assert (s.grid_import_mw <= cap + 1e-6 * cap).all()
    assert (s.soc_mwh <= energy * (1 + 1e-9) + 1e-9).all()
