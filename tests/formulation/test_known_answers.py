"""Hand-derived known answers (STYLE §16, "Known answer").

Every expected number below was derived by hand from the formulation in SPEC §3-§5 before
the test was run; the derivation (the numbers, which bound binds and why, the optimal
schedule) is in each test's docstring. Conventions used throughout:

* hourly intervals (dt = 1 h), so a power of X MW for one interval is X MWh;
* SOC recursion (SPEC §4.2): s_t = s_{t-1} + (etac * c_t - d_t / etad) * dt;
* one demand window for these short February horizons (one calendar month), charged on the
  highest interval import;
* default terminal rule s_end >= s_start unless ``final_soc_min_frac`` is set;
* no fixed charge, no degradation cost, no aux load, no self-discharge unless stated.
"""

from __future__ import annotations

import numpy as np
import pytest

from optimizer import BatteryGroup, InfeasibleError, optimize
from optimizer.testing import ATOL_MW, ATOL_MWH, ATOL_USD, RTOL, make_scenario, make_unit


def usd(value: float) -> object:
    """``value`` in USD to the project's tolerance (relative for large bills, absolute near 0)."""
    return pytest.approx(value, rel=RTOL, abs=ATOL_USD)


def mw(values: object, scale: float = 1.0) -> object:
    """Powers [MW] to ``ATOL_MW`` times the case's power scale."""
    return pytest.approx(values, abs=ATOL_MW * scale)


def mwh(values: object, scale: float = 1.0) -> object:
    """Energies [MWh] to ``ATOL_MWH`` times the case's energy scale."""
    return pytest.approx(values, abs=ATOL_MWH * scale)


def col(result, name: str) -> list[float]:
    return result.schedule[name].to_list()


def assert_exclusive(result, scale: float = 1.0) -> None:
    both = np.minimum(
        result.schedule["charge_mw"].to_numpy(), result.schedule["discharge_mw"].to_numpy()
    )
    assert np.all(both <= ATOL_MW * scale), f"simultaneous charge and discharge: {both}"


# ---------------------------------------------------------------------------------------------
# 1-2. Two-price arbitrage with losses, and where the losses sit
# ---------------------------------------------------------------------------------------------


def _arbitrage(etac: float, etad: float, *, power_mw: float = 1.0, energy_mwh: float = 1.0):
    unit = make_unit(
        power_mw=power_mw,
        energy_mwh=energy_mwh,
        charge_efficiency_frac=etac,
        discharge_efficiency_frac=etad,
    )
    sc = make_scenario(
        [0.0, 0.0],
        [10.0, 50.0],
        unit=unit,
        initial_soc_frac=0.0,
        export_limit_mw=10.0,
        export_compensation="wholesale",
    )
    return optimize(sc)


def test_case1_two_price_arbitrage_losses_on_both_sides():
    """1 MW / 1 MWh, etac = etad = 0.9, empty at the start (so the default terminal rule is
    s_end >= 0), zero load, prices [10, 50] USD/MWh, export up to 10 MW paid at the wholesale
    price (50 in hour 1, no adder).

    Derivation. Each MWh bought at 10 returns etac*etad = 0.81 MWh at 50 = 40.5 USD > 10, so
    the battery charges as much as it can in hour 0 and empties in hour 1.
    - hour 0: c0 <= Pc = 1 MW and 0.9*c0 <= E = 1 MWh; the power bound binds: c0 = 1 MW,
      s0 = 0.9 MWh, import 1 MW at 10 -> energy cost 10 USD.
    - hour 1: d1 <= Pd = 1 MW and d1/0.9 <= s0 = 0.9 MWh -> d1 <= 0.81 MW; the stored energy
      binds: d1 = 0.81 MW, s1 = 0, all of it exported at 50 -> export revenue 40.5 USD.
    objective = 10 - 40.5 = -30.5 USD (energy 10, export -40.5).
    """
    r = _arbitrage(0.9, 0.9)
    assert r.objective_usd == usd(-30.5)
    assert r.costs.loc["energy", "optimized_usd"] == usd(10.0)
    assert r.costs.loc["export", "optimized_usd"] == usd(-40.5)
    assert col(r, "charge_mw") == mw([1.0, 0.0])
    assert col(r, "discharge_mw") == mw([0.0, 0.81])
    assert col(r, "soc_mwh") == mwh([0.9, 0.0])
    assert col(r, "grid_import_mw") == mw([1.0, 0.0])
    assert col(r, "grid_export_mw") == mw([0.0, 0.81])


