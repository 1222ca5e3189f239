"""Outage survival (``SPEC.md`` §9): how long the fleet carries a critical load without the grid.

After REopt's outage simulator: every interval ``t`` of a schedule is tried as the start of a
grid outage. :func:`simulate_outages` is the pure simulator (numpy arrays, fleet totals per
interval); :func:`survival_summary` and :func:`survival_by_month` summarise its outcomes;
:func:`simulate_ride_through` runs it on any schedule of a :class:`Scenario` (an optimised one
or one the user brings) at several critical-load levels at once, and
:func:`ride_through_summary` is the JSON block ``summary()["resilience"]`` of every run.

Conventions and how the simulator lines up with the floor
---------------------------------------------------------
``s_t`` is the fleet SOC at the **end** of interval ``t`` (``SPEC.md`` §3); the SOC at the
**start** of ``t`` is ``s_{t-1}`` (``s_{-1}`` the initial SOC). An outage starting at ``t``
serves intervals ``tau = t, t+1, ..., t+K-1`` with ``K = H / dt_h``. Family 14 floors ``s_t``
with ``F_t`` (:func:`optimizer.loads.critical.energy_floor_mwh`), which covers
``tau = t+1 .. t+K``: exactly the intervals of the outage starting at ``t + 1``. So a schedule
with ``s_t >= smin + F_t`` for ``t = 0..n-1`` survives ``H`` hours from every start
``t' = 1..n-1`` (self-discharge included, since the floor includes it), and from ``t' = 0``
when the initial SOC also clears the floor. Power is separate: a fleet whose available
discharge power is below the load fails at once, whatever its energy (``limit = "power"``).

The simulation, interval by interval
------------------------------------
For start ``t`` the fleet begins at ``soc_start_mwh[t]``, cannot charge, and serves
``load_tau = max(0, C_tau + aux_tau - gen_tau)`` for ``tau = t, t+1, ...`` until it fails
or ``max_hours`` have passed. In each interval, in this order:

1. **power**: if ``load_tau > discharge_power_max_mw[tau] + ATOL_MW`` the fleet cannot serve
   the interval at all; survival ends at the interval's start, ``limit = "power"``;
2. **self-discharge**: ``s <- s * (1 - lam)^dt_h`` (``SPEC.md`` family 2);
3. **energy**: the interval needs ``e = load_tau * dt_h / etad``; if
   ``e > max(s - smin, 0) + ATOL_MWH`` the fleet runs out inside the interval and survives
   the share ``max(s - smin, 0) / e`` of it, ``limit = "energy"``; otherwise ``s <- s - e``.

An interval with no load to serve never fails (even if self-discharge took ``s`` below
``smin``).

When an outage runs past the last interval of data, ``horizon_end="censor"`` stops the
simulation there; a start still alive is reported with ``survival_h`` = hours to the end of
data, ``limit = "none"`` and ``censored = True`` (its true survival is at least that).
``"wrap"`` treats the data as periodic (interval ``n`` is interval 0, REopt's treatment of a
typical year); nothing is censored.

Several battery groups are aggregated by :func:`optimizer.loads.critical.outage_fleet`:
energies, power and aux add up, efficiency and self-discharge take the worst group.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from optimizer.loads.critical import (
    DEFAULT_LEVELS,
    CriticalLoad,
    check_fleet_rates,
    critical_level_name,
    critical_load_mw,
    outage_fleet,
    raise_issues,
    series_of,
    steps_or_issue,
)

if TYPE_CHECKING:
    from optimizer.inputs.scenario import Scenario

__all__ = [
    "ATOL_MW",
    "ATOL_MWH",
    "DEFAULT_HOURS_H",
    "RideThrough",
    "ride_through_summary",
    "simulate_outages",
    "simulate_ride_through",
    "survival_by_month",
    "survival_summary",
]

ATOL_MW = 1e-6
"""A load exceeds the available discharge power only by more than this [MW]."""

ATOL_MWH = 1e-6
"""An interval's energy need exceeds the energy above ``smin`` only by more than this [MWh]."""

