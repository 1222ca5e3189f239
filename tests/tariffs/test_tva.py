"""TVA seasonal TOU for a >25 MW MLGW customer (issue 20): hand-derived bills on the shipped
tariff (``models/tariffs/tva-mlgw-large-tou.toml``) with small synthetic loads, and the engine
features it needs: seasons, hours-use-of-demand (HUD) blocks, fuel by month, holidays by rule,
sliding demand metering, minimum billing demand, ratchet history and the contract cap.

Every expected amount is derived in the test's docstring from the TOML's rates (USD/MWh,
USD/MW-month): on-peak energy Winter 48.10 / Summer 61.74; off-peak HUD blocks 35.61 (first
200 h x D), 2.99 (next 200 h x D), 2.34 (the rest); fuel Jan-Mar 16.00, Apr-Dec 21.20;
maximum demand 1,710; on-peak demand and excess Winter 10,190 / Summer 10,870; customer +
administrative 1,850 per month; minimum billing demand 60 % of contract. No solver is used.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from optimizer.io import load_tariff_spec
from optimizer.results.checks import check_hud_blocks
from optimizer.tariffs import (
    TariffSpec,
    bill,
    bill_summary,
    cost_terms,
    demand_windows,
    energy_price_usd_per_mwh,
    tariff_arrays,
    window_values,
)
from optimizer.tariffs.calendar import period_of, sliding_blocks, tariff_calendar
from optimizer.tariffs.evaluate import hud_validity
from optimizer.tariffs.holidays import holiday_dates

TZ = "America/Chicago"
REPO = Path(__file__).resolve().parents[2]
TVA = REPO / "models" / "tariffs" / "tva-mlgw-large-tou.toml"
ATOL_USD = 1e-6


@pytest.fixture(scope="module")
def tva() -> TariffSpec:
    return load_tariff_spec(TVA)


def with_contract(spec: TariffSpec, contract_mw: float, **kw: object) -> TariffSpec:
    """The shipped tariff with another contract demand (same rates and rules)."""
    data = spec.model_dump()
    data["contract"].update({"contract_mw": contract_mw, **kw})
    return TariffSpec.model_validate(data)


def month_index(start: str, end: str, freq: str = "15min") -> pd.DatetimeIndex:
    return pd.date_range(
        pd.Timestamp(start, tz=TZ), pd.Timestamp(end, tz=TZ), freq=freq, inclusive="left"
    )


def on_peak_mask(spec: TariffSpec, index: pd.DatetimeIndex) -> np.ndarray:
    assert spec.energy.schedule is not None
    return period_of(spec.energy.schedule, tariff_calendar(spec, index)) == 1


def lines(b: pd.DataFrame) -> dict[str, float]:
    return {line: float(v) for (_, line), v in b["amount_usd"].items()}


def assert_lp_agrees(spec: TariffSpec, g: pd.Series) -> None:
    """The LP's numpy bill (windows, HUD linear form) equals the calculator, kind by kind."""
    arrays = tariff_arrays(spec, pd.DatetimeIndex(g.index))
    terms = cost_terms(arrays, g.to_numpy())
    summary = bill_summary(bill(g, spec)).iloc[0]
    for kind in ("energy", "demand", "excess", "fixed"):
        assert terms[kind] == pytest.approx(float(summary.get(kind, 0.0)), abs=ATOL_USD), kind
    assert terms["total"] == pytest.approx(float(summary["total"]), abs=ATOL_USD)


