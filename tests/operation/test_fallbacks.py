"""Rolling operation never stops on an infeasible window: known answers of the fallback order.

The site: 100 MW of load, then a step. One lossless 50 MW / 100 MWh battery starting half full
(50 MWh) with a 1 USD/MWh wear cost, a flat 30 USD/MWh price, so every window plans to stay
idle unless the load moves. Hourly steps, 12 hours; the persistence forecast is the last
observed load (the horizon is shorter than its 24 h lag), so no window sees a step coming and
the battery meets the realised load by holding the planned import, within its power and energy.
"""

from __future__ import annotations

import pandas as pd
import pytest

from optimizer.inputs.grid import GridRules, RampLimit
from optimizer.operation.operate import operate
from optimizer.operation.replan import FALLBACK_ORDER
from optimizer.testing import make_scenario, make_unit

UNIT = make_unit(power_mw=50, energy_mwh=100, degradation_cost_usd_per_mwh=1.0)


def _ramped(step_mw: float):
    """Load 100 MW for 3 h, then 100 + ``step_mw``; import may move 0.5 MW/min = 30 MW an hour."""
    sc = make_scenario(
        [100.0] * 3 + [100.0 + step_mw] * 9, [30.0] * 12, unit=UNIT, initial_soc_frac=0.5
    )
    ramp = RampLimit(rise_mw_per_min=0.5, fall_mw_per_min=0.5, initial_import_mw=100.0)
    return sc.replace(grid=GridRules(ramp=ramp))


def test_a_load_step_beyond_battery_and_ramp_is_replanned_with_an_elastic_ramp():
    """The load steps 100 -> 200 MW at 03:00. The window issued at 03:00 planned 100 MW (flat
    forecast); the battery covers 50 MW (its power, all its 50 MWh), so the grid takes 150 MW:
    a rise of 50 against 30 allowed, 20 MW broken, and the fleet is empty.

    The window issued at 04:00 then forecasts 200 MW from an import of 150 MW with an empty
    fleet: no plan meets the ramp (at most 180 MW). Re-planned with the ramp elastic, it breaks
    it by the least possible, 20 MW at 04:00, and nothing else; the grid then takes 200 MW, so
    the realised schedule breaks the ramp a second time by 20 MW. The full-horizon optimum
    (which sees the step and charges ahead) exists, so the roll must finish and say all this."""
    res = operate(_ramped(100.0), "persistence", window="48h", step="1h")
    s = res.summary()
    t3, t4 = (pd.Timestamp(f"2021-02-01 0{h}:00", tz="America/Chicago") for h in (3, 4))
    assert res.schedule.grid_import_mw.loc[t3] == pytest.approx(150.0, abs=1e-6)
    assert res.schedule.grid_import_mw.loc[t4] == pytest.approx(200.0, abs=1e-6)
    assert s["fallbacks"] == {"terminal": 0, "ramp": 1, "grid": 0}
    (f,) = s["fallback_windows"]
    assert f["window_start"] == t4.isoformat()
    assert f["rule"] == "ramp"
    assert (f["limit"], f["at"]) == ("ramp_up", t4.isoformat())
    assert f["break_mw"] == pytest.approx(20.0, abs=1e-6)
    assert f["total_break_mw"] == pytest.approx(20.0, abs=1e-5)  # the least: nothing elsewhere
    assert s["largest_planned_break_mw"] == pytest.approx(20.0, abs=1e-6)
    assert s["violations"]["ramp"] == 2
    ramp = s["realised_breaks"]["ramp_up"]
    assert ramp["intervals"] == 2
    assert ramp["largest_mw"] == pytest.approx(20.0, abs=1e-6)
    assert ramp["at"] == t3.isoformat()  # the first of the two equal breaks
    assert set(s["realised_breaks"]) == {"ramp_up"}
    assert s["reference_fallbacks"] == 0  # with a perfect forecast the step is met in the plan
    soc = res.schedule.soc_mwh
    assert soc.min() >= -1e-9
    assert soc.max() <= 100.0 + 1e-9  # the battery's limits stay hard


