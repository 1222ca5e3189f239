"""Event readiness (SPEC §8 family 14, issue 19): the fleet holds, at every interval, the energy a call of
an enrolled interruptible programme may need, instead of charging on foreknowledge. On by default."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer import SolveStatus, load_scenario, optimize
from optimizer.errors import InfeasibleError
from optimizer.formulation.build import build_model
from optimizer.formulation.model_data import ModelData
from optimizer.inputs.grid import Event, EventProgram, GridRules
from optimizer.results.checks import Tolerances, check_energy_floor
from optimizer.results.extract import extract_solution
from optimizer.solver.solve import solve_model
from optimizer.testing import make_scenario, make_unit


def _program(**update) -> EventProgram:
    """IP30-like: cut to 60 MW firm demand for up to 1 h, 40 MW interruptible (credited)."""
    prog = EventProgram(
        name="IP30",
        notice_min=30,
        kind="reduce_to",
        firm_demand_mw=60.0,
        interruptible_mw=40.0,
        credit_usd_per_mw_month=1000.0,
        max_event_duration_h=1.0,
    )
    return prog.model_copy(update=update)


def _site(hold: bool):
    """Load 100 MW for 4 h, prices 10/50/10/50 USD/MWh; a lossless 50 MW / 60 MWh battery at half
    charge (30 MWh), ending at least there. The IP30-like programme; no event is called.

    Without readiness the arbitrage charges to 60 MWh at hour 0, discharges 50 MW at hour 1
    (SOC 10 MWh), recharges to 60 and discharges 30 at hour 3 (SOC 30, the initial). With
    readiness the fleet must hold (100 - 60) MW x 1 h = 40 MWh at the end of every hour (reachable
    from hour 0: 30 + 50 >= 40), so it may discharge only 20 MW at hours 1 and 3:
    SOC [60, 40, 60, 40]."""
    unit = make_unit(
        power_mw=50, energy_mwh=60, charge_efficiency_frac=1.0, discharge_efficiency_frac=1.0
    )
    sc = make_scenario([100.0] * 4, [10.0, 50.0, 10.0, 50.0], unit=unit, initial_soc_frac=0.5)
    return sc.replace(grid=GridRules(programs=(_program(hold_readiness=hold),)))


def test_readiness_is_on_by_default():
    assert EventProgram.model_fields["hold_readiness"].default is True
    assert _program().hold_readiness


def test_readiness_holds_the_energy_of_the_longest_call():
    held = optimize(_site(True)).schedule
    assert held.soc_mwh.to_numpy() == pytest.approx([60.0, 40.0, 60.0, 40.0], abs=1e-6)
    assert held.discharge_mw.iloc[1] == pytest.approx(20.0, abs=1e-6)


def test_without_readiness_the_fleet_empties():
    free = optimize(_site(False)).schedule
    assert free.soc_mwh.min() == pytest.approx(10.0, abs=1e-6)


def _called(**program):
    """Load 100 MW for 8 h, import limit 120 MW (20 MW left to charge), prices 10, 12, 14, 10, 100,
    10, 12, 100 USD/MWh; a lossless 50 MW / 100 MWh battery at 50 MWh, final SOC free. The
    IP30-like programme (readiness by default) is called at hour 3: import <= 60 MW."""
    unit = make_unit(
        power_mw=50, energy_mwh=100, charge_efficiency_frac=1.0, discharge_efficiency_frac=1.0
    )
    prices = [10.0, 12.0, 14.0, 10.0, 100.0, 10.0, 12.0, 100.0]
    sc = make_scenario(
        [100.0] * 8,
        prices,
        unit=unit,
        initial_soc_frac=0.5,
        final_soc_min_frac=0.0,
        import_limit_mw=120.0,
    )
    step = sc.index[1] - sc.index[0]
    call = Event(
        event_id="C1",
        program="IP30",
        start=sc.index[3].to_pydatetime(),
        end=(sc.index[3] + step).to_pydatetime(),
    )
    return sc.replace(grid=GridRules(programs=(_program(**program),), events=(call,)))


def test_the_floor_is_spent_in_a_call_and_phased_in_from_a_ready_fleet():
    """F = (100 - 60) MW x 1 h = 40 MWh outside the call, 0 inside it. At the call the reach
    restarts from a fleet that held the floor and no more (40 MWh), which the call empties;
    charging 20 MW it holds 20 MWh after hour 4 and 40 after hour 5: F = [40, 40, 40, 0, 20,
    40, 40, 40]. The schedule fills to 100 MWh by hour 2 (20, 20, 10 MW, cheapest first within
    the 20 MW left), the call takes 40, and it discharges down to the floor at the 100 USD hours:
    40 MW at hour 4 (SOC 20), then after recharging 20 MW at hours 5 and 6, 20 MW at hour 7
    (SOC 40); without readiness 50 and 50 (SOC 10, then 0)."""
    sc = _called()
    floor = ModelData.from_scenario(sc).energy_floor
    assert floor is not None
    assert floor.level == "event readiness"
    assert floor.floor_mwh == pytest.approx([40, 40, 40, 0, 20, 40, 40, 40], abs=1e-9)
    held = optimize(sc).schedule
    soc = held.soc_mwh.to_numpy()
    assert soc == pytest.approx([70, 90, 100, 60, 20, 40, 60, 40], abs=1e-6)
    outside = held.event.to_numpy() == ""
    assert outside.tolist() == [True] * 3 + [False] + [True] * 4
    assert np.all(soc[outside] >= floor.floor_mwh[outside] - 1e-6)  # held at every interval
    free = optimize(_called(hold_readiness=False)).schedule.soc_mwh.to_numpy()
    assert free == pytest.approx([70, 90, 100, 60, 10, 30, 50, 0], abs=1e-6)


def test_the_invariant_check_catches_a_schedule_below_the_readiness_floor():
    """The schedule planned without readiness, checked against the default (readiness on) data:
    below the floor at hours 4, 5 and 7 (10 < 20, 30 < 40, 0 < 40 MWh)."""
    free_sc = _called(hold_readiness=False)
    sol = _solved(free_sc, ModelData.from_scenario(free_sc))
    held_sc = _called()
    data = ModelData.from_scenario(held_sc)
    issues = check_energy_floor(held_sc.index, data, sol, Tolerances.for_data(data, 1e4))
    assert len(issues) == 1
    assert "event-readiness floor" in issues[0].what
    assert issues[0].timestamp == held_sc.index[4].isoformat()
    assert issues[0].got == "40 MWh past it at worst, 3 interval(s)"
    held = _solved(held_sc, data)
    assert not check_energy_floor(held_sc.index, data, held, Tolerances.for_data(data, 1e4))


def _solved(sc, data):
    """The LP's schedule of ``sc`` as a Solution (no result checks)."""
    m = build_model(sc, data)
    solve_model(m, sc.options)
    return extract_solution(m, data)