# ====================================================================== hand-derived bills
def test_february_bill_by_hand(tva: TariffSpec) -> None:
    """February 2021 (Winter), 15-minute steps, contract 12 MW (minimum billing 7.2 MW).

    Load: 10 MW off-peak, 6 MW on-peak, and 11 MW at 12:15 and 12:30 on Wed 10 Feb.
    Calendar: 20 weekdays x 6 on-peak hours (04:00-10:00, Nov-Mar) = 120 h; 672 - 120 = 552 h
    off-peak. Energy: on-peak 6 x 120 = 720 MWh; off-peak 10 x 552 + 2 x 1 MW x 0.25 h =
    5,520.5 MWh; all 6,240.5 MWh.
    Demand on any 30 consecutive minutes: max = mean(11, 11) = 11 MW (clock-aligned halves
    would give 10.5); on-peak metered 6 MW < 7.2 MW minimum, billed 7.2.
    HUD with D = 11 MW: block 1 = 200 x 11 = 2,200 MWh x 35.61 = 78,342; block 2 = 2,200 x
    2.99 = 6,578; block 3 = 5,520.5 - 4,400 = 1,120.5 x 2.34 = 2,621.97 (valid: 5,520.5 >=
    4,400). On-peak energy (winter) 720 x 48.10 = 34,632. Fuel 6,240.5 x 16.00 = 99,848.
    Maximum demand 11 x 1,710 = 18,810; on-peak demand (winter) 6 x 10,190 = 61,140 plus the
    minimum billing top-up 1.2 x 10,190 = 12,228; no excess (11 < 12); fixed 1,850.
    Total 316,049.97.
    """
    spec = with_contract(tva, 12.0)
    idx = month_index("2021-02-01", "2021-03-01")
    g = pd.Series(np.where(on_peak_mask(spec, idx), 6.0, 10.0), index=idx)
    g[pd.Timestamp("2021-02-10 12:15", tz=TZ)] = 11.0
    g[pd.Timestamp("2021-02-10 12:30", tz=TZ)] = 11.0
    b = bill(g, spec)
    got = lines(b)
    expected = {
        "energy off-peak HUD block 1": 78_342.0,
        "energy off-peak HUD block 2": 6_578.0,
        "energy off-peak HUD block 3": 2_621.97,
        "energy on-peak (winter)": 34_632.0,
        "fuel cost adjustment": 99_848.0,
        "demand max-demand": 18_810.0,
        "minimum billing demand max-demand": 0.0,
        "excess over contract max-demand (winter)": 0.0,
        "demand on-peak (winter)": 61_140.0,
        "minimum billing demand on-peak (winter)": 12_228.0,
        "excess over contract on-peak (winter)": 0.0,
        "fixed monthly": 1_850.0,
    }
    assert got.keys() == expected.keys()
    for line, amount in expected.items():
        assert got[line] == pytest.approx(amount, abs=1e-6), line
    assert float(b["amount_usd"].sum()) == pytest.approx(316_049.97, abs=1e-6)
    assert "linear form valid" in str(b.loc[("2021-02", "energy off-peak HUD block 1"), "note"])
    assert_lp_agrees(spec, g)


def test_july_bill_by_hand(tva: TariffSpec) -> None:
    """July 2021 (Summer), 15-minute steps, contract 12 MW, load over the contract on-peak.

    Load: 9 MW off-peak, 12.5 MW on-peak. Calendar: 22 weekdays x 6 on-peak hours
    (13:00-19:00, Apr-Oct) = 132 h; Independence Day is a Sunday and its observed Monday is
    not off-peak (the schedule names the days), so 744 - 132 = 612 h off-peak.
    Energy: on-peak 12.5 x 132 = 1,650 MWh; off-peak 9 x 612 = 5,508 MWh; all 7,158 MWh.
    D = 12.5 MW. HUD: 2,500 x 35.61 = 89,025; 2,500 x 2.99 = 7,475; 508 x 2.34 = 1,188.72.
    On-peak energy (summer) 1,650 x 61.74 = 101,871. Fuel 7,158 x 21.20 = 151,749.60.
    Maximum demand 12.5 x 1,710 = 21,375; on-peak demand (summer) 12.5 x 10,870 = 135,875;
    excess over the 12 MW contract on each: 0.5 x 10,870 = 5,435 twice; fixed 1,850.
    Total 521,279.32.
    """
    spec = with_contract(tva, 12.0)
    idx = month_index("2021-07-01", "2021-08-01")
    on = on_peak_mask(spec, idx)
    assert on.sum() * 0.25 == 132.0
    g = pd.Series(np.where(on, 12.5, 9.0), index=idx)
    got = lines(bill(g, spec))
    expected = {
        "energy off-peak HUD block 1": 89_025.0,
        "energy off-peak HUD block 2": 7_475.0,
        "energy off-peak HUD block 3": 1_188.72,
        "energy on-peak (summer)": 101_871.0,
        "fuel cost adjustment": 151_749.6,
        "demand max-demand": 21_375.0,
        "minimum billing demand max-demand": 0.0,
        "excess over contract max-demand (summer)": 5_435.0,
        "demand on-peak (summer)": 135_875.0,
        "minimum billing demand on-peak (summer)": 0.0,
        "excess over contract on-peak (summer)": 5_435.0,
        "fixed monthly": 1_850.0,
    }
    assert got.keys() == expected.keys()
    for line, amount in expected.items():
        assert got[line] == pytest.approx(amount, abs=1e-6), line
    assert sum(got.values()) == pytest.approx(521_279.32, abs=1e-6)
    assert_lp_agrees(spec, g)


