"""Known answers for ``results/outage.py`` and ``loads/critical.py``.

``SPEC.md`` §9 outage survival, §8 family 14 energy floors.

Most cases use ``etad = 0.8`` and ``dt = 0.25 h`` so that one interval at 2 MW needs exactly
``2 * 0.25 / 0.8 = 0.625 MWh`` (a binary fraction: the expected hours are exact).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from optimizer.loads.critical import energy_floor_mwh
from optimizer.results.outage import (
    simulate_outages,
    survival_by_month,
    survival_summary,
)

DT_H = 0.25
ETA_D = 0.8
SMIN_MWH = 1.0


def _run(
    soc_start,
    critical,
    *,
    power=100.0,
    aux=0.0,
    gen=None,
    lam=0.0,
    max_hours=24.0,
    horizon_end="censor",
    eta=ETA_D,
    dt=DT_H,
    smin=SMIN_MWH,
    index=None,
):
    critical = np.asarray(critical, dtype=float)
    n = len(critical)
    soc = np.broadcast_to(np.asarray(soc_start, dtype=float), (n,)).copy()
    return simulate_outages(
        soc,
        critical,
        interval_h=dt,
        discharge_power_max_mw=np.broadcast_to(np.asarray(power, dtype=float), (n,)).copy(),
        soc_min_mwh=smin,
        discharge_efficiency_frac=eta,
        aux_mw=np.broadcast_to(np.asarray(aux, dtype=float), (n,)).copy(),
        self_discharge_frac_per_h=lam,
        onsite_generation_mw=gen,
        max_hours=max_hours,
        horizon_end=horizon_end,
        index=index,
    )


# --------------------------------------------------------------------------- simulator


def test_constant_load_exact_hours():
    """2 MW, 5 MWh above smin: 5 / 0.625 = 8 intervals = 2.0 h, then out of energy.

    In interval 8 the spare energy is exactly 0, so the share survived is 0: survival 2.0 h.
    With 40 intervals of data, starts 0..31 see 8 intervals + the failing one (uncensored);
    starts 32..39 reach the end of data alive (censored, survival = hours to the end: start 32
    would fail in interval 40, which is past the data, so it is censored at 2.0 h).
    """
    df = _run(SMIN_MWH + 5.0, np.full(40, 2.0))
    assert list(df.columns) == ["survival_h", "limit", "censored"]
    head = df.iloc[:32]
    assert (head["survival_h"] == 2.0).all()
    assert (head["limit"] == "energy").all()
    assert not head["censored"].any()
    tail = df.iloc[32:]
    assert tail["censored"].all()
    assert (tail["limit"] == "none").all()
    np.testing.assert_allclose(tail["survival_h"], (40 - np.arange(32, 40)) * DT_H)


def test_fractional_hours():
    """5.3125 MWh spare: 8 full intervals (5.0 MWh) + 0.3125 / 0.625 = half of the 9th.

    survival = 8.5 * 0.25 h = 2.125 h. Same load split as 1.5 MW critical + 0.5 MW aux.
    """
    df = _run(SMIN_MWH + 5.3125, np.full(40, 1.5), aux=0.5)
    assert df["survival_h"].iloc[0] == pytest.approx(2.125, abs=1e-12)
    assert df["limit"].iloc[0] == "energy"


def test_start_soc_is_per_start_interval():
    """soc_start[t] = smin + 0.625 t  ->  start t survives exactly t intervals (t * 0.25 h)."""
    n = 30
    soc = SMIN_MWH + 0.625 * np.arange(n)
    df = _run(soc, np.full(n, 2.0))
    t = np.arange(12)
    np.testing.assert_allclose(df["survival_h"].iloc[:12], t * DT_H, atol=1e-12)
    assert (df["limit"].iloc[:12] == "energy").all()


def test_power_below_load_gives_zero():
    """Available power 1.5 MW < 2 MW load: no interval can be served, survival 0, 'power'."""
    df = _run(SMIN_MWH + 100.0, np.full(10, 2.0), power=1.5)
    assert (df["survival_h"] == 0.0).all()
    assert (df["limit"] == "power").all()
    assert not df["censored"].any()


def test_power_dip_later_in_outage():
    """Power [5, 5, 5, 1, 5 ...]: start 0 serves 0, 1, 2 and fails at the start of 3 -> 0.75 h.

    Start 1 -> 0.5 h, start 2 -> 0.25 h, start 3 -> 0 (all 'power'); start 4 on: plenty of
    power, 5 MWh spare -> 2.0 h 'energy'.
    """
    power = np.full(30, 5.0)
    power[3] = 1.0
    df = _run(SMIN_MWH + 5.0, np.full(30, 2.0), power=power)
    np.testing.assert_allclose(df["survival_h"].iloc[:5], [0.75, 0.5, 0.25, 0.0, 2.0])
    assert df["limit"].iloc[:5].tolist() == ["power"] * 4 + ["energy"]


def test_power_limit_wins_over_energy_in_same_interval():
    """Both short in interval 0: failure is at the interval's start, so 'power' with 0 h."""
    df = _run(SMIN_MWH + 0.1, np.full(10, 2.0), power=1.0)
    assert df["survival_h"].iloc[0] == 0.0
    assert df["limit"].iloc[0] == "power"