DEFAULT_HOURS_H: tuple[float, ...] = (0.25, 0.5, 1, 2, 4, 8, 12, 24)
"""Survival thresholds reported by default [h] (``SPEC.md`` §9: h = 0.25 .. 24)."""

HorizonEnd = Literal["censor", "wrap"]


def simulate_outages(
    soc_start_mwh: np.ndarray,
    critical_load_mw: np.ndarray,
    *,
    interval_h: float,
    discharge_power_max_mw: np.ndarray,
    soc_min_mwh: float,
    discharge_efficiency_frac: float,
    aux_mw: np.ndarray,
    self_discharge_frac_per_h: float = 0.0,
    onsite_generation_mw: np.ndarray | None = None,
    max_hours: float = 24.0,
    horizon_end: HorizonEnd = "censor",
    index: pd.DatetimeIndex | None = None,
) -> pd.DataFrame:
    """Simulate a grid outage starting at every interval and report how long the fleet lasts.

    The fleet cannot charge; in each interval it fails on power, then self-discharges, then
    fails on energy, as the module docstring ("The simulation, interval by interval") sets out.

    Parameters
    ----------
    soc_start_mwh : numpy.ndarray, shape (n,)
        Fleet SOC at the **start** of each interval [MWh]: ``s_{t-1}``, with the initial SOC at
        ``t = 0`` (e.g. ``np.r_[initial_soc_mwh, soc_mwh[:-1]]``).
    critical_load_mw : numpy.ndarray, shape (n,)
        Critical load ``C_t`` the fleet must carry in an outage [MW].
    interval_h : float
        Interval length ``dt_h`` [h].
    discharge_power_max_mw : numpy.ndarray or float, shape (n,)
        Available fleet discharge power ``sum_b a_bt n_b Pd_b`` [MW].
    soc_min_mwh : float
        Fleet SOC minimum ``sum_b smin_b n_b E_b`` [MWh].
    discharge_efficiency_frac : float
        One-way discharge efficiency ``etad`` in (0, 1] (the least favourable group's) [-].
    aux_mw : numpy.ndarray or float, shape (n,)
        Fleet auxiliary load ``sum_b a_bt n_b aux_b`` [MW].
    self_discharge_frac_per_h : float, default 0.0
        Self-discharge ``lam`` in [0, 1) [1/h].
    onsite_generation_mw : numpy.ndarray, float or None, default None
        On-site generation that keeps running in the outage [MW]; it offsets load and never
        charges the fleet. None means none.
    max_hours : float, default 24.0
        Longest outage simulated, a whole number of intervals [h].
    horizon_end : {"censor", "wrap"}, default "censor"
        What happens when an outage runs past the last interval of data: the simulation stops
        and censors, or reads the data as periodic (module docstring).
    index : pandas.DatetimeIndex, optional
        Interval starts (tz-aware) to label the rows with; defaults to positions ``0..n-1``.

    Returns
    -------
    pandas.DataFrame
        One row per start interval, columns:
        ``survival_h`` (float) [h], in ``[0, max_hours]``;
        ``limit`` (str) ``"power"``, ``"energy"`` or ``"none"`` (survived ``max_hours``, or
        censored);
        ``censored`` (bool) the outage reached the end of data before failing or ``max_hours``.

    Raises
    ------
    ValueError
        All input problems at once: shapes, NaN, negative loads or power, efficiency outside
        (0, 1], self-discharge outside [0, 1), ``max_hours`` not a whole number of intervals,
        an unknown ``horizon_end``, or an index of the wrong length or without a time zone.

    Examples
    --------
    Two intervals of one hour, 2 MW to serve, 3 MWh above the minimum at 100 % efficiency:

    >>> df = simulate_outages(np.array([3.0, 3.0]), np.array([2.0, 2.0]), interval_h=1.0,
    ...                       discharge_power_max_mw=np.array([5.0, 5.0]), soc_min_mwh=0.0,
    ...                       discharge_efficiency_frac=1.0, aux_mw=np.zeros(2), max_hours=2,
    ...                       horizon_end="wrap")
    >>> df["survival_h"].tolist(), df["limit"].tolist()
    ([1.5, 1.5], ['energy', 'energy'])
    """
    issues: list[str] = []
    soc0 = _soc_start(soc_start_mwh, issues)
    n = len(soc0)
    critical = series_of(critical_load_mw, n, "critical_load_mw", issues)
    aux = series_of(aux_mw, n, "aux_mw", issues)
    power_max = series_of(discharge_power_max_mw, n, "discharge_power_max_mw", issues)
    gen = _generation(onsite_generation_mw, n, issues)
    check_fleet_rates(discharge_efficiency_frac, self_discharge_frac_per_h, issues)
    _check_options(soc_min_mwh, horizon_end, index, n, issues)
    k_steps = steps_or_issue(max_hours, interval_h, "max_hours", "simulate_outages", issues)
    raise_issues("simulate_outages", issues)
    return _outcomes(
        soc0,
        np.maximum(critical + aux - gen, 0.0),
        power_max,
        k_steps=k_steps,
        interval_h=interval_h,
        discharge_efficiency_frac=discharge_efficiency_frac,
        self_discharge_frac_per_h=self_discharge_frac_per_h,
        soc_min_mwh=soc_min_mwh,
        horizon_end=horizon_end,
        index=index,
    )