# ====================================================================== HUD blocks
def test_hud_linear_form_of_the_tariff(tva: TariffSpec) -> None:
    """200 (35.61 - 2.34) + 200 (2.99 - 2.34) = 6,654 + 130 = 6,784 USD/MW-month, valid
    from 400 h x D; every MWh pays 2.34 + fuel (16.00 in February) = 18.34 off-peak."""
    off = tva.energy.periods[0]
    assert off.hud_linear_form() == pytest.approx((2.34, 6_784.0, 400.0))
    idx = month_index("2021-02-01", "2021-02-02", "1h")
    price = energy_price_usd_per_mwh(tva, idx)
    assert price[0] == pytest.approx(18.34)  # 00:00 off-peak
    assert price[5] == pytest.approx(48.10 + 16.0)  # 05:00 Monday on-peak (winter)


def test_hud_below_its_load_factor_is_billed_exactly_and_flagged(tva: TariffSpec) -> None:
    """A flat 100 MW under the 910 MW contract: D = the 546 MW minimum billing demand.

    February, 60-minute steps: off-peak E = 100 x 552 = 55,200 MWh < 400 x 546 = 218,400, so
    the linear form (2.34 x 55,200 + 6,784 x 546 = 3,833,232) over-bills; the exact blocks put
    it all in block 1: 55,200 x 35.61 = 1,965,672. The calculator and the numpy bill use the
    exact amount; :func:`hud_validity` and the post-solve check flag the month.
    """
    idx = month_index("2021-02-01", "2021-03-01", "1h")
    g = pd.Series(100.0, index=idx)
    b = bill(g, tva)
    assert float(b.loc[("2021-02", "energy off-peak HUD block 1"), "amount_usd"]) == (
        pytest.approx(1_965_672.0)
    )
    assert float(b.loc[("2021-02", "energy off-peak HUD block 2"), "quantity"]) == 0.0
    assert "NOT VALID" in str(b.loc[("2021-02", "energy off-peak HUD block 1"), "note"])
    arrays = tariff_arrays(tva, idx)
    table = hud_validity(arrays, g.to_numpy())
    row = table.iloc[0]
    assert not row.valid
    assert row.linear_usd == pytest.approx(3_833_232.0)
    assert row.exact_usd == pytest.approx(1_965_672.0)
    assert_lp_agrees(tva, g)
    issues = check_hud_blocks(
        SimpleNamespace(tariff=arrays), SimpleNamespace(grid_import_mw=g.to_numpy())
    )
    assert len(issues) == 1
    assert "linear form" in issues[0].what
    assert "218,400" in str(issues[0].expected)


def test_hud_tiers_are_validated() -> None:
    base = {
        "name": "x",
        "energy": {
            "basis": "schedule",
            "schedule": {"weekday": [[0] * 24] * 12},
            "periods": [{"name": "p", "hud_tiers": [{"rate_usd_per_mwh": 1.0}], "hud_demand": "f"}],
        },
        "facility_demand": {"name": "f", "periods": [{"name": "f", "rate_usd_per_mw": 1.0}]},
    }
    with pytest.raises(ValidationError, match="at least two blocks"):
        TariffSpec.model_validate(base)
    base["energy"]["periods"][0]["hud_tiers"] = [
        {"rate_usd_per_mwh": 3.0, "upper_hours": 200.0},
        {"rate_usd_per_mwh": 1.0},
    ]
    base["energy"]["periods"][0]["hud_demand"] = "nope"
    with pytest.raises(ValidationError, match="hud_demand 'nope' names no"):
        TariffSpec.model_validate(base)


# ====================================================================== calendar and metering
def test_holidays_by_rule_and_november_morning_window(tva: TariffSpec) -> None:
    """2021: Memorial Day 31 May, Labor Day 6 Sep, Thanksgiving 25 Nov (weekdays), Independence
    Day and Christmas on weekends; observed days only with the federal rule. November takes the
    04:00-10:00 window (Nov-Mar) at Transition prices: 05:00 on Wed 24 Nov is on-peak at 35.61 +
    21.20, on Thanksgiving it is off-peak (2.34 + 21.20)."""
    assert tva.holiday_dates([2021]) == (
        dt.date(2021, 5, 31),
        dt.date(2021, 7, 4),
        dt.date(2021, 9, 6),
        dt.date(2021, 11, 25),
        dt.date(2021, 12, 25),
    )
    observed = holiday_dates(("independence_day", "christmas_day"), [2021], observed=True)
    assert observed == (
        dt.date(2021, 7, 4),
        dt.date(2021, 7, 5),
        dt.date(2021, 12, 24),
        dt.date(2021, 12, 25),
    )
    idx = month_index("2021-11-24", "2021-11-26", "1h")
    price = pd.Series(energy_price_usd_per_mwh(tva, idx), index=idx)
    assert price[pd.Timestamp("2021-11-24 05:00", tz=TZ)] == pytest.approx(35.61 + 21.2)
    assert price[pd.Timestamp("2021-11-24 14:00", tz=TZ)] == pytest.approx(2.34 + 21.2)
    assert price[pd.Timestamp("2021-11-25 05:00", tz=TZ)] == pytest.approx(2.34 + 21.2)


