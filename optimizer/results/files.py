"""A run's output folder: writing it atomically and reading it back.

``schedule.parquet`` (tz-aware index ``interval_start``), ``schedule.csv``, ``summary.json``
and ``dispatch.png``; each file is written under a temporary name in the folder and renamed
into place, so an interrupted run never leaves a half-written file that looks complete.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from optimizer.errors import InputError, Issue
from optimizer.io import write_atomic
from optimizer.io.atomic import check_output_file
from optimizer.results.plot import plot_dispatch

if TYPE_CHECKING:
    from optimizer.inputs.scenario import Scenario


RUN_FILES = ("schedule.parquet", "schedule.csv", "summary.json", "dispatch.png", "report.html")
"""Every file a run may write into its folder (the report adds ``report.html``)."""


def write_schedule_parquet(schedule: pd.DataFrame, out_dir: str | Path) -> Path:
    """Write ``schedule.parquet`` into ``out_dir`` (created if missing); returns its path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return write_atomic(out / "schedule.parquet", lambda p: schedule.to_parquet(p))


def write_run(
    schedule: pd.DataFrame,
    summary: dict[str, Any],
    scenario: Scenario,
    out_dir: str | Path,
    *,
    plot: bool = True,
) -> list[Path]:
    """Write a run's files into ``out_dir``; returns their paths.

    Parameters
    ----------
    schedule : pandas.DataFrame
        ``DispatchResult.schedule``.
    summary : dict
        ``DispatchResult.summary()`` (written as ``summary.json``).
    scenario : Scenario
        The scenario solved (for the plot's titles and cap).
    out_dir : str or Path
        The folder; created if missing.
    plot : bool
        Also write ``dispatch.png``.
    """
    out = Path(out_dir)
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    for stale in RUN_FILES:  # a folder never mixes two runs: what this run does not write goes
        (out / stale).unlink(missing_ok=True)
    try:
        written = [
            write_atomic(out / "schedule.parquet", lambda p: schedule.to_parquet(p)),
            write_atomic(
                out / "schedule.csv", lambda p: schedule_for_csv(schedule).to_csv(p, index=False)
            ),
            write_atomic(
                out / "summary.json", lambda p: p.write_text(json.dumps(summary, indent=2) + "\n")
            ),
        ]
        if plot:
            written.append(
                write_atomic(out / "dispatch.png", lambda p: plot_dispatch(schedule, scenario, p))
            )
    except (
        BaseException
    ):  # a full disk half-way: no partial run folder (a schedule without its summary)
        for name in RUN_FILES:
            (out / name).unlink(missing_ok=True)
        if created:
            shutil.rmtree(out, ignore_errors=True)
        raise
    return written


def schedule_for_csv(schedule: pd.DataFrame) -> pd.DataFrame:
    """The schedule with stamps a spreadsheet reads as dates.

    ``interval_start_local`` is the site's wall-clock time (``2021-02-01 00:00:00``, which
    Excel and LibreOffice open as a date), ``utc_offset`` its offset from UTC (``-06:00``;
    it tells the two 01:00 hours of the autumn DST change apart) and ``interval_start_utc``
    the same instant in ISO 8601 UTC (``2021-02-01T06:00:00Z``).
    """
    index = pd.DatetimeIndex(schedule.index)
    offsets = [ts.strftime("%z") for ts in index]
    stamps = pd.DataFrame(
        {
            "interval_start_local": index.strftime("%Y-%m-%d %H:%M:%S"),
            "utc_offset": [f"{o[:3]}:{o[3:]}" if o else "" for o in offsets],
            "interval_start_utc": index.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
            if index.tz is not None
            else index.strftime("%Y-%m-%dT%H:%M:%S"),
        }
    )
    return pd.concat([stamps, schedule.reset_index(drop=True)], axis=1)


def write_excel(
    schedule: pd.DataFrame, costs: pd.DataFrame, summary: dict[str, Any], path: str | Path
) -> Path:
    """Write a workbook: ``schedule`` (local stamps as dates), ``bill`` by term, ``summary``.

    Needs the optional ``openpyxl`` (``pip install "bess-dispatch[excel]"``).

    Raises
    ------
    ImportError
        openpyxl is not installed.
    OutputPathError
        ``path`` cannot be written.
    """
    try:
        import openpyxl  # noqa: F401  (pandas' Excel writer)
    except ImportError as exc:
        msg = 'to_excel needs openpyxl; install it with: pip install "bess-dispatch[excel]"'
        raise ImportError(msg) from exc
    target = check_output_file(path, option=None)
    sheet = schedule_for_csv(schedule)
    sheet["interval_start_local"] = pd.to_datetime(sheet["interval_start_local"])
    flat = {
        k: v for k, v in summary.items() if isinstance(v, int | float | str | bool) or v is None
    }

    def write(tmp: Path) -> None:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
            sheet.to_excel(xl, sheet_name="schedule", index=False)
            costs.to_excel(xl, sheet_name="bill")
            pd.Series(flat, name="value").rename_axis("key").to_frame().to_excel(
                xl, sheet_name="summary"
            )

    return write_atomic(target, write)


