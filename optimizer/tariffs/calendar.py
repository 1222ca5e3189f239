"""The tariff's calendar on a horizon: billing months, TOU periods, holidays, demand blocks.

Pure functions of a tz-aware local ``DatetimeIndex`` of interval starts (checked by
:mod:`optimizer.timeindex`) and the calendar parts of a
:class:`~optimizer.tariffs.spec.TariffSpec`. Billing months are local calendar months
labelled ``YYYY-MM``; weekends and the spec's holidays use the weekend TOU matrix; a demand
block starts where the local wall clock is a multiple of the demand interval.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from optimizer import units
from optimizer.errors import InputError, Issue
from optimizer.tariffs.spec import TariffSpec, TouSchedule

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Calendar:
    """Wall-clock facts of every interval of a horizon.

    Attributes
    ----------
    month_label : ndarray of str
        Billing month ``YYYY-MM`` (local) of every interval.
    month : ndarray of int
        Calendar month 1..12 of every interval.
    hour : ndarray of int
        Local hour 0..23 of every interval.
    is_weekend : ndarray of bool
        Saturday, Sunday or a holiday of the spec.
    labels : tuple of str
        The billing months of the horizon, in order.
    """

    month_label: npt.NDArray[np.object_]
    month: IntArray
    hour: IntArray
    is_weekend: npt.NDArray[np.bool_]
    labels: tuple[str, ...]


def tariff_calendar(spec: TariffSpec, index: pd.DatetimeIndex) -> Calendar:
    """The :class:`Calendar` of ``index`` with the spec's holidays (dates and rules)."""
    years = sorted(set(index.tz_localize(None).year))
    return calendar_of(index, spec.holiday_dates(years))


def season_of_months(spec: TariffSpec, months: IntArray) -> npt.NDArray[np.object_]:
    """The season name of every calendar month in ``months`` (None without seasons)."""
    table = np.array([spec.season_of(m) for m in range(1, 13)], dtype=object)
    return table[np.asarray(months, dtype=np.int64) - 1]


def calendar_of(index: pd.DatetimeIndex, holidays: tuple) -> Calendar:
    """The :class:`Calendar` of ``index``; ``holidays`` (dates) count as weekend days."""
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
    return Calendar(label_strs, month, wall.hour.to_numpy().astype(np.int64), weekend, uniq)


def period_of(schedule: TouSchedule, cal: Calendar) -> IntArray:
    """TOU period index of every interval: the weekday or weekend matrix at (month, hour)."""
    wd = np.asarray(schedule.weekday, dtype=np.int64)
    we = np.asarray(schedule.weekend_matrix, dtype=np.int64)
    m, h = cal.month - 1, cal.hour
    return np.where(cal.is_weekend, we[m, h], wd[m, h])


def month_hours(month: str | pd.Period, tz: object) -> float:
    """Hours of a local calendar month [h]: 743 in March and 721 in November in US zones.

    Examples
    --------
    >>> month_hours("2021-03", "America/Chicago")
    743.0
    """
    return _month_hours(str(month), tz)


@functools.lru_cache(maxsize=1024)
def _month_hours(month: str, tz: object) -> float:
    """:func:`month_hours` of a month label (pure, so cached by label and zone)."""
    period = pd.Period(month, freq="M")
    start = pd.Timestamp(period.start_time).tz_localize(
        tz, nonexistent="shift_forward", ambiguous=False
    )
    end = pd.Timestamp((period + 1).start_time).tz_localize(
        tz, nonexistent="shift_forward", ambiguous=False
    )
    return (end - start) / pd.Timedelta(hours=1)


def month_offset(a: str, b: str) -> int:
    """Months from ``b`` to ``a`` (``a - b``) for labels ``YYYY-MM`` [-]."""
    ya, ma = int(a[:4]), int(a[5:])
    yb, mb = int(b[:4]), int(b[5:])
    return (ya - yb) * 12 + (ma - mb)


class MonthShare(NamedTuple):
    """How much of a billing month the horizon holds.

    Attributes
    ----------
    positions : ndarray of int
        Intervals of the month inside the horizon.
    horizon_h, month_h : float
        Hours of the month inside the horizon and in the whole month [h].
    prorate_frac : float
        ``horizon_h / month_h`` when the spec prorates partial months, else 1 [-].
    """

    positions: IntArray
    horizon_h: float
    month_h: float
    prorate_frac: float


def month_shares(
    spec: TariffSpec, index: pd.DatetimeIndex, cal: Calendar, step_min: int
) -> dict[str, MonthShare]:
    """The :class:`MonthShare` of every billing month of the horizon, by label."""
    step_h = units.interval_h(step_min)
    out = {}
    for label in cal.labels:
        pos = np.flatnonzero(cal.month_label == label).astype(np.int64)
        horizon_h = len(pos) * step_h
        month_h = month_hours(label, index.tz)
        frac = horizon_h / month_h if spec.prorate_partial_months else 1.0
        out[label] = MonthShare(pos, horizon_h, month_h, frac)
    return out


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


def sliding_blocks(pos: IntArray, n: int) -> tuple[IntArray, IntArray]:
    """Every run of ``n`` consecutive intervals inside sorted positions ``pos`` [-].

    Sliding demand windows ("any 30 consecutive minutes"): each maximal run of consecutive
    positions gives the blocks ``[s, s + n)`` for every start ``s`` whose block stays in the
    run; a run shorter than ``n`` gives one block over the whole run.

    Returns
    -------
    tuple of ndarray
        Block starts and ends (exclusive), sorted by start.

    Examples
    --------
    >>> import numpy as np
    >>> s, e = sliding_blocks(np.array([0, 1, 2, 5]), 2)
    >>> s.tolist(), e.tolist()
    ([0, 1, 5], [2, 3, 6])
    """
    if len(pos) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    cut = np.flatnonzero(np.diff(pos) != 1) + 1
    run_starts = pos[np.concatenate([[0], cut])]
    run_ends = pos[np.concatenate([cut - 1, [len(pos) - 1]])] + 1
    starts: list[IntArray] = []
    ends: list[IntArray] = []
    for a, b in zip(run_starts, run_ends, strict=True):
        if b - a <= n:
            starts.append(np.array([a], dtype=np.int64))
            ends.append(np.array([b], dtype=np.int64))
        else:
            s = np.arange(a, b - n + 1, dtype=np.int64)
            starts.append(s)
            ends.append(s + n)
    return np.concatenate(starts), np.concatenate(ends)


__all__ = [
    "Calendar",
    "MonthShare",
    "block_ids",
    "block_intervals",
    "calendar_of",
    "season_of_months",
    "sliding_blocks",
    "tariff_calendar",
    "month_hours",
    "month_offset",
    "month_shares",
    "period_of",
]
