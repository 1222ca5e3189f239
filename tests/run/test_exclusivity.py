"""Exclusivity in bounded time (optimizer/run/exclusivity.py): one MIP round with every
negative-price candidate at once, a shared time budget, and fixed modes when the MIP cannot
finish; every path ends with an exclusive schedule and says how."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer import SolverOptions, optimize
from optimizer.formulation.model_data import ModelData
from optimizer.run.exclusivity import candidate_pairs
from optimizer.testing import make_scenario, make_unit


def _negative_prices(seed: int = 3, options: SolverOptions | None = None):
    rng = np.random.default_rng(seed)
    n = 24 * 14
    price = rng.normal(20, 30, n)
    load = 5 + rng.random(n)
    unit = make_unit(charge_efficiency_frac=0.9, discharge_efficiency_frac=0.9)
    return make_scenario(
        load.tolist(), price.tolist(), unit=unit, n_units=3, initial_soc_frac=0.5, options=options
    )


def _overlap(result) -> float:
    s = result.schedule
    return float(np.minimum(s["charge_mw"], s["discharge_mw"]).max())


def test_candidates_are_the_negative_price_intervals():
    sc = _negative_prices()
    data = ModelData.from_scenario(sc)
    cands = candidate_pairs(data)
    assert {t for _, t in cands} == set(np.flatnonzero(data.import_price_usd_per_mwh < 0).tolist())


def test_one_mip_round_reaches_the_exclusive_optimum():
    """Measured on this case: the earlier loop (found pairs only) needed 2 MIP rounds for the
    same cost; with every candidate at once, one round."""
    r = optimize(_negative_prices())
    e = r.exclusivity
    assert e.method == "mip"
    assert e.rounds == 1
    assert e.mip_gap_frac == pytest.approx(0.0, abs=1e-6)
    assert e.n_pairs > 0
    assert e.n_binaries >= e.n_pairs
    assert e.cost_usd == pytest.approx(66.0366, rel=1e-4)
    assert _overlap(r) <= 1e-6
    s = r.summary()
    assert s["exclusivity_method"] == "mip"
    assert s["exclusivity_rounds"] == 1
    assert s["exclusivity_mip_gap"] == pytest.approx(0.0, abs=1e-6)


def test_no_time_for_the_mip_fixes_the_modes_and_is_still_exclusive():
    tight = SolverOptions(exclusivity_time_limit_s=1e-3)
    r = optimize(_negative_prices(options=tight))
    e = r.exclusivity
    assert e.method == "fixed-modes"
    assert e.mip_gap_frac is None
    assert _overlap(r) <= 1e-6
    assert e.cost_usd >= 66.0366 * (1 - 1e-6)  # never better than the MIP optimum
