"""Large LPs drop their Pyomo rows while HiGHS solves (``solve_model(release_rows=True)``):
same optimum, the variables still receive the solution, and the exclusivity re-solve, which
needs the rows again, rebuilds the model. The threshold is lowered here so that small LPs
take that path."""

from __future__ import annotations

import pyomo.environ as pyo
import pytest

import optimizer.solver.solve as solve_mod
from optimizer import load_scenario, optimize
from optimizer.testing import make_scenario, make_unit


@pytest.fixture
def release_everything(monkeypatch):
    monkeypatch.setattr(solve_mod, "RELEASE_ROWS_MIN", 0)


def test_released_rows_give_the_same_optimum_and_schedule():
    sc = load_scenario("default", start="2021-02-15T00:00", end="2021-02-18T00:00", interval_min=60)
    kept = optimize(sc)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(solve_mod, "RELEASE_ROWS_MIN", 0)
        seen = {}
        real = solve_mod.release_model_rows

        def spy(m):
            real(m)
            seen["constraints"] = sum(1 for _ in m.component_objects(pyo.Constraint))
            seen["vars"] = sum(1 for _ in m.component_objects(pyo.Var))

        mp.setattr(solve_mod, "release_model_rows", spy)
        released = optimize(sc)
    assert seen["constraints"] == 0 and seen["vars"] > 0  # the path was taken
    assert released.objective_usd == pytest.approx(kept.objective_usd, rel=1e-9)
    assert (released.schedule["grid_import_mw"] - kept.schedule["grid_import_mw"]).abs().max() < 1e-6


def test_exclusivity_after_released_rows_rebuilds_the_model(release_everything):
    """Known-answer case 8 (negative prices, full battery): the LP charges and discharges at
    once, so the binaries are added; with the rows released that needs a rebuilt model."""
    unit = make_unit(charge_efficiency_frac=0.9, discharge_efficiency_frac=0.9)
    r = optimize(make_scenario([5.0, 5.0], [-20.0, -20.0], unit=unit, initial_soc_frac=1.0))
    assert r.exclusivity.n_pairs == 2
    assert r.objective_usd == pytest.approx(-203.8, abs=1e-6)
