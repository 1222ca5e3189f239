"""Monotonicity properties on random small scenarios (hypothesis, bounded): more battery or more
efficiency never costs more.

Each property states the argument that makes it true, because each holds only under stated
conditions (standing losses, auxiliary load, negative prices and wear costs each break one of
them, and those are real effects, not bugs). Price scaling, step invariance and relaxing the
import cap are in ``test_invariance.py``.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer import optimize
from optimizer.inputs.assets import BatteryGroup
from optimizer.testing import RTOL, make_scenario, make_unit

N_INTERVALS = 12
EXAMPLES = settings(max_examples=20, deadline=None)


def _no_dearer(more: float, less: float) -> None:
    """``more`` (the cost with more battery) is at most ``less``, within the solver tolerance."""
    assert more <= less + RTOL * max(1.0, abs(less)), f"{more} > {less}"


def _case(seed: int, *, low_price_usd_per_mwh: float = -20.0, low_load_mw: float = 5.0):
    rng = np.random.default_rng(seed)
    load = rng.uniform(low_load_mw, low_load_mw + 30.0, N_INTERVALS)
    price = rng.uniform(low_price_usd_per_mwh, 200.0, N_INTERVALS)
    return load, price, float(rng.uniform(0.0, 500.0))


batteries = st.fixed_dictionaries(
    {
        "power_mw": st.floats(0.5, 10.0),
        "energy_mwh": st.floats(0.5, 40.0),
        "charge_efficiency_frac": st.floats(0.7, 1.0),
        "discharge_efficiency_frac": st.floats(0.7, 1.0),
        "soc_min_frac": st.floats(0.0, 0.2),
        "degradation_cost_usd_per_mwh": st.floats(0.0, 20.0),
    }
)


@EXAMPLES
@given(
    battery=batteries,
    seed=st.integers(0, 10_000),
    extra=st.floats(0.05, 2.0),
    initial=st.floats(0.2, 0.9),
)
def test_more_power_never_costs_more(battery, seed, extra, initial):
    """Raising the charge and discharge power limits only enlarges the feasible set: every old
    schedule stays feasible at the same cost. Holds with losses, wear cost and any prices."""
    load, price, demand = _case(seed)
    unit = make_unit(self_discharge_frac_per_h=0.001, **battery)
    bigger = make_unit(
        self_discharge_frac_per_h=0.001,
        **{**battery, "power_mw": battery["power_mw"] * (1 + extra)},
    )
    kw = dict(initial_soc_frac=initial, demand_charge_usd_per_mw=demand)
    small = optimize(make_scenario(load, price, unit=unit, **kw))
    large = optimize(make_scenario(load, price, unit=bigger, **kw))
    _no_dearer(large.objective_usd, small.objective_usd)


@EXAMPLES
@given(
    battery=batteries,
    seed=st.integers(0, 10_000),
    extra=st.floats(0.05, 2.0),
    initial=st.floats(0.2, 0.9),
)
def test_more_energy_never_costs_more(battery, seed, extra, initial):
    """With energy E' > E and the same initial (and terminal) SOC fraction f, the old SOC path
    shifted up by f (E' - E) is feasible (f lies in the SOC band) with the same flows and cost.
    The shift needs no standing loss: stored energy that decays would miss the terminal target."""
    load, price, demand = _case(seed)
    unit = make_unit(**battery)
    bigger = make_unit(**{**battery, "energy_mwh": battery["energy_mwh"] * (1 + extra)})
    kw = dict(initial_soc_frac=initial, demand_charge_usd_per_mw=demand)
    small = optimize(make_scenario(load, price, unit=unit, **kw))
    large = optimize(make_scenario(load, price, unit=bigger, **kw))
    _no_dearer(large.objective_usd, small.objective_usd)


@EXAMPLES
@given(
    battery=batteries,
    seed=st.integers(0, 10_000),
    n_units=st.integers(1, 3),
    added=st.integers(1, 3),
    initial=st.floats(0.2, 0.9),
)
def test_more_units_never_cost_more(battery, seed, n_units, added, initial):
    """More identical units scale power and energy together: the two arguments above combined.
    Without auxiliary load (each unit in service draws it, so more units do cost more)."""
    load, price, demand = _case(seed)
    unit = make_unit(**battery)
    kw = dict(unit=unit, initial_soc_frac=initial, demand_charge_usd_per_mw=demand)
    few = optimize(make_scenario(load, price, n_units=n_units, **kw))
    many = optimize(make_scenario(load, price, n_units=n_units + added, **kw))
    _no_dearer(many.objective_usd, few.objective_usd)
    two_groups = [
        BatteryGroup(name="a", unit=unit, n_units=n_units, initial_soc_frac=initial),
        BatteryGroup(name="b", unit=unit, n_units=added, initial_soc_frac=initial),
    ]
    split = optimize(make_scenario(load, price, groups=two_groups, demand_charge_usd_per_mw=demand))
    _no_dearer(split.objective_usd, few.objective_usd)  # an added group is more battery too


@EXAMPLES
@given(
    battery=batteries,
    seed=st.integers(0, 10_000),
    gain=st.floats(0.01, 0.3),
    which=st.sampled_from(["charge", "discharge", "both"]),
)
def test_more_efficiency_never_costs_more(battery, seed, gain, which):
    """Higher charge efficiency: charging c * eta_c / eta_c' gives the same SOC path with less
    import. Higher discharge efficiency: discharging up to d * eta_d' / eta_d (capped at the
    power limit; any energy left over reduces later charging) gives an SOC path at least as
    high with less import. Less import is no dearer when prices are >= 0 and the import stays
    >= 0 (load at least the battery's power); wear cost on the extra discharge is set to 0."""
    load, price, demand = _case(seed, low_price_usd_per_mwh=0.0, low_load_mw=battery["power_mw"])
    battery = {**battery, "degradation_cost_usd_per_mwh": 0.0}
    better = dict(battery)
    for side in ("charge", "discharge") if which == "both" else (which,):
        key = f"{side}_efficiency_frac"
        better[key] = min(1.0, battery[key] + gain)
    kw = dict(initial_soc_frac=0.5, demand_charge_usd_per_mw=demand)
    worse_result = optimize(make_scenario(load, price, unit=make_unit(**battery), **kw))
    better_result = optimize(make_scenario(load, price, unit=make_unit(**better), **kw))
    _no_dearer(better_result.objective_usd, worse_result.objective_usd)
