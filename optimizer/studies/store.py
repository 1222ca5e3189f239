"""A study's folder: one Parquet row file per finished case, the manifest, reading rows back.

Each finished case is written atomically as ``out_dir/cases/<case_id>.parquet``; resume
reads which case ids are there.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from optimizer.errors import InputError, Issue
from optimizer.io import write_atomic
from optimizer.studies.cases import Case, expand_study
from optimizer.studies.spec import Study

TIMING_COLUMNS = ("prepare_s", "build_s", "handoff_s", "solve_s", "wall_s", "worker")
"""Columns that differ between two runs of the same case (times and where it ran)."""

_HEAD = ("case_id", "position", "study", "label")
_STATUS = ("status", "error_type", "message")
_TAIL = ("solve_mode", "schedule_path", *TIMING_COLUMNS)


def _row_path(out: Path, case_id: str) -> Path:
    return out / "cases" / f"{case_id}.parquet"


def _write_row(out: Path, row: dict[str, Any]) -> None:

    frame = pd.DataFrame([row])
    write_atomic(_row_path(out, row["case_id"]), lambda p: frame.to_parquet(p, index=False))


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow errors of many types: a corrupt or truncated file
        msg = ""
        raise InputError(
            msg,
            issues=[
                Issue(
                    f"cannot read the study output ({type(exc).__name__})",
                    path=str(path),
                    fix="Delete the file and run the sweep again (finished cases are skipped)",
                )
            ],
        ) from exc


def _read_row(path: Path) -> dict[str, Any]:
    frame = _read_parquet(path)
    return {k: (None if v is pd.NA else v) for k, v in frame.iloc[0].to_dict().items()}


def _frame(rows: list[dict[str, Any]], axes: Sequence[str]) -> pd.DataFrame:
    """Rows -> the study frame, in a fixed column order, exactly as ``cases.parquet`` reads back.

    The frame goes through Parquet in memory, so the frame returned, the file written and a
    later :func:`read_cases` agree value for value and dtype for dtype (a missing flag of a
    failed case is the same missing value everywhere).
    """
    frame = pd.DataFrame.from_records(rows)
    if frame.empty:
        return frame
    first = [
        c
        for c in (*_HEAD, *axes, "start", "end", "interval_min", "load_shift_days", *_STATUS)
        if c in frame.columns
    ]
    last = [c for c in _TAIL if c in frame.columns]
    middle = [c for c in frame.columns if c not in first and c not in last]
    frame = (
        frame[first + middle + last].sort_values("position", kind="stable").reset_index(drop=True)
    )
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return pd.read_parquet(io.BytesIO(buffer.getvalue()))


def read_cases(out_dir: str | Path, study: Study | None = None) -> pd.DataFrame:
    """The rows finished so far in ``out_dir`` (all of them, or those of ``study``).

    Reads the row files in ``out_dir/cases/``; a folder holding only the gathered
    ``cases.parquet`` (copied without its row files) is read from that file.

    Raises
    ------
    InputError
        ``out_dir`` holds neither row files nor ``cases.parquet``.
    """
    out = Path(out_dir)
    if not (out / "cases").is_dir():
        path = out / "cases.parquet"
        if not path.is_file():
            msg = ""
            raise InputError(
                msg,
                issues=[
                    Issue(
                        "missing study output",
                        path=str(path),
                        expected="cases.parquet or a cases/ folder",
                        got="neither",
                        fix="Point at a folder written by `bess-dispatch sweep`",
                    )
                ],
            )
        return _read_parquet(path)
    if study is None:
        paths = sorted((out / "cases").glob("*.parquet"))
        axes: Sequence[str] = ()
    else:
        paths = [p for c in expand_study(study) if (p := _row_path(out, c.case_id)).exists()]
        axes = study.axis_names
    return _frame([_read_row(p) for p in paths], axes)


def _write_manifest(out: Path, study: Study, cases: list[Case]) -> None:

    manifest = {
        "study": study.model_dump(mode="json"),
        "axes": list(study.axis_names),
        "n_cases": len(cases),
        "cases": [
            {"case_id": c.case_id, "position": c.position, "label": c.label, "values": c.values}
            for c in cases
        ],
    }
    text = json.dumps(manifest, indent=2) + "\n"
    write_atomic(out / "study.json", lambda p: p.write_text(text, encoding="utf-8"))
