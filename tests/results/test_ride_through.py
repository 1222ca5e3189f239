"""Outage survival of a Scenario's schedule (``simulate_ride_through``): hand-derived answers.

No solver: the SOC is given, as a user bringing their own schedule would.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from optimizer import BatteryGroup, simulate_ride_through
from optimizer.loads.critical import critical_load_mw, outage_fleet
from optimizer.testing import make_scenario, make_unit


def _scenario(load_mw=2.0, n=24, power_mw=10.0, energy_mwh=20.0, eta=0.8, aux=0.0, n_units=1):
    unit = make_unit(
        power_mw=power_mw,
        energy_mwh=energy_mwh,
        discharge_efficiency_frac=eta,
        soc_min_frac=0.1,
        aux_load_mw=aux,
    )
    return make_scenario(
        np.full(n, load_mw), np.full(n, 30.0), unit=unit, n_units=n_units, initial_soc_frac=0.1
    )


def test_constant_load_known_soc_exact_hours():
    """2 MW, SOC 12 MWh, smin 2 MWh, etad 0.8: 10 MWh spare / (2 / 0.8) MWh per hour = 4.0 h.

    Half the site (1 MW) lasts 8.0 h. The SOC series is end-of-interval; the start at t = 0
    uses the scenario's initial SOC (2 MWh, at smin): 0 h.
    """
    sc = _scenario()
    soc = pd.Series(12.0, index=sc.index)
    rt = simulate_ride_through(sc, soc, critical=["site", 0.5], max_hours=12.0)
    site, half = rt.outcomes["site"], rt.outcomes["site_x0.5"]
    assert site["survival_h"].iloc[0] == 0.0
    assert site["limit"].iloc[0] == "energy"
    np.testing.assert_allclose(site["survival_h"].iloc[1:20], 4.0, atol=1e-12)
    assert (site["limit"].iloc[1:20] == "energy").all()
    np.testing.assert_allclose(half["survival_h"].iloc[1:16], 8.0, atol=1e-12)
    s = rt.summary()
    assert s.loc["site", "critical_load_peak_mw"] == 2.0
    assert s.loc["site_x0.5", "critical_load_peak_mw"] == 1.0
    # starts 1..20 reach 4 h (start 20 just at the end of data, censored but there); 0 fails
    assert s.loc["site", "p_survive_4h"] == pytest.approx(20 / 21)


def test_initial_soc_and_aux_count():
    """initial SOC 12 MWh given explicitly; aux 0.5 MW: need (2 + 0.5) / 0.8 = 3.125 MWh/h.

    10 / 3.125 = 3.2 h from every start.
    """
    sc = _scenario(aux=0.5)
    rt = simulate_ride_through(sc, np.full(24, 12.0), critical=["site"], initial_soc_mwh=12.0)
    np.testing.assert_allclose(rt.outcomes["site"]["survival_h"].iloc[:20], 3.2, atol=1e-12)


def test_power_limit_below_load_gives_zero():
    """Fleet power 1.5 MW < 2 MW site load: every outage fails at once on power."""
    sc = _scenario(power_mw=1.5)
    rt = simulate_ride_through(sc, np.full(24, 20.0), critical=["site"], initial_soc_mwh=20.0)
    df = rt.outcomes["site"]
    assert (df["survival_h"] == 0.0).all()
    assert (df["limit"] == "power").all()
    assert rt.summary().loc["site", "median_h"] == 0.0


def test_onsite_generation_offsets_the_load():
    """1.5 MW of turbines leave 0.5 MW to serve: 10 MWh / (0.5 / 0.8) = 16 h (the 24 h data
    ends first for late starts, which are censored)."""
    sc = _scenario(power_mw=1.0)
    rt = simulate_ride_through(
        sc, np.full(24, 12.0), critical=["site"], initial_soc_mwh=12.0, onsite_generation_mw=1.5
    )
    df = rt.outcomes["site"]
    np.testing.assert_allclose(df["survival_h"].iloc[:8], 16.0)
    assert df["censored"].iloc[9:].all()


def test_schedule_frame_and_bad_inputs():
    sc = _scenario()
    frame = pd.DataFrame({"soc_mwh": 12.0}, index=sc.index)
    rt = simulate_ride_through(sc, frame, critical=["site"])
    assert rt.levels == ["site"]
    with pytest.raises(ValueError, match="no soc_mwh column"):
        simulate_ride_through(sc, frame.rename(columns={"soc_mwh": "x"}))
    with pytest.raises(ValueError, match="not on the scenario's horizon"):
        simulate_ride_through(sc, frame["soc_mwh"].iloc[:10])
    with pytest.raises(ValueError, match="training_paused"):
        simulate_ride_through(sc, frame, critical=["training_paused"])
    with pytest.raises(ValueError, match=r"\(0, 1\]"):
        simulate_ride_through(sc, frame, critical=[1.5])


def test_outage_fleet_aggregates_conservatively():
    """Two groups: powers, energies and aux add; etad takes the worst, lam the worst."""
    a = make_unit(
        power_mw=2.0,
        energy_mwh=4.0,
        discharge_efficiency_frac=0.9,
        soc_min_frac=0.1,
        self_discharge_frac_per_h=0.001,
        aux_load_mw=0.01,
    )
    b = make_unit(
        power_mw=1.0,
        energy_mwh=2.0,
        discharge_efficiency_frac=0.95,
        soc_min_frac=0.2,
        self_discharge_frac_per_h=0.004,
        aux_load_mw=0.02,
    )
    groups = [
        BatteryGroup(name="a", unit=a, n_units=3, initial_soc_frac=0.5, availability_frac=0.5),
        BatteryGroup(name="b", unit=b, n_units=2, initial_soc_frac=0.5),
    ]
    f = outage_fleet(groups)
    assert f.discharge_power_max_mw == pytest.approx(0.5 * 3 * 2.0 + 2 * 1.0)
    assert f.soc_min_mwh == pytest.approx(0.1 * 12.0 + 0.2 * 4.0)
    assert f.soc_max_mwh == pytest.approx(16.0)
    assert f.initial_soc_mwh == pytest.approx(8.0)
    assert f.discharge_efficiency_frac == 0.9
    assert f.self_discharge_frac_per_h == 0.004
    assert f.aux_mw == pytest.approx(0.5 * 3 * 0.01 + 2 * 0.02)


def test_training_paused_is_below_the_site_on_the_default(default_scenario):
    """The GPU-cluster model: ~270 MW with training paused, never above the site load."""
    sc = default_scenario
    c = critical_load_mw(
        "training_paused",
        load_mw=sc.load_mw,
        gpu_load_mw=sc.gpu_load_mw,
        cluster=sc.site.gpu_cluster,
    )
    assert (c <= sc.load_mw.to_numpy() + 1e-9).all()
    assert 250 < c.mean() < 300
