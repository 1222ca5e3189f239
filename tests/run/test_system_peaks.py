"""The site's draw in the TVA system's tightest hours (issue 19): selection, report, value."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from optimizer import load_scenario, optimize
from optimizer.inputs.events import tightest_hours

ROOT = Path(__file__).resolve().parents[2]


def test_tightest_hours_take_each_days_peak_then_the_top_days_of_each_month():
    """Hourly load over 3 days of January and 1 of February (Chicago). Day peaks: Jan 1 at 05:00
    (50), Jan 2 at 07:00 (70), Jan 3 at 03:00 (60), Feb 1 at 01:00 (40). Two a month: Jan 2 07:00
    and Jan 3 03:00 (Jan 1's 50 is third), and Feb 1 01:00 (the only day)."""
    idx = pd.date_range("2021-01-01", periods=24 * 3, freq="h", tz="America/Chicago")
    idx = idx.append(pd.date_range("2021-02-01", periods=24, freq="h", tz="America/Chicago"))
    load = pd.Series(10.0, index=idx)
    for stamp, mw in (
        ("2021-01-01 05:00", 50),
        ("2021-01-01 06:00", 45),
        ("2021-01-02 07:00", 70),
        ("2021-01-03 03:00", 60),
        ("2021-02-01 01:00", 40),
    ):
        load[pd.Timestamp(stamp, tz="America/Chicago")] = mw
    top = tightest_hours(load, start=idx[0], end=idx[-1] + pd.Timedelta(hours=1), n_per_month=2)
    assert [t.strftime("%m-%d %H") for t in top.index] == ["01-02 07", "01-03 03", "02-01 01"]
    assert top.tolist() == [70.0, 60.0, 40.0]


def test_valuing_the_system_peak_hours_uses_the_coincident_charge(tmp_path):
    """``value_usd_per_mw_month`` adds the tariff engine's expected coincident charge on the five
    February hours (weight 1/5 each): the baseline pays rate x its mean draw in those hours,
    the optimum cuts that draw below the unvalued run's."""
    text = (ROOT / "models/scenarios/year-2021.toml").read_text()
    for rel in ("../../data/", "../sites/", "../tariffs/"):
        text = text.replace(f'"{rel}', f'"{(ROOT / "models/scenarios" / rel).resolve()}/')
    path = tmp_path / "valued.toml"
    path.write_text(
        text.replace("value_usd_per_mw_month = 0.0", "value_usd_per_mw_month = 20000.0")
    )
    kw = {"start": "2021-02-01T00:00", "end": "2021-03-01T00:00", "interval_min": 60}
    valued, plain = load_scenario(path, **kw), load_scenario("year-2021", **kw)
    cp = valued.tariff_spec.coincident_peak
    assert cp.rate_usd_per_mw == 20000.0
    assert [c.weight_frac for c in cp.candidates] == pytest.approx([0.2] * 5)
    res, ref = optimize(valued), optimize(plain)
    peaks = res.summary()["grid"]["system_peaks"]
    assert res.costs.loc["coincident", "baseline_usd"] == pytest.approx(
        20000.0 * peaks["mean_draw_baseline_mw"], rel=1e-9
    )
    assert res.costs.loc["coincident", "optimized_usd"] == pytest.approx(
        20000.0 * peaks["mean_draw_optimized_mw"], rel=1e-6
    )
    assert (
        peaks["mean_draw_optimized_mw"]
        < ref.summary()["grid"]["system_peaks"]["mean_draw_optimized_mw"] - 100.0
    )
    assert np.isclose(
        peaks["mean_draw_baseline_mw"],
        ref.summary()["grid"]["system_peaks"]["mean_draw_baseline_mw"],
    )
