"""Family 14, the ride-through energy floor (``SPEC.md`` §8): known answers, the simulator
agreeing with the floor on every optimised schedule, prechecks and the warm path."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from optimizer import (
    BatteryGroup,
    InfeasibleError,
    ModellingWarning,
    Resilience,
    WarmSolver,
    build_model,
    optimize,
    simulate_ride_through,
)
from optimizer.errors import ResultCheckError
from optimizer.formulation.model_data import ModelData
from optimizer.results.checks import Tolerances, check_energy_floor
from optimizer.results.extract import extract_solution
from optimizer.testing import make_scenario, make_unit


def _arbitrage(**floor):
    """2 MW load, 2 MW / 4 MWh battery at 100 % efficiency starting at 2 MWh, prices 100/10."""
    unit = make_unit(power_mw=2.0, energy_mwh=4.0)
    sc = make_scenario(
        [2.0, 2.0, 2.0, 2.0], [100.0, 10.0, 100.0, 10.0], unit=unit, initial_soc_frac=0.5
    )
    return sc.replace(resilience=Resilience(**floor)) if floor else sc


def test_known_answer_floor_costs_what_it_holds():
    """Without a floor: discharge 2 at t0 and t2, charge 2 at t1 and t3: 10*4 + 10*4 = 80 USD.

    Floor: 2 h of half the site (1 MW) at 100 %: F_t = 2 MWh, so s_t >= 2 = s_{-1}. t0 cannot
    discharge (g0 = 2: 200), t1 charges to 4 (g1 = 4: 40), t2 discharges to 2 (g2 = 0), t3
    idles (g3 = 2: 20): 260 USD. The floor costs 180 USD. Survival from the floored schedule:
    start SOCs [2, 2, 4, 2] give 2 h, 2 h, 2 h and (data ends) 1 h censored; without the floor
    [2, 0, 2, 0] give 2 h, 0 h, 2 h, 0 h.
    """
    free = optimize(_arbitrage())
    held = optimize(_arbitrage(critical_load=0.5, hours_h=2))
    assert free.objective_usd == pytest.approx(80.0, abs=1e-6)
    assert held.objective_usd == pytest.approx(260.0, abs=1e-6)
    np.testing.assert_allclose(held.schedule["soc_mwh"], [2.0, 4.0, 2.0, 2.0], atol=1e-6)
    for result, expected in ((held, [2.0, 2.0, 2.0, 1.0]), (free, [2.0, 0.0, 2.0, 0.0])):
        rt = simulate_ride_through(result.scenario, result.schedule, critical=[0.5], max_hours=2)
        np.testing.assert_allclose(rt.outcomes["site_x0.5"]["survival_h"], expected, atol=1e-6)
    assert held.summary()["resilience"]["floor"]["hours_h"] == 2


def test_build_names_and_skipped_rows():
    """Rows only where F_t > 0 in a plain build (months outside the floor: none); every row in
    a mutable build, whose Params another case may raise."""
    sc = _arbitrage(critical_load=0.5, hours_h=1, months=(3,))  # February data: no floor held
    m = build_model(sc)
    assert len(m.floor_energy) == 0
    sc = _arbitrage(critical_load=0.5, hours_h=1)
    assert len(build_model(sc).floor_energy) == 4
    assert (
        len(
            build_model(
                sc.replace(resilience=Resilience(critical_load=0.5, hours_h=0)), mutable=True
            ).floor_energy
        )
        == 4
    )


def test_hours_of_day_mask():
    """Held only at 01:00: F = [0, 1, 0, 0] MWh (1 h of 1 MW from the end of interval 1)."""
    data = ModelData.from_scenario(_arbitrage(critical_load=0.5, hours_h=1, hours_of_day=(1,)))
    np.testing.assert_allclose(data.energy_floor.floor_mwh, [0.0, 1.0, 0.0, 0.0])


def _random_scenario(seed: int):
    """1-3 groups with random efficiencies, losses and aux; a floor at a random share and H."""
    rng = np.random.default_rng(seed)
    step = int(rng.choice([15, 30, 60]))
    n = int(rng.integers(24, 120))
    load = rng.uniform(20, 60, n)
    price = rng.uniform(5, 120, n) + (rng.random(n) < 0.1) * rng.uniform(200, 2000, n)
    groups = []
    for i in range(int(rng.integers(1, 4))):
        unit = make_unit(
            power_mw=float(rng.uniform(8, 15)),
            energy_mwh=float(rng.uniform(30, 60)),
            charge_efficiency_frac=float(rng.uniform(0.9, 1.0)),
            discharge_efficiency_frac=float(rng.uniform(0.9, 1.0)),
            soc_min_frac=float(rng.uniform(0, 0.1)),
            self_discharge_frac_per_h=float(rng.uniform(0, 0.01)),
            aux_load_mw=float(rng.uniform(0, 0.05)),
        )
        groups.append(BatteryGroup(name=f"g{i}", unit=unit, n_units=2, initial_soc_frac=0.9))
    sc = make_scenario(load, price, interval_min=step, groups=groups, import_limit_mw=200.0)
    hours = step / 60 * int(rng.integers(1, 3 * 60 // step + 1))  # whole intervals up to 3 h
    return sc.replace(
        resilience=Resilience(critical_load=float(rng.uniform(0.1, 0.25)), hours_h=hours)
    )


@pytest.mark.parametrize("seed", range(8))
def test_simulator_agrees_with_the_floor_on_optimised_schedules(seed):
    """With a floor of H hours, every start but the first survives at least H hours.

    Starts whose H hours pass the end of data are censored: they must reach the end alive.
    Several groups, self-discharge and aux included (the floor adds standing losses exactly).
    """
    sc = _random_scenario(seed)
    result = optimize(sc)
    spec = sc.resilience
    rt = simulate_ride_through(
        sc, result.schedule, critical=[spec.critical_load], max_hours=spec.hours_h
    )
    df = rt.outcomes[spec.level_name].iloc[1:]
    known = df[~df["censored"]]
    assert (known["survival_h"] >= spec.hours_h - 1e-6).all(), known["survival_h"].min()
    assert (df["limit"] != "power").all()
    assert (df[df["censored"]]["limit"] == "none").all()


def test_default_site_training_paused_four_hours():
    """Default site, 3 days: a 4 h floor with training paused survives 4 h from every interval."""
    from optimizer import load_scenario

    days = load_scenario("default", start="2021-02-01", end="2021-02-04")
    held = optimize(days.replace(resilience=Resilience(critical_load="training_paused", hours_h=4)))
    rt = simulate_ride_through(
        held.scenario, held.schedule, critical=["training_paused"], max_hours=4
    )
    df = rt.outcomes["training_paused"]
    known = df[~df["censored"]]
    assert len(known) > 250
    assert (known["survival_h"] >= 4 - 1e-6).all()
    res = held.summary()["resilience"]["levels"]["training_paused"]
    assert res["min_h"] >= 4 - 1e-6
    assert res["p_survive_4h"] == 1.0


def test_invariant_catches_a_schedule_below_the_floor():
    sc = _arbitrage(critical_load=0.5, hours_h=2)
    data = ModelData.from_scenario(sc)
    free = optimize(_arbitrage())
    m = build_model(_arbitrage())
    from optimizer.solver.solve import solve_model

    solve_model(m, free.scenario.options)
    sol = extract_solution(m, ModelData.from_scenario(free.scenario))
    issues = check_energy_floor(sc.index, data, sol, Tolerances.for_data(data, 80.0))
    assert issues
    assert "ride-through floor" in issues[0].what
    assert free.objective_usd < 260  # the free schedule does break it


def test_power_shortfall_is_reported_with_intervals_and_mw():
    """A 1 MW fleet cannot carry 2 MW of site: InfeasibleError naming the intervals and MW;
    with allow_power_shortfall a ModellingWarning instead, never silence."""
    unit = make_unit(power_mw=1.0, energy_mwh=8.0)
    sc = make_scenario([2.0] * 4, [10.0] * 4, unit=unit, initial_soc_frac=0.9)
    with pytest.raises(InfeasibleError) as info:
        optimize(sc.replace(resilience=Resilience(critical_load="site", hours_h=1)))
    text = str(info.value)
    assert "cannot carry the 'site' critical load" in text
    assert "1.0 MW short" in text
    assert "2021-02-01T01:00:00-06:00" in text
    with pytest.warns(ModellingWarning, match="cannot carry"):
        result = optimize(
            sc.replace(
                resilience=Resilience(critical_load="site", hours_h=1, allow_power_shortfall=True)
            )
        )
    assert result.summary()["resilience"]["levels"]["site"]["n_power_limited"] > 0


def test_floor_above_the_band_is_refused():
    """4 h of 2 MW need 8 MWh above smin; the fleet holds 4 MWh: InfeasibleError before solving."""
    with pytest.raises(InfeasibleError, match="out of reach") as info:
        optimize(_arbitrage(critical_load="site", hours_h=4))
    assert "SOC band" in str(info.value)


def test_floor_out_of_reach_from_the_initial_soc():
    """1.5 h of 2 MW = 3 MWh: the band holds it, but from 2 MWh charging at most... the import cap
    leaves no headroom (cap = load): the first intervals cannot reach it."""
    unit = make_unit(power_mw=4.0, energy_mwh=4.0)
    sc = make_scenario(
        [2.0] * 8, [10.0] * 8, unit=unit, initial_soc_frac=0.5, import_limit_mw=2.0, interval_min=30
    )
    with pytest.raises(InfeasibleError, match="out of reach") as info:
        optimize(sc.replace(resilience=Resilience(critical_load="site", hours_h=1.5)))
    assert "initial_soc_frac" in str(info.value)


def test_warm_resolves_match_cold_solves():
    """One mutable model, H and the level changed by Params: the same optima as cold builds."""
    solver = WarmSolver(max_models=1)
    cases = [(0.5, 0.0), (0.5, 1.0), (0.5, 2.0), ("site", 1.0), (0.25, 2.0)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModellingWarning)
        for level, hours in cases:
            sc = _arbitrage(critical_load=level, hours_h=hours)
            warm = solver.optimize(sc)
            cold = optimize(sc)
            assert warm.objective_usd == pytest.approx(cold.objective_usd, abs=1e-6)
    assert solver.n_builds == 1
    assert solver.n_warm == len(cases) - 1


def test_result_check_error_type_is_exported():
    assert issubclass(ResultCheckError, Exception)


def test_training_paused_without_a_cluster_is_an_input_error():
    from optimizer.errors import InputError

    with pytest.raises(InputError, match="needs the GPU-cluster model"):
        _arbitrage(critical_load="training_paused", hours_h=1)