def test_power_exactly_equal_to_load_is_enough():
    df = _run(SMIN_MWH + 5.0, np.full(40, 2.0), power=2.0)
    assert df["survival_h"].iloc[0] == 2.0
    assert df["limit"].iloc[0] == "energy"


def test_self_discharge():
    """dt = 1 h, lam = 0.5 /h, etad = 1, smin = 0, s = 8 MWh, load 1 MW.

    interval 0: 8 * 0.5 = 4, minus 1 -> 3; interval 1: 1.5 - 1 -> 0.5;
    interval 2: 0.25 left, needs 1 -> a quarter of the interval: survival 2.25 h.
    """
    df = _run(8.0, np.full(10, 1.0), lam=0.5, eta=1.0, dt=1.0, smin=0.0)
    assert df["survival_h"].iloc[0] == pytest.approx(2.25, abs=1e-12)
    assert df["limit"].iloc[0] == "energy"


def test_self_discharge_at_15min_with_smin():
    """dt = 0.25 h, lam = 0.5 /h: retention (0.5)^0.25 per interval; smin = 1.

    No load for 4 intervals then 2 MW: s after the idle hour = 1 + ... computed by hand:
    s0 = 3, after 4 idle intervals 3 * 0.5 = 1.5; interval 4 keeps 1.5 * 0.5^0.25, spare
    1.5 * 0.5^0.25 - 1 = 0.26134 MWh, need 0.625 -> survival (4 + 0.26134/0.625) * 0.25 h.
    """
    load = np.r_[np.zeros(4), np.full(20, 2.0)]
    df = _run(3.0, load, lam=0.5)
    spare = 1.5 * 0.5**0.25 - 1.0
    assert df["survival_h"].iloc[0] == pytest.approx((4 + spare / 0.625) * 0.25, rel=1e-12)


def test_no_load_never_fails_even_below_smin():
    """Self-discharge takes s below smin, but nothing has to be served: survives 24 h."""
    df = _run(SMIN_MWH, np.zeros(4), lam=0.5, horizon_end="wrap")
    assert (df["survival_h"] == 24.0).all()
    assert (df["limit"] == "none").all()


def test_onsite_generation_offsets_load():
    """C = 3, aux = 1, gen = 2 -> 2 MW served: same 2.0 h as the constant-load case.

    Power 2.5 MW < C + aux = 4 MW would fail at once without generation; with it 2 <= 2.5.
    Generation above the load (gen = 5) leaves nothing to serve: no power or energy needed.
    """
    n = 40
    df = _run(SMIN_MWH + 5.0, np.full(n, 3.0), aux=1.0, gen=np.full(n, 2.0), power=2.5)
    assert df["survival_h"].iloc[0] == 2.0
    assert df["limit"].iloc[0] == "energy"
    df = _run(
        SMIN_MWH, np.full(8, 3.0), aux=1.0, gen=np.full(8, 5.0), power=0.0, horizon_end="wrap"
    )
    assert (df["survival_h"] == 24.0).all()
    assert (df["limit"] == "none").all()


