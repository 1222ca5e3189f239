"""The one validator of a horizon: tz-aware, sorted, unique, regular interval starts.

Every index that reaches the model, the tariff engine, the bill calculator or a load
generator is checked here, so one problem always gets one message:

=====================================  =====================================================
problem                                 issue ``what``
=====================================  =====================================================
not a ``DatetimeIndex``                 ``index is not a DatetimeIndex``
naive stamps                            ``timestamps have no time zone``
no stamps                               ``index is empty``
a stamp twice                           ``duplicate timestamp``
a stamp before its predecessor          ``timestamps not sorted``
a step other than the usual one         ``gap or irregular step``
one stamp and no ``freq``               ``cannot tell the step of a one-interval index``
a step the caller does not allow        ``unsupported step``
=====================================  =====================================================

:func:`index_issues` lists the problems (for callers that collect all problems of many
series), :func:`regular_step` returns the step or raises, and :func:`interval_min` also
checks that the step is a whole number of minutes the caller allows.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import cast

import numpy as np
import pandas as pd

from optimizer.errors import Issue, TimeSeriesError

FIELD = "interval_start"
"""Default field name in messages: the index of interval starts."""


def _ns(index: pd.DatetimeIndex) -> np.ndarray:
    """Integer nanoseconds since the epoch, whatever the stored resolution [ns]."""
    return pd.DatetimeIndex(index).as_unit("ns").asi8


def format_step(step: pd.Timedelta) -> str:
    """A step as people write it: ``"15 min"``, ``"1 s"``."""
    secs = step.total_seconds()
    return f"{secs / 60:g} min" if secs >= 60 else f"{secs:g} s"


def index_issues(index: object, *, field: str = FIELD, path: str | None = None) -> list[Issue]:
    """Every problem of ``index`` as a horizon; an empty list when it is fine.

    Parameters
    ----------
    index : object
        The index to check; it should be a tz-aware :class:`pandas.DatetimeIndex` of
        interval starts on one regular step.
    field : str
        Series or field name for the messages.
    path : str, optional
        File the index came from, for the messages.

    Returns
    -------
    list of Issue
        A wrong type, naive stamps or an empty index alone (nothing else can be said
        then); otherwise duplicates and unsorted stamps, and an irregular step only when
        the stamps are unique and sorted.

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.date_range("2021-02-01", periods=4, freq="15min", tz="America/Chicago")
    >>> index_issues(idx)
    []
    >>> [i.what for i in index_issues(idx[[1, 0, 2, 3]])]
    ['timestamps not sorted']
    """
    if not isinstance(index, pd.DatetimeIndex):
        return [
            Issue(
                "index is not a DatetimeIndex",
                path=path,
                field=field,
                got=type(index).__name__,
                fix="Index the series by tz-aware interval starts",
            )
        ]
    if index.tz is None:
        return [
            Issue(
                "timestamps have no time zone",
                path=path,
                field=field,
                timestamp=str(index[0]) if len(index) else None,
                fix="Localize the index (tz_localize) to the site zone",
            )
        ]
    if len(index) == 0:
        return [Issue("index is empty", path=path, field=field, fix="Give at least one interval")]
    issues: list[Issue] = []
    dup = index.duplicated()
    if dup.any():
        issues.append(
            Issue(
                "duplicate timestamp",
                path=path,
                field=field,
                timestamp=index[dup][0].isoformat(),
                fix="Drop or merge duplicate rows",
            )
        )
    if not index.is_monotonic_increasing:
        pos = int(np.argmax(np.diff(_ns(index)) < 0)) + 1
        issues.append(
            Issue(
                "timestamps not sorted",
                path=path,
                field=field,
                timestamp=index[pos].isoformat(),
                fix="Sort the rows by time",
            )
        )
    if not issues and len(index) > 1:
        irregular = _irregular_step(index, field=field, path=path)
        if irregular is not None:
            issues.append(irregular)
    return issues


def _irregular_step(index: pd.DatetimeIndex, *, field: str, path: str | None) -> Issue | None:
    """The first step that differs from the usual (median) one, or None [-]."""
    steps = np.diff(_ns(index))
    step = int(np.median(steps))
    irregular = steps != step
    if not irregular.any():
        return None
    pos = int(np.argmax(irregular))
    gap = int(steps[pos]) > step and int(steps[pos]) % step == 0
    missing = f" ({int(steps[pos]) // step - 1} stamps missing)" if gap else ""
    at = index[pos] + pd.Timedelta(step, "ns") if gap else index[pos + 1]
    return Issue(
        "gap or irregular step",
        path=path,
        field=field,
        timestamp=at.isoformat(),
        expected=f"a step of {format_step(pd.Timedelta(step, 'ns'))}",
        got=f"{format_step(pd.Timedelta(int(steps[pos]), 'ns'))} from "
        f"{index[pos].isoformat()} to the next stamp{missing}",
        fix="Fill the gap or resample the series before use",
    )


def regular_step(
    index: object,
    *,
    field: str = FIELD,
    path: str | None = None,
    default: pd.Timedelta | None = None,
) -> pd.Timedelta:
    """The step of a valid horizon [time].

    Parameters
    ----------
    index : object
        Tz-aware :class:`pandas.DatetimeIndex` of interval starts.
    field, path : str
        Names for the messages (see :func:`index_issues`).
    default : pandas.Timedelta, optional
        Step of a one-interval index without a ``freq``; without it such an index is an
        error.

    Returns
    -------
    pandas.Timedelta
        The step between consecutive interval starts.

    Raises
    ------
    TimeSeriesError
        Every problem of :func:`index_issues`, or a one-interval index with no step.
    """
    issues = index_issues(index, field=field, path=path)
    if issues:
        raise TimeSeriesError(issues=issues)
    index = cast(pd.DatetimeIndex, index)  # index_issues checked it
    if len(index) > 1:
        first_ns = _ns(index[:2])
        return pd.Timedelta(int(first_ns[1] - first_ns[0]), "ns")
    freq_step = _freq_step(index)
    if freq_step is not None:
        return freq_step
    if default is not None:
        return default
    raise TimeSeriesError(
        issues=[
            Issue(
                "cannot tell the step of a one-interval index",
                path=path,
                field=field,
                fix="Give the index a freq (pd.date_range) or more intervals",
            )
        ]
    )


def _freq_step(index: pd.DatetimeIndex) -> pd.Timedelta | None:
    """The fixed step of ``index.freq``, or None when it has none (or a calendar one)."""
    if index.freq is None:
        return None
    try:
        return pd.Timedelta(index.freq)
    except (TypeError, ValueError):  # a calendar offset such as MonthEnd has no fixed length
        return None


def interval_min(
    index: object,
    *,
    field: str = FIELD,
    path: str | None = None,
    allowed: Collection[int] | None = None,
    default_min: int | None = None,
) -> int:
    """The step of a valid horizon in whole minutes [min].

    Parameters
    ----------
    index : object
        Tz-aware :class:`pandas.DatetimeIndex` of interval starts.
    field, path : str
        Names for the messages (see :func:`index_issues`).
    allowed : collection of int, optional
        Steps the caller supports [min]; by default every whole number of minutes that
        divides 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60).
    default_min : int, optional
        Step of a one-interval index without a ``freq`` [min].

    Returns
    -------
    int
        The step [min].

    Raises
    ------
    TimeSeriesError
        Every problem of :func:`index_issues`, a one-interval index with no step, or a step
        that is not an allowed whole number of minutes.

    Examples
    --------
    >>> import pandas as pd
    >>> interval_min(pd.date_range("2021-02-01", periods=3, freq="15min", tz="UTC"))
    15
    """
    default = None if default_min is None else pd.Timedelta(minutes=default_min)
    step = regular_step(index, field=field, path=path, default=default)
    minutes = step / pd.Timedelta(minutes=1)
    whole = minutes == int(minutes)
    if allowed is None:
        ok = whole and 1 <= minutes <= 60 and 60 % int(minutes) == 0
        expected = "a whole number of minutes dividing 60 (1, 5, 15, 30, 60, ...)"
    else:
        ok = whole and int(minutes) in allowed
        expected = _allowed_text(allowed)
    if not ok:
        raise TimeSeriesError(
            issues=[
                Issue(
                    "unsupported step",
                    path=path,
                    field=field,
                    expected=expected,
                    got=format_step(step),
                    fix="Resample the series to a supported step",
                )
            ]
        )
    return int(minutes)


def _allowed_text(allowed: Collection[int]) -> str:
    """``allowed`` steps for a message: a range as ``1..60 min``, else listed."""
    values = sorted(allowed)
    if len(values) > 6 and values == list(range(values[0], values[-1] + 1)):
        return f"a whole number of minutes in {values[0]}..{values[-1]}"
    return f"one of {tuple(values)} min"


__all__ = ["FIELD", "format_step", "index_issues", "interval_min", "regular_step"]
