"""A catalogue of malformed inputs: each breaks a copy of the built-in default scenario.

Every case runs the CLI as a user would and checks that the run ends with one clear message
(no traceback), the documented exit code (2 bad input, 3 infeasible), and that the message
names the file, the field (``[table.field]``, a series name or a CLI option) and, where
there is one, the timestamp. Cases that reach the solver use a short horizon.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from optimizer.cli.app import app
from optimizer.io import builtin_root

runner = CliRunner()

LOAD = "memphis_1gw_site_load_2021_15min.parquet"
PRICE = "miso_rt_lmp_arkansas_hub_2021.parquet"
DATA_FILES = (LOAD, PRICE, "eia930_tva_system_load_2021.parquet", "ornl_frontier_hpl_power_15s.csv")
SCENARIO = "models/scenarios/default.toml"
SITE = "models/sites/memphis-1gw.toml"
TARIFF = "models/tariffs/miso-arkansas-lmp-tva-demand.toml"  # the simple LMP + demand-charge tariff
TOU = "models/tariffs/tva-mlgw-large-tou.toml"  # the default scenario's tariff-engine tariff
BATTERY = "models/batteries/megapack2xl-4h.toml"
CLUSTER = "models/clusters/gpu-1m.toml"
PROGRAM = "models/programs/tva-ip30.toml"
AT = "2021-02-10T12:00:00-06:00"  # where the series cases plant their defect
SHORT = "start = 2021-02-10T00:00:00-06:00\nend = 2021-02-10T04:00:00-06:00\ninterval_min = 60"


class Workspace:
    """A private copy of ``models/`` and the data the default scenario reads, to break at will."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.scenario = root / SCENARIO

    def text(self, rel: str) -> str:
        return (self.root / rel).read_text()

    def write(self, rel: str, text: str) -> Path:
        p = self.root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
        return p

    def edit(self, rel: str, old: str, new: str) -> None:
        text = self.text(rel)
        assert old in text, f"{old!r} not in {rel}"
        self.write(rel, text.replace(old, new, 1))

    def horizon(self, body: str = SHORT) -> None:
        text = self.text(SCENARIO)
        head, rest = text.split("[horizon]\n", 1)
        self.write(SCENARIO, head + "[horizon]\n" + body + "\n" + rest[rest.index("\n[load]") :])

    def frame(self, name: str) -> pd.DataFrame:
        return pd.read_parquet(self.root / "data" / name)

    def put(self, name: str, frame: pd.DataFrame) -> None:
        p = self.root / "data" / name
        if p.suffix == ".csv":
            frame.to_csv(p, index=False)
        else:
            frame.to_parquet(p)

    def load(self, change: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
        self.put(LOAD, change(self.frame(LOAD)))

    def grid(self, extra: str = "", calendar: str | None = None) -> None:
        """Add an event program and a one-event calendar to a short default scenario."""
        self.horizon()
        rows = (
            calendar
            or f"event_id,program,start,end\nE1,TVA IP30,{AT.replace('12:00', '01:00')},{AT.replace('12:00', '03:00')}\n"
        )
        self.write("models/scenarios/events.csv", rows)
        self.write(
            SCENARIO,
            self.text(SCENARIO)
            + '\n[grid.events]\nprograms = ["../programs/tva-ip30.toml"]\ncalendar = "events.csv"\n'
            + extra,
        )


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pristine")
    src = builtin_root()
    for sub in ("scenarios", "sites", "tariffs", "batteries", "clusters", "programs"):
        shutil.copytree(src / "models" / sub, root / "models" / sub)
    (root / "data").mkdir()
    for name in DATA_FILES:
        shutil.copy(src / "data" / name, root / "data" / name)
    return root


@pytest.fixture
def ws(tmp_path: Path, pristine: Path) -> Workspace:
    shutil.copytree(pristine, tmp_path / "w")
    return Workspace(tmp_path / "w")


@dataclass(frozen=True)
class Case:
    """One malformed input: how to break the workspace, what to run, what the user must see."""

    id: str
    breaks: Callable[[Workspace], object]
    must: tuple[str, ...]  # substrings of the message: the file and the field, at least
    at: str | None = None  # the timestamp the message must name
    code: int = 2
    args: tuple[str, ...] = ("validate", "{scenario}")
    chdir: bool = False
    extra: dict = field(default_factory=dict)


def _set(rel: str, old: str, new: str) -> Callable[[Workspace], None]:
    return lambda w: w.edit(rel, old, new)


def _at(frame: pd.DataFrame, stamp: str = AT) -> int:
    return int(np.flatnonzero(frame["interval_start"] == pd.Timestamp(stamp))[0])


def _value(column: str, value: float) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(f: pd.DataFrame) -> pd.DataFrame:
        f.loc[_at(f), column] = value
        return f

    return change


def _naive(f: pd.DataFrame) -> pd.DataFrame:
    f["interval_start"] = f["interval_start"].dt.tz_localize(None)
    return f


def _duplicate(f: pd.DataFrame) -> pd.DataFrame:
    i = _at(f)
    return pd.concat([f.iloc[: i + 1], f.iloc[i : i + 1], f.iloc[i + 1 :]], ignore_index=True)


def _gap(f: pd.DataFrame) -> pd.DataFrame:
    i = _at(f)
    return f.drop(index=range(i, i + 4)).reset_index(drop=True)


def _unsorted(f: pd.DataFrame) -> pd.DataFrame:
    i = _at(f)
    f.iloc[[i, i + 1]] = f.iloc[[i + 1, i]].to_numpy()
    return f


def _seven_minute(w: Workspace) -> None:
    idx = pd.date_range(
        "2021-01-31T00:00-06:00", "2021-03-02T00:00-06:00", freq="7min", inclusive="left"
    )
    w.put(LOAD, pd.DataFrame({"interval_start": idx, "load_mw": 800.0, "gpu_load_mw": 700.0}))


def _kw(f: pd.DataFrame) -> pd.DataFrame:
    f["load_mw"] *= 1000.0
    f["gpu_load_mw"] *= 1000.0
    return f


def _events_grid(extra: str = "", calendar: str | None = None) -> Callable[[Workspace], None]:
    return lambda w: w.grid(extra, calendar)


def _short(then: Callable[[Workspace], object] | None = None) -> Callable[[Workspace], None]:
    def go(w: Workspace) -> None:
        w.horizon()
        if then is not None:
            then(w)

    return go


def _both(*steps: Callable[[Workspace], object]) -> Callable[[Workspace], None]:
    def go(w: Workspace) -> None:
        for s in steps:
            s(w)

    return go


def _use_simple_tariff(w: Workspace) -> None:
    """Point the default scenario at the simple LMP + demand-charge tariff (cases that break that file)."""
    w.edit(
        SCENARIO,
        'tariff = "../tariffs/tva-mlgw-large-tou.toml"\nenergy_basis = "schedule"',
        'tariff = "../tariffs/miso-arkansas-lmp-tva-demand.toml"',
    )


def _simple(step: Callable[[Workspace], object]) -> Callable[[Workspace], None]:
    return _both(_use_simple_tariff, step)


CASES = [
    # ---- TOML files: syntax, schema_version, unknown/missing/mistyped keys -----------------
    Case(
        "toml-syntax-error",
        _set(SCENARIO, "[horizon]", "[horizon"),
        ("default.toml", "line 27", "column 9"),
    ),
    Case(
        "schema-version-missing",
        _set(SCENARIO, "schema_version = 1\n", ""),
        ("default.toml", "[schema_version]", "missing"),
    ),
    Case(
        "schema-version-2",
        _set(SITE, "schema_version = 1", "schema_version = 2"),
        ("memphis-1gw.toml", "[schema_version]", "got 2"),
    ),
    Case(
        "scenario-unknown-key",
        _set(SCENARIO, 'name = "default"', 'name = "default"\ncolour = "red"'),
        ("default.toml", "[scenario.colour]", "unknown key"),
    ),
    Case(
        "scenario-unknown-table",
        lambda w: w.write(SCENARIO, w.text(SCENARIO) + "\n[extras]\nx = 1\n"),
        ("default.toml", "[extras]", "unknown table"),
    ),
    Case(
        "scenario-missing-key",
        _set(SCENARIO, 'tariff = "../tariffs', 'tarif = "../tariffs'),
        ("default.toml", "[scenario.tariff]", "missing", "[scenario.tarif]"),
    ),
    Case(
        "horizon-table-missing",
        lambda w: w.write(
            SCENARIO,
            w.text(SCENARIO)
            .replace("[horizon]", "# [horizon]")
            .replace("start =", "# start =")
            .replace("end =", "# end =")
            .replace("interval_min =", "# interval_min ="),
        ),
        ("default.toml", "[horizon]", "missing"),
    ),
    Case(
        "horizon-start-mistyped",
        _set(SCENARIO, "start = 2021-02-01T00:00:00-06:00", 'start = "next monday"'),
        ("default.toml", "[horizon.start]", "next monday"),
    ),
    Case(
        "solver-unknown-key",
        _set(SCENARIO, 'algorithm = "auto"', 'algorithm = "auto"\nthreds = 4'),
        ("default.toml", "[solver.threds]", "unknown key"),
    ),
    Case(
        "solver-bad-algorithm",
        _set(SCENARIO, 'algorithm = "auto"', 'algorithm = "fastest"'),
        ("default.toml", "[solver.algorithm]", "fastest"),
    ),
    Case(
        "site-unknown-key",
        _set(SITE, "import_limit_mw = 1000.0", "import_limit_mw = 1000.0\nimport_limit_kw = 1e6"),
        ("memphis-1gw.toml", "[site.import_limit_kw]", "unknown key"),
    ),
    Case(
        "battery-unknown-key",
        _set(BATTERY, "soc_min_frac = 0.05", "soc_min_frac = 0.05\nsoc_floor_frac = 0.1"),
        (
            "megapack2xl-4h.toml",
            "[battery_unit.soc_floor_frac]",
            "unknown key",
            "Did you mean 'soc_min_frac'?",
        ),
    ),
    Case(
        "cluster-unknown-key",
        _set(CLUSTER, "pue = 1.2", "pue = 1.2\ncop = 3.0"),
        ("gpu-1m.toml", "[gpu_cluster.cop]", "unknown key"),
    ),
    Case(
        "tariff-unknown-key",
        _simple(
            _set(
                TARIFF,
                'export_compensation = "none"',
                'export_compensation = "none"\ndemand_ratchet_frac = 0.8',
            )
        ),
        ("miso-arkansas-lmp-tva-demand.toml", "[tariff.demand_ratchet_frac]", "unknown key"),
    ),
    Case(
        "program-unknown-key",
        _both(
            _events_grid(), _set(PROGRAM, "notice_min = 30.0", "notice_min = 30.0\nnotice_h = 0.5")
        ),
        ("tva-ip30.toml", "[event_program.notice_h]", "unknown key"),
    ),
    Case(
        "battery-missing-key",
        _set(BATTERY, "energy_capacity_mwh = 3.916", ""),
        ("megapack2xl-4h.toml", "[battery_unit.energy_capacity_mwh]", "missing"),
    ),
    Case(
        "battery-string-for-float",
        _set(BATTERY, "power_charge_max_mw = 0.979", 'power_charge_max_mw = "979 kW"'),
        ("megapack2xl-4h.toml", "[battery_unit.power_charge_max_mw]", "979 kW"),
    ),
    Case(
        "site-wrong-table-name",
        _set(SITE, "[site]", "[sites]"),
        ("memphis-1gw.toml", "[sites]", "unknown key", "Rename [sites] to [site]"),
    ),
    # ---- physical bounds --------------------------------------------------------------------
    Case(
        "battery-negative-energy",
        _set(BATTERY, "energy_capacity_mwh = 3.916", "energy_capacity_mwh = -3.916"),
        ("megapack2xl-4h.toml", "[battery_unit.energy_capacity_mwh]", "greater than 0"),
    ),
    Case(
        "battery-zero-power",
        _set(BATTERY, "power_discharge_max_mw = 0.979", "power_discharge_max_mw = 0.0"),
        ("megapack2xl-4h.toml", "[battery_unit.power_discharge_max_mw]", "greater than 0"),
    ),
    Case(
        "efficiency-zero",
        _set(BATTERY, "charge_efficiency_frac = 0.967988", "charge_efficiency_frac = 0.0"),
        ("megapack2xl-4h.toml", "[battery_unit.charge_efficiency_frac]", "greater than 0"),
    ),
    Case(
        "efficiency-above-one",
        _set(BATTERY, "discharge_efficiency_frac = 0.967988", "discharge_efficiency_frac = 1.2"),
        ("megapack2xl-4h.toml", "[battery_unit.discharge_efficiency_frac]", "1.2"),
    ),
    Case(
        "soc-band-inverted",
        _both(
            _set(BATTERY, "soc_min_frac = 0.05", "soc_min_frac = 0.9"),
            _set(BATTERY, "soc_max_frac = 1.0", "soc_max_frac = 0.1"),
        ),
        ("megapack2xl-4h.toml", "soc_min_frac", "soc_max_frac", "0.9"),
    ),
    Case(
        "initial-soc-below-band",
        _set(SITE, "initial_soc_frac = 0.5", "initial_soc_frac = 0.01"),
        ("memphis-1gw.toml", "[site.battery_groups.0", "initial_soc_frac", "0.01"),
    ),
    Case(
        "initial-soc-above-one",
        _set(SITE, "initial_soc_frac = 0.5", "initial_soc_frac = 1.5"),
        ("memphis-1gw.toml", "[site.battery_groups.0.initial_soc_frac]", "1.5"),
    ),
    Case(
        "negative-unit-count",
        _set(SITE, "n_units = 900", "n_units = -900"),
        ("memphis-1gw.toml", "[site.battery_groups.0.n_units]", "-900"),
    ),
    Case(
        "zero-import-cap",
        _set(SITE, "import_limit_mw = 1000.0", "import_limit_mw = 0.0"),
        ("memphis-1gw.toml", "[site.import_limit_mw]", "greater than 0"),
    ),
    Case(
        "export-allowed-zero-limit",
        _set(SITE, 'export_policy = "none"', 'export_policy = "allowed"'),
        ("memphis-1gw.toml", "[site", "export_limit_mw"),
    ),
    Case(
        "unknown-time-zone",
        _set(SITE, 'timezone = "America/Chicago"', 'timezone = "Central"'),
        ("memphis-1gw.toml", "[site", "timezone", "Central"),
    ),
    Case(
        "pue-below-one",
        _set(CLUSTER, "pue = 1.2", "pue = 0.8"),
        ("gpu-1m.toml", "[gpu_cluster.pue]", "0.8"),
    ),
    Case(
        "negative-demand-charge",
        _simple(
            _set(
                TARIFF, "demand_charge_usd_per_mw = 12750.0", "demand_charge_usd_per_mw = -12750.0"
            )
        ),
        ("miso-arkansas-lmp-tva-demand.toml", "[tariff.demand_charge_usd_per_mw]", "-12750"),
    ),
    Case(
        "fixed-export-without-price",
        _simple(_set(TARIFF, 'export_compensation = "none"', 'export_compensation = "fixed"')),
        ("miso-arkansas-lmp-tva-demand.toml", "[tariff", "export_price_usd_per_mwh"),
    ),
    Case(
        "duplicate-group-names",
        lambda w: w.write(
            SITE,
            w.text(SITE)
            + '\n[[site.battery_groups]]\nname = "megapack"\nunit = "../batteries/megapack2xl-4h.toml"\nn_units = 10\n',
        ),
        ("memphis-1gw.toml", "[site", "megapack", "unique"),
    ),
    Case(
        "load-unit-unsupported",
        _set(SCENARIO, 'column = "load_mw"', 'column = "load_mw"\nunit = "GW"'),
        ("default.toml", "[load.unit]", "GW"),
    ),
    Case(
        "load-scale-zero",
        _set(SCENARIO, 'column = "load_mw"', 'column = "load_mw"\nscale = 0'),
        ("default.toml", "[load.scale]", "greater than 0"),
    ),
    # ---- horizon ----------------------------------------------------------------------------
    Case(
        "interval-min-7",
        _set(SCENARIO, "interval_min = 15", "interval_min = 7"),
        ("default.toml", "[horizon.interval_min]", "7"),
    ),
    Case(
        "horizon-end-before-start",
        _set(SCENARIO, "end = 2021-03-01T00:00:00-06:00", "end = 2021-01-01T00:00:00-06:00"),
        ("default.toml", "[horizon.end]", "2021-01-01"),
    ),
    Case(
        "dst-ambiguous-naive-start",
        lambda w: w.horizon(
            "start = 2021-11-07T01:30:00\nend = 2021-11-08T00:00:00-06:00\ninterval_min = 15"
        ),
        (
            "default.toml",
            "[horizon.start]",
            "ambiguous",
            "America/Chicago",
            "2021-11-07T01:30:00-05:00",
            "2021-11-07T01:30:00-06:00",
        ),
        at="2021-11-07T01:30:00",
    ),
    Case(
        "dst-nonexistent-naive-start",
        lambda w: w.horizon(
            "start = 2021-03-14T02:30:00\nend = 2021-03-15T00:00:00-05:00\ninterval_min = 15"
        ),
        ("default.toml", "[horizon.start]", "does not exist"),
        at="2021-03-14T02:30:00",
    ),
    # ---- missing files and paths ----------------------------------------------------------
    Case(
        "scenario-file-missing",
        lambda w: setattr(w, "scenario", w.root / "models/scenarios/nope.toml"),
        ("nope.toml", "scenario file not found", "default"),
    ),
    Case(
        "builtin-name-misspelt",
        lambda w: setattr(w, "scenario", "defualt"),
        ("defualt", "scenario file not found", "Did you mean the built-in 'default'?"),
    ),
    Case(
        "site-file-missing",
        _set(SCENARIO, "../sites/memphis-1gw.toml", "../sites/memphis-2gw.toml"),
        ("default.toml", "[scenario.site]", "memphis-2gw.toml", "not found"),
    ),
    Case(
        "tariff-file-missing",
        _set(SCENARIO, "../tariffs/tva", "../tariff/tva"),
        ("default.toml", "[scenario.tariff]", "not found"),
    ),
    Case(
        "battery-file-missing",
        _set(SITE, "megapack2xl-4h.toml", "megapack3-4h.toml"),
        ("memphis-1gw.toml", "[site.battery_groups.0.unit]", "megapack3-4h.toml", "not found"),
    ),
    Case(
        "cluster-file-missing",
        _set(SITE, "../clusters/gpu-1m.toml", "../cluster/gpu-1m.toml"),
        ("memphis-1gw.toml", "[site.gpu_cluster]", "not found"),
    ),
    Case(
        "load-file-missing",
        _set(SCENARIO, LOAD, "site_load.parquet"),
        ("default.toml", "[load.path]", "site_load.parquet", "not found"),
    ),
    Case(
        "price-file-missing",
        _simple(_set(TARIFF, PRICE, "miso_rt_lmp_arkansas_hub_2031.parquet")),
        (
            "miso-arkansas-lmp-tva-demand.toml",
            "[tariff.energy_price.path]",
            "2031.parquet",
            "not found",
        ),
    ),
    Case(
        "program-file-missing",
        _both(_events_grid(), _set(SCENARIO, "tva-ip30.toml", "tva-ip60.toml")),
        ("default.toml", "[grid.events.programs.0]", "tva-ip60.toml", "not found"),
    ),
    Case(
        "calendar-file-missing",
        _both(_events_grid(), _set(SCENARIO, '"events.csv"', '"calendar.csv"')),
        ("default.toml", "[grid.events.calendar]", "calendar.csv", "not found"),
    ),
    Case(
        "load-path-relative-to-cwd",
        _set(SCENARIO, f"../../data/{LOAD}", f"data/{LOAD}"),
        ("default.toml", "[load.path]", "exists relative to the current folder", "../../data/"),
        chdir=True,
    ),
    Case(
        "price-file-not-parquet",
        _simple(lambda w: (w.root / "data" / PRICE).write_bytes(b"PAR1 this is not parquet")),
        (PRICE, "[tariff.energy_price.path]", "cannot read"),
    ),
    # ---- columns ----------------------------------------------------------------------------
    Case(
        "load-column-wrong",
        _set(SCENARIO, 'column = "load_mw"', 'column = "site_load_mw"'),
        (LOAD, "[load.column]", "site_load_mw", "gpu_load_mw"),
    ),
    Case(
        "gpu-column-wrong",
        _set(SCENARIO, 'gpu_column = "gpu_load_mw"', 'gpu_column = "gpu_mw"'),
        (LOAD, "[load.gpu_column]", "gpu_mw"),
    ),
    Case(
        "load-timestamp-column-wrong",
        _set(SCENARIO, 'column = "load_mw"', 'column = "load_mw"\ntimestamp_column = "time"'),
        (LOAD, "[load.timestamp_column]", "time"),
    ),
    # ---- the default's tariff-engine (TOU) tariff and its market exposure --------------------
    Case(
        "tou-tariff-unknown-key",
        _set(
            TOU,
            "prorate_partial_months = false",
            "prorate_partial_months = false\nratchet_frac = 0.8",
        ),
        (
            "tva-mlgw-large-tou.toml",
            "[tariff.ratchet_frac]",
            "unknown key",
            "Did you mean 'ratchets'?",
        ),
    ),
    Case(
        "tou-tariff-misspelt-key",
        _set(TOU, "prorate_partial_months = false", "prorate_partial_month = false"),
        (
            "tva-mlgw-large-tou.toml",
            "[tariff.prorate_partial_month]",
            "unknown key",
            "Did you mean 'prorate_partial_months'?",
        ),
    ),
    Case(
        "tou-negative-demand-rate",
        _set(TOU, "rate_usd_per_mw = 1710.0", "rate_usd_per_mw = -1710.0"),
        ("tva-mlgw-large-tou.toml", "[tariff.facility_demand.periods.0.rate_usd_per_mw]", "-1710"),
    ),
    Case(
        "tou-schedule-11-months",
        _set(TOU, "  [0,0,0,0,1,1,1,1,1,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0],  # Feb 04:00-10:00\n", ""),
        (
            "tva-mlgw-large-tou.toml",
            "[tariff.energy.schedule.weekday]",
            "12 months x 24 hours",
            "11x",
        ),
    ),
    Case(
        "tou-price-file-missing",
        _set(TOU, PRICE, "miso_rt_lmp_arkansas_hub_2031.parquet"),
        (
            "2031.parquet",
            "[tariff.energy.price_series.path]",
            "not found",
            "tva-mlgw-large-tou.toml",
        ),
    ),
    Case(
        "tou-price-column-wrong",
        _set(TOU, 'column = "lmp_usd_per_mwh"', 'column = "lmp"'),
        (
            PRICE,
            "[tariff.energy.price_series.column]",
            "lmp_usd_per_mwh",
            "tva-mlgw-large-tou.toml",
        ),
    ),
    Case(
        "tou-price-file-not-parquet",
        lambda w: (w.root / "data" / PRICE).write_bytes(b"PAR1 this is not parquet"),
        (PRICE, "[tariff.energy.price_series.path]", "cannot read"),
    ),
    Case(
        "energy-basis-unknown",
        _set(SCENARIO, 'energy_basis = "schedule"', 'energy_basis = "lmp"'),
        (
            "default.toml",
            "[scenario.energy_basis]",
            "'market', 'schedule' or 'market_plus_schedule'",
            "lmp",
        ),
    ),
    Case(
        "energy-basis-on-simple-tariff",
        _both(
            _use_simple_tariff,
            _set(
                SCENARIO,
                'tariff = "../tariffs/miso-arkansas-lmp-tva-demand.toml"',
                'tariff = "../tariffs/miso-arkansas-lmp-tva-demand.toml"\nenergy_basis = "schedule"',
            ),
        ),
        (
            "default.toml",
            "[scenario.energy_basis]",
            "tariff-engine tariff",
            "tva-mlgw-large-tou.toml",
        ),
    ),
    Case(
        "energy-basis-option-unknown",
        lambda w: None,
        (
            "default.toml",
            "[--energy-basis]",
            "market | schedule | market_plus_schedule",
            "got spot",
        ),
        args=("run", "{scenario}", "--energy-basis", "spot", "--out", "{out}"),
    ),
    Case(
        "energy-basis-schedule-without-rates",
        _both(
            lambda w: w.write(
                "models/tariffs/lmp-only.toml",
                'schema_version = 1\n[tariff]\nname = "LMP only"\n[tariff.energy]\nbasis = "market"\n[tariff.energy.price_series]\npath = "../../data/'
                + PRICE
                + '"\ncolumn = "lmp_usd_per_mwh"\n',
            ),
            _set(
                SCENARIO,
                'tariff = "../tariffs/tva-mlgw-large-tou.toml"\nenergy_basis = "schedule"',
                'tariff = "../tariffs/lmp-only.toml"\nenergy_basis = "schedule"',
            ),
        ),
        (
            "default.toml",
            "[scenario.energy_basis]",
            "energy basis 'schedule' does not fit",
            "lmp-only.toml has no TOU energy schedule",
        ),
    ),
    Case(
        "price-column-wrong",
        _simple(_set(TARIFF, 'column = "lmp_usd_per_mwh"', 'column = "lmp"')),
        (PRICE, "[tariff.energy_price.column]", "lmp_usd_per_mwh"),
    ),
    # ---- series contents --------------------------------------------------------------------
    Case(
        "load-naive-timestamps",
        lambda w: w.load(_naive),
        (LOAD, "[load.timestamp_column]", "no time zone"),
        at="2021-01-01",
    ),
    Case(
        "price-naive-timestamps-csv",
        _both(
            _use_simple_tariff,
            lambda w: w.put(
                "prices.csv",
                _naive(w.frame(PRICE)).assign(
                    interval_start=lambda f: f["interval_start"].dt.strftime("%Y-%m-%dT%H:%M:%S")
                ),
            ),
            _set(TARIFF, PRICE, "prices.csv"),
        ),
        ("prices.csv", "[tariff.energy_price.timestamp_column]", "no time zone"),
        at="2021-01-01",
    ),
    Case(
        "load-csv-date-only-stamps",
        lambda w: (
            w.write("data/load.csv", "interval_start,load_mw\n2021-02-01,800\n2021-02-02,800\n"),
            w.edit(SCENARIO, LOAD, "load.csv"),
            w.edit(SCENARIO, 'gpu_column = "gpu_load_mw"\n', ""),
        ),
        ("load.csv", "[load.timestamp_column]", "no time zone"),
        at="2021-02-01",
    ),
    Case(
        "load-duplicate-timestamp",
        lambda w: w.load(_duplicate),
        (LOAD, "[load_mw]", "duplicate"),
        at=AT,
    ),
    Case(
        "load-gap",
        lambda w: w.load(_gap),
        (LOAD, "[load_mw]", "gap", "75 min", "4 stamps missing"),
        at=AT,
    ),
    Case("load-unsorted", lambda w: w.load(_unsorted), (LOAD, "[load_mw]", "not sorted"), at=AT),
    Case(
        "load-nan", lambda w: w.load(_value("load_mw", np.nan)), (LOAD, "[load_mw]", "NaN"), at=AT
    ),
    Case(
        "price-inf",
        lambda w: w.put(PRICE, _value("lmp_usd_per_mwh", np.inf)(w.frame(PRICE))),
        (PRICE, "[price_usd_per_mwh]", "inf"),
        at=AT,
    ),
    Case(
        "load-negative",
        lambda w: w.load(_value("load_mw", -5.0)),
        (LOAD, "[load_mw]", "negative"),
        at=AT,
    ),
    Case(
        "load-text-values",
        lambda w: w.load(
            lambda f: f.assign(load_mw=f["load_mw"].astype(str).where(f.index != 5, "n/a"))
        ),
        (LOAD, "[load.column]", "not a number", "n/a"),
        at="2021-01-01T01:15:00-06:00",
    ),
    Case(
        "horizon-before-data",
        lambda w: w.horizon(
            "start = 2020-12-31T00:00:00-06:00\nend = 2021-01-02T00:00:00-06:00\ninterval_min = 60"
        ),
        (LOAD, "[load_mw]", "does not cover"),
        at="2020-12-31T00:00:00-06:00",
    ),
    Case(
        "horizon-after-data",
        lambda w: w.horizon(
            "start = 2021-12-31T00:00:00-06:00\nend = 2022-01-02T00:00:00-06:00\ninterval_min = 60"
        ),
        (LOAD, "[load_mw]", "does not cover"),
        at="2022-01-01T00:00:00-06:00",
    ),
    Case("step-not-dividing", _seven_minute, (LOAD, "[load_mw]", "7 min", "15 min")),
    Case(
        "load-kw-labelled-mw",
        lambda w: w.load(_kw),
        (LOAD, "[load.unit]", "unit mistake", "988 MW"),
    ),
    # ---- events -----------------------------------------------------------------------------
    Case(
        "reduce-to-without-firm-demand",
        _both(_events_grid(), _set(PROGRAM, "firm_demand_mw = 400.0", "")),
        ("tva-ip30.toml", "[event_program", "firm_demand_mw"),
    ),
    Case(
        "event-unknown-program",
        _events_grid(
            calendar=f"event_id,program,start,end\nE1,TVA IP99,{AT},2021-02-10T14:00:00-06:00\n"
        ),
        ("events.csv", "[E1.program]", "TVA IP99", "TVA IP30"),
        at=AT,
    ),
    Case(
        "calendar-naive-times",
        _events_grid(
            calendar="event_id,program,start,end\nE1,TVA IP30,2021-02-10T01:00:00,2021-02-10T03:00:00\n"
        ),
        ("events.csv", "[E1.start]", "UTC offset"),
        at="2021-02-10T01:00:00",
    ),
    Case(
        "calendar-end-before-start",
        _events_grid(
            calendar=f"event_id,program,start,end\nE1,TVA IP30,{AT},2021-02-10T10:00:00-06:00\n"
        ),
        ("events.csv", "E1", "end"),
    ),
    Case(
        "calendar-columns-missing",
        _events_grid(
            calendar=f"id,program,begin,end\nE1,TVA IP30,{AT},2021-02-10T14:00:00-06:00\n"
        ),
        ("events.csv", "event_id", "start"),
    ),
    Case(
        "calendar-bad-date",
        _events_grid(
            calendar="event_id,program,start,end\nE1,TVA IP30,tuesday,2021-02-10T14:00:00-06:00\n"
        ),
        ("events.csv", "[E1.start]", "tuesday"),
    ),
    Case(
        "derive-unknown-program",
        _both(
            _events_grid(),
            lambda w: w.edit(
                SCENARIO,
                'calendar = "events.csv"',
                '[grid.events.derive]\nprogram = "TVA IP31"\nsystem_load = "../../data/eia930_tva_system_load_2021.parquet"',
            ),
        ),
        ("default.toml", "[grid.events.derive.program]", "TVA IP31"),
    ),
    Case(
        "system-load-file-missing",
        _both(
            _events_grid(),
            lambda w: w.edit(
                SCENARIO,
                'calendar = "events.csv"',
                '[grid.events.derive]\nprogram = "TVA IP30"\nsystem_load = "../../data/tva_2021.parquet"',
            ),
        ),
        ("default.toml", "[grid.events.derive.system_load]", "tva_2021.parquet", "not found"),
    ),
    Case(
        "program-reduce-by-incomplete",
        _both(_events_grid(), _set(PROGRAM, 'kind = "reduce_to"', 'kind = "reduce_by"')),
        ("tva-ip30.toml", "[event_program]", "reduction_mw", "baseline_mw"),
    ),
    # ---- more shapes a hand edit produces ---------------------------------------------------
    Case(
        "battery-groups-not-tables",
        lambda w: w.write(
            SITE,
            w.text(SITE)
            .split("[[site.battery_groups]]")[0]
            .replace("export_limit_mw = 0.0", "export_limit_mw = 0.0\nbattery_groups = 5"),
        ),
        ("memphis-1gw.toml", "[site.battery_groups]", "[[site.battery_groups]]"),
    ),
    Case(
        "horizon-year-out-of-range",
        _set(SCENARIO, "start = 2021-02-01T00:00:00-06:00", "start = 1021-02-01T00:00:00-06:00"),
        ("default.toml", "[horizon.start]", "out of range"),
    ),
    Case(
        "scenario-name-not-text",
        _set(SCENARIO, 'name = "default"', "name = 5"),
        ("default.toml", "[scenario.name]", "string"),
    ),
    Case(
        "solver-time-limit-negative",
        _set(SCENARIO, 'algorithm = "auto"', 'algorithm = "auto"\ntime_limit_s = -5'),
        ("default.toml", "[solver.time_limit_s]", "-5"),
    ),
    Case(
        "generator-without-cluster",
        lambda w: (
            w.edit(SITE, 'gpu_cluster = "../clusters/gpu-1m.toml"', ""),
            w.edit(SCENARIO, 'source = "file"', 'source = "generator"'),
        ),
        ("default.toml", "[load.source]", "GPU cluster"),
    ),
    Case(
        "load-csv-header-only",
        lambda w: (
            w.write("data/load.csv", "interval_start,load_mw\n"),
            w.edit(SCENARIO, LOAD, "load.csv"),
            w.edit(SCENARIO, 'gpu_column = "gpu_load_mw"\n', ""),
        ),
        ("load.csv", "[load.column]", "no rows"),
    ),
    Case(
        "load-csv-garbage-stamp",
        lambda w: (
            w.write(
                "data/load.csv",
                "interval_start,load_mw\n2021-02-01T00:00:00-06:00,800\nyesterday,800\n",
            ),
            w.edit(SCENARIO, LOAD, "load.csv"),
            w.edit(SCENARIO, 'gpu_column = "gpu_load_mw"\n', ""),
        ),
        ("load.csv", "[load.timestamp_column]", "unparseable", "yesterday"),
    ),
    # ---- CLI options ------------------------------------------------------------------------
    Case(
        "cli-step-7min",
        lambda w: None,
        ("--step", "unsupported", "7min"),
        args=("run", "{scenario}", "--step", "7min", "--out", "{out}"),
    ),
    Case(
        "cli-step-garbage",
        lambda w: None,
        ("--step", "fortnight"),
        args=("run", "{scenario}", "--step", "fortnight", "--out", "{out}"),
    ),
    Case(
        "cli-step-bad-hours",
        lambda w: None,
        ("--step", "xh"),
        args=("run", "{scenario}", "--step", "xh", "--out", "{out}"),
    ),
    Case(
        "cli-start-garbage",
        lambda w: None,
        ("--start", "garbage"),
        args=("run", "{scenario}", "--start", "garbage", "--out", "{out}"),
    ),
    Case(
        "cli-end-before-start",
        lambda w: None,
        ("default.toml", "[horizon.end]"),
        args=(
            "run",
            "{scenario}",
            "--start",
            "2021-02-10",
            "--end",
            "2021-02-09",
            "--out",
            "{out}",
        ),
    ),
    Case(
        "cli-interface-bogus",
        _short(),
        ("--interface", "bogus", "stdform"),
        args=("run", "{scenario}", "--interface", "bogus", "--out", "{out}"),
    ),
    Case(
        "cli-negative-time-limit",
        _short(),
        ("--time-limit-s", "-1"),
        args=("run", "{scenario}", "--time-limit-s", "-1", "--out", "{out}"),
    ),
    Case(
        "cli-operate-forecast-bogus",
        _short(),
        ("--forecast", "bogus", "persistence"),
        args=("operate", "{scenario}", "--forecast", "bogus"),
    ),
    Case(
        "cli-operate-window-garbage",
        _short(),
        ("--window", "soon"),
        args=("operate", "{scenario}", "--window", "soon"),
    ),
    # ---- infeasible (exit 3): the interval and the amount ----------------------------------
    Case(
        "infeasible-import-cap",
        _short(_set(SITE, "import_limit_mw = 1000.0", "import_limit_mw = 500.0")),
        ("default.toml", "[site.import_limit_mw]", "MW over the cap"),
        at="2021-02-10T0",
        code=3,
        args=("run", "{scenario}", "--out", "{out}"),
        extra={"site": ("n_units = 900", "n_units = 100")},
    ),
    Case(
        "infeasible-import-cap-energy",
        _short(_set(SITE, "import_limit_mw = 1000.0", "import_limit_mw = 10.0")),
        ("default.toml", "[import_cap]", "interconnection", "MW short"),
        at="2021-02-10T0",
        code=3,
        args=("run", "{scenario}", "--out", "{out}"),
    ),
    Case(
        "infeasible-event-cap",
        _events_grid(),
        ("default.toml", "[grid.events.E1]", "cannot be reached", "MW missing"),
        at="2021-02-10T0",
        code=3,
        args=("run", "{scenario}", "--out", "{out}"),
        extra={"site": ("n_units = 900", "n_units = 100")},
    ),
    Case(
        "infeasible-terminal-soc",
        lambda w: (
            w.horizon(SHORT.replace("04:00", "01:00")),
            w.edit(
                SITE, "initial_soc_frac = 0.5", "initial_soc_frac = 0.05\nfinal_soc_min_frac = 1.0"
            ),
        ),
        (
            "default.toml",
            "[site.battery_groups.megapack.final_soc_min_frac]",
            "cannot be reached",
            "MWh",
        ),
        at="2021-02-10T00:00:00-06:00",
        code=3,
        args=("run", "{scenario}", "--out", "{out}"),
    ),
    Case(
        "infeasible-terminal-soc-import",
        _short(
            _set(
                SITE, "initial_soc_frac = 0.5", "initial_soc_frac = 0.05\nfinal_soc_min_frac = 1.0"
            )
        ),
        ("default.toml", "[soc_terminal]", "MWh short"),
        at="2021-02-10T03:00:00-06:00",
        code=3,
        args=("run", "{scenario}", "--out", "{out}"),
    ),
    Case(
        "infeasible-swing-reserve",
        _short(
            lambda w: (
                w.edit(
                    SCENARIO, "up_frac = 0.05\ndown_frac = 0.15", "up_frac = 1.0\ndown_frac = 1.0"
                ),
                w.edit(SCENARIO, "up_mw = 50.0\ndown_mw = 50.0", "up_mw = 500.0\ndown_mw = 500.0"),
            )
        ),
        ("default.toml", "[grid.swing]", "fleet"),
        at="2021-02-10T0",
        code=3,
        args=("run", "{scenario}", "--out", "{out}"),
    ),
    Case(
        "infeasible-ramp",
        _short(
            lambda w: (
                w.edit(
                    SCENARIO,
                    "rise_mw_per_min = 6.0\nfall_mw_per_min = 6.0",
                    "rise_mw_per_min = 0.01\nfall_mw_per_min = 0.01\ninitial_import_mw = 0.0",
                ),
                w.edit(
                    SCENARIO, "up_frac = 0.05\ndown_frac = 0.15", "up_frac = 0.0\ndown_frac = 0.0"
                ),
                w.edit(SCENARIO, "up_mw = 50.0\ndown_mw = 50.0", "up_mw = 0.0\ndown_mw = 0.0"),
            )
        ),
        ("default.toml", "ramp", "MW"),
        at="2021-02-10T0",
        code=3,
        args=("run", "{scenario}", "--out", "{out}"),
        extra={"site": ("n_units = 900", "n_units = 10")},
    ),
]


def _ids() -> list[str]:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)), "case ids must be distinct"
    return ids