def test_case2_same_round_trip_all_losses_on_charge():
    """Same round trip etac*etad = 0.81, but all of it on charge: etac = 0.81, etad = 1.0.

    (a) With the case-1 ratings (1 MW / 1 MWh) the answer is the SAME, -30.5 USD. Derivation:
    hour 0: c0 <= 1 MW and 0.81*c0 <= 1 MWh; the charge power binds, c0 = 1 MW, s0 = 0.81 MWh.
    hour 1: d1 <= 1 MW and d1/1.0 <= 0.81 MWh -> d1 = 0.81 MW. objective = 10 - 50*0.81 = -30.5.
    When only the AC-side power bounds (or the stored energy reached through them) bind, the
    AC-to-AC chain c -> etac*c -> etac*etad*c depends on the product alone, so where the losses
    sit cannot matter. (The brief expected a different answer here "because the AC charge power
    bound binds differently"; it does not: in both cases c0 = Pc = 1 MW binds and 0.81 MWh
    comes back.) The same holds when the discharge power binds instead.

    (b) The split matters when the DC-side energy bound binds: take 2 MW / 1 MWh (power no
    longer binds; the 1 MWh store does).
    - etac = etad = 0.9: fill the store, s0 = 1 MWh, c0 = 1/0.9 = 10/9 MW (<= 2), d1 = 0.9*1 =
      0.9 MW (<= 2). objective = 10*10/9 - 50*0.9 = 100/9 - 45 = -305/9 = -33.8889 USD.
    - etac = 0.81, etad = 1: s0 = 1 MWh, c0 = 1/0.81 = 100/81 MW (<= 2), d1 = 1.0 MW.
      objective = 10*100/81 - 50 = -3050/81 = -37.6543 USD.
    The full 1 MWh store reaches the grid only when etad = 1, and paying the charge losses at
    10 USD/MWh costs less than losing 10 % of the store on the way out at 50 USD/MWh, so the
    two answers differ (by 3050/81 - 305/9 = 305/81 = 3.7654 USD).
    """
    same_ratings_case1 = _arbitrage(0.9, 0.9)
    same_ratings_charge = _arbitrage(0.81, 1.0)
    assert same_ratings_charge.objective_usd == usd(-30.5)
    assert same_ratings_charge.objective_usd == usd(same_ratings_case1.objective_usd)
    assert col(same_ratings_charge, "charge_mw") == mw([1.0, 0.0])
    assert col(same_ratings_charge, "soc_mwh") == mwh([0.81, 0.0])
    assert col(same_ratings_charge, "discharge_mw") == mw([0.0, 0.81])

    both_sides = _arbitrage(0.9, 0.9, power_mw=2.0)
    on_charge = _arbitrage(0.81, 1.0, power_mw=2.0)
    assert both_sides.objective_usd == usd(-305.0 / 9.0)
    assert on_charge.objective_usd == usd(-3050.0 / 81.0)
    assert on_charge.objective_usd != usd(both_sides.objective_usd)
    assert both_sides.objective_usd - on_charge.objective_usd == usd(305.0 / 81.0)
    assert col(both_sides, "charge_mw") == mw([10.0 / 9.0, 0.0], 2.0)
    assert col(both_sides, "discharge_mw") == mw([0.0, 0.9], 2.0)
    assert col(on_charge, "charge_mw") == mw([100.0 / 81.0, 0.0], 2.0)
    assert col(on_charge, "discharge_mw") == mw([0.0, 1.0], 2.0)
    assert col(both_sides, "soc_mwh")[0] == mwh(1.0)
    assert col(on_charge, "soc_mwh")[0] == mwh(1.0)


