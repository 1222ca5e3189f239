"""A TariffSpec on a horizon: per-interval prices and demand windows for the LP (pure pandas).

Everything here is a pure function of a :class:`~optimizer.tariffs.spec.TariffSpec` and a
tz-aware local ``DatetimeIndex`` of interval starts (regular step of 1..60 min dividing
60; DST days have 23 or 25 hours of intervals). Nothing imports Pyomo. The LP reads:

- :func:`energy_price_usd_per_mwh` -> ``pi_t`` [USD/MWh] (first-tier rate where tiered);
- :func:`export_price_usd_per_mwh` -> ``pix_t`` [USD/MWh];
- :func:`demand_windows` -> one :class:`DemandWindow` per (billing month x charge);
- :func:`energy_tier_blocks` -> one :class:`EnergyTierBlock` per tiered (month x period);
- :func:`billing_months` -> one :class:`BillingMonth` per month (fixed, minimum charge).

:func:`tariff_arrays` bundles them; :func:`cost_terms` recomputes every cost term of a
schedule from the bundle with numpy (what the LP's objective must equal).

LP formulation (``SPEC.md`` §5 extended; ``g_t`` import [MW], ``dt_h`` step [h])
-------------------------------------------------------------------------------
Energy::

    energy_usd = sum_t pi_t g_t dt_h + sum_(blocks k, steps j) c_kj q_kj
    q_kj >= sum_(t in k) g_t dt_h - a_kj,   q_kj >= 0        (EnergyTierBlock)

Peak window ``k`` (``DemandWindow`` with ``block_weights is None``)::

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

Minimum charge of month ``M`` (``BillingMonth``)::

    y_M >= minimum_usd_M - (energy_usd_M + demand_usd_M + excess_usd_M
                            + coincident_usd_M + fixed_usd_M),   y_M >= 0

All of these are convex (LP-exact) when every tier step ``c`` is >= 0. A declining tier
(``c < 0``, e.g. URDB "first 100 kW at $24, the rest at $17") makes the cost concave in
``b``: ``is_convex`` is False and the LP needs ``r = max(0, b - above)`` exactly, i.e. a
binary ``z`` with ``r <= b - above + M (1 - z)``, ``r <= M z`` (HiGHS MIP), or the run must
reject the tariff.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from optimizer import timeindex, units
from optimizer.errors import InputError, Issue, TimeSeriesError
from optimizer.tariffs.spec import DemandPeriod, TariffSpec, TouSchedule

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


# ------------------------------------------------------------------ records
@dataclass(frozen=True)
class DemandWindow:
    """One demand-charge window: a billing month x a charge, in model units.

    The LP rows for each kind (peak window, expected coincident window, contract excess,
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
        Block ``b`` covers positions ``block_starts[b] .. block_ends[b] - 1`` (contiguous,
        clock-aligned); its average is the block's demand [MW].
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
        """Average import of each block [MW]."""
        g = np.asarray(grid_import_mw, dtype=float)
        csum = np.concatenate([[0.0], np.cumsum(g)])
        return (csum[self.block_ends] - csum[self.block_starts]) / (
            self.block_ends - self.block_starts
        )


@dataclass(frozen=True)
class EnergyTierBlock:
    """A tiered energy rate in one (billing month x energy period).

    Attributes
    ----------
    name : str
        ``"<YYYY-MM> energy <period>"``.
    month, period : str
        Billing month and energy period name.
    positions : ndarray of int
        Intervals of the period in the month.
    tier_steps : tuple of (float, float)
        ``(above_mwh, extra_usd_per_mwh)``: extra cost ``extra * max(0, E - above)`` where
        ``E = sum_(t in positions) g_t dt_h``; bounds already shifted by the month-to-date
        energy and prorated when asked [MWh], [USD/MWh].
    """

    name: str
    month: str
    period: str
    positions: IntArray
    tier_steps: tuple[tuple[float, float], ...]

    @property
    def is_convex(self) -> bool:
        """True when no tier step is negative."""
        return all(extra >= 0 for _, extra in self.tier_steps)


@dataclass(frozen=True)
class BillingMonth:
    """One billing month seen by the horizon.

    Attributes
    ----------
    month : str
        ``YYYY-MM`` (local).
    positions : ndarray of int
        Intervals of the month inside the horizon.
    horizon_h, month_h : float
        Hours of the month inside the horizon and in the whole month (743 h in March, 721 h in November in US zones) [h].
    prorate_frac : float
        ``horizon_h / month_h`` when prorating, else 1 [-].
    fixed_usd : float
        Fixed charges of the month [USD].
    minimum_usd : float
        Minimum bill of the month before export credits [USD].
    window_names, tier_block_names : tuple of str
        The demand windows and energy tier blocks billed in this month.
    """

    month: str
    positions: IntArray
    horizon_h: float
    month_h: float
    prorate_frac: float
    fixed_usd: float
    minimum_usd: float
    window_names: tuple[str, ...] = ()
    tier_block_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class TariffArrays:
    """Everything the LP needs from the tariff on one horizon."""

    interval_h: float
    energy_price_usd_per_mwh: FloatArray
    export_price_usd_per_mwh: FloatArray
    months: tuple[BillingMonth, ...]
    demand_windows: tuple[DemandWindow, ...]
    energy_tiers: tuple[EnergyTierBlock, ...] = field(default=())

    @property
    def is_convex(self) -> bool:
        """True when the whole tariff is LP-exact (no declining tier anywhere)."""
        return all(w.is_convex for w in self.demand_windows) and all(
            b.is_convex for b in self.energy_tiers
        )


# ---------------------------------------------------------------- calendar
def block_intervals(tariff_interval_min: int | None, step_min: int) -> int:
    """Nominal number of model intervals per demand block [-].

    ``None`` (the model's own step) and demand intervals no longer than the step give 1:
    power is constant inside a model interval, so a shorter demand interval sees the same
    average.

    Raises
    ------
    InputError
        The demand interval is not a multiple of the step, nor the step of it.
    """
    if tariff_interval_min is None or tariff_interval_min <= step_min:
        if tariff_interval_min is not None and step_min % tariff_interval_min:
            raise InputError(
                "",
                issues=[
                    Issue(
                        "demand interval does not fit the model step",
                        field="tariff.demand_interval_min",
                        expected=f"a divisor or multiple of the {step_min}-min step",
                        got=f"{tariff_interval_min} min",
                        fix="Change the model step",
                    )
                ],
            )
        return 1
    if tariff_interval_min % step_min:
        raise InputError(
            "",
            issues=[
                Issue(
                    "demand interval is not a whole number of model steps",
                    field="tariff.demand_interval_min",
                    expected=f"a multiple of the {step_min}-min step",
                    got=f"{tariff_interval_min} min",
                    fix="Choose a model step that divides the demand interval",
                )
            ],
        )
    return tariff_interval_min // step_min


def block_ids(index: pd.DatetimeIndex, block_min: int | None) -> IntArray:
    """Clock-aligned block of every interval: 0, 0, 1, 1, ... [-].

    A block starts where the local wall clock is a multiple of ``block_min`` minutes; the
    instant is kept, so the two 01:00 hours of a fall-back day are different blocks.
    """
    if block_min is None:
        return np.arange(len(index), dtype=np.int64)
    wall = index.tz_localize(None)
    into = wall - wall.floor(f"{block_min}min")
    starts = (index - into).as_unit("ns").asi8
    return pd.factorize(starts)[0].astype(np.int64)


@dataclass(frozen=True)
class _Calendar:
    month_label: npt.NDArray[np.object_]
    month: IntArray
    hour: IntArray
    is_weekend: npt.NDArray[np.bool_]
    labels: tuple[str, ...]


def _calendar(index: pd.DatetimeIndex, holidays: tuple) -> _Calendar:
    wall = index.tz_localize(None)
    year = wall.year.to_numpy()
    month = wall.month.to_numpy().astype(np.int64)
    labels_int = year * 100 + month
    label_strs = np.array([f"{v // 100:04d}-{v % 100:02d}" for v in labels_int], dtype=object)
    weekend = wall.day_of_week.to_numpy() >= 5
    if holidays:
        days = set(holidays)
        weekend = weekend | np.fromiter((d in days for d in wall.date), dtype=bool, count=len(wall))
    uniq = tuple(dict.fromkeys(label_strs.tolist()))
    return _Calendar(label_strs, month, wall.hour.to_numpy().astype(np.int64), weekend, uniq)


def _period_of(schedule: TouSchedule, cal: _Calendar) -> IntArray:
    wd = np.asarray(schedule.weekday, dtype=np.int64)
    we = np.asarray(schedule.weekend_matrix, dtype=np.int64)
    m, h = cal.month - 1, cal.hour
    return np.where(cal.is_weekend, we[m, h], wd[m, h])


def _month_hours(label: str, tz: object) -> float:
    period = pd.Period(label, freq="M")
    start = pd.Timestamp(period.start_time).tz_localize(
        tz, nonexistent="shift_forward", ambiguous=False
    )
    end = pd.Timestamp((period + 1).start_time).tz_localize(
        tz, nonexistent="shift_forward", ambiguous=False
    )
    return (end - start) / pd.Timedelta(hours=1)


def _month_offset(a: str, b: str) -> int:
    """Months from ``b`` to ``a`` (``a - b``)."""
    ya, ma = int(a[:4]), int(a[5:])
    yb, mb = int(b[:4]), int(b[5:])
    return (ya - yb) * 12 + (ma - mb)


def _aligned(
    values: pd.Series | npt.ArrayLike | None, index: pd.DatetimeIndex, name: str
) -> FloatArray | None:
    if values is None:
        return None
    if isinstance(values, pd.Series):
        if not values.index.equals(index):
            raise TimeSeriesError(
                "",
                issues=[
                    Issue(
                        "index differs from the horizon",
                        field=name,
                        expected=f"{len(index)} intervals from {index[0].isoformat()}",
                        got=f"{len(values)} intervals",
                        fix="Reindex the series onto the horizon",
                    )
                ],
            )
        arr = values.to_numpy(dtype=float)
    else:
        arr = np.asarray(values, dtype=float)
        if arr.shape != (len(index),):
            raise TimeSeriesError(
                "",
                issues=[
                    Issue(
                        "length differs from the horizon",
                        field=name,
                        expected=str(len(index)),
                        got=str(arr.shape),
                        fix="Give one value per interval",
                    )
                ],
            )
    if not np.isfinite(arr).all():
        raise TimeSeriesError(
            "", issues=[Issue("NaN or inf value", field=name, fix="Fill the missing values")]
        )
    return arr


# ----------------------------------------------------------------- prices
def energy_price_usd_per_mwh(
    spec: TariffSpec,
    index: pd.DatetimeIndex,
    price_usd_per_mwh: pd.Series | npt.ArrayLike | None = None,
) -> FloatArray:
    """Import price ``pi_t`` per interval [USD/MWh].

    ``pi_t`` = price series (when ``energy.basis`` uses the market) + the first-tier rate
    of the interval's TOU period (when it uses the schedule) + ``adder_usd_per_mwh``.
    Higher tiers are in :func:`energy_tier_blocks`.

    Parameters
    ----------
    spec : TariffSpec
        The tariff.
    index : pandas.DatetimeIndex
        Local interval starts (tz-aware, regular).
    price_usd_per_mwh : Series or array, optional
        Market price per interval [USD/MWh]; required for a market basis.

    Raises
    ------
    InputError
        The basis needs a price series and none was given.
    """
    timeindex.interval_min(index)
    energy = spec.energy
    price = np.full(len(index), float(energy.adder_usd_per_mwh))
    if energy.uses_market_price:
        market = _aligned(price_usd_per_mwh, index, "price_usd_per_mwh")
        if market is None:
            raise InputError(
                "",
                issues=[
                    Issue(
                        "no market price series given",
                        field="tariff.energy.basis",
                        expected="price_usd_per_mwh for basis " + repr(energy.basis),
                        got="None",
                        fix="Pass price_usd_per_mwh, or set energy.basis = 'schedule'",
                    )
                ],
            )
        price = price + market
    if energy.uses_schedule and energy.schedule is not None:
        cal = _calendar(index, spec.holidays)
        period = _period_of(energy.schedule, cal)
        first = np.array([p.tier_list()[0].rate_usd_per_mwh for p in energy.periods])
        price = price + first[period]
    return price


def export_price_usd_per_mwh(
    spec: TariffSpec,
    index: pd.DatetimeIndex,
    price_usd_per_mwh: pd.Series | npt.ArrayLike | None = None,
) -> FloatArray:
    """Export credit ``pix_t`` per interval [USD/MWh].

    ``none``: 0; ``wholesale``: the price series (no adder); ``fixed``:
    ``export_price_usd_per_mwh``; ``schedule``: the period's ``sell_usd_per_mwh`` (0 where
    a period has none).
    """
    timeindex.interval_min(index)
    kind = spec.export_compensation
    n = len(index)
    if kind == "none":
        return np.zeros(n)
    if kind == "fixed":
        return np.full(n, float(spec.export_price_usd_per_mwh or 0.0))
    if kind == "wholesale":
        market = _aligned(price_usd_per_mwh, index, "price_usd_per_mwh")
        if market is None:
            raise InputError(
                "",
                issues=[
                    Issue(
                        "no market price series given",
                        field="tariff.export_compensation",
                        expected="price_usd_per_mwh for 'wholesale'",
                        got="None",
                        fix="Pass price_usd_per_mwh or choose another export_compensation",
                    )
                ],
            )
        return market
    assert spec.energy.schedule is not None  # noqa: S101 - guaranteed by TariffSpec validation
    cal = _calendar(index, spec.holidays)
    period = _period_of(spec.energy.schedule, cal)
    sell = np.array([p.sell_usd_per_mwh or 0.0 for p in spec.energy.periods])
    return sell[period]


# ---------------------------------------------------------------- months
def billing_months(spec: TariffSpec, index: pd.DatetimeIndex) -> tuple[BillingMonth, ...]:
    """The billing months the horizon touches, with fixed and minimum charges [USD].

    A month cut by the horizon is billed in full unless ``spec.prorate_partial_months``;
    then its monthly amounts are multiplied by ``horizon_h / month_h``. Daily charges count
    the month's calendar days (times the same share when prorating).
    """
    step = timeindex.interval_min(index)
    cal = _calendar(index, spec.holidays)
    step_h = units.interval_h(step)
    out = []
    for label in cal.labels:
        pos = np.flatnonzero(cal.month_label == label)
        horizon_h = len(pos) * step_h
        month_h = _month_hours(label, index.tz)
        frac = horizon_h / month_h if spec.prorate_partial_months else 1.0
        days = calendar.monthrange(int(label[:4]), int(label[5:]))[1]
        fixed = (spec.fixed_charge_usd_per_month + spec.fixed_charge_usd_per_day * days) * frac
        minimum = (
            spec.minimum_charge_usd_per_month + spec.minimum_charge_usd_per_day * days
        ) * frac
        out.append(
            BillingMonth(label, pos.astype(np.int64), horizon_h, month_h, frac, fixed, minimum)
        )
    return tuple(out)


# ---------------------------------------------------------------- energy tiers
def energy_tier_blocks(spec: TariffSpec, index: pd.DatetimeIndex) -> tuple[EnergyTierBlock, ...]:
    """Tier steps of every tiered energy period in every billing month.

    For tiers ``(r_1, u_1), (r_2, u_2), ..., (r_n, None)`` the cost of the period's energy
    ``E`` [MWh] in the month is ``r_1 E + sum_j (r_(j+1) - r_j) max(0, E - u_j)``; the
    first term is in :func:`energy_price_usd_per_mwh`. Bounds are prorated when asked and
    shifted by the month-to-date energy ``E0`` of ``spec.state``: ``above = max(0, u_j - E0)``.
    """
    energy = spec.energy
    if (
        not energy.uses_schedule
        or energy.schedule is None
        or not any(p.tiers for p in energy.periods)
    ):
        return ()
    months = {m.month: m for m in billing_months(spec, index)}
    cal = _calendar(index, spec.holidays)
    period = _period_of(energy.schedule, cal)
    to_date = {(r.month, r.period): r.energy_mwh for r in spec.state.energy}
    out = []
    for label in cal.labels:
        in_month = cal.month_label == label
        frac = months[label].prorate_frac
        for k, p in enumerate(energy.periods):
            if not p.tiers:
                continue
            pos = np.flatnonzero(in_month & (period == k))
            if len(pos) == 0:
                continue
            e0 = to_date.get((label, p.name), 0.0)
            steps = []
            for lower, upper in zip(p.tiers, p.tiers[1:], strict=False):
                bound = float(lower.upper_mwh or 0.0) * frac
                steps.append(
                    (max(0.0, bound - e0), upper.rate_usd_per_mwh - lower.rate_usd_per_mwh)
                )
            out.append(
                EnergyTierBlock(
                    f"{label} energy {p.name}", label, p.name, pos.astype(np.int64), tuple(steps)
                )
            )
    return tuple(out)


# ---------------------------------------------------------------- demand windows
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


def demand_windows(spec: TariffSpec, index: pd.DatetimeIndex) -> tuple[DemandWindow, ...]:
    """Every demand window of the horizon, in month order (facility, TOU, coincident).

    Windows of a zero-rate period are left out unless a ratchet or the contract refers to
    that charge (their metered peak is then needed). See the module docstring for the LP.

    Raises
    ------
    InputError
        The demand interval does not fit the step, or ``state.peaks`` holds a month after
        the horizon.
    """
    step = timeindex.interval_min(index)
    n_block = block_intervals(spec.demand_interval_min, step)
    ids = block_ids(index, None if n_block == 1 else spec.demand_interval_min)
    cal = _calendar(index, spec.holidays)
    months = {m.month: m for m in billing_months(spec, index)}
    first, last = cal.labels[0], cal.labels[-1]
    for i, rec in enumerate(spec.state.peaks):
        if _month_offset(rec.month, last) > 0:
            raise InputError(
                "",
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

    keyed: dict[str, list[DemandWindow]] = {}
    ordered: list[DemandWindow] = []
    contract = spec.contract

    def floors(charge: str, label: str) -> tuple[float, float, tuple[tuple[str, float], ...]]:
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
                hist = [
                    r.peak_mw
                    for r in spec.state.peaks
                    if r.charge == charge
                    and _month_offset(r.month, first) < 0
                    and 1 <= _month_offset(label, r.month) <= ratchet.lookback_months
                    and int(r.month[5:]) in ratchet.lookback_calendar_months
                ]
                if hist:
                    billing = max(billing, ratchet.lookback_frac * max(hist))
                for w in keyed.get(charge, []):
                    if (
                        1 <= _month_offset(label, w.month) <= ratchet.lookback_months
                        and int(w.month[5:]) in ratchet.lookback_calendar_months
                    ):
                        links.append((w.name, ratchet.lookback_frac))
        if contract is not None and contract.applies_to == charge:
            billing = max(billing, contract.minimum_billing_frac * contract.contract_mw)
        return mtd, billing, tuple(links)

    def needed(charge: str) -> bool:
        return spec.ratchet_for(charge) is not None or (
            contract is not None and contract.applies_to == charge
        )

    def add(
        kind: Literal["facility", "tou"],
        charge: str,
        period: DemandPeriod,
        label: str,
        pos: IntArray,
    ) -> None:
        if len(pos) == 0 or (period.is_zero and not needed(charge)):
            return
        frac = months[label].prorate_frac
        base, steps = _tier_steps(period, frac)
        mtd, billing, links = floors(charge, label)
        starts, ends = _blocks(pos, ids)
        has_contract = contract is not None and contract.applies_to == charge
        w = DemandWindow(
            name=f"{label} {charge}",
            kind=kind,
            charge=charge,
            month=label,
            rate_usd_per_mw=base,
            positions=pos.astype(np.int64),
            block_intervals=n_block,
            block_starts=starts,
            block_ends=ends,
            peak_floor_mw=mtd,
            billing_floor_mw=billing,
            ratchet_links=links,
            tier_steps=steps,
            contract_mw=contract.contract_mw if has_contract and contract is not None else None,
            excess_rate_usd_per_mw=contract.excess_rate_usd_per_mw * frac
            if has_contract and contract is not None
            else 0.0,
            prorate_frac=frac,
        )
        keyed.setdefault(charge, []).append(w)
        ordered.append(w)

    tou_periods = [(c, _period_of(c.schedule, cal)) for c in spec.tou_demand]
    for label in cal.labels:
        in_month = cal.month_label == label
        m = int(label[5:])
        if spec.facility_demand is not None:
            period = spec.facility_demand.period_for_month(m)
            if period is not None:
                add("facility", spec.facility_demand.name, period, label, np.flatnonzero(in_month))
        for charge, per in tou_periods:
            for k, period in enumerate(charge.periods):
                add("tou", period.name, period, label, np.flatnonzero(in_month & (per == k)))
        if spec.coincident_peak is not None:
            w = _coincident_window(spec, index, step, cal, label, months[label].prorate_frac)
            if w is not None:
                ordered.append(w)
    return tuple(ordered)


def _coincident_window(
    spec: TariffSpec, index: pd.DatetimeIndex, step: int, cal: _Calendar, label: str, frac: float
) -> DemandWindow | None:
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


# ---------------------------------------------------------------- bundle, check
def tariff_arrays(
    spec: TariffSpec,
    index: pd.DatetimeIndex,
    *,
    price_usd_per_mwh: pd.Series | npt.ArrayLike | None = None,
) -> TariffArrays:
    """Everything the LP needs from ``spec`` on ``index`` (see the module docstring).

    Examples
    --------
    >>> import pandas as pd
    >>> from optimizer.tariffs import TariffSpec, tariff_arrays
    >>> spec = TariffSpec.model_validate({"name": "demo", "energy": {"basis": "market"},
    ...     "facility_demand": {"periods": [{"name": "all", "rate_usd_per_mw": 10000.0}]},
    ...     "demand_interval_min": 30})
    >>> idx = pd.date_range("2021-02-01", periods=12, freq="5min", tz="America/Chicago")
    >>> arrays = tariff_arrays(spec, idx, price_usd_per_mwh=[30.0] * 12)
    >>> w = arrays.demand_windows[0]
    >>> w.name, w.block_intervals, w.block_starts.tolist(), w.block_ends.tolist()
    ('2021-02 facility', 6, [0, 6], [6, 12])
    """
    step = timeindex.interval_min(index)
    wins = demand_windows(spec, index)
    tiers = energy_tier_blocks(spec, index)
    months = []
    for m in billing_months(spec, index):
        months.append(
            BillingMonth(
                m.month,
                m.positions,
                m.horizon_h,
                m.month_h,
                m.prorate_frac,
                m.fixed_usd,
                m.minimum_usd,
                tuple(w.name for w in wins if w.month == m.month),
                tuple(b.name for b in tiers if b.month == m.month),
            )
        )
    return TariffArrays(
        interval_h=units.interval_h(step),
        energy_price_usd_per_mwh=energy_price_usd_per_mwh(spec, index, price_usd_per_mwh),
        export_price_usd_per_mwh=export_price_usd_per_mwh(spec, index, price_usd_per_mwh),
        months=tuple(months),
        demand_windows=wins,
        energy_tiers=tiers,
    )


def window_values(windows: tuple[DemandWindow, ...], grid_import_mw: npt.ArrayLike) -> pd.DataFrame:
    """Metered, billed and excess MW and the cost of every window for a schedule.

    This is the value the LP's window variables take at the optimum for ``grid_import_mw``
    (``m_k``, ``b_k``, ``e_k``), evaluated in window order so ratchet links resolve.

    Returns
    -------
    pandas.DataFrame
        Index: window name. Columns ``metered_mw``, ``billed_mw``, ``excess_mw`` [MW],
        ``demand_usd``, ``excess_usd`` [USD].
    """
    g = np.asarray(grid_import_mw, dtype=float)
    metered: dict[str, float] = {}
    rows = []
    for w in windows:
        avg = w.block_averages_mw(g)
        if w.is_expected:
            assert w.block_weights is not None  # noqa: S101
            m = float(np.dot(w.block_weights, avg)) + w.accrued_mw
            rows.append((w.name, m, m, 0.0, w.rate_usd_per_mw * m, 0.0))
            continue
        m = max(float(avg.max()) if len(avg) else 0.0, w.peak_floor_mw)
        metered[w.name] = m
        b = max([m, w.billing_floor_mw] + [f * metered[j] for j, f in w.ratchet_links])
        cost = w.rate_usd_per_mw * b + sum(
            extra * max(0.0, b - above) for above, extra in w.tier_steps
        )
        e = max(0.0, m - w.contract_mw) if w.contract_mw is not None else 0.0
        rows.append((w.name, m, b, e, cost, w.excess_rate_usd_per_mw * e))
    return pd.DataFrame(
        rows, columns=["window", "metered_mw", "billed_mw", "excess_mw", "demand_usd", "excess_usd"]
    ).set_index("window")


def cost_terms(
    arrays: TariffArrays,
    grid_import_mw: npt.ArrayLike,
    grid_export_mw: npt.ArrayLike | None = None,
) -> pd.Series:
    """Every tariff cost term of a schedule from the LP arrays [USD], plus ``total``.

    Terms: ``energy`` (incl. tier steps), ``export`` (negative), ``demand`` (facility and
    TOU), ``excess``, ``coincident``, ``fixed``, ``minimum`` (top-up to the minimum bill).
    """
    g = np.asarray(grid_import_mw, dtype=float)
    x = np.zeros_like(g) if grid_export_mw is None else np.asarray(grid_export_mw, dtype=float)
    dt_h = arrays.interval_h
    energy_t = arrays.energy_price_usd_per_mwh * g * dt_h
    tiers = {
        b.name: sum(
            extra * max(0.0, float(g[b.positions].sum() * dt_h) - above)
            for above, extra in b.tier_steps
        )
        for b in arrays.energy_tiers
    }
    vals = window_values(arrays.demand_windows, g)
    kinds = {w.name: w.kind for w in arrays.demand_windows}
    terms = dict.fromkeys(
        ("energy", "export", "demand", "excess", "coincident", "fixed", "minimum"), 0.0
    )
    for m in arrays.months:
        energy = float(energy_t[m.positions].sum()) + sum(tiers[n] for n in m.tier_block_names)
        demand = sum(
            float(vals.at[n, "demand_usd"]) for n in m.window_names if kinds[n] != "coincident"
        )
        coincident = sum(
            float(vals.at[n, "demand_usd"]) for n in m.window_names if kinds[n] == "coincident"
        )
        excess = sum(float(vals.at[n, "excess_usd"]) for n in m.window_names)
        subtotal = energy + demand + coincident + excess + m.fixed_usd
        terms["energy"] += energy
        terms["demand"] += demand
        terms["coincident"] += coincident
        terms["excess"] += excess
        terms["fixed"] += m.fixed_usd
        terms["minimum"] += max(0.0, m.minimum_usd - subtotal)
        terms["export"] -= float(
            np.dot(arrays.export_price_usd_per_mwh[m.positions], x[m.positions]) * dt_h
        )
    out = pd.Series(terms, name="usd")
    out["total"] = float(out.sum())
    return out


__all__ = [
    "BillingMonth",
    "DemandWindow",
    "EnergyTierBlock",
    "TariffArrays",
    "billing_months",
    "block_ids",
    "block_intervals",
    "cost_terms",
    "demand_windows",
    "energy_price_usd_per_mwh",
    "energy_tier_blocks",
    "export_price_usd_per_mwh",
    "tariff_arrays",
    "window_values",
]