def test_survives_max_hours():
    """Plenty of energy: every start lasts max_hours = 6 h, limit 'none', not censored."""
    df = _run(1_000.0, np.full(100, 2.0), max_hours=6.0)
    ok = df.iloc[: 100 - 24]
    assert (ok["survival_h"] == 6.0).all()
    assert (ok["limit"] == "none").all()
    assert not ok["censored"].any()
    assert df["censored"].iloc[100 - 23 :].all()


def test_censor_versus_wrap():
    """4 hourly intervals, 1 MW, 10 MWh spare at etad = 1.

    censor: start t reaches the end of data after 4 - t hours, alive -> censored.
    wrap: the data repeats; 10 MWh last 10 h -> 'energy' at 10.0 h for every start.
    """
    kw = {"eta": 1.0, "dt": 1.0, "smin": 0.0}
    df = _run(10.0, np.ones(4), **kw)
    assert df["survival_h"].tolist() == [4.0, 3.0, 2.0, 1.0]
    assert df["censored"].all()
    assert (df["limit"] == "none").all()
    df = _run(10.0, np.ones(4), horizon_end="wrap", **kw)
    assert df["survival_h"].tolist() == [10.0] * 4
    assert (df["limit"] == "energy").all()
    assert not df["censored"].any()


def test_failure_inside_data_is_not_censored():
    """A start that fails before the end of data is a known outcome even near the end."""
    df = _run(SMIN_MWH + 0.3125, np.full(4, 2.0))
    assert df["survival_h"].tolist() == [0.125] * 4
    assert not df["censored"].any()


def test_index_labels_rows():
    idx = pd.date_range("2025-07-01", periods=4, freq="15min", tz="America/Chicago")
    df = _run(SMIN_MWH + 5.0, np.full(4, 2.0), index=idx)
    assert df.index.equals(idx)
    assert df.index.name == "interval_start"


def test_invalid_inputs_reported_together():
    with pytest.raises(ValueError, match="simulate_outages") as info:
        simulate_outages(
            np.ones(3),
            np.array([1.0, -1.0, 1.0]),
            interval_h=0.25,
            discharge_power_max_mw=np.ones(2),
            soc_min_mwh=0.0,
            discharge_efficiency_frac=1.2,
            aux_mw=np.zeros(3),
            max_hours=0.3,
        )
    text = str(info.value)
    for fragment in (
        "critical_load_mw must be >= 0",
        "discharge_power_max_mw must have shape",
        "discharge_efficiency_frac",
        "max_hours",
    ):
        assert fragment in text


def test_naive_index_rejected():
    idx = pd.date_range("2025-07-01", periods=3, freq="15min")
    with pytest.raises(ValueError, match="tz-aware"):
        _run(5.0, np.ones(3), index=idx)


def test_speed_one_year_at_15_min():
    """35 040 starts x 96 steps (24 h at 15 min) in well under a few seconds.

    Worst case: power always suffices and most starts stay alive for all 96 steps.
    """
    rng = np.random.default_rng(0)
    n = 35_040
    critical = rng.uniform(20.0, 40.0, n)
    t0 = time.perf_counter()
    df = simulate_outages(
        rng.uniform(500.0, 1_500.0, n),
        critical,
        interval_h=0.25,
        discharge_power_max_mw=rng.uniform(45.0, 60.0, n),
        soc_min_mwh=40.0,
        discharge_efficiency_frac=0.95,
        aux_mw=np.full(n, 0.5),
        self_discharge_frac_per_h=1e-4,
        max_hours=24.0,
    )
    elapsed_s = time.perf_counter() - t0
    assert len(df) == n
    assert (df["limit"] != "power").all()
    assert (df["limit"] == "none").mean() > 0.5
    assert elapsed_s < 3.0, f"simulate_outages took {elapsed_s:.2f} s"


# --------------------------------------------------------------------------- summaries


def _hand_outcomes(index=None):
    """Uncensored survivals [0, 0.5, 1, 2, 4, 24] and one censored start alive at 0.75 h."""
    return pd.DataFrame(
        {
            "survival_h": [0.0, 0.5, 1.0, 2.0, 4.0, 24.0, 0.75],
            "limit": ["power", "energy", "energy", "energy", "power", "none", "none"],
            "censored": [False] * 6 + [True],
        },
        index=index,
    )


