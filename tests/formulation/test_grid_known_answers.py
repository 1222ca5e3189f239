"""Hand-derived answers for the grid-stability families (SPEC §4, families 8-12)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from optimizer import InfeasibleError, optimize
from optimizer.inputs.assets import BatteryGroup
from optimizer.inputs.grid import (
    Event,
    EventProgram,
    FlexibleLoad,
    FrequencyReserve,
    GridRules,
    RampLimit,
)
from optimizer.testing import ATOL_MW, make_scenario, make_unit


def _events(sc, cap_mw: float, first: int, last: int, **program):
    idx = sc.index
    step = idx[1] - idx[0]
    prog = EventProgram(name="P", notice_min=30, kind="reduce_to", firm_demand_mw=cap_mw, **program)
    ev = Event(
        event_id="E1",
        program="P",
        start=idx[first].to_pydatetime(),
        end=(idx[last] + step).to_pydatetime(),
    )
    return prog, ev


def test_load_step_met_by_battery_exactly_at_the_ramp_limit():
    """Load 100, 100, 200, 200, 200 MW hourly; import may rise 1 MW/min = 60 MW per hour from an
    initial 100 MW. A lossless 100 MW / 100 MWh battery starts and must end at 50 MWh, with a
    1 USD/MWh wear cost; the price is a flat 30 USD/MWh, so energy moved costs nothing and only
    wear (discharged MWh) matters.

    Let the battery charge x MW at t=1: import there is 100 + x, so at t=2 import can reach
    160 + x and the battery discharges d = 40 - x. The SOC ends 2x - 40 above its start: for
    x < 20 it must be recharged later (no wear), for x > 20 the surplus can only be discharged
    (wear). Wear = 40 - x for x <= 20 and x for x >= 20: least at x = 20. So c[1] = 20,
    import 120 then 180, the rise into t=2 exactly at the 60 MW limit, d[2] = 20, and
    cost = 30 * 800 + 1 * 20 = 24,020 USD."""
    unit = make_unit(power_mw=100, energy_mwh=100, degradation_cost_usd_per_mwh=1.0)
    sc = make_scenario([100, 100, 200, 200, 200], [30] * 5, unit=unit, initial_soc_frac=0.5)
    sc = sc.replace(
        grid=GridRules(
            ramp=RampLimit(rise_mw_per_min=1.0, fall_mw_per_min=1.0, initial_import_mw=100.0)
        )
    )
    res = optimize(sc)
    s = res.schedule
    assert res.objective_usd == pytest.approx(24_020.0, rel=1e-9)
    assert s.charge_mw.iloc[1] == pytest.approx(20.0, abs=1e-6)
    assert s.discharge_mw.iloc[2] == pytest.approx(20.0, abs=1e-6)
    assert s.grid_import_mw.iloc[2] - s.grid_import_mw.iloc[1] == pytest.approx(60.0, abs=1e-6)
    steps = np.diff(np.concatenate(([100.0], s.grid_import_mw.to_numpy())))
    assert steps.max() <= 60.0 + 1e-6
    assert steps.min() >= -60.0 - 1e-6
    grid = res.summary()["grid"]["ramp"]
    assert grid["largest_rise_baseline_mw"] == pytest.approx(100.0)
    assert grid["violations_baseline"] == 1
    assert grid["violations_optimized"] == 0


def test_event_cap_met_by_battery_energy_equal_to_the_area_with_losses():
    """Load 100 MW for 4 hours; an event caps import at 60 MW in hours 1-2, an area of
    2 * 40 = 80 MWh above the cap. With discharge efficiency 0.9 the battery must hold
    80 / 0.9 = 88.889 MWh: a battery of exactly that size, starting full and allowed to end
    empty, just makes it (d = 40 MW in both event hours). Price flat 50 USD/MWh, so the cost
    is 50 * (400 - 80) = 16,000 USD less nothing else (the rest of the energy is zero).
    0.1 % less energy and the event is infeasible: the solver says so."""
    energy = 80 / 0.9
    unit = make_unit(
        power_mw=50, energy_mwh=energy, charge_efficiency_frac=1.0, discharge_efficiency_frac=0.9
    )
    groups = [
        BatteryGroup(name="b", unit=unit, n_units=1, initial_soc_frac=1.0, final_soc_min_frac=0.0)
    ]
    sc = make_scenario([100] * 4, [50] * 4, groups=groups)
    prog, ev = _events(sc, 60.0, 1, 2)
    sc = sc.replace(grid=GridRules(programs=(prog,), events=(ev,)))
    res = optimize(sc)
    s = res.schedule
    assert s.discharge_mw.iloc[1] == pytest.approx(40.0, abs=1e-6)
    assert s.discharge_mw.iloc[2] == pytest.approx(40.0, abs=1e-6)
    assert s.grid_import_mw.iloc[1:3].max() <= 60.0 + 1e-6
    assert res.objective_usd == pytest.approx(16_000.0, rel=1e-9)
    ev_row = res.summary()["grid"]["events"][0]
    assert ev_row["reduction_mwh"] == pytest.approx(80.0, abs=1e-6)
    assert ev_row["battery_mwh"] == pytest.approx(80.0, abs=1e-6)

    small = make_unit(
        power_mw=50,
        energy_mwh=energy * 0.999,
        charge_efficiency_frac=1.0,
        discharge_efficiency_frac=0.9,
    )
    groups = [
        BatteryGroup(name="b", unit=small, n_units=1, initial_soc_frac=1.0, final_soc_min_frac=0.0)
    ]
    short = make_scenario([100] * 4, [50] * 4, groups=groups).replace(
        grid=GridRules(programs=(prog,), events=(ev,))
    )
    with pytest.raises(InfeasibleError):
        optimize(short)


def test_swing_buffer_reduces_arbitrage_power_by_exactly_the_swing():
    """A lossless 10 MW / 100 MWh battery, load 20 MW, prices [10, 100], no export, starts empty
    and may end empty. Without a swing it charges 10 MW at 10 and discharges 10 MW at 100:
    cost 10 * 30 + 100 * 10 = 1,300 USD. A swing of 3 MW up and 3 MW down must stay free:
    up headroom 10 - d + c >= 3 and down headroom 10 - c + d >= 3 leave 7 MW each way:
    cost 10 * 27 + 100 * 13 = 1,570 USD, i.e. 3 MW x 90 USD/MWh spread = 270 USD more."""
    unit = make_unit(power_mw=10, energy_mwh=100)
    groups = [
        BatteryGroup(name="b", unit=unit, n_units=1, initial_soc_frac=0.0, final_soc_min_frac=0.0)
    ]
    sc = make_scenario([20, 20], [10, 100], groups=groups)
    free = optimize(sc)
    assert free.objective_usd == pytest.approx(1_300.0, rel=1e-9)
    swing = pd.Series(3.0, index=sc.index)
    held = optimize(sc.replace(swing_up_mw=swing, swing_down_mw=swing))
    assert held.objective_usd == pytest.approx(1_570.0, rel=1e-9)
    assert held.schedule.charge_mw.iloc[0] == pytest.approx(7.0, abs=1e-6)
    assert held.schedule.discharge_mw.iloc[1] == pytest.approx(7.0, abs=1e-6)
    assert held.schedule.headroom_up_mw.min() >= 3.0 - ATOL_MW


def test_reserve_energy_keeps_stored_energy_for_the_sustain_time():
    """10 MW up reserve sustained for 2 h with discharge efficiency 1 needs 20 MWh stored at all
    times. A lossless 20 MW / 40 MWh battery starting at 30 MWh (terminal >= 30) facing prices
    [100, 10] and load 50 MW would discharge 20 MW at 100 and recharge at 10; with the reserve
    held it may only go down to 20 MWh, so it discharges 10 MW: d = 10 at t=0, c = 10 at t=1.
    Up headroom: 20 - 10 + 0 = 10 >= 10. Cost = 100 * 40 + 10 * 60 = 4,600 USD."""
    unit = make_unit(power_mw=20, energy_mwh=40)
    sc = make_scenario([50, 50], [100, 10], unit=unit, initial_soc_frac=0.75)
    sc = sc.replace(
        grid=GridRules(reserve=FrequencyReserve(up_mw=10.0, down_mw=0.0, sustain_h=2.0))
    )
    res = optimize(sc)
    assert res.objective_usd == pytest.approx(4_600.0, rel=1e-9)
    assert res.schedule.soc_mwh.min() >= 20.0 - 1e-6


@pytest.mark.parametrize(("deadline_h", "expected_usd"), [(1.0, 950.0), (2.0, 850.0)])
def test_deferral_moves_gpu_energy_to_cheaper_hours_within_its_deadline(deadline_h, expected_usd):
    """No battery. GPU load [10, 5, 5] MW (all GPU, rating 10 MW = the peak), prices [100, 50, 10],
    half the GPU load deferrable, backlog up to 10 MWh, no deferral cost. Variables: deferred v,
    recovered w (w <= 10 - L: 0, 5, 5), backlog B[t] = B[t-1] + v - w, B[2] = 0.
    Cost = 1300 - 90 v0 - 40 v1 + 40 w1 after eliminating w2 = v0 + v1 - w1 (v2 = 0 is optimal).
    Deadline 1 h: B1 <= v1 forces w1 >= v0, so cost = 1300 - 50 v0 - 40 v1 = 950 (v0 = 5, v1 = 2.5).
    Deadline 2 h: only w2 <= 5 binds, w1 >= v0 + v1 - 5 = 2.5: cost 1300 - 450 - 100 + 100 = 850.
    Baseline 100*10 + 50*5 + 10*5 = 1,300 USD."""
    unit = make_unit(power_mw=1, energy_mwh=1)
    groups = [BatteryGroup(name="b", unit=unit, n_units=0, initial_soc_frac=0.0)]
    sc = make_scenario([10, 5, 5], [100, 50, 10], groups=groups)
    flex = FlexibleLoad(
        deferrable_share_frac=0.5, deferral_deadline_h=deadline_h, max_backlog_mwh=10.0
    )
    res = optimize(sc.replace(grid=GridRules(flexible_load=flex)))
    assert res.costs.loc["total", "baseline_usd"] == pytest.approx(1_300.0)
    assert res.objective_usd == pytest.approx(expected_usd, rel=1e-9)
    s = res.schedule
    assert s.deferred_mw.sum() == pytest.approx(s.recovered_mw.sum(), abs=1e-9)  # energy conserved
    assert s.backlog_mwh.iloc[-1] == pytest.approx(0.0, abs=1e-9)


def test_curtailment_priced_as_lost_compute():
    """Load 100 MW all GPU, 20 % curtailable at 150 USD/MWh, no battery; prices [100, 200]:
    curtail only where the price exceeds kappa: 20 MW at t=1. Cost = 100*100 + 200*80 + 150*20
    = 29,000 USD."""
    unit = make_unit(power_mw=1, energy_mwh=1)
    groups = [BatteryGroup(name="b", unit=unit, n_units=0, initial_soc_frac=0.0)]
    sc = make_scenario([100, 100], [100, 200], groups=groups)
    flex = FlexibleLoad(curtailable_share_frac=0.2, curtailment_cost_usd_per_mwh=150.0)
    res = optimize(sc.replace(grid=GridRules(flexible_load=flex)))
    assert res.objective_usd == pytest.approx(29_000.0, rel=1e-9)
    assert res.schedule.curtailed_mw.tolist() == pytest.approx([0.0, 20.0], abs=1e-6)


def test_unreachable_event_cap_names_event_interval_and_missing_mw():
    """Load 100 MW, a 10 MW battery, 10 % of GPU load curtailable: at most 20 MW can come off.
    An event capping import at 70 MW misses by 100 - 10 - 10 - 70 = 10 MW."""
    unit = make_unit(power_mw=10, energy_mwh=40)
    sc = make_scenario([100] * 4, [50] * 4, unit=unit, initial_soc_frac=1.0)
    prog, ev = _events(sc, 70.0, 1, 2)
    flex = FlexibleLoad(curtailable_share_frac=0.1, curtailment_cost_usd_per_mwh=500.0)
    sc = sc.replace(grid=GridRules(programs=(prog,), events=(ev,), flexible_load=flex))
    with pytest.raises(InfeasibleError) as err:
        optimize(sc)
    msg = str(err.value)
    assert "event E1" in msg
    assert "10.000 MW missing" in msg
    assert sc.index[1].isoformat() in msg


def test_ramp_with_paid_export_limits_the_net_draw():
    """Issue 18: hourly load [100, 80, 80], a 0.1 MW/min (6 MW per hour) ramp and export paid the
    wholesale price. A limit on import alone was met by importing and exporting at once
    (import 94, export 14: bill 30 * (100 + 80 + 80) = 7,800 USD); the reported, netted schedule
    then broke the ramp and the run ended in ResultCheckError.

    The grid sees the net draw n = g - x = L + c - d: export cannot change it, only the battery
    can. The battery starts empty (d = 0), so n0 >= 100, and n may fall 6 MW an hour: n1 >= 94,
    n2 >= 88, so the lossless battery charges c1 = 14 and c2 = 8 MW (22 MWh kept; the final SOC
    is free). Export stays 0 and the bill is 30 * (100 + 94 + 88) = 8,460 USD. With a 1 MW
    battery the net draw cannot follow: infeasible, 13 MW short at hour 1."""
    unit = make_unit(
        power_mw=20, energy_mwh=30, charge_efficiency_frac=1.0, discharge_efficiency_frac=1.0
    )
    sc = make_scenario(
        [100, 80, 80],
        [30, 30, 30],
        unit=unit,
        export_limit_mw=100,
        export_compensation="wholesale",
        final_soc_min_frac=0.0,
    )
    sc = sc.replace(grid=GridRules(ramp=RampLimit(rise_mw_per_min=0.1, fall_mw_per_min=0.1)))
    res = optimize(sc)
    s = res.schedule
    net = (s.grid_import_mw - s.grid_export_mw).to_numpy()
    assert net == pytest.approx([100.0, 94.0, 88.0], abs=1e-6)
    assert s.charge_mw.to_numpy() == pytest.approx([0.0, 14.0, 8.0], abs=1e-6)
    assert res.objective_usd == pytest.approx(30 * (100 + 94 + 88), rel=1e-9)
    small = sc.replace(
        site=sc.site.model_copy(
            update={
                "battery_groups": (
                    sc.site.battery_groups[0].model_copy(
                        update={"unit": make_unit(power_mw=1, energy_mwh=1)}
                    ),
                )
            }
        )
    )
    with pytest.raises(InfeasibleError, match="13.000 MW short"):
        optimize(small)