# ---------------------------------------------------------------------------------------------
# 3-5. Peak shaving: to the mean, energy-limited, power-limited
# ---------------------------------------------------------------------------------------------

FLAT_PRICE = 40.0
DEMAND_RATE = 1000.0


def test_case3_peak_shaved_to_the_mean_load():
    """Load [10, 30, 10, 30] MW hourly, flat 40 USD/MWh, demand charge 1000 USD/MW, lossless
    battery 15 MW / 20 MWh (more than enough of both), empty at the start (terminal s_end >= 0).

    Lower bound on the peak: lossless, so sum_t g_t = sum_t L_t + (s_end - s_start) >= 80 MWh
    over 4 h, hence max_t g_t >= 80/4 = 20 MW (the mean load). Energy cost: with a flat price
    and no losses it is 40*(80 + s_end) >= 3200 USD, minimal with s_end = 0. Both minima are
    reached together by g = [20, 20, 20, 20]: charge 10 MW in hours 0 and 2, discharge 10 MW
    in hours 1 and 3 (|10| <= 15 MW), SOC [10, 0, 10, 0] MWh (<= 20). This g is the unique
    optimum (sum g = 80 with every g_t <= 20 forces g_t = 20).
    demand = 1000*20 = 20000, energy = 3200, total = 23200 USD (baseline 3200 + 30000 = 33200,
    savings 10000).
    """
    unit = make_unit(power_mw=15.0, energy_mwh=20.0)
    r = optimize(
        make_scenario(
            [10.0, 30.0, 10.0, 30.0],
            [FLAT_PRICE] * 4,
            unit=unit,
            initial_soc_frac=0.0,
            demand_charge_usd_per_mw=DEMAND_RATE,
        )
    )
    s = r.schedule
    assert s["grid_import_mw"].max() == mw(20.0, 30.0)
    assert col(r, "grid_import_mw") == mw([20.0] * 4, 30.0)
    assert (s["charge_mw"] - s["discharge_mw"]).to_list() == mw([10.0, -10.0, 10.0, -10.0], 30.0)
    assert col(r, "soc_mwh") == mwh([10.0, 0.0, 10.0, 0.0], 20.0)
    assert r.costs.loc["demand", "optimized_usd"] == usd(20000.0)
    assert r.costs.loc["energy", "optimized_usd"] == usd(3200.0)
    assert r.objective_usd == usd(23200.0)
    assert r.costs.loc["total", "baseline_usd"] == usd(33200.0)
    assert r.costs.loc["total", "savings_usd"] == usd(10000.0)


