"""``size_fleet``: how many units (and what contract demand) pay off, as one LP (``SPEC.md`` §8.16).

One HiGHS instance holds the sizing LP (:func:`optimizer.formulation.sizing.add_sizing`). It
is solved with the unit counts free, then re-solved warm (only the bounds of ``N`` change,
so HiGHS keeps its basis) with ``N`` fixed: at the whole numbers around the optimum (the
rounded size and its cost), one unit above it (the marginal value of one more unit, by
finite difference), and along a grid of sizes (net value against size, for the plot).

Net value over the horizon = the no-battery bill - the bill with the fleet (every cost term
of the dispatch objective, as a sweep's ``savings_usd``) - the annualised fleet cost prorated
to the horizon (``capex_usd``) - the contract charge difference when the contract is a
decision. The horizon should represent a year: :attr:`SizingResult.horizon_note` says what it is.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from optimizer.errors import InfeasibleError, Issue, SolverLimitError
from optimizer.formulation.build import build_model
from optimizer.formulation.model_data import ModelData
from optimizer.formulation.sizing import sizing_data
from optimizer.inputs.economics import HOURS_PER_YEAR_H, Sizing
from optimizer.inputs.scenario import Scenario
from optimizer.results.costs import baseline_terms
from optimizer.solver.highs import highs_instance, run_highs
from optimizer.solver.standard_form import load_values, standard_form
from optimizer.solver.status import SolveStatus
from optimizer.solver.strategy import highs_options

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SizePoint:
    """The sizing LP with the unit counts fixed.

    Attributes
    ----------
    units : dict
        Group -> units [-].
    contract_mw : float or None
        The contract demand chosen for these units [MW]; None when it is not a decision.
    objective_usd : float
        Dispatch cost + capex + contract over the horizon [USD].
    capex_usd, contract_usd : float
        The fleet's annualised cost and the contract charge over the horizon [USD].
    net_value_usd : float
        No-battery cost - objective [USD] (positive: the fleet pays off).
    unit_reduced_cost_usd : dict
        Group -> d objective / d N_b at this point, the LP's dual of the fixed bound [USD/unit].
    """

    units: dict[str, float]
    contract_mw: float | None
    objective_usd: float
    capex_usd: float
    contract_usd: float
    net_value_usd: float
    unit_reduced_cost_usd: dict[str, float] = field(default_factory=dict)

    @property
    def dispatch_usd(self) -> float:
        """The bill and the other dispatch cost terms, without capex and contract [USD]."""
        return self.objective_usd - self.capex_usd - self.contract_usd

    @property
    def total_units(self) -> float:
        """Units of every group [-]."""
        return float(sum(self.units.values()))


@dataclass(frozen=True)
class SizingResult:
    """The answer of :func:`size_fleet`.

    Attributes
    ----------
    scenario : Scenario
        The scenario the LP was built from (its contract clause removed when ``K`` is a decision).
    horizon_note : str
        What the horizon is (dates, step, intervals), for the reader.
    optimum : SizePoint
        Unit counts continuous.
    rounded : SizePoint
        The better of the whole numbers around the optimum (floor, ceil per group).
    one_more : SizePoint
        The rounded size plus one unit in the first group.
    unit_cost_usd : dict
        Group -> annualised cost of one unit prorated to the horizon [USD].
    baseline_usd : float
        The no-battery site's cost over the horizon, the contract at its own peak when the
        contract is a decision [USD].
    curve : pandas.DataFrame
        One row per size of the grid: ``units``, ``contract_mw``, ``dispatch_usd``,
        ``capex_usd``, ``contract_usd``, ``net_value_usd`` [USD].
    solve_s : float
        Seconds of all the solves [s].
    fixed : dict
        Total units -> :class:`SizePoint` for every size asked for in ``evaluate_units``.
    """

    scenario: Scenario
    horizon_note: str
    optimum: SizePoint
    rounded: SizePoint
    one_more: SizePoint
    unit_cost_usd: dict[str, float]
    baseline_usd: float
    curve: pd.DataFrame
    solve_s: float
    fixed: dict[int, SizePoint] = field(default_factory=dict)

    @property
    def marginal_value_usd_per_unit(self) -> float:
        """What one more unit saves on the dispatch cost over the horizon (by difference) [USD]."""
        return self.rounded.dispatch_usd - self.one_more.dispatch_usd

    @property
    def horizon_years(self) -> float:
        """The horizon as a share of a year [-]."""
        sc = self.scenario
        return sc.n_intervals * sc.interval_h / HOURS_PER_YEAR_H


def horizon_note(scenario: Scenario) -> str:
    """``"2021-01-01 .. 2022-01-01 at 60-min steps (8,760 intervals, 1.00 year)"``."""
    idx = scenario.index
    end = idx[-1] + pd.Timedelta(minutes=scenario.interval_min)
    years = scenario.n_intervals * scenario.interval_h / HOURS_PER_YEAR_H
    kind = "a full year" if abs(years - 1.0) < 0.01 else f"{years:.2f} of a year, prorated"
    return (
        f"{idx[0]:%Y-%m-%d} .. {end:%Y-%m-%d} at {scenario.interval_min}-min steps "
        f"({scenario.n_intervals:,} intervals: {kind}, every interval modelled, "
        "no representative weeks)"
    )


def sizing_scenario(scenario: Scenario, sizing: Sizing | None = None) -> Scenario:
    """The scenario the sizing LP is built from.

    ``sizing`` replaces ``scenario.sizing``; a group with no units gets ``max`` units as the
    affine map's reference point; when the contract is a decision the tariff's own contract
    clause (an excess charge over a fixed contract) is removed, because ``g <= K`` replaces it.
    """
    sz = sizing or scenario.sizing or Sizing()
    groups = tuple(
        g if g.n_units > 0 else g.model_copy(update={"n_units": sz.bounds(g.name)[1]})
        for g in scenario.site.battery_groups
    )
    changes: dict[str, Any] = {
        "sizing": sz,
        "site": scenario.site.model_copy(update={"battery_groups": groups}),
    }
    if (
        sz.contract is not None
        and scenario.tariff_spec is not None
        and scenario.tariff_spec.contract is not None
    ):
        changes["tariff_spec"] = scenario.tariff_spec.model_copy(update={"contract": None})
    return scenario.replace(**changes)


class _SizingLP:
    """The sizing LP in one HiGHS instance; re-solves change only the bounds of N (and K)."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        data = ModelData.from_scenario(scenario)
        self.data = dataclasses.replace(data, sizing=sizing_data(scenario))
        self.m = build_model(scenario, self.data)
        self.sf = standard_form(self.m)
        self.h = highs_instance(self.sf, highs_options(scenario.options), offset_usd=self.sf.offset)
        col = {id(v): i for i, v in enumerate(self.sf.columns)}
        self.names = [g.name for g in self.data.groups]
        self.n_col = [col[id(self.m.size_units[b])] for b in self.names]
        self.k_col = (
            col.get(id(self.m.contract_demand_mw))
            if hasattr(self.m, "contract_demand_mw")
            else None
        )
        sz = self.data.sizing
        assert sz is not None  # noqa: S101
        self.sz = sz
        self.unit_cost = dict(zip(self.names, sz.unit_cost_usd, strict=True))
        base = float(baseline_terms(data)["total"])
        if sz.contract_cost_usd_per_mw is not None:  # the no-battery site signs its own peak
            base += sz.contract_cost_usd_per_mw * float(np.max(data.load_mw))
        self.baseline_usd = base
        self.solve_s = 0.0

    def solve(self, units: dict[str, float] | None = None, *, exact: bool = True) -> SizePoint:
        """Solve with ``units`` fixed (None: free within the bounds).

        ``exact=False`` runs the interior-point method without crossover (far from the last
        basis it is the faster; its objective is exact to the solver's tolerance, its basis is
        lost, so use it last).
        """
        if not exact:
            self.h.setOptionValue("solver", "ipm")
            self.h.setOptionValue("run_crossover", "off")
        for i, b in enumerate(self.names):
            lo, hi = (
                (self.sz.min_units[i], self.sz.max_units[i])
                if units is None
                else (units[b], units[b])
            )
            self.h.changeColBounds(self.n_col[i], lo, hi)
        t0 = time.perf_counter()
        out = run_highs(self.h)
        self.solve_s += time.perf_counter() - t0
        logger.info(
            "sizing LP %s: %s in %.1f s", units or "free", out.raw_status, time.perf_counter() - t0
        )
        if out.status not in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE) or out.x is None:
            where = "free" if units is None else ", ".join(f"{b}={v:g}" for b, v in units.items())
            issue = Issue(
                f"the sizing LP ended {out.raw_status} ({where})",
                path=self.scenario.source_path,
                field="sizing",
                fix="Raise sizing.min_units so the fleet can hold the grid duties (swing, "
                "reserve), "
                "or widen the bounds",
            )
            err = InfeasibleError if out.status == SolveStatus.INFEASIBLE else SolverLimitError
            msg = ""
            raise err(msg, issues=[issue])
        x = out.x
        load_values(self.m, self.sf, x)
        dual = np.asarray(self.h.getSolution().col_dual, dtype=float)
        if len(dual) != len(x):
            dual = np.full(len(x), np.nan)
        n = {b: float(x[c]) for b, c in zip(self.names, self.n_col, strict=True)}
        k = None if self.k_col is None else float(x[self.k_col])
        capex = sum(self.unit_cost[b] * n[b] for b in self.names)
        contract = 0.0 if k is None else float(self.sz.contract_cost_usd_per_mw or 0.0) * k
        obj = float(out.objective_usd or 0.0)
        return SizePoint(
            units=n,
            contract_mw=k,
            objective_usd=obj,
            capex_usd=capex,
            contract_usd=contract,
            net_value_usd=self.baseline_usd - obj,
            unit_reduced_cost_usd={
                b: float(dual[c]) for b, c in zip(self.names, self.n_col, strict=True)
            },
        )