def test_survival_summary_hand_values():
    """Shares: >= 0.25 h: 6 of 7 (the censored 0.75 h counts: it got there).

    >= 1 h: 4 reached (1, 2, 4, 24); the censored start's outcome at 1 h is unknown, so the
    denominator is 6 -> 2/3. >= 4 h: 2/6. >= 24 h: 1/6. Median of the uncensored
    [0, 0.5, 1, 2, 4, 24] = 1.5 h, minimum 0.
    """
    s = survival_summary(_hand_outcomes(), hours=(0.25, 1, 4, 24))
    row = s.loc["all"]
    assert row["n_starts"] == 7
    assert row["n_censored"] == 1
    assert row["n_power_limited"] == 2
    assert row["n_energy_limited"] == 3
    assert row["p_survive_0.25h"] == pytest.approx(6 / 7)
    assert row["p_survive_1h"] == pytest.approx(4 / 6)
    assert row["p_survive_4h"] == pytest.approx(2 / 6)
    assert row["p_survive_24h"] == pytest.approx(1 / 6)
    assert row["median_h"] == pytest.approx(1.5)
    assert row["min_h"] == 0.0


def test_survival_summary_default_hours_columns():
    s = survival_summary(_hand_outcomes())
    expected = [f"p_survive_{h}h" for h in ("0.25", "0.5", "1", "2", "4", "8", "12", "24")]
    assert [c for c in s.columns if c.startswith("p_survive_")] == expected
    assert {"median_h", "min_h"} <= set(s.columns)


def test_summary_always_has_1h_and_4h():
    s = survival_summary(_hand_outcomes(), hours=(2,))
    assert {"p_survive_1h", "p_survive_2h", "p_survive_4h"} <= set(s.columns)


def test_survival_by_month():
    """Four starts in January (local), three in February; month taken in local time.

    2025-01-31 23:00 CST is already February in UTC but counts for January.
    """
    idx = pd.DatetimeIndex(
        [
            "2025-01-31 20:00",
            "2025-01-31 21:00",
            "2025-01-31 22:00",
            "2025-01-31 23:00",
            "2025-02-01 00:00",
            "2025-02-01 01:00",
            "2025-02-01 02:00",
        ],
        tz="America/Chicago",
    )
    out = survival_by_month(_hand_outcomes(idx), hours=(1, 4))
    assert out.index.tolist() == ["2025-01", "2025-02"]
    assert out.index.name == "month"
    jan, feb = out.loc["2025-01"], out.loc["2025-02"]
    # January: [0, 0.5, 1, 2] -> >= 1 h: 2/4, median 0.75, min 0
    assert jan["p_survive_1h"] == pytest.approx(0.5)
    assert jan["median_h"] == pytest.approx(0.75)
    assert jan["min_h"] == 0.0
    # February: [4, 24] + censored 0.75 -> >= 1 h: 2/2 (censored unknown), >= 4 h: 2/2
    assert feb["p_survive_1h"] == pytest.approx(1.0)
    assert feb["p_survive_4h"] == pytest.approx(1.0)
    assert feb["n_censored"] == 1
    assert feb["median_h"] == pytest.approx(14.0)


def test_survival_by_month_needs_tz_index():
    with pytest.raises(ValueError, match="tz-aware"):
        survival_by_month(_hand_outcomes())


# --------------------------------------------------------------------------- energy floor


def test_energy_floor_hand_values():
    """C = [1, 2, 3, 4], aux 0.5, dt = 0.5 h, H = 1 h (K = 2), etad = 0.5.

    energy per interval (C + aux) dt / etad = [1.5, 2.5, 3.5, 4.5] MWh.
    F_t = e_{t+1} + e_{t+2}, extended with the last value:
      F_0 = 2.5 + 3.5 = 6, F_1 = 3.5 + 4.5 = 8, F_2 = 4.5 + 4.5 = 9, F_3 = 9.
    start-keyed G_t = F_{t-1}: [1.5 + 2.5, 6, 8, 9] = [4, 6, 8, 9].
    truncate: F = [6, 8, 4.5, 0]; wrap: F_2 = 4.5 + 1.5 = 6, F_3 = 1.5 + 2.5 = 4.
    """
    kw = {"interval_h": 0.5, "hours_h": 1.0, "discharge_efficiency_frac": 0.5}
    c = np.array([1.0, 2.0, 3.0, 4.0])
    aux = np.full(4, 0.5)
    np.testing.assert_allclose(energy_floor_mwh(c, aux, **kw), [6, 8, 9, 9])
    np.testing.assert_allclose(energy_floor_mwh(c, aux, at="start", **kw), [4, 6, 8, 9])
    np.testing.assert_allclose(
        energy_floor_mwh(c, aux, horizon_end="truncate", **kw), [6, 8, 4.5, 0]
    )
    np.testing.assert_allclose(energy_floor_mwh(c, aux, horizon_end="wrap", **kw), [6, 8, 6, 4])
    # H longer than the data: wrap cycles more than once (K = 6 over n = 4)
    f = energy_floor_mwh(
        c, aux, interval_h=0.5, hours_h=3.0, discharge_efficiency_frac=0.5, horizon_end="wrap"
    )
    assert f[0] == pytest.approx(2.5 + 3.5 + 4.5 + 1.5 + 2.5 + 3.5)