def test_a_load_step_within_battery_and_ramp_needs_no_fallback():
    """The load steps 100 -> 120 MW: the battery holds the planned 100 MW (20 MW for an hour),
    and the next window ramps the import up within 30 MW. No fallback, no broken limit."""
    res = operate(_ramped(20.0), "persistence", window="48h", step="1h")
    s = res.summary()
    assert s["fallbacks"] == dict.fromkeys(FALLBACK_ORDER, 0)
    assert s["fallback_windows"] == []
    assert s["realised_breaks"] == {}
    assert s["largest_planned_break_mw"] == 0.0
    assert s["largest_realised_break_mw"] == 0.0
    assert s["violations"]["ramp"] == 0
    assert res.schedule.discharge_mw.max() == pytest.approx(20.0, abs=1e-6)


def test_an_import_cap_the_fleet_cannot_hold_is_broken_by_the_least_mw():
    """No ramp; a 150 MW import cap. The load is 190 MW at 03:00 and 04:00. At 03:00 the
    battery covers 50 MW (all it holds), the grid 140 MW. The window issued at 04:00 forecasts
    190 MW for its 8 hours with an empty fleet: the cap cannot hold (the ramp stage has nothing
    to relax), so the terminal rule is dropped and the grid limits are made elastic: the cap is
    broken by 40 MW in each of the 8 hours, 320 MW in all. The realised 04:00 takes 190 MW from
    the grid, 40 MW above the cap; at 05:00 the load is back at 100 MW and the battery's charge
    holds the import at the cap."""
    load = [100.0] * 3 + [190.0] * 2 + [100.0] * 7
    sc = make_scenario(load, [30.0] * 12, unit=UNIT, initial_soc_frac=0.5, import_limit_mw=150.0)
    res = operate(sc, "persistence", window="48h", step="1h")
    s = res.summary()
    t4 = pd.Timestamp("2021-02-01 04:00", tz="America/Chicago")
    grid = [f for f in s["fallback_windows"] if f["rule"] == "grid"]
    assert grid[0]["window_start"] == t4.isoformat()
    assert (grid[0]["limit"], grid[0]["at"]) == ("import_cap", t4.isoformat())
    assert grid[0]["break_mw"] == pytest.approx(40.0, abs=1e-6)
    assert grid[0]["total_break_mw"] == pytest.approx(320.0, abs=1e-5)
    assert s["fallbacks"]["ramp"] == 0
    assert s["fallbacks"]["terminal"] == s["fallbacks"]["grid"]  # the grid stage drops the rule
    assert s["violations"]["import_cap"] == 1
    assert s["realised_breaks"] == {
        "import_limit": {"intervals": 1, "largest_mw": pytest.approx(40.0), "at": t4.isoformat()}
    }
    assert res.schedule.grid_import_mw.max() == pytest.approx(190.0, abs=1e-6)


def test_the_cli_warns_in_one_line_with_the_counts_and_the_worst_break(capsys):
    """``bess-dispatch operate`` prints one warning line from the summary; none when clean."""
    from optimizer.cli.operate import warn_fallbacks

    s = operate(_ramped(100.0), "persistence", window="48h", step="1h").summary()
    warn_fallbacks(s)
    line = " ".join(capsys.readouterr().err.split())
    assert line.startswith("warning: 1 fallback step(s)")
    assert "ramp elastic 1" in line
    assert "largest planned break 20.0 MW" in line
    assert "ramp_up in 2 intervals, worst 20.0 MW (ramp_up at 2021-02-01T03:00:00-06:00)" in line
    warn_fallbacks({"fallbacks": dict.fromkeys(FALLBACK_ORDER, 0), "realised_breaks": {}})
    assert capsys.readouterr().err == ""
