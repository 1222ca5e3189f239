"""Block warm start (optimizer.solver.warmstart.blocks): same optimum as a cold solve, Optimal,
and a safe fallback."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import optimizer.solver.strategy as strategy
import optimizer.solver.warmstart.blocks as blocks
from optimizer import SolverOptions, SolveStatus, load_scenario, optimize
from optimizer.formulation.build import build_model
from optimizer.formulation.model_data import ModelData
from optimizer.solver.standard_form import standard_form
from optimizer.solver.strategy import plan_solve
from optimizer.testing import RTOL


def _with(sc, **update):
    return dataclasses.replace(sc, options=sc.options.model_copy(update=update))


@pytest.fixture(scope="module")
def stability():
    """Every family on (ramp, swing, reserve, events, curtailment, deferral): 3 months at 1 h."""
    return load_scenario(
        "grid-stability", start="2021-01-01T00:00", end="2021-04-01T00:00", interval_min=60
    )


@pytest.fixture(scope="module")
def cold(stability):
    return optimize(_with(stability, warm_start="none"))


def test_blocks_match_the_cold_optimum(stability, cold):
    warm = optimize(_with(stability, warm_start="blocks"))
    assert warm.status == SolveStatus.OPTIMAL
    assert warm.report.raw_status == "Optimal"
    started = warm.report.warm_start
    assert started.method == "blocks"
    assert started.n_blocks == 3
    assert started.fallback == ""
    assert warm.report.algorithm == "simplex (block warm start)"
    assert warm.objective_usd == pytest.approx(cold.objective_usd, rel=RTOL)
    assert cold.report.warm_start.as_dict() == {}  # warm_start="none" is a plain cold solve


def test_blocks_on_the_families_1_to_7_year_scenario():
    sc = load_scenario(
        "year-2021", start="2021-05-01T00:00", end="2021-07-01T00:00", interval_min=60
    )
    warm = optimize(_with(sc, warm_start="blocks"))
    base = optimize(_with(sc, warm_start="none"))
    assert warm.report.warm_start.fallback == ""
    assert warm.report.warm_start.n_blocks == 2
    assert warm.objective_usd == pytest.approx(base.objective_usd, rel=RTOL)


def test_assembled_point_satisfies_the_full_lp(stability):
    """Carried state (SOC, ramp's previous import, backlog, running total) crosses each month
    boundary: the blocks' values together satisfy every row and bound of the full LP."""
    data = ModelData.from_scenario(stability)
    m = build_model(stability, data)
    sf = standard_form(m)
    plan = blocks.plan_blocks(stability.index, {g.name: g.initial_soc_mwh for g in data.groups})
    assert plan is not None
    assert plan.n_blocks == 3
    col_interval, floors = blocks.scan_columns(sf.columns, data.n_intervals, plan)
    assert sorted(floors) == [0, 1]  # a floor at the end of every month but the last
    start = blocks.block_start(sf, col_interval, plan, floors, {"output_flag": False})
    x = start.col_value
    ax = sf.a @ x
    scale = 1.0 + np.abs(ax)
    assert np.all((sf.row_lower - ax) / scale <= 1e-7)
    assert np.all((ax - sf.row_upper) / scale <= 1e-7)
    assert np.all(x >= sf.col_lower - 1e-7)
    assert np.all(x <= sf.col_upper + 1e-7)
    assert start.n_basic_minus_rows == 0  # disjoint monthly blocks: a square basis


def test_a_final_solve_that_is_not_optimal_falls_back_to_cold(stability, cold, monkeypatch):
    monkeypatch.setitem(strategy.FINAL_OPTIONS, "simplex_iteration_limit", 0)
    res = optimize(_with(stability, warm_start="blocks"))
    assert res.status == SolveStatus.OPTIMAL
    assert res.report.raw_status == "Optimal"
    assert "Iteration limit" in res.report.warm_start.fallback
    assert res.report.algorithm != "simplex (block warm start)"
    assert res.objective_usd == pytest.approx(cold.objective_usd, rel=RTOL)


def test_a_bad_basis_still_ends_optimal(stability, cold, monkeypatch):
    """A nonsense basis (every column basic) is repaired by HiGHS or replaced by a cold solve."""
    real = blocks.block_start

    def bad(*args, **kwargs):
        start = real(*args, **kwargs)
        start.col_status[:] = blocks.BASIC
        start.row_status[:] = blocks.LOWER
        return start

    monkeypatch.setattr(blocks, "block_start", bad)
    res = optimize(_with(stability, warm_start="blocks"))
    assert res.status == SolveStatus.OPTIMAL
    assert res.report.raw_status == "Optimal"
    assert res.objective_usd == pytest.approx(cold.objective_usd, rel=RTOL)


def test_a_failing_block_falls_back_to_cold(stability, cold, monkeypatch):
    def boom(*args, **kwargs):
        msg = "block 1 of 3: HiGHS ended with 'Infeasible'"
        raise RuntimeError(msg)

    monkeypatch.setattr(blocks, "block_start", boom)
    res = optimize(_with(stability, warm_start="blocks"))
    assert res.status == SolveStatus.OPTIMAL
    assert "Infeasible" in res.report.warm_start.fallback
    assert res.objective_usd == pytest.approx(cold.objective_usd, rel=RTOL)


def _warm(index, interval_min, warm_start, floors=None):
    options = SolverOptions(warm_start=warm_start)
    return plan_solve(options, index, interval_min=interval_min, soc_floor_mwh=floors).warm_start


def test_plan_blocks_rules():
    tz = "America/Chicago"
    year_h = pd.date_range("2021-01-01", "2022-01-01", freq="1h", tz=tz, inclusive="left")
    plan = _warm(year_h, 60, "auto", {"fleet": 1.0})
    assert isinstance(plan, blocks.BlockPlan)
    assert plan.n_blocks == 12
    assert plan.label == "month"
    assert plan.soc_floor_mwh == {"fleet": 1.0}
    assert np.all(np.diff(plan.block_of_t) >= 0)
    assert _warm(year_h, 60, "none") is None
    assert plan_solve(SolverOptions(warm_start="blocks")).warm_start is None  # no horizon: cold
    quarter = pd.date_range("2021-01-01", "2021-04-01", freq="1h", tz=tz, inclusive="left")
    assert _warm(quarter, 60, "auto") is None  # 2,160 intervals: cold
    assert _warm(quarter, 60, "blocks").n_blocks == 3
    thirty = pd.date_range("2021-02-01", "2021-03-03", freq="5min", tz=tz, inclusive="left")
    assert not isinstance(
        _warm(thirty, 5, "auto"), blocks.BlockPlan
    )  # 2 months: no blocks (coarse)
    one_month = pd.date_range("2021-02-01", "2021-03-01", freq="15min", tz=tz, inclusive="left")
    assert _warm(one_month, 15, "blocks") is None  # one block: nothing to warm
    assert blocks.plan_blocks(one_month, {}) is None


def test_column_spans_propagate_through_shared_columns():
    """A monthly peak p (no interval) spans the blocks of its rows; a column reached only
    through p (a tier on p) inherits that span."""
    import scipy.sparse as sp

    # columns: g0 (block 0), g1 (block 1), p, tier; rows: p - g0 >= 0, p - g1 >= 0, tier - p >= 0
    a = sp.csr_matrix(np.array([[-1, 0, 1, 0], [0, -1, 1, 0], [0, 0, -1, 1]], dtype=float))
    first, last = blocks.column_spans(a, a.tocsc(), np.array([0, 1, -1, -1]), 2)
    assert first.tolist() == [0, 1, 0, 0]
    assert last.tolist() == [0, 1, 1, 1]


def test_blocks_with_a_tariff_engine_tariff():
    """Tariff-engine columns (30-min demand windows, on/off-peak, excess) span each month:
    the warm start still ends at the cold optimum, or falls back to it."""
    sc = load_scenario(
        "mlgw-tou", start="2021-03-01T00:00", end="2021-06-01T00:00", interval_min=60
    )
    warm = optimize(_with(sc, warm_start="blocks"))
    base = optimize(_with(sc, warm_start="none"))
    assert warm.status == SolveStatus.OPTIMAL
    assert warm.report.warm_start.n_blocks == 3
    assert warm.objective_usd == pytest.approx(base.objective_usd, rel=RTOL)


def test_blocks_at_15_min_start_each_month_from_its_coarse_lp():
    """At steps of 15 min or less each month block is itself started from the coarse warm
    start (optimizer.solver.warmstart.coarse on the block's LP); the end point is still the cold
    optimum."""
    sc = load_scenario(
        "year-2021", start="2021-05-01T00:00", end="2021-07-01T00:00", interval_min=15
    )
    warm = optimize(_with(sc, warm_start="blocks"))
    base = optimize(_with(sc, warm_start="none"))
    started = warm.report.warm_start
    assert started.fallback == ""
    assert started.n_blocks == 2
    assert started.block_coarse_label == "120 -> 30 min"
    assert warm.objective_usd == pytest.approx(base.objective_usd, rel=RTOL)