def read_result(out_dir: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read a run's output folder back: the schedule (tz-aware index) and ``summary.json``.

    Raises
    ------
    InputError
        A file is missing or unreadable, or the schedule has no time index.
    """
    result_dir = out_dir
    folder = Path(result_dir)
    issues = [
        Issue(
            "missing run output",
            path=str(folder / name),
            expected=name,
            got="no such file",
            fix="Point at a folder written by `bess-dispatch run`",
        )
        for name in ("summary.json", "schedule.parquet")
        if not (folder / name).is_file()
    ]
    if issues:
        msg = ""
        raise InputError(msg, issues=issues)
    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        msg = ""
        raise InputError(
            msg,
            issues=[
                Issue(
                    f"not valid JSON: {exc}",
                    path=str(folder / "summary.json"),
                    fix="Re-run `bess-dispatch run` to rewrite it",
                )
            ],
        ) from exc
    try:
        schedule = pd.read_parquet(folder / "schedule.parquet")
    except Exception as exc:  # pyarrow errors of many types: a corrupt or truncated file
        msg = ""
        raise InputError(
            msg,
            issues=[
                Issue(
                    f"cannot read the schedule ({type(exc).__name__})",
                    path=str(folder / "schedule.parquet"),
                    fix="Re-run `bess-dispatch run` to rewrite it",
                )
            ],
        ) from exc
    if not isinstance(schedule.index, pd.DatetimeIndex) and "interval_start" in schedule.columns:
        schedule = schedule.set_index("interval_start")
    if not isinstance(schedule.index, pd.DatetimeIndex):
        msg = ""
        raise InputError(
            msg,
            issues=[
                Issue(
                    "schedule has no time index",
                    path=str(folder / "schedule.parquet"),
                    field="interval_start",
                    expected="a DatetimeIndex or an interval_start column",
                    got=type(schedule.index).__name__,
                )
            ],
        )
    return schedule, summary


def read_schedule(path: str | Path) -> pd.DataFrame:
    """A schedule from Parquet or CSV, indexed by tz-aware interval starts.

    Parquet: an ``interval_start`` index or column (as ``schedule.parquet`` of a run). CSV:
    ``interval_start_utc`` (as ``schedule.csv`` of a run writes), or ``interval_start`` in
    ISO 8601 with UTC offsets. The columns are as :func:`optimizer.evaluate` accepts them.

    Raises
    ------
    InputError
        Missing or unreadable file, no timestamp column, or naive or unparseable stamps.
    """
    path = Path(path)
    frame = _schedule_frame(path)
    if isinstance(frame.index, pd.DatetimeIndex):
        stamps = frame.index
    else:
        stamps, frame = _column_stamps(frame, path)
    if stamps.tz is None:
        raise InputError(
            issues=[
                Issue(
                    "timestamps have no time zone",
                    path=str(path),
                    fix="Store tz-aware interval starts",
                )
            ]
        )
    frame.index = stamps.rename("interval_start")
    return frame


def _schedule_frame(path: Path) -> pd.DataFrame:
    """The schedule file as read, Parquet by its suffix, else CSV; InputError if it cannot be."""
    if not path.is_file():
        raise InputError(
            issues=[
                Issue(
                    "schedule file not found", path=str(path), fix="Give a CSV or Parquet schedule"
                )
            ]
        )
    try:
        frame = (
            pd.read_parquet(path)
            if path.suffix.lower() in (".parquet", ".pq")
            else pd.read_csv(path)
        )
    except Exception as exc:  # pyarrow and csv parser errors of many types
        raise InputError(
            issues=[
                Issue(
                    f"cannot read the schedule ({type(exc).__name__})",
                    path=str(path),
                    fix="Write CSV or Parquet",
                )
            ]
        ) from exc
    return frame


def _column_stamps(frame: pd.DataFrame, path: Path) -> tuple[pd.DatetimeIndex, pd.DataFrame]:
    """The UTC interval starts of a timestamp column, and ``frame`` without its time columns."""
    col = next((c for c in ("interval_start_utc", "interval_start") if c in frame.columns), None)
    if col is None:
        raise InputError(
            issues=[
                Issue(
                    "timestamp column missing",
                    path=str(path),
                    expected="interval_start (ISO 8601 with offsets) or interval_start_utc",
                    got=", ".join(map(str, frame.columns[:8])),
                    fix="Add the column",
                )
            ]
        )
    try:
        stamps = pd.DatetimeIndex(
            pd.to_datetime(frame[col].astype(str), utc=True, format="ISO8601")
        )
    except (ValueError, TypeError) as exc:
        raise InputError(
            issues=[
                Issue(
                    "unparseable timestamps",
                    path=str(path),
                    field=col,
                    fix="Write ISO 8601 stamps with a UTC offset",
                )
            ]
        ) from exc
    naive = ~frame[col].astype(str).str.contains(r"(?:[Zz]|[+-]\d\d:?\d\d)$", regex=True)
    if naive.any():
        raise InputError(
            issues=[
                Issue(
                    "timestamps have no UTC offset",
                    path=str(path),
                    field=col,
                    timestamp=str(frame[col].iloc[int(naive.to_numpy().argmax())]),
                    fix="Write the offset (or Z) into every stamp",
                )
            ]
        )
    frame = frame.drop(
        columns=[
            c
            for c in (
                "interval_start_local",
                "utc_offset",
                "interval_start_utc",
                "interval_start",
            )
            if c in frame.columns
        ]
    )
    return stamps, frame
