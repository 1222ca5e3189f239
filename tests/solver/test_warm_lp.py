"""The direct warm route: the model's affine map reproduces Pyomo's compilation, and re-solves
pushed through it match cold solves to 1e-6 whatever number changes (costs, row bounds,
column bounds, matrix coefficients, the objective constant)."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer import load_scenario, optimize
from optimizer.formulation.build import build_model
from optimizer.formulation.model_data import ModelData
from optimizer.run.warm import WarmSolver
from optimizer.solver.resolve.affine import AffineLp
from optimizer.solver.standard_form import standard_form


@pytest.fixture(scope="module")
def grid_day():
    """One day of the grid-stability scenario at 15 min: every family (ramp, swing, reserve,
    events, flexible load)."""
    return load_scenario(
        "grid-stability", start="2021-02-16T00:00", end="2021-02-17T00:00", interval_min=15
    )


@pytest.fixture(scope="module")
def tou_days():
    """Two days of the default scenario (MLGW-style TOU tariff, LMP energy) at 1 h."""
    return load_scenario(
        "default", start="2021-02-15T00:00", end="2021-02-17T00:00", interval_min=60
    )


def _variants(sc):
    g = sc.site.battery_groups[0]
    site = sc.site

    def with_group(**upd):
        return site.model_copy(update={"battery_groups": (g.model_copy(update=upd),)})

    unit = g.unit
    out = [
        ("prices x1.4", sc.replace(price_usd_per_mwh=sc.price_usd_per_mwh * 1.4)),
        ("fleet 500 units", sc.replace(site=with_group(n_units=500))),
        ("initial SOC 20 %", sc.replace(site=with_group(initial_soc_frac=0.2))),
        (
            "load -3 %",
            sc.replace(
                load_mw=sc.load_mw * 0.97,
                gpu_load_mw=None if sc.gpu_load_mw is None else sc.gpu_load_mw * 0.97,
            ),
        ),
        # a matrix coefficient (charge efficiency in the SOC rows) and the retention x initial-SOC
        # product
        (
            "efficiency 0.9",
            sc.replace(
                site=with_group(
                    unit=unit.model_copy(
                        update={"charge_efficiency_frac": 0.9, "self_discharge_frac_per_h": 0.002}
                    )
                )
            ),
        ),
        ("import cap 990 MW", sc.replace(site=site.model_copy(update={"import_limit_mw": 990.0}))),
    ]
    if sc.has_simple_tariff:
        out.append(
            (
                "fixed charge 9,999",
                sc.replace(
                    tariff=sc.tariff.model_copy(
                        update={
                            "fixed_charge_usd_per_month": 9999.0,
                            "demand_charge_usd_per_mw": 8000.0,
                        }
                    )
                ),
            )
        )
    return out


@pytest.mark.parametrize("name", ["grid_day", "tou_days"])
def test_affine_map_reproduces_the_compiled_model(name, request):
    sc = request.getfixturevalue(name)
    data = ModelData.from_scenario(sc)
    m = build_model(sc, data, mutable=True)
    sf = standard_form(m)
    lp = AffineLp.build(m, sf, data)
    assert lp is not None
    # and for another scenario of the same structure, the map equals a fresh compilation
    for _, other in _variants(sc):
        d2 = ModelData.from_scenario(other)
        m2 = build_model(other, d2, mutable=True)
        sf2 = standard_form(m2)
        v = lp.vectors(d2)
        assert [str(c) for c in sf2.columns] == [str(c) for c in sf.columns]
        for key, ref in (
            ("cost", sf2.cost),
            ("col_lower", sf2.col_lower),
            ("col_upper", sf2.col_upper),
            ("row_lower", sf2.row_lower),
            ("row_upper", sf2.row_upper),
        ):
            assert np.allclose(v[key], ref, rtol=1e-12, atol=1e-9), key
        a2 = sf2.a.tocsr()
        assert np.allclose(
            v["coef"], np.asarray(a2[lp.coef_rc[:, 0], lp.coef_rc[:, 1]]).ravel(), rtol=1e-12
        )
        assert v["offset"] == pytest.approx(sf2.offset, rel=1e-12, abs=1e-9)


@pytest.mark.parametrize("name", ["grid_day", "tou_days"])
def test_direct_warm_matches_cold_for_every_kind_of_change(name, request):
    sc = request.getfixturevalue(name)
    solver = WarmSolver()
    first = solver.optimize(sc)
    assert first.report.interface == "direct-warm"
    for label, other in _variants(sc):
        warm = solver.optimize(other)
        cold = optimize(other)
        assert warm.report.warm_start.warm, label
        assert warm.objective_usd == pytest.approx(cold.objective_usd, rel=1e-6), label
        assert warm.costs.loc["total", "optimized_usd"] == pytest.approx(
            cold.costs.loc["total", "optimized_usd"], rel=1e-6
        ), label
    assert solver.n_builds == 1


def test_persistent_route_still_available_and_equal(tou_days):
    a, b = WarmSolver(route="persistent"), WarmSolver(route="direct")
    for _, other in _variants(tou_days)[:3]:
        ra, rb = a.optimize(other), b.optimize(other)
        assert ra.report.interface == "persistent"
        assert rb.report.interface == "direct-warm"
        assert ra.objective_usd == pytest.approx(rb.objective_usd, rel=1e-6)


def test_a_wrong_map_is_refused(tou_days):
    """The build-time check compares the map with Pyomo's compilation: a map that is off by
    one number is refused (the caller then uses the persistent interface)."""
    data = ModelData.from_scenario(tou_days)
    m = build_model(tou_days, data, mutable=True)
    sf = standard_form(m)
    lp = AffineLp.build(m, sf, data)
    assert lp is not None
    assert lp._matches(data)
    lp.row_hi.base[0] += 1.0
    assert not lp._matches(data)


def test_an_infeasible_case_does_not_spoil_the_next_warm_solve(tou_days):
    solver = WarmSolver()
    solver.optimize(tou_days)
    g = tou_days.site.battery_groups[0]
    # the fleet cannot end at 100 % of its energy after a two-day horizon with a tight cap
    bad = tou_days.replace(
        site=tou_days.site.model_copy(
            update={
                "import_limit_mw": 905.0,
                "battery_groups": (
                    g.model_copy(
                        update={
                            "final_soc_min_frac": g.unit.soc_max_frac,
                            "initial_soc_frac": g.unit.soc_min_frac,
                        }
                    ),
                ),
            }
        )
    )
    res = solver.optimize(bad, raise_on_failure=False)
    assert res.status != "optimal"
    again = solver.optimize(tou_days)
    assert again.objective_usd == pytest.approx(optimize(tou_days).objective_usd, rel=1e-6)


def test_tou_blocks_on_other_days_are_data_not_structure(tou_days):
    """Friday-Saturday has on-peak blocks on one day only, Monday-Tuesday on both: in a mutable
    build which blocks a window holds is a row bound, so both are one structure, and the warm
    re-solve across them equals a cold solve (the map matches a fresh compilation)."""
    fri = load_scenario(
        "default", start="2021-02-19T00:00", end="2021-02-21T00:00", interval_min=60
    )
    solver = WarmSolver()
    solver.optimize(tou_days)  # Monday-Tuesday
    warm = solver.optimize(fri)
    assert solver.n_builds == 1
    assert warm.report.warm_start.warm
    assert warm.objective_usd == pytest.approx(optimize(fri).objective_usd, rel=1e-6)
    data = ModelData.from_scenario(tou_days)
    m = build_model(tou_days, data, mutable=True)
    lp = AffineLp.build(m, standard_form(m), data)
    assert lp is not None
    sf2 = standard_form(build_model(fri, ModelData.from_scenario(fri), mutable=True))
    v = lp.vectors(ModelData.from_scenario(fri))
    assert np.array_equal(
        v["row_lower"] <= -1e20, sf2.row_lower <= -1e20
    )  # the same rows switched off
    on = sf2.row_lower > -1e20
    assert np.allclose(v["row_lower"][on], sf2.row_lower[on], atol=1e-9)
