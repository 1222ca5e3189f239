"""Reading, checking and resampling input time series (``SPEC.md`` §1).

Every series that reaches the model is indexed by tz-aware local interval starts on the
study's regular horizon. A series at another step is resampled explicitly and the tool
says so: the time-weighted mean for power and prices when the source is finer, a
forward-fill (step hold, which keeps the energy of a mean power) when it is coarser.
Gaps, duplicates, unsorted stamps, naive stamps, NaN and inf are input errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from optimizer import timeindex
from optimizer.errors import Issue, TimeSeriesError, file_not_found
from optimizer.frozen import SANE_MAX
from optimizer.timeindex import format_step

SeriesKind = Literal["power", "price"]
ALLOWED_INTERVAL_MIN = (1, 5, 15, 30, 60)


def make_index(
    start: pd.Timestamp, end: pd.Timestamp, interval_min: int, tz: str
) -> pd.DatetimeIndex:
    """Regular horizon of local interval starts in ``[start, end)``.

    Parameters
    ----------
    start, end : pandas.Timestamp
        Tz-aware bounds; ``end`` is exclusive.
    interval_min : int
        Step [min], one of 1, 5, 15, 30, 60.
    tz : str
        The site's IANA time zone; the index is converted to it.
    """
    index = pd.date_range(
        start.tz_convert("UTC"), end.tz_convert("UTC"), freq=f"{interval_min}min", inclusive="left"
    )
    return index.tz_convert(tz).rename("interval_start")


def read_series(path: Path, column: str, timestamp_column: str = "interval_start") -> pd.Series:
    """Read one column of a CSV or Parquet file as a tz-aware series.

    CSV timestamps must carry their UTC offset (ISO 8601, e.g. ``2021-02-01T00:00:00-06:00``).

    Raises
    ------
    TimeSeriesError
        The file is missing or unreadable, a column is missing, or stamps are naive.
    """
    if not path.exists():
        raise TimeSeriesError(
            issues=[file_not_found(path)],
        )
    if path.is_dir():  # pyarrow would read a folder as an empty dataset
        raise TimeSeriesError(
            issues=[
                Issue("a folder, not a file", path=str(path), fix="Point at a CSV or Parquet file")
            ]
        )
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path)
    except Exception as exc:  # pyarrow / csv parser errors
        raise TimeSeriesError(
            issues=[Issue(f"cannot read file ({exc})", path=str(path), fix="Check the file format")]
        ) from exc
    if timestamp_column in frame.columns:
        stamps = frame[timestamp_column]
    elif frame.index.name == timestamp_column:
        stamps = frame.index.to_series()
    else:
        raise TimeSeriesError(
            issues=[
                Issue(
                    "timestamp column missing",
                    path=str(path),
                    field=timestamp_column,
                    expected=f"a column named {timestamp_column!r}",
                    got=f"columns {list(frame.columns)}",
                    fix="Rename the column in the file or name the right timestamp column",
                )
            ],
        )
    if column not in frame.columns:
        raise TimeSeriesError(
            issues=[
                Issue(
                    "value column missing",
                    path=str(path),
                    field=column,
                    expected=f"a column named {column!r}",
                    got=f"columns {list(frame.columns)}",
                    fix="Rename the column in the file or name the right column",
                )
            ],
        )
    if len(frame) == 0:
        raise TimeSeriesError(
            issues=[Issue("file has no rows", path=str(path), field=column, fix="Provide data")]
        )
    idx = _parse_stamps(stamps, path, timestamp_column)
    raw = frame[column]
    values = (
        pd.to_numeric(raw, errors="coerce")
        if raw.dtype == object or pd.api.types.is_string_dtype(raw.dtype)
        else raw
    )
    try:
        values = values.to_numpy(dtype=float)
    except (TypeError, ValueError):  # e.g. datetimes or nested values
        values = np.full(len(raw), np.nan)
    text = (values != values) & raw.notna().to_numpy()  # was not missing, but is not a number
    if text.any():
        pos = int(np.argmax(text))
        raise TimeSeriesError(
            issues=[
                Issue(
                    "value is not a number",
                    path=str(path),
                    field=column,
                    timestamp=idx[pos].isoformat(),
                    expected="numbers",
                    got=f"{raw.iloc[pos]!r} in {int(text.sum())} row(s)",
                    fix="Write plain numbers (no units or text) in the column",
                )
            ],
        )
    return pd.Series(values, index=idx, name=column)


def _parse_stamps(stamps: pd.Series, path: Path, field: str) -> pd.DatetimeIndex:
    idx = _parse_stamps_any_unit(stamps, path, field)
    try:
        return idx.as_unit("ns")  # the model works in ns: 1677-09-21 .. 2262-04-11
    except (ValueError, OverflowError) as exc:  # OutOfBoundsDatetime
        raise TimeSeriesError(
            issues=[
                Issue(
                    "timestamp out of range",
                    path=str(path),
                    field=field,
                    expected="dates between 1678 and 2261",
                    got=f"{idx.min()} .. {idx.max()}",
                    fix="Correct the timestamps",
                )
            ],
        ) from exc


def _parse_stamps_any_unit(stamps: pd.Series, path: Path, field: str) -> pd.DatetimeIndex:
    if isinstance(stamps.dtype, pd.DatetimeTZDtype):
        return pd.DatetimeIndex(stamps)
    if pd.api.types.is_datetime64_any_dtype(stamps.dtype):
        _raise_naive(path, field, str(stamps.iloc[0]))
    text = stamps.astype(str).str.strip()
    try:
        parsed = pd.to_datetime(text, utc=True, format="ISO8601")  # naive stamps parse as UTC here
    except (ValueError, TypeError, OverflowError) as exc:
        bad = pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce").isna().to_numpy()
        first = text[bad].iloc[0] if bad.any() else text.iloc[0]
        raise TimeSeriesError(
            issues=[
                Issue(
                    "unparseable timestamp",
                    path=str(path),
                    field=field,
                    expected=(
                        "ISO 8601 date-times with a UTC offset, e.g. 2021-02-01T00:00:00-06:00"
                    ),
                    got=f"{first!r} in {max(1, int(bad.sum()))} row(s)",
                    fix="Correct the timestamps",
                )
            ],
        ) from exc
    naive = ~text.str.contains(
        r"\d:\d\d(?::\d\d(?:\.\d+)?)?\s*(?:[Zz]|[+-]\d\d(?::?\d\d)?)$", regex=True
    ).to_numpy()
    if naive.any():
        _raise_naive(path, field, str(text[naive].iloc[0]))
    try:  # one offset throughout: keep it; offsets that change at DST stay in UTC
        return pd.DatetimeIndex(pd.to_datetime(text, utc=False, format="ISO8601"))
    except (ValueError, TypeError):
        return pd.DatetimeIndex(parsed)


def _raise_naive(path: Path, field: str, first: str) -> None:
    raise TimeSeriesError(
        issues=[
            Issue(
                "timestamps have no time zone",
                path=str(path),
                field=field,
                timestamp=first,
                expected="tz-aware local interval starts, e.g. 2021-02-01T00:00:00-06:00",
                got="naive timestamps",
                fix="Write the UTC offset into every timestamp",
            )
        ],
    )


def ns(index: pd.DatetimeIndex) -> np.ndarray:
    """Integer nanoseconds since the epoch, whatever the index's stored resolution."""
    return pd.DatetimeIndex(index).as_unit("ns").asi8


