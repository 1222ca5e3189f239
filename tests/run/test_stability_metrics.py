"""Known answers for ``optimizer.results.stability`` (``SPEC.md`` §9, stability of the grid draw).

Each expected value is derived by hand in the test docstring.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from optimizer.results.stability import (
    LARGER_IS_WORSE,
    compare_stability,
    moves_grid_harder_than_baseline,
    stability_metrics,
)

TZ = "America/Chicago"


def _series(values: list[float], freq: str = "15min", start: str = "2025-07-01") -> pd.Series:
    idx = pd.date_range(start, periods=len(values), freq=freq, tz=TZ, name="interval_start")
    return pd.Series(values, index=idx, dtype=float)


def test_hand_series_15min():
    """y = [100, 300, 250, 250, 400, 100] MW at 15 min.

    Moves Δ = [+200, -50, 0, +150, -300] MW.
    rise 200 MW -> 200/15 MW/min; fall 300 MW -> 20 MW/min.
    sum |Δ| = 700 MW over n dt = 6 * 0.25 h = 1.5 h = 1/16 day -> 11 200 MW/day.
    |Δ| >= 100: 200, 150, 300 -> 3. Signs of non-zero moves + - + - -> 3 changes.
    At the 400 MW cap: one interval -> 0.25 h.
    """
    m = stability_metrics(_series([100, 300, 250, 250, 400, 100]), import_cap_mw=400.0)
    assert list(m) == list(LARGER_IS_WORSE)
    assert m["largest_rise_mw"] == pytest.approx(200.0)
    assert m["largest_fall_mw"] == pytest.approx(300.0)
    assert m["largest_rise_mw_per_min"] == pytest.approx(200.0 / 15.0)
    assert m["largest_fall_mw_per_min"] == pytest.approx(20.0)
    assert m["total_variation_mw_per_day"] == pytest.approx(11_200.0)
    assert m["n_moves_at_least_threshold"] == 3
    assert m["n_direction_changes"] == 3
    assert m["time_at_import_cap_h"] == pytest.approx(0.25)


def test_threshold_is_inclusive_and_tolerant():
    """A move of exactly the threshold counts, also 1e-9 MW short of it (round-off)."""
    m = stability_metrics(_series([0.0, 100.0, 100.0 + 1e-12]), import_cap_mw=None)
    assert m["n_moves_at_least_threshold"] == 1  # the 1e-12 move is no move
    assert m["n_direction_changes"] == 0
    m = stability_metrics(_series([0.0, 100.0 - 1e-9]), import_cap_mw=None)
    assert m["n_moves_at_least_threshold"] == 1
    m = stability_metrics(_series([0.0, 99.0]), import_cap_mw=None)
    assert m["n_moves_at_least_threshold"] == 0
    m = stability_metrics(_series([0.0, 50.0, 0.0]), import_cap_mw=None, move_threshold_mw=50.0)
    assert m["n_moves_at_least_threshold"] == 2


def test_direction_changes_skip_flat_and_tiny_moves():
    """Δ = [+1, 0, +1e-9, +1, -1, 0, -2, +3]: non-zero signs + + - - + -> 2 changes."""
    y = np.cumsum([5.0, 1.0, 0.0, 1e-9, 1.0, -1.0, 0.0, -2.0, 3.0])
    m = stability_metrics(_series(list(y)), import_cap_mw=None)
    assert m["n_direction_changes"] == 2


def test_monotone_and_flat_series():
    """Only rises: fall 0, no direction change. Flat: everything 0."""
    m = stability_metrics(_series([0, 10, 20, 30], freq="h"), import_cap_mw=None)
    assert m["largest_fall_mw"] == 0.0
    assert m["largest_rise_mw"] == 10.0
    assert m["largest_rise_mw_per_min"] == pytest.approx(10 / 60)
    # 30 MW over 4 h = 1/6 day
    assert m["total_variation_mw_per_day"] == pytest.approx(180.0)
    assert m["n_direction_changes"] == 0
    assert np.isnan(m["time_at_import_cap_h"])
    flat = stability_metrics(_series([7.0] * 5), import_cap_mw=7.0)
    assert flat["largest_rise_mw"] == flat["largest_fall_mw"] == 0.0
    assert flat["total_variation_mw_per_day"] == 0.0
    assert flat["time_at_import_cap_h"] == pytest.approx(5 * 0.25)


def test_cap_series_and_export():
    """Cap as a series (event lowers it); net import may go negative (export)."""
    y = _series([-20.0, 50.0, 80.0, 100.0], freq="30min")
    cap = pd.Series([100.0, 50.0, 100.0, 100.0], index=y.index)
    m = stability_metrics(y, import_cap_mw=cap)
    # at cap: t=1 (50 >= 50) and t=3 (100 >= 100) -> 2 * 0.5 h
    assert m["time_at_import_cap_h"] == pytest.approx(1.0)
    assert m["largest_rise_mw"] == 70.0
    assert m["largest_rise_mw_per_min"] == pytest.approx(70 / 30)


def test_dst_fall_back_day_is_regular():
    """25 hourly intervals on 2025-11-02 in Chicago: regular in absolute time."""
    idx = pd.date_range("2025-11-02", "2025-11-03", freq="h", tz=TZ, inclusive="left")
    assert len(idx) == 25
    y = pd.Series(np.r_[np.zeros(12), np.full(13, 10.0)], index=idx)
    m = stability_metrics(y, import_cap_mw=None)
    # one 10 MW move over 25 h = 25/24 day
    assert m["total_variation_mw_per_day"] == pytest.approx(10 * 24 / 25)


@pytest.mark.parametrize(
    ("series", "match"),
    [
        (pd.Series([1.0, 2.0], index=pd.date_range("2025-01-01", periods=2, freq="h")), "aware"),
        (pd.Series([1.0, 2.0]), "DatetimeIndex"),
        (_series([1.0]), "at least 2"),
        (_series([1.0, np.nan, 2.0]), "NaN"),
    ],
)
def test_bad_series_raise(series, match):
    with pytest.raises((ValueError, TypeError), match=match):
        stability_metrics(series, import_cap_mw=None)


def test_irregular_index_raises():
    idx = pd.DatetimeIndex(["2025-01-01 00:00", "2025-01-01 00:15", "2025-01-01 01:00"], tz=TZ)
    with pytest.raises(ValueError, match="one fixed step"):
        stability_metrics(pd.Series([1.0, 2.0, 3.0], index=idx), import_cap_mw=None)


def test_misaligned_cap_raises():
    y = _series([1.0, 2.0, 3.0])
    cap = pd.Series([5.0, 5.0, 5.0], index=y.index + pd.Timedelta(minutes=15))
    with pytest.raises(ValueError, match="Reindex import_cap_mw"):
        stability_metrics(y, import_cap_mw=cap)


def test_compare_and_harder_flag():
    """Baseline y = [100, 300, 100, 300] (saw-tooth), optimised flat at 200 but for one 250 jump.

    baseline: rise 200, fall 200, TV 600 over 1 h -> 14 400 MW/day, 3 moves >= 100, 2 changes.
    optimized [200, 200, 200, 450]: rise 250 (worse), fall 0, TV 250 -> 6 000 MW/day, 1 move,
    0 changes. The largest step is worse, so the schedule moves the grid harder.
    """
    base = stability_metrics(_series([100, 300, 100, 300]), import_cap_mw=300.0)
    opt = stability_metrics(_series([200, 200, 200, 450]), import_cap_mw=300.0)
    table = compare_stability(opt, base)
    assert list(table.index) == list(LARGER_IS_WORSE)
    assert list(table.columns) == [
        "baseline",
        "optimized",
        "larger_is_worse",
        "is_worse_than_baseline",
    ]
    assert table.loc["total_variation_mw_per_day", "baseline"] == pytest.approx(14_400.0)
    assert table.loc["total_variation_mw_per_day", "optimized"] == pytest.approx(6_000.0)
    worse = set(table.index[table["is_worse_than_baseline"]])
    assert worse == {"largest_rise_mw", "largest_rise_mw_per_min"}
    # time at cap: baseline 0.5 h, optimized 0.25 h; never flagged either way
    assert not table.loc["time_at_import_cap_h", "larger_is_worse"]
    assert moves_grid_harder_than_baseline(opt, base)
    # 25 % relative slack forgives 250 vs 200
    assert not moves_grid_harder_than_baseline(opt, base, rtol_frac=0.25)
    # swapped roles: the saw-tooth is harder than the single jump on moves and TV
    assert moves_grid_harder_than_baseline(base, opt)


def test_equal_schedules_are_not_worse():
    m = stability_metrics(_series([1, 5, 2, 8]), import_cap_mw=8.0)
    assert not compare_stability(m, dict(m))["is_worse_than_baseline"].any()
    assert not moves_grid_harder_than_baseline(m, dict(m))


def test_compare_rejects_incomplete_dicts():
    m = stability_metrics(_series([1, 5, 2, 8]), import_cap_mw=None)
    partial = {k: v for k, v in m.items() if k != "n_direction_changes"}
    with pytest.raises(ValueError, match="n_direction_changes"):
        compare_stability(m, partial)