def size_fleet(
    scenario: Scenario,
    *,
    sizing: Sizing | None = None,
    curve_units: list[int] | None = None,
    evaluate_units: list[int] | None = None,
) -> SizingResult:
    """Choose the fleet size (and the contract demand) at least cost over the horizon.

    Parameters
    ----------
    scenario : Scenario
        The site; every battery group's unit needs ``economics``. Its horizon should
        represent a year (the capital cost is prorated by ``horizon_h / 8760``).
    sizing : Sizing, optional
        Overrides ``scenario.sizing`` (default: ``Sizing()``).
    curve_units : list of int, optional
        Total sizes to re-solve at for the net-value curve (one group: its units; several:
        scaled in proportion to the optimum). Default: none.
    evaluate_units : list of int, optional
        Total sizes to solve exactly (their contract demand and net value), e.g. ``[900]``.

    Returns
    -------
    SizingResult
        The continuous optimum, the rounded size and its cost, one unit more, the curve.

    Raises
    ------
    InputError
        No economics, no group.
    InfeasibleError
        The bounds leave no feasible fleet (for example too few units to hold the reserve).

    Examples
    --------
    >>> result = size_fleet(load_scenario("default"))     # doctest: +SKIP
    >>> result.rounded.units                              # doctest: +SKIP
    """
    sc = sizing_scenario(scenario, sizing)
    t0 = time.perf_counter()
    lp = _SizingLP(sc)
    build_s = time.perf_counter() - t0
    optimum = lp.solve()
    candidates = _whole_neighbours(optimum.units, lp)
    points = [lp.solve(c) for c in candidates]
    rounded = min(points, key=lambda p: p.objective_usd)
    first = lp.names[0]
    one_more = lp.solve(
        {**{b: v for b, v in rounded.units.items()}, first: rounded.units[first] + 1}
    )
    fixed = {
        int(total): lp.solve(_spread(total, optimum, lp.names)) for total in evaluate_units or []
    }
    rows = []
    for total in curve_units or []:
        try:
            p = lp.solve(_spread(total, optimum, lp.names), exact=False)
        except InfeasibleError:
            rows.append({"units": total, "status": "infeasible"})
            continue
        rows.append(
            {
                "units": total,
                "status": "optimal",
                "contract_mw": p.contract_mw,
                "dispatch_usd": p.dispatch_usd,
                "capex_usd": p.capex_usd,
                "contract_usd": p.contract_usd,
                "net_value_usd": p.net_value_usd,
            }
        )
    logger.info(
        "sizing LP: build %.1f s, %d solves %.1f s",
        build_s,
        2 + len(candidates) + len(fixed) + len(rows),
        lp.solve_s,
    )
    return SizingResult(
        scenario=sc,
        horizon_note=horizon_note(sc),
        optimum=optimum,
        rounded=rounded,
        one_more=one_more,
        unit_cost_usd=lp.unit_cost,
        baseline_usd=lp.baseline_usd,
        curve=pd.DataFrame(rows),
        solve_s=lp.solve_s,
        fixed=fixed,
    )


