"""Hand-derived checks of the independent reference LP in ``tests/reference_lp.py``."""

from __future__ import annotations

import numpy as np
import pytest
from reference_lp import solve_reference


def _group(**kw) -> dict:
    g = dict(
        n_units=1,
        power_charge_max_mw=1.0,
        power_discharge_max_mw=1.0,
        energy_capacity_mwh=1.0,
        charge_efficiency_frac=0.9,
        discharge_efficiency_frac=0.9,
        soc_min_frac=0.0,
        soc_max_frac=1.0,
        initial_soc_frac=0.0,
        final_soc_min_frac=0.0,
        self_discharge_frac_per_h=0.0,
        aux_load_mw=0.0,
        degradation_cost_usd_per_mwh=0.0,
        availability_frac=1.0,
    )
    g.update(kw)
    return g


def _check_invariants(res: dict, load, dt: float, groups: list[dict], tol: float = 1e-6) -> None:
    """SPEC section 6: balance and SOC recursion hold, cost terms sum to the objective."""
    g, x, c, d, s = (
        res[k] for k in ("grid_import_mw", "grid_export_mw", "charge_mw", "discharge_mw", "soc_mwh")
    )
    aux = sum(gr["availability_frac"] * gr["n_units"] * gr["aux_load_mw"] for gr in groups)
    np.testing.assert_allclose(g - x + (d - c).sum(axis=0), np.asarray(load) + aux, atol=tol)
    for b, gr in enumerate(groups):
        E = gr["n_units"] * gr["energy_capacity_mwh"]
        prev = np.concatenate([[gr["initial_soc_frac"] * E], s[b, :-1]])
        r = (1 - gr["self_discharge_frac_per_h"]) ** dt
        rec = (
            prev * r
            + (gr["charge_efficiency_frac"] * c[b] - d[b] / gr["discharge_efficiency_frac"]) * dt
        )
        np.testing.assert_allclose(s[b], rec, atol=tol)
    total = res["energy_usd"] + res["export_usd"] + res["demand_usd"] + res["degradation_usd"]
    assert total == pytest.approx(res["objective_usd"], abs=tol * max(1.0, abs(total)))


def test_arbitrage_two_hours_charge_power_binds():
    """One 1 MW / 1 MWh unit, etac = etad = 0.9, empty at start, no load, hourly prices [10, 50],
    export paid the import price, import and export caps 10 MW, no demand windows.

    Hour 0: the only way to profit is to charge.  The stored energy is 0.9 * c0 * 1 h and the
    energy cap would allow 0.9 * c0 <= 1 MWh, i.e. c0 <= 1.111 MW, but the charge POWER limit
    (AC side) is c0 <= 1 MW, which binds first: c0 = 1 MW, cost 10 * 1 = 10 USD, s0 = 0.9 MWh.
    (The "store a full 1 MWh" plan, c0 = 1/0.9 = 1.111 MW for -33.89 USD, violates c0 <= 1.)
    Hour 1: discharge drains s0: d1 / 0.9 * 1 h <= 0.9 MWh  =>  d1 <= 0.81 MW (< 1 MW power limit),
    exported at 50 USD/MWh: revenue 0.81 * 50 = 40.5 USD, s1 = 0 (terminal target 0 is met).
    Buying and re-selling from the grid in the same hour nets zero at equal prices, and any
    simultaneous charge/discharge only loses energy, so

        objective = 10 - 40.5 = -30.5 USD,  net grid = [+1, -0.81] MW,  soc = [0.9, 0] MWh.
    """
    groups = [_group()]
    res = solve_reference(
        load_mw=np.zeros(2),
        price_usd_per_mwh=np.array([10.0, 50.0]),
        export_price_usd_per_mwh=np.array([10.0, 50.0]),
        import_limit_mw=np.full(2, 10.0),
        export_limit_mw=np.full(2, 10.0),
        interval_h=1.0,
        demand_window=np.full(2, -1),
        demand_rate_usd_per_mw=np.zeros(0),
        groups=groups,
    )
    assert res["status"] == "optimal"
    assert res["objective_usd"] == pytest.approx(-30.5, abs=1e-6)
    np.testing.assert_allclose(res["charge_mw"], [[1.0, 0.0]], atol=1e-7)
    np.testing.assert_allclose(res["discharge_mw"], [[0.0, 0.81]], atol=1e-7)
    np.testing.assert_allclose(res["soc_mwh"], [[0.9, 0.0]], atol=1e-7)
    np.testing.assert_allclose(
        res["grid_import_mw"] - res["grid_export_mw"], [1.0, -0.81], atol=1e-7
    )
    assert res["peak_mw"].shape == (0,)
    assert res["demand_usd"] == 0.0
    _check_invariants(res, np.zeros(2), 1.0, groups)


