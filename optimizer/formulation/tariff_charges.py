"""The tariff engine's charges in the LP: block-average demand windows, ratchets, contract
excess, coincident peaks, energy tiers and minimum bills (``SPEC.md`` §4.7 and §5, extended).

Used instead of the single monthly demand window of :mod:`demand_charge` when the scenario
carries a :class:`~optimizer.tariffs.spec.TariffSpec`. The records come from
:func:`optimizer.tariffs.arrays.tariff_arrays` (pure pandas); the maths is in that module's
docstring and repeated here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyomo.environ as pyo
from pyomo.core.util import quicksum

from optimizer.formulation.model_data import ModelData
from optimizer.formulation.params import is_mutable, param, set_bounds
from optimizer.formulation.structure import block_partition


def _block_avg(m: pyo.ConcreteModel, s: int, e: int) -> Any:
    return quicksum(m.grid_import_mw[t] for t in range(s, e)) * (1.0 / (e - s))


# Row lower bound of a (window, block) pair whose block is not in the window: HiGHS reads any
# bound at or beyond its infinite_bound (1e20) as no bound, so the row is free.
BLOCK_OFF_MW = -1e30


def _add_block_rows_masked(m: pyo.ConcreteModel, data: ModelData, names: list[str], windows: Any) -> None:
    """``tariff_block[k,j]: m[k] - avg_j(g) >= floor[k,j]`` for every window slot ``k`` and every
    block ``j`` of the horizon, with ``floor = 0`` where block ``j`` is in window ``k`` and
    :data:`BLOCK_OFF_MW` (no bound) elsewhere: which blocks a window holds is data, not structure."""
    starts, ends = block_partition(data)
    pairs = [(k, j) for k in names for j in range(len(starts))]

    def floor(d: ModelData) -> np.ndarray:
        s2, e2 = block_partition(d)
        out = np.full((len(names), len(s2)), BLOCK_OFF_MW)
        col = {(int(a), int(b)): j for j, (a, b) in enumerate(zip(s2, e2, strict=True))}
        for i, w in enumerate(windows(d)):
            for a, b in zip(w.block_starts, w.block_ends, strict=True):
                out[i, col[(int(a), int(b))]] = 0.0
        return out.ravel()

    lo = param(m, "tariff_block_floor", pairs, floor, data)
    m.tariff_block = pyo.Constraint(
        pairs, rule=lambda m, k, j: m.tariff_metered_mw[k] - _block_avg(m, int(starts[j]), int(ends[j])) >= lo[k, j]
    )


def add_tariff_charges(m: pyo.ConcreteModel, data: ModelData) -> dict[str, Any]:
    """Add the tariff's demand-side variables and rows; return cost expressions by term.

    Notes
    -----
    For every peak window ``k`` (facility, TOU, coincident "max") and block ``b``::

        tariff_block[k,b]:    m[k] >= (1/n_kb) sum_{t in b} g[t]          metered peak
                              m[k] >= month-to-date peak                  (a bound)
        tariff_billed[k]:     B[k] >= m[k],   B[k] >= ratchet/minimum floor (a bound)
        tariff_ratchet[k,j]:  B[k] >= f m[j]                              earlier month in horizon
        tariff_tier[k,i]:     r[k,i] >= B[k] - above[k,i],  r >= 0
        tariff_excess[k]:     e[k] >= m[k] - contract[k],   e >= 0
        demand_usd     += D[k] B[k] + sum_i extra[k,i] r[k,i];   excess_usd += X[k] e[k]

    Expected coincident windows add ``D (sum_b w_b avg_b(g) + accrued)`` with no variable.
    Energy tiers: ``q[j,i] >= sum_{t in j} g dt - above``, cost ``extra q`` (in ``energy``).
    Minimum bill of month M: ``y[M] >= minimum - (energy + demand + excess + coincident + fixed)_M``.

    Returns
    -------
    dict
        ``energy_extra``, ``demand``, ``excess``, ``coincident``, ``minimum`` expressions [USD],
        and ``by_month`` partial sums used by the minimum bill.
    """
    arr = data.tariff
    assert arr is not None  # noqa: S101 - only called with a tariff spec
    dt = data.interval_h
    peak = [w for w in arr.demand_windows if not w.is_expected]
    mutable = is_mutable(m)
    # A mutable build (warm re-solves) labels windows by position and holds their blocks as
    # row bounds, so that another horizon or year with other TOU blocks is the same structure.
    names = [f"w{i}" for i in range(len(peak))] if mutable else [w.name for w in peak]
    label = dict(zip((w.name for w in peak), names, strict=True))

    def windows(d: ModelData) -> list[Any]:
        return [w for w in d.tariff.demand_windows if not w.is_expected]

    def labelled(d: ModelData) -> list[tuple[str, Any, bool]]:
        """(label, window, has contract) of ``d``'s peak windows, labelled like this model's."""
        ws = windows(d)
        labels = [f"w{i}" for i in range(len(ws))] if mutable else [w.name for w in ws]
        return [(lab, w, w.contract_mw is not None) for lab, w in zip(labels, ws, strict=True)]

    m.tariff_windows = pyo.Set(initialize=names, ordered=True)
    m.tariff_metered_mw = pyo.Var(m.tariff_windows, domain=pyo.NonNegativeReals)
    m.tariff_billed_mw = pyo.Var(m.tariff_windows, domain=pyo.NonNegativeReals)
    set_bounds(m, m.tariff_metered_mw, names, lambda d: ([w.peak_floor_mw for w in windows(d)], None), data)
    set_bounds(m, m.tariff_billed_mw, names, lambda d: ([w.billing_floor_mw for w in windows(d)], None), data)
    by_name = {label[w.name]: w for w in peak}
    if mutable:
        _add_block_rows_masked(m, data, names, windows)
    else:
        blocks = [(w.name, b) for w in peak for b in range(w.n_blocks)]
        m.tariff_block = pyo.Constraint(
            blocks,
            rule=lambda m, k, b: m.tariff_metered_mw[k] >= _block_avg(m, int(by_name[k].block_starts[b]), int(by_name[k].block_ends[b])),
        )
    m.tariff_billed = pyo.Constraint(m.tariff_windows, rule=lambda m, k: m.tariff_billed_mw[k] >= m.tariff_metered_mw[k])
    links = [(label[w.name], label[j], f) for w in peak for j, f in w.ratchet_links if j in label]
    m.tariff_ratchet = pyo.Constraint(
        [(k, j) for k, j, _ in links], rule=lambda m, k, j: m.tariff_billed_mw[k] >= dict(((a, b), f) for a, b, f in links)[(k, j)] * m.tariff_metered_mw[j]
    )
    tiers = [(label[w.name], i) for w in peak for i in range(len(w.tier_steps))]
    m.tariff_tier_mw = pyo.Var(tiers, domain=pyo.NonNegativeReals)
    m.tariff_tier = pyo.Constraint(tiers, rule=lambda m, k, i: m.tariff_tier_mw[k, i] >= m.tariff_billed_mw[k] - by_name[k].tier_steps[i][0])
    contract = [label[w.name] for w in peak if w.contract_mw is not None]
    m.tariff_excess_mw = pyo.Var(contract, domain=pyo.NonNegativeReals)
    cmw = param(m, "tariff_contract", contract, lambda d: {lab: w.contract_mw for lab, w, c in labelled(d) if c}, data)
    m.tariff_excess = pyo.Constraint(contract, rule=lambda m, k: m.tariff_excess_mw[k] >= m.tariff_metered_mw[k] - cmw[k])
    rate = param(m, "tariff_rate", names, lambda d: {lab: w.rate_usd_per_mw for lab, w, _ in labelled(d)}, data)
    xrate = param(m, "tariff_excess_rate", contract, lambda d: {lab: w.excess_rate_usd_per_mw for lab, w, c in labelled(d) if c}, data)

    per_month: dict[str, dict[str, Any]] = {mo.month: {"energy": 0.0, "demand": 0.0, "excess": 0.0, "coincident": 0.0} for mo in arr.months}

    def add(month: str, term: str, expr: Any) -> None:
        per_month[month][term] = per_month[month][term] + expr

    for w in peak:
        k = label[w.name]
        expr = rate[k] * m.tariff_billed_mw[k] + quicksum(extra * m.tariff_tier_mw[k, i] for i, (_, extra) in enumerate(w.tier_steps))
        add(w.month, "coincident" if w.kind == "coincident" else "demand", expr)
        if w.contract_mw is not None:
            add(w.month, "excess", xrate[k] * m.tariff_excess_mw[k])
    for w in arr.demand_windows:
        if w.is_expected:
            assert w.block_weights is not None  # noqa: S101
            avg = quicksum(float(wt) * _block_avg(m, int(s), int(e)) for wt, s, e in zip(w.block_weights, w.block_starts, w.block_ends, strict=True))
            add(w.month, "coincident", w.rate_usd_per_mw * (avg + w.accrued_mw))
    tier_keys = [(blk.name, i) for blk in arr.energy_tiers for i in range(len(blk.tier_steps))]
    m.tariff_energy_tier_mwh = pyo.Var(tier_keys, domain=pyo.NonNegativeReals)
    blk_by = {blk.name: blk for blk in arr.energy_tiers}
    m.tariff_energy_tier = pyo.Constraint(
        tier_keys,
        rule=lambda m, j, i: m.tariff_energy_tier_mwh[j, i] >= dt * quicksum(m.grid_import_mw[int(t)] for t in blk_by[j].positions) - blk_by[j].tier_steps[i][0],
    )
    for blk in arr.energy_tiers:
        add(blk.month, "energy", quicksum(extra * m.tariff_energy_tier_mwh[blk.name, i] for i, (_, extra) in enumerate(blk.tier_steps)))
    energy_extra = quicksum(v["energy"] for v in per_month.values())
    minimum: Any = 0.0
    with_min = [mo for mo in arr.months if mo.minimum_usd > 0]
    if with_min:
        price = data.import_price_usd_per_mwh * dt
        m.tariff_minimum_usd = pyo.Var([mo.month for mo in with_min], domain=pyo.NonNegativeReals)

        def _minimum(m: pyo.ConcreteModel, month: str) -> Any:
            mo = next(x for x in with_min if x.month == month)
            base = quicksum(float(price[t]) * m.grid_import_mw[int(t)] for t in mo.positions)
            pm = per_month[month]
            subtotal = base + pm["energy"] + pm["demand"] + pm["excess"] + pm["coincident"] + mo.fixed_usd
            return m.tariff_minimum_usd[month] >= mo.minimum_usd - subtotal

        m.tariff_minimum = pyo.Constraint([mo.month for mo in with_min], rule=_minimum)
        minimum = quicksum(m.tariff_minimum_usd[mo.month] for mo in with_min)
    return {
        "energy_extra": energy_extra,
        "demand": quicksum(v["demand"] for v in per_month.values()),
        "excess": quicksum(v["excess"] for v in per_month.values()),
        "coincident": quicksum(v["coincident"] for v in per_month.values()),
        "minimum": minimum,
    }