def test_case4_energy_limited_peak():
    """Load [10, 30, 30, 10] MW hourly, flat 40 USD/MWh, demand 1000 USD/MW, lossless battery
    with plenty of power (20 MW) but only 4 MWh, empty at the start (terminal s_end >= 0).

    The two-hour peak (hours 1-2) can only be lowered by energy stored before it, in hour 0,
    at most E = 4 MWh. Charging inside the peak raises that hour's import, so over hours 1-2
    g1 + g2 = 60 - (net discharge over 1-2) >= 60 - 4 = 56 MWh, hence max(g1, g2) >= 28 MW:
    peak = L_peak - E / (peak duration) = 30 - 4/2 = 28 MW. Reached by c0 = 4 MW (g0 = 14 <=
    28), d1 = d2 = 2 MW (<= 20 MW, power does not bind), SOC [4, 2, 0, 0]. With a flat price
    and no losses, energy cost = 40*(80 + s_end) = 3200 at s_end = 0, whatever the timing.
    demand = 1000*28 = 28000, total = 31200 USD.
    """
    unit = make_unit(power_mw=20.0, energy_mwh=4.0)
    r = optimize(
        make_scenario(
            [10.0, 30.0, 30.0, 10.0],
            [FLAT_PRICE] * 4,
            unit=unit,
            initial_soc_frac=0.0,
            demand_charge_usd_per_mw=DEMAND_RATE,
        )
    )
    assert r.schedule["grid_import_mw"].max() == mw(28.0, 30.0)
    assert col(r, "grid_import_mw") == mw([14.0, 28.0, 28.0, 10.0], 30.0)
    assert col(r, "discharge_mw") == mw([0.0, 2.0, 2.0, 0.0], 30.0)
    assert col(r, "soc_mwh") == mwh([4.0, 2.0, 0.0, 0.0], 4.0)
    assert r.costs.loc["demand", "optimized_usd"] == usd(28000.0)
    assert r.costs.loc["energy", "optimized_usd"] == usd(3200.0)
    assert r.objective_usd == usd(31200.0)


def test_case5_power_limited_peak():
    """Load [10, 30, 10] MW hourly, flat 40 USD/MWh, demand 1000 USD/MW, lossless battery with
    20 MWh (plenty), charge power 20 MW but discharge power only Pd = 5 MW, empty at the start.

    In the peak hour g1 = 30 - d1 + c1 >= 30 - Pd = 25 MW: the discharge power binds, peak =
    L_peak - Pd = 25 MW. That needs s0 >= 5 MWh, charged in hour 0: c0 = 5 MW exactly (more
    would end the horizon above s_start = 0 and cost 40 USD/MWh for nothing), g0 = 15 <= 25.
    Hour 2: battery empty, g2 = 10. SOC [5, 0, 0]. Energy cost = 40*(15 + 25 + 10) = 2000,
    demand = 1000*25 = 25000, total = 27000 USD.
    """
    unit = make_unit(power_mw=5.0, power_charge_mw=20.0, energy_mwh=20.0)
    r = optimize(
        make_scenario(
            [10.0, 30.0, 10.0],
            [FLAT_PRICE] * 3,
            unit=unit,
            initial_soc_frac=0.0,
            demand_charge_usd_per_mw=DEMAND_RATE,
        )
    )
    assert r.schedule["grid_import_mw"].max() == mw(25.0, 30.0)
    assert col(r, "grid_import_mw") == mw([15.0, 25.0, 10.0], 30.0)
    assert col(r, "charge_mw") == mw([5.0, 0.0, 0.0], 30.0)
    assert col(r, "discharge_mw") == mw([0.0, 5.0, 0.0], 30.0)
    assert r.costs.loc["demand", "optimized_usd"] == usd(25000.0)
    assert r.costs.loc["energy", "optimized_usd"] == usd(2000.0)
    assert r.objective_usd == usd(27000.0)


# ---------------------------------------------------------------------------------------------
# 6. Demand charge against arbitrage, either side of the break-even rate
# ---------------------------------------------------------------------------------------------

BREAK_EVEN_USD_PER_MW = 100.0 - 40.0  # price in the high-price hour minus price in the peak hour


