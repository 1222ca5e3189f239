"""Large LPs drop their Pyomo rows and variables while HiGHS solves (rule release-rows of
``optimizer.solver.strategy``): same optimum, the solution comes back as arrays
(``optimizer.solver.released``), and the exclusivity re-solve, which needs the rows again,
rebuilds the model. The threshold is lowered here so that small LPs take that path."""

from __future__ import annotations

import pytest

import optimizer.solver.strategy as strategy
from optimizer import load_scenario, optimize
from optimizer.formulation.model_data import ModelData
from optimizer.testing import make_scenario, make_unit


@pytest.fixture
def release_everything(monkeypatch):
    monkeypatch.setattr(strategy, "RELEASE_ROWS_MIN", 0)


def test_released_rows_give_the_same_optimum_and_schedule():
    sc = load_scenario("default", start="2021-02-15T00:00", end="2021-02-18T00:00", interval_min=60)
    kept = optimize(sc)
    assert not kept.report.rows_released  # a small LP keeps its rows
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(strategy, "RELEASE_ROWS_MIN", 0)
        released = optimize(sc)
    assert released.report.rows_released  # the path was taken
    assert released.objective_usd == pytest.approx(kept.objective_usd, rel=1e-9)
    assert (
        released.schedule["grid_import_mw"] - kept.schedule["grid_import_mw"]
    ).abs().max() < 1e-6


def test_released_rows_keep_the_solution_as_arrays_and_delete_the_model(release_everything):
    """The rows, the variables and the Params go; every variable's values come back as an
    array, the same as a solve that keeps the model."""
    import numpy as np
    import pyomo.environ as pyo

    from optimizer import SolverOptions, build_model, solve_model
    from optimizer.results.extract import extract_solution
    from optimizer.solver.released import solution_values
    from optimizer.solver.strategy import plan_solve

    sc = make_scenario([5.0, 6.0, 4.0], [20.0, 30.0, 10.0])
    kept = build_model(sc)
    solve_model(kept, sc.options)
    assert solution_values(kept) is None
    m = build_model(sc)
    report = solve_model(
        m, sc.options, plan=plan_solve(SolverOptions(), sc.index, release_rows=True)
    )
    assert report.rows_released
    assert sum(1 for _ in m.component_objects((pyo.Constraint, pyo.Var, pyo.Param))) == 0
    released = solution_values(m)
    assert released is not None
    names = {v.name for v in kept.component_objects(pyo.Var)}
    assert set(released.values) == names
    for name in names:
        want = np.array([v.value for v in getattr(kept, name).values()], dtype=float)
        assert np.allclose(released.values[name], want, atol=1e-9), name
    data = ModelData.from_scenario(sc)
    a, b = extract_solution(m, data), extract_solution(kept, data)
    assert np.allclose(a.grid_import_mw, b.grid_import_mw, atol=1e-9)
    for g in data.groups:
        assert np.allclose(a.groups[g.name]["soc_mwh"], b.groups[g.name]["soc_mwh"], atol=1e-9)


def test_exclusivity_after_released_rows_rebuilds_the_model(release_everything):
    """Known-answer case 8 (negative prices, full battery): the LP charges and discharges at
    once, so the binaries are added; with the rows released that needs a rebuilt model."""
    unit = make_unit(charge_efficiency_frac=0.9, discharge_efficiency_frac=0.9)
    r = optimize(make_scenario([5.0, 5.0], [-20.0, -20.0], unit=unit, initial_soc_frac=1.0))
    assert r.exclusivity.n_pairs == 2
    assert r.objective_usd == pytest.approx(-203.8, abs=1e-6)