@pytest.mark.parametrize("horizon_end", ["extend", "wrap", "truncate"])
def test_energy_floor_start_is_end_shifted(horizon_end):
    """G_{t+1} = F_t: the floor on the start SOC of t + 1 is the floor on the end SOC of t."""
    rng = np.random.default_rng(1)
    c, aux = rng.uniform(0, 10, 50), rng.uniform(0, 1, 50)
    kw = {
        "interval_h": 0.25,
        "hours_h": 2.0,
        "discharge_efficiency_frac": 0.9,
        "horizon_end": horizon_end,
    }
    end = energy_floor_mwh(c, aux, **kw)
    start = energy_floor_mwh(c, aux, at="start", **kw)
    np.testing.assert_allclose(start[1:], end[:-1], rtol=1e-12)


def test_energy_floor_rejects_bad_hours():
    with pytest.raises(ValueError, match="hours_h"):
        energy_floor_mwh(
            np.ones(4), np.zeros(4), interval_h=0.25, hours_h=1.1, discharge_efficiency_frac=0.9
        )


def _random_site(seed: int, n: int = 400):
    rng = np.random.default_rng(seed)
    critical = rng.uniform(5.0, 20.0, n)
    aux = rng.uniform(0.2, 1.0, n)
    power = critical + aux + rng.uniform(0.0, 5.0, n)  # power is never the limit
    return rng, critical, aux, power


def _schedule_on_floor(rng, floor_end_mwh, initial_floor_mwh, smin_mwh):
    """An end-of-interval SOC path s_t >= smin + F_t, on the floor exactly a third of the time.

    Returns the start-of-interval SOC: [s_{-1}, s_0, ..., s_{n-2}].
    """
    n = len(floor_end_mwh)
    slack = rng.uniform(0.0, 20.0, n) * (rng.uniform(size=n) > 1 / 3)
    soc_end = smin_mwh + floor_end_mwh + slack
    return np.r_[smin_mwh + initial_floor_mwh, soc_end[:-1]]


@pytest.mark.parametrize("eta", [1.0, 0.93])
def test_floor_then_simulate_agree(eta):
    """A schedule holding s_t >= smin + F_t at every interval end survives H from every start.

    Alignment: F_t (spec, on s_t) covers tau = t+1 .. t+K; s_t is the start SOC of t + 1, whose
    outage serves exactly tau = t+1 .. t+K. The start at t = 0 uses the initial SOC, set to
    smin + F_{-1} = smin + G_0. H = 4 h at 15 min: K = 16. 'extend' at the horizon end keeps
    the floor at least the truncated one, so the last K - 1 starts reach the end of data alive
    (censored) instead of failing.
    """
    hours_h, dt_h, smin = 4.0, 0.25, 30.0
    k = int(hours_h / dt_h)
    rng, critical, aux, power = _random_site(seed=7)
    n = len(critical)
    kw = {"interval_h": dt_h, "hours_h": hours_h, "discharge_efficiency_frac": eta}
    floor_end = energy_floor_mwh(critical, aux, **kw)
    initial_floor = energy_floor_mwh(critical, aux, at="start", **kw)[0]
    soc_start = _schedule_on_floor(rng, floor_end, initial_floor, smin)

    df = simulate_outages(
        soc_start,
        critical,
        interval_h=dt_h,
        discharge_power_max_mw=power,
        soc_min_mwh=smin,
        discharge_efficiency_frac=eta,
        aux_mw=aux,
        max_hours=hours_h,
    )
    full = df.iloc[: n - k + 1]  # starts whose H hours lie inside the data
    assert (full["survival_h"] == hours_h).all()
    assert (full["limit"] == "none").all()
    assert not full["censored"].any()
    assert df["censored"].iloc[n - k + 1 :].all()
    assert (df["limit"] == "none").all()

    # Tight: just below the floor, every start whose floor binds fails on energy before H.
    on_floor = np.isclose(soc_start, smin + energy_floor_mwh(critical, aux, at="start", **kw))
    short = simulate_outages(
        np.where(on_floor, soc_start - 1e-3, soc_start),
        critical,
        interval_h=dt_h,
        discharge_power_max_mw=power,
        soc_min_mwh=smin,
        discharge_efficiency_frac=eta,
        aux_mw=aux,
        max_hours=hours_h,
    )
    hit = on_floor[: n - k + 1]
    assert hit.sum() > 50
    failed = short.iloc[: n - k + 1][hit]
    assert (failed["limit"] == "energy").all()
    assert (failed["survival_h"] < hours_h).all()
    assert (failed["survival_h"] > hours_h - dt_h).all()  # fails inside the last interval


