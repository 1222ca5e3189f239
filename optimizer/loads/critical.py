"""Critical loads and the ride-through energy floor (``SPEC.md`` §8 family 14, §9).

The **critical load** ``C_t`` is what the fleet must carry when the grid is lost. For an AI
site it is a decision, so it comes at several levels:

=====================  ========================================================================
level                  ``C_t`` [MW]
=====================  ========================================================================
``"site"``             the whole site load ``L_t``
``"training_paused"``  the site with every training job paused (training GPUs idle; inference,
                       non-GPU IT and cooling running), from the GPU-cluster model
                       (:func:`optimizer.loads.gpu_profile.training_paused_site_load`), never
                       above ``L_t``; without a cluster model: the non-GPU part ``L_t - Lgpu_t``
a float ``f``          the share ``f`` in (0, 1] of the site load, ``f L_t``
a series or array      a given series, one value per interval
=====================  ========================================================================

The **energy floor** ``F_t`` (:func:`energy_floor_mwh`) is the energy above the SOC minimum
that carries ``C + aux`` for ``H`` hours from the end of interval ``t``. It lives here, below
both the formulation (family 14 holds ``s_t >= smin + F_t``) and the results (the outage
simulator checks it), so neither imports the other.

Indexing (the spec's): ``s_t`` is the SOC at the **end** of ``t``, i.e. the start SOC of an
outage beginning at ``t + 1``, which serves ``tau = t+1 .. t+K`` with ``K = H / dt_h``::

    F_t = sum_{k = 1 .. K} r^-k (C_{t+k} + aux_{t+k}) dt_h / etad  +  smin (r^-K - 1)

With no self-discharge (``r = (1 - lam)^dt_h = 1``) this is the spec's
``(1 / etad) sum_{tau = t+1 .. t+K} (C_tau + aux_tau) dt_h``. With ``r < 1`` the two ``r``
terms add exactly what standing losses take over the ``K`` intervals (the simulator removes
``s (1 - r)`` before each interval's draw), so a schedule on the floor survives ``H`` hours in
the simulator, not slightly less. The floor says nothing about power: a fleet whose available
discharge power is below ``C_t + aux_t`` cannot carry the load at all; that is checked
separately (:func:`power_shortfall_mw`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Union

import numpy as np
import pandas as pd

from optimizer.inputs.assets import BatteryGroup, GpuCluster
from optimizer.loads.gpu_profile import training_paused_site_load

__all__ = [
    "DEFAULT_LEVELS",
    "CriticalLoad",
    "OutageFleet",
    "critical_load_mw",
    "critical_level_name",
    "energy_floor_mwh",
    "outage_fleet",
    "power_shortfall_mw",
]

CriticalLoad = Union[Literal["site", "training_paused"], float, pd.Series, np.ndarray]  # noqa: UP007
"""A critical-load level: ``"site"``, ``"training_paused"``, a share of the site, or a series."""

DEFAULT_LEVELS: tuple[str, ...] = ("site", "training_paused")
"""The levels every run reports (``summary()["resilience"]``)."""

HorizonEnd = Literal["extend", "wrap", "truncate"]


@dataclass(frozen=True)
class OutageFleet:
    """The battery groups as one fleet in an outage, aggregated conservatively.

    Attributes
    ----------
    discharge_power_max_mw : float
        Available discharge power ``sum_b a_b n_b Pd_b`` [MW].
    soc_min_mwh : float
        SOC minimum ``sum_b smin_b n_b E_b`` [MWh].
    soc_max_mwh : float
        SOC maximum ``sum_b smax_b n_b E_b`` [MWh].
    initial_soc_mwh : float
        SOC at the start of the horizon ``sum_b s_b,-1`` [MWh].
    discharge_efficiency_frac : float
        The least favourable group's ``etad`` [-].
    self_discharge_frac_per_h : float
        The least favourable group's ``lam`` [1/h].
    aux_mw : float
        Auxiliary load of the units in service ``sum_b a_b n_b aux_b`` [MW].

    Notes
    -----
    Energies, power and aux add up; efficiency and self-discharge take the worst group, so the
    energy a fleet of several groups delivers is never overstated. One approximation remains
    and is optimistic: the summed power assumes every group still holds energy above its
    minimum; a group that empties before the others takes its power with it. Every shipped
    site has one group (or groups of the same unit), where the aggregate is exact.
    """

    discharge_power_max_mw: float
    soc_min_mwh: float
    soc_max_mwh: float
    initial_soc_mwh: float
    discharge_efficiency_frac: float
    self_discharge_frac_per_h: float
    aux_mw: float


def outage_fleet(groups: Sequence[BatteryGroup]) -> OutageFleet:
    """Aggregate battery groups into one :class:`OutageFleet` (see its Notes).

    Raises
    ------
    ValueError
        When there is no battery group.
    """
    if not groups:
        msg = (
            "outage_fleet: the site has no battery group; expected at least one. "
            "Add [[site.battery_groups]]."
        )
        raise ValueError(msg)
    return OutageFleet(
        discharge_power_max_mw=sum(g.availability_frac * g.power_discharge_max_mw for g in groups),
        soc_min_mwh=sum(g.unit.soc_min_frac * g.energy_capacity_mwh for g in groups),
        soc_max_mwh=sum(g.unit.soc_max_frac * g.energy_capacity_mwh for g in groups),
        initial_soc_mwh=sum(g.initial_soc_mwh for g in groups),
        discharge_efficiency_frac=min(g.unit.discharge_efficiency_frac for g in groups),
        self_discharge_frac_per_h=max(g.unit.self_discharge_frac_per_h for g in groups),
        aux_mw=sum(g.availability_frac * g.n_units * g.unit.aux_load_mw for g in groups),
    )


def steps_in(hours_h: float, interval_h: float, name: str, where: str) -> int:
    """Whole number of intervals in ``hours_h`` [h]; ValueError if not whole or not positive."""
    if not interval_h > 0:
        msg = f"{where}: interval_h must be > 0; got {interval_h}."
        raise ValueError(msg)
    ratio = hours_h / interval_h
    k = round(ratio)
    if not hours_h > 0 or abs(ratio - k) > 1e-9 * max(1.0, ratio):
        msg = (
            f"{where}: {name} must be a positive whole number of intervals of {interval_h} h; "
            f"got {hours_h} h ({ratio:g} intervals). Round {name} to a multiple of interval_h."
        )
        raise ValueError(msg)
    return int(k)


def series_of(
    values: np.ndarray | float, n: int, name: str, issues: list[str], *, nonnegative: bool = True
) -> np.ndarray:
    """One float per interval, checked for length, NaN and sign; problems go to ``issues``."""
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    if arr.shape != (n,):
        issues.append(f"{name} must have shape ({n},), got {arr.shape}")
        return np.zeros(n)
    if np.isnan(arr).any():
        issues.append(f"{name} holds NaN at position {int(np.flatnonzero(np.isnan(arr))[0])}")
    elif nonnegative and (arr < 0).any():
        pos = int(np.flatnonzero(arr < 0)[0])
        issues.append(f"{name} must be >= 0, got {arr[pos]} at position {pos}")
    return arr


def check_fleet_rates(
    discharge_efficiency_frac: float, self_discharge_frac_per_h: float, issues: list[str]
) -> None:
    """Append to ``issues`` unless ``etad`` is in (0, 1] [-] and ``lam`` in [0, 1) [1/h]."""
    if not 0 < discharge_efficiency_frac <= 1:
        issues.append(
            f"discharge_efficiency_frac must be in (0, 1], got {discharge_efficiency_frac}"
        )
    if not 0 <= self_discharge_frac_per_h < 1:
        issues.append(
            f"self_discharge_frac_per_h must be in [0, 1), got {self_discharge_frac_per_h}"
        )


def steps_or_issue(
    hours_h: float, interval_h: float, name: str, where: str, issues: list[str]
) -> int:
    """:func:`steps_in`, or 0 after appending its problem to ``issues``."""
    try:
        return steps_in(hours_h, interval_h, name, where)
    except ValueError as err:
        issues.append(str(err).removeprefix(f"{where}: "))
        return 0


def raise_issues(where: str, issues: list[str]) -> None:
    """Raise one ValueError listing ``issues`` (none: return)."""
    if issues:
        msg = f"{where}: invalid input: " + "; ".join(issues) + ". Fix the inputs listed."
        raise ValueError(msg)


def critical_level_name(level: CriticalLoad) -> str:
    """A short label: ``site``, ``training_paused``, ``site_x0.3`` or ``series``.

    Examples
    --------
    >>> critical_level_name("site"), critical_level_name(0.3), critical_level_name(1.0)
    ('site', 'site_x0.3', 'site_x1')
    """
    if isinstance(level, str):
        return level
    if isinstance(level, pd.Series | np.ndarray):
        return str(getattr(level, "name", None) or "series")
    return f"site_x{float(level):g}"


def critical_load_mw(
    level: CriticalLoad,
    *,
    load_mw: pd.Series,
    gpu_load_mw: pd.Series | None = None,
    cluster: GpuCluster | None = None,
) -> np.ndarray:
    """The critical load ``C_t`` of ``level`` on the horizon of ``load_mw`` [MW].

    Parameters
    ----------
    level : {"site", "training_paused"}, float, pandas.Series or numpy.ndarray
        See the module docstring; a float is a share of the site load in (0, 1].
    load_mw : pandas.Series
        Site load ``L_t`` [MW] on a tz-aware index.
    gpu_load_mw : pandas.Series, optional
        GPU part ``Lgpu_t`` [MW]; used by ``"training_paused"`` without a cluster model.
    cluster : GpuCluster, optional
        The site's GPU cluster; ``"training_paused"`` uses it when given.

    Returns
    -------
    numpy.ndarray
        ``C_t`` [MW], shape ``(len(load_mw),)``, >= 0.

    Raises
    ------
    ValueError
        An unknown level, a share outside (0, 1], a series of the wrong length or with
        NaN/negative values, or ``"training_paused"`` with neither a cluster nor a GPU load.

    Examples
    --------
    >>> idx = pd.date_range("2021-02-01", periods=3, freq="1h", tz="America/Chicago")
    >>> critical_load_mw(0.5, load_mw=pd.Series([10.0, 20.0, 30.0], index=idx)).tolist()
    [5.0, 10.0, 15.0]
    """
    where = "critical_load_mw"
    site = load_mw.to_numpy(dtype=float)
    n = len(site)
    if isinstance(level, str):
        if level == "site":
            return site.copy()
        if level == "training_paused":
            if cluster is not None:
                paused = training_paused_site_load(pd.DatetimeIndex(load_mw.index), cluster)
                return np.minimum(site, paused.to_numpy(dtype=float))
            if gpu_load_mw is not None:
                return np.maximum(site - gpu_load_mw.to_numpy(dtype=float), 0.0)
            msg = (
                f"{where}: critical load 'training_paused' needs the site's GPU cluster or a GPU "
                "load series; got neither. Add gpu_cluster to the site, or use 'site', a share or "
                "a series."
            )
            raise ValueError(msg)
        msg = (
            f"{where}: unknown critical load {level!r}; expected 'site', 'training_paused', a "
            "share in (0, 1] or a series. Correct the level."
        )
        raise ValueError(msg)
    if isinstance(level, pd.Series | np.ndarray):
        issues: list[str] = []
        arr = series_of(np.asarray(level, dtype=float), n, "critical load series", issues)
        raise_issues(where, issues)
        return arr
    share = float(level)
    if not 0 < share <= 1:
        msg = (
            f"{where}: a critical-load share must be in (0, 1]; got {share}. Give the share of the "
            "site load the fleet must carry."
        )
        raise ValueError(msg)
    return share * site


def power_shortfall_mw(
    critical_load_mw: np.ndarray, aux_mw: np.ndarray, discharge_power_max_mw: np.ndarray
) -> np.ndarray:
    """By how much ``C_t + aux_t`` exceeds the fleet's available discharge power [MW], else 0.

    Examples
    --------
    >>> power_shortfall_mw(np.array([5.0, 9.0]), np.ones(2), np.array([8.0, 8.0])).tolist()
    [0.0, 2.0]
    """
    return np.maximum(
        np.asarray(critical_load_mw, dtype=float) + aux_mw - discharge_power_max_mw, 0.0
    )


def energy_floor_mwh(
    critical_load_mw: np.ndarray,
    aux_mw: np.ndarray,
    *,
    interval_h: float,
    hours_h: float,
    discharge_efficiency_frac: float,
    self_discharge_frac_per_h: float = 0.0,
    soc_min_mwh: float = 0.0,
    at: Literal["end", "start"] = "end",
    horizon_end: HorizonEnd = "extend",
) -> np.ndarray:
    """Energy above ``smin`` needed to carry the critical load for ``H`` hours (family 14).

    Parameters
    ----------
    critical_load_mw : numpy.ndarray, shape (n,)
        Critical load ``C_t`` [MW].
    aux_mw : numpy.ndarray or float, shape (n,)
        Fleet auxiliary load ``sum_b a_bt n_b aux_b`` [MW].
    interval_h : float
        Interval length ``dt_h`` [h].
    hours_h : float
        Ride-through duration ``H``, a whole number ``K`` of intervals [h].
    discharge_efficiency_frac : float
        ``etad`` in (0, 1], the least favourable group's [-].
    self_discharge_frac_per_h : float, default 0.0
        Standing loss ``lam`` in [0, 1), the least favourable group's [1/h]; 0 gives the
        spec's formula.
    soc_min_mwh : float, default 0.0
        Fleet SOC minimum ``smin`` [MWh]; enters only through self-discharge (its own decay
        over the ``K`` intervals).
    at : {"end", "start"}, default "end"
        ``"end"``: the spec's ``F_t``, a floor on ``s_t``, the SOC at the **end** of ``t``,
        covering ``tau = t+1 .. t+K``. ``"start"``: ``G_t = F_{t-1}``, a floor on the SOC at the
        **start** of ``t`` (``s_{t-1}``; the initial SOC for ``t = 0``), covering
        ``tau = t .. t+K-1``; compare it with ``soc_start_mwh`` of the outage simulator.
    horizon_end : {"extend", "wrap", "truncate"}, default "extend"
        Values of ``C + aux`` for ``tau >= n``: ``"extend"`` repeats the last interval's value
        (keeps the floor meaningful up to the horizon end, so a schedule that holds it survives
        to the end of data in the simulator's ``"censor"`` mode); ``"wrap"`` reads the data as
        periodic (matches the simulator's ``"wrap"``); ``"truncate"`` counts nothing past the
        data (the floor shrinks to 0 at the end; matches ``"censor"`` exactly).

    Returns
    -------
    numpy.ndarray, shape (n,)
        ``F_t`` (or ``G_t``) [MWh], the formula of the module docstring.

    Raises
    ------
    ValueError
        On mismatched shapes, NaN or negative loads, ``etad`` outside (0, 1], ``lam`` outside
        [0, 1), ``hours_h`` not a whole number of intervals, or an unknown ``at`` /
        ``horizon_end``.

    Notes
    -----
    Without self-discharge one cumulative sum, ``O(n)``; with it a window product, ``O(n K)``.
    The floor counts no on-site generation (conservative) and says nothing about power.

    Examples
    --------
    >>> energy_floor_mwh(np.array([1.0, 2.0, 3.0]), np.zeros(3), interval_h=1.0, hours_h=2,
    ...                  discharge_efficiency_frac=1.0).tolist()
    [5.0, 6.0, 6.0]
    >>> energy_floor_mwh(np.array([1.0, 2.0, 3.0]), np.zeros(3), interval_h=1.0, hours_h=2,
    ...                  discharge_efficiency_frac=1.0, at="start").tolist()
    [3.0, 5.0, 6.0]
    """
    where = "energy_floor_mwh"
    issues: list[str] = []
    critical = np.asarray(critical_load_mw, dtype=float)
    n = critical.shape[0] if critical.ndim == 1 else 0
    if n == 0:
        issues.append(f"critical_load_mw must be a non-empty 1-D array, got shape {critical.shape}")
    critical = series_of(critical, n, "critical_load_mw", issues) if n else critical
    aux = series_of(aux_mw, n, "aux_mw", issues) if n else np.zeros(0)
    check_fleet_rates(discharge_efficiency_frac, self_discharge_frac_per_h, issues)
    if at not in ("end", "start"):
        issues.append(f"at must be 'end' or 'start', got {at!r}")
    if horizon_end not in ("extend", "wrap", "truncate"):
        issues.append(f"horizon_end must be 'extend', 'wrap' or 'truncate', got {horizon_end!r}")
    k_steps = steps_or_issue(hours_h, interval_h, "hours_h", where, issues)
    raise_issues(where, issues)

    load_mwh = (critical + aux) * float(interval_h) / discharge_efficiency_frac
    padded = _padded(load_mwh, k_steps, horizon_end)
    first = 0 if at == "start" else 1  # window of tau = t+first .. t+first+K-1
    retention = (1.0 - self_discharge_frac_per_h) ** float(interval_h)
    if retention == 1.0:
        cumulative = np.concatenate([[0.0], np.cumsum(padded)])
        return cumulative[k_steps + first : k_steps + first + n] - cumulative[first : first + n]
    weights = retention ** -np.arange(1, k_steps + 1, dtype=float)  # r^-k, k = 1 .. K
    windows = np.lib.stride_tricks.sliding_window_view(padded, k_steps)[first : first + n]
    return windows @ weights + soc_min_mwh * (retention**-k_steps - 1.0)


def _padded(load_mwh: np.ndarray, k_steps: int, horizon_end: HorizonEnd) -> np.ndarray:
    """Energy [MWh] of tau = 0 .. n-1 followed by the ``k_steps`` intervals past the data."""
    if horizon_end == "extend":
        tail = np.full(k_steps, load_mwh[-1])
    elif horizon_end == "wrap":
        tail = np.resize(load_mwh, k_steps)  # repeats the data cyclically
    else:
        tail = np.zeros(k_steps)
    return np.concatenate([load_mwh, tail])
