"""The shipped grid-stability scenario: every family on, one week at 5 minutes, real prices."""

from __future__ import annotations

import pytest

from optimizer import load_scenario, optimize


@pytest.fixture(scope="module")
def result():
    return optimize(load_scenario("grid-stability"))


def test_every_family_is_built_and_holds(result):
    sc = result.scenario
    assert sc.interval_min == 5
    assert sc.n_intervals == 7 * 288
    assert sc.grid.ramp is not None
    assert sc.grid.reserve is not None
    assert sc.grid.flexible_load is not None
    assert sc.swing_up_mw is not None
    assert sc.swing_up_mw.max() > 0
    assert len(sc.grid.events) == 3  # derived from the real TVA load
    grid = result.summary()["grid"]
    assert grid["ramp"]["violations_optimized"] == 0
    assert grid["ramp"]["violations_baseline"] > 0  # the raw GPU load breaks the ramp limit
    assert grid["headroom"]["margin_up_min_mw"] >= -1e-3
    assert grid["headroom"]["margin_down_min_mw"] >= -1e-3
    for ev in grid["events"]:
        assert ev["import_during_max_mw"] <= ev["cap_mw"] + 1e-3
        parts = ev["battery_mwh"] + ev["curtailment_mwh"] + ev["deferral_mwh"] - ev["aux_mwh"]
        assert parts == pytest.approx(ev["reduction_mwh"], abs=1e-3)


def test_holding_swing_and_reserve_costs_money(result):
    """The same run without the swing buffer and reserve is cheaper (or equal): holding headroom
    only removes options."""
    sc = result.scenario
    free = optimize(
        sc.replace(
            swing_up_mw=None,
            swing_down_mw=None,
            grid=sc.grid.model_copy(update={"reserve": None, "swing": None}),
        )
    )
    assert free.objective_usd <= result.objective_usd + 1e-6 * abs(result.objective_usd)