def _generation(
    onsite_generation_mw: np.ndarray | float | None, n: int, issues: list[str]
) -> np.ndarray:
    """On-site generation [MW] per interval, zeros when None; problems go to ``issues``."""
    if onsite_generation_mw is None:
        return np.zeros(n)
    return series_of(onsite_generation_mw, n, "onsite_generation_mw", issues)


def _soc_start(soc_start_mwh: np.ndarray, issues: list[str]) -> np.ndarray:
    """The starting SOCs [MWh] as a flat float array; problems go to ``issues``."""
    soc0 = np.asarray(soc_start_mwh, dtype=float)
    if soc0.ndim != 1:
        issues.append(f"soc_start_mwh must be one-dimensional, got shape {soc0.shape}")
        soc0 = soc0.reshape(-1)
    if len(soc0) == 0:
        issues.append("soc_start_mwh is empty")
    elif np.isnan(soc0).any():
        first_nan = int(np.flatnonzero(np.isnan(soc0))[0])
        issues.append(f"soc_start_mwh holds NaN at position {first_nan}")
    return soc0


def _check_options(
    soc_min_mwh: float,
    horizon_end: HorizonEnd,
    index: pd.DatetimeIndex | None,
    n: int,
    issues: list[str],
) -> None:
    """Append to ``issues`` a bad SOC minimum [MWh], horizon end or index of ``n`` labels."""
    if not np.isfinite(soc_min_mwh) or soc_min_mwh < 0:
        issues.append(f"soc_min_mwh must be a finite number >= 0, got {soc_min_mwh}")
    if horizon_end not in ("censor", "wrap"):
        issues.append(f"horizon_end must be 'censor' or 'wrap', got {horizon_end!r}")
    if index is not None:
        if not isinstance(index, pd.DatetimeIndex) or index.tz is None:
            issues.append("index must be a tz-aware DatetimeIndex of interval starts")
        elif len(index) != n:
            issues.append(f"index must have {n} entries, got {len(index)}")


