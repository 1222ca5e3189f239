"""``bess-dispatch size``: the sizing answer, the lifetime table and the files."""

from __future__ import annotations

import json

from test_cli import runner

from optimizer.cli.app import app


def test_size_command_prints_the_answer_and_writes_files(tmp_path):
    out = tmp_path / "size"
    res = runner.invoke(
        app,
        [
            "size",
            "default",
            "--start",
            "2021-02-01",
            "--end",
            "2021-02-08",
            "--curve",
            "300,600",
            "--units",
            "900",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "sizing horizon" in res.output
    assert "168 intervals" in res.output
    assert "optimal fleet size" in res.output
    assert "contract demand" in res.output
    for word in ("NPV", "IRR", "payback"):
        assert word in res.output
    doc = json.loads((out / "sizing.json").read_text())
    assert doc["rounded_units"]["megapack"] == round(doc["rounded_units"]["megapack"])
    assert "900" in doc["lifetime"]
    for name in ("curve.csv", "lifetime.csv", "lifetime-900.csv", "net-value.png"):
        assert (out / name).exists(), name


def test_size_command_refuses_a_bad_curve(tmp_path):
    res = runner.invoke(app, ["size", "default", "--curve", "a,b", "--out", str(tmp_path / "x")])
    assert res.exit_code == 2
    assert "--curve" in res.output
