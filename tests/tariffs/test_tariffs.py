"""Tariff engine (issue 5): hand-computed bills per feature, URDB import, DST and partial
months, demand-interval block averages, and window records against the calculator.

Every known answer is derived in the test's docstring. Rates are in model units:
USD/MWh for energy and USD/MW-month for demand. No solver is used.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from optimizer.errors import InputError, ModelFileError, TimeSeriesError
from optimizer.io import load_tariff_spec
from optimizer.io.tariff_file import read_system_load, read_urdb
from optimizer.tariffs import (
    TariffSpec,
    bill,
    bill_summary,
    billing_months,
    cost_terms,
    demand_windows,
    energy_price_usd_per_mwh,
    system_peak_candidates,
    tariff_arrays,
    urdb_to_spec,
    window_values,
)

TZ = "America/Chicago"
REPO = Path(__file__).resolve().parents[2]
URDB_DIR = REPO / "models" / "tariffs" / "urdb"
TVA_LOAD = REPO / "data" / "eia930_tva_ba_hourly_demand_2021_cleaned.csv.gz"
URDB_FILES = sorted(URDB_DIR.glob("*.json"))
ATOL = 1e-6

ON_13_19 = [[1 if 13 <= h < 19 else 0 for h in range(24)] for _ in range(12)]
ALL_OFF = [[0] * 24 for _ in range(12)]


def horizon(start: str, periods: int, freq: str = "1h") -> pd.DatetimeIndex:
    return pd.date_range(pd.Timestamp(start, tz=TZ), periods=periods, freq=freq)


def series(values, index) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=float), index=index)


def spec(**kw) -> TariffSpec:
    base = {"name": "test", "energy": {"basis": "market"}}
    base.update(kw)
    return TariffSpec.model_validate(base)


def flat(rate: float, name: str = "facility") -> dict:
    return {"name": name, "periods": [{"name": name, "rate_usd_per_mw": rate}]}


def amount(b: pd.DataFrame, kind: str | None = None, line: str | None = None) -> float:
    sel = b
    if kind is not None:
        sel = sel[sel["kind"] == kind]
    if line is not None:
        sel = sel[sel.index.get_level_values("line") == line]
    return float(sel["amount_usd"].sum())


def zero_price(index) -> pd.Series:
    return series(np.zeros(len(index)), index)


# ===================================================================== energy
def test_energy_market_price_plus_adder():
    """LMP 20 USD/MWh + adder 5 on loads 1, 2, 3, 2 MW at 15 min.

    Energy = (1 + 2 + 3 + 2) x 0.25 h = 2 MWh; market 2 x 20 = 40 USD, adder 2 x 5 = 10 USD.
    The LP's per-interval price is 25 USD/MWh, giving the same 50 USD.
    """
    idx = horizon("2021-02-01", 4, "15min")
    t = spec(energy={"basis": "market", "adder_usd_per_mwh": 5.0})
    g, p = series([1, 2, 3, 2], idx), series([20] * 4, idx)
    b = bill(g, t, price_usd_per_mwh=p)
    assert amount(b, line="energy market") == pytest.approx(40.0)
    assert amount(b, line="energy adder") == pytest.approx(10.0)
    assert energy_price_usd_per_mwh(t, idx, p).tolist() == [25.0] * 4
    with pytest.raises(InputError, match="price"):
        bill(g, t)


def test_energy_tou_schedule_weekday_weekend_and_holiday():
    """1 MW for Friday 2021-02-05 and Saturday 02-06, hourly; on-peak weekdays 13:00-19:00.

    Friday has 6 on-peak hours: 6 MWh x 100 = 600 USD; the other 18 Friday hours and the
    24 Saturday hours are off-peak: 42 MWh x 20 = 840 USD; total 1,440 USD.
    With Friday a holiday (weekend schedule) all 48 h are off-peak: 48 x 20 = 960 USD.
    """
    idx = horizon("2021-02-05", 48)
    energy = {
        "basis": "schedule",
        "schedule": {"weekday": ON_13_19, "weekend": ALL_OFF},
        "periods": [
            {"name": "off", "rate_usd_per_mwh": 20.0},
            {"name": "on", "rate_usd_per_mwh": 100.0},
        ],
    }
    g = series(np.ones(48), idx)
    b = bill(g, spec(energy=energy))
    assert amount(b, line="energy on") == pytest.approx(600.0)
    assert amount(b, line="energy off") == pytest.approx(840.0)
    holiday = spec(energy=energy, holidays=["2021-02-05"])
    assert amount(bill(g, holiday), "energy") == pytest.approx(960.0)
    assert float(
        energy_price_usd_per_mwh(spec(energy=energy), idx) @ g.to_numpy()
    ) == pytest.approx(1440.0)


def test_energy_tiers_with_month_to_date_energy():
    """One period, 50 USD/MWh for the first 10 MWh of the month, 30 above; 1 MW for 24 h.

    Alone: 10 x 50 + 14 x 30 = 920 USD. With 5 MWh already imported this month the 24 MWh
    run from 5 to 29 MWh: 5 x 50 + 19 x 30 = 820 USD. LP view: price 50 on all 24 MWh
    plus a step of -20 above max(0, 10 - 5) = 5 MWh: 1,200 - 20 x 19 = 820 USD; the
    declining step makes the window non-convex.
    """
    idx = horizon("2021-02-10", 24)
    energy = {
        "basis": "schedule",
        "schedule": {"weekday": ALL_OFF},
        "periods": [
            {
                "name": "all",
                "tiers": [
                    {"rate_usd_per_mwh": 50.0, "upper_mwh": 10.0},
                    {"rate_usd_per_mwh": 30.0},
                ],
            }
        ],
    }
    g = series(np.ones(24), idx)
    assert amount(bill(g, spec(energy=energy)), "energy") == pytest.approx(920.0)
    t = spec(
        energy=energy, state={"energy": [{"month": "2021-02", "period": "all", "energy_mwh": 5.0}]}
    )
    b = bill(g, t)
    assert amount(b, "energy") == pytest.approx(820.0)
    assert amount(b, line="energy all tier 1") == pytest.approx(250.0)
    arrays = tariff_arrays(t, idx)
    assert arrays.energy_tiers[0].tier_steps == ((5.0, -20.0),)
    assert not arrays.is_convex
    assert cost_terms(arrays, g.to_numpy())["energy"] == pytest.approx(820.0)


# ===================================================================== demand
def test_demand_interval_block_average_5min_load_30min_interval():
    """5-min load over one hour; the first 30 min: one 12 MW interval then five 0s
    (average 2 MW), the second 30 min: 6 MW flat (average 6 MW). Rate 10,000 USD/MW.

    30-min interval: highest block average 6 MW -> 60,000 USD (not 12 MW).
    60-min interval: (12 + 6 x 6) / 12 = 4 MW -> 40,000 USD.
    Single model intervals (None): 12 MW -> 120,000 USD.
    """
    idx = horizon("2021-02-01 10:00", 12, "5min")
    g = series([12, 0, 0, 0, 0, 0] + [6] * 6, idx)
    for minutes, expected in ((30, 60_000.0), (60, 40_000.0), (None, 120_000.0), (15, 60_000.0)):
        t = spec(facility_demand=flat(10_000.0), demand_interval_min=minutes)
        assert amount(bill(g, t, price_usd_per_mwh=zero_price(idx)), "demand") == pytest.approx(
            expected
        ), minutes
    w = demand_windows(spec(facility_demand=flat(10_000.0), demand_interval_min=30), idx)[0]
    assert (w.block_intervals, w.block_starts.tolist(), w.block_ends.tolist()) == (
        6,
        [0, 6],
        [6, 12],
    )
    assert w.block_averages_mw(g.to_numpy()).tolist() == pytest.approx([2.0, 6.0])


def test_demand_blocks_are_clock_aligned_and_cut_by_horizon():
    """Horizon from 10:20 at 5 min with a 30-min interval: blocks are [10:20, 10:30)
    (cut by the horizon: 2 intervals), [10:30, 11:00), [11:00, 11:10) (cut: 2 intervals).

    Loads 9, 9 then 3 x 6 then 0, 0: block averages 9, 3, 0 -> billed 9 MW (the cut block
    is averaged over the intervals it has in the horizon). Rate 1,000 -> 9,000 USD.
    """
    idx = horizon("2021-02-01 10:20", 10, "5min")
    g = series([9, 9, 3, 3, 3, 3, 3, 3, 0, 0], idx)
    t = spec(facility_demand=flat(1_000.0), demand_interval_min=30)
    w = demand_windows(t, idx)[0]
    assert list(zip(w.block_starts.tolist(), w.block_ends.tolist(), strict=True)) == [
        (0, 2),
        (2, 8),
        (8, 10),
    ]
    assert amount(bill(g, t, price_usd_per_mwh=zero_price(idx)), "demand") == pytest.approx(9_000.0)


def test_demand_interval_shorter_than_step_and_misfit():
    """Hourly model, 15-min demand interval: power is flat inside the hour, so each
    15-min average equals the hourly value: peak 3 MW -> 3 x 100 = 300 USD.
    A 7-min step cannot tile 15-min blocks: rejected.
    """
    idx = horizon("2021-02-01", 3)
    t = spec(facility_demand=flat(100.0), demand_interval_min=15)
    assert amount(
        bill(series([1, 3, 2], idx), t, price_usd_per_mwh=zero_price(idx)), "demand"
    ) == pytest.approx(300.0)
    assert demand_windows(t, idx)[0].block_intervals == 1
    odd = pd.date_range(pd.Timestamp("2021-02-01", tz=TZ), periods=4, freq="7min")
    with pytest.raises(TimeSeriesError, match="step"):
        demand_windows(t, odd)


def test_tou_demand_by_period():
    """Monday 2021-02-01, hourly: 2 MW, except 03:00 at 8 MW (off-peak) and 13:00 at 5 MW
    (on-peak, 13:00-19:00). On-peak 10,000 USD/MW, off-peak 4,000 USD/MW:
    5 x 10,000 + 8 x 4,000 = 82,000 USD. Windows: "2021-02 off" and "2021-02 on".
    """
    idx = horizon("2021-02-01", 24)
    load = np.full(24, 2.0)
    load[3], load[13] = 8.0, 5.0
    t = spec(
        tou_demand=[
            {
                "schedule": {"weekday": ON_13_19, "weekend": ALL_OFF},
                "periods": [
                    {"name": "off", "rate_usd_per_mw": 4_000.0},
                    {"name": "on", "rate_usd_per_mw": 10_000.0},
                ],
            }
        ]
    )
    b = bill(series(load, idx), t, price_usd_per_mwh=zero_price(idx))
    assert amount(b, line="demand on") == pytest.approx(50_000.0)
    assert amount(b, line="demand off") == pytest.approx(32_000.0)
    wins = demand_windows(t, idx)
    assert [w.name for w in wins] == ["2021-02 off", "2021-02 on"]
    assert wins[1].positions.tolist() == list(range(13, 19))


def test_facility_charge_month_applicability():
    """Facility charge 1,000 USD/MW billed only in June-September (``months``).
    Horizon 2021-05-31 .. 06-01 (48 h), 3 MW in May, 2 MW in June: only June is billed,
    2 x 1,000 = 2,000 USD; May has no demand line.
    Seasonal periods instead (URDB flatdemandmonths style): 100 USD/MW in period 0
    (Oct-May), 1,000 in period 1 (Jun-Sep): May 3 x 100 = 300, June 2 x 1,000 = 2,000 USD.
    """
    idx = horizon("2021-05-31", 48)
    g = series([3] * 24 + [2] * 24, idx)
    summer = {
        "name": "summer",
        "periods": [{"name": "s", "rate_usd_per_mw": 1_000.0}],
        "months": [6, 7, 8, 9],
    }
    t = spec(facility_demand=summer)
    b = bill(g, t, price_usd_per_mwh=zero_price(idx))
    assert amount(b, "demand") == pytest.approx(2_000.0)
    assert [w.name for w in demand_windows(t, idx)] == ["2021-06 summer"]
    seasonal = {
        "name": "flat",
        "periods": [
            {"name": "winter", "rate_usd_per_mw": 100.0},
            {"name": "summer", "rate_usd_per_mw": 1_000.0},
        ],
        "month_period": [0] * 5 + [1] * 4 + [0] * 3,
    }
    b = bill(g, spec(facility_demand=seasonal), price_usd_per_mwh=zero_price(idx))
    assert amount(b.loc["2021-05"], "demand") == pytest.approx(300.0)
    assert amount(b.loc["2021-06"], "demand") == pytest.approx(2_000.0)


def test_demand_tiers():
    """Tiers 24,368 USD/MW up to 0.1 MW, 17,031 above (the URDB multi-tier fixture's
    numbers in MW). Peak 0.3 MW: 0.1 x 24,368 + 0.2 x 17,031 = 2,436.8 + 3,406.2 = 5,843 USD.
    LP view: 24,368 x 0.3 - 7,337 x (0.3 - 0.1) = 7,310.4 - 1,467.4 = 5,843 USD (non-convex).
    """
    idx = horizon("2021-02-01", 2)
    t = spec(
        facility_demand={
            "name": "f",
            "periods": [
                {
                    "name": "f",
                    "tiers": [
                        {"rate_usd_per_mw": 24_368.0, "upper_mw": 0.1},
                        {"rate_usd_per_mw": 17_031.0},
                    ],
                }
            ],
        }
    )
    g = series([0.3, 0.1], idx)
    assert amount(bill(g, t, price_usd_per_mwh=zero_price(idx)), "demand") == pytest.approx(5_843.0)
    w = demand_windows(t, idx)[0]
    assert w.tier_steps == ((0.1, -7_337.0),)
    assert not w.is_convex
    assert float(window_values((w,), g.to_numpy())["demand_usd"].iloc[0]) == pytest.approx(5_843.0)


# ===================================================================== ratchets, state
def test_ratchet_lookback_history_and_minimum():
    """Facility 10,000 USD/MW; ratchet 80 % of the highest peak of the previous 11 months,
    minimum billing demand 3 MW; history: January 2021 peak 10 MW (before the horizon).
    Horizon 2021-02-27 .. 03-02, hourly (two February and two March days).

    Case A (Feb peak 5, Mar peak 4): Feb billed max(5, 0.8 x 10, 3) = 8 MW -> 80,000;
    Mar billed max(4, 0.8 x max(10, 5), 3) = 8 MW -> 80,000.
    Case B (Feb peak 12): Mar billed max(4, 0.8 x 12) = 9.6 MW -> 96,000 (an in-horizon
    link ``b_Mar >= 0.8 m_Feb``). Case C: only summer months count in the look-back, so
    January's 10 MW is ignored: Feb billed max(5, 3) = 5 MW.
    """
    idx = horizon("2021-02-27", 24 * 4)  # Feb 27, 28, Mar 1, 2
    ratchet = {
        "applies_to": "facility",
        "lookback_months": 11,
        "lookback_frac": 0.8,
        "minimum_mw": 3.0,
    }
    state = {"peaks": [{"month": "2021-01", "charge": "facility", "peak_mw": 10.0}]}
    t = spec(facility_demand=flat(10_000.0), ratchets=[ratchet], state=state)
    load_a = np.r_[np.full(48, 5.0), np.full(48, 4.0)]
    b = bill(series(load_a, idx), t, price_usd_per_mwh=zero_price(idx))
    assert amount(b.loc["2021-02"], "demand") == pytest.approx(80_000.0)
    assert amount(b.loc["2021-03"], "demand") == pytest.approx(80_000.0)
    load_b = load_a.copy()
    load_b[10] = 12.0
    b = bill(series(load_b, idx), t, price_usd_per_mwh=zero_price(idx))
    assert amount(b.loc["2021-03"], "demand") == pytest.approx(96_000.0)
    wins = demand_windows(t, idx)
    assert wins[1].ratchet_links == (("2021-02 facility", 0.8),)
    assert wins[1].billing_floor_mw == pytest.approx(8.0)
    summer = spec(
        facility_demand=flat(10_000.0),
        ratchets=[{**ratchet, "lookback_calendar_months": [6, 7, 8, 9]}],
        state=state,
    )
    b = bill(series(load_a, idx), summer, price_usd_per_mwh=zero_price(idx))
    assert amount(b.loc["2021-02"], "demand") == pytest.approx(50_000.0)


def test_month_to_date_peak_floor():
    """Rolling horizon from 2021-02-10 with a 7 MW facility peak already set on 02-03:
    the horizon's own peak is 5 MW, so February is billed on 7 MW: 7 x 1,000 = 7,000 USD.
    The window carries ``peak_floor_mw = 7``.
    """
    idx = horizon("2021-02-10", 24)
    t = spec(
        facility_demand=flat(1_000.0),
        state={"peaks": [{"month": "2021-02", "charge": "facility", "peak_mw": 7.0}]},
    )
    assert amount(
        bill(series(np.full(24, 5.0), idx), t, price_usd_per_mwh=zero_price(idx)), "demand"
    ) == pytest.approx(7_000.0)
    assert demand_windows(t, idx)[0].peak_floor_mw == 7.0
    late = spec(
        facility_demand=flat(1_000.0),
        state={"peaks": [{"month": "2021-05", "charge": "facility", "peak_mw": 7.0}]},
    )
    with pytest.raises(InputError, match="after the horizon"):
        demand_windows(late, idx)


def test_contract_demand_excess_charge():
    """Facility 10,000 USD/MW; contract 5 MW, excess 20,000 USD/MW over contract, billing
    demand at least 50 % of contract.

    Peak 7 MW: demand 7 x 10,000 = 70,000; excess (7 - 5) x 20,000 = 40,000 USD.
    Peak 2 MW: billed on 0.5 x 5 = 2.5 MW -> 25,000; excess 0.
    With a 9 MW ratchet floor and a 6 MW peak: demand on 9 MW, excess on the metered
    6 MW only: (6 - 5) x 20,000 = 20,000 USD.
    """
    idx = horizon("2021-02-01", 2)
    contract = {
        "contract_mw": 5.0,
        "excess_rate_usd_per_mw": 20_000.0,
        "applies_to": "facility",
        "minimum_billing_frac": 0.5,
    }
    t = spec(facility_demand=flat(10_000.0), contract=contract)
    b = bill(series([7, 1], idx), t, price_usd_per_mwh=zero_price(idx))
    assert (amount(b, "demand"), amount(b, "excess")) == pytest.approx((70_000.0, 40_000.0))
    b = bill(series([2, 1], idx), t, price_usd_per_mwh=zero_price(idx))
    assert (amount(b, "demand"), amount(b, "excess")) == pytest.approx((25_000.0, 0.0))
    r = spec(facility_demand=flat(10_000.0), contract=contract, ratchets=[{"minimum_mw": 9.0}])
    b = bill(series([6, 1], idx), r, price_usd_per_mwh=zero_price(idx))
    assert (amount(b, "demand"), amount(b, "excess")) == pytest.approx((90_000.0, 20_000.0))
    w = demand_windows(r, idx)[0]
    assert (w.contract_mw, w.excess_rate_usd_per_mw, w.billing_floor_mw) == (5.0, 20_000.0, 9.0)


# ===================================================================== coincident peak
CANDIDATES = [
    {"start": "2021-02-01T17:00:00-06:00", "weight_frac": 0.5},
    {"start": "2021-02-02T18:00:00-06:00", "weight_frac": 0.3},
    {"start": "2021-02-03T07:00:00-06:00", "weight_frac": 0.2},
]


def test_coincident_peak_expected_and_max():
    """Candidates Feb 1 17:00 (p = 0.5), Feb 2 18:00 (0.3), Feb 3 07:00 (0.2), one hour each;
    15-min load: 4, 6 and 10 MW on average in those hours (the 10 as 4 quarters 7, 13, 10,
    10), 1 MW elsewhere. Rate 1,000 USD/MW.

    Expected: 0.5 x 4 + 0.3 x 6 + 0.2 x 10 = 5.8 MW -> 5,800 USD (linear, no peak variable).
    Max: 10 MW -> 10,000 USD.
    """
    idx = horizon("2021-02-01", 4 * 72, "15min")
    g = pd.Series(1.0, index=idx)
    g[pd.Timestamp("2021-02-01 17:00", tz=TZ) : pd.Timestamp("2021-02-01 17:45", tz=TZ)] = 4.0
    g[pd.Timestamp("2021-02-02 18:00", tz=TZ) : pd.Timestamp("2021-02-02 18:45", tz=TZ)] = 6.0
    g[pd.Timestamp("2021-02-03 07:00", tz=TZ) : pd.Timestamp("2021-02-03 07:45", tz=TZ)] = [
        7.0,
        13.0,
        10.0,
        10.0,
    ]
    t = spec(coincident_peak={"rate_usd_per_mw": 1_000.0, "candidates": CANDIDATES})
    assert amount(bill(g, t, price_usd_per_mwh=zero_price(idx)), "coincident") == pytest.approx(
        5_800.0
    )
    w = demand_windows(t, idx)[0]
    assert w.is_expected
    assert w.block_intervals == 4
    assert w.block_weights.tolist() == [0.5, 0.3, 0.2]
    m = spec(
        coincident_peak={"rate_usd_per_mw": 1_000.0, "candidates": CANDIDATES, "aggregation": "max"}
    )
    assert amount(bill(g, m, price_usd_per_mwh=zero_price(idx)), "coincident") == pytest.approx(
        10_000.0
    )
    with pytest.raises(ValidationError, match="sum to"):
        spec(coincident_peak={"rate_usd_per_mw": 1.0, "candidates": CANDIDATES[:2]})


def test_coincident_hours_from_tva_system_load(tmp_path):
    """The real TVA balancing-authority load (EIA-930, hour-ending UTC): February 2021's
    system peak is 28,511 MW in the hour ending 2021-02-17 01:00 UTC, i.e. the local hour
    2021-02-16 18:00-19:00 CST (Winter Storm Uri). A TOML with
    ``source.kind = "system_load"`` derives that hour; billing 3 MW drawn then at
    1,000 USD/MW gives 3,000 USD.
    """
    load = read_system_load(TVA_LOAD)
    feb = load[pd.Timestamp("2021-02-01", tz=TZ) : pd.Timestamp("2021-02-28 23:00", tz=TZ)]
    assert feb.idxmax() == pd.Timestamp("2021-02-16 18:00", tz=TZ)
    assert feb.max() == 28_511.0
    cands = system_peak_candidates(feb, n_per_month=3)
    assert [c.start.isoformat() for c in cands] == [
        "2021-02-16T18:00:00-06:00",
        "2021-02-17T07:00:00-06:00",
        "2021-02-20T06:00:00-06:00",
    ]
    assert sum(c.weight_frac for c in cands) == pytest.approx(1.0)
    toml = tmp_path / "cp.toml"
    toml.write_text(
        "schema_version = 1\n[tariff]\nname = 'cp'\n[tariff.energy]\nbasis = 'market'\n"
        "[tariff.coincident_peak]\nrate_usd_per_mw = 1000.0\n"
        f"[tariff.coincident_peak.source]\nkind = 'system_load'\npath = '{TVA_LOAD}'\n"
    )
    t = load_tariff_spec(toml)
    # one per complete local month: the shipped 2021 extract (UTC 2020-12-31 .. 2022-01-01)
    # covers every local month of 2021 in full; December 2020 is incomplete and left out
    starts = [c.start for c in t.coincident_peak.candidates]
    assert len(starts) == 12
    assert (starts[0].year, starts[0].month, starts[-1].year, starts[-1].month) == (
        2021,
        1,
        2021,
        12,
    )
    idx = horizon("2021-02-16", 48)
    g = pd.Series(1.0, index=idx)
    g[pd.Timestamp("2021-02-16 18:00", tz=TZ)] = 3.0
    assert amount(bill(g, t, price_usd_per_mwh=zero_price(idx)), "coincident") == pytest.approx(
        3_000.0
    )


def test_coincident_hours_from_csv(tmp_path):
    """A CSV of two candidate hours without weights: each gets 1/2. Draws 2 and 4 MW ->
    expected 3 MW x 100 USD/MW = 300 USD."""
    csv = tmp_path / "hours.csv"
    csv.write_text("interval_start\n2021-02-01T10:00:00-06:00\n2021-02-01T12:00:00-06:00\n")
    toml = tmp_path / "t.toml"
    toml.write_text(
        "schema_version = 1\n[tariff]\nname = 'cp'\n[tariff.coincident_peak]\nrate_usd_per_mw = 100.0\n[tariff.coincident_peak.source]\nkind = 'csv'\npath = 'hours.csv'\n"
    )
    t = load_tariff_spec(toml)
    idx = horizon("2021-02-01", 24)
    load = np.ones(24)
    load[10], load[12] = 2.0, 4.0
    assert amount(
        bill(series(load, idx), t, price_usd_per_mwh=zero_price(idx)), "coincident"
    ) == pytest.approx(300.0)


# ===================================================================== fixed, minimum, export
def test_fixed_daily_and_minimum_charges():
    """February 2021 has 28 days. Fixed 100 USD/month + 2 USD/day = 156 USD. Minimum
    1,000 USD/month; charges before the top-up: energy 24 MWh x 10 = 240 + fixed 156 =
    396 USD, so the top-up is 604 USD and the month costs exactly 1,000 USD.
    """
    idx = horizon("2021-02-01", 24)
    t = spec(
        energy={"basis": "market", "adder_usd_per_mwh": 10.0},
        fixed_charge_usd_per_month=100.0,
        fixed_charge_usd_per_day=2.0,
        minimum_charge_usd_per_month=1_000.0,
    )
    b = bill(series(np.ones(24), idx), t, price_usd_per_mwh=zero_price(idx))
    assert amount(b, "fixed") == pytest.approx(156.0)
    assert amount(b, "minimum") == pytest.approx(604.0)
    assert amount(b) == pytest.approx(1_000.0)


def test_export_compensation_kinds():
    """2 MW exported for 1 h at LMP 30: wholesale credit 60 USD; fixed 12 USD/MWh: 24 USD;
    none: no line; schedule (sell 7 USD/MWh in the only period): 14 USD."""
    idx = horizon("2021-02-01", 2)
    g, x, p = series([1, 0], idx), series([0, 2], idx), series([50, 30], idx)
    cases = {
        "wholesale": ({}, -60.0),
        "fixed": ({"export_price_usd_per_mwh": 12.0}, -24.0),
        "none": ({}, 0.0),
    }
    for kind, (extra, credit) in cases.items():
        t = spec(export_compensation=kind, **extra)
        assert amount(bill(g, t, export_mw=x, price_usd_per_mwh=p), "export") == pytest.approx(
            credit
        ), kind
    sched = spec(
        energy={
            "basis": "schedule",
            "schedule": {"weekday": ALL_OFF},
            "periods": [{"name": "p", "rate_usd_per_mwh": 40.0, "sell_usd_per_mwh": 7.0}],
        },
        export_compensation="schedule",
    )
    b = bill(g, sched, export_mw=x)
    assert amount(b, "export") == pytest.approx(-14.0)
    arrays = tariff_arrays(sched, idx)
    assert cost_terms(arrays, g.to_numpy(), x.to_numpy())["export"] == pytest.approx(-14.0)


# ===================================================================== partial months, DST
def test_partial_month_billed_in_full_unless_prorated():
    """Horizon 2021-02-15 00:00 to 03-01 00:00: 14 of February's 28 days (336 of 672 h).
    Fixed 100 USD/month, facility 10,000 USD/MW, peak 2 MW.
    In full (default): 100 + 20,000 = 20,100 USD. Prorated (x 0.5): 50 + 10,000 = 10,050 USD.
    """
    idx = horizon("2021-02-15", 24 * 14)
    g = series(np.full(len(idx), 2.0), idx)
    kw = {"facility_demand": flat(10_000.0), "fixed_charge_usd_per_month": 100.0}
    assert amount(bill(g, spec(**kw), price_usd_per_mwh=zero_price(idx))) == pytest.approx(20_100.0)
    pro = spec(prorate_partial_months=True, **kw)
    assert amount(bill(g, pro, price_usd_per_mwh=zero_price(idx))) == pytest.approx(10_050.0)
    (m,) = billing_months(pro, idx)
    assert (m.horizon_h, m.month_h, m.prorate_frac) == (336.0, 672.0, 0.5)


def test_month_cut_by_horizon_bills_each_month():
    """Horizon 2021-01-31 12:00 to 02-01 12:00, hourly: 12 h in January (peak 3 MW) and
    12 h in February (peak 5 MW). Each month gets its own fixed charge (100 USD, in full)
    and its own peak: January 3 x 1,000 + 100, February 5 x 1,000 + 100.
    """
    idx = horizon("2021-01-31 12:00", 24)
    g = series([3] * 12 + [5] * 12, idx)
    t = spec(facility_demand=flat(1_000.0), fixed_charge_usd_per_month=100.0)
    table = bill_summary(bill(g, t, price_usd_per_mwh=zero_price(idx)))
    assert table["total"].to_dict() == pytest.approx({"2021-01": 3_100.0, "2021-02": 5_100.0})


def test_dst_spring_forward_and_fall_back():
    """2021-03-14 (spring forward) has 23 h, 2021-11-07 (fall back) 25 h; March 2021 lasts
    743 h (31 x 24 - 1) and November 721 h (30 x 24 + 1). At 15 min and 1 MW the days hold 23 and 25 MWh.

    Fall-back day, 60-min demand interval: the first 01:00 hour (CDT) draws 4 MW, the
    repeated 01:00 hour (CST) 0 MW, elsewhere 1 MW. The two hours are different blocks, so
    the billed peak is 4 MW (merging them by wall clock would give 2 MW): 4,000 USD at
    1,000 USD/MW, and the day has 25 blocks.
    """
    spring = pd.date_range(
        pd.Timestamp("2021-03-14", tz=TZ),
        pd.Timestamp("2021-03-15", tz=TZ),
        freq="15min",
        inclusive="left",
    )
    fall = pd.date_range(
        pd.Timestamp("2021-11-07", tz=TZ),
        pd.Timestamp("2021-11-08", tz=TZ),
        freq="15min",
        inclusive="left",
    )
    assert (len(spring), len(fall)) == (92, 100)
    t = spec(
        energy={"basis": "market", "adder_usd_per_mwh": 1.0},
        facility_demand=flat(1_000.0),
        demand_interval_min=60,
    )
    assert amount(
        bill(series(np.ones(92), spring), t, price_usd_per_mwh=zero_price(spring)), "energy"
    ) == pytest.approx(23.0)
    load = np.ones(100)
    load[4:8] = 4.0  # 01:00-01:45 CDT
    load[8:12] = 0.0  # 01:00-01:45 CST
    b = bill(series(load, fall), t, price_usd_per_mwh=zero_price(fall))
    assert amount(b, "energy") == pytest.approx(float(load.sum()) / 4)
    assert amount(b, "demand") == pytest.approx(4_000.0)
    w = demand_windows(t, fall)[0]
    assert w.n_blocks == 25
    assert w.block_averages_mw(load).max() == 4.0
    assert billing_months(t, spring)[0].month_h == 743.0
    assert billing_months(t, fall)[0].month_h == 721.0


# ===================================================================== URDB
def _entergy() -> dict:
    return json.loads(
        (URDB_DIR / "urdb_entergy_arkansas_PST_5a592c995457a3371c423a7d.json").read_text()
    )


@pytest.mark.parametrize("path", URDB_FILES, ids=lambda p: p.name)
def test_urdb_four_files_import(path):
    """All four REopt/URDB fixtures import and bill a flat 1 MW week in July 2018."""
    t = read_urdb(path)
    assert t.notes
    assert "URDB" in t.notes[0]
    idx = horizon("2018-07-01", 24 * 7)
    b = bill(series(np.ones(len(idx)), idx), t)
    assert np.isfinite(b["amount_usd"]).all()
    assert amount(b) > 0


def test_urdb_values_converted_to_model_units():
    """Entergy PST: energy period 0 = (0.01973 + 0.01882) USD/kWh = 38.55 USD/MWh; TOU demand
    period 0 = (18.18 + 0.707) USD/kW = 18,887 USD/MW; fixed 468.60 USD/month; 15-min window.
    PG&E E-19: flat 19.53 USD/kW = 19,530 USD/MW in May-October (flatdemandmonths), fixed
    19.71253 USD/day. PECO GS-HT: sell 0.0699 USD/kWh -> export schedule 69.9 USD/MWh; a
    coincident charge 0.79 USD/kW = 790 USD/MW. Multi-tier: 0.078891 USD/kWh up to
    20,000 kWh = 20 MWh, then 0.06; demand 24.368 USD/kW up to 100 kW = 0.1 MW.
    """
    e = read_urdb(URDB_DIR / "urdb_entergy_arkansas_PST_5a592c995457a3371c423a7d.json")
    assert e.energy.periods[0].rate_usd_per_mwh == pytest.approx(38.55)
    assert e.tou_demand[0].periods[0].rate_usd_per_mw == pytest.approx(18_887.0)
    assert (e.fixed_charge_usd_per_month, e.demand_interval_min) == (468.6, 15)
    p = read_urdb(URDB_DIR / "urdb_pge_E19_secondary_5cef0a415457a33576f60fe2.json")
    assert p.facility_demand.periods[1].rate_usd_per_mw == pytest.approx(19_530.0)
    assert p.facility_demand.month_period == (0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0)
    assert p.fixed_charge_usd_per_day == pytest.approx(19.71253)
    c = read_urdb(URDB_DIR / "urdb_peco_GS-HT_53ac8daa5257a3406ac32a35.json")
    assert c.export_compensation == "schedule"
    assert c.energy.periods[0].sell_usd_per_mwh == pytest.approx(69.9)
    assert c.tou_demand[0].periods[0].rate_usd_per_mw == pytest.approx(790.0)
    assert any("coincident" in n for n in c.notes)
    m = read_urdb(URDB_DIR / "urdb_multi_tier_test_response_reopt.json")
    tiers = m.energy.periods[1].tiers
    assert (
        tiers[0].rate_usd_per_mwh,
        tiers[0].upper_mwh,
        tiers[1].rate_usd_per_mwh,
    ) == pytest.approx((78.891, 20.0, 60.0))
    assert m.tou_demand[0].periods[1].tiers[0].upper_mw == pytest.approx(0.1)


def test_urdb_entergy_june_bill_by_hand():
    """Entergy PST, flat 1 MW, June 2018 (30 days, 21 weekdays), hourly.

    Summer weekday on-peak = hours 13..19 (7 h): 21 x 7 = 147 h at 38.55 USD/MWh =
    5,666.85 USD; off-peak 720 - 147 = 573 h at 32.90 = 18,851.70 USD. Demand: on-peak
    period 1 MW x 18,887 + off-peak period 1 MW x 6,037 = 24,924 USD. Fixed 468.60 USD.
    Total 49,911.15 USD.
    """
    t = read_urdb(URDB_DIR / "urdb_entergy_arkansas_PST_5a592c995457a3371c423a7d.json")
    idx = horizon("2018-06-01", 720)
    b = bill(series(np.ones(720), idx), t)
    assert amount(b, line="energy period 0") == pytest.approx(5_666.85)
    assert amount(b, "demand") == pytest.approx(24_924.0)
    assert amount(b) == pytest.approx(49_911.15)


def test_urdb_nested_response_reads_the_same():
    """A REopt scenario holding the rate under ElectricTariff.urdb_response, and a URDB API
    response with one ``items`` entry, give the same TariffSpec (apart from the note)."""
    doc = _entergy()
    top = urdb_to_spec(doc, source="x.json")
    for wrapped in ({"ElectricTariff": {"urdb_response": doc}}, {"items": [doc]}):
        assert urdb_to_spec(wrapped, source="x.json") == top


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.update(fueladjustmentsmonthly=[0.01] * 12), "fueladjustmentsmonthly"),
        (
            lambda d: d["energyratestructure"][0][0].update(unit="kWh daily"),
            "energyratestructure[0][0].unit",
        ),
        (lambda d: d.update(demandwindow=5), "demandwindow"),
        (lambda d: d["demandratestructure"][0][0].update(max=100), "demandratestructure[0][0].max"),
        (
            lambda d: d.update(fixedchargefirstmeter=5.0, fixedchargeunits="$/year"),
            "fixedchargeunits",
        ),
        (lambda d: d.update(lookbackpercent=0.8, lookbackrange=11), "lookbackpercent"),
        (lambda d: d.update(demandrateunit="kVA"), "demandrateunit"),
        (
            lambda d: (
                d["energyratestructure"][0].append({"rate": 0.01})
                or d["energyratestructure"][0][0].update(max=1000)
            ),
            "energyratestructure[0]",
        ),
    ],
)
def test_urdb_unsupported_fields_rejected_by_name(change, field):
    """Each unsupported feature raises InputError naming the file and the JSON field."""
    doc = copy.deepcopy(_entergy())
    change(doc)
    with pytest.raises(InputError) as err:
        urdb_to_spec(doc, source="entergy.json")
    fields = [i.field for i in err.value.issues]
    assert field in fields, fields
    assert all(i.path == "entergy.json" for i in err.value.issues)
    assert f"entergy.json [{field}]" in str(err.value)


# ===================================================================== TOML
def test_mlgw_toml_loads_with_cited_numbers():
    """The shipped MLGW-style tariff: TOU energy 33.98 / 58.95 USD/MWh, on-peak demand
    10,190 and off-peak 4,370 USD/MW, facilities rental 360 USD/MW on max demand, excess
    10,190 USD/MW over a 900 MW contract, 2,000 USD/month, 30-min demand interval; market
    exposure by switching energy.basis (the price series path is resolved)."""
    t = load_tariff_spec(REPO / "models" / "tariffs" / "mlgw-lgs3-tou-style.toml")
    assert [p.rate_usd_per_mwh for p in t.energy.periods] == [33.98, 58.95]
    assert [p.rate_usd_per_mw for p in t.tou_demand[0].periods] == [4_370.0, 10_190.0]
    assert t.facility_demand.periods[0].rate_usd_per_mw == 360.0
    assert (t.contract.contract_mw, t.contract.excess_rate_usd_per_mw) == (900.0, 10_190.0)
    assert (t.fixed_charge_usd_per_month, t.demand_interval_min, t.energy.basis) == (
        2_000.0,
        30,
        "schedule",
    )
    assert Path(t.energy.price_series.path).is_file()
    market = t.model_copy(update={"energy": t.energy.model_copy(update={"basis": "market"})})
    idx = horizon("2021-02-01", 2)
    with pytest.raises(InputError, match="price"):
        energy_price_usd_per_mwh(market, idx)
    assert energy_price_usd_per_mwh(market, idx, [10.0, 20.0]).tolist() == [10.0, 20.0]


def test_legacy_tariff_toml_converts():
    """The existing MISO/TVA tariff TOML (old schema) still loads, as LMP + facility charge
    12,750 USD/MW on single model intervals + 1,500 USD/month: loads 1 and 3 MW for 1 h
    each at LMP 10 -> energy 40, demand 3 x 12,750 = 38,250, fixed 1,500."""
    t = load_tariff_spec(REPO / "models" / "tariffs" / "miso-arkansas-lmp-tva-demand.toml")
    assert t.demand_interval_min is None
    assert t.energy.basis == "market"
    idx = horizon("2021-02-01", 2)
    b = bill(series([1, 3], idx), t, price_usd_per_mwh=series([10, 10], idx))
    assert (amount(b, "energy"), amount(b, "demand"), amount(b, "fixed")) == pytest.approx(
        (40.0, 38_250.0, 1_500.0)
    )


def test_toml_errors_name_file_and_field(tmp_path):
    """Unknown keys, bad values and a wrong schema_version are ModelFileErrors naming the file
    and ``tariff.<field>``; all problems are listed together."""
    bad = tmp_path / "bad.toml"
    bad.write_text(
        "schema_version = 1\n[tariff]\nname = 'x'\ndemand_interval_min = 20\nfixed_charge_usd_per_mnth = 3\n"
    )
    with pytest.raises(ModelFileError) as err:
        load_tariff_spec(bad)
    fields = {i.field for i in err.value.issues}
    assert {"tariff.demand_interval_min", "tariff.fixed_charge_usd_per_mnth"} <= fields
    assert str(bad) in str(err.value)
    old = tmp_path / "old.toml"
    old.write_text("schema_version = 2\n[tariff]\nname = 'x'\n")
    with pytest.raises(ModelFileError, match="schema_version"):
        load_tariff_spec(old)
    with pytest.raises(ValidationError, match="applies_to"):
        spec(facility_demand=flat(1.0), ratchets=[{"applies_to": "nope"}])


# ===================================================================== windows vs calculator
def _random_specs() -> list[TariffSpec]:
    tou = {
        "schedule": {"weekday": ON_13_19, "weekend": ALL_OFF},
        "periods": [
            {"name": "off", "rate_usd_per_mw": 3_000.0},
            {
                "name": "on",
                "tiers": [
                    {"rate_usd_per_mw": 8_000.0, "upper_mw": 6.0},
                    {"rate_usd_per_mw": 12_000.0},
                ],
            },
        ],
    }
    energy = {
        "basis": "market_plus_schedule",
        "adder_usd_per_mwh": 2.0,
        "schedule": {"weekday": ON_13_19, "weekend": ALL_OFF},
        "periods": [
            {
                "name": "off",
                "tiers": [
                    {"rate_usd_per_mwh": 10.0, "upper_mwh": 300.0},
                    {"rate_usd_per_mwh": 15.0},
                ],
            },
            {"name": "on", "rate_usd_per_mwh": 40.0},
        ],
    }
    cands = [
        {"start": f"2021-03-{d:02d}T{h:02d}:00:00-06:00", "weight_frac": 0.25}
        for d, h in ((2, 7), (9, 18), (20, 8), (31, 17))
    ]
    cands += [{"start": "2021-04-05T17:00:00-05:00", "weight_frac": 1.0}]
    common = {
        "energy": energy,
        "facility_demand": flat(5_000.0, "max"),
        "tou_demand": [tou],
        "demand_interval_min": 30,
        "ratchets": [
            {"applies_to": "max", "lookback_frac": 0.9, "minimum_mw": 2.0},
            {"applies_to": "on", "lookback_frac": 0.5},
        ],
        "contract": {
            "contract_mw": 7.0,
            "excess_rate_usd_per_mw": 9_000.0,
            "applies_to": "max",
            "minimum_billing_frac": 0.3,
        },
        "fixed_charge_usd_per_month": 500.0,
        "minimum_charge_usd_per_month": 50_000.0,
        "state": {
            "peaks": [
                {"month": "2021-02", "charge": "max", "peak_mw": 9.0},
                {"month": "2021-03", "charge": "on", "peak_mw": 4.0},
            ]
        },
    }
    return [
        spec(**common, coincident_peak={"rate_usd_per_mw": 2_000.0, "candidates": cands}),
        spec(
            **common,
            coincident_peak={"rate_usd_per_mw": 2_000.0, "candidates": cands, "aggregation": "max"},
            prorate_partial_months=True,
            export_compensation="wholesale",
        ),
    ]


@pytest.mark.parametrize("case", [0, 1])
def test_windows_agree_with_calculator_on_random_loads(case):
    """Random 5-min loads over 2021-03-10 .. 04-12 (spring-forward day, two months cut by
    the horizon) with every feature on. For each window the max of its block averages
    (with floors, links and tiers) times its rate equals the calculator's lines for that
    window; every cost term of the LP arrays equals the calculator's total of that kind.
    """
    rng = np.random.default_rng(case)
    idx = pd.date_range(
        pd.Timestamp("2021-03-10", tz=TZ),
        pd.Timestamp("2021-04-12", tz=TZ),
        freq="5min",
        inclusive="left",
    )
    g = series(
        rng.uniform(0.0, 10.0, len(idx)) * (1 + (rng.uniform(size=len(idx)) < 0.01) * 0.5), idx
    )
    x = series(rng.uniform(0.0, 1.0, len(idx)), idx)
    price = series(rng.normal(30.0, 20.0, len(idx)), idx)
    t = _random_specs()[case]
    b = bill(g, t, export_mw=x, price_usd_per_mwh=price)
    arrays = tariff_arrays(t, idx, price_usd_per_mwh=price)
    vals = window_values(arrays.demand_windows, g.to_numpy())
    per_window = b[b["kind"].isin(["demand", "coincident"])].groupby("window")["amount_usd"].sum()
    excess = b[b["kind"] == "excess"].groupby("window")["amount_usd"].sum()
    assert len(arrays.demand_windows) >= 8
    for w in arrays.demand_windows:
        assert vals.at[w.name, "demand_usd"] == pytest.approx(
            per_window.get(w.name, 0.0), abs=ATOL
        ), w.name
        assert vals.at[w.name, "excess_usd"] == pytest.approx(excess.get(w.name, 0.0), abs=ATOL), (
            w.name
        )
        if (
            not w.is_expected
            and not w.tier_steps
            and not w.ratchet_links
            and w.billing_floor_mw == 0
            and w.peak_floor_mw == 0
        ):
            # the plain case: max over the window's block averages times the rate
            assert w.rate_usd_per_mw * w.block_averages_mw(g.to_numpy()).max() == pytest.approx(
                per_window[w.name]
            ), w.name
    terms = cost_terms(arrays, g.to_numpy(), x.to_numpy())
    kinds = b.groupby("kind")["amount_usd"].sum()
    for kind in ("energy", "demand", "excess", "coincident", "fixed", "minimum", "export"):
        assert terms[kind] == pytest.approx(kinds.get(kind, 0.0), rel=1e-9, abs=ATOL), kind
    assert terms["total"] == pytest.approx(amount(b), rel=1e-12)


def test_bill_rejects_bad_series():
    """Naive index, negative import and mismatched indexes are input errors."""
    t = spec(energy={"basis": "market"})
    naive = pd.Series([1.0, 2.0], index=pd.date_range("2021-02-01", periods=2, freq="h"))
    with pytest.raises(TimeSeriesError):
        bill(naive, t)
    idx = horizon("2021-02-01", 2)
    with pytest.raises(InputError, match="negative"):
        bill(series([1, -1], idx), t, price_usd_per_mwh=zero_price(idx))
    with pytest.raises(TimeSeriesError, match="index"):
        bill(series([1, 1], idx), t, price_usd_per_mwh=zero_price(horizon("2021-02-02", 2)))
