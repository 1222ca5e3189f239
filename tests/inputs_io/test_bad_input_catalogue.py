"""Issue 18, "no traceback, ever": a catalogue of bad inputs, each handled cleanly.

Every case breaks a private copy of the built-in models and data (``optimizer.io.builtin_root()``,
copied to a temporary folder; the copied default scenario is cut to one day at hourly steps so a
case that reaches the solver stays fast) or calls the CLI or the library with a bad argument.
Each case asserts

* the documented exit code (2 bad input, 3 infeasible, 4 solver, 5 check) from the CLI, or the
  documented exception type (an :class:`~optimizer.errors.InputError` subclass, or
  :class:`~optimizer.errors.InfeasibleError`) from the library;
* no ``Traceback`` in the CLI's output, and no exception other than ``SystemExit`` escaping;
* the problem named: the file, the field (``[table.field]``), the option or the timestamp;
* nothing written: the set of files and folders under the test's temporary folder (the copied
  models, the output folder, the current folder) is the same before and after, so no output
  folder, no partial file and no ``.tmp`` is left behind.

Categories (see ``CATALOGUE`` at the bottom, and ``test_catalogue_size``): scenario, site,
battery, tariff and study TOML; random bytes and folders given as files; series files; CLI
arguments of every command; studies; URDB JSON; the library; disk faults.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import optimizer
from optimizer.cli.app import app
from optimizer.errors import (
    InfeasibleError,
    InputError,
    ModelFileError,
    OutputPathError,
)
from optimizer.io import builtin_root

runner = CliRunner()

# ------------------------------------------------------------------ the copied workspace
LOAD = "memphis_1gw_site_load_2021_15min.parquet"
PRICE = "miso_rt_lmp_arkansas_hub_2021.parquet"
SYSLOAD = "eia930_tva_system_load_2021.parquet"
SCEN = "models/scenarios/default.toml"
YEAR = "models/scenarios/year-2021.toml"
SITE = "models/sites/memphis-1gw.toml"
BATT = "models/batteries/megapack2xl-4h.toml"
CLUSTER = "models/clusters/gpu-1m.toml"
TOU = "models/tariffs/tva-mlgw-large-tou.toml"
SIMPLE = "models/tariffs/miso-arkansas-lmp-tva-demand.toml"
URDB = "models/tariffs/urdb/urdb_pge_E19_secondary_5cef0a415457a33576f60fe2.json"
HORIZON = "start = 2021-02-01T00:00:00-06:00\nend = 2021-03-01T00:00:00-06:00\ninterval_min = 15"
DAY = "start = 2021-02-01T00:00:00-06:00\nend = 2021-02-02T00:00:00-06:00\ninterval_min = 60"
AT = "2021-02-01T12:00:00-06:00"  # where series cases plant their defect (inside the one-day horizon)
SHORT = ("--start", "2021-02-01", "--end", "2021-02-02", "--step", "1h")
RANDOM = (
    bytes(range(256)) * 3 + b"\x00\xff\xfe garbage \x89PNG\r\n"
)  # no valid TOML/JSON/Parquet/CSV


class W:
    """A private copy of the built-in models and data, to break at will."""

    def __init__(self, root: Path, tmp: Path) -> None:
        self.root = root
        self.tmp = tmp
        self.out = tmp / "out"
        self.cwd = tmp / "cwd"

    def p(self, rel: str) -> Path:
        return self.root / rel

    def text(self, rel: str) -> str:
        return self.p(rel).read_text()

    def write(self, rel: str, text: str | bytes) -> Path:
        path = self.p(rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
        return path

    def edit(self, rel: str, old: str, new: str) -> None:
        text = self.text(rel)
        assert old in text, f"{old!r} not in {rel}"
        self.write(rel, text.replace(old, new, 1))

    def append(self, rel: str, text: str) -> None:
        self.write(rel, self.text(rel) + "\n" + text)

    def frame(self, name: str) -> pd.DataFrame:
        return pd.read_parquet(self.p("data/" + name))

    def put(self, name: str, frame: pd.DataFrame) -> None:
        path = self.p("data/" + name)
        path.unlink(missing_ok=True)
        if path.suffix == ".csv":
            frame.to_csv(path, index=False)
        else:
            frame.to_parquet(path)

    port = 0  # of a fake server some cases start

    def fmt(self, arg: str) -> str:
        return arg.format(
            scenario=self.p(SCEN),
            root=self.root,
            out=self.out,
            tmp=self.tmp,
            cwd=self.cwd,
            port=self.port,
        )


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pristine")
    src = builtin_root()
    shutil.copytree(src / "models", root / "models", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(
        src / "data", root / "data", ignore=shutil.ignore_patterns("__pycache__", "*.py", "*.gz")
    )
    scen = root / SCEN
    text = scen.read_text()
    assert HORIZON in text
    scen.write_text(text.replace(HORIZON, DAY))
    return root


@pytest.fixture
def ws(tmp_path: Path, pristine: Path, monkeypatch: pytest.MonkeyPatch) -> W:
    shutil.copytree(pristine, tmp_path / "w")
    w = W(tmp_path / "w", tmp_path)
    w.cwd.mkdir()
    monkeypatch.chdir(
        w.cwd
    )  # default output folders (bess-dispatch-out/, bess-sweep-out/) land here
    return w


def _tree(root: Path) -> dict[str, int]:
    """Every path under ``root``: a file with its modification time, a folder with 0 (a probe
    file written and removed by an output-path check touches the folder, not its contents)."""
    return {
        str(p.relative_to(root)): (0 if p.is_dir() else p.stat().st_mtime_ns)
        for p in root.rglob("*")
    }


def _flat(text: str) -> str:
    return " ".join(text.split())  # rich and typer wrap long lines


# ------------------------------------------------------------------ case kinds
@dataclass(frozen=True)
class Cli:
    """Break the workspace with ``setup``, run the CLI with ``args``, expect ``code`` and ``must``."""

    id: str
    setup: Callable[[W], object] | None
    args: tuple[str, ...]
    must: tuple[str, ...]
    code: int = 2
    marks: tuple = ()

    def param(self, category: str) -> Any:
        return pytest.param(category, self, id=f"{category}:{self.id}", marks=self.marks)


@dataclass(frozen=True)
class Lib:
    """Break the workspace with ``setup``, call the library, expect ``exc`` with ``must`` in it."""

    id: str
    call: Callable[[W], object]
    exc: type[BaseException]
    must: tuple[str, ...]
    marks: tuple = ()

    def param(self, category: str) -> Any:
        return pytest.param(category, self, id=f"{category}:{self.id}", marks=self.marks)


def V(rel: str = "{scenario}") -> tuple[str, ...]:
    return ("validate", rel)


RUN = ("run", "{scenario}", "--out", "{out}", "--no-plot")


def edit(rel: str, old: str, new: str) -> Callable[[W], None]:
    return lambda w: w.edit(rel, old, new)


def append(rel: str, text: str) -> Callable[[W], None]:
    return lambda w: w.append(rel, text)


def both(*steps: Callable[[W], object]) -> Callable[[W], None]:
    def go(w: W) -> None:
        for s in steps:
            s(w)

    return go


def write(rel: str, content: str | bytes) -> Callable[[W], None]:
    return lambda w: w.write(rel, content)


def simple_tariff(w: W) -> None:
    """Point the copied default scenario at the simple LMP + demand-charge tariff."""
    w.edit(
        SCEN,
        'tariff = "../tariffs/tva-mlgw-large-tou.toml"\nenergy_basis = "schedule"',
        'tariff = "../tariffs/miso-arkansas-lmp-tva-demand.toml"',
    )


# ====================================================================== TOML: the scenario
S = "default.toml"
TARIFF_LINE = 'tariff = "../tariffs/tva-mlgw-large-tou.toml"'
SCENARIO_TOML = [
    Cli("name-not-text", edit(SCEN, 'name = "default"', "name = 5"), V(), (S, "[scenario.name]")),
    Cli(
        "typo-description",
        edit(SCEN, "description =", "descripton ="),
        V(),
        (S, "[scenario.descripton]", "unknown key", "Did you mean 'description'?"),
    ),
    Cli("typo-table-horizn", edit(SCEN, "[horizon]", "[horizn]"), V(), (S, "[horizn]")),
    Cli(
        "unknown-top-table", append(SCEN, "[colours]\nbackground = 'red'\n"), V(), (S, "[colours]")
    ),
    Cli(
        "schema-version-2",
        edit(SCEN, "schema_version = 1", "schema_version = 2"),
        V(),
        (S, "[schema_version]", "got 2"),
    ),
    Cli(
        "schema-version-string",
        edit(SCEN, "schema_version = 1", 'schema_version = "1"'),
        V(),
        (S, "[schema_version]", "'1'"),
    ),
    Cli(
        "schema-version-float",
        edit(SCEN, "schema_version = 1", "schema_version = 1.5"),
        V(),
        (S, "[schema_version]", "1.5"),
    ),
    Cli(
        "schema-version-missing",
        edit(SCEN, "schema_version = 1\n", ""),
        V(),
        (S, "[schema_version]"),
    ),
    Cli(
        "syntax-unterminated-string",
        edit(SCEN, 'name = "default"', 'name = "default'),
        V(),
        (S, "TOML syntax error", "line"),
    ),
    Cli(
        "syntax-duplicate-key",
        edit(SCEN, 'name = "default"', 'name = "default"\nname = "again"'),
        V(),
        (S, "TOML syntax error"),
    ),
    Cli(
        "syntax-duplicate-table",
        append(SCEN, "[horizon]\ninterval_min = 60\n"),
        V(),
        (S, "TOML syntax error"),
    ),
    Cli(
        "site-missing",
        edit(SCEN, 'site = "../sites/memphis-1gw.toml"\n', ""),
        V(),
        (S, "[scenario.site]", "missing"),
    ),
    Cli(
        "site-not-text",
        edit(SCEN, 'site = "../sites/memphis-1gw.toml"', "site = 1"),
        V(),
        (S, "[scenario.site]"),
    ),
    Cli(
        "site-is-a-folder",
        edit(SCEN, 'site = "../sites/memphis-1gw.toml"', 'site = "../sites"'),
        V(),
        ("models/sites:", "Is a directory"),
    ),
    Cli(
        "tariff-is-a-folder",
        edit(SCEN, 'tariff = "../tariffs/tva-mlgw-large-tou.toml"', 'tariff = "../tariffs"'),
        V(),
        ("models/tariffs:", "Is a directory"),
    ),
    Cli(
        "tariff-file-missing",
        edit(SCEN, TARIFF_LINE, 'tariff = "../tariffs/tva-mlgw-small-tou.toml"'),
        V(),
        ("tva-mlgw-small-tou.toml", "[scenario.tariff]", "not found"),
    ),
    Cli(
        "energy-basis-int",
        edit(SCEN, 'energy_basis = "schedule"', "energy_basis = 1"),
        V(),
        (S, "[scenario.energy_basis]"),
    ),
    Cli(
        "energy-basis-typo",
        edit(SCEN, 'energy_basis = "schedule"', 'energy_basis = "shedule"'),
        V(),
        (S, "[scenario.energy_basis]", "shedule"),
    ),
    # [horizon]
    Cli(
        "interval-7",
        edit(SCEN, "interval_min = 60", "interval_min = 7"),
        V(),
        (S, "[horizon.interval_min]", "7"),
    ),
    Cli(
        "interval-0",
        edit(SCEN, "interval_min = 60", "interval_min = 0"),
        V(),
        (S, "[horizon.interval_min]", "0"),
    ),
    Cli(
        "interval-negative",
        edit(SCEN, "interval_min = 60", "interval_min = -15"),
        V(),
        (S, "[horizon.interval_min]", "-15"),
    ),
    Cli(
        "interval-fraction",
        edit(SCEN, "interval_min = 60", "interval_min = 15.5"),
        V(),
        (S, "[horizon.interval_min]", "15.5"),
    ),
    Cli(
        "interval-text",
        edit(SCEN, "interval_min = 60", 'interval_min = "15min"'),
        V(),
        (S, "[horizon.interval_min]", "15min"),
    ),
    Cli(
        "interval-nan",
        edit(SCEN, "interval_min = 60", "interval_min = nan"),
        V(),
        (S, "[horizon.interval_min]", "nan"),
    ),
    Cli(
        "interval-inf",
        edit(SCEN, "interval_min = 60", "interval_min = inf"),
        V(),
        (S, "[horizon.interval_min]", "inf"),
    ),
    Cli(
        "interval-1e308",
        edit(SCEN, "interval_min = 60", "interval_min = 1e308"),
        V(),
        (S, "[horizon.interval_min]"),
    ),
    Cli(
        "end-before-start",
        edit(SCEN, "end = 2021-02-02T00:00:00-06:00", "end = 2021-01-02T00:00:00-06:00"),
        V(),
        (S, "[horizon.end]", "2021-01-02"),
    ),
    Cli(
        "end-equals-start",
        edit(SCEN, "end = 2021-02-02T00:00:00-06:00", "end = 2021-02-01T00:00:00-06:00"),
        V(),
        (S, "[horizon.end]"),
    ),
    Cli(
        "start-30-february",
        edit(SCEN, "start = 2021-02-01T00:00:00-06:00", 'start = "2021-02-30T00:00:00-06:00"'),
        V(),
        (S, "[horizon.start]", "2021-02-30"),
    ),
    Cli(
        "start-invalid-toml-date",
        edit(SCEN, "start = 2021-02-01T00:00:00-06:00", "start = 2021-02-30T00:00:00-06:00"),
        V(),
        (S, "TOML syntax error"),
    ),
    Cli(
        "start-time-only",
        edit(SCEN, "start = 2021-02-01T00:00:00-06:00", "start = 00:30:00"),
        V(),
        (S, "[horizon.start]"),
    ),
    Cli(
        "start-number",
        edit(SCEN, "start = 2021-02-01T00:00:00-06:00", "start = 20210201"),
        V(),
        (S, "[horizon.start]", "a number is not a date-time"),
    ),
    Cli(
        "start-missing",
        edit(SCEN, "start = 2021-02-01T00:00:00-06:00\n", ""),
        V(),
        (S, "[horizon.start]", "missing"),
    ),
    Cli(
        "start-year-9999",
        edit(
            SCEN,
            "start = 2021-02-01T00:00:00-06:00\nend = 2021-02-02T00:00:00-06:00",
            "start = 9999-02-01T00:00:00-06:00\nend = 9999-02-02T00:00:00-06:00",
        ),
        V(),
        (S, "9999"),
    ),
    Cli(
        "horizon-beyond-the-data",
        edit(
            SCEN,
            "start = 2021-02-01T00:00:00-06:00\nend = 2021-02-02T00:00:00-06:00",
            "start = 2023-02-01T00:00:00-06:00\nend = 2023-02-02T00:00:00-06:00",
        ),
        V(),
        ("does not cover", "2023-02-01"),
    ),
    Cli(
        "horizon-unknown-key",
        edit(SCEN, "interval_min = 60", "interval_min = 60\nstep_min = 60"),
        V(),
        (S, "[horizon.step_min]", "unknown key"),
    ),
    # [load]
    Cli(
        "load-path-int",
        edit(SCEN, f'path = "../../data/{LOAD}"', "path = 5"),
        V(),
        (S, "[load.path]"),
    ),
    Cli(
        "load-path-folder",
        edit(SCEN, f'path = "../../data/{LOAD}"', 'path = "../../data"'),
        V(),
        ("data", "[load.path]"),
    ),
    Cli(
        "load-column-int", edit(SCEN, 'column = "load_mw"', "column = 5"), V(), (S, "[load.column]")
    ),
    Cli(
        "load-source-bogus",
        edit(SCEN, 'source = "file"', 'source = "api"'),
        V(),
        (S, "[load.source]", "api"),
    ),
    Cli(
        "load-scale-nan",
        edit(SCEN, 'column = "load_mw"', 'column = "load_mw"\nscale = nan'),
        V(),
        (S, "[load.scale]", "nan"),
    ),
    Cli(
        "load-scale-inf",
        edit(SCEN, 'column = "load_mw"', 'column = "load_mw"\nscale = inf'),
        V(),
        (S, "[load.scale]", "inf"),
    ),
    Cli(
        "load-scale-1e308",
        edit(SCEN, 'column = "load_mw"', 'column = "load_mw"\nscale = 1e308'),
        V(),
        (S, "[load.scale]"),
    ),
    Cli(
        "load-scale-negative",
        edit(SCEN, 'column = "load_mw"', 'column = "load_mw"\nscale = -1.0'),
        V(),
        (S, "[load.scale]", "-1"),
    ),
    Cli(
        "load-unit-int",
        edit(SCEN, 'column = "load_mw"', 'column = "load_mw"\nunit = 1000'),
        V(),
        (S, "[load.unit]"),
    ),
    Cli(
        "load-typo-colum",
        edit(SCEN, 'column = "load_mw"', 'colum = "load_mw"'),
        V(),
        (S, "[load.colum]", "Did you mean 'column'?"),
    ),
    # [solver]
    Cli(
        "solver-highs-option-unknown",
        append(SCEN, "[solver.highs_options]\nbogus_option = 1\n"),
        V(),
        (S, "[solver.highs_options]", "bogus_option"),
    ),
    Cli(
        "solver-highs-option-wrong-type",
        append(SCEN, "[solver.highs_options]\npresolve = 5\n"),
        V(),
        (S, "[solver.highs_options]", "presolve"),
    ),
    Cli(
        "solver-time-limit-nan",
        edit(SCEN, 'algorithm = "auto"', 'algorithm = "auto"\ntime_limit_s = nan'),
        V(),
        (S, "[solver.time_limit_s]"),
    ),
    Cli(
        "solver-time-limit-text",
        edit(SCEN, 'algorithm = "auto"', 'algorithm = "auto"\ntime_limit_s = "1 min"'),
        V(),
        (S, "[solver.time_limit_s]", "1 min"),
    ),
    Cli(
        "solver-time-limit-tiny-run",
        edit(SCEN, 'algorithm = "auto"', 'algorithm = "auto"\ntime_limit_s = 1e-6'),
        RUN,
        ("SolverLimitError", "Time limit reached", "time_limit_s"),
        code=4,
    ),
    Cli(
        "solver-algorithm-int",
        edit(SCEN, 'algorithm = "auto"', "algorithm = 2"),
        V(),
        (S, "[solver.algorithm]"),
    ),
    Cli(
        "solver-interface-lp-file",
        edit(SCEN, 'algorithm = "auto"', 'algorithm = "auto"\ninterface = "lp_file"'),
        V(),
        (S, "[solver.interface]", "lp_file"),
    ),
    # [grid]
    Cli(
        "ramp-negative",
        edit(SCEN, "rise_mw_per_min = 6.0", "rise_mw_per_min = -6.0"),
        V(),
        (S, "[grid.ramp.rise_mw_per_min]", "-6"),
    ),
    Cli(
        "ramp-nan",
        edit(SCEN, "fall_mw_per_min = 6.0", "fall_mw_per_min = nan"),
        V(),
        (S, "[grid.ramp.fall_mw_per_min]", "nan"),
    ),
    Cli(
        "ramp-1e308",
        edit(SCEN, "rise_mw_per_min = 6.0", "rise_mw_per_min = 1e308"),
        V(),
        (S, "[grid.ramp.rise_mw_per_min]"),
    ),
    Cli(
        "ramp-typo",
        edit(SCEN, "rise_mw_per_min = 6.0", "rise_mw_per_minute = 6.0"),
        V(),
        (S, "[grid.ramp.rise_mw_per_minute]", "Did you mean 'rise_mw_per_min'?"),
    ),
    Cli(
        "swing-up-negative",
        edit(SCEN, "up_frac = 0.05", "up_frac = -0.05"),
        V(),
        (S, "[grid.swing.up_frac]", "-0.05"),
    ),
    Cli(
        "swing-down-nan",
        edit(SCEN, "down_frac = 0.15", "down_frac = nan"),
        V(),
        (S, "[grid.swing.down_frac]", "nan"),
    ),
    Cli(
        "swing-source-bogus",
        edit(SCEN, 'source = "cluster_model"', 'source = "crystal_ball"'),
        V(),
        (S, "[grid.swing.source]", "crystal_ball"),
    ),
    Cli(
        "reserve-negative",
        edit(SCEN, "up_mw = 50.0", "up_mw = -50.0"),
        V(),
        (S, "[grid.reserve.up_mw]", "-50"),
    ),
    Cli(
        "reserve-inf",
        edit(SCEN, "down_mw = 50.0", "down_mw = inf"),
        V(),
        (S, "[grid.reserve.down_mw]", "inf"),
    ),
    Cli(
        "reserve-sustain-negative",
        edit(SCEN, "sustain_h = 0.25", "sustain_h = -0.25"),
        V(),
        (S, "[grid.reserve.sustain_h]", "-0.25"),
    ),
    Cli(
        "movement-cost-nan",
        edit(SCEN, "movement_cost_usd_per_mw = 1.0", "movement_cost_usd_per_mw = nan"),
        V(),
        (S, "[grid.movement_cost_usd_per_mw]", "nan"),
    ),
    Cli(
        "movement-cost-negative",
        edit(SCEN, "movement_cost_usd_per_mw = 1.0", "movement_cost_usd_per_mw = -1.0"),
        V(),
        (S, "[grid.movement_cost_usd_per_mw]", "-1"),
    ),
    Cli(
        "system-peaks-n-zero",
        edit(SCEN, "n_per_month = 5", "n_per_month = 0"),
        V(),
        (S, "[grid.system_peaks.n_per_month]", "0"),
    ),
    Cli(
        "system-peaks-file-missing",
        edit(SCEN, f"../../data/{SYSLOAD}", "../../data/tva_1999.parquet"),
        V(),
        (S, "[grid.system_peaks.system_load]", "tva_1999.parquet", "not found"),
    ),
    Cli(
        "system-peaks-column-wrong",
        edit(SCEN, 'column = "tva_load_mw"', 'column = "tva_mw"'),
        V(),
        (SYSLOAD, "tva_mw"),
    ),
    Cli(
        "system-peaks-value-nan",
        edit(SCEN, "value_usd_per_mw_month = 0.0", "value_usd_per_mw_month = nan"),
        V(),
        (S, "[grid.system_peaks.value_usd_per_mw_month]", "nan"),
    ),
    # [state], [resilience], [series]
    Cli(
        "state-mtd-peak-negative",
        append(SCEN, '[state]\nmonth_to_date_peak_mw = { "2021-02" = -5.0 }\n'),
        V(),
        (S, "[month_to_date_peak_mw[2021-02]]", "-5.0"),
    ),
    Cli(
        "state-mtd-peak-nan",
        append(SCEN, '[state]\nmonth_to_date_peak_mw = { "2021-02" = nan }\n'),
        V(),
        (S, "[state.month_to_date_peak_mw.2021-02]", "nan"),
    ),
    Cli(
        "state-mtd-peak-bad-month",
        append(SCEN, '[state]\nmonth_to_date_peak_mw = { "February" = 500.0 }\n'),
        V(),
        (S, "[month_to_date_peak_mw]", "February"),
    ),
    Cli(
        "resilience-hours-negative",
        append(SCEN, '[resilience]\ncritical_load = "training_paused"\nhours_h = -4\n'),
        V(),
        (S, "[resilience.hours_h]", "-4"),
    ),
    Cli(
        "resilience-critical-bogus",
        append(SCEN, '[resilience]\ncritical_load = "everything"\nhours_h = 1\n'),
        V(),
        (S, "[resilience.critical_load", "everything"),
    ),
    Cli(
        "resilience-month-13",
        append(
            SCEN, '[resilience]\ncritical_load = "training_paused"\nhours_h = 1\nmonths = [13]\n'
        ),
        V(),
        (S, "[resilience]", "months", "[13]"),
    ),
    Cli(
        "series-import-cap-file-missing",
        append(SCEN, '[series.grid_import_limit_mw]\npath = "caps.csv"\ncolumn = "cap_mw"\n'),
        V(),
        (S, "[series.grid_import_limit_mw", "caps.csv", "not found"),
    ),
    Cli(
        "series-unknown-name",
        append(SCEN, '[series.import_cap_mw]\npath = "caps.csv"\ncolumn = "cap_mw"\n'),
        V(),
        (S, "[series.import_cap_mw]", "unknown key"),
    ),
]

# ====================================================================== TOML: the site
T = "memphis-1gw.toml"
SITE_TOML = [
    Cli(
        "timezone-int",
        edit(SITE, 'timezone = "America/Chicago"', "timezone = -6"),
        V(),
        (T, "[site.timezone]"),
    ),
    Cli(
        "timezone-offset-text",
        edit(SITE, 'timezone = "America/Chicago"', 'timezone = "UTC-6"'),
        V(),
        (T, "timezone", "UTC-6"),
    ),
    Cli(
        "import-limit-nan",
        edit(SITE, "import_limit_mw = 1000.0", "import_limit_mw = nan"),
        V(),
        (T, "[site.import_limit_mw]", "nan"),
    ),
    Cli(
        "import-limit-1e308",
        edit(SITE, "import_limit_mw = 1000.0", "import_limit_mw = 1e308"),
        V(),
        (T, "[site.import_limit_mw]"),
    ),
    Cli(
        "import-limit-negative",
        edit(SITE, "import_limit_mw = 1000.0", "import_limit_mw = -1000.0"),
        V(),
        (T, "[site.import_limit_mw]", "-1000"),
    ),
    Cli(
        "import-limit-text",
        edit(SITE, "import_limit_mw = 1000.0", 'import_limit_mw = "1 GW"'),
        V(),
        (T, "[site.import_limit_mw]", "1 GW"),
    ),
    Cli(
        "export-limit-negative",
        edit(SITE, "export_limit_mw = 0.0", "export_limit_mw = -10.0"),
        V(),
        (T, "[site.export_limit_mw]", "-10"),
    ),
    Cli(
        "export-limit-nan",
        edit(SITE, "export_limit_mw = 0.0", "export_limit_mw = nan"),
        V(),
        (T, "[site.export_limit_mw]", "nan"),
    ),
    Cli(
        "export-policy-bogus",
        edit(SITE, 'export_policy = "none"', 'export_policy = "sometimes"'),
        V(),
        (T, "[site.export_policy]", "sometimes"),
    ),
    Cli(
        "n-units-fraction",
        edit(SITE, "n_units = 900", "n_units = 900.5"),
        V(),
        (T, "[site.battery_groups.0.n_units]", "900.5"),
    ),
    Cli(
        "n-units-text",
        edit(SITE, "n_units = 900", 'n_units = "nine hundred"'),
        V(),
        (T, "[site.battery_groups.0.n_units]", "nine hundred"),
    ),
    Cli(
        "n-units-nan",
        edit(SITE, "n_units = 900", "n_units = nan"),
        V(),
        (T, "[site.battery_groups.0.n_units]", "nan"),
    ),
    Cli(
        "n-units-1e308",
        edit(SITE, "n_units = 900", "n_units = 1e308"),
        V(),
        (T, "[site.battery_groups.0.n_units]"),
    ),
    Cli(
        "n-units-huge-int",
        edit(SITE, "n_units = 900", "n_units = 9000000000000"),
        V(),
        (T, "[site.battery_groups.0.n_units]"),
    ),
    Cli(
        "initial-soc-nan",
        edit(SITE, "initial_soc_frac = 0.5", "initial_soc_frac = nan"),
        V(),
        (T, "[site.battery_groups.0.initial_soc_frac]", "nan"),
    ),
    Cli(
        "availability-above-one",
        edit(SITE, "availability_frac = 1.0", "availability_frac = 1.5"),
        V(),
        (T, "[site.battery_groups.0.availability_frac]", "1.5"),
    ),
    Cli(
        "availability-negative",
        edit(SITE, "availability_frac = 1.0", "availability_frac = -0.1"),
        V(),
        (T, "[site.battery_groups.0.availability_frac]", "-0.1"),
    ),
    Cli(
        "group-name-missing",
        edit(SITE, 'name = "megapack"\n', ""),
        V(),
        (T, "[site.battery_groups.0.name]", "missing"),
    ),
    Cli(
        "group-typo-n-unit",
        edit(SITE, "n_units = 900", "n_unit = 900"),
        V(),
        (T, "[site.battery_groups.0.n_unit]", "Did you mean 'n_units'?"),
    ),
    Cli(
        "group-unit-is-a-folder",
        edit(SITE, 'unit = "../batteries/megapack2xl-4h.toml"', 'unit = "../batteries"'),
        V(),
        ("models/batteries:", "Is a directory"),
    ),
    Cli(
        "cluster-is-a-folder",
        edit(SITE, 'gpu_cluster = "../clusters/gpu-1m.toml"', 'gpu_cluster = "../clusters"'),
        V(),
        ("models/clusters:", "Is a directory"),
    ),
    Cli(
        "site-name-missing",
        edit(SITE, 'name = "memphis-1gw"\n', ""),
        V(),
        (T, "[site.name]", "missing"),
    ),
    Cli(
        "site-schema-0",
        edit(SITE, "schema_version = 1", "schema_version = 0"),
        V(),
        (T, "[schema_version]", "got 0"),
    ),
    Cli("site-random-bytes", write(SITE, RANDOM), V(), (T, "not UTF-8")),
    Cli("site-empty", write(SITE, ""), V(), (T, "[schema_version]")),
    Cli(
        "cluster-pue-nan",
        edit(CLUSTER, "pue = 1.2", "pue = nan"),
        V(),
        ("gpu-1m.toml", "[gpu_cluster.pue]", "nan"),
    ),
    Cli(
        "cluster-n-gpus-negative",
        edit(CLUSTER, "n_gpus = 1_000_000", "n_gpus = -1"),
        V(),
        ("gpu-1m.toml", "[gpu_cluster.n_gpus]", "-1"),
    ),
]

# ====================================================================== TOML: the battery (field x bad value)
B = "megapack2xl-4h.toml"
_BATTERY_FIELDS = {
    "power_charge_max_mw": "0.979",
    "energy_capacity_mwh": "3.916",
    "charge_efficiency_frac": "0.967988",
    "soc_min_frac": "0.05",
    "self_discharge_frac_per_h": "0.00004",
    "aux_load_mw": "0.005",
    "degradation_cost_usd_per_mwh": "10.0",
}
_BAD_NUMBERS = {
    "nan": "got nan",
    "inf": "got inf",
    "1e308": "sane range|less than",
    "negative": "got -",
    "text": "got 'two'",
}
BATTERY_TOML = [
    Cli(
        f"{key}-{label}",
        edit(
            BATT,
            f"{key} = {value}",
            f"{key} = "
            + {
                "nan": "nan",
                "inf": "inf",
                "1e308": "1e308",
                "negative": "-" + value,
                "text": '"two"',
            }[label],
        ),
        V(),
        (B, f"[battery_unit.{key}]", seen),
    )
    for key, value in _BATTERY_FIELDS.items()
    for label, seen in _BAD_NUMBERS.items()
] + [
    Cli(
        "soc-max-above-one",
        edit(BATT, "soc_max_frac = 1.0", "soc_max_frac = 1.2"),
        V(),
        (B, "[battery_unit.soc_max_frac]", "1.2"),
    ),
    Cli(
        "typo-power-charge",
        edit(BATT, "power_charge_max_mw = 0.979", "power_charge_mw = 0.979"),
        V(),
        (B, "[battery_unit.power_charge_mw]", "unknown key"),
    ),
    Cli(
        "name-missing",
        edit(BATT, 'name = "Megapack 2 XL (4 h)"\n', ""),
        V(),
        (B, "[battery_unit.name]", "missing"),
    ),
    Cli(
        "energy-1e308-run",
        edit(BATT, "energy_capacity_mwh = 3.916", "energy_capacity_mwh = 1e308"),
        RUN,
        (B, "[battery_unit.energy_capacity_mwh]"),
    ),
    Cli(
        "power-1e308-run",
        edit(BATT, "power_discharge_max_mw = 0.979", "power_discharge_max_mw = 1e308"),
        RUN,
        (B, "[battery_unit.power_discharge_max_mw]"),
    ),
]

# ====================================================================== TOML: tariffs
U = "tva-mlgw-large-tou.toml"
M = "miso-arkansas-lmp-tva-demand.toml"
TARIFF_TOML = [
    Cli(
        "tou-adder-nan",
        edit(TOU, "adder_usd_per_mwh = 0.0", "adder_usd_per_mwh = nan"),
        V(),
        (U, "[tariff.energy.adder_usd_per_mwh]", "nan"),
    ),
    Cli(
        "tou-adder-nan-run",
        edit(TOU, "adder_usd_per_mwh = 0.0", "adder_usd_per_mwh = nan"),
        RUN,
        (U, "[tariff.energy.adder_usd_per_mwh]", "nan"),
    ),
    Cli(
        "tou-energy-rate-nan",
        edit(TOU, "winter = 48.10", "winter = nan"),
        V(),
        (U, "[tariff.energy.periods", "nan"),
    ),
    Cli(
        "tou-energy-rate-inf",
        edit(TOU, "winter = 48.10", "winter = inf"),
        V(),
        (U, "[tariff.energy.periods", "inf"),
    ),
    Cli(
        "tou-hud-rate-nan",
        edit(TOU, "rate_usd_per_mwh = 35.61", "rate_usd_per_mwh = nan"),
        V(),
        (U, "[tariff.energy.periods.0.hud_tiers", "nan"),
    ),
    Cli(
        "tou-demand-rate-inf",
        edit(TOU, "rate_usd_per_mw = 1710.0", "rate_usd_per_mw = inf"),
        V(),
        (U, "[tariff.facility_demand.periods.0.rate_usd_per_mw", "finite number; got inf"),
    ),
    Cli(
        "tou-demand-rate-inf-run",
        edit(TOU, "rate_usd_per_mw = 1710.0", "rate_usd_per_mw = inf"),
        RUN,
        (U, "[tariff.facility_demand.periods.0.rate_usd_per_mw", "finite number; got inf"),
    ),
    Cli(
        "tou-demand-rate-1e308",
        edit(TOU, "rate_usd_per_mw = 1710.0", "rate_usd_per_mw = 1e308"),
        V(),
        (U, "[tariff.facility_demand.periods.0.rate_usd_per_mw]"),
    ),
    Cli(
        "tou-fuel-11-months",
        edit(TOU, "fuel_by_month_usd_per_mwh = [16.0, ", "fuel_by_month_usd_per_mwh = ["),
        V(),
        (U, "[tariff.energy]", "fuel_by_month_usd_per_mwh needs 12 values", "got 11"),
    ),
    Cli(
        "tou-fuel-nan",
        edit(TOU, "fuel_by_month_usd_per_mwh = [16.0, ", "fuel_by_month_usd_per_mwh = [nan, "),
        V(),
        (U, "[tariff.energy.fuel_by_month_usd_per_mwh", "nan"),
    ),
    Cli(
        "tou-contract-negative",
        edit(TOU, "contract_mw = 910.0", "contract_mw = -910.0"),
        V(),
        (U, "[tariff.contract.contract_mw]", "-910"),
    ),
    Cli(
        "tou-contract-nan",
        edit(TOU, "contract_mw = 910.0", "contract_mw = nan"),
        V(),
        (U, "[tariff.contract.contract_mw]", "nan"),
    ),
    Cli(
        "tou-minimum-billing-above-one",
        edit(TOU, "minimum_billing_frac = 0.6", "minimum_billing_frac = 1.5"),
        V(),
        (U, "[tariff.contract.minimum_billing_frac]", "1.5"),
    ),
    Cli(
        "tou-ratchet-frac-2",
        edit(TOU, "lookback_frac = 0.6", "lookback_frac = 2.0"),
        V(),
        (U, "[tariff.ratchets.0.lookback_frac]", "2"),
    ),
    Cli(
        "tou-season-month-13",
        edit(TOU, "summer = [6, 7, 8, 9]", "summer = [6, 7, 8, 13]"),
        V(),
        (U, "[tariff]", "seasons must hold every calendar month", "13"),
    ),
    Cli(
        "tou-season-month-twice",
        edit(TOU, "summer = [6, 7, 8, 9]", "summer = [6, 7, 8, 9, 10]"),
        V(),
        (U, "[tariff]", "seasons must hold every calendar month", "(6, 7, 8, 9, 10)"),
    ),
    Cli(
        "tou-holiday-rule-bogus",
        edit(TOU, '"memorial_day", ', '"festivus", '),
        V(),
        (U, "[tariff.holiday_rules", "festivus"),
    ),
    Cli(
        "tou-demand-metering-bogus",
        edit(TOU, 'demand_metering = "sliding"', 'demand_metering = "rolling"'),
        V(),
        (U, "[tariff.demand_metering]", "rolling"),
    ),
    Cli(
        "tou-demand-interval-7",
        edit(TOU, "demand_interval_min = 30", "demand_interval_min = 7"),
        V(),
        (U, "[tariff.demand_interval_min]", "7"),
    ),
    Cli(
        "tou-basis-bogus",
        edit(TOU, 'basis = "schedule"', 'basis = "whatever"'),
        V(),
        (U, "[tariff.energy.basis]", "whatever"),
    ),
    Cli(
        "tou-schedule-period-out-of-range",
        edit(
            TOU,
            "  [0,0,0,0,1,1,1,1,1,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0],  # Feb 04:00-10:00\n",
            "  [0,0,0,0,7,1,1,1,1,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0],  # Feb 04:00-10:00\n",
        ),
        V(),
        (U, "[tariff.energy]", "schedule uses period 7"),
    ),
    Cli(
        "tou-schedule-23-hours",
        edit(
            TOU,
            "  [0,0,0,0,1,1,1,1,1,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0],  # Feb 04:00-10:00\n",
            "  [0,0,0,1,1,1,1,1,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0],  # Feb 04:00-10:00\n",
        ),
        V(),
        (U, "[tariff.energy.schedule.weekday]", "24"),
    ),
    Cli(
        "tou-hud-tiers-unsorted",
        edit(TOU, "upper_hours = 400.0", "upper_hours = 100.0"),
        V(),
        (U, "hud_tiers"),
    ),
    Cli(
        "tou-typo-fixed-charge",
        edit(TOU, "fixed_charge_usd_per_month = 1850.0", "fixed_charge_per_month = 1850.0"),
        V(),
        (U, "[tariff.fixed_charge_per_month]", "Did you mean 'fixed_charge_usd_per_month'?"),
    ),
    Cli("tou-two-tables", append(TOU, "[extra]\nx = 1\n"), V(), (U, "[extra]")),
    Cli(
        "simple-adder-nan",
        both(
            simple_tariff,
            edit(SIMPLE, "energy_adder_usd_per_mwh = 0.0", "energy_adder_usd_per_mwh = nan"),
        ),
        V(),
        (M, "[tariff.energy_adder_usd_per_mwh]", "nan"),
    ),
    Cli(
        "simple-demand-inf",
        both(
            simple_tariff,
            edit(SIMPLE, "demand_charge_usd_per_mw = 12750.0", "demand_charge_usd_per_mw = inf"),
        ),
        V(),
        (M, "[tariff.demand_charge_usd_per_mw]", "inf"),
    ),
    Cli(
        "simple-demand-inf-run",
        both(
            simple_tariff,
            edit(SIMPLE, "demand_charge_usd_per_mw = 12750.0", "demand_charge_usd_per_mw = inf"),
        ),
        RUN,
        (M, "[tariff.demand_charge_usd_per_mw]", "inf"),
    ),
    Cli(
        "simple-fixed-negative",
        both(
            simple_tariff,
            edit(
                SIMPLE,
                "fixed_charge_usd_per_month = 1500.0",
                "fixed_charge_usd_per_month = -1500.0",
            ),
        ),
        V(),
        (M, "[tariff.fixed_charge_usd_per_month]", "-1500"),
    ),
    Cli(
        "simple-export-bogus",
        both(
            simple_tariff,
            edit(SIMPLE, 'export_compensation = "none"', 'export_compensation = "barter"'),
        ),
        V(),
        (M, "[tariff.export_compensation]", "barter"),
    ),
    Cli(
        "simple-price-column-int",
        both(simple_tariff, edit(SIMPLE, 'column = "lmp_usd_per_mwh"', "column = 3")),
        V(),
        (M, "[tariff.energy_price.column]"),
    ),
]

# ====================================================================== random bytes, folders as files, empty files
FILES = [
    Cli("scenario-random-bytes", write(SCEN, RANDOM), V(), (S, "not UTF-8")),
    Cli("scenario-empty", write(SCEN, ""), V(), (S, "[schema_version]")),
    Cli(
        "scenario-json-text",
        write(SCEN, json.dumps({"schema_version": 1, "scenario": {"name": "x"}})),
        V(),
        (S, "TOML syntax error"),
    ),
    Cli(
        "scenario-latin1",
        write(SCEN, "schema_version = 1\n# caf\xe9\n".encode("latin-1")),
        V(),
        (S, "not UTF-8", "line 2"),
    ),
    Cli("scenario-is-a-folder", None, V("{root}/models/scenarios"), ("scenarios",)),
    Cli(
        "scenario-is-a-folder-run",
        None,
        ("run", "{root}/models/scenarios", "--out", "{out}"),
        ("scenarios",),
    ),
    Cli("battery-random-bytes", write(BATT, RANDOM), V(), (B, "not UTF-8")),
    Cli("battery-truncated", lambda w: w.write(BATT, w.text(BATT)[:300]), V(), (B,)),
    Cli("cluster-random-bytes", write(CLUSTER, RANDOM), V(), ("gpu-1m.toml", "not UTF-8")),
    Cli("tariff-random-bytes", write(TOU, RANDOM), V(), (U, "not UTF-8")),
    Cli(
        "tariff-json-random-bytes",
        both(
            write("models/tariffs/t.json", RANDOM),
            edit(SCEN, TARIFF_LINE, 'tariff = "../tariffs/t.json"'),
        ),
        V(),
        ("t.json",),
    ),
    Cli("load-parquet-random-bytes", write("data/" + LOAD, RANDOM), V(), (LOAD, "[load.path]")),
    Cli("load-parquet-empty-file", write("data/" + LOAD, b""), V(), (LOAD, "[load.path]")),
    Cli("price-parquet-random-bytes", write("data/" + PRICE, RANDOM), V(), (PRICE,)),
    Cli(
        "load-csv-random-bytes",
        both(write("data/load.csv", RANDOM), edit(SCEN, LOAD, "load.csv")),
        V(),
        ("load.csv", "[load"),
    ),
    Cli(
        "load-path-folder-named-parquet",
        lambda w: (w.p("data/" + LOAD).unlink(), w.p("data/" + LOAD).mkdir()),
        V(),
        (LOAD, "[load.path]", "a folder, not a file"),
    ),
    Cli(
        "load-unsupported-extension",
        both(write("data/load.xlsx", b"PK\x03\x04"), edit(SCEN, LOAD, "load.xlsx")),
        V(),
        ("load.xlsx", "timestamp column missing"),
    ),
    Cli("sysload-random-bytes", write("data/" + SYSLOAD, RANDOM), V(), (SYSLOAD,)),
]


# ====================================================================== series files
def _at(frame: pd.DataFrame, stamp: str = AT) -> int:
    return int(np.flatnonzero(frame["interval_start"] == pd.Timestamp(stamp))[0])


def load_change(
    change: Callable[[pd.DataFrame], pd.DataFrame], name: str = LOAD
) -> Callable[[W], None]:
    return lambda w: w.put(name, change(w.frame(name)))


def value(column: str, v: Any) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(f: pd.DataFrame) -> pd.DataFrame:
        f.loc[_at(f), column] = v
        return f

    return change


def naive(f: pd.DataFrame) -> pd.DataFrame:
    f["interval_start"] = f["interval_start"].dt.tz_localize(None)
    return f


def duplicate(f: pd.DataFrame) -> pd.DataFrame:
    i = _at(f)
    return pd.concat([f.iloc[: i + 1], f.iloc[i : i + 1], f.iloc[i + 1 :]], ignore_index=True)


def gap(f: pd.DataFrame) -> pd.DataFrame:
    i = _at(f)
    return f.drop(index=range(i, i + 3)).reset_index(drop=True)


def unsorted(f: pd.DataFrame) -> pd.DataFrame:
    i = _at(f)
    f.iloc[[i, i + 1]] = f.iloc[[i + 1, i]].to_numpy()
    return f


def as_text(column: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(f: pd.DataFrame) -> pd.DataFrame:
        f[column] = f[column].astype(str)
        f.loc[_at(f), column] = "n/a"
        return f

    return change


def to_csv(w: W) -> None:
    """The load as a CSV with ISO stamps (offsets included), named in the scenario."""
    f = w.frame(LOAD)
    f["interval_start"] = [t.isoformat() for t in f["interval_start"]]
    w.put("load.csv", f)
    w.edit(SCEN, LOAD, "load.csv")


def csv_change(change: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[W], None]:
    def go(w: W) -> None:
        to_csv(w)
        f = pd.read_csv(w.p("data/load.csv"))
        w.put("load.csv", change(f))

    return go


def csv_value(column: str, v: Any) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(f: pd.DataFrame) -> pd.DataFrame:
        if isinstance(v, str):
            f[column] = f[column].astype(object)
        f.loc[int(np.flatnonzero(f["interval_start"] == AT)[0]), column] = v
        return f

    return change


def price_tz_utc(f: pd.DataFrame) -> pd.DataFrame:
    f["interval_start"] = f["interval_start"].dt.tz_convert("UTC")
    return f


L = "[load_mw]"
SERIES = [
    Cli("load-naive", load_change(naive), V(), (LOAD, "[load.timestamp_column]", "no time zone")),
    Cli("load-unsorted", load_change(unsorted), V(), (LOAD, L, "not sorted", f"at {AT}")),
    Cli("load-duplicate", load_change(duplicate), V(), (LOAD, L, "duplicate", f"at {AT}")),
    Cli("load-gap", load_change(gap), V(), (LOAD, L, "gap", f"at {AT}")),
    Cli("load-nan", load_change(value("load_mw", np.nan)), V(), (LOAD, L, "NaN", f"at {AT}")),
    Cli("load-inf", load_change(value("load_mw", np.inf)), V(), (LOAD, L, "inf", f"at {AT}")),
    Cli(
        "load-1e308", load_change(value("load_mw", 1e308)), V(), (LOAD, L, "sane range", f"at {AT}")
    ),
    Cli(
        "load-negative-averaged-away",
        load_change(value("load_mw", -5.0)),
        V(),
        (LOAD, L, "negative", f"at {AT}"),
    ),
    Cli(
        "gpu-negative",
        load_change(value("gpu_load_mw", -5.0)),
        V(),
        (LOAD, "[gpu_load_mw]", "negative", f"at {AT}"),
    ),
    Cli("load-object-dtype", load_change(as_text("load_mw")), V(), (LOAD, "[load.column]", "n/a")),
    Cli(
        "load-wrong-column",
        load_change(lambda f: f.rename(columns={"load_mw": "site_mw"})),
        V(),
        (LOAD, "[load.column]", "load_mw", "site_mw"),
    ),
    Cli(
        "load-timestamps-are-ints",
        load_change(lambda f: f.assign(interval_start=np.arange(len(f)))),
        V(),
        (LOAD, "[load.timestamp_column]"),
    ),
    Cli("load-no-rows", load_change(lambda f: f.iloc[:0]), V(), (LOAD, "no rows")),
    Cli("load-one-row", load_change(lambda f: f.iloc[:1]), V(), (LOAD, L)),
    Cli(
        "gpu-above-load",
        load_change(value("gpu_load_mw", 5000.0)),
        V(),
        (LOAD, "gpu_load_mw", f"at {AT}"),
    ),
    Cli(
        "gpu-nan",
        load_change(value("gpu_load_mw", np.nan)),
        V(),
        (LOAD, "gpu_load_mw", "NaN", f"at {AT}"),
    ),
    Cli(
        "load-scale-inf-names-the-key",
        edit(SCEN, 'column = "load_mw"', 'column = "load_mw"\nscale = 1e306'),
        V(),
        (S, "[load.scale]"),
    ),
    Cli(
        "csv-negative-names-the-csv",
        csv_change(csv_value("load_mw", -5.0)),
        V(),
        ("load.csv", L, "negative", f"at {AT}"),
    ),
    Cli(
        "csv-nan",
        csv_change(csv_value("load_mw", np.nan)),
        V(),
        ("load.csv", L, f"at {AT}|at 2021-02-01T18:00:00+00:00"),
    ),
    Cli(
        "csv-text-value",
        csv_change(csv_value("load_mw", "lots")),
        V(),
        ("load.csv", "[load.column]", "lots"),
    ),
    Cli(
        "csv-naive-stamps",
        csv_change(lambda f: f.assign(interval_start=f["interval_start"].str[:19])),
        V(),
        ("load.csv", "[load.timestamp_column]", "no time zone"),
    ),
    Cli(
        "csv-garbage-stamp",
        csv_change(csv_value("interval_start", "noon")),
        V(),
        ("load.csv", "[load.timestamp_column]", "noon"),
    ),
    Cli(
        "csv-semicolons",
        lambda w: (to_csv(w), w.write("data/load.csv", w.text("data/load.csv").replace(",", ";"))),
        V(),
        ("load.csv", "[load"),
    ),
    Cli(
        "csv-header-only",
        lambda w: (to_csv(w), w.write("data/load.csv", "interval_start,load_mw,gpu_load_mw\n")),
        V(),
        ("load.csv", "no rows"),
    ),
    Cli(
        "price-nan",
        load_change(value("lmp_usd_per_mwh", np.nan), PRICE),
        ("validate", "{scenario}"),
        (PRICE, "NaN"),
    ),
    Cli(
        "price-nan-market",
        load_change(value("lmp_usd_per_mwh", np.nan), PRICE),
        ("run", "{scenario}", "--energy-basis", "market", "--out", "{out}"),
        (PRICE, "NaN", f"at {AT}"),
    ),
    Cli("price-naive", load_change(naive, PRICE), V(), (PRICE, "no time zone")),
    Cli("price-duplicate", load_change(duplicate, PRICE), V(), (PRICE, "duplicate", f"at {AT}")),
    Cli("price-gap", load_change(gap, PRICE), V(), (PRICE, "gap", f"at {AT}")),
    Cli("price-object-dtype", load_change(as_text("lmp_usd_per_mwh"), PRICE), V(), (PRICE, "n/a")),
    Cli(
        "price-1e308",
        both(simple_tariff, load_change(value("lmp_usd_per_mwh", 1e308), PRICE)),
        V(),
        (PRICE, "sane range", f"at {AT}"),
    ),
    Cli(
        "price-minus-1e20-run",
        both(simple_tariff, load_change(value("lmp_usd_per_mwh", -1e20), PRICE)),
        RUN,
        (PRICE, "sane range", f"at {AT}"),
    ),
    Cli(
        "sysload-nan",
        load_change(value("tva_load_mw", np.nan), SYSLOAD),
        V(),
        (SYSLOAD, "NaN", f"at {AT}"),
    ),
]

# ====================================================================== CLI arguments, every command
BILL = (
    "bill",
    "--tariff",
    "{root}/" + TOU,
    "--load",
    "{root}/data/" + LOAD,
    "--start",
    "2021-02-01",
    "--end",
    "2021-02-02",
)
OPER = ("operate", "{scenario}", "--window", "6h", "--step", "1h")
OPER_Y = (
    "operate",
    "{root}/" + YEAR,
    "--start",
    "2021-02-01",
    "--end",
    "2021-02-02",
    "--step-data",
    "60",
    "--window",
    "6h",
    "--step",
    "1h",
)
RES = (
    "resilience",
    "{scenario}",
    "--hours",
    "1",
    "--critical",
    "training_paused",
    "--no-plot",
    "--out",
    "{out}",
)


def a_file(rel: str = "a-file") -> Callable[[W], None]:
    return lambda w: (w.tmp / rel).write_text("not a folder")


def a_schedule(w: W, text: str | bytes) -> None:
    path = w.tmp / "schedule.csv"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)


def run_folder(w: W, *, schedule: bytes | None = None, summary: str | None = None) -> None:
    """A run folder as `run` writes it, then broken."""
    folder = w.tmp / "runfolder"
    folder.mkdir()
    (folder / "summary.json").write_text(
        summary if summary is not None else json.dumps({"scenario": "x"})
    )
    (folder / "schedule.parquet").write_bytes(schedule if schedule is not None else RANDOM)


def not_dask(w: W) -> None:
    """A TCP server that answers like a web server: what a wrong --scheduler port finds."""
    import socket
    import threading

    server = socket.create_server(("127.0.0.1", 0))
    w.port = server.getsockname()[1]

    def serve() -> None:
        server.settimeout(30)
        with server:
            for _ in range(20):
                try:
                    conn, _addr = server.accept()
                except OSError:
                    return
                with conn:
                    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n" * 64)

    threading.Thread(target=serve, daemon=True).start()


CLI = [
    # run
    Cli(
        "run-start-garbage",
        None,
        ("run", "{scenario}", "--start", "garbage", "--out", "{out}"),
        ("--start", "garbage"),
    ),
    Cli(
        "run-end-garbage",
        None,
        ("run", "{scenario}", "--end", "tomorrow", "--out", "{out}"),
        ("--end", "tomorrow"),
    ),
    Cli(
        "run-start-30-feb",
        None,
        ("run", "{scenario}", "--start", "2021-02-30", "--out", "{out}"),
        ("--start", "2021-02-30"),
    ),
    Cli(
        "run-end-before-start",
        None,
        ("run", "{scenario}", "--start", "2021-02-10", "--end", "2021-02-09", "--out", "{out}"),
        ("[horizon.end]", "2021-02-09"),
    ),
    Cli(
        "run-start-beyond-data",
        None,
        ("run", "{scenario}", "--start", "2030-01-01", "--end", "2030-01-02", "--out", "{out}"),
        ("does not cover", "2030-01-01"),
    ),
    Cli(
        "run-step-7",
        None,
        ("run", "{scenario}", "--step", "7", "--out", "{out}"),
        ("--step", "unsupported", "'7'"),
    ),
    Cli(
        "run-step-0",
        None,
        ("run", "{scenario}", "--step", "0", "--out", "{out}"),
        ("--step", "'0'"),
    ),
    Cli(
        "run-step-negative",
        None,
        ("run", "{scenario}", "--step", "-15", "--out", "{out}"),
        ("--step", "-15"),
    ),
    Cli(
        "run-step-nan",
        None,
        ("run", "{scenario}", "--step", "nan", "--out", "{out}"),
        ("--step", "nan"),
    ),
    Cli(
        "run-step-2h",
        None,
        ("run", "{scenario}", "--step", "2h", "--out", "{out}"),
        ("--step", "2h"),
    ),
    Cli(
        "run-step-words",
        None,
        ("run", "{scenario}", "--step", "quarter", "--out", "{out}"),
        ("--step", "quarter"),
    ),
    Cli(
        "run-out-is-a-file",
        a_file(),
        ("run", "{scenario}", "--out", "{tmp}/a-file"),
        ("--out", "a-file", "is a file"),
    ),
    Cli(
        "run-out-below-a-file",
        a_file(),
        ("run", "{scenario}", "--out", "{tmp}/a-file/sub"),
        ("--out", "a-file", "is a file"),
    ),
    Cli("run-interface-bogus", None, (*RUN, "--interface", "bogus"), ("--interface", "bogus")),
    Cli("run-algorithm-bogus", None, (*RUN, "--algorithm", "fastest"), ("--algorithm", "fastest")),
    Cli("run-time-limit-negative", None, (*RUN, "--time-limit-s", "-1"), ("--time-limit-s", "-1")),
    Cli("run-time-limit-nan", None, (*RUN, "--time-limit-s", "nan"), ("--time-limit-s", "nan")),
    Cli(
        "run-time-limit-text",
        None,
        (*RUN, "--time-limit-s", "soon"),
        ("--time-limit-s", "valid number"),
    ),
    Cli(
        "run-time-limit-tiny",
        None,
        (*RUN, "--time-limit-s", "1e-6"),
        ("SolverLimitError", "Time limit reached", "time_limit_s"),
        code=4,
    ),
    Cli(
        "run-energy-basis-bogus", None, (*RUN, "--energy-basis", "spot"), ("--energy-basis", "spot")
    ),
    Cli(
        "run-unknown-builtin",
        None,
        ("run", "defualt", "--out", "{out}"),
        ("defualt", "Did you mean the built-in 'default'?"),
    ),
    Cli(
        "run-unknown-builtin-default-out",
        None,
        ("run", "grid-stabilty"),
        ("grid-stabilty", "Did you mean the built-in 'grid-stability'?"),
    ),
    Cli(
        "run-scenario-missing",
        None,
        ("run", "{root}/models/scenarios/nope.toml", "--out", "{out}"),
        ("nope.toml", "not found"),
    ),
    Cli("run-unknown-option", None, (*RUN, "--colour", "red"), ("--colour",)),
    # validate, list, init, top level
    Cli(
        "validate-unknown-builtin",
        None,
        ("validate", "year-2012"),
        ("year-2012", "Did you mean the built-in 'year-2021'?"),
    ),
    Cli("validate-no-argument", None, ("validate",), ("Missing argument",)),
    Cli("validate-two-arguments", None, ("validate", "default", "extra"), ("extra",)),
    Cli("list-extra-argument", None, ("list", "default"), ("default",)),
    Cli("unknown-command", None, ("runn",), ("runn",)),
    Cli("init-folder-is-a-file", a_file(), ("init", "{tmp}/a-file"), ("a-file", "is a file")),
    Cli(
        "init-folder-below-a-file", a_file(), ("init", "{tmp}/a-file/sub"), ("a-file", "is a file")
    ),
    Cli(
        "init-models-exist",
        lambda w: (w.tmp / "mine" / "models").mkdir(parents=True),
        ("init", "{tmp}/mine"),
        ("models", "already exists"),
    ),
    # bill
    Cli(
        "bill-tariff-unknown-name",
        None,
        ("bill", "--tariff", "tva-mlgw-large-tuo", "--load", LOAD),
        ("--tariff", "Did you mean the built-in 'tva-mlgw-large-tou'?"),
    ),
    Cli(
        "bill-tariff-missing-file",
        None,
        ("bill", "--tariff", "{tmp}/nope.toml", "--load", LOAD),
        ("--tariff", "nope.toml", "not found"),
    ),
    Cli(
        "bill-tariff-random-toml",
        write("models/tariffs/rnd.toml", RANDOM),
        ("bill", "--tariff", "{root}/models/tariffs/rnd.toml", "--load", LOAD),
        ("rnd.toml", "not UTF-8"),
    ),
    Cli(
        "bill-tariff-random-json",
        write("models/tariffs/rnd.json", RANDOM),
        ("bill", "--tariff", "{root}/models/tariffs/rnd.json", "--load", LOAD),
        ("rnd.json",),
    ),
    Cli(
        "bill-tariff-is-a-folder",
        None,
        ("bill", "--tariff", "{root}/models/tariffs", "--load", LOAD),
        ("tariffs",),
    ),
    Cli(
        "bill-load-missing",
        None,
        ("bill", "--tariff", "{root}/" + TOU, "--load", "{tmp}/nope.parquet"),
        ("--load", "nope.parquet", "not found"),
    ),
    Cli(
        "bill-load-random-parquet",
        write("data/rnd.parquet", RANDOM),
        ("bill", "--tariff", "{root}/" + TOU, "--load", "{root}/data/rnd.parquet"),
        ("rnd.parquet",),
    ),
    Cli(
        "bill-load-random-csv",
        write("data/rnd.csv", RANDOM),
        ("bill", "--tariff", "{root}/" + TOU, "--load", "{root}/data/rnd.csv"),
        ("rnd.csv",),
    ),
    Cli(
        "bill-load-is-a-folder",
        None,
        ("bill", "--tariff", "{root}/" + TOU, "--load", "{root}/data"),
        ("data",),
    ),
    Cli("bill-column-wrong", None, (*BILL, "--column", "grid_import_mw"), (LOAD, "grid_import_mw")),
    Cli("bill-timestamp-column-wrong", None, (*BILL, "--timestamp-column", "time"), (LOAD, "time")),
    Cli(
        "bill-start-garbage",
        None,
        (
            "bill",
            "--tariff",
            "{root}/" + TOU,
            "--load",
            "{root}/data/" + LOAD,
            "--start",
            "garbage",
        ),
        ("--start", "garbage"),
    ),
    Cli(
        "bill-end-garbage",
        None,
        ("bill", "--tariff", "{root}/" + TOU, "--load", "{root}/data/" + LOAD, "--end", "later"),
        ("--end", "later"),
    ),
    Cli(
        "bill-end-before-start",
        None,
        (
            "bill",
            "--tariff",
            "{root}/" + TOU,
            "--load",
            "{root}/data/" + LOAD,
            "--start",
            "2021-02-02",
            "--end",
            "2021-02-01",
        ),
        ("--start/--end", LOAD, "2021-02-02 .. 2021-02-01"),
    ),
    Cli(
        "bill-window-outside-data",
        None,
        (
            "bill",
            "--tariff",
            "{root}/" + TOU,
            "--load",
            "{root}/data/" + LOAD,
            "--start",
            "2030-01-01",
            "--end",
            "2030-01-02",
        ),
        ("--start/--end", LOAD, "2030-01-01"),
    ),
    Cli(
        "bill-out-is-a-folder",
        lambda w: (w.tmp / "billdir").mkdir(),
        (*BILL, "--out", "{tmp}/billdir"),
        ("--out", "billdir", "output file is a folder"),
    ),
    Cli(
        "bill-out-below-a-file",
        a_file(),
        (*BILL, "--out", "{tmp}/a-file/bill.csv"),
        ("--out", "a-file", "is a file"),
    ),
    Cli("bill-no-tariff", None, ("bill", "--load", LOAD), ("--tariff",)),
    # operate
    Cli(
        "operate-window-garbage",
        None,
        ("operate", "{scenario}", "--window", "soon"),
        ("--window", "soon"),
    ),
    Cli(
        "operate-window-negative",
        None,
        ("operate", "{scenario}", "--window", "-6h"),
        ("--window", "-6h"),
    ),
    Cli(
        "operate-window-zero", None, ("operate", "{scenario}", "--window", "0h"), ("--window", "0h")
    ),
    Cli(
        "operate-step-garbage",
        None,
        ("operate", "{scenario}", "--step", "hourly"),
        ("--step", "hourly"),
    ),
    Cli(
        "operate-step-longer-than-window",
        None,
        ("operate", "{scenario}", "--window", "2h", "--step", "6h"),
        ("--step", "--window"),
    ),
    Cli(
        "operate-step-not-a-multiple",
        None,
        ("operate", "{scenario}", "--window", "6h", "--step", "90min"),
        ("--step", "90min"),
    ),
    Cli(
        "operate-forecast-bogus",
        None,
        (*OPER, "--forecast", "oracle"),
        ("--forecast", "oracle", "persistence"),
    ),
    Cli("operate-step-data-7", None, (*OPER, "--step-data", "7"), ("--step-data", "'7'")),
    Cli("operate-start-garbage", None, (*OPER, "--start", "garbage"), ("--start", "garbage")),
    Cli(
        "operate-out-is-a-file",
        a_file(),
        (*OPER, "--out", "{tmp}/a-file"),
        ("--out", "a-file", "is a file"),
    ),
    Cli(
        "operate-out-below-a-file",
        a_file(),
        (*OPER, "--out", "{tmp}/a-file/sub"),
        ("--out", "a-file", "is a file"),
    ),
    Cli(
        "operate-unknown-builtin",
        None,
        ("operate", "defualt"),
        ("defualt", "Did you mean the built-in 'default'?"),
    ),
    Cli("operate-seed-text", None, (*OPER, "--seed", "abc"), ("--seed", "valid integer")),
    # sweep
    Cli(
        "sweep-unknown-builtin",
        None,
        ("sweep", "fleet-sise", "--workers", "0"),
        ("fleet-sise", "Did you mean the built-in 'fleet-size'?"),
    ),
    Cli(
        "sweep-missing-file",
        None,
        ("sweep", "{tmp}/nope.toml", "--workers", "0"),
        ("nope.toml", "not found"),
    ),
    Cli("sweep-workers-negative", None, ("sweep", "fleet-size", "--workers", "-1"), ("--workers",)),
    Cli(
        "sweep-workers-and-scheduler",
        None,
        ("sweep", "fleet-size", "--workers", "2", "--scheduler", "tcp://127.0.0.1:9"),
        ("--scheduler", "--workers"),
    ),
    Cli(
        "sweep-scheduler-http-scheme",
        None,
        ("sweep", "fleet-size", "--scheduler", "http://127.0.0.1:1", "--no-progress"),
        ("--scheduler", "cannot reach the dask scheduler", "http://127.0.0.1:1"),
    ),
    Cli(
        "sweep-scheduler-refused",
        None,
        ("sweep", "fleet-size", "--scheduler", "tcp://127.0.0.1:9", "--no-progress"),
        ("--scheduler", "cannot reach the dask scheduler"),
    ),
    Cli(
        "sweep-scheduler-not-dask",
        not_dask,
        ("sweep", "fleet-size", "--scheduler", "tcp://127.0.0.1:{port}", "--no-progress"),
        ("--scheduler", "cannot reach the dask scheduler", "127.0.0.1:{port}"),
    ),
    Cli(
        "sweep-out-is-a-file",
        a_file(),
        ("sweep", "fleet-size", "--workers", "0", "--out", "{tmp}/a-file"),
        ("--out", "a-file", "is a file"),
    ),
    Cli(
        "sweep-out-below-a-file",
        a_file(),
        ("sweep", "fleet-size", "--workers", "0", "--out", "{tmp}/a-file/sub"),
        ("--out", "a-file", "is a file"),
    ),
    Cli(
        "sweep-max-cases",
        None,
        ("sweep", "fleet-size", "--workers", "0", "--max-cases", "10"),
        ("fleet-size.toml", "96 cases", "--max-cases"),
    ),
    Cli(
        "sweep-max-cases-text",
        None,
        ("sweep", "fleet-size", "--max-cases", "many"),
        ("--max-cases", "valid integer"),
    ),
    Cli(
        "sweep-study-random-bytes",
        write("models/studies/rnd.toml", RANDOM),
        ("sweep", "{root}/models/studies/rnd.toml", "--workers", "0"),
        ("rnd.toml", "not UTF-8"),
    ),
    Cli(
        "sweep-study-is-a-folder",
        None,
        ("sweep", "{root}/models/studies", "--workers", "0"),
        ("studies",),
    ),
    # report
    Cli(
        "report-folder-missing", None, ("report", "{tmp}/nope"), ("nope", "no run or study output")
    ),
    Cli(
        "report-folder-empty",
        lambda w: (w.tmp / "empty").mkdir(),
        ("report", "{tmp}/empty"),
        ("empty", "no run or study output"),
    ),
    Cli("report-a-file", a_file(), ("report", "{tmp}/a-file"), ("a-file",)),
    Cli(
        "report-corrupt-schedule", run_folder, ("report", "{tmp}/runfolder"), ("schedule.parquet",)
    ),
    Cli(
        "report-corrupt-summary",
        lambda w: run_folder(w, summary="{not json"),
        ("report", "{tmp}/runfolder"),
        ("summary.json",),
    ),
    Cli(
        "report-corrupt-cases",
        lambda w: (
            (w.tmp / "sweepfolder").mkdir(),
            (w.tmp / "sweepfolder" / "cases.parquet").write_bytes(RANDOM),
        ),
        ("report", "{tmp}/sweepfolder"),
        ("cases.parquet",),
    ),
    # resilience
    Cli(
        "resilience-critical-bogus",
        None,
        (*RES[:-5], "--critical", "everyone", "--out", "{out}"),
        ("--critical", "everyone"),
    ),
    Cli(
        "resilience-critical-zero",
        None,
        (*RES[:-5], "--critical", "0", "--out", "{out}"),
        ("--critical", "'0'"),
    ),
    Cli(
        "resilience-critical-above-one",
        None,
        (*RES[:-5], "--critical", "1.5", "--out", "{out}"),
        ("--critical", "1.5"),
    ),
    Cli(
        "resilience-hours-negative",
        None,
        ("resilience", "{scenario}", "--hours", "-1", "--out", "{out}"),
        ("--hours", "-1"),
    ),
    Cli(
        "resilience-hours-49",
        None,
        ("resilience", "{scenario}", "--hours", "49", "--out", "{out}"),
        ("--hours", "49"),
    ),
    Cli(
        "resilience-hours-text",
        None,
        ("resilience", "{scenario}", "--hours", "four", "--out", "{out}"),
        ("--hours", "four"),
    ),
    Cli(
        "resilience-hours-off-step",
        None,
        ("resilience", "{scenario}", "--hours", "0.1", "--out", "{out}"),
        ("--hours", "0.1"),
    ),
    Cli(
        "resilience-start-garbage",
        None,
        ("resilience", "{scenario}", "--start", "garbage", "--out", "{out}"),
        ("--start", "garbage"),
    ),
    Cli(
        "resilience-step-7",
        None,
        ("resilience", "{scenario}", "--step", "7", "--out", "{out}"),
        ("--step", "'7'"),
    ),
    Cli(
        "resilience-out-is-a-file",
        a_file(),
        ("resilience", "{scenario}", "--hours", "1", "--out", "{tmp}/a-file"),
        ("--out", "a-file", "is a file"),
    ),
    Cli(
        "resilience-generation-negative",
        None,
        ("resilience", "{scenario}", "--onsite-generation-mw", "-5", "--out", "{out}"),
        ("--onsite-generation-mw",),
    ),
    Cli(
        "resilience-unknown-builtin",
        None,
        ("resilience", "defualt"),
        ("defualt", "Did you mean the built-in 'default'?"),
    ),
    # evaluate
    Cli(
        "evaluate-schedule-missing",
        None,
        ("evaluate", "{scenario}", "{tmp}/nope.csv", "--no-compare"),
        ("nope.csv",),
    ),
    Cli(
        "evaluate-schedule-random",
        lambda w: a_schedule(w, RANDOM),
        ("evaluate", "{scenario}", "{tmp}/schedule.csv", "--no-compare"),
        ("schedule.csv",),
    ),
    Cli(
        "evaluate-schedule-no-columns",
        lambda w: a_schedule(w, "interval_start,x\n2021-02-01T00:00:00-06:00,1\n"),
        ("evaluate", "{scenario}", "{tmp}/schedule.csv", "--no-compare"),
        ("schedule has neither battery nor grid columns",),
    ),
    Cli(
        "evaluate-schedule-naive",
        lambda w: a_schedule(
            w,
            "interval_start,charge_mw,discharge_mw\n2021-02-01T00:00:00,0,0\n2021-02-01T01:00:00,0,0\n",
        ),
        ("evaluate", "{scenario}", "{tmp}/schedule.csv", "--no-compare"),
        ("schedule.csv",),
    ),
    Cli(
        "evaluate-unknown-builtin",
        lambda w: a_schedule(
            w, "interval_start,charge_mw,discharge_mw\n2021-02-01T00:00:00-06:00,0,0\n"
        ),
        ("evaluate", "defualt", "{tmp}/schedule.csv"),
        ("defualt", "Did you mean the built-in 'default'?"),
    ),
    Cli(
        "evaluate-violations-csv-folder",
        lambda w: (w.tmp / "vdir").mkdir(),
        ("evaluate", "{scenario}", "{tmp}/nope.csv", "--violations-csv", "{tmp}/vdir"),
        ("--out", "vdir", "output file is a folder"),
    ),
    Cli(
        "evaluate-start-garbage",
        lambda w: a_schedule(
            w,
            "interval_start,charge_mw,discharge_mw\n2021-02-01T00:00:00-06:00,0,0\n2021-02-01T01:00:00-06:00,0,0\n",
        ),
        ("evaluate", "{scenario}", "{tmp}/schedule.csv", "--start", "garbage", "--no-compare"),
        ("--start", "garbage"),
    ),
]

# ====================================================================== studies
STUDY_HEAD = """schema_version = 1
[study]
name = "{name}"
base_scenario = "../scenarios/default.toml"
start = 2021-02-01T00:00:00
end = 2021-02-02T00:00:00
interval_min = 60
"""


def study(body: str, name: str = "s", head: str | None = None) -> Callable[[W], None]:
    return write(
        f"models/studies/{name}.toml",
        (head if head is not None else STUDY_HEAD.format(name=name)) + body,
    )


SW = (
    "sweep",
    "{root}/models/studies/s.toml",
    "--workers",
    "0",
    "--no-progress",
    "--no-plots",
    "--out",
    "{out}",
)
SF = "s.toml"
STUDIES = [
    Cli(
        "duplicate-cases",
        study("[[cases]]\nfleet_units = 900\n[[cases]]\nfleet_units = 900\n"),
        SW,
        (SF, "same inputs"),
    ),
    Cli(
        "fleet-units-text",
        study('[axes]\nfleet_units = ["many", 900]\n'),
        SW,
        (SF, "fleet_units", "many"),
    ),
    Cli(
        "fleet-units-negative",
        study("[axes]\nfleet_units = [-1, 900]\n"),
        SW,
        (SF, "fleet_units", "-1"),
    ),
    Cli(
        "fleet-units-fraction",
        study("[axes]\nfleet_units = [0.5, 900]\n"),
        SW,
        (SF, "fleet_units", "0.5"),
    ),
    Cli(
        "import-limit-text",
        study('[axes]\nimport_limit_mw = ["big"]\n'),
        SW,
        (SF, "import_limit_mw", "big"),
    ),
    Cli(
        "import-limit-nan",
        study("[axes]\nimport_limit_mw = [nan]\n"),
        SW,
        (SF, "import_limit_mw", "nan"),
    ),
    Cli(
        "dotted-value-wrong-type",
        study(
            '[axes]\n"site.battery_groups.0.unit.degradation_cost_usd_per_mwh" = ["cheap", 5.0]\n'
        ),
        SW,
        (SF, "degradation_cost_usd_per_mwh", "cheap"),
    ),
    Cli(
        "dotted-unknown-field",
        study('[axes]\n"site.bogus_field" = [1.0, 2.0]\n'),
        SW,
        (SF, "site.bogus_field"),
    ),
    Cli(
        "dotted-unknown-root",
        study('[axes]\n"weather.temperature" = [1.0, 2.0]\n'),
        SW,
        (SF, "weather.temperature"),
    ),
    Cli("axis-unknown-name", study("[axes]\ncolour = [1, 2]\n"), SW, (SF, "colour")),
    Cli("axis-empty", study("[axes]\nfleet_units = []\n"), SW, (SF, "fleet_units")),
    Cli("axis-a-table", study("[axes]\nfleet_units = { a = 1 }\n"), SW, (SF, "fleet_units")),
    Cli("no-axes-no-cases", study(""), SW, (SF,)),
    Cli(
        "axes-and-cases",
        study("[axes]\nfleet_units = [0, 900]\n[[cases]]\nfleet_units = 100\n"),
        SW,
        (SF, "cases"),
    ),
    Cli(
        "price-year-without-file",
        study("[axes]\nprice_year = [2023]\n"),
        SW,
        (SF, "price_year", "2023"),
    ),
    Cli(
        "price-year-text",
        study(
            '[study.price_files]\n2022 = "../../data/miso_rt_lmp_arkansas_hub_2022.parquet"\n[axes]\nprice_year = ["2022"]\n'
        ),
        SW,
        (SF, "price_year", "2022"),
    ),
    Cli(
        "price-file-missing",
        study(
            '[study.price_files]\n2022 = "../../data/miso_2022.parquet"\n[axes]\nprice_year = [2022]\n'
        ),
        SW,
        ("miso_2022.parquet", "not found"),
    ),
    Cli(
        "price-window-not-covered",
        study(
            '[study.price_files]\n2024 = "../../data/miso_rt_lmp_arkansas_hub_2024.parquet"\n[axes]\nprice_year = [2024]\n',
            head=STUDY_HEAD.format(name="s")
            .replace("2021-02-01T00:00:00", "2021-12-10T00:00:00")
            .replace("2021-02-02T00:00:00", "2021-12-11T00:00:00"),
        ),
        SW,
        ("miso_rt_lmp_arkansas_hub_2024.parquet", "2024-12-10"),
    ),
    Cli(
        "base-scenario-missing",
        study(
            "[axes]\nfleet_units = [0]\n",
            head=STUDY_HEAD.format(name="s").replace(
                "../scenarios/default.toml", "../scenarios/nope.toml"
            ),
        ),
        SW,
        ("nope.toml", "not found"),
    ),
    Cli(
        "base-scenario-unknown-builtin",
        study(
            "[axes]\nfleet_units = [0]\n",
            head=STUDY_HEAD.format(name="s").replace("../scenarios/default.toml", "defualt"),
        ),
        SW,
        ("defualt",),
    ),
    Cli(
        "schema-version-2",
        study(
            "[axes]\nfleet_units = [0]\n",
            head=STUDY_HEAD.format(name="s").replace("schema_version = 1", "schema_version = 2"),
        ),
        SW,
        (SF, "[schema_version]", "got 2"),
    ),
    Cli(
        "typo-study-key",
        study(
            "[axes]\nfleet_units = [0]\n",
            head=STUDY_HEAD.format(name="s").replace("interval_min = 60", "interval_minutes = 60"),
        ),
        SW,
        (SF, "[study.interval_minutes]", "Did you mean 'interval_min'?"),
    ),
    Cli(
        "end-before-start",
        study(
            "[axes]\nfleet_units = [0]\n",
            head=STUDY_HEAD.format(name="s").replace(
                "end = 2021-02-02T00:00:00", "end = 2021-01-02T00:00:00"
            ),
        ),
        SW,
        (SF, "end"),
    ),
    Cli(
        "interval-7",
        study(
            "[axes]\nfleet_units = [0]\n",
            head=STUDY_HEAD.format(name="s").replace("interval_min = 60", "interval_min = 7"),
        ),
        SW,
        (SF, "interval_min", "7"),
    ),
    Cli(
        "name-missing",
        study(
            "[axes]\nfleet_units = [0]\n",
            head=STUDY_HEAD.format(name="s").replace('name = "s"\n', ""),
        ),
        SW,
        (SF, "[study.name]", "missing"),
    ),
    Cli(
        "too-many-cases",
        study(
            "[axes]\nfleet_units = ["
            + ", ".join(str(i) for i in range(100))
            + "]\nprice_multiplier = ["
            + ", ".join(str(1 + i / 100) for i in range(100))
            + "]\n"
        ),
        (*SW, "--max-cases", "1000"),
        (SF, "10,000 cases", "--max-cases"),
    ),
    Cli(
        "case-unknown-key", study("[[cases]]\nfleet_units = 900\ncolour = 1\n"), SW, (SF, "colour")
    ),
    Cli(
        "case-value-text",
        study('[[cases]]\nfleet_units = "many"\n'),
        SW,
        (SF, "fleet_units", "many"),
    ),
    Cli(
        "dotted-all-text",
        study('[axes]\n"grid.ramp.rise_mw_per_min" = ["fast", "slow"]\n'),
        SW,
        (SF, "grid.ramp.rise_mw_per_min", "'fast'", "'slow'"),
    ),
]

# ====================================================================== URDB JSON (through bill --tariff and a scenario)
URDB_NAME = "u.json"


def urdb(change: Callable[[dict], Any]) -> Callable[[W], None]:
    def go(w: W) -> None:
        doc = json.loads(w.text(URDB))
        w.write("models/tariffs/u.json", json.dumps(change(doc)))

    return go


def _set_key(key: str, v: Any) -> Callable[[dict], dict]:
    def change(d: dict) -> dict:
        d[key] = v
        return d

    return change


def _del_key(key: str) -> Callable[[dict], dict]:
    def change(d: dict) -> dict:
        d.pop(key)
        return d

    return change


UB = (
    "bill",
    "--tariff",
    "{root}/models/tariffs/u.json",
    "--load",
    "{root}/data/" + LOAD,
    "--start",
    "2021-02-01",
    "--end",
    "2021-02-02",
)
URDB_CASES = [
    Cli("random-bytes", write("models/tariffs/u.json", RANDOM), UB, (URDB_NAME,)),
    Cli(
        "truncated",
        lambda w: w.write("models/tariffs/u.json", w.text(URDB)[:200]),
        UB,
        (URDB_NAME, "not valid JSON"),
    ),
    Cli("empty-object", write("models/tariffs/u.json", "{}"), UB, (URDB_NAME,)),
    Cli("a-list", write("models/tariffs/u.json", "[1, 2, 3]"), UB, (URDB_NAME,)),
    Cli("a-string", write("models/tariffs/u.json", '"hello"'), UB, (URDB_NAME,)),
    Cli("items-empty", write("models/tariffs/u.json", '{"items": []}'), UB, (URDB_NAME,)),
    Cli(
        "rate-structure-not-a-list",
        urdb(_set_key("energyratestructure", "cheap")),
        UB,
        (URDB_NAME, "energyratestructure"),
    ),
    Cli(
        "rate-text",
        urdb(lambda d: (d["energyratestructure"][0][0].__setitem__("rate", "abc"), d)[1]),
        UB,
        (URDB_NAME, "energyratestructure"),
    ),
    Cli(
        "rate-nan",
        lambda w: w.write(
            "models/tariffs/u.json",
            json.dumps(
                json.loads(w.text(URDB)) | {"energyratestructure": [[{"rate": "NaN"}]]}
            ).replace('"NaN"', "NaN"),
        ),
        UB,
        (URDB_NAME,),
    ),
    Cli(
        "schedule-wrong-shape",
        urdb(_set_key("energyweekdayschedule", [[0] * 24] * 11)),
        UB,
        (URDB_NAME, "energyweekdayschedule"),
    ),
    Cli(
        "schedule-period-out-of-range",
        urdb(lambda d: (d["energyweekdayschedule"][0].__setitem__(0, 99), d)[1]),
        UB,
        (URDB_NAME, "energyweekdayschedule"),
    ),
    Cli(
        "schedule-missing",
        urdb(_del_key("energyweekdayschedule")),
        UB,
        (URDB_NAME, "energyweekdayschedule"),
    ),
    Cli(
        "demand-rate-text",
        urdb(lambda d: (d["demandratestructure"][0][0].__setitem__("rate", "lots"), d)[1]),
        UB,
        (URDB_NAME, "demandratestructure"),
    ),
    Cli(
        "in-a-scenario",
        both(
            write("models/tariffs/u.json", RANDOM),
            edit(SCEN, TARIFF_LINE, 'tariff = "../tariffs/u.json"'),
        ),
        V(),
        (URDB_NAME,),
    ),
]


# ====================================================================== the library
def _sc(w: W, **kw: Any) -> optimizer.Scenario:
    return optimizer.load_scenario(w.p(SCEN), **kw)


def from_series(**change: Any) -> Callable[[W], object]:
    def call(w: W) -> object:
        sc = _sc(w)
        kw: dict[str, Any] = {
            "name": "mine",
            "site": sc.site,
            "tariff": sc.tariff,
            "load_mw": sc.load_mw,
            "price_usd_per_mwh": sc.price_usd_per_mwh,
        }
        for k, v in change.items():
            kw[k] = v(sc) if callable(v) else v
        return optimizer.Scenario.from_series(**kw)

    return call


def optimize_with(**site: Any) -> Callable[[W], object]:
    def call(w: W) -> object:
        sc = _sc(w)
        return optimizer.optimize(sc.replace(site=sc.site.model_copy(update=site)))

    return call


def _naive_index(s: pd.Series) -> pd.Series:
    return s.tz_localize(None)


LIBRARY = [
    Lib(
        "numpy-array-load",
        from_series(load_mw=lambda sc: sc.load_mw.to_numpy()),
        InputError,
        ("load_mw", "pandas"),
    ),
    Lib("list-load", from_series(load_mw=lambda sc: list(sc.load_mw)), InputError, ("load_mw",)),
    Lib(
        "one-column-frame-load",
        from_series(load_mw=lambda sc: sc.load_mw.to_frame()),
        InputError,
        ("load_mw",),
    ),
    Lib(
        "object-dtype-load",
        from_series(
            load_mw=lambda sc: sc.load_mw.astype(object).where(
                sc.load_mw.index != sc.load_mw.index[3], "n/a"
            )
        ),
        InputError,
        ("load_mw",),
    ),
    Lib(
        "object-dtype-price",
        from_series(price_usd_per_mwh=lambda sc: sc.price_usd_per_mwh.astype(str)),
        InputError,
        ("price_usd_per_mwh",),
    ),
    Lib(
        "naive-index",
        from_series(load_mw=lambda sc: _naive_index(sc.load_mw)),
        InputError,
        ("load_mw", "time zone"),
    ),
    Lib(
        "range-index",
        from_series(load_mw=lambda sc: sc.load_mw.reset_index(drop=True)),
        InputError,
        ("load_mw",),
    ),
    Lib(
        "mismatched-price-index",
        from_series(price_usd_per_mwh=lambda sc: sc.price_usd_per_mwh.iloc[:5]),
        InputError,
        ("price_usd_per_mwh",),
    ),
    Lib(
        "price-other-year",
        from_series(
            price_usd_per_mwh=lambda sc: sc.price_usd_per_mwh.set_axis(
                sc.price_usd_per_mwh.index + pd.Timedelta(days=365)
            )
        ),
        InputError,
        ("price_usd_per_mwh",),
    ),
    Lib(
        "nan-load",
        from_series(load_mw=lambda sc: sc.load_mw.where(sc.load_mw.index != sc.load_mw.index[3])),
        InputError,
        ("load_mw", "NaN"),
    ),
    Lib(
        "negative-load",
        from_series(load_mw=lambda sc: -sc.load_mw),
        InputError,
        ("load_mw", "negative"),
    ),
    Lib(
        "duplicate-index",
        from_series(load_mw=lambda sc: pd.concat([sc.load_mw, sc.load_mw.iloc[:1]])),
        InputError,
        ("load_mw",),
    ),
    Lib(
        "empty-series",
        from_series(load_mw=lambda sc: sc.load_mw.iloc[:0]),
        InputError,
        ("load_mw",),
    ),
    Lib(
        "other-zone-mismatch-index",
        from_series(
            load_mw=lambda sc: sc.load_mw.tz_convert("Asia/Tokyo"),
            price_usd_per_mwh=lambda sc: sc.price_usd_per_mwh.iloc[2:],
        ),
        InputError,
        ("price_usd_per_mwh",),
    ),
    Lib(
        "mtd-peak-on-tou",
        from_series(month_to_date_peak_mw={"2021-02": 1.0}),
        InputError,
        ("month_to_date_peak_mw",),
    ),
    Lib(
        "load-scenario-unknown-name",
        lambda w: optimizer.load_scenario("defualt"),
        ModelFileError,
        ("defualt", "Did you mean"),
    ),
    Lib(
        "load-scenario-end-before-start",
        lambda w: _sc(w, start=pd.Timestamp("2021-02-02"), end=pd.Timestamp("2021-02-01")),
        InputError,
        ("end",),
    ),
    Lib("load-scenario-step-7", lambda w: _sc(w, interval_min=7), InputError, ("7",)),
    Lib("infeasible-import-cap", optimize_with(import_limit_mw=10.0), InfeasibleError, ("import",)),
    Lib(
        "infeasible-cap-below-load",
        optimize_with(import_limit_mw=500.0),
        InfeasibleError,
        ("[import_cap]", "import above the interconnection cap", "at 2021-02-01T"),
    ),
]


# ====================================================================== disk faults
@dataclass(frozen=True)
class Disk:
    """A full disk (or another OS refusal) simulated by patching ``patch`` to raise; then ``args``
    (the CLI) or ``call`` (the library). Nothing partial may be left: no ``.tmp``, no half file."""

    id: str
    patch: Callable[[W, pytest.MonkeyPatch], object]
    must: tuple[str, ...]
    args: tuple[str, ...] = ()
    call: Callable[[W], object] | None = None
    allow: tuple[str, ...] = ()  # paths that may stay (a sweep's resume state)
    marks: tuple = ()

    def param(self, category: str) -> Any:
        return pytest.param(category, self, id=f"{category}:{self.id}", marks=self.marks)


def _enospc(*_a: Any, **_k: Any) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def _half_then(err: int) -> Callable[..., None]:
    def writer(path: Any, *_a: Any, **_k: Any) -> None:
        Path(path).write_text("half")
        raise OSError(err, os.strerror(err))

    return writer


def _atomic(target: str, writer: Callable[[Path], object]) -> Callable[[W], object]:
    def call(w: W) -> object:
        from optimizer.io.atomic import write_atomic

        return write_atomic(w.tmp / target, writer)

    return call


def _keeps_old(w: W) -> object:
    from optimizer.io.atomic import write_atomic

    try:
        return write_atomic(w.tmp / "old.json", _half_then(errno.ENOSPC))
    finally:
        assert (w.tmp / "old.json").read_text() == "old"


def _frame_writer(
    method: str, err: int = errno.ENOSPC, after: int = 0
) -> Callable[[W, pytest.MonkeyPatch], None]:
    """Patch ``pandas.DataFrame.<method>`` to write half a file and raise, after ``after`` good calls."""

    def patch(w: W, mp: pytest.MonkeyPatch) -> None:
        real = getattr(pd.DataFrame, method)
        calls = {"n": 0}

        def fake(self: pd.DataFrame, path: Any = None, *a: Any, **k: Any) -> Any:
            calls["n"] += 1
            if calls["n"] <= after or path is None or not isinstance(path, str | os.PathLike):
                return real(self, path, *a, **k)
            return _half_then(err)(path)

        mp.setattr(pd.DataFrame, method, fake)

    return patch


def _path_method(method: str, err: int = errno.ENOSPC) -> Callable[[W, pytest.MonkeyPatch], None]:
    def patch(w: W, mp: pytest.MonkeyPatch) -> None:
        real = getattr(Path, method)

        def fake(self: Path, *a: Any, **k: Any) -> Any:
            if self.name.endswith(".tmp"):
                raise OSError(err, os.strerror(err))
            return real(self, *a, **k)

        mp.setattr(Path, method, fake)

    return patch


NOSPACE = "No space left on device"
DISK = [
    Disk(
        "write-atomic-new-file",
        lambda w, mp: None,
        (NOSPACE, "new.json"),
        call=_atomic("new.json", _half_then(errno.ENOSPC)),
    ),
    Disk(
        "write-atomic-keeps-the-old-file",
        lambda w, mp: None,
        (NOSPACE, "old.json"),
        call=_keeps_old,
    ),
    Disk(
        "write-atomic-permission",
        lambda w, mp: None,
        ("Permission denied", "p.json"),
        call=_atomic("p.json", _half_then(errno.EACCES)),
    ),
    Disk(
        "write-atomic-read-only-fs",
        lambda w, mp: None,
        ("Read-only file system", "r.json"),
        call=_atomic("r.json", _half_then(errno.EROFS)),
    ),
    Disk(
        "write-atomic-fsync",
        lambda w, mp: mp.setattr(os, "fsync", _enospc),
        (NOSPACE, "f.json"),
        call=_atomic("f.json", lambda p: Path(p).write_text("complete")),
    ),
    Disk(
        "write-atomic-rename",
        _path_method("replace"),
        (NOSPACE, "g.json"),
        call=_atomic("g.json", lambda p: Path(p).write_text("complete")),
    ),
    Disk(
        "write-atomic-no-temp-possible",
        lambda w, mp: mp.setattr("tempfile.mkstemp", _enospc),
        (NOSPACE, "t.json"),
        call=_atomic("t.json", lambda p: Path(p).write_text("complete")),
    ),
    Disk(
        "run-schedule-parquet", _frame_writer("to_parquet"), (NOSPACE, "schedule.parquet"), args=RUN
    ),
    Disk("run-schedule-csv", _frame_writer("to_csv"), (NOSPACE, "schedule.csv"), args=RUN),
    Disk("run-summary-json", _path_method("write_text"), (NOSPACE, "summary.json"), args=RUN),
    Disk(
        "bill-out-csv",
        _frame_writer("to_csv"),
        (NOSPACE, "bill.csv"),
        args=(*BILL, "--out", "{tmp}/bill.csv"),
    ),
    Disk(
        "operate-out-parquet",
        _frame_writer("to_parquet"),
        (NOSPACE, "operation.parquet"),
        args=(*OPER_Y, "--out", "{out}"),
    ),
    Disk(
        "operate-out-json",
        _path_method("write_text"),
        (NOSPACE, "operation.json"),
        args=(*OPER_Y, "--out", "{out}"),
    ),
    Disk("resilience-survival-csv", _frame_writer("to_csv"), (NOSPACE, "survival.csv"), args=RES),
    Disk(
        "sweep-case-file",
        _frame_writer("to_parquet"),
        (NOSPACE,),
        args=(
            "sweep",
            "{root}/models/studies/one.toml",
            "--workers",
            "0",
            "--no-progress",
            "--no-plots",
            "--out",
            "{out}",
        ),
        allow=("out", "out/study.json", "out/cases"),
    ),
]


# ====================================================================== the tests
CATALOGUE: dict[str, list[Any]] = {
    "scenario-toml": SCENARIO_TOML,
    "site-toml": SITE_TOML,
    "battery-toml": BATTERY_TOML,
    "tariff-toml": TARIFF_TOML,
    "files": FILES,
    "series": SERIES,
    "cli": CLI,
    "study": STUDIES,
    "urdb": URDB_CASES,
    "library": LIBRARY,
    "disk": DISK,
}


def _params(kind: type) -> list[Any]:
    return [c.param(cat) for cat, cases in CATALOGUE.items() for c in cases if isinstance(c, kind)]


def test_catalogue_size() -> None:
    ids = [f"{cat}:{c.id}" for cat, cases in CATALOGUE.items() for c in cases]
    assert len(ids) == len(set(ids)), "case ids must be distinct"
    assert len(ids) >= 200, len(ids)


def _check_cli(w: W, args: tuple[str, ...], code: int, must: tuple[str, ...]) -> None:
    before = _tree(w.tmp)
    res = runner.invoke(app, [w.fmt(a) for a in args])
    out = res.output
    assert "Traceback" not in out, out
    assert res.exception is None or isinstance(res.exception, SystemExit), (
        f"{res.exception!r}\n{out}"
    )
    assert res.exit_code == code, f"exit {res.exit_code}, expected {code}:\n{out}"
    text = _flat(out)
    for part in must:
        assert any(_flat(w.fmt(alt)) in text for alt in part.split("|")), (
            f"{part!r} missing from:\n{out}"
        )
    after = _tree(w.tmp)
    assert after == before, (
        f"written: {sorted(set(after) - set(before))}, changed: {sorted(k for k in before if after.get(k) != before[k])}"
    )


@pytest.mark.parametrize(("category", "case"), _params(Cli))
def test_cli_bad_input(category: str, case: Cli, ws: W) -> None:
    if case.setup is not None:
        case.setup(ws)
    _check_cli(ws, case.args, case.code, case.must)


@pytest.mark.parametrize(("category", "case"), _params(Lib))
def test_library_bad_input(category: str, case: Lib, ws: W) -> None:
    before = _tree(ws.tmp)
    with pytest.raises(case.exc) as info:
        case.call(ws)
    text = _flat(str(info.value))
    for part in case.must:
        assert part in text, f"{part!r} missing from {type(info.value).__name__}: {info.value}"
    assert _tree(ws.tmp) == before


@pytest.mark.parametrize(("category", "case"), _params(Disk))
def test_disk_fault(category: str, case: Disk, ws: W, monkeypatch: pytest.MonkeyPatch) -> None:
    ws.write(
        "models/studies/one.toml", STUDY_HEAD.format(name="one") + "[axes]\nfleet_units = [0]\n"
    )
    (ws.tmp / "old.json").write_text("old")
    before = _tree(ws.tmp)
    case.patch(ws, monkeypatch)
    if case.call is not None:
        with pytest.raises(OutputPathError) as info:
            case.call(ws)
        text = _flat(str(info.value))
        for part in case.must:
            assert part in text, f"{part!r} missing from {info.value}"
        after = _tree(ws.tmp)
        assert after == before, f"written: {sorted(set(after) - set(before))}"
        return
    res = runner.invoke(app, [ws.fmt(a) for a in case.args])
    monkeypatch.undo()
    out = res.output
    assert "Traceback" not in out, out
    assert res.exception is None or isinstance(res.exception, SystemExit), (
        f"{res.exception!r}\n{out}"
    )
    assert res.exit_code == 2, f"exit {res.exit_code}:\n{out}"
    for part in case.must:
        assert part in _flat(out), f"{part!r} missing from:\n{out}"
    after = _tree(ws.tmp)
    assert not [k for k in after if k.endswith(".tmp")], sorted(after)
    after = {k: v for k, v in after.items() if k not in case.allow}
    assert after == before, f"written: {sorted(set(after) - set(before))}"


# ====================================================================== bugs found by the catalogue: the good paths
def test_bill_out_into_a_new_folder(ws: W) -> None:
    """`bill --out NEW/bill.csv` once printed the bill and then failed: the folder was never made."""
    res = runner.invoke(app, [ws.fmt(a) for a in (*BILL, "--out", "{tmp}/new/bill.csv")])
    assert res.exit_code == 0, res.output
    assert (ws.tmp / "new" / "bill.csv").is_file()


def test_operate_out_into_a_new_folder(ws: W) -> None:
    """`operate --out NEW` once ran every window and then failed: the folder was never made."""
    res = runner.invoke(app, [ws.fmt(a) for a in (*OPER_Y, "--out", "{tmp}/new/op")])
    assert res.exit_code == 0, res.output
    assert {p.name for p in (ws.tmp / "new" / "op").iterdir()} == {
        "operation.parquet",
        "operation.json",
    }


def test_readme_style_model_paths_resolve_outside_the_clone(ws: W) -> None:
    """`sweep models/studies/fleet-size.toml` (the README's form) from a folder without that file
    names the built-in study (it once said "study file not found")."""
    from optimizer.io.builtin import resolve_model_path

    assert (
        resolve_model_path("models/studies/fleet-size.toml", "study")
        == builtin_root() / "models" / "studies" / "fleet-size.toml"
    )
    ws.write("models/studies/fleet-size.toml", "schema_version = 1\n")  # a local copy wins
    assert (
        resolve_model_path(ws.root / "models/studies/fleet-size.toml", "study")
        == (ws.root / "models/studies/fleet-size.toml").resolve()
    )
