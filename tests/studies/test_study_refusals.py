"""A study that is refused says why, names the study file, and writes nothing (issue 18).

Each failed before the fix: duplicate cases named no file; ``study.json`` and ``cases/``
were written before the refusal; a million-case product started without a word; an
unreachable scheduler gave a 30 s wait and a 177-line traceback with exit 1.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from optimizer.cli.app import app
from optimizer.studies import runner as study_runner

cli = CliRunner()
HEAD = """schema_version = 1
[study]
name = "{name}"
base_scenario = "default"
start = 2021-02-01T00:00:00
end = 2021-02-02T00:00:00
interval_min = 60
"""


def _study(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(HEAD.format(name=name) + body)
    return path


def test_duplicate_cases_name_the_file_and_write_nothing(tmp_path: Path) -> None:
    path = _study(tmp_path, "dup", "[[cases]]\nfleet_units = 900\n[[cases]]\nfleet_units = 900\n")
    out = tmp_path / "out"
    res = cli.invoke(
        app, ["sweep", str(path), "--workers", "0", "--out", str(out), "--no-progress"]
    )
    assert res.exit_code == 2, res.output
    assert str(path) in res.output
    assert "same inputs" in res.output
    assert not out.exists()


def test_a_runaway_product_is_refused_with_its_count(tmp_path: Path) -> None:
    axes = "[axes]\nfleet_units = [{a}]\nprice_multiplier = [{b}]\n".format(
        a=", ".join(str(i) for i in range(20)), b=", ".join(str(1 + i / 100) for i in range(20))
    )
    path = _study(tmp_path, "big", axes)
    res = cli.invoke(
        app,
        [
            "sweep",
            str(path),
            "--workers",
            "0",
            "--out",
            str(tmp_path / "out"),
            "--max-cases",
            "100",
        ],
    )
    assert res.exit_code == 2, res.output
    assert "400 cases" in res.output
    assert "--max-cases" in res.output
    assert not (tmp_path / "out").exists()


def test_an_unreachable_scheduler_is_bad_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(study_runner, "SCHEDULER_TIMEOUT_S", 1)
    path = _study(tmp_path, "remote", "[axes]\nfleet_units = [0, 900]\n")
    res = cli.invoke(
        app,
        [
            "sweep",
            str(path),
            "--scheduler",
            "tcp://127.0.0.1:9",
            "--out",
            str(tmp_path / "out"),
            "--no-progress",
        ],
    )
    assert res.exit_code == 2, res.output
    assert "cannot reach the dask scheduler" in res.output
    assert not (tmp_path / "out").exists()