def check_input_series(value: object, *, name: str, source: str | None = None) -> list[Issue]:
    """Problems of the *type* of a series given from Python: it must be a pandas Series of numbers.

    A one-column DataFrame, a numpy array, a list, text or object values get one clear issue
    each (instead of a pandas or attribute error deeper down). Returns an empty list when
    ``value`` is a numeric Series; its index and values are checked by :func:`check_series`.
    """
    if isinstance(value, pd.Series):
        dtype = value.dtype
        if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
            return [
                Issue(
                    "series values are not numbers",
                    path=source,
                    field=name,
                    expected="a float or integer dtype",
                    got=f"dtype {dtype}",
                    fix=f"Convert first: pd.to_numeric({name}) or {name}.astype(float)",
                )
            ]
        return []
    if isinstance(value, pd.DataFrame):
        cols = list(value.columns)
        fix = (
            f"Select the column: frame[{cols[0]!r}]"
            if len(cols) == 1
            else "Select one column of the DataFrame"
        )
        got = f"a DataFrame with {len(cols)} column(s) {cols[:4]}"
    else:
        fix = "Wrap the values in pd.Series(values, index=<tz-aware DatetimeIndex>)"
        got = type(value).__name__
    return [
        Issue(
            "not a pandas Series",
            path=source,
            field=name,
            expected="a pandas Series on tz-aware interval starts",
            got=got,
            fix=fix,
        )
    ]