def test_catalogue_has_at_least_40_cases():
    assert len(_ids()) >= 40


@pytest.mark.parametrize("case", CASES, ids=_ids())
def test_bad_input_gives_one_clear_message(
    case: Case, ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    case.breaks(ws)
    if "site" in case.extra:
        ws.edit(SITE, *case.extra["site"])
    if case.chdir:
        monkeypatch.chdir(ws.root)
    args = [a.format(scenario=ws.scenario, out=tmp_path / "out") for a in case.args]
    res = runner.invoke(app, args)
    out = res.output
    assert "Traceback" not in out
    assert res.exit_code == case.code, f"exit {res.exit_code} ({res.exception!r}):\n{out}"
    assert not isinstance(res.exception, Exception) or isinstance(res.exception, SystemExit), repr(
        res.exception
    )
    text = " ".join(out.split())  # rich and typer wrap long lines
    for part in case.must:
        assert part in text, f"{part!r} missing from:\n{out}"
    if case.at is not None:
        assert f"at {case.at}" in text, f"timestamp {case.at!r} missing from:\n{out}"
    assert not (tmp_path / "out" / "summary.json").exists()


def test_csv_stamps_whose_offset_changes_at_dst_are_accepted(ws: Workspace):
    """Not a bad input: a CSV written in local time carries -06:00 before the March change and
    -05:00 after it. The loader once rejected such files as "unparseable" (mixed offsets)."""
    prices = ws.frame(PRICE)
    prices["interval_start"] = [t.isoformat() for t in prices["interval_start"]]
    assert prices["interval_start"].str[-6:].nunique() == 2
    ws.put("prices.csv", prices)
    ws.edit(TOU, PRICE, "prices.csv")
    ws.horizon(
        "start = 2021-03-13T00:00:00-06:00\nend = 2021-03-16T00:00:00-05:00\ninterval_min = 60"
    )
    res = runner.invoke(app, ["validate", str(ws.scenario)])
    assert res.exit_code == 0, res.output
    assert "71 intervals" in " ".join(res.output.split())
