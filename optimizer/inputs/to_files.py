"""A Scenario written back to files: the inverse of :func:`optimizer.load_scenario`.

``Scenario.to_dir(path)`` writes::

    path/scenario.toml      [scenario] [horizon] [load] [solver] [grid] [series] [state]
    path/site.toml          [site], battery units and GPU cluster inline
    path/tariff.toml        [tariff]: the simple Tariff, or the TariffSpec (with its state)
    path/series.parquet     every series on the horizon, index interval_start (tz-aware)
    path/programs/*.toml    one [event_program] per utility programme (when there are events)
    path/events.csv         the called events (event_id, program, start, end)

Nothing is dropped silently: what the TOML schema cannot say (a field whose ``None`` would
read back as its non-``None`` default) is refused with an :class:`~optimizer.errors.InputError`.
The notes are not written (the reader writes its own). This module is the one place in the
inputs layer that writes files; reading stays in :mod:`optimizer.io`, which sits above it and
cannot be imported from here.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel

from optimizer.errors import InputError, Issue
from optimizer.inputs.tariff import facility_peaks_mw

# The Scenario is passed in, never imported: optimizer.inputs.scenario calls this module, and the
# import contract forbids a cycle between the two. Annotations say ``Any``.
Scenario = Any

SERIES_FILE = "series.parquet"
SERIES_NAMES = (
    "load_mw",
    "price_usd_per_mwh",
    "gpu_load_mw",
    "swing_up_mw",
    "swing_down_mw",
    "grid_import_limit_mw",
    "grid_export_limit_mw",
    "sell_price_usd_per_mwh",
)
"""Every Series-valued field of a Scenario, written to :data:`SERIES_FILE` under the same names
(``Scenario`` reads this tuple as ``SERIES_FIELDS``)."""
_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


# ------------------------------------------------------------------ TOML text
def _key(k: object) -> str:
    text = str(k)
    return text if _BARE.match(text) else json.dumps(text, ensure_ascii=False)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + " }"
    msg = f"cannot write {type(v).__name__} to TOML"
    raise TypeError(msg)


def toml_text(doc: dict[str, Any]) -> str:
    """TOML 1.0 text of ``doc``: scalars first, nested dicts as ``[table]`` sections, dicts inside
    lists inline. ``None`` values must have been removed."""
    lines: list[str] = []

    def table(prefix: str, d: dict[str, Any]) -> None:
        if prefix:
            lines.append(f"\n[{prefix}]")
        for k, v in d.items():
            if not isinstance(v, dict):
                lines.append(f"{_key(k)} = {_value(v)}")
        for k, v in d.items():
            if isinstance(v, dict):
                table(f"{prefix}.{_key(k)}" if prefix else _key(k), v)

    table("", doc)
    return "\n".join(lines).lstrip("\n") + "\n"


# ------------------------------------------------------------------ models -> dicts
def _lost_nones(model: BaseModel, where: str) -> list[Issue]:
    """Fields set to None whose default is not None: a TOML (which has no null) cannot say them."""
    issues = []
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        if value is None and info.default is not None and not info.is_required():
            issues.append(
                Issue(
                    "cannot be written to TOML",
                    field=f"{where}.{name}",
                    expected=f"a value (a TOML file without it reads {info.default!r})",
                    got="None",
                    fix="Set a value, or keep the scenario in Python",
                )
            )
        elif isinstance(value, BaseModel):
            issues += _lost_nones(value, f"{where}.{name}")
        elif isinstance(value, tuple):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    issues += _lost_nones(item, f"{where}.{name}.{i}")
    return issues


def _drop_none(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _drop_none(v) for k, v in x.items() if v is not None}
    if isinstance(x, list):
        return [_drop_none(v) for v in x]
    return x


def _dump(model: BaseModel, **exclude: Any) -> dict[str, Any]:
    return _drop_none(model.model_dump(mode="json", **exclude))


def _source(column: str) -> dict[str, str]:
    return {"path": SERIES_FILE, "column": column, "timestamp_column": "interval_start"}


# ------------------------------------------------------------------ the writer
def write_scenario_dir(scenario: Scenario, path: Path) -> Path:
    """Write ``scenario`` into the folder ``path`` (see the module docstring); returns the TOML.

    Raises
    ------
    InputError
        A value the TOML schema cannot hold; every one listed, nothing written.
    """
    sc = scenario
    issues = _refusals(sc)
    if issues:
        raise InputError(issues=issues)
    path.mkdir(parents=True, exist_ok=True)
    _write_series(sc, path)
    (path / "site.toml").write_text(
        toml_text({"schema_version": 1, "site": _dump(sc.site)}), encoding="utf-8"
    )
    (path / "tariff.toml").write_text(
        toml_text({"schema_version": 1, "tariff": _tariff(sc)}), encoding="utf-8"
    )
    step = pd.Timedelta(minutes=sc.interval_min)
    doc: dict[str, Any] = {
        "schema_version": 1,
        "scenario": {"name": sc.name, "site": "site.toml", "tariff": "tariff.toml"},
        "horizon": {
            "start": sc.index[0].to_pydatetime(),
            "end": (sc.index[-1] + step).to_pydatetime(),
            "interval_min": sc.interval_min,
        },
        "load": {"source": "file", **_source("load_mw"), "unit": "MW", "scale": 1.0},
        "solver": _dump(sc.options),
    }
    if sc.gpu_load_mw is not None:
        doc["load"]["gpu_column"] = "gpu_load_mw"
    tables = {
        "grid": _grid_table(sc, path),
        "series": _series_table(sc),
        "state": _state_table(sc),
    }
    doc.update({name: table for name, table in tables.items() if table})
    out = path / "scenario.toml"
    out.write_text(toml_text(doc), encoding="utf-8")
    return out


def _refusals(sc: Scenario) -> list[Issue]:
    """What the TOML schema cannot say about ``sc`` (nothing is written when any)."""
    issues = _lost_nones(sc.site, "site") + _lost_nones(sc.options, "solver")
    tariff = sc.tariff if sc.has_simple_tariff else sc.tariff_spec
    issues += _lost_nones(tariff, "tariff")
    for name in ("ramp", "reserve", "flexible_load"):
        part = getattr(sc.grid, name)
        if part is not None:
            issues += _lost_nones(part, f"grid.{name}")
    if sc.interval_min not in (1, 5, 15, 30, 60):
        issues.append(
            Issue(
                "step not supported by [horizon]",
                field="horizon.interval_min",
                got=str(sc.interval_min),
            )
        )
    return issues


def _write_series(sc: Scenario, path: Path) -> None:
    """``series.parquet``: every series of ``sc`` on the horizon."""
    frame = pd.DataFrame(index=sc.index)
    frame.index.name = "interval_start"
    for name in SERIES_NAMES:
        series = getattr(sc, name)
        if series is not None:
            frame[name] = series.to_numpy(dtype=float)
    for group, series in sc.availability_frac.items():
        frame[f"availability_frac_{group}"] = series.to_numpy(dtype=float)
    frame.to_parquet(path / SERIES_FILE)


def _grid_table(sc: Scenario, path: Path) -> dict[str, Any]:
    """The ``[grid]`` table (events and system peaks written beside it); empty when none."""
    grid = {
        name: _dump(getattr(sc.grid, name))
        for name in ("ramp", "reserve", "flexible_load")
        if getattr(sc.grid, name) is not None
    }
    if sc.grid.movement_cost_usd_per_mw:
        grid["movement_cost_usd_per_mw"] = float(sc.grid.movement_cost_usd_per_mw)
    if sc.grid.programs:
        grid["events"] = _write_events(sc, path)
    if sc.grid.system_peaks is not None:
        grid["system_peaks"] = _write_system_peaks(sc, path)
    return grid


def _series_table(sc: Scenario) -> dict[str, Any]:
    """The ``[series]`` table: caps, swing and availability read from ``series.parquet``."""
    table: dict[str, Any] = {
        name: _source(name)
        for name in ("grid_import_limit_mw", "grid_export_limit_mw", "swing_up_mw", "swing_down_mw")
        if getattr(sc, name) is not None
    }
    if sc.availability_frac:
        table["availability_frac"] = {
            g: _source(f"availability_frac_{g}") for g in sc.availability_frac
        }
    return table


def _state_table(sc: Scenario) -> dict[str, Any]:
    """The ``[state]`` table: a simple tariff's month-to-date peaks (a spec keeps its own)."""
    peaks = facility_peaks_mw(sc.tariff_spec) if sc.has_simple_tariff else {}
    return {"month_to_date_peak_mw": peaks} if peaks else {}


