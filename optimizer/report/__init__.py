"""Self-contained HTML reports (plotly, JavaScript inline) of a run or of a study.

::

    write_report(result_dir)        run folder: summary.json + schedule.parquet -> report.html
    write_study_report(study_dir)   study folder: cases.parquet -> report.html
    report_kind(folder)             "run", "study" or None: what a folder holds

The report opens with no network: plotly's JavaScript and every figure's data are inside
the one file. Long horizons (more than ``MAX_POINTS`` intervals) are thinned per trace to
each bucket's min and max; a month at 15 minutes is drawn at full resolution.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from optimizer.report.run_report import MAX_POINTS, scenario_inputs, write_report
from optimizer.report.study_report import write_study_report


def report_kind(folder: str | Path) -> Literal["run", "study"] | None:
    """Which report a folder can make: ``run`` (summary.json and schedule.parquet), ``study`` (cases.parquet), or None."""
    p = Path(folder)
    if (p / "summary.json").is_file() and (p / "schedule.parquet").is_file():
        return "run"
    if (p / "cases.parquet").is_file():
        return "study"
    return None


__all__ = ["MAX_POINTS", "report_kind", "scenario_inputs", "write_report", "write_study_report"]
