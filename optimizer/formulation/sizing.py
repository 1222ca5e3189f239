"""Family 16, sizing (``SPEC.md`` §8): unit counts and the contract demand as decisions.

Also the throughput budget (a warranty's cycle limit), a row per group that dispatch and
sizing share.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pyomo.core as pyo
from pyomo.core.expr.visitor import ExpressionReplacementVisitor
from pyomo.core.util import quicksum

from optimizer.errors import InputError, Issue
from optimizer.formulation.costs import CostTerm
from optimizer.formulation.model_data import ModelData, SizingData
from optimizer.formulation.params import param, sources
from optimizer.inputs.economics import HOURS_PER_YEAR_H, annualised_cost_usd_per_unit
from optimizer.inputs.scenario import Scenario

_REL_TOL = 1e-9  # a slope below this share of the value is round-off, not a dependence on N


def sizing_data(scenario: Scenario) -> SizingData:
    """The :class:`SizingData` of a scenario with ``[sizing]``, at its own unit counts.

    Parameters
    ----------
    scenario : Scenario
        With ``scenario.sizing`` set, every battery group holding at least one unit (the
        reference point of the affine map) and its unit's ``economics``.

    Returns
    -------
    SizingData
        Bounds, the annualised cost per unit prorated to the horizon [USD], and the
        perturbed data (each group at twice its units).

    Raises
    ------
    InputError
        No ``[sizing]``, a group with 0 units, or a unit without ``economics``.
    """
    sz = scenario.sizing
    issues = _sizing_issues(scenario)
    if issues:
        msg = ""
        raise InputError(msg, issues=issues)
    assert sz is not None  # noqa: S101 - checked above
    groups = scenario.site.battery_groups
    horizon_frac = scenario.n_intervals * scenario.interval_h / HOURS_PER_YEAR_H
    perturbed = _perturbed_data(scenario)
    costs = []
    for g in groups:
        econ = g.unit.economics
        assert econ is not None  # noqa: S101 - checked above
        life = sz.lifetime_years or econ.lifetime_years
        costs.append(annualised_cost_usd_per_unit(econ, sz.discount_rate_frac, life) * horizon_frac)
    contract = sz.contract
    contract_cost = None
    k_max = float("inf")
    if contract is not None:
        contract_cost = contract.rate_usd_per_mw_month * scenario.n_billing_months()
        k_max = (
            float(np.max(scenario.import_limit_mw()))
            if contract.max_mw is None
            else contract.max_mw
        )
    return SizingData(
        min_units=tuple(float(sz.bounds(g.name)[0]) for g in groups),
        max_units=tuple(float(sz.bounds(g.name)[1]) for g in groups),
        reference_units=tuple(float(g.n_units) for g in groups),
        unit_cost_usd=tuple(costs),
        perturbed=tuple(perturbed),
        contract_cost_usd_per_mw=contract_cost,
        contract_min_mw=0.0 if contract is None else contract.min_mw,
        contract_max_mw=k_max,
    )


def _sizing_issues(scenario: Scenario) -> list[Issue]:
    """What stops ``scenario`` from being sized: no ``[sizing]``, no group, no units or costs."""
    issues: list[Issue] = []
    if scenario.sizing is None:
        issues.append(
            Issue(
                "the scenario has no [sizing] table",
                path=scenario.source_path,
                field="sizing",
                fix="Add a [sizing] table",
            )
        )
    groups = scenario.site.battery_groups
    if not groups:
        issues.append(
            Issue(
                "sizing needs a battery group",
                path=scenario.source_path,
                field="site.battery_groups",
                fix="Add a [[site.battery_groups]] table",
            )
        )
    for i, g in enumerate(groups):
        if g.n_units <= 0:
            issues.append(
                Issue(
                    "a sized group needs units as its reference point",
                    path=scenario.source_path,
                    field=f"site.battery_groups.{i}.n_units",
                    expected="> 0",
                    got=str(g.n_units),
                    fix="Give the group any positive n_units (the sizing LP replaces it)",
                )
            )
        if g.unit.economics is None:
            issues.append(
                Issue(
                    "the battery unit has no costs",
                    path=scenario.source_path,
                    field=f"site.battery_groups.{i}.unit.economics",
                    fix="Add a [battery_unit.economics] table (capital_cost_usd, lifetime_years)",
                )
            )
    return issues


def _perturbed_data(scenario: Scenario) -> list[ModelData]:
    """The model data with each battery group in turn at twice its units, the others unchanged."""
    groups = scenario.site.battery_groups
    perturbed = []
    for b in range(len(groups)):
        twice = tuple(
            g.model_copy(update={"n_units": 2 * g.n_units}) if j == b else g
            for j, g in enumerate(groups)
        )
        perturbed.append(
            ModelData.from_scenario(
                scenario.replace(site=scenario.site.model_copy(update={"battery_groups": twice}))
            )
        )
    return perturbed


def with_fixed_units(
    data: ModelData, units: dict[str, float], contract_mw: float | None = None
) -> ModelData:
    """``data`` with every group's ``N_b`` (and ``K``, when given) fixed: both bounds equal."""
    sz = data.sizing
    if sz is None:
        msg = "with_fixed_units: the data has no sizing; build it with sizing_data"
        raise ValueError(msg)
    n = tuple(float(units[g.name]) for g in data.groups)
    k_lo, k_hi = (
        (sz.contract_min_mw, sz.contract_max_mw)
        if contract_mw is None
        else (contract_mw, contract_mw)
    )
    return dataclasses.replace(
        data,
        sizing=dataclasses.replace(
            sz, min_units=n, max_units=n, contract_min_mw=k_lo, contract_max_mw=k_hi
        ),
    )


