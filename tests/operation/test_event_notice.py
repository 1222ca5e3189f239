"""Events in rolling operation are known only from their notice (issue 19, SPEC §8 family 11)."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.inputs.grid import Event, EventProgram, GridRules, RampLimit
from optimizer.operation.operate import notice_positions, operate
from optimizer.testing import make_scenario, make_unit


def _site(with_event: bool):
    """6 h at 15 min, load 100 MW, flat 50 USD/MWh; a 50 MW / 50 MWh battery at half charge;
    ramp 1 MW/min (15 MW per interval); mu = 1 USD/MW. The event (IP30, 30-min notice) caps
    import at 60 MW from 02:00 to 02:30 (intervals 8 and 9), announced at 01:30 (interval 6)."""
    sc = make_scenario(
        [100.0] * 24,
        [50.0] * 24,
        interval_min=15,
        unit=make_unit(power_mw=50, energy_mwh=50),
        initial_soc_frac=0.5,
    )
    prog = EventProgram(name="IP30", notice_min=30, kind="reduce_to", firm_demand_mw=60.0)
    idx = sc.index
    events = (
        (
            Event(
                event_id="E1",
                program="IP30",
                start=idx[8].to_pydatetime(),
                end=idx[10].to_pydatetime(),
            ),
        )
        if with_event
        else ()
    )
    ramp = RampLimit(rise_mw_per_min=1.0, fall_mw_per_min=1.0)
    return sc.replace(
        grid=GridRules(movement_cost_usd_per_mw=1.0, ramp=ramp, programs=(prog,), events=events)
    )


def test_notice_position_is_the_first_interval_at_or_after_the_notice():
    """Start 02:00 minus 30 min = 01:30, the start of interval 6 at 15 min."""
    assert notice_positions(_site(True)) == {"E1": 6}


def test_no_preparatory_move_before_the_notice():
    """Hourly steps issue windows at 00:00 and 01:00; the notice at 01:30 cuts the second step to
    two intervals and the window issued at 01:30 is the first to know the event. Up to 01:30 the
    committed draw is exactly the draw of the same run with no event; from the notice the fall to
    the 60 MW cap is the utility's order (fall limit (import limit - cap) / 3 intervals), and
    the cap is met."""
    with_event = operate(_site(True), "perfect", window="4h", step="1h")
    without = operate(_site(False), "perfect", window="4h", step="1h")
    g = with_event.schedule.grid_import_mw.to_numpy()
    g0 = without.schedule.grid_import_mw.to_numpy()
    assert g[:6] == pytest.approx(g0[:6], abs=1e-6)
    assert with_event.violations["event_cap"] == 0
    assert g[8:10].max() <= 60.0 + 1e-6
    assert with_event.n_solves == without.n_solves + 1  # the extra re-plan at the notice
    assert g[:6] == pytest.approx(np.full(6, 100.0), abs=1e-6)


def test_perfect_foresight_still_pre_charges_on_foreknowledge():
    """The full-horizon LP knows the event from 00:00 and charges ahead of it (draw above the
    100 MW load before the notice). Rolling operation does not; SPEC §8 family 14 (event
    readiness, another change) is what makes perfect foresight hold that energy honestly."""
    from optimizer import optimize

    g = optimize(_site(True)).schedule.grid_import_mw.to_numpy()
    assert g[:6].min() > 100.0 + 1e-3