def test_misaligned_floor_fails():
    """Off by one: flooring s_t with G_t (tau = t .. t+K-1) instead of F_t leaves the outage
    starting at t + 1 one interval short whenever C_{t+K} + aux_{t+K} > C_t + aux_t."""
    hours_h, dt_h, smin, eta = 4.0, 0.25, 30.0, 0.93
    k = int(hours_h / dt_h)
    rng, critical, aux, power = _random_site(seed=11)
    n = len(critical)
    kw = {"interval_h": dt_h, "hours_h": hours_h, "discharge_efficiency_frac": eta}
    wrong_end = energy_floor_mwh(critical, aux, at="start", **kw)  # G_t used on s_t
    initial = energy_floor_mwh(critical, aux, at="start", **kw)[0]
    soc_start = np.r_[smin + initial, smin + wrong_end[:-1]]  # exactly on the wrong floor
    df = simulate_outages(
        soc_start,
        critical,
        interval_h=dt_h,
        discharge_power_max_mw=power,
        soc_min_mwh=smin,
        discharge_efficiency_frac=eta,
        aux_mw=aux,
        max_hours=hours_h,
    )
    e = critical + aux
    t = np.arange(1, n - k)  # starts t' = t + 1 fully inside the data
    expected_fail = e[t + k] > e[t] + 1e-9
    got_fail = (df["limit"] == "energy").to_numpy()[t + 1]
    assert expected_fail.sum() > 50
    np.testing.assert_array_equal(got_fail, expected_fail)


def test_floor_wrap_matches_simulator_wrap():
    """Periodic data: floors with horizon_end='wrap' and the simulator's 'wrap' agree at every
    start, including the last ones (nothing censored)."""
    hours_h, dt_h, smin, eta = 2.0, 0.25, 5.0, 0.9
    rng, critical, aux, power = _random_site(seed=3, n=96)
    kw = {
        "interval_h": dt_h,
        "hours_h": hours_h,
        "discharge_efficiency_frac": eta,
        "horizon_end": "wrap",
    }
    soc_start = smin + energy_floor_mwh(critical, aux, at="start", **kw)  # all on the floor
    df = simulate_outages(
        soc_start,
        critical,
        interval_h=dt_h,
        discharge_power_max_mw=power,
        soc_min_mwh=smin,
        discharge_efficiency_frac=eta,
        aux_mw=aux,
        max_hours=hours_h,
        horizon_end="wrap",
    )
    assert (df["survival_h"] == hours_h).all()
    assert (df["limit"] == "none").all()