def test_sliding_blocks_and_metering() -> None:
    """Sliding 30-minute demand at 15 minutes is the mean of two consecutive intervals.

    Load 0, 10, 10, 0 from 00:00: clock halves (00:00-00:30, 00:30-01:00) average 5 and 5;
    any 30 consecutive minutes catches 00:15-00:45 = 10.
    """
    s, e = sliding_blocks(np.array([3, 4, 5, 9]), 2)
    assert s.tolist() == [3, 4, 9]
    assert e.tolist() == [5, 6, 10]
    idx = month_index("2021-02-06", "2021-02-06 01:00")
    g = pd.Series([0.0, 10.0, 10.0, 0.0], index=idx)
    fac = {"name": "f", "periods": [{"name": "f", "rate_usd_per_mw": 1.0}]}
    for metering, peak in (("clock_aligned", 5.0), ("sliding", 10.0)):
        spec = TariffSpec.model_validate(
            {
                "name": "m",
                "facility_demand": fac,
                "demand_interval_min": 30,
                "demand_metering": metering,
            }
        )
        w = demand_windows(spec, idx)[0]
        assert float(window_values((w,), g.to_numpy())["metered_mw"].iloc[0]) == peak
        assert float(bill(g, spec, price_usd_per_mwh=g * 0)["quantity"].iloc[-1]) == peak


def test_seasonal_rates_need_every_season(tva: TariffSpec) -> None:
    data = tva.model_dump()
    data["tou_demand"][0]["periods"][1]["rate_usd_per_mw"] = {"summer": 1.0, "winter": 2.0}
    with pytest.raises(ValidationError, match="one rate per season"):
        TariffSpec.model_validate(data)
    data = tva.model_dump()
    data["seasons"] = {"summer": [6, 7, 8, 9], "winter": [12, 1, 2, 3], "transition": [4, 5, 10]}
    with pytest.raises(ValidationError, match="every calendar month"):
        TariffSpec.model_validate(data)


# ====================================================================== billing demand
def test_ratchet_history_raises_the_billing_demand(tva: TariffSpec) -> None:
    """An over-contract study (allow_excess) with a 1,000 MW maximum demand metered in
    January (history given as a state record): February's maximum billing demand is at
    least 0.6 x 1,000 = 600 MW > the 546 MW contract minimum. A flat 500 MW February (60-min
    steps) is billed 600 MW: top-up 100 x 1,710 = 171,000, in the numpy bill as well."""
    data = with_contract(tva, 910.0, allow_excess=True).model_dump()
    data["state"] = {"peaks": [{"month": "2021-01", "charge": "max-demand", "peak_mw": 1000.0}]}
    spec = TariffSpec.model_validate(data)
    idx = month_index("2021-02-01", "2021-03-01", "1h")
    g = pd.Series(500.0, index=idx)
    b = bill(g, spec)
    top = b.loc[("2021-02", "minimum billing demand max-demand")]
    assert float(top["amount_usd"]) == pytest.approx(171_000.0)
    assert "ratchet" in str(top["note"])
    vals = window_values(tariff_arrays(spec, idx).demand_windows, g.to_numpy())
    assert float(vals.loc["2021-02 max-demand", "billed_mw"]) == pytest.approx(600.0)
    assert_lp_agrees(spec, g)


def test_contract_is_a_hard_cap_unless_excess_is_allowed(tva: TariffSpec) -> None:
    idx = month_index("2021-02-01", "2021-02-02", "1h")
    assert tariff_arrays(tva, idx).import_cap_mw == 910.0
    assert tariff_arrays(with_contract(tva, 910.0, allow_excess=True), idx).import_cap_mw is None
    assert tva.contract is not None
    assert tva.contract.applies_to == ("on-peak", "max-demand")


def test_market_what_if_has_no_hud_or_fuel(tva: TariffSpec) -> None:
    """On the market basis energy is the price series alone: no HUD charge on demand and no
    fuel line (a market price carries fuel); the demand charges stay."""
    data = tva.model_dump()
    data["energy"]["basis"] = "market"
    spec = TariffSpec.model_validate(data)
    idx = month_index("2021-02-01", "2021-02-02", "1h")
    price = pd.Series(30.0, index=idx)
    assert tariff_arrays(spec, idx, price_usd_per_mwh=price).hud_blocks == ()
    b = bill(pd.Series(800.0, index=idx), spec, price_usd_per_mwh=price)
    names = [line for _, line in b.index]
    assert "energy market" in names
    assert "fuel cost adjustment" not in names
    assert not any("HUD" in n for n in names)
