"""The sub-interval swing envelope ``wup_t``, ``wdn_t`` (``SPEC.md`` §2, family 9).

From high-resolution telemetry (1 s to 1 min): per model interval, ``up = max - mean`` and
``down = mean - min`` of the samples inside it, or percentiles (``up = P(p) - mean``,
``down = mean - P(100 - p)``). The battery then holds that headroom so the grid sees the
interval mean.

Scaling (an assumption, stated in the scenario notes): the trace is divided by its own
peak and multiplied by ``coherent_mw``, the MW of site load taken to swing in step with
it. Synchronous training makes node traces add coherently, so the whole site in step is
the worst case; a smaller ``coherent_mw`` says only part of the site runs one job.

Without telemetry the swing comes from the GPU-cluster model: ``up = up_frac * Lgpu`` and
``down = down_frac * Lgpu``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimizer.errors import Issue, TimeSeriesError
from optimizer.inputs.timeseries import check_series, ns


def interval_swing(
    trace: pd.Series, step_min: int, *, percentile: float | None = None
) -> pd.DataFrame:
    """Swing above and below the mean in each clock-aligned model interval of ``trace``.

    Parameters
    ----------
    trace : pandas.Series
        Tz-aware, regular, finer than ``step_min``; any power unit.
    step_min : int
        Model step [min].
    percentile : float, optional
        Use ``P(p)`` and ``P(100 - p)`` instead of the max and min [%].

    Returns
    -------
    pandas.DataFrame
        Indexed by interval start: ``mean``, ``up``, ``down`` (same unit as the trace), for
        full intervals only.
    """
    issues = check_series(trace, name="swing telemetry")
    if issues:
        msg = ""
        raise TimeSeriesError(msg, issues=issues)
    t = ns(trace.index)
    sample = int(np.median(np.diff(t))) if len(t) > 1 else 0
    step = step_min * 60 * 10**9
    if sample <= 0 or sample >= step:
        msg = ""
        raise TimeSeriesError(
            msg,
            issues=[
                Issue(
                    "telemetry is not finer than the model step",
                    field="grid.swing",
                    expected=f"samples shorter than {step_min} min",
                    got=f"{sample / 1e9:g} s",
                    fix="Use 1 s to 1 min telemetry or a longer model step",
                )
            ],
        )
    per = step // sample
    block = (
        t - (t[0] // step) * step
    ) // step  # clock-aligned in UTC (exact for whole-minute offsets)
    frame = pd.DataFrame({"block": block, "v": trace.to_numpy(dtype=float)})
    grouped = frame.groupby("block")["v"]
    stats = pd.DataFrame({"n": grouped.size(), "mean": grouped.mean()})
    if percentile is None:
        stats["hi"], stats["lo"] = grouped.max(), grouped.min()
    else:
        stats["hi"], stats["lo"] = (
            grouped.quantile(percentile / 100),
            grouped.quantile(1 - percentile / 100),
        )
    stats = stats[stats["n"] == per]
    starts = pd.to_datetime(
        (t[0] // step) * step + stats.index.to_numpy() * step, utc=True
    ).tz_convert(trace.index.tz)
    return pd.DataFrame(
        {
            "mean": stats["mean"].to_numpy(),
            "up": (stats["hi"] - stats["mean"]).to_numpy(),
            "down": (stats["mean"] - stats["lo"]).to_numpy(),
        },
        index=pd.DatetimeIndex(starts, name="interval_start"),
    )


def swing_from_telemetry(
    trace: pd.Series,
    index: pd.DatetimeIndex,
    *,
    coherent_mw: float,
    percentile: float | None = None,
    align: str = "repeat",
) -> tuple[pd.Series, pd.Series]:
    """Swing envelope on ``index`` from a trace, scaled so the trace's peak equals ``coherent_mw``.

    ``align = "repeat"`` tiles the trace's sequence of per-interval swings over the horizon
    (for a trace shorter than the study); ``"exact"`` requires the trace to cover the horizon.

    Returns
    -------
    (pandas.Series, pandas.Series)
        ``swing_up_mw`` and ``swing_down_mw`` [MW].
    """
    step_min = int(round((ns(index)[1] - ns(index)[0]) / 60e9)) if len(index) > 1 else 60
    sw = interval_swing(trace, step_min, percentile=percentile)
    if sw.empty:
        msg = ""
        raise TimeSeriesError(
            msg,
            issues=[
                Issue(
                    "telemetry holds no full model interval",
                    field="grid.swing",
                    fix="Use a longer trace or a shorter step",
                )
            ],
        )
    scale = coherent_mw / float(trace.max())
    if align == "exact":
        up = sw["up"].reindex(index)
        down = sw["down"].reindex(index)
        if up.isna().any():
            first = index[up.isna().to_numpy()][0]
            msg = ""
            raise TimeSeriesError(
                msg,
                issues=[
                    Issue(
                        "telemetry does not cover the horizon",
                        field="grid.swing",
                        timestamp=first.isoformat(),
                        fix="Use align = 'repeat' or a longer trace",
                    )
                ],
            )
        up_v, down_v = up.to_numpy(), down.to_numpy()
    else:
        reps = int(np.ceil(len(index) / len(sw)))
        up_v = np.tile(sw["up"].to_numpy(), reps)[: len(index)]
        down_v = np.tile(sw["down"].to_numpy(), reps)[: len(index)]
    return (
        pd.Series(up_v * scale, index=index, name="swing_up_mw"),
        pd.Series(down_v * scale, index=index, name="swing_down_mw"),
    )


def swing_from_cluster(
    gpu_load_mw: pd.Series, *, up_frac: float, down_frac: float
) -> tuple[pd.Series, pd.Series]:
    """Swing envelope from the GPU-cluster model: fixed shares of the GPU load [MW]."""
    return (
        (gpu_load_mw * up_frac).rename("swing_up_mw"),
        (gpu_load_mw * down_frac).rename("swing_down_mw"),
    )