def test_floor_truncate_matches_simulator_censor():
    """'truncate' is exactly what 'censor' can check: on that floor every start survives to
    H or to the end of data."""
    hours_h, dt_h, smin, eta = 3.0, 0.5, 0.0, 0.85
    rng, critical, aux, power = _random_site(seed=5, n=60)
    kw = {
        "interval_h": dt_h,
        "hours_h": hours_h,
        "discharge_efficiency_frac": eta,
        "horizon_end": "truncate",
    }
    soc_start = smin + energy_floor_mwh(critical, aux, at="start", **kw)
    df = simulate_outages(
        soc_start,
        critical,
        interval_h=dt_h,
        discharge_power_max_mw=power,
        soc_min_mwh=smin,
        discharge_efficiency_frac=eta,
        aux_mw=aux,
        max_hours=hours_h,
    )
    n = len(critical)
    expected = np.minimum(hours_h, (n - np.arange(n)) * dt_h)
    np.testing.assert_allclose(df["survival_h"], expected)
    assert (df["limit"] == "none").all()


def test_floor_without_self_discharge_fails_a_little_early():
    """With lam > 0, the spec's floor (lam = 0 in energy_floor_mwh) fails a little early.

    1 %/h of a ~100 MWh SOC over 4 h is ~4 MWh, about one interval's need: failures land in
    the last interval or two. ``test_floor_with_self_discharge_survives`` gives the fix.
    """
    hours_h, dt_h, smin, eta = 4.0, 0.25, 30.0, 0.93
    rng, critical, aux, power = _random_site(seed=7)
    kw = {"interval_h": dt_h, "hours_h": hours_h, "discharge_efficiency_frac": eta}
    soc_start = smin + energy_floor_mwh(critical, aux, at="start", **kw)
    df = simulate_outages(
        soc_start,
        critical,
        interval_h=dt_h,
        discharge_power_max_mw=power,
        soc_min_mwh=smin,
        discharge_efficiency_frac=eta,
        aux_mw=aux,
        self_discharge_frac_per_h=0.01,
        max_hours=hours_h,
    )
    uncensored = df[~df["censored"]]
    assert (uncensored["limit"] == "energy").all()
    assert (uncensored["survival_h"] < hours_h).all()
    assert (uncensored["survival_h"] > 0.9 * hours_h).all()


@pytest.mark.parametrize("lam", [0.01, 0.2])
def test_floor_with_self_discharge_survives(lam):
    """The floor with lam (``self_discharge_frac_per_h``) and smin survives exactly H.

    Backward recursion: the last interval needs r s_{K-1} - e_K >= smin, so
    req_{k-1} = (req_k + e_k) / r with req_K = smin, i.e.
    G_t = sum_k r^-k e_{t+k-1} + smin (r^-K - 1). On that floor every start survives H
    (limit 'none'); 1e-3 MWh below it every start fails inside the last interval.
    """
    hours_h, dt_h, smin, eta = 4.0, 0.25, 30.0, 0.93
    k = int(hours_h / dt_h)
    rng, critical, aux, power = _random_site(seed=7)
    n = len(critical)
    kw = {
        "interval_h": dt_h,
        "hours_h": hours_h,
        "discharge_efficiency_frac": eta,
        "self_discharge_frac_per_h": lam,
        "soc_min_mwh": smin,
    }
    soc_start = smin + energy_floor_mwh(critical, aux, at="start", **kw)
    common = {
        "interval_h": dt_h,
        "discharge_power_max_mw": power,
        "soc_min_mwh": smin,
        "discharge_efficiency_frac": eta,
        "aux_mw": aux,
        "self_discharge_frac_per_h": lam,
        "max_hours": hours_h,
    }
    df = simulate_outages(soc_start * (1 + 1e-12), critical, **common)
    full = df.iloc[: n - k + 1]
    assert (full["survival_h"] == hours_h).all()
    assert (full["limit"] == "none").all()
    short = simulate_outages(soc_start - 1e-3, critical, **common).iloc[: n - k + 1]
    assert (short["limit"] == "energy").all()
    assert (short["survival_h"] > hours_h - dt_h).all()


def test_floor_end_and_start_agree_with_self_discharge():
    rng, critical, aux, _ = _random_site(seed=2, n=60)
    kw = {
        "interval_h": 0.5,
        "hours_h": 2.0,
        "discharge_efficiency_frac": 0.9,
        "self_discharge_frac_per_h": 0.05,
        "soc_min_mwh": 3.0,
    }
    end = energy_floor_mwh(critical, aux, **kw)
    start = energy_floor_mwh(critical, aux, at="start", **kw)
    np.testing.assert_allclose(start[1:], end[:-1], rtol=1e-12)