def _outcomes(
    soc0: np.ndarray,
    load_mw: np.ndarray,
    power_max: np.ndarray,
    *,
    k_steps: int,
    interval_h: float,
    discharge_efficiency_frac: float,
    self_discharge_frac_per_h: float,
    soc_min_mwh: float,
    horizon_end: HorizonEnd,
    index: pd.DatetimeIndex | None,
) -> pd.DataFrame:
    """Survival [h], limit and censoring of the outage starting at each interval (checked inputs).

    Vectorised over start intervals, looping over the ``K = max_hours / dt_h`` steps of the
    outage: ``O(n K)`` work, about 35,000 starts x 96 steps in well under a second.
    """
    dt_h = float(interval_h)
    need_mwh = load_mw * dt_h / discharge_efficiency_frac
    retention = (1.0 - self_discharge_frac_per_h) ** dt_h
    n = len(soc0)
    starts = np.arange(n)
    soc = soc0.copy()
    survival_h = np.full(n, k_steps * dt_h)
    limit = np.full(n, "none", dtype=object)
    censored = np.zeros(n, dtype=bool)
    alive = np.ones(n, dtype=bool)
    for k in range(k_steps):
        tau = starts + k
        if horizon_end == "wrap":
            tau %= n
        else:
            past_end = alive & (tau >= n)
            survival_h[past_end] = k * dt_h
            censored |= past_end
            alive &= ~past_end
            np.minimum(tau, n - 1, out=tau)
        if not alive.any():
            break
        power_fail = alive & (load_mw[tau] > power_max[tau] + ATOL_MW)
        soc_kept = soc * retention
        spare_mwh = np.maximum(soc_kept - soc_min_mwh, 0.0)
        need = need_mwh[tau]
        energy_fail = alive & ~power_fail & (need > spare_mwh + ATOL_MWH)

        survival_h[power_fail] = k * dt_h
        limit[power_fail] = "power"
        # need > 0 wherever energy_fail holds, so the division is safe there.
        share = spare_mwh[energy_fail] / need[energy_fail]
        survival_h[energy_fail] = (k + np.clip(share, 0.0, 1.0)) * dt_h
        limit[energy_fail] = "energy"

        alive &= ~(power_fail | energy_fail)
        soc = np.where(alive, soc_kept - need, soc)
    out = pd.DataFrame({"survival_h": survival_h, "limit": limit, "censored": censored})
    if index is not None:
        out.index = index.rename("interval_start")
    return out


def _check_outcomes(df: pd.DataFrame, where: str) -> None:
    missing = [c for c in ("survival_h", "limit", "censored") if c not in df.columns]
    if missing:
        msg = (
            f"{where}: df lacks column(s) {missing}; expected the frame returned by "
            "simulate_outages."
        )
        raise ValueError(msg)


def _summarise(df: pd.DataFrame, hours: Sequence[float]) -> dict[str, float]:
    """One summary row; see :func:`survival_summary`."""
    surv = df["survival_h"].to_numpy(dtype=float)
    cens = df["censored"].to_numpy(dtype=bool)
    lim = df["limit"].to_numpy()
    row: dict[str, float] = {
        "n_starts": float(len(df)),
        "n_censored": float(cens.sum()),
        "n_power_limited": float(np.count_nonzero(lim == "power")),
        "n_energy_limited": float(np.count_nonzero(lim == "energy")),
    }
    for h in hours:
        reached = surv >= h - 1e-9
        known = reached | ~cens  # a censored start that has not reached h has no known outcome
        n_known = int(known.sum())
        row[f"p_survive_{h:g}h"] = float(reached.sum() / n_known) if n_known else float("nan")
    uncensored = surv[~cens]
    row["median_h"] = float(np.median(uncensored)) if len(uncensored) else float("nan")
    row["min_h"] = float(uncensored.min()) if len(uncensored) else float("nan")
    return row


def _hours_with_required(hours: Sequence[float]) -> list[float]:
    wanted = [float(h) for h in hours]
    if any(not h > 0 for h in wanted):
        msg = f"survival_summary: hours must all be > 0 [h]; got {list(hours)}."
        raise ValueError(msg)
    return sorted(set(wanted) | {1.0, 4.0})


