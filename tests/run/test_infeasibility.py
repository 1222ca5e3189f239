"""Infeasible studies are explained: which family, which interval, how many MW or MWh."""

from __future__ import annotations

import pytest

from optimizer import InfeasibleError, optimize
from optimizer.inputs.assets import BatteryGroup
from optimizer.inputs.grid import Event, EventProgram, GridRules, RampLimit
from optimizer.testing import make_scenario, make_unit


def test_event_energy_shortfall_is_reported_in_mw_at_the_interval():
    """An event needs 80 MWh at the meter (2 h x 40 MW above a 60 MW cap); the battery holds 5 %
    too little: 0.95 * 80 / 0.9 MWh, i.e. it delivers 76 MWh. The elastic re-solve puts the
    missing 4 MWh in the event hour where it is cheapest to miss: 4 MW in one hour."""
    unit = make_unit(power_mw=50, energy_mwh=80 / 0.9 * 0.95, discharge_efficiency_frac=0.9)
    groups = [
        BatteryGroup(name="b", unit=unit, n_units=1, initial_soc_frac=1.0, final_soc_min_frac=0.0)
    ]
    sc = make_scenario([100] * 4, [50] * 4, groups=groups)
    prog = EventProgram(name="P", notice_min=30, kind="reduce_to", firm_demand_mw=60)
    ev = Event(
        event_id="E1",
        program="P",
        start=sc.index[1].to_pydatetime(),
        end=sc.index[3].to_pydatetime(),
    )
    with pytest.raises(InfeasibleError) as err:
        optimize(sc.replace(grid=GridRules(programs=(prog,), events=(ev,))))
    issue = err.value.issues[0]
    assert issue.field == "event_cap"
    assert "4.000 MW" in issue.got
    assert issue.timestamp in {sc.index[1].isoformat(), sc.index[2].isoformat()}


def test_ramp_infeasibility_names_the_ramp_family():
    """A 300 MW load step against a 1 MW/min limit (60 MW per hour) with only a 100 MW battery:
    import must rise 300 - 100 = 200 MW in one hour, 140 MW more than allowed, unless it rises
    earlier; but the load before is flat and there is no way to raise import (battery full).
    The elastic re-solve reports ramp rows."""
    unit = make_unit(power_mw=100, energy_mwh=100)
    groups = [
        BatteryGroup(name="b", unit=unit, n_units=1, initial_soc_frac=1.0, final_soc_min_frac=0.0)
    ]
    sc = make_scenario([100, 400, 400], [50] * 3, groups=groups)
    sc = sc.replace(
        grid=GridRules(
            ramp=RampLimit(rise_mw_per_min=1.0, fall_mw_per_min=1.0, initial_import_mw=100.0)
        )
    )
    with pytest.raises(InfeasibleError) as err:
        optimize(sc)
    fields = {i.field for i in err.value.issues}
    assert fields & {"ramp_up", "ramp_down"}
    assert "ramp" in str(err.value)


def test_raise_on_failure_false_returns_the_reason():
    unit = make_unit(power_mw=100, energy_mwh=100)
    groups = [
        BatteryGroup(name="b", unit=unit, n_units=1, initial_soc_frac=1.0, final_soc_min_frac=0.0)
    ]
    sc = make_scenario([100, 400, 400], [50] * 3, groups=groups)
    sc = sc.replace(
        grid=GridRules(
            ramp=RampLimit(rise_mw_per_min=1.0, fall_mw_per_min=1.0, initial_import_mw=100.0)
        )
    )
    res = optimize(sc, raise_on_failure=False)
    assert res.status == "infeasible"
    assert res.issues
    assert "ramp" in res.issues[0].message()
