"""The built-in default scenario: February 2021, 15 min, 900 Megapacks, TVA seasonal TOU.

The invariants of SPEC §6 are checked inside ``optimize`` on every solution; here they are
re-checked from the written schedule alone, so a bug in the in-library checks cannot hide
a bad schedule.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from optimizer.testing import ATOL_MW

SPEC_COLUMNS = [
    "load_mw",
    "gpu_load_mw",
    "curtailed_mw",
    "grid_import_mw",
    "grid_export_mw",
    "charge_mw",
    "discharge_mw",
    "soc_mwh",
    "soc_fraction",
    "price_usd_per_mwh",
    "headroom_up_mw",
    "headroom_down_mw",
    "event",
]


def test_default_horizon_and_data(default_scenario):
    sc = default_scenario
    assert sc.interval_min == 15
    assert sc.n_intervals == 28 * 96
    assert str(sc.index.tz) == "America/Chicago"
    assert sc.index[0] == pd.Timestamp("2021-02-01 00:00", tz="America/Chicago")
    # Winter Storm Uri: the real Arkansas Hub RT LMP peaked at $3,480.75/MWh on 2021-02-16
    assert sc.price_usd_per_mwh.max() == pytest.approx(3480.75)
    assert sc.price_usd_per_mwh.idxmax().strftime("%Y-%m-%d") == "2021-02-16"
    assert len(sc.site.battery_groups[0].unit.name) > 0
    assert sc.site.battery_groups[0].n_units == 900
    assert sc.site.fleet_power_discharge_max_mw == pytest.approx(881.1)
    assert sc.site.fleet_energy_capacity_mwh == pytest.approx(3524.4)


def test_default_schedule_columns(default_result):
    s = default_result.schedule
    assert (
        list(s.columns[: len(SPEC_COLUMNS) + 1])
        == SPEC_COLUMNS[:3] + ["aux_load_mw"] + SPEC_COLUMNS[3:]
    )
    assert s.index.name == "interval_start"
    assert s.index.tz is not None


def test_default_invariants_from_schedule(default_scenario, default_result):
    s = default_result.schedule
    g = default_scenario.site.battery_groups[0]
    u = g.unit
    dt = 0.25
    scale = 1e-6 * 1000
    # balance
    resid = (
        s.grid_import_mw
        - s.grid_export_mw
        + s.discharge_mw
        - s.charge_mw
        - s.load_mw
        - s.aux_load_mw
    )
    assert np.abs(resid).max() < scale
    # SOC recursion from the initial state
    prev = np.concatenate(([g.initial_soc_mwh], s.soc_mwh.to_numpy()[:-1]))
    r = (1 - u.self_discharge_frac_per_h) ** dt
    expect = (
        r * prev
        + (u.charge_efficiency_frac * s.charge_mw - s.discharge_mw / u.discharge_efficiency_frac)
        * dt
    )
    assert np.abs(s.soc_mwh - expect).max() < 1e-6 * g.energy_capacity_mwh
    # bounds and caps
    assert s.charge_mw.max() <= g.power_charge_max_mw + scale
    assert s.discharge_mw.max() <= g.power_discharge_max_mw + scale
    assert s.soc_mwh.min() >= u.soc_min_frac * g.energy_capacity_mwh - scale
    assert s.soc_mwh.max() <= u.soc_max_frac * g.energy_capacity_mwh + scale
    assert s.grid_import_mw.max() <= default_scenario.site.import_limit_mw + scale
    assert s.grid_import_mw.max() <= 910.0 + scale  # the contract demand is a hard cap
    assert s.grid_export_mw.abs().max() < scale  # export not allowed at this site
    # terminal energy
    assert s.soc_mwh.iloc[-1] >= g.initial_soc_mwh - scale
    # exclusivity
    assert (np.minimum(s.charge_mw, s.discharge_mw) <= ATOL_MW * 1000).all()


def _sliding_peak(g: pd.Series) -> float:
    """Highest mean of two consecutive 15-minute intervals (any 30 consecutive minutes)."""
    return float(g.rolling(2).mean().max())


def _hand_bill(import_mw: pd.Series) -> dict[str, float]:
    """The default tariff's February bill recomputed here from its TOML's numbers (not from
    the tariff engine): Winter; on-peak = weekdays 04:00-10:00 local (no listed holiday in
    February); demand on any 30 consecutive minutes; billing demands at least 60 % of the
    910 MW contract (546 MW); on-peak energy 48.10, off-peak HUD blocks 35.61 / 2.99 / 2.34
    USD/MWh on 200 / 200 / the rest hours x the maximum billing demand; fuel 16.00 USD/MWh on
    all energy; maximum demand 1,710 and on-peak demand 10,190 USD/MW-month; excess 10,190
    USD/MW-month over 910 MW on each; 1,850 USD/month fixed."""
    idx = import_mw.index
    on = (idx.day_of_week < 5) & (idx.hour >= 4) & (idx.hour < 10)
    on_peak = max(import_mw[on].groupby(idx[on].date).apply(_sliding_peak))
    maximum = _sliding_peak(import_mw)
    d_on, d_max = max(on_peak, 546.0), max(maximum, 546.0)
    mwh = import_mw * 0.25
    e_off = float(mwh[~on].sum())
    b1, b2 = min(e_off, 200 * d_max), min(max(e_off - 200 * d_max, 0.0), 200 * d_max)
    hud = 35.61 * b1 + 2.99 * b2 + 2.34 * (e_off - b1 - b2)
    return {
        "energy": 48.10 * float(mwh[on].sum()) + hud + 16.0 * float(mwh.sum()),
        "demand": 10190.0 * d_on + 1710.0 * d_max,
        "excess": 10190.0 * (max(0.0, on_peak - 910.0) + max(0.0, maximum - 910.0)),
        "fixed": 1850.0,
    }


def test_default_tariff_is_tva_seasonal_tou_on_schedule_energy(default_scenario):
    spec = default_scenario.tariff_spec
    assert spec is not None
    assert "TVA seasonal TOU" in spec.name
    assert spec.energy.basis == "schedule"  # default.toml: the real bill; market is a what-if
    assert spec.season_of(2) == "winter"
    assert spec.demand_interval_min == 30
    assert spec.demand_metering == "sliding"
    assert spec.contract is not None
    assert spec.contract.import_cap_mw == 910.0


def test_default_costs_recompute_and_beat_baseline(default_scenario, default_result):
    s = default_result.schedule
    costs = default_result.costs
    opt = _hand_bill(s.grid_import_mw)
    base = _hand_bill(s.load_mw)  # no batteries, no auxiliary load
    for term in ("energy", "demand", "excess", "fixed"):
        want_opt = pytest.approx(opt[term], rel=1e-9, abs=1e-3)
        want_base = pytest.approx(base[term], rel=1e-9, abs=1e-3)
        assert costs.loc[term, "optimized_usd"] == want_opt, term
        assert costs.loc[term, "baseline_usd"] == want_base, term
    assert costs.loc["excess", "baseline_usd"] == 0  # the 2021 load (909.5 MW) fits the contract
    # family 13 on the default: 1 USD/MW times the draw's total variation, for both schedules
    net = (s.grid_import_mw - s.grid_export_mw).to_numpy()
    assert costs.loc["movement", "optimized_usd"] == pytest.approx(
        np.abs(np.diff(net)).sum(), rel=1e-9
    )
    assert costs.loc["movement", "baseline_usd"] == pytest.approx(
        np.abs(np.diff(s.load_mw.to_numpy())).sum(), rel=1e-9
    )
    terms = [
        "energy",
        "export",
        "demand",
        "excess",
        "coincident",
        "minimum",
        "degradation",
        "movement",
        "fixed",
    ]
    assert costs.loc[terms, "optimized_usd"].sum() == pytest.approx(
        costs.loc["total", "optimized_usd"], rel=1e-12
    )
    assert costs.loc["total", "optimized_usd"] == pytest.approx(
        default_result.report.objective_usd, rel=1e-6
    )
    assert costs.loc["total", "optimized_usd"] < costs.loc["total", "baseline_usd"]
    assert (costs["savings_usd"] == costs["baseline_usd"] - costs["optimized_usd"]).all()


def test_default_bill_equals_the_independent_calculator(default_scenario, default_result):
    from optimizer import bill

    s = default_result.schedule
    lines = bill(
        s.grid_import_mw,
        default_scenario.tariff_spec,
        export_mw=s.grid_export_mw,
        price_usd_per_mwh=default_scenario.price_usd_per_mwh,
    )
    by_kind = lines.groupby("kind")["amount_usd"].sum()
    for term in ("energy", "demand", "excess", "fixed"):
        assert default_result.costs.loc[term, "optimized_usd"] == pytest.approx(
            by_kind.get(term, 0.0), rel=1e-9, abs=1e-3
        ), term  # sub-cent round-off of a zero term


def test_default_summary_is_consistent(default_result):
    sm = default_result.summary()
    assert sm["status"] == "optimal"
    assert sm["bill_baseline_usd"] - sm["bill_optimized_usd"] == pytest.approx(sm["savings_usd"])
    s = default_result.schedule
    assert sm["equivalent_full_cycles"] == pytest.approx(s.discharge_mw.sum() * 0.25 / 3524.4)
    assert sm["peak_import_optimized_mw"] == pytest.approx(s.grid_import_mw.max())
    assert sm["n_variables"] > 0
    assert sm["n_constraints"] > 0


def test_default_draw_is_no_harder_on_the_grid_than_the_load(default_scenario, default_result):
    """Issue 19's bar, recomputed from the schedule: the draw's largest step, its count of moves of
    100 MW or more and its total variation are each no larger than the site load's own, and no
    step breaks the 6 MW/min (90 MW per 15 min) ramp limit."""
    s = default_result.schedule
    net = np.diff((s.grid_import_mw - s.grid_export_mw).to_numpy())
    load = np.diff(s.load_mw.to_numpy())
    assert np.abs(net).max() <= np.abs(load).max()
    assert (np.abs(net) >= 100.0 - 1e-6).sum() <= (np.abs(load) >= 100.0 - 1e-6).sum()
    assert np.abs(net).sum() <= np.abs(load).sum()
    assert np.abs(net).max() <= 6.0 * 15 + 1e-6
    st = default_result.summary()["grid"]["stability"]
    assert not st["moves_grid_harder_than_baseline"]
    assert st["baseline"]["n_moves_at_least_threshold"] == 31
    assert default_result.summary()["grid"]["ramp"]["violations_optimized"] == 0
    peaks = default_result.summary()["grid"]["system_peaks"]
    assert peaks["n_hours"] == 5  # February's five tightest TVA days
