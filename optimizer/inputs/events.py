"""Event calendars: read a CSV of called events, or derive one from the real TVA system load.

Derivation rule (documented, deterministic): within ``[start, end)``, take the local days
whose hourly TVA system load peaks above the ``threshold_quantile`` of the whole series
(the 2021 EIA-930 TVA balancing-authority load), in descending order of that daily peak,
and call one event per day, ``duration_h`` long, starting ``lead_h`` before the day's
peak hour, until the program's ``max_events_per_year`` or ``max_hours_per_year`` is used
up (or ``max_events``). The utility calls interruptible load when its own system is
tightest, which is what this rule imitates.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from optimizer.errors import Issue, ModelFileError
from optimizer.inputs.grid import Event, EventProgram


def read_event_calendar(path: Path) -> tuple[Event, ...]:
    """Read ``event_id,program,start,end`` rows (ISO 8601 with UTC offsets).

    Raises
    ------
    ModelFileError
        Listing every bad row: naive or unparseable times, an end not after its start.
    """
    frame = _calendar_frame(path)
    events = []
    issues: list[Issue] = []
    for n, row in enumerate(frame.itertuples(index=False), start=2):  # line 1 is the header
        event = _row_event(path, n, row, issues)
        if event is not None:
            events.append(event)
    if issues:
        msg = ""
        raise ModelFileError(msg, issues=issues)
    return tuple(events)


def _calendar_frame(path: Path) -> pd.DataFrame:
    """The calendar CSV as text columns; raise unless it exists, parses and has every column."""
    if not path.exists():
        msg = ""
        raise ModelFileError(
            msg,
            issues=[
                Issue(
                    "file not found",
                    path=str(path),
                    fix="Check the calendar path (relative to the TOML)",
                )
            ],
        )
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (
        OSError,
        ValueError,
        pd.errors.ParserError,
    ) as exc:  # EmptyDataError, UnicodeDecodeError are ValueErrors
        msg = ""
        raise ModelFileError(
            msg,
            issues=[
                Issue(
                    f"cannot read the calendar ({exc})".replace("\n", " "),
                    path=str(path),
                    fix="Write a CSV with the header event_id,program,start,end",
                )
            ],
        ) from exc
    missing = {"event_id", "program", "start", "end"} - set(frame.columns)
    if missing:
        msg = ""
        raise ModelFileError(
            msg,
            issues=[
                Issue(
                    "calendar columns missing",
                    path=str(path),
                    field=sorted(missing)[0],
                    expected="event_id, program, start, end",
                    got=", ".join(map(str, frame.columns)),
                    fix=f"Add {sorted(missing)}",
                )
            ],
        )
    return frame


def _row_stamps(
    path: Path, event_id: str, row: Any, issues: list[Issue]
) -> dict[str, pd.Timestamp]:
    """The row's parsed ``start`` and ``end``; append an issue for each one unparseable or naive."""
    stamps: dict[str, pd.Timestamp] = {}
    for col in ("start", "end"):
        text = str(getattr(row, col)).strip()
        try:
            stamps[col] = pd.Timestamp(text)
            if pd.isna(stamps[col]):
                raise ValueError(text)
        except (ValueError, TypeError, OverflowError):
            stamps.pop(col, None)
            issues.append(
                Issue(
                    "unparseable time",
                    path=str(path),
                    field=f"{event_id}.{col}",
                    expected="ISO 8601 with a UTC offset, e.g. 2021-02-16T07:00:00-06:00",
                    got=repr(text),
                    fix="Correct the time",
                )
            )
            continue
        if stamps[col].tzinfo is None:
            issues.append(
                Issue(
                    "time has no UTC offset",
                    path=str(path),
                    field=f"{event_id}.{col}",
                    timestamp=text,
                    expected="ISO 8601 with a UTC offset, e.g. 2021-02-16T07:00:00-06:00",
                    got=repr(text),
                    fix="Write the UTC offset into the time",
                )
            )
    return stamps


