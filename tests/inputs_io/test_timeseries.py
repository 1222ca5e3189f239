"""Input series: checks, explicit resampling (SPEC §1), telemetry from a real trace, the generator via TOML."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from optimizer.errors import TimeSeriesError
from optimizer.inputs.timeseries import check_series, read_series, to_horizon
from optimizer.io import builtin_root, load_scenario

TZ = "America/Chicago"


def idx(start: str, n: int, freq: str) -> pd.DatetimeIndex:
    return pd.date_range(pd.Timestamp(start, tz=TZ), periods=n, freq=freq)


def test_fine_power_is_averaged_to_the_model_step():
    src = pd.Series(np.arange(120, dtype=float), index=idx("2021-02-01", 120, "1min"))
    out, note = to_horizon(src, idx("2021-02-01", 8, "15min"), kind="power", name="load_mw")
    assert out.iloc[0] == pytest.approx(np.mean(np.arange(15)))
    assert out.iloc[7] == pytest.approx(np.mean(np.arange(105, 120)))
    assert "time-weighted mean" in note
    assert "1 min to 15 min" in note


def test_one_second_telemetry_is_averaged():
    src = pd.Series(np.tile([0.0, 2.0], 1800), index=idx("2021-02-01", 3600, "1s"))
    out, _ = to_horizon(src, idx("2021-02-01", 4, "15min"), kind="power", name="load_mw")
    assert np.allclose(out.to_numpy(), 1.0)


def test_coarse_price_is_held_over_the_hour():
    src = pd.Series([10.0, 20.0], index=idx("2021-02-01", 2, "1h"))
    out, note = to_horizon(
        src, idx("2021-02-01", 8, "15min"), kind="price", name="price_usd_per_mwh"
    )
    assert out.tolist() == [10.0] * 4 + [20.0] * 4
    assert "forward-fill" in note


def test_dst_day_has_23_hours_and_prices_follow_utc():
    index = pd.date_range(
        pd.Timestamp("2021-03-14", tz=TZ),
        pd.Timestamp("2021-03-15", tz=TZ),
        freq="1h",
        inclusive="left",
    )
    assert len(index) == 23
    src = pd.Series(np.arange(23, dtype=float), index=index)
    out, note = to_horizon(src, index, kind="price", name="p")
    assert note is None
    assert out.tolist() == list(range(23))


@pytest.mark.parametrize(
    ("mutate", "what"),
    [
        (lambda s: s.tz_localize(None), "no time zone"),
        (lambda s: pd.concat([s, s.iloc[[3]]]).sort_index(), "duplicate timestamp"),
        (lambda s: s.iloc[[1, 0, 2, 3, 4, 5]], "not sorted"),
        (lambda s: s.drop(s.index[3]), "gap or irregular step"),
        (lambda s: s.where(s.index != s.index[2], np.nan), "NaN or inf"),
    ],
)
def test_bad_series_are_named(mutate, what):
    s = pd.Series(np.arange(6, dtype=float), index=idx("2021-02-01", 6, "15min"))
    issues = check_series(mutate(s), name="load_mw", source="x.csv")
    assert issues
    assert what in issues[0].what
    assert issues[0].field == "load_mw"


def test_short_series_names_first_missing_interval():
    src = pd.Series(np.ones(4), index=idx("2021-02-01", 4, "15min"))
    with pytest.raises(TimeSeriesError, match="2021-02-01T01:00:00-06:00") as err:
        to_horizon(
            src, idx("2021-02-01", 6, "15min"), kind="power", name="load_mw", source="load.csv"
        )
    assert err.value.issues[0].path == "load.csv"


def test_frontier_trace_resamples_to_15_min_mw():
    """Real 15-s telemetry (Frontier, CC-BY-4.0): 01:15-03:15 EDT holds eight full 15-min blocks,
    each the mean of 60 samples, converted from W to MW."""
    path = builtin_root() / "data" / "ornl_frontier_hpl_power_15s.csv"
    raw = read_series(path, "power_w")
    assert str(raw.index[0]) == "2023-04-29 01:10:15-04:00"
    index = pd.date_range(
        pd.Timestamp("2023-04-29 01:15", tz="America/New_York"), periods=8, freq="15min"
    )
    out, _ = to_horizon(raw * 1e-6, index, kind="power", name="load_mw")
    block = raw.loc[index[0] : index[0] + pd.Timedelta("14min 45s")]
    assert len(block) == 60
    assert out.iloc[0] == pytest.approx(block.mean() * 1e-6)
    assert out.min() > 5
    assert out.max() < 27


def test_generator_scenario_from_toml(tmp_path):
    models = builtin_root() / "models"
    p = tmp_path / "gen.toml"
    p.write_text(f"""schema_version = 1
[scenario]
name = "gen"
site = "{models / "sites" / "memphis-1gw.toml"}"
tariff = "{models / "tariffs" / "miso-arkansas-lmp-tva-demand.toml"}"
[horizon]
start = 2021-07-01T00:00:00-05:00
end = 2021-07-03T00:00:00-05:00
interval_min = 15
[load]
source = "generator"
[load.generator]
seed = 5
""")
    sc = load_scenario(p)
    assert sc.n_intervals == 192
    assert sc.gpu_load_mw.min() > 0
    assert (sc.gpu_load_mw <= sc.load_mw).all()
    assert sc.load_mw.max() <= sc.site.gpu_cluster.site_power_max_mw
    again = load_scenario(p)
    assert again.load_mw.equals(sc.load_mw)


def test_one_unsorted_index_gives_one_message_everywhere():
    """The scenario's series check, the tariff engine and the bill calculator share one
    horizon validator (optimizer.timeindex), so an unsorted index reads the same in all three."""
    from optimizer.errors import InputError
    from optimizer.tariffs import TariffSpec, bill, demand_windows

    index = idx("2021-02-01", 4, "15min")[[1, 0, 2, 3]]
    spec = TariffSpec.model_validate({"name": "t", "energy": {"basis": "market"}})
    series = pd.Series(np.ones(4), index=index)
    whats = [check_series(series, name="load_mw")[0].what]
    for call in (
        lambda: demand_windows(spec, index),
        lambda: bill(series, spec, price_usd_per_mwh=series),
    ):
        with pytest.raises(InputError) as err:
            call()
        whats.append(err.value.issues[0].what)
    assert whats == ["timestamps not sorted"] * 3