def _tariff(sc: Scenario) -> dict[str, Any]:
    """The ``[tariff]`` table: the simple tariff, or the spec (price series in series.parquet)."""
    if sc.has_simple_tariff:
        table = _dump(sc.tariff, exclude={"energy_price", "sell_price"})
        table["energy_price"] = _source("price_usd_per_mwh")
        if sc.sell_price_usd_per_mwh is not None:
            table["sell_price"] = _source("sell_price_usd_per_mwh")
        return table
    spec = sc.tariff_spec
    energy = spec.energy.model_copy(update={"price_series": None})
    coincident = spec.coincident_peak
    if coincident is not None:  # the candidates were filled in from the source; keep them only
        coincident = coincident.model_copy(update={"source": None})
    table = _dump(spec.model_copy(update={"energy": energy, "coincident_peak": coincident}))
    table["energy"]["price_series"] = _source("price_usd_per_mwh")
    return table


def _write_system_peaks(sc: Scenario, path: Path) -> dict[str, Any]:
    """``system_peaks.csv`` (the tightest hours and their system load); returns the table.

    Re-read, the same hours are the tightest of the file. A valued system peak is already a
    coincident charge of the written tariff, so the table is written with no value of its own
    (valuing it again would charge it twice).
    """
    peaks = sc.grid.system_peaks
    frame = pd.DataFrame(
        {
            "interval_start": [pd.Timestamp(h).isoformat() for h in peaks.hours],
            "tva_load_mw": list(peaks.system_load_mw),
        }
    )
    frame.to_csv(path / "system_peaks.csv", index=False)
    return {
        "system_load": "system_peaks.csv",
        "column": "tva_load_mw",
        "n_per_month": peaks.n_per_month,
        "value_usd_per_mw_month": 0.0,
        "attribution": peaks.source,
    }


def _write_events(sc: Scenario, path: Path) -> dict[str, Any]:
    """``programs/<n>.toml`` and ``events.csv``; returns the ``[grid.events]`` table."""
    folder = path / "programs"
    folder.mkdir(exist_ok=True)
    names = []
    for i, program in enumerate(sc.grid.programs):
        name = f"programs/program-{i}.toml"
        (path / name).write_text(
            toml_text({"schema_version": 1, "event_program": _dump(program)}), encoding="utf-8"
        )
        names.append(name)
    rows = [
        {
            "event_id": e.event_id,
            "program": e.program,
            "start": e.start.isoformat(),
            "end": e.end.isoformat(),
        }
        for e in sc.grid.events
    ]
    pd.DataFrame(rows, columns=["event_id", "program", "start", "end"]).to_csv(
        path / "events.csv", index=False
    )
    return {"programs": names, "calendar": "events.csv"}


__all__ = ["SERIES_FILE", "toml_text", "write_scenario_dir"]
