"""Stability of the grid draw (``SPEC.md`` §9), for a schedule and for the no-battery baseline.

Pure pandas/numpy: a tz-aware net-import series in, plain numbers or a small DataFrame out. The
module imports nothing from ``optimizer``; it is the one definition that the run summary
(``results/grid_report.py``), the CLI table and the HTML report use.

Conventions
-----------
- ``net_import_mw`` is ``g_t - x_t`` (import minus export) [MW], one value per interval, indexed
  by the tz-aware interval start (``SPEC.md`` §1). A move is ``Δ_t = y_t - y_{t-1}`` for
  ``t >= 1``; the first interval has no predecessor, so ``n`` intervals give ``n - 1`` moves.
- Rises and falls are reported as positive numbers [MW]; a series that never rises (falls) has
  ``largest_rise_mw`` (``largest_fall_mw``) equal to 0.
- MW/min rates divide a move by the interval length in minutes (family 8's ``R * dt_min``).
- The horizon lasts ``n * dt_h`` hours, so
  ``total_variation_mw_per_day = sum |Δ| / (n dt_h / 24)``.
- Moves smaller than ``ATOL_MW`` in magnitude count as no move (they neither count as a move of
  at least the threshold, nor start a change of direction).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = [
    "ATOL_MW",
    "LARGER_IS_WORSE",
    "compare_stability",
    "moves_grid_harder_than_baseline",
    "stability_metrics",
]

ATOL_MW = 1e-6
"""Moves and cap margins below this are treated as zero [MW]."""

LARGER_IS_WORSE: dict[str, bool] = {
    "largest_rise_mw": True,
    "largest_fall_mw": True,
    "largest_rise_mw_per_min": True,
    "largest_fall_mw_per_min": True,
    "total_variation_mw_per_day": True,
    "n_moves_at_least_threshold": True,
    "n_direction_changes": True,
    # Sitting at the cap is what peak shaving does, and a flat draw at the cap is stable: it is
    # reported, never flagged as worse.
    "time_at_import_cap_h": False,
}
"""Metric names in the order reported, and whether a larger value is worse for the grid."""

_MIN_PER_H = 60.0
_H_PER_DAY = 24.0


def _interval_min(index: pd.Index, where: str) -> float:
    """Regular step of a tz-aware ``DatetimeIndex`` [min]; raises ``ValueError`` otherwise."""
    if not isinstance(index, pd.DatetimeIndex):
        msg = (
            f"{where}: the index must be a DatetimeIndex of interval starts; "
            f"got {type(index).__name__}. Index the series by interval_start."
        )
        raise TypeError(msg)
    if index.tz is None:
        msg = (
            f"{where}: the index must be time-zone aware; got a naive DatetimeIndex. "
            "Localize it to the site's zone, e.g. index.tz_localize('America/Chicago')."
        )
        raise ValueError(msg)
    if len(index) < 2:
        msg = f"{where}: need at least 2 intervals to measure moves; got {len(index)}."
        raise ValueError(msg)
    # Differences of tz-aware stamps are taken on absolute instants, so DST days stay regular.
    steps = (index[1:] - index[:-1]).unique()
    if len(steps) != 1 or steps[0] <= pd.Timedelta(0):
        shown = [str(s) for s in steps[:5]]
        msg = (
            f"{where}: the index must be sorted with one fixed step; got steps {shown}. "
            "Sort, de-duplicate and resample the series to a regular step first."
        )
        raise ValueError(msg)
    return float(steps[0] / pd.Timedelta(minutes=1))


def _cap_array(import_cap_mw: float | pd.Series, index: pd.DatetimeIndex, where: str) -> np.ndarray:
    """Return the import cap as one float per interval [MW], aligned on ``index``."""
    if isinstance(import_cap_mw, pd.Series):
        if not import_cap_mw.index.equals(index):
            missing = index.difference(import_cap_mw.index)
            msg = (
                f"{where}: import_cap_mw must be indexed like net_import_mw; "
                f"{len(missing)} interval(s) of net_import_mw are missing from it "
                f"(first: {missing[0] if len(missing) else 'none'}) or the order differs. "
                "Reindex import_cap_mw on net_import_mw.index."
            )
            raise ValueError(msg)
        cap = import_cap_mw.to_numpy(dtype=float)
    else:
        cap = np.full(len(index), float(import_cap_mw))
    if np.isnan(cap).any():
        msg = f"{where}: import_cap_mw holds NaN. Fill it or pass None for no cap."
        raise ValueError(msg)
    return cap


def stability_metrics(
    net_import_mw: pd.Series,
    *,
    import_cap_mw: float | pd.Series | None,
    move_threshold_mw: float = 100.0,
) -> dict[str, float]:
    """Measure how hard a schedule moves the grid draw (``SPEC.md`` §9).

    Parameters
    ----------
    net_import_mw : pandas.Series
        Net grid import ``g_t - x_t`` per interval [MW], indexed by tz-aware interval starts with
        one fixed step. For the no-battery baseline pass the site load ``L_t``.
    import_cap_mw : float, pandas.Series or None
        Import cap at the point of interconnection [MW]: a scalar, or a series indexed like
        ``net_import_mw`` (caps that change with events). ``None`` when there is no cap; then
        ``time_at_import_cap_h`` is NaN.
    move_threshold_mw : float, default 100.0
        A move ``|Δ_t|`` at least this large is counted in ``n_moves_at_least_threshold`` [MW].

    Returns
    -------
    dict of str to float
        ``largest_rise_mw``, ``largest_fall_mw`` : largest single-interval rise and fall, both
        >= 0 [MW].
        ``largest_rise_mw_per_min``, ``largest_fall_mw_per_min`` : the same over the interval
        length [MW/min].
        ``total_variation_mw_per_day`` : ``sum_t |Δ_t|`` over the horizon's days, the horizon
        lasting ``n * dt_h`` [MW/day].
        ``n_moves_at_least_threshold`` : moves with ``|Δ_t| >= move_threshold_mw - ATOL_MW`` [-].
        ``n_direction_changes`` : sign changes between consecutive moves with
        ``|Δ| > ATOL_MW``; flat stretches in between are skipped [-].
        ``time_at_import_cap_h`` : hours with ``net_import_mw >= cap - ATOL_MW`` [h].

    Raises
    ------
    TypeError
        If the index is not a ``DatetimeIndex``.
    ValueError
        If the index is naive, irregular or shorter than 2, the series holds NaN, the threshold
        is not positive, or a cap series is not aligned.

    Examples
    --------
    >>> idx = pd.date_range("2025-07-01", periods=4, freq="15min", tz="America/Chicago")
    >>> m = stability_metrics(pd.Series([100.0, 250.0, 250.0, 200.0], index=idx),
    ...                       import_cap_mw=250.0)
    >>> m["largest_rise_mw"], m["largest_fall_mw"], m["n_direction_changes"]
    (150.0, 50.0, 1.0)
    >>> m["time_at_import_cap_h"]
    0.5
    """
    where = "stability_metrics"
    dt_min = _interval_min(net_import_mw.index, where)
    y = net_import_mw.to_numpy(dtype=float)
    if np.isnan(y).any():
        first = net_import_mw.index[np.isnan(y)][0]
        msg = f"{where}: net_import_mw holds NaN (first at {first}). Fill the gap first."
        raise ValueError(msg)
    if not move_threshold_mw > 0:
        msg = f"{where}: move_threshold_mw must be > 0; got {move_threshold_mw}."
        raise ValueError(msg)

    n = len(y)
    dt_h = dt_min / _MIN_PER_H
    steps_mw = np.diff(y)
    magnitude_mw = np.abs(steps_mw)
    largest_rise_mw = float(np.max(steps_mw, initial=0.0))
    largest_fall_mw = float(np.max(-steps_mw, initial=0.0))
    horizon_days = n * dt_h / _H_PER_DAY

    signs = np.sign(steps_mw[magnitude_mw > ATOL_MW])
    n_direction_changes = int(np.count_nonzero(signs[1:] != signs[:-1]))

    if import_cap_mw is None:
        time_at_cap_h = float("nan")
    else:
        cap = _cap_array(import_cap_mw, net_import_mw.index, where)
        time_at_cap_h = float(np.count_nonzero(y >= cap - ATOL_MW) * dt_h)

    return {
        "largest_rise_mw": largest_rise_mw,
        "largest_fall_mw": largest_fall_mw,
        "largest_rise_mw_per_min": largest_rise_mw / dt_min,
        "largest_fall_mw_per_min": largest_fall_mw / dt_min,
        "total_variation_mw_per_day": float(magnitude_mw.sum() / horizon_days),
        "n_moves_at_least_threshold": float(
            np.count_nonzero(magnitude_mw >= move_threshold_mw - ATOL_MW)
        ),
        "n_direction_changes": float(n_direction_changes),
        "time_at_import_cap_h": time_at_cap_h,
    }


def _exceeds(optimized: float, baseline: float, rtol_frac: float, atol: float) -> bool:
    """``optimized > baseline + atol + rtol_frac * |baseline|``; False when either is NaN."""
    if np.isnan(optimized) or np.isnan(baseline):
        return False
    return bool(optimized > baseline + atol + rtol_frac * abs(baseline))


def _check_metric_keys(metrics: Mapping[str, float], name: str, where: str) -> None:
    missing = [k for k in LARGER_IS_WORSE if k not in metrics]
    if missing:
        msg = (
            f"{where}: {name} lacks metric(s) {missing}; expected the dict returned by "
            "stability_metrics. Pass stability_metrics(...) of the schedule and the baseline."
        )
        raise ValueError(msg)


def compare_stability(
    optimized: Mapping[str, float],
    baseline: Mapping[str, float],
    *,
    rtol_frac: float = 0.0,
    atol: float = ATOL_MW,
) -> pd.DataFrame:
    """Put a schedule's stability metrics beside the baseline's and flag the worse ones.

    Parameters
    ----------
    optimized, baseline : mapping of str to float
        Results of :func:`stability_metrics` for the optimised schedule and for the no-battery
        baseline (``g_t = L_t``), computed with the same cap and threshold.
    rtol_frac : float, default 0.0
        Relative slack on the baseline value before a metric counts as worse [-].
    atol : float, default ``ATOL_MW``
        Absolute slack, in each metric's own unit (MW, MW/min, MW/day, count or h).

    Returns
    -------
    pandas.DataFrame
        Index ``metric`` (the keys of ``LARGER_IS_WORSE``, in that order); columns ``baseline``
        and ``optimized`` (float, in each metric's unit), ``larger_is_worse`` (bool) and
        ``is_worse_than_baseline`` (bool: ``larger_is_worse`` and
        ``optimized > baseline + atol + rtol_frac * |baseline|``; False where a value is NaN).

    Examples
    --------
    >>> idx = pd.date_range("2025-07-01", periods=3, freq="h", tz="America/Chicago")
    >>> base = stability_metrics(pd.Series([0.0, 100.0, 0.0], index=idx), import_cap_mw=None)
    >>> opt = stability_metrics(pd.Series([50.0, 50.0, 50.0], index=idx), import_cap_mw=None)
    >>> bool(compare_stability(opt, base)["is_worse_than_baseline"].any())
    False
    """
    where = "compare_stability"
    _check_metric_keys(optimized, "optimized", where)
    _check_metric_keys(baseline, "baseline", where)
    rows = []
    for metric, larger_is_worse in LARGER_IS_WORSE.items():
        b, o = float(baseline[metric]), float(optimized[metric])
        rows.append(
            {
                "metric": metric,
                "baseline": b,
                "optimized": o,
                "larger_is_worse": larger_is_worse,
                "is_worse_than_baseline": larger_is_worse and _exceeds(o, b, rtol_frac, atol),
            }
        )
    return pd.DataFrame(rows).set_index("metric")


def moves_grid_harder_than_baseline(
    optimized: Mapping[str, float],
    baseline: Mapping[str, float],
    *,
    rtol_frac: float = 0.0,
    atol_mw: float = ATOL_MW,
) -> bool:
    """Whether the schedule moves the grid harder than the no-battery baseline.

    True when any of these exceeds the baseline's by more than the tolerance
    ``atol + rtol_frac * |baseline|``:

    - the largest step ``max(largest_rise_mw, largest_fall_mw)`` [MW] (absolute slack ``atol_mw``);
    - ``n_moves_at_least_threshold`` [-] (no absolute slack: counts are whole);
    - ``total_variation_mw_per_day`` [MW/day] (absolute slack ``atol_mw``).

    Parameters
    ----------
    optimized, baseline : mapping of str to float
        Results of :func:`stability_metrics` for the schedule and for the baseline.
    rtol_frac : float, default 0.0
        Relative slack on each baseline value [-].
    atol_mw : float, default ``ATOL_MW``
        Absolute slack on the MW-based metrics [MW] (and [MW/day]).

    Returns
    -------
    bool
        True if the schedule is harder on the grid than the baseline by any of the three measures.

    Examples
    --------
    >>> idx = pd.date_range("2025-07-01", periods=3, freq="h", tz="America/Chicago")
    >>> base = stability_metrics(pd.Series([50.0, 50.0, 50.0], index=idx), import_cap_mw=None)
    >>> opt = stability_metrics(pd.Series([0.0, 100.0, 0.0], index=idx), import_cap_mw=None)
    >>> moves_grid_harder_than_baseline(opt, base)
    True
    """
    where = "moves_grid_harder_than_baseline"
    _check_metric_keys(optimized, "optimized", where)
    _check_metric_keys(baseline, "baseline", where)

    def step(m: Mapping[str, float]) -> float:
        return max(float(m["largest_rise_mw"]), float(m["largest_fall_mw"]))

    checks = (
        (step(optimized), step(baseline), atol_mw),
        (
            float(optimized["n_moves_at_least_threshold"]),
            float(baseline["n_moves_at_least_threshold"]),
            0.0,
        ),
        (
            float(optimized["total_variation_mw_per_day"]),
            float(baseline["total_variation_mw_per_day"]),
            atol_mw,
        ),
    )
    return any(_exceeds(o, b, rtol_frac, atol) for o, b, atol in checks)
