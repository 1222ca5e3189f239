"""``bess-dispatch resilience`` and ``[resilience]`` in a scenario TOML: exit codes, messages."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from test_cli import _write_scenario, runner

from optimizer.cli.app import app
from optimizer.errors import ModelFileError
from optimizer.io import builtin_root, load_scenario

MODELS = builtin_root() / "models"


def _with_site_cluster(tmp_path, extra=""):
    """The CLI test scenario (2 days at 1 h, simple tariff): the default site and GPU cluster."""
    return _write_scenario(tmp_path, extra=extra)


def test_resilience_command_prints_tables_and_writes_files(tmp_path):
    out = tmp_path / "res"
    res = runner.invoke(
        app,
        [
            "resilience",
            str(_with_site_cluster(tmp_path)),
            "--out",
            str(out),
            "--hours",
            "0,1,2",
            "--critical",
            "site,training_paused",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "the cost of resilience" in res.output
    assert "training_paused" in res.output
    assert "share lasting >= 4h" in res.output
    for name in ("survival.png", "survival.csv", "tradeoff.csv"):
        assert (out / name).stat().st_size > 0
    curve = pd.read_csv(out / "tradeoff.csv")
    assert list(curve["hours_h"]) == [0, 1, 2, 0, 1, 2]
    paused = curve[(curve["critical_load"] == "training_paused") & (curve["status"] == "optimal")]
    assert (paused["min_h"] >= paused["hours_h"] - 1e-6).all()
    assert paused["cost_usd"].is_monotonic_increasing


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--critical", "everything"], "--critical"),
        (["--critical", "1.5"], "--critical"),
        (["--hours", "two"], "--hours"),
        (["--hours", "0.3"], "whole number of 60-min intervals"),
    ],
)
def test_bad_options_exit_2(tmp_path, args, fragment):
    res = runner.invoke(
        app, ["resilience", str(_with_site_cluster(tmp_path)), "--out", str(tmp_path / "o"), *args]
    )
    assert res.exit_code == 2, res.output
    assert fragment in res.output
    assert "Traceback" not in res.output


def test_run_prints_ride_through_and_writes_it_to_summary(tmp_path):
    out = tmp_path / "run"
    res = runner.invoke(
        app, ["run", str(_with_site_cluster(tmp_path)), "--out", str(out), "--no-plot"]
    )
    assert res.exit_code == 0, res.output
    assert "ride-through if the grid is lost" in res.output
    summary = json.loads((out / "summary.json").read_text())
    levels = summary["resilience"]["levels"]
    assert set(levels) == {"site", "training_paused"}
    for r in levels.values():
        assert {"median_h", "min_h", "p_survive_1h", "p_survive_4h"} <= set(r)


def test_toml_floor_is_read_and_held(tmp_path):
    p = _with_site_cluster(
        tmp_path,
        extra='[resilience]\ncritical_load = "training_paused"\nhours_h = 2\nmonths = [2]\n',
    )
    sc = load_scenario(p)
    assert sc.resilience is not None
    assert sc.resilience.hours_h == 2
    assert sc.resilience.months == (2,)
    out = tmp_path / "run"
    res = runner.invoke(app, ["run", str(p), "--out", str(out), "--no-plot"])
    assert res.exit_code == 0, res.output
    assert "floor held: 2 h of 'training_paused' each interval" in res.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["resilience"]["levels"]["training_paused"]["min_h"] >= 2 - 1e-6


def test_toml_series_level(tmp_path):
    idx = pd.date_range(
        "2021-02-14",
        "2021-02-16",
        freq="1h",
        tz="America/Chicago",
        inclusive="left",
        name="interval_start",
    )
    pd.DataFrame({"critical_load_mw": np.full(len(idx), 100.0)}, index=idx).to_parquet(
        tmp_path / "crit.parquet"
    )
    p = _with_site_cluster(
        tmp_path,
        extra='[resilience]\ncritical_load = "series"\npath = "crit.parquet"\nhours_h = 3\n',
    )
    sc = load_scenario(p)
    assert sc.resilience.level_name == "series"
    assert sc.resilience.critical_load_mw == (100.0,) * 48


@pytest.mark.parametrize(
    ("table", "fragment"),
    [
        ('critical_load = "site"\nhours = 2', "Did you mean 'hours_h'"),
        ("critical_load = 1.5\nhours_h = 2", "(0, 1]"),
        ('critical_load = "series"\nhours_h = 2', "needs a path"),
        ('critical_load = "site"\nhours_h = 2\nmonths = [13]', "months must be in 1-12"),
    ],
)
def test_toml_errors_name_the_field(tmp_path, table, fragment):
    p = _with_site_cluster(tmp_path, extra=f"[resilience]\n{table}\n")
    with pytest.raises(ModelFileError) as info:
        load_scenario(p)
    assert fragment in str(info.value)
    assert "resilience" in str(info.value)


def test_toml_hours_must_be_whole_intervals(tmp_path):
    from optimizer.errors import InputError

    p = _with_site_cluster(tmp_path, extra='[resilience]\ncritical_load = "site"\nhours_h = 1.5\n')
    with pytest.raises(InputError, match="whole number of intervals"):
        load_scenario(p)
