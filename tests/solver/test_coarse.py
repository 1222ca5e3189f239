"""Coarse warm start (optimizer.solver.warmstart.coarse): the aggregated LP is the hand-written
coarse model, and
the full LP solved from its basis ends at the cold optimum, or falls back to a cold solve."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

import optimizer.solver.strategy as strategy
import optimizer.solver.warmstart.coarse as coarse
from optimizer import SolverOptions, SolveStatus, load_scenario, optimize
from optimizer.formulation.build import build_model
from optimizer.formulation.model_data import ModelData
from optimizer.inputs.assets import BatteryGroup
from optimizer.solver.standard_form import standard_form
from optimizer.solver.strategy import has_block_demand, plan_solve
from optimizer.testing import RTOL, make_scenario, make_unit


def _with(sc, **update):
    return dataclasses.replace(sc, options=sc.options.model_copy(update=update))


def _cold_and_coarse(sc):
    cold = optimize(_with(sc, warm_start="none"))
    warm = optimize(_with(sc, warm_start="coarse"))
    assert cold.status == SolveStatus.OPTIMAL
    assert warm.status == SolveStatus.OPTIMAL
    assert warm.report.raw_status == "Optimal"
    return cold, warm


# --------------------------------------------------------------------------- the coarse LP


def _small(n: int = 24, **kw):
    """Two hours at 5 min: a lossy, self-discharging group and a lossless one, prices that
    move inside each hour, a ramp-free site."""
    rng = np.random.default_rng(7)
    lossy = BatteryGroup(
        name="lossy",
        unit=make_unit(
            power_mw=2.0,
            energy_mwh=4.0,
            charge_efficiency_frac=0.9,
            discharge_efficiency_frac=0.95,
            self_discharge_frac_per_h=0.01,
        ),
        n_units=1,
        initial_soc_frac=0.5,
    )
    lossless = BatteryGroup(name="lossless", unit=make_unit(), n_units=1, initial_soc_frac=0.0)
    load = 5.0 + rng.uniform(0, 1, n)
    price = 30.0 + 20.0 * rng.uniform(0, 1, n)
    return make_scenario(load, price, interval_min=5, groups=[lossy, lossless], **kw), load, price


def _level(sc, minutes):
    m = build_model(sc)
    sf = standard_form(m)
    plan = coarse.plan_coarse(sc.index, sc.interval_min, (minutes,))
    assert plan is not None
    (level,) = coarse.coarse_maps(sf, plan, len(sc.index))
    return m, sf, level, coarse.aggregate(sf, level)


def _col(sf, level, var):
    """Coarse column of a Pyomo variable."""
    j = next(i for i, v in enumerate(sf.columns) if v is var)
    return int(level.col_map[j])


def _row(sf, level, con):
    i = next(i for i, r in enumerate(sf.rows) if r.constraint is con)
    return int(level.row_map[i])


def test_the_aggregated_lp_is_the_hourly_model_by_hand():
    """At 5 -> 60 min: one column per variable and hour, one row per family and hour, with
    the coefficients one writes for an hourly model (derived below from the inputs)."""
    sc, load, price = _small()
    m, sf, level, lp = _level(sc, 60)
    a = lp.a.tocsr()
    dt_h = 5 / 60
    # columns: each of the hour's 12 imports share one coarse column, and the two hours differ
    g0 = {_col(sf, level, m.grid_import_mw[t]) for t in range(12)}
    g1 = {_col(sf, level, m.grid_import_mw[t]) for t in range(12, 24)}
    assert len(g0) == 1
    assert len(g1) == 1
    assert g0 != g1
    (g0,), (g1,) = g0, g1
    # energy cost of an hour's import column: sum_t price_t dt [USD per MW held for the hour]
    assert lp.cost[g1] == pytest.approx(float(np.sum(price[12:24]) * dt_h), rel=1e-12)
    # balance of hour 1: 12 g_1 + ... = sum of the hour's load [MW x intervals]
    rb = _row(sf, level, m.grid_balance[12])
    assert {_row(sf, level, m.grid_balance[t]) for t in range(12, 24)} == {rb}
    assert a[rb, g1] == pytest.approx(12.0)
    assert lp.row_lower[rb] == pytest.approx(float(np.sum(load[12:24])), rel=1e-12)
    assert lp.row_upper[rb] == pytest.approx(float(np.sum(load[12:24])), rel=1e-12)
    # SOC of the lossy group, hour 1: sum_t (s_t - r s_{t-1} - ...) with s constant in an hour
    # = (12 - 11 r) s_1 - r s_0 - 12 etac dt c_1 + 12 dt / etad d_1 = 0
    r = (1 - 0.01) ** dt_h
    s1, s0 = _col(sf, level, m.soc_mwh["lossy", 12]), _col(sf, level, m.soc_mwh["lossy", 0])
    c1, d1 = _col(sf, level, m.charge_mw["lossy", 12]), _col(sf, level, m.discharge_mw["lossy", 12])
    rs = _row(sf, level, m.soc_balance["lossy", 12])
    assert a[rs, s1] == pytest.approx(12 - 11 * r, rel=1e-12)
    assert a[rs, s0] == pytest.approx(-r, rel=1e-12)
    assert a[rs, c1] == pytest.approx(-12 * 0.9 * dt_h, rel=1e-12)
    assert a[rs, d1] == pytest.approx(12 * dt_h / 0.95, rel=1e-12)
    # the two groups keep their own columns and rows
    assert _col(sf, level, m.soc_mwh["lossless", 12]) != s1
    assert _row(sf, level, m.soc_balance["lossless", 12]) != rs
    # hour 0's SOC row carries the initial SOC: sum of the rows' right-hand sides, r s_-1
    r0 = _row(sf, level, m.soc_balance["lossy", 0])
    assert lp.row_lower[r0] == pytest.approx(r * 0.5 * 4.0, rel=1e-12)
    assert level.n_cols < len(sf.columns) / 6


def test_ramp_rows_sum_to_the_hourly_ramp():
    """sum over an hour of (n_t - n_{t-1} <= rise) on the net draw n = g - x, with g and x
    constant in each hour, is n_1 - n_0 <= 12 rise: the hourly ramp limit."""
    sc = load_scenario(
        "grid-stability", start="2021-02-15T00:00", end="2021-02-15T03:00", interval_min=5
    )
    m, sf, level, lp = _level(sc, 60)
    a = lp.a.tocsr()
    rise = 10.0 * 5  # the scenario's 10 MW/min at 5 min [MW per interval]
    rows = {_row(sf, level, m.ramp_up[t]) for t in range(12, 24)}
    assert len(rows) == 1
    (ru,) = rows
    g0, g1 = _col(sf, level, m.grid_import_mw[0]), _col(sf, level, m.grid_import_mw[12])
    x0, x1 = _col(sf, level, m.grid_export_mw[0]), _col(sf, level, m.grid_export_mw[12])
    assert a[ru, g1] == pytest.approx(1.0)
    assert a[ru, g0] == pytest.approx(-1.0)
    assert a[ru, x1] == pytest.approx(-1.0)
    assert a[ru, x0] == pytest.approx(1.0)
    assert a[ru].nnz == 4
    assert lp.row_upper[ru] == pytest.approx(12 * rise)


# --------------------------------------------------------------------------- end to end


def test_coarse_start_reaches_the_cold_optimum_with_every_family():
    sc = load_scenario(
        "grid-stability", start="2021-02-15T00:00", end="2021-02-17T00:00", interval_min=5
    )
    cold, warm = _cold_and_coarse(sc)
    started = warm.report.warm_start
    assert started.method == "coarse"
    assert started.fallback == ""
    assert started.coarse_label == "120 -> 30 min"
    assert len(started.coarse_sizes) == 2
    assert warm.report.algorithm == "simplex (coarse warm start)"
    assert warm.objective_usd == pytest.approx(cold.objective_usd, rel=RTOL)
    assert cold.report.warm_start.as_dict() == {}


def test_coarse_start_with_a_tariff_engine_tariff():
    """TOU windows on 30-min block averages (columns with no interval) stay whole."""
    sc = load_scenario(
        "mlgw-tou", start="2021-03-01T00:00", end="2021-03-08T00:00", interval_min=15
    )
    cold, warm = _cold_and_coarse(sc)
    assert warm.report.warm_start.fallback == ""
    assert warm.objective_usd == pytest.approx(cold.objective_usd, rel=RTOL)


def test_coarse_start_with_two_groups_and_a_demand_charge():
    sc, _, _ = _small(n=288, demand_charge_usd_per_mw=5000.0)
    cold, warm = _cold_and_coarse(sc)
    assert warm.report.warm_start.fallback == ""
    assert warm.objective_usd == pytest.approx(cold.objective_usd, rel=RTOL)


def test_a_failing_coarse_lp_falls_back_to_cold(monkeypatch):
    sc = load_scenario(
        "grid-stability", start="2021-02-15T00:00", end="2021-02-16T00:00", interval_min=5
    )

    def boom(*args, **kwargs):
        msg = "the coarse LP (10 x 10 columns x rows) ended with 'Infeasible'"
        raise RuntimeError(msg)

    cold = optimize(_with(sc, warm_start="none"))
    monkeypatch.setattr(coarse, "coarse_start", boom)
    res = optimize(_with(sc, warm_start="coarse"))
    assert res.status == SolveStatus.OPTIMAL
    assert "Infeasible" in res.report.warm_start.fallback
    assert res.report.algorithm != "simplex (coarse warm start)"
    assert res.objective_usd == pytest.approx(cold.objective_usd, rel=RTOL)


def test_a_final_solve_that_is_not_optimal_falls_back_to_cold(monkeypatch):
    sc = load_scenario(
        "grid-stability", start="2021-02-15T00:00", end="2021-02-16T00:00", interval_min=5
    )
    cold = optimize(_with(sc, warm_start="none"))
    monkeypatch.setitem(strategy.FINAL_OPTIONS, "simplex_iteration_limit", 0)
    res = optimize(_with(sc, warm_start="coarse"))
    assert res.status == SolveStatus.OPTIMAL
    assert "Iteration limit" in res.report.warm_start.fallback
    assert res.objective_usd == pytest.approx(cold.objective_usd, rel=RTOL)


# --------------------------------------------------------------------------- plans


def _warm(index, interval_min, warm_start, *, block_demand=False):
    options = SolverOptions(warm_start=warm_start)
    return plan_solve(
        options, index, interval_min=interval_min, block_demand=block_demand
    ).warm_start


def test_plan_coarse_rules():
    tz = "America/Chicago"
    day5 = pd.date_range("2021-02-15", "2021-02-16", freq="5min", tz=tz, inclusive="left")
    plan = _warm(day5, 5, "auto")
    assert isinstance(plan, coarse.CoarsePlan)
    assert plan.levels_min == (120, 30)
    assert [int(g[-1]) + 1 for g in plan.group_of_t] == [12, 48]
    assert all(np.all(np.diff(g) >= 0) for g in plan.group_of_t)
    assert _warm(day5, 5, "none") is None
    assert plan_solve(SolverOptions(warm_start="coarse")).warm_start is None  # no horizon: cold
    hour = pd.date_range("2021-02-15", "2021-03-15", freq="1h", tz=tz, inclusive="left")
    assert _warm(hour, 60, "auto") is None  # hourly steps: cold (or month blocks)
    assert _warm(hour, 60, "coarse").levels_min == (120,)  # 30 min is finer: left out
    tiny = pd.date_range("2021-02-15", periods=4, freq="15min", tz=tz)
    assert _warm(tiny, 15, "auto") is None  # below the measured minimum
    # the fall-back DST day has 25 hours: 25 hourly groups of 12, no repeated hour merged
    dst = pd.date_range("2021-11-07", "2021-11-08", freq="5min", tz=tz, inclusive="left")
    assert len(dst) == 300
    (g,) = coarse.plan_coarse(dst, 5, (60,)).group_of_t
    assert np.bincount(g).tolist() == [12] * 25


def test_fit_status_moves_to_a_bound_that_exists():
    inf = np.inf
    status = np.array([0, 2, 0, 2, 0, 1], dtype=np.int8)
    lower = np.array([0.0, 0.0, -inf, -inf, -inf, 0.0])
    upper = np.array([1.0, inf, 1.0, 1.0, inf, 1.0])
    assert coarse.fit_status(status, lower, upper).tolist() == [0, 0, 2, 2, 1, 1]


def test_auto_leaves_a_block_demand_lp_cold_at_15_min():
    """Measured: an LP with demand peaks on 30-min block averages (TOU windows) at 15 min
    solves faster cold; at 5 min it gains. The rule keys on the LP's shape, not on the
    tariff's provenance."""
    tz = "America/Chicago"
    month15 = pd.date_range("2021-02-01", "2021-03-01", freq="15min", tz=tz, inclusive="left")
    assert _warm(month15, 15, "auto", block_demand=True) is None
    assert _warm(month15, 15, "auto", block_demand=False) is not None
    assert _warm(month15, 15, "coarse", block_demand=True) is not None  # asked for: given
    week5 = pd.date_range("2021-02-08", "2021-02-15", freq="5min", tz=tz, inclusive="left")
    sc = load_scenario("default", start="2021-02-08T00:00", end="2021-02-09T00:00")
    windows = ModelData.from_scenario(sc).tariff.demand_windows
    assert has_block_demand(windows)  # 30-min blocks at 15 min
    assert not has_block_demand([w for w in windows if w.block_intervals == 1])
    assert _warm(week5, 5, "auto", block_demand=True) is not None
    year15 = pd.date_range("2021-01-01", "2022-01-01", freq="15min", tz=tz, inclusive="left")
    assert _warm(year15, 15, "auto", block_demand=True) is None  # no month blocks either
    assert _warm(year15, 15, "auto", block_demand=False) is not None  # month blocks
    assert _warm(year15, 15, "blocks", block_demand=True) is not None  # asked for: given
    res = optimize(
        load_scenario("default", start="2021-02-08T00:00", end="2021-02-10T00:00", interval_min=15)
    )
    assert (
        res.report.warm_start.as_dict() == {}
    )  # the default scenario (TOU engine) at 15 min: cold