def survival_summary(df: pd.DataFrame, hours: Sequence[float] = DEFAULT_HOURS_H) -> pd.DataFrame:
    """Summarise outage survival over all start intervals (``SPEC.md`` §9).

    Parameters
    ----------
    df : pandas.DataFrame
        Result of :func:`simulate_outages` (columns ``survival_h``, ``limit``, ``censored``).
    hours : sequence of float, default (0.25, 0.5, 1, 2, 4, 8, 12, 24)
        Survival thresholds [h]; 1 and 4 are always included.

    Returns
    -------
    pandas.DataFrame
        One row labelled ``"all"`` with columns
        ``n_starts``, ``n_censored``, ``n_power_limited``, ``n_energy_limited`` [-];
        ``p_survive_{h}h`` for each threshold (``p_survive_0.25h`` ... ``p_survive_24h``, always
        ``p_survive_1h`` and ``p_survive_4h``): share of starts with ``survival_h >= h`` [-];
        ``median_h`` and ``min_h``: over the uncensored starts [h].

    Notes
    -----
    A censored start (it reached the end of the data alive) whose survival is at least ``h``
    counts as surviving ``h``; one that ended before ``h`` has an unknown outcome at ``h`` and is
    left out of that share's denominator. ``median_h`` and ``min_h`` use uncensored starts only
    (NaN if there are none). A threshold above ``max_hours`` of the simulation has share 0
    among uncensored starts, as nothing was simulated past ``max_hours``.

    Examples
    --------
    >>> df = pd.DataFrame({"survival_h": [0.5, 2.0, 4.0, 4.0], "censored": [False] * 4,
    ...                    "limit": ["energy", "energy", "none", "none"]})
    >>> s = survival_summary(df, hours=(1, 4))
    >>> float(s.loc["all", "p_survive_1h"]), float(s.loc["all", "median_h"])
    (0.75, 3.0)
    """
    _check_outcomes(df, "survival_summary")
    row = _summarise(df, _hours_with_required(hours))
    return pd.DataFrame([row], index=pd.Index(["all"], name="period"))


def survival_by_month(df: pd.DataFrame, hours: Sequence[float] = DEFAULT_HOURS_H) -> pd.DataFrame:
    """:func:`survival_summary` per calendar month of the start interval, in local time.

    Parameters
    ----------
    df : pandas.DataFrame
        Result of :func:`simulate_outages` called with a tz-aware ``index``.
    hours : sequence of float, default (0.25, 0.5, 1, 2, 4, 8, 12, 24)
        Survival thresholds [h]; 1 and 4 are always included.

    Returns
    -------
    pandas.DataFrame
        One row per month present, index ``month`` as ``"YYYY-MM"`` strings in the index's own
        (local) time zone, sorted; the columns of :func:`survival_summary`.

    Raises
    ------
    ValueError
        If the index is not a tz-aware ``DatetimeIndex``.

    Examples
    --------
    >>> idx = pd.DatetimeIndex(["2025-01-31 23:00", "2025-02-01 00:00"], tz="America/Chicago")
    >>> df = pd.DataFrame({"survival_h": [1.0, 3.0], "limit": "energy", "censored": False},
    ...                   index=idx)
    >>> survival_by_month(df, hours=(2,))["p_survive_2h"].tolist()
    [0.0, 1.0]
    """
    where = "survival_by_month"
    _check_outcomes(df, where)
    if not isinstance(df.index, pd.DatetimeIndex) or df.index.tz is None:
        msg = (
            f"{where}: df must be indexed by tz-aware interval starts; got "
            f"{type(df.index).__name__} (tz={getattr(df.index, 'tz', None)}). "
            "Pass index=... to simulate_outages."
        )
        raise ValueError(msg)
    wanted = _hours_with_required(hours)
    labels = df.index.strftime("%Y-%m")
    rows = {month: _summarise(part, wanted) for month, part in df.groupby(labels, sort=True)}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "month"
    return out


