"""The CLI: exit codes, files written, messages without tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from optimizer.cli.app import app
from optimizer.io import builtin_root

runner = CliRunner()
MODELS = builtin_root() / "models"


def _write_scenario(tmp_path: Path, **over: str) -> Path:
    """A copy of the default scenario in tmp_path, pointing back at the built-in models."""
    horizon = over.get(
        "horizon",
        "start = 2021-02-14T00:00:00-06:00\nend = 2021-02-16T00:00:00-06:00\ninterval_min = 60",
    )
    text = f"""schema_version = 1
[scenario]
name = "cli-test"
site = "{over.get("site", MODELS / "sites" / "memphis-1gw.toml")}"
tariff = "{MODELS / "tariffs" / "miso-arkansas-lmp-tva-demand.toml"}"
[horizon]
{horizon}
[load]
source = "file"
path = "{over.get("load", builtin_root() / "data" / "memphis_1gw_site_load_2021_15min.parquet")}"
column = "{over.get("column", "load_mw")}"
{over.get("extra", "")}
"""
    p = tmp_path / "scenario.toml"
    p.write_text(text)
    return p


def test_run_writes_the_four_files_and_summary(tmp_path):
    out = tmp_path / "out"
    res = runner.invoke(app, ["run", str(_write_scenario(tmp_path)), "--out", str(out)])
    assert res.exit_code == 0, res.output
    for name in ("schedule.parquet", "schedule.csv", "summary.json", "dispatch.png"):
        assert (out / name).stat().st_size > 0
    summary = json.loads((out / "summary.json").read_text())
    sched = pd.read_parquet(out / "schedule.parquet")
    assert len(sched) == 48
    assert summary["n_intervals"] == 48
    assert summary["bill_optimized_usd"] <= summary["bill_baseline_usd"]
    assert "without batteries" in res.output
    assert not list(out.glob(".*.tmp")), "temporary files left behind"


def test_run_overrides_horizon_and_step(tmp_path):
    out = tmp_path / "o"
    res = runner.invoke(
        app,
        [
            "run",
            str(_write_scenario(tmp_path)),
            "--out",
            str(out),
            "--start",
            "2021-02-14T06:00",
            "--end",
            "2021-02-14T12:00",
            "--step",
            "15min",
        ],
    )
    assert res.exit_code == 0, res.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_intervals"] == 24
    assert summary["interval_min"] == 15
    assert summary["start"].startswith("2021-02-14T06:00:00-06:00")


def test_validate_ok(tmp_path):
    res = runner.invoke(app, ["validate", str(_write_scenario(tmp_path))])
    assert res.exit_code == 0, res.output
    assert "ok" in res.output


def test_unknown_key_exits_2_and_names_file_and_field(tmp_path):
    p = _write_scenario(tmp_path, extra="colum = 'typo'")
    res = runner.invoke(app, ["run", str(p), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "load.colum" in res.output
    assert "unknown key" in res.output
    assert "scenario.toml" in res.output
    assert "Traceback" not in res.output


def test_toml_syntax_error_gives_line_and_column(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text("schema_version = 1\n[scenario\nname = 'x'\n")
    res = runner.invoke(app, ["validate", str(p)])
    assert res.exit_code == 2
    assert "line 2" in res.output
    assert "bad.toml" in res.output


def test_missing_file_exit_2(tmp_path):
    res = runner.invoke(app, ["validate", str(tmp_path / "nope.toml")])
    assert res.exit_code == 2
    assert "file not found" in res.output


def test_horizon_not_covered_names_timestamp(tmp_path):
    p = _write_scenario(
        tmp_path,
        horizon="start = 2021-12-31T00:00:00-06:00\nend = 2022-01-02T00:00:00-06:00\ninterval_min = 60",
    )
    res = runner.invoke(app, ["validate", str(p)])
    assert res.exit_code == 2
    assert "does not cover the horizon" in res.output
    assert "2022-01-01T00:00:00-06:00" in res.output


def test_kw_load_detected_as_unit_mistake(tmp_path):
    src = pd.read_parquet(builtin_root() / "data" / "memphis_1gw_site_load_2021_15min.parquet")
    src["load_mw"] *= 1000  # a kW file labelled MW
    f = tmp_path / "kw.parquet"
    src.to_parquet(f)
    res = runner.invoke(app, ["validate", str(_write_scenario(tmp_path, load=f))])
    assert res.exit_code == 2
    assert "unit mistake" in res.output


def test_infeasible_exits_3_with_interval_and_amount(tmp_path):
    site = tmp_path / "site.toml"
    text = (MODELS / "sites" / "memphis-1gw.toml").read_text()
    text = text.replace("import_limit_mw = 1000.0", "import_limit_mw = 10.0").replace(
        '"../', f'"{MODELS}/'
    )
    site.write_text(text)
    res = runner.invoke(
        app, ["run", str(_write_scenario(tmp_path, site=site)), "--out", str(tmp_path / "o")]
    )
    assert res.exit_code == 3, res.output
    assert "import cap" in res.output
    assert "MW over the cap" in res.output
    assert "at 2021-02-1" in res.output
    assert not (tmp_path / "o" / "summary.json").exists()


def test_list_shows_builtin_scenarios():
    res = runner.invoke(app, ["list"])
    assert res.exit_code == 0
    assert "default" in res.output
    assert "year-2021" in res.output


def test_bill_command_prints_monthly_lines(tmp_path):
    out = tmp_path / "bill.csv"
    res = runner.invoke(
        app,
        [
            "bill",
            "--tariff",
            str(MODELS / "tariffs" / "mlgw-lgs3-tou-style.toml"),
            "--load",
            str(builtin_root() / "data" / "memphis_1gw_site_load_2021_15min.parquet"),
            "--start",
            "2021-02-01",
            "--end",
            "2021-03-01",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    lines = pd.read_csv(out)
    assert set(lines["month"]) == {"2021-02"}
    assert {"energy", "demand", "fixed"} <= set(lines["kind"])
    assert "total" in res.output


def test_bill_command_bad_tariff_exits_2(tmp_path):
    bad = tmp_path / "t.toml"
    bad.write_text("schema_version = 1\n[tariff]\nname = 'x'\nbogus = 1\n")
    res = runner.invoke(
        app,
        [
            "bill",
            "--tariff",
            str(bad),
            "--load",
            str(builtin_root() / "data" / "memphis_1gw_site_load_2021_15min.parquet"),
        ],
    )
    assert res.exit_code == 2
    assert "bogus" in res.output
    assert "Traceback" not in res.output