def _row_event(path: Path, n: int, row: Any, issues: list[Issue]) -> Event | None:
    """The event of CSV line ``n``, or None after appending its issues to ``issues``."""
    event_id = str(row.event_id).strip() or f"line {n}"
    stamps = _row_stamps(path, event_id, row, issues)
    if len(stamps) < 2 or any(s.tzinfo is None for s in stamps.values()):
        return None
    try:
        return Event(
            event_id=event_id,
            program=str(row.program).strip(),
            start=stamps["start"].to_pydatetime(),
            end=stamps["end"].to_pydatetime(),
        )
    except ValidationError as exc:  # collect them all
        for err in exc.errors():
            issues.append(
                Issue(
                    err["msg"].removeprefix("Value error, "),
                    path=str(path),
                    field=event_id,
                    timestamp=stamps["start"].isoformat(),
                    fix="Correct the row",
                )
            )
        return None


def tightest_hours(
    system_load_mw: pd.Series, *, start: pd.Timestamp, end: pd.Timestamp, n_per_month: int
) -> pd.Series:
    """The system's tightest hours inside ``[start, end)``: each local day's peak hour, then the
    ``n_per_month`` highest of those days in every calendar month the horizon touches.

    Parameters
    ----------
    system_load_mw : pandas.Series
        Hourly system load on tz-aware local hour starts [MW].
    start, end : pandas.Timestamp
        The horizon (tz-aware).
    n_per_month : int
        Hours per month [-].

    Returns
    -------
    pandas.Series
        System load in the chosen hours [MW], indexed by hour start, sorted.
    """
    s = system_load_mw[(system_load_mw.index >= start) & (system_load_mw.index < end)].dropna()
    if s.empty:
        return s
    wall = s.index.tz_localize(None)
    daily = s.groupby(wall.normalize()).idxmax()
    peaks = s.loc[daily.to_numpy()]
    month = peaks.index.tz_localize(None).to_period("M")
    top = [grp.nlargest(n_per_month) for _, grp in peaks.groupby(month)]
    return pd.concat(top).sort_index()


def derive_event_calendar(
    system_load_mw: pd.Series,
    program: EventProgram,
    *,
    start: pd.Timestamp,
    end: pd.Timestamp,
    threshold_quantile: float = 0.95,
    duration_h: float = 2.0,
    lead_h: float = 1.0,
    max_events: int | None = None,
) -> tuple[Event, ...]:
    """Events on the tightest system days inside ``[start, end)`` (see the module docstring).

    Parameters
    ----------
    system_load_mw : pandas.Series
        Hourly system load on tz-aware local interval starts [MW].
    program : EventProgram
        The program the events belong to (its limits cap the count and hours).
    threshold_quantile : float
        Only days peaking above this quantile of the whole series qualify [-].
    duration_h, lead_h : float
        Event length, and how long before the peak hour it starts [h].
    """
    threshold = float(system_load_mw.quantile(threshold_quantile))
    window = system_load_mw[(system_load_mw.index >= start) & (system_load_mw.index < end)]
    if window.empty:
        return ()
    days = window.groupby(window.index.date)
    peaks = pd.DataFrame({"peak_mw": days.max(), "at": days.idxmax()})
    peaks = peaks[peaks["peak_mw"] > threshold].sort_values("peak_mw", ascending=False)
    limit = len(peaks)
    if program.max_events_per_year is not None:
        limit = min(limit, program.max_events_per_year)
    if program.max_hours_per_year is not None:
        limit = min(limit, int(program.max_hours_per_year // duration_h))
    if max_events is not None:
        limit = min(limit, max_events)
    events = []
    for i, row in enumerate(peaks.head(limit).sort_values("at").itertuples()):
        s = pd.Timestamp(row.at) - pd.Timedelta(hours=lead_h)
        events.append(
            Event(
                event_id=f"{program.name.replace(' ', '-')}-{i + 1}",
                program=program.name,
                start=s.to_pydatetime(),
                end=(s + pd.Timedelta(hours=duration_h)).to_pydatetime(),
            )
        )
    return tuple(events)
