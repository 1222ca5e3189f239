"""A run's files travel: CSV stamps a spreadsheet reads, an Excel workbook, a library that logs quietly."""

from __future__ import annotations

import logging
import subprocess
import sys

import pandas as pd
import pytest

from optimizer.results.files import schedule_for_csv


def test_csv_stamps_are_local_wall_clock_with_offset_and_utc() -> None:
    """``2021-02-01 00:00:00-06:00`` did not open as a date in Excel (issue 23). The autumn DST
    change repeats 01:00; the offset tells the two apart."""
    index = pd.date_range("2021-11-07 00:00", periods=4, freq="30min", tz="America/Chicago")
    frame = schedule_for_csv(pd.DataFrame({"grid_import_mw": [1.0, 2.0, 3.0, 4.0]}, index=index))
    assert frame["interval_start_local"].tolist() == [
        "2021-11-07 00:00:00",
        "2021-11-07 00:30:00",
        "2021-11-07 01:00:00",
        "2021-11-07 01:30:00",
    ]
    assert frame["utc_offset"].tolist() == ["-05:00", "-05:00", "-05:00", "-05:00"]
    later = schedule_for_csv(
        pd.DataFrame(
            {"x": [0.0, 0.0]},
            index=pd.date_range("2021-11-07 06:30", periods=2, freq="30min", tz="UTC").tz_convert(
                "America/Chicago"
            ),
        )
    )
    assert later["interval_start_local"].tolist() == ["2021-11-07 01:30:00", "2021-11-07 01:00:00"]
    assert later["utc_offset"].tolist() == ["-05:00", "-06:00"]
    assert later["interval_start_utc"].tolist() == ["2021-11-07T06:30:00Z", "2021-11-07T07:00:00Z"]
    assert pd.to_datetime(frame["interval_start_local"]).notna().all()


def test_to_excel_writes_three_sheets(default_result, tmp_path) -> None:
    pytest.importorskip("openpyxl")
    path = default_result.to_excel(tmp_path / "run.xlsx")
    sheets = pd.read_excel(path, sheet_name=None)
    assert set(sheets) == {"schedule", "bill", "summary"}
    assert len(sheets["schedule"]) == len(default_result.schedule)
    assert pd.api.types.is_datetime64_any_dtype(sheets["schedule"]["interval_start_local"])
    assert sheets["bill"].set_index("term").loc["total", "optimized_usd"] == pytest.approx(
        default_result.costs.loc["total", "optimized_usd"]
    )


def test_the_package_logger_has_a_null_handler() -> None:
    code = "import logging, optimizer; print([type(h).__name__ for h in logging.getLogger('optimizer').handlers])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['NullHandler']"
    assert logging.getLogger("optimizer").propagate