@pytest.mark.parametrize(
    ("rate", "d_expected", "g_expected", "energy", "total"),
    [
        # just below the break-even: arbitrage wins
        (59.0, [0.0, 5.0, 0.0], [15.0, 5.0, 20.0], 1600.0, 1600.0 + 59.0 * 20.0),  # 2780
        # just above: shaving wins
        (61.0, [0.0, 0.0, 5.0], [15.0, 10.0, 15.0], 1900.0, 1900.0 + 61.0 * 15.0),  # 2815
    ],
    ids=["below-break-even-arbitrage", "above-break-even-shaving"],
)
def test_case6_demand_charge_against_arbitrage(rate, d_expected, g_expected, energy, total):
    """Load [10, 10, 20] MW, prices [20, 100, 40] USD/MWh, lossless 10 MW / 5 MWh battery,
    empty at the start, no export, demand rate D.

    The battery fills in hour 0 at 20 USD/MWh (c0 = 5 MW, E binds; g0 = 15) and then has
    5 MWh to place: each MWh discharged in hour 1 avoids 100 USD of energy; each MWh in
    hour 2 avoids 40 USD of energy and lowers the peak (hour 2, 20 MW, stays the peak while
    shaved down to 15 >= g0 = 15) by 1 MW, worth D. Break-even: D* = 100 - 40 = 60 USD/MW.
    Energy cannot be bought back in hour 1 for hour 2: the store is already full.
    - D = 59 (< 60): all to hour 1. d = [0, 5, 0], g = [15, 5, 20], peak 20.
      energy = 20*15 + 100*5 + 40*20 = 1600, demand = 59*20 = 1180, total 2780
      (shaving instead: 1900 + 59*15 = 2785, 5 USD worse = 5 MWh * (60 - 59)).
    - D = 61 (> 60): all to hour 2. d = [0, 0, 5], g = [15, 10, 15], peak 15.
      energy = 20*15 + 100*10 + 40*15 = 1900, demand = 61*15 = 915, total 2815
      (arbitrage instead: 1600 + 61*20 = 2820, 5 USD worse).
    """
    assert 0 < abs(rate - BREAK_EVEN_USD_PER_MW) <= 1.0  # "just" either side
    unit = make_unit(power_mw=10.0, energy_mwh=5.0)
    r = optimize(
        make_scenario(
            [10.0, 10.0, 20.0],
            [20.0, 100.0, 40.0],
            unit=unit,
            initial_soc_frac=0.0,
            demand_charge_usd_per_mw=rate,
        )
    )
    assert col(r, "charge_mw") == mw([5.0, 0.0, 0.0], 20.0)
    assert col(r, "discharge_mw") == mw(d_expected, 20.0)
    assert col(r, "grid_import_mw") == mw(g_expected, 20.0)
    assert r.schedule["grid_import_mw"].max() == mw(max(g_expected), 20.0)
    assert r.costs.loc["energy", "optimized_usd"] == usd(energy)
    assert r.costs.loc["demand", "optimized_usd"] == usd(rate * max(g_expected))
    assert r.objective_usd == usd(total)


# ---------------------------------------------------------------------------------------------
# 7. Unreachable terminal energy
# ---------------------------------------------------------------------------------------------


def _unreachable_terminal():
    """Empty 2 MW / 10 MWh battery, etac = 0.9, final_soc_min_frac = 1.0, 3 hourly intervals."""
    unit = make_unit(
        power_mw=2.0, energy_mwh=10.0, charge_efficiency_frac=0.9, discharge_efficiency_frac=0.9
    )
    return make_scenario(
        [5.0, 5.0, 5.0], [30.0, 30.0, 30.0], unit=unit, initial_soc_frac=0.0, final_soc_min_frac=1.0
    )


def test_case7_unreachable_terminal_energy_precheck():
    """Charging flat out for 3 h at 2 MW stores at most 3 * 2 * 0.9 = 5.4 MWh; the target is
    1.0 * 10 = 10 MWh, so it is short by 10 - 5.4 = 4.6 MWh. The pre-check must say so and
    name the group's ``final_soc_min_frac``.
    """
    with pytest.raises(InfeasibleError) as exc:
        optimize(_unreachable_terminal())
    issue = exc.value.issues[0]
    assert issue.field == "site.battery_groups.bess.final_soc_min_frac"
    shortfall = f"{10.0 - 3 * 2.0 * 0.9:.3f} MWh"  # "4.600 MWh"
    assert shortfall in issue.message()
    assert shortfall in str(exc.value)
    assert f"{3 * 2.0 * 0.9:.3f} MWh" in issue.message()  # the reachable 5.400 MWh


