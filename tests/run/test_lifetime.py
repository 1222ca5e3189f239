"""Lifetime economics: NPV, IRR, payback and fade known answers; the year loop on a tiny site."""

from __future__ import annotations

import math

import pytest

from optimizer.inputs.economics import CapacityFade, Sizing, UnitEconomics
from optimizer.run.lifetime import irr_frac, lifetime_economics, npv_usd, payback_year
from optimizer.testing import make_scenario, make_unit


def test_npv_known_answers():
    """-100 now, +60 after 1 and 2 years at 10 %: -100 + 54.5454.. + 49.5867.. = 4.1322.."""
    assert npv_usd([-100.0, 60.0, 60.0], 0.10) == pytest.approx(-100 + 60 / 1.1 + 60 / 1.21)
    assert npv_usd([-100.0, 60.0, 60.0], 0.10) == pytest.approx(4.132231, abs=1e-6)
    assert npv_usd([-100.0, 110.0], 0.10) == pytest.approx(0.0, abs=1e-9)


def test_irr_known_answers():
    """IRR of -100, 60, 60: 60/(1+r) + 60/(1+r)^2 = 100, 1+r = (60 + sqrt(3600 + 24000)) / 200."""
    expected = (60 + math.sqrt(3600 + 24000)) / 200 - 1
    assert irr_frac([-100.0, 60.0, 60.0]) == pytest.approx(expected, abs=1e-8)
    assert irr_frac([-100.0, 110.0]) == pytest.approx(0.10, abs=1e-8)
    assert irr_frac([-100.0, 50.0, 50.0]) == pytest.approx(0.0, abs=1e-8)
    # 10 x + 10 x^2 = 100 with x = 1/(1+r): x = (sqrt(41) - 1) / 2, r = 1/x - 1
    assert irr_frac([-100.0, 10.0, 10.0]) == pytest.approx(2 / (math.sqrt(41) - 1) - 1, abs=1e-8)
    assert irr_frac([100.0, 10.0]) is None  # money in, never out: no rate makes it 0


def test_payback_known_answers():
    assert payback_year([-100.0, 40.0, 40.0, 40.0]) == pytest.approx(2.5)
    assert payback_year([-100.0, 100.0]) == pytest.approx(1.0)
    assert payback_year([-100.0, 10.0, 10.0]) is None


def test_fade_known_answers():
    """1 - 0.02 sqrt(age) - 0.00003 EFC: age 4, 1,000 cycles -> 1 - 0.04 - 0.03 = 0.93."""
    fade = CapacityFade(calendar_fade_frac_per_sqrt_year=0.02, cycle_fade_frac_per_cycle=0.00003)
    assert fade.remaining_frac(4.0, 1000.0) == pytest.approx(0.93)
    assert fade.remaining_frac(0.0, 0.0) == 1.0
    assert fade.remaining_frac(25.0, 0.0) == pytest.approx(0.9)
    assert fade.remaining_frac(10_000.0, 1e6) == 0.0  # floored


def _site(fade: CapacityFade, capex: float = 1000.0):
    """Two hours, prices [10, 50], load 10 MW, 1 MW / 1 MWh lossless units (40 USD per unit)."""
    econ = UnitEconomics(
        capital_cost_usd=capex, fixed_om_usd_per_year=0.0, lifetime_years=3, fade=fade
    )
    unit = make_unit().model_copy(update={"economics": econ})
    return make_scenario([10.0, 10.0], [10.0, 50.0], unit=unit, initial_soc_frac=0.0, n_units=2)


def test_lifetime_without_fade_repeats_the_first_year():
    """No fade, r = 0: a year saves 2 x 40 USD x 8760 / 2 = 350,400 USD; payback 2000/350400 y."""
    sc = _site(CapacityFade())
    life = lifetime_economics(sc, 2, sizing=Sizing(discount_rate_frac=0.0, augment_below_frac=None))
    t = life.table
    assert list(t["year"]) == [0, 1, 2, 3]
    assert t["capex_usd"].iloc[0] == pytest.approx(2000.0)
    assert t["bill_savings_usd"].iloc[1:].tolist() == pytest.approx([350_400.0] * 3)
    assert life.npv_usd == pytest.approx(3 * 350_400.0 - 2000.0)
    assert life.payback_year == pytest.approx(2000.0 / 350_400.0)
    assert life.n_warm == 2  # years 2 and 3 re-solve the year-1 model


def test_lifetime_fade_and_augmentation():
    """Calendar fade of 30 % after a year (sqrt(1) x 0.3): year 2 starts at 70 % < 80 %, so
    ceil(2 - 1.4) = 1 unit is added (capex 1,000), giving 2.4 MWh of 2 MWh nameplate... the
    discharge is limited by power, so the savings stay 40 USD per MWh of energy moved."""
    sc = _site(CapacityFade(calendar_fade_frac_per_sqrt_year=0.3))
    life = lifetime_economics(sc, 2, sizing=Sizing(discount_rate_frac=0.0, augment_below_frac=0.8))
    t = life.table.set_index("year")
    assert t.loc[1, "energy_frac"] == pytest.approx(1.0)
    assert t.loc[2, "units_added"] == 1
    assert t.loc[2, "capex_usd"] == pytest.approx(1000.0)
    assert t.loc[2, "energy_frac"] == pytest.approx((2 * 0.7 + 1.0) / 2)
    # year 1 moves 2 MWh (2 units x 1 MWh) for 40 USD each: 80 USD over 2 h, 350,400 a year
    assert t.loc[1, "bill_savings_usd"] == pytest.approx(350_400.0)
    # year 2: 2.4 MWh of energy but 3 MW of power and 2 h: it moves 2.4 MWh
    assert t.loc[2, "bill_savings_usd"] == pytest.approx(2.4 * 40 * 4380)
    # the unit added at the start of year 2 of a 3-year life has served 2 of its 3 years
    assert t.loc[3, "salvage_usd"] == pytest.approx(1000.0 / 3)
