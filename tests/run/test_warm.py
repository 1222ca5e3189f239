"""Warm re-solves match cold solves to 1e-6 and never rebuild for the same structure."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer import load_scenario, optimize
from optimizer.run.warm import WarmSolver


@pytest.fixture(scope="module")
def base():
    return load_scenario(
        "default", start="2021-02-10T00:00", end="2021-02-17T00:00", interval_min=60
    )


def _variants(base):
    site = base.site
    g = site.battery_groups[0]
    out = []
    for k, units, cap in (
        (1.0, 900, 1000.0),
        (1.3, 600, 1000.0),
        (0.7, 1200, 950.0),
        (1.0, 300, 1000.0),
    ):  # the default's reserve and swing need a fleet
        groups = (g.model_copy(update={"n_units": units}),)
        out.append(
            base.replace(
                price_usd_per_mwh=base.price_usd_per_mwh * k,
                site=site.model_copy(update={"battery_groups": groups, "import_limit_mw": cap}),
            )
        )
    return out


def test_warm_matches_cold_and_reuses_the_model(base):
    solver = WarmSolver()
    for sc in _variants(base):
        warm = solver.optimize(sc)
        cold = optimize(sc)
        assert warm.objective_usd == pytest.approx(cold.objective_usd, rel=1e-6)
        assert np.allclose(
            warm.schedule.grid_import_mw.max(), cold.schedule.grid_import_mw.max(), rtol=1e-6
        )
    assert solver.n_builds == 1
    assert solver.n_warm == 3


def test_a_new_structure_builds_a_new_model(base):
    solver = WarmSolver()
    solver.optimize(base)
    shorter = load_scenario(
        "default", start="2021-02-10T00:00", end="2021-02-12T00:00", interval_min=60
    )
    res = solver.optimize(shorter)
    assert solver.n_builds == 2
    assert res.objective_usd == pytest.approx(optimize(shorter).objective_usd, rel=1e-6)