@dataclass(frozen=True)
class RideThrough:
    """Outage survival of one schedule at several critical-load levels.

    Attributes
    ----------
    outcomes : dict of str to pandas.DataFrame
        Per level, the frame of :func:`simulate_outages` (one row per start interval).
    critical_load_mw : dict of str to numpy.ndarray
        Per level, the critical load ``C_t`` simulated [MW].
    hours_h : tuple of float
        The survival thresholds reported [h].
    fleet : dict
        The aggregated fleet: power [MW], usable energy [MWh], aux [MW], efficiency [-].
    """

    outcomes: dict[str, pd.DataFrame]
    critical_load_mw: dict[str, np.ndarray]
    hours_h: tuple[float, ...] = DEFAULT_HOURS_H
    fleet: dict[str, float] = field(default_factory=dict)

    @property
    def levels(self) -> list[str]:
        """Level names, in the order simulated."""
        return list(self.outcomes)

    def summary(self) -> pd.DataFrame:
        """One row per level: :func:`survival_summary` plus the peak and mean critical load [MW]."""
        rows = []
        for name, df in self.outcomes.items():
            row = survival_summary(df, self.hours_h).iloc[0]
            row["critical_load_peak_mw"] = float(np.max(self.critical_load_mw[name]))
            row["critical_load_mean_mw"] = float(np.mean(self.critical_load_mw[name]))
            rows.append(row.rename(name))
        out = pd.DataFrame(rows)
        out.index.name = "critical_load"
        return out

    def by_month(self) -> pd.DataFrame:
        """:func:`survival_by_month` of every level, indexed by (critical_load, month)."""
        parts = {name: survival_by_month(df, self.hours_h) for name, df in self.outcomes.items()}
        return pd.concat(parts, names=["critical_load", "month"])

    def curve(self, hours_h: Sequence[float] | None = None) -> pd.DataFrame:
        """Survival curves: index ``hours_h``, one column per level, the share surviving [-].

        ``hours_h`` defaults to the thresholds of the summary; pass a fine grid to draw them.
        """
        hours = _hours_with_required(self.hours_h if hours_h is None else hours_h)
        data = {}
        for name, df in self.outcomes.items():
            row = survival_summary(df, hours).iloc[0]
            data[name] = [float(row[f"p_survive_{h:g}h"]) for h in hours]
        return pd.DataFrame(data, index=pd.Index(hours, name="hours_h"))


def _soc_end_array(
    soc_mwh: pd.Series | pd.DataFrame | np.ndarray, scenario: Scenario
) -> np.ndarray:
    """The fleet's end-of-interval SOC on the scenario's horizon [MWh]; ValueError if off it."""
    where = "simulate_ride_through"
    if isinstance(soc_mwh, pd.DataFrame):
        if "soc_mwh" not in soc_mwh.columns:
            msg = (
                f"{where}: the schedule has no soc_mwh column; expected the fleet SOC at the end "
                f"of each interval [MWh], got columns {list(soc_mwh.columns)[:8]}. Pass a frame "
                "with soc_mwh (DispatchResult.schedule has it) or the SOC series itself."
            )
            raise ValueError(msg)
        soc_mwh = soc_mwh["soc_mwh"]
    on_index = isinstance(soc_mwh, pd.Series) and isinstance(soc_mwh.index, pd.DatetimeIndex)
    if on_index and not soc_mwh.index.equals(scenario.index):
        msg = (
            f"{where}: the SOC series is not on the scenario's horizon; expected "
            f"{scenario.n_intervals} intervals from {scenario.index[0].isoformat()}, got "
            f"{len(soc_mwh)} from {soc_mwh.index[0].isoformat() if len(soc_mwh) else '-'}. "
            "Reindex it onto scenario.index."
        )
        raise ValueError(msg)
    issues: list[str] = []
    n = scenario.n_intervals  # solver round-off may leave -1e-14 MWh: no sign check
    arr = series_of(np.asarray(soc_mwh, dtype=float), n, "soc_mwh", issues, nonnegative=False)
    raise_issues(where, issues)
    return arr


