"""Hand-derived answers for families 13 (import movement) and 15 (reserve deliverability)."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer import optimize
from optimizer.formulation.build import build_model
from optimizer.formulation.model_data import ModelData
from optimizer.inputs.assets import BatteryGroup
from optimizer.inputs.grid import FrequencyReserve, GridRules, RampLimit
from optimizer.results.costs import baseline_terms
from optimizer.testing import make_scenario, make_unit


def _no_battery():
    unit = make_unit(power_mw=1, energy_mwh=1)
    return [BatteryGroup(name="b", unit=unit, n_units=0, initial_soc_frac=0.0)]


def test_movement_rows_and_names():
    """Family 13 adds m+/m- on t >= 1 (t = 0 too with an initial import), one balance row each,
    and the cost term ``cost_movement_usd``; off (mu = 0) it adds nothing."""
    sc = make_scenario([100, 200, 100], [10] * 3, groups=_no_battery())
    m = build_model(sc.replace(grid=GridRules(movement_cost_usd_per_mw=1.0)))
    assert list(m.movement_balance) == [1, 2]
    assert "movement" in m.cost_term_names
    with_start = GridRules(
        movement_cost_usd_per_mw=1.0,
        ramp=RampLimit(rise_mw_per_min=100.0, fall_mw_per_min=100.0, initial_import_mw=50.0),
    )
    assert list(build_model(sc.replace(grid=with_start)).movement_balance) == [0, 1, 2]
    off = build_model(sc)
    assert not hasattr(off, "movement_balance")
    assert "movement" not in off.cost_term_names


def test_movement_cost_of_a_site_with_no_battery():
    """No battery: g = L = [100, 200, 100] MW hourly at 10 USD/MWh, mu = 2 USD/MW.
    Moves +100 and -100: total variation 200 MW, movement = 2 * 200 = 400 USD; energy
    10 * 400 = 4,000 USD; total 4,400 USD. The baseline is the same schedule: it pays the
    movement term too, and the savings are 0."""
    sc = make_scenario([100, 200, 100], [10] * 3, groups=_no_battery())
    res = optimize(sc.replace(grid=GridRules(movement_cost_usd_per_mw=2.0)))
    assert res.costs.loc["movement", "optimized_usd"] == pytest.approx(400.0)
    assert res.costs.loc["movement", "baseline_usd"] == pytest.approx(400.0)
    assert res.objective_usd == pytest.approx(4_400.0, rel=1e-9)
    assert res.costs.loc["total", "savings_usd"] == pytest.approx(0.0, abs=1e-6)


def test_movement_against_the_initial_import():
    """With the import before the horizon given (100 MW), the move into t = 0 counts:
    L = [200, 200] MW, no battery, mu = 1: movement = |200 - 100| = 100 USD; energy
    10 * 400 = 4,000 USD; total 4,100 USD."""
    sc = make_scenario([200, 200], [10, 10], groups=_no_battery())
    ramp = RampLimit(rise_mw_per_min=10.0, fall_mw_per_min=10.0, initial_import_mw=100.0)
    res = optimize(sc.replace(grid=GridRules(movement_cost_usd_per_mw=1.0, ramp=ramp)))
    assert res.costs.loc["movement", "optimized_usd"] == pytest.approx(100.0)
    assert res.objective_usd == pytest.approx(4_100.0, rel=1e-9)


def test_movement_cost_flattens_a_tie_to_the_one_flat_draw():
    """Lossless 100 MW / 100 MWh battery at 50 MWh, ending >= 50 MWh; load [100, 200, 100] MW
    hourly at a flat 10 USD/MWh. Energy costs 10 * sum(g) = 10 * (400 + s_end - 50) whatever the
    shape, so without mu every energy-neutral shape ties. With mu = 1 the only draw with no
    movement and sum 400 MWh is flat at 400/3 = 133.33 MW: charge 33.33, discharge 66.67,
    charge 33.33 (SOC 83.33, 16.67, 50, inside [0, 100]). Cost 4,000 USD; the baseline pays
    4,000 + 1 * 200 = 4,200 USD."""
    unit = make_unit(power_mw=100, energy_mwh=100)
    sc = make_scenario([100, 200, 100], [10] * 3, unit=unit, initial_soc_frac=0.5)
    res = optimize(sc.replace(grid=GridRules(movement_cost_usd_per_mw=1.0)))
    g = res.schedule.grid_import_mw.to_numpy()
    assert g == pytest.approx(np.full(3, 400 / 3), abs=1e-6)
    assert res.objective_usd == pytest.approx(4_000.0, rel=1e-9)
    assert res.costs.loc["total", "baseline_usd"] == pytest.approx(4_200.0, rel=1e-9)
    stab = res.summary()["grid"]["stability"]
    assert stab["optimized"]["total_variation_mw_per_day"] == pytest.approx(0.0, abs=1e-6)
    assert stab["baseline"]["largest_rise_mw"] == pytest.approx(100.0)
    assert not stab["moves_grid_harder_than_baseline"]


@pytest.mark.parametrize(
    ("mu", "expected_usd", "charge_mw"), [(5.0, 700.0, 10.0), (15.0, 800.0, 0.0)]
)
def test_movement_cost_against_arbitrage(mu, expected_usd, charge_mw):
    """Lossless 10 MW / 10 MWh battery, empty at start and end; load 20 MW; prices [10, 30] hourly.
    Charging x MW at t=0 and discharging it at t=1 gives g = [20 + x, 20 - x]: the spread earns
    20 x USD and the draw moves 2 x MW (mu * 2x USD). Cost = 800 - 20 x + 2 mu x: with mu = 5
    the arbitrage pays (x = 10, 800 - 200 + 100 = 700 USD); with mu = 15 it does not (x = 0,
    800 USD, the draw stays flat)."""
    unit = make_unit(power_mw=10, energy_mwh=10)
    groups = [
        BatteryGroup(name="b", unit=unit, n_units=1, initial_soc_frac=0.0, final_soc_min_frac=0.0)
    ]
    sc = make_scenario([20, 20], [10, 30], groups=groups)
    res = optimize(sc.replace(grid=GridRules(movement_cost_usd_per_mw=mu)))
    assert res.objective_usd == pytest.approx(expected_usd, rel=1e-9)
    assert res.schedule.charge_mw.iloc[0] == pytest.approx(charge_mw, abs=1e-6)


def test_movement_cost_term_recomputes_from_the_schedule():
    """The numpy twin (results/costs.py) gives mu * sum |Δ(g - x)| and equals the LP's term."""
    sc = make_scenario(
        [100, 250, 120, 300], [10, 40, 5, 60], unit=make_unit(power_mw=50, energy_mwh=100)
    )
    sc = sc.replace(grid=GridRules(movement_cost_usd_per_mw=0.5))
    res = optimize(sc)
    g = res.schedule.grid_import_mw.to_numpy() - res.schedule.grid_export_mw.to_numpy()
    assert res.costs.loc["movement", "optimized_usd"] == pytest.approx(
        0.5 * np.abs(np.diff(g)).sum(), abs=1e-6
    )
    base = baseline_terms(ModelData.from_scenario(sc))
    assert base["movement"] == pytest.approx(0.5 * (150 + 130 + 180))


