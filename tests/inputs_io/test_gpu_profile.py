from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pydantic
import pytest

from optimizer.errors import TimeSeriesError
from optimizer.inputs.assets import GpuCluster
from optimizer.loads.gpu_profile import GpuProfileParams, generate_site_load

TZ = "America/Chicago"
RTOL_AGGREGATION = 1e-9


@pytest.fixture(scope="module")
def cluster() -> GpuCluster:
    return GpuCluster(
        name="t", n_gpus=1_000_000, gpu_power_mw=0.0007, non_gpu_it_share_frac=0.15, pue=1.2
    )


def month(start: str, freq: str = "15min") -> pd.DatetimeIndex:
    first = pd.Timestamp(start, tz=TZ)
    return pd.date_range(first, first + pd.DateOffset(months=1), freq=freq, inclusive="left")


@pytest.fixture(scope="module")
def february(cluster):
    return generate_site_load(month("2021-02-01"), cluster, GpuProfileParams(seed=0))


def test_same_seed_is_bit_identical(cluster, february):
    again = generate_site_load(month("2021-02-01"), cluster, GpuProfileParams(seed=0))
    pd.testing.assert_frame_equal(february, again, check_exact=True)


def test_different_seeds_differ(cluster, february):
    other = generate_site_load(month("2021-02-01"), cluster, GpuProfileParams(seed=1))
    assert not np.array_equal(february["load_mw"].to_numpy(), other["load_mw"].to_numpy())


def test_columns_and_bounds(cluster, february):
    assert list(february.columns) == ["load_mw", "gpu_load_mw"]
    assert (february.dtypes == np.float64).all()
    gpu, load = february["gpu_load_mw"], february["load_mw"]
    assert (gpu >= 0).all()
    assert (gpu <= load).all()
    assert (load <= cluster.site_power_max_mw).all()


def test_defaults_are_calibrated(cluster, february):
    """Monthly mean at 80-90 % of site max; checkpoint/restart dips of tens of MW at 15 min."""
    load = february["load_mw"]
    assert 0.80 <= load.mean() / cluster.site_power_max_mw <= 0.90
    assert load.mean() - load.min() >= 20.0
    assert load.diff().abs().max() >= 20.0  # a single 15-min step down or up of tens of MW


@pytest.mark.parametrize("start", ["2021-03-13 00:00", "2021-11-06 22:00"])
def test_15min_is_mean_of_1min(cluster, start):
    """Over a span crossing a DST change, with frequent events of every kind."""
    params = GpuProfileParams(
        seed=3, restart_rate_per_day=6, job_duration_mean_h=12, maintenance_offset_h=30
    )
    first = pd.Timestamp(start, tz=TZ)
    last = first + pd.Timedelta(days=3)
    fine_idx = pd.date_range(first, last, freq="1min", inclusive="left")
    fine = generate_site_load(fine_idx, cluster, params)
    coarse_idx = pd.date_range(first, last, freq="15min", inclusive="left")
    coarse = generate_site_load(coarse_idx, cluster, params)
    expected = fine.to_numpy().reshape(len(coarse_idx), 15, 2).mean(axis=1)
    np.testing.assert_allclose(coarse.to_numpy(), expected, rtol=RTOL_AGGREGATION, atol=0)
    assert coarse.index.equals(coarse_idx)


@pytest.mark.parametrize(
    ("start", "n_hours"), [("2021-03-01", 31 * 24 - 1), ("2021-11-01", 30 * 24 + 1)]
)
def test_dst_month_keeps_index(cluster, start, n_hours):
    idx = month(start)
    df = generate_site_load(idx, cluster, GpuProfileParams())
    assert len(idx) == 4 * n_hours
    assert df.index.equals(idx)
    assert str(df.index.tz) == TZ
    assert np.isfinite(df.to_numpy()).all()


def test_shorter_span_is_a_prefix(cluster):
    long_idx = month("2021-02-01", freq="5min")
    short_idx = long_idx[: len(long_idx) // 3]
    params = GpuProfileParams(seed=7)
    long_df = generate_site_load(long_idx, cluster, params)
    short_df = generate_site_load(short_idx, cluster, params)
    pd.testing.assert_frame_equal(short_df, long_df.iloc[: len(short_idx)], check_exact=True)


def test_maintenance_lowers_load_in_its_window(cluster):
    idx = pd.date_range("2021-06-01", periods=4 * 24 * 5, freq="15min", tz=TZ)
    base = dict(maintenance_offset_h=30.0, maintenance_duration_h=6.0)
    without = generate_site_load(idx, cluster, GpuProfileParams(maintenance_share_frac=0, **base))
    with_ = generate_site_load(idx, cluster, GpuProfileParams(maintenance_share_frac=0.9, **base))
    window = (idx >= idx[0] + pd.Timedelta(hours=30)) & (idx < idx[0] + pd.Timedelta(hours=36))
    assert window.sum() == 24
    drop_mw = without["load_mw"][window] - with_["load_mw"][window]
    assert (drop_mw > 300).all()
    pd.testing.assert_frame_equal(without[~window], with_[~window], check_exact=True)


def test_inference_peaks_in_local_afternoon(cluster):
    params = GpuProfileParams(inference_share_frac=1.0, maintenance_share_frac=0.0)
    df = generate_site_load(month("2021-07-01"), cluster, params)
    by_hour = df["load_mw"].groupby(df.index.hour).mean()
    assert by_hour[16] > by_hour[3] + 10.0
    weekend = df.index.day_of_week >= 5
    assert df["load_mw"][weekend].mean() < df["load_mw"][~weekend].mean()


@pytest.mark.parametrize(
    "bad",
    [
        {"inference_share_frac": -0.1},
        {"maintenance_share_frac": 1.5},
        {"job_duration_mean_h": 0.0},
        {"checkpoint_interval_h": 1.0, "checkpoint_duration_min": 60.0},
        {"typo_frac": 0.1},
    ],
)
def test_invalid_params_rejected(bad):
    with pytest.raises(pydantic.ValidationError):
        GpuProfileParams(**bad)


def test_params_are_frozen():
    with pytest.raises(pydantic.ValidationError):
        GpuProfileParams().seed = 2


@pytest.mark.parametrize(
    "idx",
    [
        pd.date_range("2021-02-01", periods=8, freq="15min"),  # naive
        pd.date_range("2021-02-01", periods=8, freq="90s", tz=TZ),  # not whole minutes
        pd.date_range("2021-02-01", periods=8, freq="2h", tz=TZ),  # over 60 min
        pd.DatetimeIndex(["2021-02-01 00:00", "2021-02-01 00:15", "2021-02-01 00:45"], tz=TZ),
        pd.DatetimeIndex([], tz=TZ),
    ],
)
def test_bad_index_rejected(cluster, idx):
    with pytest.raises(TimeSeriesError, match="index"):
        generate_site_load(idx, cluster, GpuProfileParams())


def test_full_year_at_1min_is_fast(cluster):
    idx = pd.date_range("2021-01-01", "2022-01-01", freq="1min", tz=TZ, inclusive="left")
    t0 = time.perf_counter()
    df = generate_site_load(idx, cluster, GpuProfileParams())
    assert time.perf_counter() - t0 < 5.0
    assert len(df) == len(idx)
