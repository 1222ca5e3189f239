"""Candidate system-peak hours for a coincident-peak charge (pure pandas).

Two sources:

- a CSV of candidate period starts (tz-aware ISO 8601) with optional weights
  (:func:`read_candidates_csv`);
- an hourly system load such as the TVA balancing-authority demand from EIA-930
  (``shared/data/loads/eia930_tva_ba_hourly_demand_2020_2024_cleaned.csv``, UTC,
  hour-ending stamps as EIA-930 publishes them), reduced to the peak hours of each local
  calendar month (:func:`read_system_load`, :func:`system_peak_candidates`).

The probabilistic list gives each month's candidates weights summing to 1: the chance
that the candidate is the hour the utility bills on. With ``n_per_month = 1`` it is the
month's actual system peak hour (perfect hindsight, fine for a historical study).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from optimizer.errors import InputError, Issue, TimeSeriesError
from optimizer.tariffs.spec import CandidateHour


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise InputError(
            "",
            issues=[
                Issue(
                    "file not found",
                    path=str(path),
                    fix="Check the path; paths in a TOML model are relative to that TOML file",
                )
            ],
        )
    try:
        return pd.read_csv(path)
    except Exception as exc:  # parser errors
        raise InputError(
            "",
            issues=[Issue(f"cannot read CSV ({exc})", path=str(path), fix="Check the file format")],
        ) from exc


def _month_hours(month: pd.Period, tz: object) -> float:
    start = pd.Timestamp(month.start_time).tz_localize(
        tz, nonexistent="shift_forward", ambiguous=False
    )
    end = pd.Timestamp((month + 1).start_time).tz_localize(
        tz, nonexistent="shift_forward", ambiguous=False
    )
    return (end - start) / pd.Timedelta(hours=1)


def read_system_load(
    path: str | Path,
    *,
    timezone: str = "America/Chicago",
    timestamp_column: str = "date_time",
    load_column: str = "cleaned demand (MW)",
    timestamps_mark: Literal["interval_start", "interval_end"] = "interval_end",
) -> pd.Series:
    """Hourly system load [MW] indexed by local hour start.

    Parameters
    ----------
    path : str or Path
        CSV with a UTC (naive or offset) timestamp column and a load column [MW].
    timezone : str
        Zone of the billing calendar.
    timestamp_column, load_column : str
        Column names (defaults: the cleaned EIA-930 file).
    timestamps_mark : {"interval_end", "interval_start"}
        EIA-930 stamps are hour-ending: the hour ``[t - 1 h, t)`` is labelled ``t``.

    Raises
    ------
    InputError
        Missing file or column; non-numeric or missing loads.
    """
    path = Path(path)
    frame = _read_csv(path)
    for col in (timestamp_column, load_column):
        if col not in frame.columns:
            raise InputError(
                "",
                issues=[
                    Issue(
                        "column missing",
                        path=str(path),
                        field=col,
                        expected=col,
                        got=", ".join(map(str, frame.columns)),
                        fix="Name the right column",
                    )
                ],
            )
    stamps = pd.to_datetime(frame[timestamp_column], utc=True)
    if timestamps_mark == "interval_end":
        stamps = stamps - pd.Timedelta(hours=1)
    load = pd.to_numeric(frame[load_column], errors="coerce")
    if load.isna().any():
        first = stamps[load.isna()].iloc[0]
        raise TimeSeriesError(
            "",
            issues=[
                Issue(
                    "missing or non-numeric load",
                    path=str(path),
                    field=load_column,
                    timestamp=first.isoformat(),
                    fix="Use the cleaned column or fill the gaps",
                )
            ],
        )
    series = pd.Series(
        load.to_numpy(dtype=float),
        index=pd.DatetimeIndex(stamps).tz_convert(timezone),
        name="system_load_mw",
    )
    return series[~series.index.duplicated()].sort_index()


def system_peak_candidates(
    system_load_mw: pd.Series,
    *,
    n_per_month: int = 1,
    distinct_days: bool = True,
    weighting: Literal["equal", "load"] = "equal",
) -> tuple[CandidateHour, ...]:
    """The likely system-peak hours of every local calendar month.

    Parameters
    ----------
    system_load_mw : pandas.Series
        Hourly system load [MW], indexed by tz-aware local hour starts.
    n_per_month : int
        Candidates per month.
    distinct_days : bool
        Take each day's peak hour and keep the ``n_per_month`` highest days, so one long
        event does not fill every slot with neighbouring hours.
    weighting : {"equal", "load"}
        Weight ``1/n`` each, or in proportion to the candidate's system load.

    Returns
    -------
    tuple of CandidateHour
        Sorted by start; weights sum to 1 within each month. Months the load does not
        cover hour by hour (the edges of the file) are left out: their peak is unknown.
    """
    s = system_load_mw.dropna()
    wall = s.index.tz_localize(None)
    frame = pd.DataFrame(
        {"load": s.to_numpy(), "month": wall.to_period("M"), "day": wall.normalize()}, index=s.index
    )
    hours = frame.groupby("month").size()
    complete = [m for m, n in hours.items() if n >= _month_hours(m, s.index.tz)]
    frame = frame[frame["month"].isin(complete)]
    if distinct_days:
        frame = frame.loc[frame.groupby("day")["load"].idxmax()]
    out: list[CandidateHour] = []
    for _, grp in frame.groupby("month", sort=True):
        top = grp.nlargest(n_per_month, "load")
        w = (
            np.full(len(top), 1.0 / len(top))
            if weighting == "equal"
            else top["load"].to_numpy() / top["load"].sum()
        )
        w = w / w.sum()
        out.extend(
            CandidateHour(start=t.to_pydatetime(), weight_frac=float(x))
            for t, x in zip(top.index, w, strict=True)
        )
    return tuple(sorted(out, key=lambda c: c.start))


def read_candidates_csv(
    path: str | Path, *, timestamp_column: str = "interval_start", weight_column: str | None = None
) -> tuple[CandidateHour, ...]:
    """Candidate peak-period starts (tz-aware ISO 8601) and optional weights from a CSV.

    Without a weight column every candidate of a month gets ``1 / (candidates in month)``.

    Raises
    ------
    InputError
        Missing file or column, or naive timestamps.
    """
    path = Path(path)
    frame = _read_csv(path)
    cols = [timestamp_column] + ([weight_column] if weight_column else [])
    for col in cols:
        if col not in frame.columns:
            raise InputError(
                "",
                issues=[
                    Issue(
                        "column missing",
                        path=str(path),
                        field=col,
                        got=", ".join(map(str, frame.columns)),
                        fix="Name the right column",
                    )
                ],
            )
    starts = [pd.Timestamp(v) for v in frame[timestamp_column]]
    naive = [s for s in starts if s.tzinfo is None]
    if naive:
        raise InputError(
            "",
            issues=[
                Issue(
                    "timestamp has no UTC offset",
                    path=str(path),
                    field=timestamp_column,
                    got=str(naive[0]),
                    fix="Write stamps like 2021-02-16T07:00:00-06:00",
                )
            ],
        )
    if weight_column:
        weights = frame[weight_column].astype(float).tolist()
    else:
        months = [f"{s.year:04d}-{s.month:02d}" for s in starts]
        counts = {m: months.count(m) for m in set(months)}
        weights = [1.0 / counts[m] for m in months]
    return tuple(
        sorted(
            (
                CandidateHour(start=s.to_pydatetime(), weight_frac=w)
                for s, w in zip(starts, weights, strict=True)
            ),
            key=lambda c: c.start,
        )
    )


__all__ = ["read_candidates_csv", "read_system_load", "system_peak_candidates"]
