"""Event readiness (SPEC §8 family 14, issue 19): the fleet holds, at every interval, the energy a
call of an enrolled interruptible programme may need, instead of charging on foreknowledge."""

from __future__ import annotations

import pytest

from optimizer import optimize
from optimizer.inputs.grid import EventProgram, GridRules
from optimizer.testing import make_scenario, make_unit


def _site(hold: bool):
    """Load 100 MW for 4 h, prices 10/50/10/50 USD/MWh; a lossless 50 MW / 60 MWh battery at half
    charge (30 MWh), ending at least there. IP30-like programme: cut to 60 MW firm demand for up to
    1 h, 40 MW interruptible (credited). No event is called.

    Without readiness the arbitrage charges to 60 MWh at hour 0, discharges 50 MW at hour 1
    (SOC 10 MWh), recharges to 60 and discharges 30 at hour 3 (SOC 30, the initial). With
    readiness the fleet must hold (100 - 60) MW x 1 h = 40 MWh at the end of every hour (reachable
    from hour 0: 30 + 50 >= 40), so it may discharge only 20 MW at hours 1 and 3:
    SOC [60, 40, 60, 40]."""
    unit = make_unit(
        power_mw=50, energy_mwh=60, charge_efficiency_frac=1.0, discharge_efficiency_frac=1.0
    )
    sc = make_scenario([100.0] * 4, [10.0, 50.0, 10.0, 50.0], unit=unit, initial_soc_frac=0.5)
    prog = EventProgram(
        name="IP30",
        notice_min=30,
        kind="reduce_to",
        firm_demand_mw=60.0,
        interruptible_mw=40.0,
        credit_usd_per_mw_month=1000.0,
        max_event_duration_h=1.0,
        hold_readiness=hold,
    )
    return sc.replace(grid=GridRules(programs=(prog,)))


def test_readiness_holds_the_energy_of_the_longest_call():
    held = optimize(_site(True)).schedule
    assert held.soc_mwh.to_numpy() == pytest.approx([60.0, 40.0, 60.0, 40.0], abs=1e-6)
    assert held.discharge_mw.iloc[1] == pytest.approx(20.0, abs=1e-6)


def test_without_readiness_the_fleet_empties():
    free = optimize(_site(False)).schedule
    assert free.soc_mwh.min() == pytest.approx(10.0, abs=1e-6)
