"""Event accounting, hand-derived (issue 19): one effective interruptible demand per site, and a
no-battery baseline never credited for a cap it would break."""

from __future__ import annotations

import pytest

from optimizer import optimize
from optimizer.formulation.model_data import ModelData
from optimizer.inputs.grid import EventProgram, GridRules, allocate_interruptible
from optimizer.results.costs import baseline_terms
from optimizer.testing import make_scenario, make_unit


def _program(name: str, mw: float, usd_per_mw_month: float, firm_mw: float = 60.0) -> EventProgram:
    return EventProgram(
        name=name,
        notice_min=5 if name == "IP5" else 30,
        kind="reduce_to",
        firm_demand_mw=firm_mw,
        interruptible_mw=mw,
        credit_usd_per_mw_month=usd_per_mw_month,
    )


def test_same_megawatts_in_two_programmes_are_credited_once():
    """IP5 and IP30 both list 500 MW: the site has one effective interruptible demand of
    500 MW, credited under the better-paying IP5 (3,000 USD/MW-month): 1,500,000 USD for one
    month, not 500 * 3,000 + 500 * 2,000 = 2,500,000 USD."""
    programs = (_program("IP5", 500, 3000), _program("IP30", 500, 2000))
    assert allocate_interruptible(programs) == {"IP5": 500.0, "IP30": 0.0}
    sc = make_scenario([40.0, 40.0], [50.0, 50.0], unit=make_unit(power_mw=10, energy_mwh=10))
    data = ModelData.from_scenario(sc.replace(grid=GridRules(programs=programs)))
    assert data.event_capacity_credit_usd == pytest.approx(1_500_000.0)


def test_a_larger_programme_takes_the_megawatts_the_better_one_leaves():
    """IP5 300 MW at 3,000 and IP30 500 MW at 2,000 USD/MW-month: EID = 500 MW; IP5 takes 300,
    IP30 the remaining 200: 300 * 3,000 + 200 * 2,000 = 1,300,000 USD a month."""
    programs = (_program("IP5", 300, 3000), _program("IP30", 500, 2000))
    assert allocate_interruptible(programs) == {"IP5": 300.0, "IP30": 200.0}
    sc = make_scenario([40.0, 40.0], [50.0, 50.0], unit=make_unit(power_mw=10, energy_mwh=10))
    data = ModelData.from_scenario(sc.replace(grid=GridRules(programs=programs)))
    assert data.event_capacity_credit_usd == pytest.approx(1_300_000.0)


@pytest.mark.parametrize(("load_mw", "baseline_credit_usd"), [(100.0, 0.0), (50.0, -20_000.0)])
def test_the_baseline_is_credited_only_for_a_cap_it_keeps(load_mw, baseline_credit_usd):
    """One programme: firm demand 60 MW, 10 MW interruptible at 2,000 USD/MW-month, one month.
    A no-battery site drawing 100 MW could not answer a call (100 > 60): it is not enrolled, its
    event credit is 0 and its bill is just energy, 50 * 200 = 10,000 USD. At 50 MW it would
    already be below the cap: credited 10 * 2,000 = 20,000 USD. The site with its battery is
    credited the 20,000 USD either way (nothing is called in the horizon)."""
    sc = make_scenario([load_mw] * 2, [50.0] * 2, unit=make_unit(power_mw=50, energy_mwh=100))
    sc = sc.replace(grid=GridRules(programs=(_program("IP30", 10, 2000),)))
    base = baseline_terms(ModelData.from_scenario(sc))
    assert base["event_credit"] == pytest.approx(baseline_credit_usd)
    assert base["total"] == pytest.approx(50 * 2 * load_mw + baseline_credit_usd)
    res = optimize(sc)
    assert res.costs.loc["event_credit", "optimized_usd"] == pytest.approx(-20_000.0)
    assert res.costs.loc["event_credit", "baseline_usd"] == pytest.approx(baseline_credit_usd)
