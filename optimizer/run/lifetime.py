"""``lifetime_economics``: a fleet year by year over its life: fade, augmentation, cash flows.

Each year the fleet's energy is what calendar age and throughput leave of it
(:class:`optimizer.inputs.economics.CapacityFade`), the dispatch is re-optimised on that
fleet (one :class:`optimizer.run.warm.WarmSolver`: only the SOC bounds change from year to
year, so every year after the first is a warm re-solve), and when the fleet's energy falls
below ``augment_below_frac`` of its first-year nameplate, fresh units are bought to restore it.

Cash flows (ASSUMPTIONS: the horizon's load and prices repeat every year, in real terms; the
first units have no salvage value at the end of their life; augmentation units cost the same
as the first ones and are credited in the last year with the unused share of their own life,
straight line)::

    cash[0] = - N capex
    cash[y] = bill savings[y] + contract savings[y] - O&M[y] - augmentation capex[y]
              (+ salvage of the augmentation units in the last year)
    bill savings[y] = no-battery bill - bill with the fleet, every cost term except the two
                      shadow prices of the dispatch (degradation, which fade replaces here, and
                      movement, which no one pays), scaled to a year
    O&M[y]          = units[y] om (1 + e)^(y-1)
    NPV = sum_y cash[y] / (1 + r)^y;  IRR: NPV = 0;  payback: cumulative cash turns >= 0

The units of each group are aggregated: cohorts of different ages differ only in energy per
unit, and identical efficiencies let one group carry their sum (power ``N Pd``, energy
``sum_c n_c E f_c``).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from optimizer.errors import InputError, Issue
from optimizer.inputs.economics import HOURS_PER_YEAR_H, Sizing
from optimizer.inputs.scenario import Scenario
from optimizer.run.warm import WarmSolver
from optimizer.solver.status import SolveStatus

if TYPE_CHECKING:
    from optimizer.results.result import DispatchResult

logger = logging.getLogger(__name__)

SHADOW_TERMS = ("degradation", "movement")
"""Dispatch cost terms that are prices the LP steers by, not money paid."""


def npv_usd(cash_usd: list[float] | np.ndarray, rate_frac: float) -> float:
    """Net present value of yearly cash flows, ``cash[0]`` now [USD].

    Examples
    --------
    >>> round(npv_usd([-100.0, 110.0], 0.10), 9)
    0.0
    """
    return float(sum(c / (1.0 + rate_frac) ** y for y, c in enumerate(cash_usd)))


def irr_frac(cash_usd: list[float] | np.ndarray) -> float | None:
    """Internal rate of return: the rate at which the NPV is 0 [-/y]; None when there is none.

    Bisection on ``(-0.99, 10]``, where the NPV of an investment (money out first) falls with
    the rate.

    Examples
    --------
    >>> round(irr_frac([-100.0, 60.0, 60.0]), 6)
    0.130662
    >>> irr_frac([-100.0, 10.0]) is None or irr_frac([-100.0, 10.0]) < 0
    True
    """
    lo, hi = -0.99, 10.0
    f_lo, f_hi = npv_usd(cash_usd, lo), npv_usd(cash_usd, hi)
    if not np.isfinite(f_lo) or f_lo * f_hi > 0:
        return None
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        f_mid = npv_usd(cash_usd, mid)
        if (f_mid > 0) == (f_lo > 0):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
        if hi - lo < 1e-10:
            break
    return 0.5 * (lo + hi)


def payback_year(cash_usd: list[float] | np.ndarray) -> float | None:
    """Years until the cumulative cash turns >= 0, linear within the year [y]; None: never.

    Examples
    --------
    >>> payback_year([-100.0, 40.0, 40.0, 40.0])
    2.5
    >>> payback_year([-100.0, 10.0]) is None
    True
    """
    total = float(cash_usd[0])
    if total >= 0:
        return 0.0
    for y in range(1, len(cash_usd)):
        c = float(cash_usd[y])
        if total + c >= 0 and c > 0:
            return y - 1 + (-total) / c
        total += c
    return None


@dataclass(frozen=True)
class LifetimeResult:
    """Year-by-year economics of a fleet.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per year (0 = purchase): ``units``, ``units_added``, ``energy_frac`` (fleet
        energy / first-year nameplate), ``fleet_energy_mwh``, ``equivalent_full_cycles``,
        ``bill_savings_usd``, ``contract_savings_usd``, ``om_usd``, ``capex_usd``,
        ``salvage_usd``, ``cash_flow_usd``, ``cumulative_usd``, ``discounted_usd``, ``status``.
    npv_usd : float
        At ``discount_rate_frac`` [USD].
    irr_frac : float or None
        [-/y].
    payback_year : float or None
        Undiscounted [y].
    discount_rate_frac : float
        [-/y].
    units : dict
        Group -> units bought in year 0 [-].
    contract_mw : float or None
        The contract demand the fleet runs under [MW].
    n_warm : int
        Years solved warm (a re-solve of the previous year's model) [-].
    """

    table: pd.DataFrame
    npv_usd: float
    irr_frac: float | None
    payback_year: float | None
    discount_rate_frac: float
    units: dict[str, int]
    contract_mw: float | None
    n_warm: int


def _fleet_scenario(
    scenario: Scenario, cohorts: dict[str, list[list[float]]], contract_mw: float | None
) -> Scenario:
    """The scenario with each group holding its cohorts: units summed, energy per unit averaged."""
    groups = []
    for g in scenario.site.battery_groups:
        rows = cohorts[g.name]
        n = int(round(sum(r[1] for r in rows)))
        energy = sum(r[1] * r[2] for r in rows) * g.unit.energy_capacity_mwh
        unit = g.unit.model_copy(
            update={"energy_capacity_mwh": energy / n if n else g.unit.energy_capacity_mwh}
        )
        groups.append(g.model_copy(update={"n_units": n, "unit": unit}))
    site = scenario.site.model_copy(update={"battery_groups": tuple(groups)})
    if contract_mw is not None:
        site = site.model_copy(update={"import_limit_mw": min(site.import_limit_mw, contract_mw)})
    return scenario.replace(site=site)


def lifetime_economics(
    scenario: Scenario,
    units: dict[str, int] | int,
    *,
    contract_mw: float | None = None,
    sizing: Sizing | None = None,
    solver: WarmSolver | None = None,
) -> LifetimeResult:
    """Value ``units`` over the fleet's life: fade, augmentation, re-optimised dispatch, cash.

    Parameters
    ----------
    scenario : Scenario
        The site and a horizon that represents a year (scaled to 8,760 h); every group's
        unit needs ``economics``. With a contract decision, the scenario of
        :func:`optimizer.run.sizing.sizing_scenario` (no contract clause in the tariff).
    units : dict or int
        Units bought in year 0, per group (an int: the only group).
    contract_mw : float, optional
        The contract demand: the import is capped at it, and when ``sizing.contract`` prices
        it, the saving against the no-battery site's own peak is a cash flow [MW].
    sizing : Sizing, optional
        Discount rate, life, augmentation threshold; default ``scenario.sizing`` or ``Sizing()``.
    solver : WarmSolver, optional
        Re-used across years (and calls).

    Returns
    -------
    LifetimeResult

    Raises
    ------
    InputError
        A group's unit has no economics.
    """
    sz = sizing or scenario.sizing or Sizing()
    groups = scenario.site.battery_groups
    if isinstance(units, int):
        units = {groups[0].name: units}
    _check_economics(scenario)
    econ = {g.name: g.unit.economics for g in groups}
    life = sz.lifetime_years or max(e.lifetime_years for e in econ.values() if e is not None)
    per_year = HOURS_PER_YEAR_H / (scenario.n_intervals * scenario.interval_h)
    nameplate = {g.name: units[g.name] * g.unit.energy_capacity_mwh for g in groups}
    # cohorts: [year bought, units, remaining energy share, equivalent full cycles so far]
    cohorts: dict[str, list[list[float]]] = {
        g.name: [[0.0, float(units[g.name]), 1.0, 0.0]] for g in groups
    }
    solver = solver or WarmSolver(max_models=2)
    warm_before = solver.n_warm
    k_cost = 0.0
    if contract_mw is not None and sz.contract is not None:
        k_cost = sz.contract.rate_usd_per_mw_month * 12.0
    peak_load = float(scenario.load_mw.max())
    rows = [
        {
            "year": 0,
            "units": sum(units.values()),
            "units_added": sum(units.values()),
            "capex_usd": sum(units[b] * econ[b].capital_cost_usd for b in units),  # type: ignore[union-attr]
        }
    ]
    for year in range(1, life + 1):
        added, aug_capex = _fade_and_augment(scenario, cohorts, nameplate, sz, year)
        fleet = _fleet_scenario(scenario, cohorts, contract_mw)
        result = solver.optimize(fleet, raise_on_failure=False)
        row = _fleet_row(scenario, cohorts, nameplate, year, added, aug_capex, str(result.status))
        if result.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
            sav = result.costs["savings_usd"]
            bill = float(sav["total"]) - sum(float(sav.get(t, 0.0)) for t in SHADOW_TERMS)
            row["bill_savings_usd"] = bill * per_year
            peak_with = min(float(result.schedule["grid_import_mw"].max()), contract_mw or np.inf)
            row["contract_savings_usd"] = (
                k_cost * (peak_load - (contract_mw if contract_mw is not None else peak_with))
                if k_cost
                else 0.0
            )
            row["equivalent_full_cycles"] = _count_cycles(
                scenario, result, cohorts, nameplate, per_year
            )
        else:
            logger.warning("lifetime year %d: dispatch %s; no savings counted", year, result.status)
            row["bill_savings_usd"] = 0.0
            row["contract_savings_usd"] = 0.0
            row["equivalent_full_cycles"] = 0.0
        rows.append(row)
    rows[-1]["salvage_usd"] = _salvage_usd(scenario, cohorts, life)
    table = _cash_table(rows, sz.discount_rate_frac)
    r = sz.discount_rate_frac
    cash = table["cash_flow_usd"].to_numpy()
    return LifetimeResult(
        table=table,
        npv_usd=npv_usd(cash, r),
        irr_frac=irr_frac(cash),
        payback_year=payback_year(cash),
        discount_rate_frac=r,
        units={k: int(v) for k, v in units.items()},
        contract_mw=contract_mw,
        n_warm=solver.n_warm - warm_before,
    )


def _check_economics(scenario: Scenario) -> None:
    """Raise InputError naming every battery group whose unit has no economics."""
    groups = scenario.site.battery_groups
    missing = [i for i, g in enumerate(groups) if g.unit.economics is None]
    if missing:
        msg = ""
        raise InputError(
            msg,
            issues=[
                Issue(
                    "the battery unit has no costs",
                    path=scenario.source_path,
                    field=f"site.battery_groups.{i}.unit.economics",
                    fix="Add a [battery_unit.economics] table",
                )
                for i in missing
            ],
        )


def _fade_and_augment(
    scenario: Scenario,
    cohorts: dict[str, list[list[float]]],
    nameplate: dict[str, float],
    sz: Sizing,
    year: int,
) -> tuple[int, float]:
    """Fade every cohort to ``year``; add units where a group fell below the augmentation
    threshold of its nameplate energy [MWh]. Returns the units added and their capex [USD].
    """
    added = 0
    aug_capex = 0.0
    for g in scenario.site.battery_groups:
        e = g.unit.economics
        assert e is not None  # noqa: S101
        for c in cohorts[g.name]:
            c[2] = e.fade.remaining_frac(year - 1 - c[0], c[3])
        energy = sum(c[1] * c[2] for c in cohorts[g.name]) * g.unit.energy_capacity_mwh
        if (
            sz.augment_below_frac is not None
            and year > 1
            and energy < sz.augment_below_frac * nameplate[g.name]
        ):
            k = math.ceil((nameplate[g.name] - energy) / g.unit.energy_capacity_mwh - 1e-9)
            cohorts[g.name].append([float(year - 1), float(k), 1.0, 0.0])
            added += k
            aug_capex += k * e.capital_cost_usd
    return added, aug_capex


def _fleet_row(
    scenario: Scenario,
    cohorts: dict[str, list[list[float]]],
    nameplate: dict[str, float],
    year: int,
    added: int,
    aug_capex: float,
    status: str,
) -> dict[str, object]:
    """The year's row: units held and added, fleet energy [MWh] and its share of nameplate,
    augmentation capex and fixed O&M [USD], the dispatch status."""
    groups = scenario.site.battery_groups
    n_units = sum(sum(c[1] for c in cohorts[g.name]) for g in groups)
    energy_now = sum(
        sum(c[1] * c[2] for c in cohorts[g.name]) * g.unit.energy_capacity_mwh for g in groups
    )
    return {
        "year": year,
        "units": int(n_units),
        "units_added": added,
        "energy_frac": energy_now / sum(nameplate.values()),
        "fleet_energy_mwh": energy_now,
        "capex_usd": aug_capex,
        "status": status,
        "om_usd": _om_usd(scenario, cohorts, year),
    }


def _om_usd(scenario: Scenario, cohorts: dict[str, list[list[float]]], year: int) -> float:
    """Fixed O&M of every unit held in ``year`` [USD], escalated from year 1."""
    return sum(
        sum(c[1] for c in cohorts[g.name])
        * g.unit.economics.fixed_om_usd_per_year  # type: ignore[union-attr]
        * (1.0 + g.unit.economics.fixed_om_escalation_frac_per_year) ** (year - 1)  # type: ignore[union-attr]
        for g in scenario.site.battery_groups
    )


def _count_cycles(
    scenario: Scenario,
    result: DispatchResult,
    cohorts: dict[str, list[list[float]]],
    nameplate: dict[str, float],
    per_year: float,
) -> float:
    """Add the year's equivalent full cycles to each cohort; return the fleet's, on nameplate."""
    discharged = (
        result.groups.groupby("group")["discharge_mw"].sum() * scenario.interval_h * per_year
    )
    for g in scenario.site.battery_groups:
        efc = float(discharged.get(g.name, 0.0)) / max(
            sum(c[1] for c in cohorts[g.name]) * g.unit.energy_capacity_mwh, 1e-9
        )
        for c in cohorts[g.name]:
            c[3] += efc
    return float(discharged.sum()) / max(sum(nameplate.values()), 1e-9)


def _salvage_usd(scenario: Scenario, cohorts: dict[str, list[list[float]]], life: int) -> float:
    """What the augmentation units' remaining life is worth at the end of ``life`` [USD]."""
    salvage = 0.0
    for g in scenario.site.battery_groups:
        e = g.unit.economics
        assert e is not None  # noqa: S101
        for c in cohorts[g.name][1:]:  # augmentation: bought at the start of year c[0] + 1
            used = life - c[0]
            salvage += c[1] * e.capital_cost_usd * max(0.0, 1.0 - used / e.lifetime_years)
    return salvage


def _cash_table(rows: list[dict[str, object]], r: float) -> pd.DataFrame:
    """The yearly rows with cash flow, cumulative and discounted cash [USD] at the rate ``r``."""
    table = pd.DataFrame(rows).fillna(
        {"bill_savings_usd": 0.0, "contract_savings_usd": 0.0, "om_usd": 0.0, "salvage_usd": 0.0}
    )
    table["cash_flow_usd"] = (
        table["bill_savings_usd"]
        + table["contract_savings_usd"]
        + table["salvage_usd"]
        - table["om_usd"]
        - table["capex_usd"]
    )
    table["cumulative_usd"] = table["cash_flow_usd"].cumsum()
    table["discounted_usd"] = table["cash_flow_usd"] / (1.0 + r) ** table["year"]
    return table


__all__ = [
    "SHADOW_TERMS",
    "LifetimeResult",
    "irr_frac",
    "lifetime_economics",
    "npv_usd",
    "payback_year",
]