def simulate_ride_through(
    scenario: Scenario,
    soc_mwh: pd.Series | pd.DataFrame | np.ndarray,
    *,
    critical: Sequence[CriticalLoad] = DEFAULT_LEVELS,
    onsite_generation_mw: pd.Series | np.ndarray | float | None = None,
    initial_soc_mwh: float | None = None,
    max_hours: float = 24.0,
    hours_h: Sequence[float] = DEFAULT_HOURS_H,
    horizon_end: HorizonEnd = "censor",
) -> RideThrough:
    """Outage survival of any schedule of ``scenario`` at several critical loads (``SPEC.md`` §9).

    Parameters
    ----------
    scenario : Scenario
        The site (battery groups, GPU cluster) and its load on the horizon.
    soc_mwh : pandas.Series, pandas.DataFrame or numpy.ndarray
        Fleet SOC at the **end** of each interval [MWh]: ``DispatchResult.schedule`` (its
        ``soc_mwh`` column), or a series of the user's own schedule on ``scenario.index``.
    critical : sequence of level, default ("site", "training_paused")
        Critical-load levels (:func:`optimizer.loads.critical.critical_load_mw`): ``"site"``,
        ``"training_paused"``, a share in (0, 1] of the site load, or a series [MW].
    onsite_generation_mw : series, array or float, optional
        On-site generation that keeps running in an outage [MW] (turbines); offsets load,
        never charges the fleet.
    initial_soc_mwh : float, optional
        Fleet SOC before the first interval [MWh]; default: the scenario's.
    max_hours : float, default 24.0
        Longest outage simulated [h], a whole number of intervals.
    hours_h : sequence of float, default (0.25, 0.5, 1, 2, 4, 8, 12, 24)
        Survival thresholds reported [h]; 1 and 4 are always included.
    horizon_end : {"censor", "wrap"}, default "censor"
        See :func:`simulate_outages`.

    Returns
    -------
    RideThrough
        Outcomes per level; ``.summary()``, ``.by_month()``, ``.curve()``.

    Raises
    ------
    ValueError
        A SOC series off the horizon, an unknown level, or invalid simulator inputs.

    Examples
    --------
    >>> import optimizer                                                  # doctest: +SKIP
    >>> sc = optimizer.load_scenario("default")                           # doctest: +SKIP
    >>> rt = optimizer.simulate_ride_through(sc, optimizer.optimize(sc).schedule)  # doctest: +SKIP
    >>> rt.summary()[["median_h", "p_survive_4h"]]                       # doctest: +SKIP
    """
    fleet = outage_fleet(scenario.site.battery_groups)
    soc_end = _soc_end_array(soc_mwh, scenario)
    start_soc = fleet.initial_soc_mwh if initial_soc_mwh is None else float(initial_soc_mwh)
    soc_start = np.r_[start_soc, soc_end[:-1]]
    n = scenario.n_intervals
    gen = (
        None
        if onsite_generation_mw is None
        else np.broadcast_to(np.asarray(onsite_generation_mw, dtype=float), (n,))
    )
    outcomes: dict[str, pd.DataFrame] = {}
    loads: dict[str, np.ndarray] = {}
    for level in critical:
        name = critical_level_name(level)
        c = critical_load_mw(
            level,
            load_mw=scenario.load_mw,
            gpu_load_mw=scenario.gpu_load_mw,
            cluster=scenario.site.gpu_cluster,
        )
        loads[name] = c
        outcomes[name] = simulate_outages(
            soc_start,
            c,
            interval_h=scenario.interval_h,
            discharge_power_max_mw=np.full(n, fleet.discharge_power_max_mw),
            soc_min_mwh=fleet.soc_min_mwh,
            discharge_efficiency_frac=fleet.discharge_efficiency_frac,
            aux_mw=np.full(n, fleet.aux_mw),
            self_discharge_frac_per_h=fleet.self_discharge_frac_per_h,
            onsite_generation_mw=gen,
            max_hours=max_hours,
            horizon_end=horizon_end,
            index=scenario.index,
        )
    info = {
        "power_mw": fleet.discharge_power_max_mw,
        "usable_energy_mwh": fleet.soc_max_mwh - fleet.soc_min_mwh,
        "aux_mw": fleet.aux_mw,
        "discharge_efficiency_frac": fleet.discharge_efficiency_frac,
    }
    return RideThrough(
        outcomes=outcomes, critical_load_mw=loads, hours_h=tuple(hours_h), fleet=info
    )


