"""Candidate system-peak hours for a coincident-peak charge (pure pandas, no files).

:func:`system_peak_candidates` reduces an hourly system load, such as the TVA
balancing-authority demand from EIA-930, to the peak hours of each local calendar month.
The files are read in :mod:`optimizer.io.tariff_file` (``read_system_load`` for the load,
``read_candidates_csv`` for a list of candidate starts).

The probabilistic list gives each month's candidates weights summing to 1: the chance
that the candidate is the hour the utility bills on. With ``n_per_month = 1`` it is the
month's actual system peak hour (perfect hindsight, fine for a historical study).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from optimizer.tariffs.calendar import month_hours
from optimizer.tariffs.spec import CandidateHour


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
    complete = [m for m, n in hours.items() if n >= month_hours(m, s.index.tz)]
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


__all__ = ["system_peak_candidates"]