def test_the_summary_says_how_the_lp_was_started():
    sc = load_scenario(
        "grid-stability", start="2021-02-15T00:00", end="2021-02-16T00:00", interval_min=5
    )
    summary = optimize(sc).summary()
    assert summary["algorithm"] == "simplex (coarse warm start)"
    assert summary["warm_start"]["warm_start"] == "coarse"
    assert summary["warm_start"]["coarse_label"] == "120 -> 30 min"
    assert summary["warm_start"]["fallback"] == ""
    assert summary["simplex_iterations"] > 0
    json.dumps(summary)  # JSON-safe for summary.json


def test_a_coarse_group_never_straddles_an_event():
    """An event from 17:00 to 19:00 local (23:00-01:00 UTC) cuts the 120-minute UTC groups in
    half; its first interval and the one after its last start a group of their own, and the rest
    of the clock groups stay as they were. Merged columns take one value, so a group straddling
    the event would carry its cap over the whole group (measured: an infeasible coarse LP on
    grid-stability with event readiness)."""
    tz = "America/Chicago"
    day5 = pd.date_range("2021-02-16", "2021-02-17", freq="5min", tz=tz, inclusive="left")
    first, after = 17 * 12, 19 * 12  # out-of-range breaks below are ignored
    plain = coarse.plan_coarse(day5, 5, (120, 30))
    cut = coarse.plan_coarse(day5, 5, (120, 30), breaks=(first, after, 0, len(day5), 10**6))
    assert plain.group_of_t[0][first] == plain.group_of_t[0][first - 1]  # 120 min straddles
    for g in cut.group_of_t:
        assert g[first] == g[first - 1] + 1
        assert g[after] == g[after - 1] + 1
        inside = set(g[first:after])
        assert not inside & set(g[:first])
        assert not inside & set(g[after:])
        assert np.all(np.diff(g) >= 0)
        assert g[0] == 0
    assert [int(g[-1]) + 1 for g in cut.group_of_t] == [14, 48]  # two 120-min groups cut in two