def test_grid_stability_with_a_call_is_feasible_with_readiness_on():
    """The shipped grid-stability scenario over an afternoon and evening with the 17:00-19:00 IP30
    call, 5-minute steps, every family on: optimal with the readiness floor held (its coarse warm
    start taken: the coarse groups stop at the call's edges), the floor 0 during the call and
    below full right after it, and the call's cap met."""
    sc = load_scenario("grid-stability", start="2021-02-16T12:00", end="2021-02-17T00:00")
    events = sc.event_table()
    assert len(events) == 1
    first, last = int(events["first"].iloc[0]), int(events["last"].iloc[0])
    floor = ModelData.from_scenario(sc).energy_floor
    assert floor is not None
    assert floor.level == "event readiness"
    assert np.all(floor.floor_mwh[first : last + 1] == 0)
    assert floor.floor_mwh[last + 1] < 0.75 * floor.floor_mwh[first - 1]  # phased in again
    res = optimize(sc)
    assert res.status == SolveStatus.OPTIMAL
    assert res.summary()["warm_start"]["fallback"] == ""
    s = res.schedule
    soc = s.soc_mwh.to_numpy()
    held = floor.floor_mwh > 0
    assert np.all(soc[held] >= floor.soc_min_mwh + floor.floor_mwh[held] - 1e-6)
    assert s.grid_import_mw.iloc[first : last + 1].max() <= 400.0 + 1e-6


def test_an_infeasible_readiness_floor_is_explained():
    """The fleet must end at most 10 MWh full, but the floor asks 40 MWh at the last hour: the
    elastic re-solve names the floor, its interval and the 30 MWh short (not a crash, not 'the
    elastic re-solve also failed')."""
    sc = _called()
    group = sc.site.battery_groups[0].model_copy(update={"final_soc_max_frac": 0.1})
    sc = sc.replace(site=sc.site.model_copy(update={"battery_groups": (group,)}))
    with pytest.raises(InfeasibleError) as info:
        optimize(sc)
    (issue,) = info.value.issues
    assert issue.field == "floor_energy"
    assert issue.timestamp == sc.index[7].isoformat()
    assert issue.got.startswith("30.000 MWh short at worst")