def test_case7_unreachable_terminal_energy_found_by_the_solver():
    """Same scenario without the pre-check: the LP itself is infeasible (s_2 <= 5.4 < 10), so
    ``optimize`` raises InfeasibleError, and with raise_on_failure=False returns a result with
    status "infeasible" and no schedule."""
    with pytest.raises(InfeasibleError):
        optimize(_unreachable_terminal(), precheck=False)
    r = optimize(_unreachable_terminal(), raise_on_failure=False, precheck=False)
    assert r.status == "infeasible"
    assert r.schedule.empty
    assert r.issues  # the failure is explained


# ---------------------------------------------------------------------------------------------
# 8. Negative prices with a full battery: exclusivity
# ---------------------------------------------------------------------------------------------


def test_case8_negative_prices_full_battery_exclusivity():
    """Load [5, 5] MW, price -20 USD/MWh in both hours, no export, 1 MW / 1 MWh battery with
    etac = etad = 0.9, starting full (s_start = 1 MWh, so the default terminal is s_end >= 1
    and with the cap s_end = 1). The site is paid 20 USD per MWh imported, so it wants to
    import, i.e. to waste energy through the battery's losses.

    Plain LP: total import = 10 + sum_t (c_t - d_t). The SOC stays <= 1 and ends at 1, and it
    starts at 1, so 0.9*sum c = sum d/0.9, i.e. sum d = 0.81 * sum c, and net extra import =
    0.19 * sum c <= 0.19 * 2 = 0.38 MWh (c_t <= 1). Any LP optimum has c0 = c1 = 1 MW; in
    hour 0 the store is full, so d0 >= 0.81*c0 = 0.81 > 0, and d1 = 1.62 - d0 >= 0.62 > 0
    (d0 <= 1): both hours charge and discharge at once. LP objective = -20*10.38 = -207.6.
    So exclusivity must be enforced on both (group, hour) pairs: n_pairs = 2.

    With exclusivity: hour 0 cannot charge (full), so it discharges d0 (or idles); hour 1
    charges c1 back to exactly full: 0.9*c1 = d0/0.9 -> c1 = d0/0.81. Net extra import =
    c1 - d0 = d0*(1/0.81 - 1), largest at c1 = Pc = 1 MW -> d0 = 0.81 MW, extra 0.19 MWh.
    Schedule: d = [0.81, 0], c = [0, 1], g = [4.19, 6], SOC [0.1, 1.0].
    objective = -20*(4.19 + 6) = -203.8 USD; exclusivity cost = -203.8 - (-207.6) = 3.8 USD.
    """
    unit = make_unit(charge_efficiency_frac=0.9, discharge_efficiency_frac=0.9)
    r = optimize(make_scenario([5.0, 5.0], [-20.0, -20.0], unit=unit, initial_soc_frac=1.0))
    assert_exclusive(r)  # strictly ATOL_MW, tighter than the tool's own 1e-6 * 5 MW
    assert r.exclusivity.n_pairs == 2
    assert len(r.exclusivity.intervals) == 2
    assert r.exclusivity.lp_objective_usd == usd(-207.6)
    assert r.exclusivity.mip_objective_usd == usd(-203.8)
    assert r.exclusivity.cost_usd == usd(3.8)
    assert r.objective_usd == usd(-203.8)
    assert col(r, "discharge_mw") == mw([0.81, 0.0], 5.0)
    assert col(r, "charge_mw") == mw([0.0, 1.0], 5.0)
    assert col(r, "grid_import_mw") == mw([4.19, 6.0], 5.0)
    assert col(r, "soc_mwh") == mwh([0.1, 1.0])
    assert r.summary()["exclusivity_pairs"] == 2


# ---------------------------------------------------------------------------------------------
# 9. Several battery groups
# ---------------------------------------------------------------------------------------------


