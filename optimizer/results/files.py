"""A run's output folder: writing it atomically and reading it back.

``schedule.parquet`` (tz-aware index ``interval_start``), ``schedule.csv``, ``summary.json``
and ``dispatch.png``; each file is written under a temporary name in the folder and renamed
into place, so an interrupted run never leaves a half-written file that looks complete.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from optimizer.errors import InputError, Issue
from optimizer.io import write_atomic
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


def write_run(schedule: pd.DataFrame, summary: dict[str, Any], scenario: Scenario, out_dir: str | Path, *, plot: bool = True) -> list[Path]:
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
    out.mkdir(parents=True, exist_ok=True)
    for stale in RUN_FILES:  # a folder never mixes two runs: what this run does not write goes
        (out / stale).unlink(missing_ok=True)
    written = [
        write_atomic(out / "schedule.parquet", lambda p: schedule.to_parquet(p)),
        write_atomic(out / "schedule.csv", lambda p: schedule.to_csv(p, date_format="%Y-%m-%dT%H:%M:%S%z")),
        write_atomic(out / "summary.json", lambda p: p.write_text(json.dumps(summary, indent=2) + "\n")),
    ]
    if plot:
        written.append(write_atomic(out / "dispatch.png", lambda p: plot_dispatch(schedule, scenario, p)))
    return written


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
        Issue("missing run output", path=str(folder / name), expected=name, got="no such file", fix="Point at a folder written by `bess-dispatch run`")
        for name in ("summary.json", "schedule.parquet")
        if not (folder / name).is_file()
    ]
    if issues:
        raise InputError("", issues=issues)
    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError("", issues=[Issue(f"not valid JSON: {exc}", path=str(folder / "summary.json"), fix="Re-run `bess-dispatch run` to rewrite it")]) from exc
    schedule = pd.read_parquet(folder / "schedule.parquet")
    if not isinstance(schedule.index, pd.DatetimeIndex) and "interval_start" in schedule.columns:
        schedule = schedule.set_index("interval_start")
    if not isinstance(schedule.index, pd.DatetimeIndex):
        raise InputError("", issues=[Issue("schedule has no time index", path=str(folder / "schedule.parquet"), field="interval_start", expected="a DatetimeIndex or an interval_start column", got=type(schedule.index).__name__)])
    return schedule, summary