def test_peak_shaving_with_losses_and_degradation():
    """Load [10, 30] MW hourly, flat price 50 USD/MWh, no export, one demand window over both hours
    at D = 1000 USD/MW; one 20 MW / 20 MWh unit, etac = etad = 0.9, empty at start and end,
    degradation 5 USD/MWh discharged.

    Only hour 0 -> hour 1 shifting can help: charge c in hour 0, discharge d = 0.81 c in hour 1
    (0.9 c stored, then d / 0.9 = 0.9 c drained).  Then g0 = 10 + c, g1 = 30 - 0.81 c and
        cost(c) = 50 (40 + 0.19 c) + 5 * 0.81 c + 1000 * max(10 + c, 30 - 0.81 c).
    Per MW of c the energy and degradation cost rise by 9.5 + 4.05 = 13.55 USD, while (as long as
    hour 1 sets the peak) the peak falls by 0.81 MW = 810 USD, so c grows until the hours are equal:
        10 + c = 30 - 0.81 c  =>  c* = 20 / 1.81 = 11.0497 MW  (within 20 MW and 0.9 c* <= 20 MWh);
    beyond c* the peak is set by hour 0 and rises by 1 MW per MW of c.  Hence
        peak = 10 + 20/1.81 = 21.0497 MW,
        objective = 50 (40 + 0.19 c*) + 5 (0.81 c*) + 1000 peak = 23,199.4475... USD.
    """
    load = np.array([10.0, 30.0])
    groups = [
        _group(
            power_charge_max_mw=20.0,
            power_discharge_max_mw=20.0,
            energy_capacity_mwh=20.0,
            degradation_cost_usd_per_mwh=5.0,
        )
    ]
    res = solve_reference(
        load_mw=load,
        price_usd_per_mwh=np.full(2, 50.0),
        export_price_usd_per_mwh=np.zeros(2),
        import_limit_mw=np.full(2, 100.0),
        export_limit_mw=np.zeros(2),
        interval_h=1.0,
        demand_window=np.array([0, 0]),
        demand_rate_usd_per_mw=np.array([1000.0]),
        groups=groups,
    )
    c_star = 20.0 / 1.81
    peak = 10.0 + c_star
    expected = 50 * (40 + 0.19 * c_star) + 5 * 0.81 * c_star + 1000 * peak
    assert res["status"] == "optimal"
    assert res["peak_mw"] == pytest.approx([peak], abs=1e-6)
    assert res["objective_usd"] == pytest.approx(expected, abs=1e-5)
    np.testing.assert_allclose(res["grid_import_mw"], [peak, peak], atol=1e-6)
    np.testing.assert_allclose(res["charge_mw"], [[c_star, 0.0]], atol=1e-6)
    np.testing.assert_allclose(res["discharge_mw"], [[0.0, 0.81 * c_star]], atol=1e-6)
    assert res["demand_usd"] == pytest.approx(1000 * peak, abs=1e-5)
    assert res["degradation_usd"] == pytest.approx(5 * 0.81 * c_star, abs=1e-6)
    assert res["export_usd"] == 0.0
    _check_invariants(res, load, 1.0, groups)


def test_unreachable_terminal_energy_is_infeasible():
    """One 1 MW / 1 MWh unit, etac = 0.9, empty at start, a single 1 h interval, terminal target
    final_soc_min = 1.0 (1 MWh).  The most it can store is 0.9 * 1 MW * 1 h = 0.9 MWh < 1 MWh, so
    no schedule meets the terminal energy constraint (family 5): status "infeasible", no objective.
    """
    res = solve_reference(
        load_mw=np.zeros(1),
        price_usd_per_mwh=np.full(1, 10.0),
        export_price_usd_per_mwh=np.zeros(1),
        import_limit_mw=np.full(1, 10.0),
        export_limit_mw=np.zeros(1),
        interval_h=1.0,
        demand_window=np.full(1, -1),
        demand_rate_usd_per_mw=np.zeros(0),
        groups=[_group(final_soc_min_frac=1.0)],
    )
    assert res["status"] == "infeasible"
    assert res["objective_usd"] is None