def check_series(
    series: pd.Series, *, name: str, source: str | None = None, allow_inf: bool = False
) -> list[Issue]:
    """All problems of one series: its index (:func:`optimizer.timeindex.index_issues`), NaN/inf.

    ``allow_inf`` lets ``+inf`` through (a cap series: no cap in that interval); NaN and
    ``-inf`` are always refused. Returns an empty list when the series is clean.
    """
    typed = check_input_series(series, name=name, source=source)
    if typed:
        return typed
    idx = series.index
    issues = timeindex.index_issues(idx, field=name, path=source)
    if not isinstance(idx, pd.DatetimeIndex) or idx.tz is None or len(idx) == 0:
        return issues  # the values cannot be located in time: nothing more to say
    values = series.to_numpy(dtype=float)
    bad = np.isnan(values) | (values == -np.inf) if allow_inf else ~np.isfinite(values)
    if bad.any():
        issues.append(
            Issue(
                "NaN or inf value" if not allow_inf else "NaN or -inf value",
                path=source,
                field=name,
                timestamp=idx[bad][0].isoformat(),
                expected="finite numbers" if not allow_inf else "numbers or +inf (no cap)",
                got=f"{int(bad.sum())} non-finite values",
                fix="Fill or remove the missing values",
            )
        )
    huge = np.isfinite(values) & (np.abs(values) > SANE_MAX)
    if huge.any():
        issues.append(
            Issue(
                "value out of any sane range",
                path=source,
                field=name,
                timestamp=idx[huge][0].isoformat(),
                expected=f"a magnitude <= {SANE_MAX:g}",
                got=f"{values[huge][0]:g} ({int(huge.sum())} values)",
                fix="Check the unit and the value",
            )
        )
    return issues


def to_horizon(
    series: pd.Series,
    index: pd.DatetimeIndex,
    *,
    kind: SeriesKind,
    name: str,
    source: str | None = None,
    allow_inf: bool = False,
) -> tuple[pd.Series, str | None]:
    """Check ``series`` and put it on ``index``, resampling explicitly.

    Parameters
    ----------
    series : pandas.Series
        Interval-start indexed values: power [MW] or price [USD/MWh].
    index : pandas.DatetimeIndex
        The study horizon.
    kind : {"power", "price"}
        What the values are; both use the mean when the source is finer and a step hold
        when it is coarser.
    name : str
        Series name for messages and the result.
    source : str, optional
        File the series came from, for messages.
    allow_inf : bool
        Let ``+inf`` through (caps: no cap in that interval).

    Returns
    -------
    (pandas.Series, str or None)
        The series on ``index`` and a note saying how it was resampled (None if not).

    Raises
    ------
    TimeSeriesError
        Listing every problem, including horizon intervals the series does not cover.
    """
    issues = check_series(series, name=name, source=source, allow_inf=allow_inf)
    if issues:
        raise TimeSeriesError(issues=issues)
    series = series.astype(float).tz_convert(index.tz)
    series.index = series.index.as_unit("ns")
    index = pd.DatetimeIndex(index).as_unit("ns")
    step_src = (
        pd.Timedelta(int(np.median(np.diff(ns(series.index)))), "ns") if len(series) > 1 else None
    )
    step_dst = (
        pd.Timedelta(index.freq) if index.freq is not None else pd.Timedelta(index[1] - index[0])
    )
    note = None
    if step_src is None or step_src == step_dst:
        out = series.reindex(index)
    else:
        out, note = _resampled(series, index, step_src, step_dst, name, source)
    missing = out.isna().to_numpy()
    if missing.any():
        first = index[missing][0]
        raise TimeSeriesError(
            issues=[
                Issue(
                    "series does not cover the horizon",
                    path=source,
                    field=name,
                    timestamp=first.isoformat(),
                    expected=f"values for {index[0].isoformat()} .. {index[-1].isoformat()}",
                    got=(
                        f"{int(missing.sum())} intervals without data (data spans "
                        f"{series.index[0].isoformat()} .. {series.index[-1].isoformat()})"
                    ),
                    fix="Extend the data or shorten the horizon (--start/--end)",
                )
            ],
        )
    out.name = name
    out.index.name = "interval_start"
    return out.astype(float), note


