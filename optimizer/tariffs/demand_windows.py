"""Demand charges on a horizon: one :class:`DemandWindow` per (billing month x charge).

Each charge kind has its function: :func:`facility_windows` (a facility demand charge by
month), :func:`tou_windows` (TOU demand periods) and :func:`coincident_window` (a
coincident-peak charge on candidate system-peak hours). Ratchets, minimum billing demand
and the contract minimum become floors and links of the billed demand
(:func:`billing_floors`); tiers become steps above the first rate. :func:`demand_windows`
gathers them in month order (facility, TOU, coincident).

LP rows of a window (``g_t`` import [MW]; ``SPEC.md`` §4.7 extended)
--------------------------------------------------------------------
Peak window ``k`` (``block_weights is None``)::

    m_k >= (1/n_kb) sum_(t = s_kb .. e_kb - 1) g_t   for every block b  (n_kb = e_kb - s_kb)
    m_k >= peak_floor_mw_k                             (month-to-date peak)
    b_k >= m_k,   b_k >= billing_floor_mw_k           (ratchet history, minimum billing demand)
    b_k >= f * m_j                for (j, f) in ratchet_links_k   (earlier months in horizon)
    r_kj >= b_k - above_kj,  r_kj >= 0                for tier_steps_k = ((above_kj, c_kj), ...)
    e_k >= m_k - contract_mw_k,  e_k >= 0             when contract_mw_k is not None
    demand_usd += D_k b_k + sum_j c_kj r_kj ;  excess_usd += X_k e_k

With no floors, links or tiers, ``b_k = m_k = p_k`` and this is ``SPEC.md`` §4.7 on block
averages. ``m_k`` (metered) and ``b_k`` (billed) must stay separate when a contract is set:
the excess is on the metered peak, not on the ratcheted billing demand.

Expected coincident window (``block_weights is not None``), no variable::

    coincident_usd += D_k * (sum_b w_kb (1/n_kb) sum_(t in b) g_t + accrued_mw_k)

A declining tier (``c < 0``) makes the cost concave in ``b``: ``is_convex`` is False and
the LP is no longer exact (see :mod:`optimizer.tariffs.arrays`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from optimizer import timeindex
from optimizer.errors import InputError, Issue
from optimizer.tariffs.calendar import (
    Calendar,
    FloatArray,
    IntArray,
    block_ids,
    block_intervals,
    month_offset,
    month_shares,
    period_of,
    sliding_blocks,
    tariff_calendar,
)
from optimizer.tariffs.spec import DemandPeriod, TariffSpec, TouDemandCharge

Floors = tuple[float, float, tuple[tuple[str, float], ...]]
"""``(peak_floor_mw, billing_floor_mw, ratchet_links)`` of one window."""


@dataclass(frozen=True)
class DemandWindow:
    """One demand-charge window: a billing month x a charge, in model units.

    The LP rows of each kind (peak window, expected coincident window, contract excess,
    ratchet floors and links, tiers) are in this module's docstring.

    Attributes
    ----------
    name : str
        ``"<YYYY-MM> <charge>"``, e.g. ``"2021-02 facility"``, ``"2021-02 on-peak"``.
    kind : {"facility", "tou", "coincident"}
        Which kind of charge made the window.
    charge : str
        Charge name (facility name, TOU period name or coincident name).
    month : str
        Billing month ``YYYY-MM`` (local).
    rate_usd_per_mw : float
        ``D_k``: first-tier rate, prorated when asked [USD/MW].
    positions : ndarray of int
        Interval positions covered (sorted).
    block_intervals : int
        Nominal block length ``n`` [intervals]: demand interval / step (1 when the step is
        the demand interval or longer). Blocks cut by the horizon edge are shorter.
    block_starts, block_ends : ndarray of int
        Block ``b`` covers positions ``block_starts[b] .. block_ends[b] - 1`` (contiguous;
        clock-aligned, or overlapping for sliding metering); its average is the block's
        demand [MW].
    block_weights : ndarray of float or None
        Probabilities of the blocks for an expected coincident charge; None for a peak.
    peak_floor_mw : float
        Month-to-date metered peak: ``m_k >= peak_floor_mw`` [MW].
    billing_floor_mw : float
        Constant floor on billed demand from ratchet history, minimum billing demand and
        contract minimum: ``b_k >= billing_floor_mw`` [MW].
    ratchet_links : tuple of (str, float)
        ``(name_j, f)``: ``b_k >= f * m_j`` for earlier windows ``j`` of the same charge.
    tier_steps : tuple of (float, float)
        ``(above_mw, extra_usd_per_mw)``: extra cost ``extra * max(0, b_k - above)``.
    contract_mw : float or None
        Contract demand for the excess charge [MW].
    excess_rate_usd_per_mw : float
        ``X_k``: excess rate, prorated [USD/MW].
    accrued_mw : float
        Expected coincident draw already accrued this month (added to the weighted sum) [MW].
    prorate_frac : float
        Share of the month in the horizon applied to the rates (1 when not prorating) [-].
    season : str or None
        The season whose rates apply (None when the tariff has no seasons).
    """

    name: str
    kind: Literal["facility", "tou", "coincident"]
    charge: str
    month: str
    rate_usd_per_mw: float
    positions: IntArray
    block_intervals: int
    block_starts: IntArray
    block_ends: IntArray
    block_weights: FloatArray | None = None
    peak_floor_mw: float = 0.0
    billing_floor_mw: float = 0.0
    ratchet_links: tuple[tuple[str, float], ...] = ()
    tier_steps: tuple[tuple[float, float], ...] = ()
    contract_mw: float | None = None
    excess_rate_usd_per_mw: float = 0.0
    accrued_mw: float = 0.0
    prorate_frac: float = 1.0
    season: str | None = None

    @property
    def is_expected(self) -> bool:
        """True for an expected-value coincident window (linear cost, no peak variable)."""
        return self.block_weights is not None

    @property
    def is_convex(self) -> bool:
        """True when the LP formulation is exact (no declining tier)."""
        return all(extra >= 0 for _, extra in self.tier_steps)

    @property
    def n_blocks(self) -> int:
        """Number of blocks [-]."""
        return len(self.block_starts)

    def block_averages_mw(self, grid_import_mw: npt.ArrayLike) -> FloatArray:
        """Average import of each block [MW] (a one-interval block's is its import, exactly)."""
        g = np.asarray(grid_import_mw, dtype=float)
        if self.block_intervals == 1 and np.all(self.block_ends - self.block_starts == 1):
            return g[self.block_starts]
        csum = np.concatenate([[0.0], np.cumsum(g)])
        return (csum[self.block_ends] - csum[self.block_starts]) / (
            self.block_ends - self.block_starts
        )


def _blocks(pos: IntArray, ids: IntArray) -> tuple[IntArray, IntArray]:
    """Start/end (exclusive) positions of the blocks met by sorted positions ``pos``."""
    if len(pos) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    b = ids[pos]
    cut = np.flatnonzero((np.diff(b) != 0) | (np.diff(pos) != 1)) + 1
    starts = pos[np.concatenate([[0], cut])]
    ends = pos[np.concatenate([cut - 1, [len(pos) - 1]])] + 1
    return starts.astype(np.int64), ends.astype(np.int64)


def _tier_steps(period: DemandPeriod, frac: float) -> tuple[float, tuple[tuple[float, float], ...]]:
    tiers = period.tier_list()
    base = tiers[0].rate_usd_per_mw * frac
    steps = tuple(
        (float(lo.upper_mw or 0.0), (hi.rate_usd_per_mw - lo.rate_usd_per_mw) * frac)
        for lo, hi in zip(tiers, tiers[1:], strict=False)
    )
    return base, steps


@dataclass(frozen=True)
class _Horizon:
    """What every charge kind needs of the horizon: steps, calendar, blocks, month shares."""

    spec: TariffSpec
    index: pd.DatetimeIndex
    step_min: int
    cal: Calendar
    n_block: int
    block_id: IntArray
    prorate_frac: dict[str, float]
    sliding: bool
    windows_by_charge: dict[str, list[DemandWindow]] = field(default_factory=dict)

    @classmethod
    def of(cls, spec: TariffSpec, index: pd.DatetimeIndex, cal: Calendar | None = None) -> _Horizon:
        """Check ``index`` and the demand interval, and work out the calendar (unless given)."""
        step = timeindex.interval_min(index)
        n_block = block_intervals(spec.demand_interval_min, step)
        ids = block_ids(index, None if n_block == 1 else spec.demand_interval_min)
        cal = tariff_calendar(spec, index) if cal is None else cal
        shares = month_shares(spec, index, cal, step)
        fracs = {label: s.prorate_frac for label, s in shares.items()}
        sliding = spec.demand_metering == "sliding" and n_block > 1
        return cls(spec, index, step, cal, n_block, ids, fracs, sliding)

    def blocks(self, pos: IntArray) -> tuple[IntArray, IntArray]:
        """The demand blocks of a window over sorted positions ``pos``: clock or sliding."""
        if self.sliding:
            return sliding_blocks(pos, self.n_block)
        return _blocks(pos, self.block_id)


def _check_state_months(spec: TariffSpec, cal: Calendar) -> None:
    """Reject a month-to-date peak recorded for a month after the horizon.

    Raises
    ------
    InputError
        ``state.peaks`` holds a month after the horizon's last month.
    """
    last = cal.labels[-1]
    for i, rec in enumerate(spec.state.peaks):
        if month_offset(rec.month, last) > 0:
            raise InputError(
                issues=[
                    Issue(
                        "state peak is after the horizon",
                        field=f"tariff.state.peaks.{i}.month",
                        expected=f"a month up to {last}",
                        got=rec.month,
                        fix="Drop the record or extend the horizon",
                    )
                ],
            )


def billing_floors(h: _Horizon, charge: str, label: str) -> Floors:
    """Month-to-date peak, constant billing floor and ratchet links of one window.

    The billing floor [MW] is the largest of the ratchet's minimum billing demand, its
    share of the highest peak of the look-back months before the horizon, and the
    contract minimum. Look-back months inside the horizon become links ``(window, f)``:
    the billed demand is at least ``f`` times that window's metered peak.
    """
    spec, contract = h.spec, h.spec.contract
    mtd = max(
        (r.peak_mw for r in spec.state.peaks if r.charge == charge and r.month == label),
        default=0.0,
    )
    billing = 0.0
    links: list[tuple[str, float]] = []
    ratchet = spec.ratchet_for(charge)
    if ratchet is not None:
        billing = ratchet.minimum_mw
        if ratchet.lookback_frac > 0 and ratchet.lookback_months > 0:
            first = h.cal.labels[0]

            def looked_back(month: str) -> bool:
                return (
                    1 <= month_offset(label, month) <= ratchet.lookback_months
                    and int(month[5:]) in ratchet.lookback_calendar_months
                )

            hist = [
                r.peak_mw
                for r in spec.state.peaks
                if r.charge == charge and month_offset(r.month, first) < 0 and looked_back(r.month)
            ]
            if hist:
                billing = max(billing, ratchet.lookback_frac * max(hist))
            links = [
                (w.name, ratchet.lookback_frac)
                for w in h.windows_by_charge.get(charge, [])
                if looked_back(w.month)
            ]
    if contract is not None and charge in contract.applies_to:
        billing = max(billing, contract.minimum_billing_frac * contract.contract_mw)
    return mtd, billing, tuple(links)


def _peak_window(
    h: _Horizon,
    kind: Literal["facility", "tou"],
    charge: str,
    period: DemandPeriod,
    label: str,
    pos: IntArray,
) -> DemandWindow | None:
    """The peak window of one charge in one month, or None when nothing is billed.

    A zero-rate period is left out unless a ratchet, the contract or an HUD energy period
    refers to the charge (its metered or billed peak is then needed). A seasonal rate takes
    the season of the month.
    """
    spec, contract = h.spec, h.spec.contract
    has_contract = contract is not None and charge in contract.applies_to
    needed = spec.ratchet_for(charge) is not None or has_contract or charge in spec.hud_charges()
    if len(pos) == 0 or (period.is_zero and not needed):
        return None
    frac = h.prorate_frac[label]
    season = spec.season_of(int(label[5:]))
    base, steps = _tier_steps(period.in_season(season), frac)
    mtd, billing, links = billing_floors(h, charge, label)
    starts, ends = h.blocks(pos)
    w = DemandWindow(
        name=f"{label} {charge}",
        kind=kind,
        charge=charge,
        month=label,
        rate_usd_per_mw=base,
        positions=pos.astype(np.int64),
        block_intervals=h.n_block,
        block_starts=starts,
        block_ends=ends,
        peak_floor_mw=mtd,
        billing_floor_mw=billing,
        ratchet_links=links,
        tier_steps=steps,
        contract_mw=contract.contract_mw if has_contract and contract is not None else None,
        excess_rate_usd_per_mw=contract.excess_rate_in(season) * frac
        if has_contract and contract is not None
        else 0.0,
        prorate_frac=frac,
        season=season,
    )
    h.windows_by_charge.setdefault(charge, []).append(w)
    return w


def facility_windows(h: _Horizon, label: str) -> list[DemandWindow]:
    """The facility demand charge of month ``label``: one window over the whole month."""
    facility = h.spec.facility_demand
    if facility is None:
        return []
    period = facility.period_for_month(int(label[5:]))
    if period is None:
        return []
    pos = np.flatnonzero(h.cal.month_label == label)
    w = _peak_window(h, "facility", facility.name, period, label, pos)
    return [] if w is None else [w]


def tou_windows(
    h: _Horizon, label: str, tou_periods: list[tuple[TouDemandCharge, IntArray]]
) -> list[DemandWindow]:
    """The TOU demand charges of month ``label``: one window per charge and period.

    ``tou_periods`` holds each TOU charge with the period index of every interval.
    """
    in_month = h.cal.month_label == label
    out = []
    for charge, per in tou_periods:
        for k, period in enumerate(charge.periods):
            pos = np.flatnonzero(in_month & (per == k))
            w = _peak_window(h, "tou", period.name, period, label, pos)
            if w is not None:
                out.append(w)
    return out


def demand_windows(
    spec: TariffSpec, index: pd.DatetimeIndex, *, cal: Calendar | None = None
) -> tuple[DemandWindow, ...]:
    """Every demand window of the horizon, in month order (facility, TOU, coincident).

    Windows of a zero-rate period are left out unless a ratchet or the contract refers to
    that charge (their metered peak is then needed). See the module docstring for the LP.

    Parameters
    ----------
    spec : TariffSpec
        The tariff, with its month-to-date ``state``.
    index : pandas.DatetimeIndex
        Local interval starts (tz-aware, regular).
    cal : Calendar, optional
        ``tariff_calendar(spec, index)``, when the caller has it.

    Returns
    -------
    tuple of DemandWindow
        For each billing month: the facility window, the TOU windows, the coincident one.

    Raises
    ------
    InputError
        The demand interval does not fit the step, or ``state.peaks`` holds a month after
        the horizon.
    """
    h = _Horizon.of(spec, index, cal)
    _check_state_months(spec, h.cal)
    tou_periods = [(c, period_of(c.schedule, h.cal)) for c in spec.tou_demand]
    ordered: list[DemandWindow] = []
    for label in h.cal.labels:
        ordered += facility_windows(h, label)
        ordered += tou_windows(h, label, tou_periods)
        if spec.coincident_peak is not None:
            w = coincident_window(spec, index, h.step_min, h.cal, label, h.prorate_frac[label])
            if w is not None:
                ordered.append(w)
    return tuple(ordered)


def coincident_window(
    spec: TariffSpec, index: pd.DatetimeIndex, step: int, cal: Calendar, label: str, frac: float
) -> DemandWindow | None:
    """The coincident-peak window of month ``label``, or None when it bills nothing.

    Every candidate system-peak period of the month that meets the horizon becomes a
    block; with ``aggregation = "expected"`` the blocks carry the candidates' weights
    (a linear cost, no peak variable), otherwise the window bills the highest block.
    """
    cp = spec.coincident_peak
    assert cp is not None  # noqa: S101 - caller checks
    starts_ns = index.as_unit("ns").asi8
    step_ns = step * 60 * 10**9
    dur_ns = cp.duration_min * 60 * 10**9
    b_starts, b_ends, weights = [], [], []
    for c in cp.candidates:
        ts = pd.Timestamp(c.start).tz_convert(index.tz)
        if f"{ts.year:04d}-{ts.month:02d}" != label:
            continue
        t0 = ts.as_unit("ns").value
        hit = np.flatnonzero((starts_ns < t0 + dur_ns) & (starts_ns + step_ns > t0))
        if len(hit) == 0:
            continue
        b_starts.append(int(hit[0]))
        b_ends.append(int(hit[-1]) + 1)
        weights.append(c.weight_frac)
    to_date = max(
        (r.peak_mw for r in spec.state.peaks if r.charge == cp.name and r.month == label),
        default=0.0,
    )
    if not b_starts and to_date == 0.0:
        return None
    order = np.argsort(b_starts)
    s = np.asarray(b_starts, dtype=np.int64)[order]
    e = np.asarray(b_ends, dtype=np.int64)[order]
    pos = (
        np.unique(np.concatenate([np.arange(a, b) for a, b in zip(s, e, strict=True)]))
        if len(s)
        else np.zeros(0, np.int64)
    )
    expected = cp.aggregation == "expected"
    return DemandWindow(
        name=f"{label} {cp.name}",
        kind="coincident",
        charge=cp.name,
        month=label,
        rate_usd_per_mw=cp.rate_usd_per_mw * frac,
        positions=pos.astype(np.int64),
        block_intervals=max(1, cp.duration_min // step),
        block_starts=s,
        block_ends=e,
        block_weights=np.asarray(weights, dtype=float)[order] if expected else None,
        peak_floor_mw=0.0 if expected else to_date,
        accrued_mw=to_date if expected else 0.0,
        prorate_frac=frac,
    )


__all__ = [
    "DemandWindow",
    "billing_floors",
    "coincident_window",
    "demand_windows",
    "facility_windows",
    "tou_windows",
]