def _spread(total: float, optimum: SizePoint, names: list[str]) -> dict[str, float]:
    """``total`` units over the groups in the optimum's proportions (one group: all of it)."""
    if len(names) == 1:
        return {names[0]: float(total)}
    scale = total / max(optimum.total_units, 1e-9)
    return {b: optimum.units[b] * scale for b in names}


def scale_capital_cost(scenario: Scenario, factor: float) -> Scenario:
    """The scenario with every unit's capital cost times ``factor`` (a sensitivity) [-]."""
    groups = []
    for g in scenario.site.battery_groups:
        econ = g.unit.economics
        if econ is not None:
            econ = econ.model_copy(update={"capital_cost_usd": econ.capital_cost_usd * factor})
        groups.append(g.model_copy(update={"unit": g.unit.model_copy(update={"economics": econ})}))
    return scenario.replace(site=scenario.site.model_copy(update={"battery_groups": tuple(groups)}))


def _whole_neighbours(units: dict[str, float], lp: _SizingLP) -> list[dict[str, float]]:
    """Floor and ceiling of every group's units (within its bounds), each combination once."""
    options: list[list[float]] = []
    for i, b in enumerate(lp.names):
        lo, hi = lp.sz.min_units[i], lp.sz.max_units[i]
        v = units[b]
        near = {min(max(math.floor(v + 1e-6), lo), hi), min(max(math.ceil(v - 1e-6), lo), hi)}
        options.append(sorted(near))
    combos: list[dict[str, float]] = [{}]
    for b, vals in zip(lp.names, options, strict=True):
        combos = [{**c, b: float(v)} for c in combos for v in vals]
    return combos


__all__ = [
    "SizePoint",
    "SizingResult",
    "horizon_note",
    "scale_capital_cost",
    "size_fleet",
    "sizing_scenario",
]
