"""The tariff's charges in the LP (family 7, ``SPEC.md`` §4.7 and §5, extended).

Every scenario carries a :class:`~optimizer.tariffs.spec.TariffSpec` (a simple tariff is
converted to one at the edge: a facility charge on single-interval blocks, so
``tariff_block[k,t]`` is ``SPEC.md``'s ``p[k] >= g[t]``). The records come from
:func:`optimizer.tariffs.arrays.tariff_arrays` (pure pandas). One sub-family per charge
kind, each with its rows and symbols in its docstring:

- :func:`add_tariff_peaks`: ``tariff_block``, ``tariff_billed`` (metered and billed peaks);
- :func:`add_tariff_ratchets`: ``tariff_ratchet`` (links to earlier months);
- :func:`add_tariff_demand_tiers`: ``tariff_tier``;
- :func:`add_tariff_contract_excess`: ``tariff_excess``;
- :func:`demand_costs`: the ``demand``, ``coincident`` ("max") and ``excess`` terms;
- :func:`add_tariff_expected_coincident`: the ``coincident`` term of an expected charge
  (no row);
- :func:`add_tariff_energy_tiers`: ``tariff_energy_tier`` (the ``energy_extra`` term);
- :func:`add_tariff_hud_blocks`: hours-use-of-demand blocks in their linear form, a charge
  on billed demand in the ``energy_extra`` term (no row);
- :func:`add_tariff_minimum_bill`: ``tariff_minimum`` (the ``minimum`` term).

:func:`add_tariff_charges` calls them in that order and returns the cost expressions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyomo.core as pyo
from pyomo.core.util import quicksum

from optimizer.formulation.model_data import ModelData
from optimizer.formulation.params import is_mutable, param, set_bounds
from optimizer.formulation.structure import block_partition

# Row lower bound of a (window, block) pair whose block is not in the window: HiGHS reads any
# bound at or beyond its infinite_bound (1e20) as no bound, so the row is free.
BLOCK_OFF_MW = -1e30

_TERMS = ("energy", "demand", "excess", "coincident")
MonthTerms = dict[str, dict[str, Any]]
"""Cost expressions [USD] by billing month, then by term (``energy``, ``demand``, ...)."""


def _block_avg(m: pyo.ConcreteModel, s: int, e: int) -> Any:
    """Average import over positions ``s .. e - 1`` [MW]."""
    return quicksum(m.grid_import_mw[t] for t in range(s, e)) * (1.0 / (e - s))


def _add(per_month: MonthTerms, month: str, term: str, expr: Any) -> None:
    """Add ``expr`` [USD] to ``term`` of ``month``."""
    per_month[month][term] = per_month[month][term] + expr


@dataclass(frozen=True)
class PeakWindows:
    """The peak windows (not expected coincident) of the model and their labels.

    A mutable build (warm re-solves) labels windows by position (``w0``, ``w1``, ...) and
    holds their blocks as row bounds, so that another horizon or year with other TOU
    blocks is the same structure; a plain build labels them by window name.
    """

    windows: list[Any]
    names: list[str]
    mutable: bool

    @classmethod
    def of(cls, m: pyo.ConcreteModel, data: ModelData) -> PeakWindows:
        """The peak windows of ``data`` labelled for ``m``."""
        peak = _peak_windows(data)
        mutable = is_mutable(m)
        names = [f"w{i}" for i in range(len(peak))] if mutable else [w.name for w in peak]
        return cls(peak, names, mutable)

    @property
    def label(self) -> dict[str, str]:
        """Model label of each window name."""
        return dict(zip((w.name for w in self.windows), self.names, strict=True))

    @property
    def by_label(self) -> dict[str, Any]:
        """Window of each model label."""
        return dict(zip(self.names, self.windows, strict=True))

    def labelled(self, d: ModelData) -> list[tuple[str, Any, bool]]:
        """(label, window, has contract) of ``d``'s peak windows, labelled like this model's."""
        ws = _peak_windows(d)
        labels = [f"w{i}" for i in range(len(ws))] if self.mutable else [w.name for w in ws]
        return [(lab, w, w.contract_mw is not None) for lab, w in zip(labels, ws, strict=True)]


def _peak_windows(d: ModelData) -> list[Any]:
    """Windows of ``d`` that bill a peak (a variable), in order."""
    return [w for w in d.tariff.demand_windows if not w.is_expected]


def _add_block_rows_masked(
    m: pyo.ConcreteModel, data: ModelData, names: list[str], windows: Any
) -> None:
    """``tariff_block[k,j]: m[k] - avg_j(g) >= floor[k,j]`` for every window and block.

    Every window slot ``k`` gets a row for every block ``j`` of the horizon, with
    ``floor = 0`` where block ``j`` is in window ``k`` and :data:`BLOCK_OFF_MW` (no bound)
    elsewhere: which blocks a window holds is data, not structure.
    """
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
        pairs,
        rule=lambda m, k, j: (
            m.tariff_metered_mw[k] - _block_avg(m, int(starts[j]), int(ends[j])) >= lo[k, j]
        ),
    )


def add_tariff_peaks(m: pyo.ConcreteModel, data: ModelData, peaks: PeakWindows) -> None:
    """Metered and billed peak of every peak window (facility, TOU, coincident "max").

    Notes
    -----
    tariff_block[k,b]:  m[k] >= (1/n_kb) sum_(t = s_kb .. e_kb - 1) g[t]   every block b of k
                        m[k] >= mtd[k]                                     (a bound)
    tariff_billed[k]:   B[k] >= m[k],   B[k] >= floor[k]                   (floor: a bound)

    =========  ============================================  ==============================
    symbol     meaning                                       Pyomo / field
    =========  ============================================  ==============================
    g[t]       grid import [MW]                              grid_import_mw[t]
    m[k]       metered peak of window k [MW]                 tariff_metered_mw[k]
    B[k]       billed demand of window k [MW]                tariff_billed_mw[k]
    s, e, n    block start, end (exclusive), length [-]      DemandWindow.block_starts/ends
    mtd[k]     month-to-date peak [MW]                       DemandWindow.peak_floor_mw
    floor[k]   ratchet history, minimum billing demand [MW]  DemandWindow.billing_floor_mw
    =========  ============================================  ==============================

    A mutable build holds every (window, block) pair as a row whose bound switches it off
    (:data:`BLOCK_OFF_MW`) where the block is not in the window.
    """
    names = peaks.names
    m.tariff_windows = pyo.Set(initialize=names, ordered=True)
    m.tariff_metered_mw = pyo.Var(m.tariff_windows, domain=pyo.NonNegativeReals)
    m.tariff_billed_mw = pyo.Var(m.tariff_windows, domain=pyo.NonNegativeReals)
    set_bounds(
        m,
        m.tariff_metered_mw,
        names,
        lambda d: ([w.peak_floor_mw for w in _peak_windows(d)], None),
        data,
    )
    set_bounds(
        m,
        m.tariff_billed_mw,
        names,
        lambda d: ([w.billing_floor_mw for w in _peak_windows(d)], None),
        data,
    )
    if peaks.mutable:
        _add_block_rows_masked(m, data, names, _peak_windows)
    else:
        by_name = peaks.by_label
        blocks = [(w.name, b) for w in peaks.windows for b in range(w.n_blocks)]
        m.tariff_block = pyo.Constraint(
            blocks,
            rule=lambda m, k, b: (
                m.tariff_metered_mw[k]
                >= _block_avg(m, int(by_name[k].block_starts[b]), int(by_name[k].block_ends[b]))
            ),
        )
    m.tariff_billed = pyo.Constraint(
        m.tariff_windows, rule=lambda m, k: m.tariff_billed_mw[k] >= m.tariff_metered_mw[k]
    )


def add_tariff_ratchets(m: pyo.ConcreteModel, peaks: PeakWindows) -> None:
    """Ratchet links to earlier months of the same charge inside the horizon.

    Notes
    -----
    tariff_ratchet[k,j]:  B[k] >= f[k,j] m[j]    for (j, f) in ratchet_links of window k

    =========  ===========================================  ==============================
    symbol     meaning                                      Pyomo / field
    =========  ===========================================  ==============================
    B[k]       billed demand of window k [MW]               tariff_billed_mw[k]
    m[j]       metered peak of an earlier window j [MW]     tariff_metered_mw[j]
    f[k,j]     ratchet share [-]                            DemandWindow.ratchet_links
    =========  ===========================================  ==============================

    Look-back months before the horizon are constant floors (:func:`add_tariff_peaks`).
    """
    label = peaks.label
    links = [
        (label[w.name], label[j], f)
        for w in peaks.windows
        for j, f in w.ratchet_links
        if j in label
    ]
    share = {(a, b): f for a, b, f in links}
    m.tariff_ratchet = pyo.Constraint(
        [(k, j) for k, j, _ in links],
        rule=lambda m, k, j: m.tariff_billed_mw[k] >= share[(k, j)] * m.tariff_metered_mw[j],
    )


def add_tariff_demand_tiers(m: pyo.ConcreteModel, peaks: PeakWindows) -> None:
    """Tiered demand rates: the billed demand above each tier bound.

    Notes
    -----
    tariff_tier[k,i]:  r[k,i] >= B[k] - above[k,i],   r[k,i] >= 0
    demand_usd      += sum_i c[k,i] r[k,i]            (in :func:`demand_costs`)

    =========  ===========================================  ==============================
    symbol     meaning                                      Pyomo / field
    =========  ===========================================  ==============================
    B[k]       billed demand of window k [MW]               tariff_billed_mw[k]
    r[k,i]     billed demand above tier bound i [MW]        tariff_tier_mw[k, i]
    above      tier bound [MW]                              DemandWindow.tier_steps[i][0]
    c[k,i]     rate step over the tier below [USD/MW]       DemandWindow.tier_steps[i][1]
    =========  ===========================================  ==============================

    Exact when every ``c >= 0``; a declining tier makes the LP a relaxation.
    """
    by_name = peaks.by_label
    label = peaks.label
    tiers = [(label[w.name], i) for w in peaks.windows for i in range(len(w.tier_steps))]
    m.tariff_tier_mw = pyo.Var(tiers, domain=pyo.NonNegativeReals)
    m.tariff_tier = pyo.Constraint(
        tiers,
        rule=lambda m, k, i: (
            m.tariff_tier_mw[k, i] >= m.tariff_billed_mw[k] - by_name[k].tier_steps[i][0]
        ),
    )


def add_tariff_contract_excess(
    m: pyo.ConcreteModel, data: ModelData, peaks: PeakWindows
) -> list[str]:
    """Excess of the metered peak over the contract demand.

    Notes
    -----
    tariff_excess[k]:  e[k] >= m[k] - C[k],   e[k] >= 0     windows with a contract
    excess_usd      += X[k] e[k]                           (in :func:`demand_costs`)

    =========  ===========================================  ==============================
    symbol     meaning                                      Pyomo / field
    =========  ===========================================  ==============================
    m[k]       metered peak of window k [MW]                tariff_metered_mw[k]
    e[k]       excess over contract [MW]                    tariff_excess_mw[k]
    C[k]       contract demand [MW]                         DemandWindow.contract_mw
    X[k]       excess rate [USD/MW]                         DemandWindow.excess_rate_usd_per_mw
    =========  ===========================================  ==============================

    The excess is on the metered peak, not on the ratcheted billing demand.

    Returns
    -------
    list of str
        Labels of the windows with a contract.
    """
    label = peaks.label
    contract = [label[w.name] for w in peaks.windows if w.contract_mw is not None]
    m.tariff_excess_mw = pyo.Var(contract, domain=pyo.NonNegativeReals)
    cmw = param(
        m,
        "tariff_contract",
        contract,
        lambda d: {lab: w.contract_mw for lab, w, c in peaks.labelled(d) if c},
        data,
    )
    m.tariff_excess = pyo.Constraint(
        contract, rule=lambda m, k: m.tariff_excess_mw[k] >= m.tariff_metered_mw[k] - cmw[k]
    )
    return contract


def demand_costs(
    m: pyo.ConcreteModel,
    data: ModelData,
    peaks: PeakWindows,
    contract: list[str],
    per_month: MonthTerms,
) -> None:
    """Add the peak windows' demand, coincident and excess costs to ``per_month`` [USD].

    Notes
    -----
    demand_usd (or coincident_usd for a coincident "max")  += D[k] B[k] + sum_i c[k,i] r[k,i]
    excess_usd                                              += X[k] e[k]

    Symbols as in :func:`add_tariff_peaks`, :func:`add_tariff_demand_tiers` and
    :func:`add_tariff_contract_excess`; ``D[k]`` is the first-tier rate [USD/MW]
    (``DemandWindow.rate_usd_per_mw``, Param ``p_tariff_rate`` in a mutable build).
    """
    names = peaks.names
    rate = param(
        m,
        "tariff_rate",
        names,
        lambda d: {lab: w.rate_usd_per_mw for lab, w, _ in peaks.labelled(d)},
        data,
    )
    xrate = param(
        m,
        "tariff_excess_rate",
        contract,
        lambda d: {lab: w.excess_rate_usd_per_mw for lab, w, c in peaks.labelled(d) if c},
        data,
    )
    label = peaks.label
    for w in peaks.windows:
        k = label[w.name]
        expr = rate[k] * m.tariff_billed_mw[k] + quicksum(
            extra * m.tariff_tier_mw[k, i] for i, (_, extra) in enumerate(w.tier_steps)
        )
        _add(per_month, w.month, "coincident" if w.kind == "coincident" else "demand", expr)
        if w.contract_mw is not None:
            _add(per_month, w.month, "excess", xrate[k] * m.tariff_excess_mw[k])


def add_tariff_expected_coincident(
    m: pyo.ConcreteModel, data: ModelData, per_month: MonthTerms
) -> None:
    """Expected coincident-peak charges: a weighted sum of block averages, no variable.

    Notes
    -----
    coincident_usd += D[k] (sum_b w[k,b] (1/n_kb) sum_(t in b) g[t] + A[k])

    =========  ===========================================  ==============================
    symbol     meaning                                      Pyomo / field
    =========  ===========================================  ==============================
    g[t]       grid import [MW]                             grid_import_mw[t]
    D[k]       coincident rate [USD/MW]                     DemandWindow.rate_usd_per_mw
    w[k,b]     probability of candidate block b [-]         DemandWindow.block_weights
    A[k]       expected draw already accrued [MW]           DemandWindow.accrued_mw
    =========  ===========================================  ==============================
    """
    for w in data.tariff.demand_windows:
        if w.is_expected:
            assert w.block_weights is not None  # noqa: S101
            avg = quicksum(
                float(wt) * _block_avg(m, int(s), int(e))
                for wt, s, e in zip(w.block_weights, w.block_starts, w.block_ends, strict=True)
            )
            _add(per_month, w.month, "coincident", w.rate_usd_per_mw * (avg + w.accrued_mw))


def add_tariff_energy_tiers(m: pyo.ConcreteModel, data: ModelData, per_month: MonthTerms) -> None:
    """Tiered energy rates: the period's energy in a month above each tier bound.

    Notes
    -----
    tariff_energy_tier[j,i]:  q[j,i] >= dt sum_(t in j) g[t] - above[j,i],   q[j,i] >= 0
    energy_usd               += sum_i c[j,i] q[j,i]

    =========  ===========================================  ==============================
    symbol     meaning                                      Pyomo / field
    =========  ===========================================  ==============================
    g[t]       grid import [MW]                             grid_import_mw[t]
    dt         interval length [h]                          ModelData.interval_h
    q[j,i]     energy of block j above tier bound i [MWh]   tariff_energy_tier_mwh[j, i]
    above      tier bound after month-to-date use [MWh]     EnergyTierBlock.tier_steps[i][0]
    c[j,i]     rate step over the tier below [USD/MWh]      EnergyTierBlock.tier_steps[i][1]
    =========  ===========================================  ==============================
    """
    arr, dt = data.tariff, data.interval_h
    tier_keys = [(blk.name, i) for blk in arr.energy_tiers for i in range(len(blk.tier_steps))]
    m.tariff_energy_tier_mwh = pyo.Var(tier_keys, domain=pyo.NonNegativeReals)
    blk_by = {blk.name: blk for blk in arr.energy_tiers}
    m.tariff_energy_tier = pyo.Constraint(
        tier_keys,
        rule=lambda m, j, i: (
            m.tariff_energy_tier_mwh[j, i]
            >= dt * quicksum(m.grid_import_mw[int(t)] for t in blk_by[j].positions)
            - blk_by[j].tier_steps[i][0]
        ),
    )
    for blk in arr.energy_tiers:
        cost = quicksum(
            extra * m.tariff_energy_tier_mwh[blk.name, i]
            for i, (_, extra) in enumerate(blk.tier_steps)
        )
        _add(per_month, blk.month, "energy", cost)


def add_tariff_hud_blocks(
    m: pyo.ConcreteModel, data: ModelData, peaks: PeakWindows, per_month: MonthTerms
) -> None:
    """Hours-use-of-demand energy blocks (TVA) in their exact linear form (``SPEC.md`` §9).

    Notes
    -----
    energy_usd += r_n dt sum_(t in h) g[t]  (in pi[t])  +  c[h] B[w(h)]

    with ``c = sum_j (r_j - r_n)(u_j - u_(j-1))``. This is the block bill exactly while
    ``E_h >= u_(n-1) B[w(h)]`` (the load factor keeps the period's energy beyond the last
    bounded block); :func:`optimizer.results.checks.check_hud_blocks` checks it on the
    solution and refuses one where it did not hold.

    =========  ===========================================  ==============================
    symbol     meaning                                      Pyomo / field
    =========  ===========================================  ==============================
    B[w]       billed demand of the HUD's window w [MW]     tariff_billed_mw[w]
    c[h]       charge on billed demand [USD/MW]             HudBlock.rate_usd_per_mw
    r_j, u_j   block rate [USD/MWh], bound [h]              HudBlock.tiers
    E_h        the period's energy in the month [MWh]       HudBlock.positions
    =========  ===========================================  ==============================
    """
    huds = data.tariff.hud_blocks
    if not huds:
        return
    label = peaks.label
    keys = list(range(len(huds)))
    rate = param(
        m,
        "tariff_hud_rate",
        keys,
        lambda d: {i: h.rate_usd_per_mw for i, h in enumerate(d.tariff.hud_blocks)},
        data,
    )
    for i, h in enumerate(huds):
        _add(per_month, h.month, "energy", rate[i] * m.tariff_billed_mw[label[h.window]])


def add_tariff_minimum_bill(m: pyo.ConcreteModel, data: ModelData, per_month: MonthTerms) -> Any:
    """Top-up of each month's import-side charges to its minimum bill.

    Notes
    -----
    tariff_minimum[M]:  y[M] >= min[M] - (sum_(t in M) pi[t] g[t] dt + energy_M + demand_M
                                          + excess_M + coincident_M + fixed[M]),   y[M] >= 0

    =========  ===========================================  ==============================
    symbol     meaning                                      Pyomo / field
    =========  ===========================================  ==============================
    y[M]       top-up of month M [USD]                      tariff_minimum_usd[M]
    min[M]     minimum bill of month M [USD]                BillingMonth.minimum_usd
    pi[t]      import price [USD/MWh]                       ModelData.import_price_usd_per_mwh
    fixed[M]   fixed charges of month M [USD]               BillingMonth.fixed_usd
    *_M        the other tariff terms of month M [USD]      ``per_month``
    =========  ===========================================  ==============================

    Returns
    -------
    Expression or float
        ``sum_M y[M]`` [USD]; 0 when no month has a minimum bill.
    """
    arr, dt = data.tariff, data.interval_h
    with_min = [mo for mo in arr.months if mo.minimum_usd > 0]
    if not with_min:
        return 0.0
    price = data.import_price_usd_per_mwh * dt
    m.tariff_minimum_usd = pyo.Var([mo.month for mo in with_min], domain=pyo.NonNegativeReals)

    def _minimum(m: pyo.ConcreteModel, month: str) -> Any:
        mo = next(x for x in with_min if x.month == month)
        base = quicksum(float(price[t]) * m.grid_import_mw[int(t)] for t in mo.positions)
        pm = per_month[month]
        subtotal = (
            base + pm["energy"] + pm["demand"] + pm["excess"] + pm["coincident"] + mo.fixed_usd
        )
        return m.tariff_minimum_usd[month] >= mo.minimum_usd - subtotal

    m.tariff_minimum = pyo.Constraint([mo.month for mo in with_min], rule=_minimum)
    return quicksum(m.tariff_minimum_usd[mo.month] for mo in with_min)


def add_tariff_charges(m: pyo.ConcreteModel, data: ModelData) -> dict[str, Any]:
    """Add the tariff's demand-side variables and rows; return cost expressions by term.

    Calls the sub-families of the module docstring in order; each one's maths and symbols
    are in its own docstring.

    Parameters
    ----------
    m : pyomo.environ.ConcreteModel
        Model holding ``grid_import_mw`` over ``m.T``.
    data : ModelData
        Model data with the tariff's arrays (``data.tariff``, a
        :class:`~optimizer.tariffs.arrays.TariffArrays`).

    Returns
    -------
    dict
        ``energy_extra``, ``demand``, ``excess``, ``coincident``, ``minimum`` expressions
        [USD].
    """
    arr = data.tariff
    peaks = PeakWindows.of(m, data)
    add_tariff_peaks(m, data, peaks)
    add_tariff_ratchets(m, peaks)
    add_tariff_demand_tiers(m, peaks)
    contract = add_tariff_contract_excess(m, data, peaks)
    per_month: MonthTerms = {mo.month: dict.fromkeys(_TERMS, 0.0) for mo in arr.months}
    demand_costs(m, data, peaks, contract, per_month)
    add_tariff_expected_coincident(m, data, per_month)
    add_tariff_energy_tiers(m, data, per_month)
    add_tariff_hud_blocks(m, data, peaks, per_month)
    minimum = add_tariff_minimum_bill(m, data, per_month)
    return {
        "energy_extra": quicksum(v["energy"] for v in per_month.values()),
        "demand": quicksum(v["demand"] for v in per_month.values()),
        "excess": quicksum(v["excess"] for v in per_month.values()),
        "coincident": quicksum(v["coincident"] for v in per_month.values()),
        "minimum": minimum,
    }