def add_sizing(m: pyo.ConcreteModel, data: ModelData) -> list[CostTerm]:
    """Make each group's unit count, and optionally the contract demand, a decision (16).

    Parameters
    ----------
    m : pyomo.environ.ConcreteModel
        A model built **mutable** (every number a Param or a data-driven bound) with all the
        other families in place.
    data : ModelData
        With ``data.sizing``.

    Returns
    -------
    list of CostTerm
        ``capex`` and, when ``K`` is a decision, ``contract``.

    Notes
    -----
    Every ``n_b`` of families 1-4, 9, 10, 14 and the throughput budget only multiplies data,
    so each number ``q`` of the LP is affine in the unit counts:
    ``q(N) = q(n) + sum_b (dq/dn_b) (N_b - n_b)``. The slope of every Param and bound is taken
    from the data at ``2 n_b`` (:class:`SizingData`); the getter that defines a number is the
    one place it is defined, so no family's maths is repeated here. Then::

        each Param q with a slope:   replaced in every row by q(n) + sum_b dq/dn_b (N_b - n_b)
            (the balance's aux, the initial and terminal SOC, the swing headroom a n P,
             the reserve SOC band, the energy floor, the throughput budget)
        each bound with a slope:     size_<var>_upper[k]:  v[k] <= ub_k(N)
                                     size_<var>_lower[k]:  v[k] >= lb_k(N)
            (c <= a N Pc, d <= a N Pd, smin N E <= s <= smax N E); the variable keeps the
            loosest bound over the box [Nmin, Nmax]
        size_contract[t]:            g[t] <= K                       (when K is a decision)
        capex_usd    = sum_b N_b (capex_b CRF(r, life_b) + om_b) horizon_h / 8760
        contract_usd = rho n_months K

    =========  ===============================================  ===========================
    symbol     meaning                                          Pyomo / field
    =========  ===============================================  ===========================
    N_b        units of group b [-]                             size_units[b]
    n_b        the units the data was computed at [-]           SizingData.reference_units
    K          contract demand [MW]                             contract_demand_mw
    capex CRF  annualised capital and levelised O&M [USD/y]     SizingData.unit_cost_usd
    rho        contract charge [USD/MW-month]                   SizingData.contract_cost_usd_per_mw
    =========  ===============================================  ===========================
    """
    sz = data.sizing
    if sz is None:
        msg = "add_sizing: data.sizing is None; build the data with sizing_data"
        raise ValueError(msg)
    names = [g.name for g in data.groups]
    box = {b: (sz.min_units[i], sz.max_units[i]) for i, b in enumerate(names)}
    m.SB = pyo.Set(initialize=names, ordered=True)
    m.size_units = pyo.Var(m.SB, bounds=lambda m, b: box[b])
    ref = np.array(sz.reference_units, dtype=float)

    def affine(v0: np.ndarray, vb: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(value at n, slopes (B, K), mask of entries that depend on N)."""
        slopes = np.stack([(v - v0) / ref[i] for i, v in enumerate(vb)])
        scale = np.maximum(np.abs(v0), 1.0)
        finite = np.isfinite(v0) & np.all(np.isfinite(slopes), axis=0)
        mask = finite & np.any(np.abs(slopes) * ref[:, None] > _REL_TOL * scale, axis=0)
        return v0, np.where(np.isfinite(slopes), slopes, 0.0), mask

    def expr_at(v0: float, slopes: np.ndarray) -> Any:
        return v0 + quicksum(
            float(s) * (m.size_units[b] - ref[i])
            for i, (b, s) in enumerate(zip(names, slopes, strict=True))
            if s != 0.0
        )

    param_sources, bound_sources = sources(m)
    substitute: dict[int, Any] = {}
    for src in param_sources:
        v0, slopes, mask = affine(src.values(data), [src.values(p) for p in sz.perturbed])
        for j in np.flatnonzero(mask):
            target = src.component if src.keys is None else src.component[src.keys[j]]
            substitute[id(target)] = expr_at(float(v0[j]), slopes[:, j])
    if substitute:
        walker = ExpressionReplacementVisitor(substitute=substitute, remove_named_expressions=True)
        for con in m.component_data_objects(pyo.Constraint, active=True):
            new = walker.walk_expression(con.expr)
            if new is not con.expr:
                con.set_value(new)
    _add_bound_rows(m, data, bound_sources, affine, expr_at, box, names)
    unit_cost = dict(zip(names, sz.unit_cost_usd, strict=True))
    costs = [CostTerm("capex", quicksum(unit_cost[b] * m.size_units[b] for b in names))]
    if sz.contract_cost_usd_per_mw is not None:
        m.contract_demand_mw = pyo.Var(bounds=(sz.contract_min_mw, sz.contract_max_mw))
        m.size_contract = pyo.Constraint(
            m.T, rule=lambda m, t: m.grid_import_mw[t] - m.contract_demand_mw <= 0
        )
        costs.append(CostTerm("contract", sz.contract_cost_usd_per_mw * m.contract_demand_mw))
    return costs


def _add_bound_rows(
    m: pyo.ConcreteModel,
    data: ModelData,
    bound_sources: list[Any],
    affine: Any,
    expr_at: Any,
    box: dict[str, tuple[float, float]],
    names: list[str],
) -> None:
    """Turn every bound that depends on N into rows ``size_<var>_upper/lower``."""
    sz = data.sizing
    assert sz is not None  # noqa: S101
    lo_n = np.array([box[b][0] for b in names])
    hi_n = np.array([box[b][1] for b in names])
    ref = np.array(sz.reference_units)
    rows: dict[tuple[str, str], dict[Any, Any]] = {}
    for src in bound_sources:
        n = len(src.keys)
        here = src.getter(data)
        there = [src.getter(p) for p in sz.perturbed]
        for side in (0, 1):
            if here[side] is None:
                continue
            v0 = np.broadcast_to(np.asarray(here[side], dtype=float), (n,)).copy()
            vb = [np.broadcast_to(np.asarray(t[side], dtype=float), (n,)) for t in there]
            v0, slopes, mask = affine(v0, vb)
            if not mask.any():
                continue
            # the loosest bound over the box: each term at the end of [Nmin, Nmax] that relaxes it
            at_lo = v0 + ((lo_n - ref)[:, None] * slopes).sum(axis=0)
            at_hi = v0 + ((hi_n - ref)[:, None] * slopes).sum(axis=0)
            loose = np.minimum(at_lo, at_hi) if side == 0 else np.maximum(at_lo, at_hi)
            table = rows.setdefault((src.var.local_name, "lower" if side == 0 else "upper"), {})
            for j in np.flatnonzero(mask):
                k = src.keys[j]
                v = src.var[k]
                if side == 0:
                    v.setlb(float(loose[j]))
                else:
                    v.setub(float(loose[j]))
                table[k] = (v, expr_at(float(v0[j]), slopes[:, j]))
    for (var_name, side), table in rows.items():
        keys = list(table)

        def _rule(
            m: pyo.ConcreteModel, *k: Any, table: dict[Any, Any] = table, side: str = side
        ) -> Any:
            v, rhs = table[k if len(k) > 1 else k[0]]
            return v >= rhs if side == "lower" else v <= rhs

        m.add_component(f"size_{var_name}_{side}", pyo.Constraint(keys, rule=_rule))


def add_throughput_budget(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Discharge no more than a warranty's cycles allow over the horizon, per group.

    Notes
    -----
    ::

        throughput_budget[b]:  sum_t d[b,t] dt <= Y n[b] E[b] horizon_h / 8760

    =========  ============================================  =============================
    symbol     meaning                                       Pyomo / field
    =========  ============================================  =============================
    d[b,t]     discharge [MW]                                discharge_mw[b, t]
    Y          equivalent full cycles a year [-/y]           Sizing.max_cycles_per_year
    n E        group nameplate energy [MWh]                  BatteryGroup.energy_capacity_mwh
    =========  ============================================  =============================
    """
    if data.throughput_max_mwh is None:
        return
    names = [g.name for g in data.groups]
    budget = param(
        m,
        "throughput_max",
        names,
        lambda d: dict(zip([g.name for g in d.groups], d.throughput_max_mwh.tolist(), strict=True)),
        data,
    )
    dt_h = data.interval_h
    m.throughput_budget = pyo.Constraint(
        m.B, rule=lambda m, b: quicksum(dt_h * m.discharge_mw[b, t] for t in m.T) <= budget[b]
    )


__all__ = ["add_sizing", "add_throughput_budget", "sizing_data", "with_fixed_units"]