@pytest.mark.parametrize(
    ("export_limit_mw", "expected_usd", "import_mw"), [(0.0, 6_000.0, 30.0), (40.0, 0.0, 0.0)]
)
def test_up_reserve_must_be_deliverable(export_limit_mw, expected_usd, import_mw):
    """Family 15. Lossless 100 MW / 100 MWh battery, full, may end empty; load 50 MW for 2 h at
    100 USD/MWh; 30 MW up reserve held (sustain 0 h, so family 10 is idle). Family 9 alone lets
    the fleet discharge 50 MW (headroom 100 - 50 = 50 >= 30) and import nothing: cost 0. But a
    site importing 0 MW cannot cut its draw by 30 MW without export: family 15 needs
    g >= 30 - (Gexp - x). With no export: g = 30, d = 20, cost 100 * 30 * 2 = 6,000 USD. With
    40 MW of export headroom (unpaid) the reserve is deliverable as export: g = 0, cost 0."""
    unit = make_unit(power_mw=100, energy_mwh=100)
    groups = [
        BatteryGroup(name="b", unit=unit, n_units=1, initial_soc_frac=1.0, final_soc_min_frac=0.0)
    ]
    sc = make_scenario([50, 50], [100, 100], groups=groups, export_limit_mw=export_limit_mw)
    sc = sc.replace(
        grid=GridRules(reserve=FrequencyReserve(up_mw=30.0, down_mw=0.0, sustain_h=0.0))
    )
    res = optimize(sc)
    assert res.objective_usd == pytest.approx(expected_usd, abs=1e-6)
    assert res.schedule.grid_import_mw.to_numpy() == pytest.approx([import_mw] * 2, abs=1e-6)
    assert (
        res.schedule.reserve_up_mw <= res.schedule.grid_import_mw + export_limit_mw + 1e-6
    ).all()