_STEP_MISMATCH = {
    True: (
        "source step does not divide the model step",
        "a source step dividing {}",
        "Resample the source first or choose another --step",
    ),
    False: (
        "model step does not divide the source step",
        "a source step that is a multiple of {}",
        "Choose a model step that divides the source step",
    ),
}
"""By whether the source is finer: the problem, what was expected and the fix, when the
coarser of the two steps is not a whole number of the finer."""


def _resampled(
    series: pd.Series,
    index: pd.DatetimeIndex,
    step_src: pd.Timedelta,
    step_dst: pd.Timedelta,
    name: str,
    source: str | None,
) -> tuple[pd.Series, str]:
    """``series`` on ``index`` of another step: the mean of each fully covered interval when
    the source is finer, a step hold when it is coarser; and the note that says which.
    """
    finer = step_src < step_dst
    coarse, fine = (step_dst, step_src) if finer else (step_src, step_dst)
    if coarse % fine != pd.Timedelta(0):
        problem, expected, fix = _STEP_MISMATCH[finer]
        raise TimeSeriesError(
            issues=[
                Issue(
                    problem,
                    path=source,
                    field=name,
                    expected=expected.format(format_step(step_dst)),
                    got=f"a step of {format_step(step_src)}",
                    fix=fix,
                )
            ],
        )
    if finer:
        out = _interval_means(series, index, step_src, step_dst)
    else:
        out = _step_hold(series, index, step_src)
    note = (
        f"{name}: resampled from {format_step(step_src)} to {format_step(step_dst)} steps by "
        + ("time-weighted mean" if finer else "forward-fill (step hold)")
    )
    return out, note


def _interval_means(
    series: pd.Series, index: pd.DatetimeIndex, step_src: pd.Timedelta, step_dst: pd.Timedelta
) -> pd.Series:
    """The mean of the finer ``series`` over each interval of ``index`` it fully covers, else NaN."""
    per = int(step_dst / step_src)
    # bin every source stamp to the model interval that contains it
    pos = np.searchsorted(ns(index), ns(series.index), side="right") - 1
    inside = (pos >= 0) & (ns(series.index) < ns(index)[-1] + step_dst.value)
    grouped = pd.Series(series.to_numpy()[inside]).groupby(pos[inside])
    means, counts = grouped.mean(), grouped.count()
    out = pd.Series(np.nan, index=index)
    full = counts.index[counts.to_numpy() == per]
    out.iloc[full.to_numpy()] = means.loc[full].to_numpy()
    return out


def _step_hold(series: pd.Series, index: pd.DatetimeIndex, step_src: pd.Timedelta) -> pd.Series:
    """The coarser ``series`` on ``index``: each interval takes the source interval containing it."""
    src = ns(series.index)
    pos = np.searchsorted(src, ns(index), side="right") - 1
    ok = (pos >= 0) & (ns(index) < src[-1] + step_src.value)
    vals = np.full(len(index), np.nan)
    vals[ok] = series.to_numpy()[pos[ok]]
    return pd.Series(vals, index=index)
