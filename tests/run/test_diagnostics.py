"""The SPEC §6 checks must catch a corrupted schedule: each family, one corruption."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer import optimize
from optimizer.errors import ResultCheckError
from optimizer.formulation.model_data import ModelData
from optimizer.results.checks import check_solution
from optimizer.results.costs import baseline_terms, bill_terms
from optimizer.results.extract import Solution
from optimizer.testing import make_scenario, make_unit


@pytest.fixture(scope="module")
def solved():
    unit = make_unit(
        power_mw=5,
        energy_mwh=10,
        charge_efficiency_frac=0.9,
        discharge_efficiency_frac=0.95,
        degradation_cost_usd_per_mwh=2,
    )
    sc = make_scenario(
        [20, 25, 40, 30, 20, 35],
        [20, 15, 90, 60, 10, 120],
        unit=unit,
        initial_soc_frac=0.5,
        import_limit_mw=50,
        demand_charge_usd_per_mw=100,
    )
    res = optimize(sc)
    data = ModelData.from_scenario(sc)
    s = res.schedule
    groups = {
        "bess": {
            "charge_mw": s.charge_mw.to_numpy().copy(),
            "discharge_mw": s.discharge_mw.to_numpy().copy(),
            "soc_mwh": s.soc_mwh.to_numpy().copy(),
        }
    }
    return (
        sc,
        data,
        s.grid_import_mw.to_numpy().copy(),
        s.grid_export_mw.to_numpy().copy(),
        groups,
        res.report.objective_usd,
    )


def _check(sc, data, g, x, groups, objective):
    z = np.zeros(len(g))
    sol = Solution(g, x, groups, z, z, z, z, z, z)
    terms = bill_terms(data, sol)
    check_solution(sc.index, data, sol, terms, baseline_terms(data), True, objective)


def test_clean_solution_passes(solved):
    _check(*solved)


@pytest.mark.parametrize(
    ("corrupt", "needle"),
    [
        (lambda g, x, gr: g.__setitem__(2, g[2] + 0.5), "power balance"),
        (
            lambda g, x, gr: gr["bess"]["soc_mwh"].__setitem__(3, gr["bess"]["soc_mwh"][3] + 0.2),
            "SOC recursion",
        ),
        (lambda g, x, gr: gr["bess"]["charge_mw"].__setitem__(1, 7.0), "charge above its limit"),
        (lambda g, x, gr: g.__setitem__(0, 60.0), "import above the interconnection cap"),
    ],
)
def test_corruptions_are_caught(solved, corrupt, needle):
    sc, data, g, x, groups, objective = solved
    g, x = g.copy(), x.copy()
    groups = {k: {n: a.copy() for n, a in v.items()} for k, v in groups.items()}
    corrupt(g, x, groups)
    with pytest.raises(ResultCheckError, match=needle):
        _check(sc, data, g, x, groups, objective)


def test_wrong_objective_is_caught(solved):
    sc, data, g, x, groups, objective = solved
    with pytest.raises(ResultCheckError, match="do not sum to the solver objective"):
        _check(sc, data, g, x, groups, objective + 1.0)


def test_simultaneous_flows_are_caught(solved):
    sc, data, g, x, groups, objective = solved
    groups = {k: {n: a.copy() for n, a in v.items()} for k, v in groups.items()}
    t = int(np.argmax(groups["bess"]["charge_mw"] + groups["bess"]["discharge_mw"]))
    groups["bess"]["charge_mw"][t] += 1.0
    groups["bess"]["discharge_mw"][t] += 1.0
    with pytest.raises(ResultCheckError, match="simultaneous charge and discharge"):
        _check(sc, data, g, x, groups, objective)