def _two_groups(prices):
    lossless = BatteryGroup(name="lossless", unit=make_unit(), n_units=2, initial_soc_frac=0.0)
    lossy = BatteryGroup(
        name="lossy",
        unit=make_unit(charge_efficiency_frac=0.9, discharge_efficiency_frac=0.9),
        n_units=3,
        initial_soc_frac=0.0,
    )
    return optimize(make_scenario([5.0, 5.0], prices, groups=[lossless, lossy]))


def _assert_group_columns(r):
    s = r.schedule
    for base in ("charge_mw", "discharge_mw", "soc_mwh"):
        a, b = f"{base}_lossless", f"{base}_lossy"
        assert a in s.columns
        assert b in s.columns
        assert (s[a] + s[b]).to_list() == mw(s[base].to_list(), 5.0)


def test_case9_two_groups_only_the_lossless_one_cycles_below_the_lossy_break_even():
    """Group "lossless": 2 units of 1 MW / 1 MWh, eta = 1. Group "lossy": 3 units of
    1 MW / 1 MWh, etac = etad = 0.9 (round trip 0.81). Both empty at the start; load [5, 5] MW,
    no export, prices [40, 45] USD/MWh.

    Lossless: buy at 40, avoid 45: +5 USD/MWh, so c0 = 2 MW (power = energy bound), d1 = 2 MW
    (<= load 5, no export needed). Lossy: 1 MWh bought at 40 returns 0.81 MWh worth 36.45 < 40,
    so it idles (its break-even is a hour-1 price of 40/0.81 = 49.38). g = [7, 3],
    objective = 40*7 + 45*3 = 415 USD (baseline 425, savings 10).
    """
    r = _two_groups([40.0, 45.0])
    _assert_group_columns(r)
    s = r.schedule
    assert r.objective_usd == usd(415.0)
    assert r.costs.loc["total", "savings_usd"] == usd(10.0)
    assert s["charge_mw_lossless"].to_list() == mw([2.0, 0.0], 5.0)
    assert s["discharge_mw_lossless"].to_list() == mw([0.0, 2.0], 5.0)
    assert s["charge_mw_lossy"].to_list() == mw([0.0, 0.0], 5.0)
    assert s["discharge_mw_lossy"].to_list() == mw([0.0, 0.0], 5.0)
    assert col(r, "grid_import_mw") == mw([7.0, 3.0], 5.0)


def test_case9_two_groups_both_cycle_above_the_lossy_break_even():
    """Same fleet, prices [40, 50]: now 0.81*50 = 40.5 > 40, so the lossy group cycles too.
    Lossless: c0 = 2, d1 = 2 (+10 USD). Lossy: c0 = 3 MW (power binds; stores 2.7 <= 3 MWh),
    d1 = 0.9*2.7 = 2.43 MW (<= 3 MW) (+3*(40.5 - 40) = 1.5 USD). Total discharge in hour 1 =
    4.43 <= load 5, so no export is needed. g = [5 + 2 + 3, 5 - 4.43] = [10, 0.57],
    objective = 40*10 + 50*0.57 = 428.5 USD (baseline 450, savings 21.5 = 20 + 1.5).
    """
    r = _two_groups([40.0, 50.0])
    _assert_group_columns(r)
    s = r.schedule
    assert r.objective_usd == usd(428.5)
    assert r.costs.loc["total", "savings_usd"] == usd(21.5)
    assert s["charge_mw_lossless"].to_list() == mw([2.0, 0.0], 5.0)
    assert s["discharge_mw_lossless"].to_list() == mw([0.0, 2.0], 5.0)
    assert s["charge_mw_lossy"].to_list() == mw([3.0, 0.0], 5.0)
    assert s["discharge_mw_lossy"].to_list() == mw([0.0, 2.43], 5.0)
    assert s["soc_mwh_lossy"].to_list() == mwh([2.7, 0.0], 5.0)
    assert col(r, "grid_import_mw") == mw([10.0, 0.57], 10.0)
