"""Output paths: checked before solving, never a traceback, nothing partial or stale left behind.

Each test here failed before the fix (issue 18): ``--out`` naming a file gave a traceback
after the whole solve; ``--no-plot`` still claimed ``dispatch.png``; every run wrote into
one ``bess-dispatch-out/`` so one run's report sat beside another's summary; a failed write
left a ``.tmp`` file behind.
"""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optimizer.cli.app import app
from optimizer.errors import OutputPathError
from optimizer.io.atomic import check_output_dir, check_output_file, write_atomic

runner = CliRunner()
DAY = ["--start", "2021-02-01", "--end", "2021-02-02", "--step", "1h"]


def test_out_that_is_a_file_exits_2_before_solving(tmp_path: Path) -> None:
    target = tmp_path / "a-file"
    target.write_text("not a folder")
    res = runner.invoke(app, ["run", "default", *DAY, "--out", str(target)])
    assert res.exit_code == 2, res.output
    assert "output folder is a file" in res.output
    assert str(target) in res.output
    assert "Traceback" not in res.output
    assert target.read_text() == "not a folder"


def test_out_below_a_file_exits_2(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    res = runner.invoke(app, ["run", "default", *DAY, "--out", str(tmp_path / "f" / "sub")])
    assert res.exit_code == 2, res.output
    assert "is a file" in res.output
    assert "--out" in res.output


def test_default_out_is_per_scenario_and_no_plot_writes_no_png(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app, ["run", "default", *DAY, "--no-plot"])
    assert res.exit_code == 0, res.output
    folder = tmp_path / "bess-dispatch-out" / "default"
    assert (folder / "summary.json").is_file()
    assert not (folder / "dispatch.png").exists()
    assert "dispatch.png" not in res.output


def test_a_folder_never_mixes_two_runs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert runner.invoke(app, ["run", "default", *DAY, "--out", str(out)]).exit_code == 0
    assert (out / "dispatch.png").is_file()
    (out / "report.html").write_text("<html>an earlier run's report</html>")
    assert (
        runner.invoke(app, ["run", "default", *DAY, "--out", str(out), "--no-plot"]).exit_code == 0
    )
    assert not (out / "dispatch.png").exists()
    assert not (out / "report.html").exists()


def test_write_atomic_failure_leaves_nothing_and_names_the_path(tmp_path: Path) -> None:
    def full_disk(path: Path) -> None:
        path.write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device")

    target = tmp_path / "summary.json"
    with pytest.raises(OutputPathError) as info:
        write_atomic(target, full_disk)
    assert "No space left on device" in str(info.value)
    assert str(target) in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_check_output_file_refuses_a_folder(tmp_path: Path) -> None:
    with pytest.raises(OutputPathError, match="output file is a folder"):
        check_output_file(tmp_path)
    assert check_output_dir(tmp_path / "new" / "deeper") == tmp_path / "new" / "deeper"
    assert not (tmp_path / "new").exists()  # checked, not created


def test_bill_out_that_is_a_folder_exits_2(tmp_path: Path) -> None:
    from optimizer.io import builtin_root

    root = builtin_root()
    res = runner.invoke(
        app,
        [
            "bill",
            "--tariff",
            str(root / "models" / "tariffs" / "mlgw-lgs3-tou-style.toml"),
            "--load",
            str(root / "data" / "memphis_1gw_site_load_2021_15min.parquet"),
            "--start",
            "2021-02-01",
            "--end",
            "2021-02-02",
            "--out",
            str(tmp_path),
        ],
    )
    assert res.exit_code == 2, res.output
    assert "output file is a folder" in res.output


def test_builtin_names_for_sweep_and_bill(tmp_path: Path) -> None:
    res = runner.invoke(
        app,
        [
            "bill",
            "--tariff",
            "mlgw-lgs3-tou-style",
            "--load",
            "memphis_1gw_site_load_2021_15min.parquet",
            "--start",
            "2021-02-01",
            "--end",
            "2021-02-02",
        ],
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(
        app, ["sweep", "fleet-sise", "--workers", "0", "--out", str(tmp_path / "s")]
    )
    assert res.exit_code == 2, res.output
    assert "Did you mean the built-in 'fleet-size'" in res.output


def test_init_copies_models_and_data_that_run(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    res = runner.invoke(app, ["init", str(folder)])
    assert res.exit_code == 0, res.output
    scenario = folder / "models" / "scenarios" / "default.toml"
    assert scenario.is_file()
    assert (folder / "data" / "SOURCES.md").is_file()
    res = runner.invoke(app, ["validate", str(scenario)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["init", str(folder)])
    assert res.exit_code == 2
    assert "already exists" in res.output


def test_a_partial_month_is_marked_billed_in_full(tmp_path: Path) -> None:
    """Issue 18: a one-day run billed a whole month's demand charge without a word."""
    import json

    out = tmp_path / "day"
    res = runner.invoke(app, ["run", "default", *DAY, "--out", str(out), "--no-plot"])
    assert res.exit_code == 0, res.output
    assert "partial billing month 2021-02" in " ".join(res.output.split())
    months = json.loads((out / "summary.json").read_text())["billing_months"]
    assert months == [
        {
            "month": "2021-02",
            "covered_share_frac": months[0]["covered_share_frac"],
            "demand_billed_in_full": True,
        }
    ]
    assert abs(months[0]["covered_share_frac"] - 24 / 672) < 1e-12
