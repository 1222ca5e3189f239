"""The built-in default scenario: February 2021, 15 min, 900 Megapacks, real MISO prices.

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
    "load_mw", "gpu_load_mw", "curtailed_mw", "grid_import_mw", "grid_export_mw", "charge_mw",
    "discharge_mw", "soc_mwh", "soc_fraction", "price_usd_per_mwh", "headroom_up_mw",
    "headroom_down_mw", "event",
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
    assert list(s.columns[: len(SPEC_COLUMNS) + 1]) == SPEC_COLUMNS[:3] + ["aux_load_mw"] + SPEC_COLUMNS[3:]
    assert s.index.name == "interval_start"
    assert s.index.tz is not None


def test_default_invariants_from_schedule(default_scenario, default_result):
    s = default_result.schedule
    g = default_scenario.site.battery_groups[0]
    u = g.unit
    dt = 0.25
    scale = 1e-6 * 1000
    # balance
    resid = s.grid_import_mw - s.grid_export_mw + s.discharge_mw - s.charge_mw - s.load_mw - s.aux_load_mw
    assert np.abs(resid).max() < scale
    # SOC recursion from the initial state
    prev = np.concatenate(([g.initial_soc_mwh], s.soc_mwh.to_numpy()[:-1]))
    r = (1 - u.self_discharge_frac_per_h) ** dt
    expect = r * prev + (u.charge_efficiency_frac * s.charge_mw - s.discharge_mw / u.discharge_efficiency_frac) * dt
    assert np.abs(s.soc_mwh - expect).max() < 1e-6 * g.energy_capacity_mwh
    # bounds and caps
    assert s.charge_mw.max() <= g.power_charge_max_mw + scale
    assert s.discharge_mw.max() <= g.power_discharge_max_mw + scale
    assert s.soc_mwh.min() >= u.soc_min_frac * g.energy_capacity_mwh - scale
    assert s.soc_mwh.max() <= u.soc_max_frac * g.energy_capacity_mwh + scale
    assert s.grid_import_mw.max() <= default_scenario.site.import_limit_mw + scale
    assert s.grid_export_mw.abs().max() < scale  # export not allowed at this site
    # terminal energy
    assert s.soc_mwh.iloc[-1] >= g.initial_soc_mwh - scale
    # exclusivity
    assert (np.minimum(s.charge_mw, s.discharge_mw) <= ATOL_MW * 1000).all()


def test_default_costs_recompute_and_beat_baseline(default_scenario, default_result):
    s = default_result.schedule
    costs = default_result.costs
    energy = float((s.price_usd_per_mwh * s.grid_import_mw).sum() * 0.25)
    assert costs.loc["energy", "optimized_usd"] == pytest.approx(energy, rel=1e-9)
    demand = 12750.0 * s.grid_import_mw.max()
    assert costs.loc["demand", "optimized_usd"] == pytest.approx(demand, rel=1e-9)
    baseline_energy = float((s.price_usd_per_mwh * s.load_mw).sum() * 0.25)
    assert costs.loc["energy", "baseline_usd"] == pytest.approx(baseline_energy, rel=1e-9)
    terms = ["energy", "export", "demand", "degradation", "fixed"]
    assert costs.loc[terms, "optimized_usd"].sum() == pytest.approx(costs.loc["total", "optimized_usd"], rel=1e-12)
    assert costs.loc["total", "optimized_usd"] == pytest.approx(default_result.report.objective_usd, rel=1e-6)
    assert costs.loc["total", "optimized_usd"] < costs.loc["total", "baseline_usd"]
    assert (costs["savings_usd"] == costs["baseline_usd"] - costs["optimized_usd"]).all()


def test_default_summary_is_consistent(default_result):
    sm = default_result.summary()
    assert sm["status"] == "optimal"
    assert sm["bill_baseline_usd"] - sm["bill_optimized_usd"] == pytest.approx(sm["savings_usd"])
    s = default_result.schedule
    assert sm["equivalent_full_cycles"] == pytest.approx(s.discharge_mw.sum() * 0.25 / 3524.4)
    assert sm["peak_import_optimized_mw"] == pytest.approx(s.grid_import_mw.max())
    assert sm["n_variables"] > 0 and sm["n_constraints"] > 0