def default_levels(scenario: Scenario) -> list[CriticalLoad]:
    """The levels every run reports: the whole site, and training paused when the site says how."""
    levels: list[CriticalLoad] = ["site"]
    if scenario.site.gpu_cluster is not None or scenario.gpu_load_mw is not None:
        levels.append("training_paused")
    spec = getattr(scenario, "resilience", None)
    if spec is not None and spec.level_name not in {critical_level_name(x) for x in levels}:
        levels.append(spec.level)
    return levels


def _finite(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def ride_through_summary(scenario: Scenario, schedule: pd.DataFrame) -> dict[str, Any]:
    """``summary()["resilience"]``: survival at the default levels and the floor's, JSON-ready.

    Returns
    -------
    dict
        ``levels``: per level ``median_h``, ``min_h`` [h], ``p_survive_1h``, ``p_survive_4h``
        [-], the whole curve ``p_survive`` (h -> share), ``n_power_limited``,
        ``n_energy_limited``, ``critical_load_peak_mw``, ``critical_load_mean_mw`` and
        ``by_month`` (``YYYY-MM`` -> median_h, min_h, p_survive_1h, p_survive_4h);
        ``fleet``: power [MW], usable energy [MWh], aux [MW]; ``site_peak``: the whole site
        at its peak load: hours the usable energy would last [h], power short [MW], share of
        intervals the fleet's power cannot carry the site [-], energy four hours need [MWh];
        ``floor``: the scenario's ``[resilience]`` floor, or None. Empty when the site has no
        battery or no schedule.
    """
    if not scenario.site.battery_groups or "soc_mwh" not in schedule.columns or not len(schedule):
        return {}
    rt = simulate_ride_through(scenario, schedule, critical=default_levels(scenario))
    table = rt.summary()
    months = rt.by_month()
    hours = _hours_with_required(rt.hours_h)
    levels: dict[str, Any] = {}
    for name, row in table.iterrows():
        by_month = months.loc[name]
        levels[str(name)] = {
            "median_h": _finite(row["median_h"]),
            "min_h": _finite(row["min_h"]),
            "p_survive_1h": _finite(row["p_survive_1h"]),
            "p_survive_4h": _finite(row["p_survive_4h"]),
            "p_survive": {f"{h:g}": _finite(row[f"p_survive_{h:g}h"]) for h in hours},
            "n_power_limited": int(row["n_power_limited"]),
            "n_energy_limited": int(row["n_energy_limited"]),
            "critical_load_peak_mw": float(row["critical_load_peak_mw"]),
            "critical_load_mean_mw": float(row["critical_load_mean_mw"]),
            "by_month": {
                str(m): {
                    k: _finite(r[k]) for k in ("median_h", "min_h", "p_survive_1h", "p_survive_4h")
                }
                for m, r in by_month.iterrows()
            },
        }
    spec = getattr(scenario, "resilience", None)
    floor = None
    if spec is not None:
        floor = {
            "critical_load": spec.level_name,
            "hours_h": spec.hours_h,
            "months": list(spec.months),
            "hours_of_day": list(spec.hours_of_day),
        }
    return {
        "levels": levels,
        "fleet": rt.fleet,
        "site_peak": _site_peak(scenario, rt),
        "floor": floor,
    }


def _site_peak(scenario: Scenario, rt: RideThrough) -> dict[str, float | None]:
    """The claim arithmetic: the whole site at its peak against the fleet's energy and power."""
    fleet = rt.fleet
    load = scenario.load_mw.to_numpy(dtype=float)
    need_mw = float(load.max()) + fleet["aux_mw"]
    etad = fleet["discharge_efficiency_frac"]
    return {
        "load_mw": float(load.max()),
        "energy_hours_h": fleet["usable_energy_mwh"] * etad / need_mw if need_mw > 0 else None,
        "power_short_mw": max(0.0, need_mw - fleet["power_mw"]),
        "intervals_power_short_frac": float(
            np.mean(load + fleet["aux_mw"] > fleet["power_mw"] + ATOL_MW)
        ),
        "energy_for_4h_mwh": 4.0 * need_mw / etad,
    }
