"""Reading a scenario TOML and everything it names (site, tariff, load, grid rules, events).

Paths inside a TOML file are resolved relative to that file. Errors name the file, the
``table.field`` and the fix, and list every problem at once.
"""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import Field, ValidationError, field_validator

from optimizer.errors import Issue, ModelFileError, TimeSeriesError
from optimizer.frozen import FrozenModel
from optimizer.inputs.assets import Site
from optimizer.inputs.economics import Sizing
from optimizer.inputs.events import derive_event_calendar, read_event_calendar, tightest_hours
from optimizer.inputs.grid import (
    EventProgram,
    FlexibleLoad,
    FrequencyReserve,
    GridRules,
    RampLimit,
    SwingBuffer,
    SystemPeaks,
)
from optimizer.inputs.options import SolverOptions
from optimizer.inputs.resilience import Resilience
from optimizer.inputs.scenario import Scenario
from optimizer.inputs.tariff import EngineTariff, Tariff, spec_from_tariff
from optimizer.inputs.timeseries import (
    ALLOWED_INTERVAL_MIN,
    check_series,
    make_index,
    read_series,
    to_horizon,
)
from optimizer.io.builtin import builtin_scenario, list_builtin_scenarios
from optimizer.io.models import load_event_program, load_site, load_tariff
from optimizer.io.tariff_file import load_tariff_spec
from optimizer.io.toml import _require, _series, issues_from_validation, read_toml
from optimizer.loads.gpu_profile import GpuProfileParams, generate_site_load
from optimizer.loads.swing import swing_from_cluster, swing_from_telemetry
from optimizer.tariffs.spec import (
    CandidateHour,
    CoincidentPeakCharge,
    PriceSeriesSource,
    TariffSpec,
)


class _Table(FrozenModel):
    """A table of the scenario TOML."""


class ScenarioTable(_Table):
    """``[scenario]``: name and the models it combines (paths relative to the TOML)."""

    name: str
    description: str = ""
    site: str
    tariff: str
    energy_basis: Literal["market", "schedule", "market_plus_schedule"] | None = Field(
        default=None,
        description="Overrides the tariff's [tariff.energy] basis (tariff-engine tariffs only): "
        "'market' = the tariff's price series (LMP) + adder, 'schedule' = its TOU energy rates + adder, "
        "'market_plus_schedule' = both.",
    )


class HorizonTable(_Table):
    """``[horizon]``: ``[start, end)`` as TOML offset date-times, and the step [min]."""

    start: dt.datetime
    end: dt.datetime
    interval_min: Literal[1, 5, 15, 30, 60] = 15

    @field_validator("start", "end", mode="before")
    @classmethod
    def _not_a_number(cls, value: Any) -> Any:
        """A number is not a date (pydantic would read 20210201 as seconds since 1970)."""
        if isinstance(value, int | float) and not isinstance(value, bool):
            msg = f"a number is not a date-time; expected a TOML date-time such as 2021-02-01T00:00:00-06:00, got {value!r}"
            raise ValueError(msg)
        return value


class LoadTable(_Table):
    """``[load]``: the site load from a file (telemetry at any step >= 1 s) or the generator."""

    source: Literal["file", "generator"]
    path: str | None = None
    column: str = "load_mw"
    gpu_column: str | None = None
    timestamp_column: str = "interval_start"
    scale: float = Field(
        default=1.0, gt=0, description="Multiplier applied to the file's values [-]."
    )
    unit: Literal["MW", "kW", "W"] = "MW"
    generator: dict[str, Any] = Field(default_factory=dict)
    attribution: str = ""


class DeriveEventsTable(_Table):
    """``[grid.events.derive]``: call events on the tightest days of a system-load series."""

    program: str
    system_load: str = Field(
        description="Parquet/CSV of hourly system load (relative to the TOML)."
    )
    column: str = "tva_load_mw"
    timestamp_column: str = "interval_start"
    threshold_quantile: float = Field(default=0.95, gt=0, lt=1)
    duration_h: float = Field(default=2.0, ge=1 / 60, le=24, description="Event length [h].")
    lead_h: float = Field(
        default=1.0, ge=0, le=24, description="Start this long before the peak hour [h]."
    )
    max_events: int | None = Field(default=None, ge=0)


class EventsTable(_Table):
    """``[grid.events]``: program models, and a calendar CSV or a derivation rule."""

    programs: list[str] = Field(default_factory=list)
    calendar: str | None = None
    derive: DeriveEventsTable | None = None


class SystemPeaksTable(_Table):
    """``[grid.system_peaks]``: the utility's tightest hours, reported, optionally valued."""

    system_load: str = Field(description="Hourly system load Parquet/CSV (relative to the TOML).")
    column: str = "tva_load_mw"
    timestamp_column: str = "interval_start"
    n_per_month: int = Field(default=5, ge=1, le=31)
    value_usd_per_mw_month: float = Field(default=0.0, ge=0)
    attribution: str = ""


class GridTable(_Table):
    """``[grid]``: families 8-13."""

    movement_cost_usd_per_mw: float | None = None  # family 13; default and bounds in GridRules
    ramp: RampLimit | None = None
    swing: SwingBuffer | None = None
    reserve: FrequencyReserve | None = None
    flexible_load: FlexibleLoad | None = None
    events: EventsTable | None = None
    system_peaks: SystemPeaksTable | None = None


class SeriesTable(_Table):
    """``[series]``: time-varying inputs, each a column of a CSV/Parquet file (path relative to the TOML).

    ``grid_import_limit_mw`` / ``grid_export_limit_mw`` replace the site's caps per interval
    (``inf`` in the file: no cap); ``swing_up_mw`` / ``swing_down_mw`` give the swing
    envelope directly (instead of ``[grid.swing]``); ``availability_frac.<group>`` is the
    share of a battery group's units in service per interval.
    """

    grid_import_limit_mw: PriceSeriesSource | None = None
    grid_export_limit_mw: PriceSeriesSource | None = None
    swing_up_mw: PriceSeriesSource | None = None
    swing_down_mw: PriceSeriesSource | None = None
    availability_frac: dict[str, PriceSeriesSource] = Field(default_factory=dict)


class StateTable(_Table):
    """``[state]``: what the bill already knows before the horizon (simple tariff).

    ``month_to_date_peak_mw`` maps billing months ``"YYYY-MM"`` to the peak import already
    set [MW]. A tariff-engine tariff keeps month-to-date and ratchet history in its own
    ``[tariff.state]`` table.
    """

    month_to_date_peak_mw: dict[str, float] = Field(default_factory=dict)


_SCENARIO_TABLES = {
    "scenario",
    "horizon",
    "load",
    "solver",
    "grid",
    "series",
    "state",
    "resilience",
    "sizing",
}


def load_scenario(
    path: str | Path,
    *,
    start: dt.datetime | pd.Timestamp | None = None,
    end: dt.datetime | pd.Timestamp | None = None,
    interval_min: int | None = None,
    options: SolverOptions | None = None,
    energy_basis: str | None = None,
) -> Scenario:
    """Read a scenario TOML and everything it names into a validated :class:`Scenario`.

    Parameters
    ----------
    path : str or Path
        The scenario TOML, or the name of a built-in scenario (``default``).
    start, end : datetime, optional
        Override the horizon (tz-aware; naive values are taken in the site's zone).
    interval_min : int, optional
        Override the step [min].
    options : SolverOptions, optional
        Override the ``[solver]`` table.
    energy_basis : {"market", "schedule", "market_plus_schedule"}, optional
        Override the energy basis (market-price exposure) of a tariff-engine tariff; the
        scenario's ``scenario.energy_basis`` otherwise, else the tariff file's own.

    Raises
    ------
    ModelFileError, TimeSeriesError
        Listing every problem found, with the file and field.
    """
    path = _scenario_path(path)
    doc = read_toml(path)
    parsed = _parse_tables(doc, path)
    sc: ScenarioTable = parsed["scenario"]
    ld: LoadTable = parsed["load"]
    base = path.parent
    _require(path, [("scenario.site", sc.site), ("scenario.tariff", sc.tariff)])
    site = load_site((base / sc.site).resolve())
    tariff_file = (base / sc.tariff).resolve()
    tariff, spec = _read_tariff(sc, tariff_file, path, energy_basis)
    index = _horizon_index(parsed["horizon"], site.timezone, path, start, end, interval_min)
    notes: list[str] = []
    load_mw, gpu_mw = _read_load(ld, base, path, index, site, notes)
    price = _read_price(tariff, spec, tariff_file, index, notes)
    grid, swing_up, swing_down = _read_grid(
        parsed["grid"], base, path, index, site, gpu_mw if gpu_mw is not None else load_mw, notes
    )
    extra = _read_series_table(parsed["series"], path, index, notes)
    if extra.get("swing_up_mw") is not None or extra.get("swing_down_mw") is not None:
        if grid.swing is not None:
            msg = ""
            raise ModelFileError(
                msg,
                issues=[
                    Issue(
                        "swing given twice",
                        path=str(path),
                        field="series.swing_up_mw",
                        expected="[grid.swing] or [series.swing_up_mw]/[series.swing_down_mw]",
                        fix="Remove one of them",
                    )
                ],
            )
        swing_up, swing_down = extra.get("swing_up_mw"), extra.get("swing_down_mw")
    sell = None
    if spec is None and tariff.sell_price is not None:
        sell = _tariff_series(
            tariff.sell_price,
            tariff_file,
            index,
            notes,
            "tariff.sell_price",
            "sell_price_usd_per_mwh",
        )
    resilience = _read_resilience(doc.get("resilience"), base, path, index, notes)
    if grid.system_peaks is not None and grid.system_peaks.value_usd_per_mw_month > 0:
        spec = _value_system_peaks(spec, tariff, tariff_file, grid.system_peaks, path, notes)
        tariff = EngineTariff(name=spec.name, spec=spec)
    return Scenario(
        name=sc.name,
        site=site,
        tariff=tariff,
        load_mw=load_mw,
        price_usd_per_mwh=price,
        gpu_load_mw=gpu_mw,
        options=options or parsed["solver"],
        notes=tuple(notes),
        source_path=str(path),
        grid=grid,
        swing_up_mw=swing_up,
        swing_down_mw=swing_down,
        tariff_spec=spec,
        resilience=resilience,
        grid_import_limit_mw=extra.get("grid_import_limit_mw"),
        grid_export_limit_mw=extra.get("grid_export_limit_mw"),
        sell_price_usd_per_mwh=sell,
        availability_frac=extra.get("availability_frac", {}),
        month_to_date_peak_mw=dict(parsed["state"].month_to_date_peak_mw),
        sizing=parsed.get("sizing"),
    )


def _read_resilience(
    raw: Any, base: Path, path: Path, index: pd.DatetimeIndex, notes: list[str]
) -> Resilience | None:
    """``[resilience]``: the ride-through floor.

    ``critical_load = "series"`` reads ``path``/``column`` onto the horizon.
    """
    if raw is None:
        return None
    if not isinstance(raw, dict):
        msg = ""
        raise ModelFileError(
            msg,
            issues=[
                Issue(
                    "[resilience] must be a table",
                    path=str(path),
                    field="resilience",
                    got=type(raw).__name__,
                    fix="Write it as a [resilience] table",
                )
            ],
        )
    fields = dict(raw)
    file_keys = {k: fields.pop(k) for k in ("path", "column", "timestamp_column") if k in fields}
    if fields.get("critical_load") == "series":
        if "path" not in file_keys:
            msg = ""
            raise ModelFileError(
                msg,
                issues=[
                    Issue(
                        "critical_load = 'series' needs a path",
                        path=str(path),
                        field="resilience.path",
                        fix="Add path = '<file>.parquet' (relative to this TOML) and column",
                    )
                ],
            )
        _require(path, [("resilience.path", str(file_keys["path"]))])
        file = (base / str(file_keys["path"])).resolve()
        raw_series = _series(
            file,
            str(file_keys.get("column", "critical_load_mw")),
            str(file_keys.get("timestamp_column", "interval_start")),
            toml=path,
            table="resilience",
        )
        series, note = to_horizon(
            raw_series, index, kind="power", name="critical_load_mw", source=str(file)
        )
        fields["critical_load_mw"] = series.to_numpy(dtype=float)
        notes.append(f"resilience: critical load from {file.name}" + (f" ({note})" if note else ""))
    elif file_keys:
        msg = ""
        raise ModelFileError(
            msg,
            issues=[
                Issue(
                    "path/column are read only for critical_load = 'series'",
                    path=str(path),
                    field=f"resilience.{next(iter(file_keys))}",
                    got=repr(fields.get("critical_load", "training_paused")),
                    fix="Set critical_load = 'series', or remove the file keys",
                )
            ],
        )
    try:
        return Resilience.model_validate(fields)
    except ValidationError as exc:
        msg = ""
        raise ModelFileError(
            msg, issues=issues_from_validation(exc, path, "resilience", Resilience)
        ) from exc


def _read_series_table(
    st: SeriesTable, path: Path, index: pd.DatetimeIndex, notes: list[str]
) -> dict[str, Any]:
    """The ``[series]`` table's series on the horizon (caps may hold ``inf``: no cap)."""
    named = [
        (f"series.{k}.path", src.path)
        for k in ("grid_import_limit_mw", "grid_export_limit_mw", "swing_up_mw", "swing_down_mw")
        if (src := getattr(st, k)) is not None
    ]
    named += [
        (f"series.availability_frac.{g}.path", src.path) for g, src in st.availability_frac.items()
    ]
    _require(path, named)
    out: dict[str, Any] = {}
    for key in ("grid_import_limit_mw", "grid_export_limit_mw", "swing_up_mw", "swing_down_mw"):
        src = getattr(st, key)
        if src is not None:
            out[key] = _tariff_series(src, path, index, notes, f"series.{key}", key)
    out["availability_frac"] = {
        g: _tariff_series(
            src, path, index, notes, f"series.availability_frac.{g}", f"availability_frac[{g}]"
        )
        for g, src in st.availability_frac.items()
    }
    return out


def _tariff_series(
    src: PriceSeriesSource,
    toml: Path,
    index: pd.DatetimeIndex,
    notes: list[str],
    table: str,
    name: str,
) -> pd.Series:
    """One series a TOML names by ``{path, column, timestamp_column}``, on the horizon."""
    _require(toml, [(f"{table}.path", src.path)])
    file = (toml.parent / src.path).resolve()
    raw = _series(file, src.column, src.timestamp_column, toml=toml, table=table)
    series, note = to_horizon(
        raw, index, kind="power", name=name, source=str(file), allow_inf=name.startswith("grid_")
    )
    if note:
        notes.append(note)
    if src.attribution:
        notes.append(f"{name}: {src.attribution}")
    return series


def _scenario_path(path: str | Path) -> Path:
    """The scenario TOML: a path, or a built-in scenario's name."""
    path = Path(path)
    if not path.exists() and path.suffix != ".toml" and builtin_scenario(str(path)).exists():
        path = builtin_scenario(str(path))
    if not path.exists():
        names = list_builtin_scenarios()
        near = difflib.get_close_matches(path.stem, names, n=1)
        fix = (
            f"Did you mean the built-in {near[0]!r}?"
            if near
            else "Give the path of a scenario TOML or a built-in name"
        )
        msg = ""
        raise ModelFileError(
            msg,
            issues=[
                Issue(
                    "scenario file not found",
                    path=str(path),
                    expected=f"a scenario TOML file or a built-in name ({', '.join(names)})",
                    got=str(path),
                    fix=fix,
                )
            ],
        )
    return path.resolve()


def _parse_tables(doc: dict[str, Any], path: Path) -> dict[str, Any]:
    """Each table of a scenario TOML validated by its model; every problem reported at once."""
    unknown = sorted(set(doc) - _SCENARIO_TABLES)
    if unknown:
        msg = ""
        raise ModelFileError(
            msg,
            issues=[
                Issue(
                    "unknown table",
                    path=str(path),
                    field=k,
                    fix=f"Allowed tables: {sorted(_SCENARIO_TABLES)}",
                )
                for k in unknown
            ],
        )
    issues: list[Issue] = []
    parsed: dict[str, Any] = {}
    for table, model in (
        ("scenario", ScenarioTable),
        ("horizon", HorizonTable),
        ("load", LoadTable),
        ("solver", SolverOptions),
        ("grid", GridTable),
        ("series", SeriesTable),
        ("state", StateTable),
        ("sizing", Sizing),
    ):
        raw = doc.get(table, {} if table in ("solver", "grid", "series", "state") else None)
        if raw is None and table == "sizing":
            continue
        if raw is None:
            issues.append(
                Issue(
                    f"table [{table}] missing",
                    path=str(path),
                    field=table,
                    fix=f"Add a [{table}] table",
                )
            )
            continue
        try:
            parsed[table] = model.model_validate(raw)
        except ValidationError as exc:
            issues.extend(issues_from_validation(exc, path, table, model))
    if issues:
        msg = ""
        raise ModelFileError(msg, issues=issues)
    return parsed


def _read_tariff(
    sc: ScenarioTable, tariff_file: Path, path: Path, energy_basis: str | None
) -> tuple[Tariff, TariffSpec | None]:
    """The scenario's tariff: a tariff-engine spec (with its energy basis) or a simple tariff."""
    if _is_engine_tariff(tariff_file):
        spec = load_tariff_spec(tariff_file)
        basis = energy_basis if energy_basis is not None else sc.energy_basis
        if basis is not None:
            spec = _with_energy_basis(
                spec, basis, path, tariff_file, from_arg=energy_basis is not None
            )
        return EngineTariff(name=spec.name, spec=spec), spec
    if energy_basis is not None or sc.energy_basis is not None:
        msg = ""
        raise ModelFileError(
            msg,
            issues=[
                Issue(
                    "energy_basis needs a tariff-engine tariff (TOU schedule or URDB); this tariff is a simple LMP + demand-charge tariff",
                    path=str(path),
                    field="--energy-basis" if energy_basis is not None else "scenario.energy_basis",
                    got=str(energy_basis or sc.energy_basis),
                    fix=f"Remove energy_basis, or point scenario.tariff at an engine tariff such as tariffs/tva-mlgw-large-tou.toml (now {tariff_file.name})",
                )
            ],
        )
    return load_tariff(tariff_file), None


def _horizon_index(
    hz: HorizonTable,
    tz: str,
    path: Path,
    start: dt.datetime | pd.Timestamp | None,
    end: dt.datetime | pd.Timestamp | None,
    interval_min: int | None,
) -> pd.DatetimeIndex:
    """The study's interval starts: ``[horizon]`` or the overrides, in the site's zone."""
    t_start = _stamp(start if start is not None else hz.start, tz, path, "horizon.start")
    t_end = _stamp(end if end is not None else hz.end, tz, path, "horizon.end")
    step = interval_min if interval_min is not None else hz.interval_min
    if step not in ALLOWED_INTERVAL_MIN:
        msg = ""
        raise ModelFileError(
            msg,
            issues=[
                Issue(
                    "unsupported step",
                    path=str(path),
                    field="horizon.interval_min",
                    expected=f"one of {ALLOWED_INTERVAL_MIN}",
                    got=str(step),
                    fix="Choose a supported step",
                )
            ],
        )
    if t_end <= t_start:
        msg = ""
        raise ModelFileError(
            msg,
            issues=[
                Issue(
                    "horizon end is not after its start",
                    path=str(path),
                    field="horizon.end",
                    expected=f"after {t_start.isoformat()}",
                    got=t_end.isoformat(),
                    fix="Swap or correct start and end",
                )
            ],
        )
    return make_index(t_start, t_end, step, tz)


def _read_price(
    tariff: Tariff,
    spec: TariffSpec | None,
    tariff_file: Path,
    index: pd.DatetimeIndex,
    notes: list[str],
) -> pd.Series:
    """The energy price on the horizon [USD/MWh]: the engine tariff's, or the simple tariff's series."""
    if spec is not None:
        return _engine_price(spec, index, notes, tariff_file)
    if tariff.energy_price is None:
        msg = ""
        raise ModelFileError(
            msg,
            issues=[
                Issue(
                    "tariff has no energy price source",
                    path=str(tariff_file),
                    field="tariff.energy_price",
                    fix="Add an [tariff.energy_price] table with path and column",
                )
            ],
        )
    _require(tariff_file, [("tariff.energy_price.path", tariff.energy_price.path)])
    price_path = (tariff_file.parent / tariff.energy_price.path).resolve()
    price_raw = _series(
        price_path,
        tariff.energy_price.column,
        tariff.energy_price.timestamp_column,
        toml=tariff_file,
        table="tariff.energy_price",
    )
    price, note = to_horizon(
        price_raw, index, kind="price", name="price_usd_per_mwh", source=str(price_path)
    )
    if note:
        notes.append(note)
    if tariff.energy_price.attribution:
        notes.append(f"prices: {tariff.energy_price.attribution}")
    return price


def _with_energy_basis(
    spec: Any, basis: str, path: Path, tariff_file: Path, *, from_arg: bool
) -> Any:
    """``spec`` with its energy basis replaced by ``basis``, re-validated (a ``schedule`` basis needs TOU rates)."""

    where = "--energy-basis" if from_arg else "scenario.energy_basis"
    allowed = ("market", "schedule", "market_plus_schedule")
    if basis not in allowed:
        msg = ""
        raise ModelFileError(
            msg,
            issues=[
                Issue(
                    "unknown energy basis",
                    path=str(path),
                    field=where,
                    expected=" | ".join(allowed),
                    got=basis,
                    fix=f"Use one of {allowed}",
                )
            ],
        )
    data = spec.model_dump()
    data["energy"]["basis"] = basis
    try:
        return TariffSpec.model_validate(data)
    except ValidationError as exc:
        msg = ""
        raise ModelFileError(
            msg,
            issues=[
                Issue(
                    f"energy basis {basis!r} does not fit this tariff ({exc.errors()[0]['msg']})",
                    path=str(path),
                    field=where,
                    got=basis,
                    fix=f"The tariff {tariff_file.name} has no TOU energy schedule; use 'market', or add [tariff.energy.schedule] and periods to it",
                )
            ],
        ) from None


def _is_engine_tariff(path: Path) -> bool:
    """URDB JSON, or a TOML tariff in the tariff engine's schema (not the simple [tariff] keys)."""
    if path.suffix.lower() == ".json":
        return True
    doc = read_toml(path)
    table = doc.get("tariff", {})
    simple = {"energy_price", "energy_adder_usd_per_mwh", "demand_charge_usd_per_mw"}
    return isinstance(table, dict) and not (simple & set(table))


def _engine_price(
    spec: Any, index: pd.DatetimeIndex, notes: list[str], tariff_file: Path | None = None
) -> pd.Series:
    """The market price series a TariffSpec names (its energy basis uses it), else zeros [USD/MWh]."""
    src = getattr(spec.energy, "price_series", None)
    uses_market = spec.energy.basis in ("market", "market_plus_schedule")
    notes.append(f"tariff: {spec.name} (energy basis {spec.energy.basis})")
    if src is None:
        if uses_market:
            msg = ""
            raise ModelFileError(
                msg,
                issues=[
                    Issue(
                        "energy basis uses the market price but no price_series is given",
                        field="tariff.energy.price_series",
                        fix="Add [tariff.energy.price_series] or use basis = 'schedule'",
                    )
                ],
            )
        return pd.Series(0.0, index=index, name="price_usd_per_mwh")
    file = Path(src.path)
    if tariff_file is None or tariff_file.suffix.lower() == ".json":
        raw = read_series(file, src.column, src.timestamp_column)
    else:
        raw = _series(
            file,
            src.column,
            src.timestamp_column,
            toml=tariff_file,
            table="tariff.energy.price_series",
        )
    price, note = to_horizon(raw, index, kind="price", name="price_usd_per_mwh", source=str(file))
    if note:
        notes.append(note)
    if src.attribution:
        notes.append(f"prices: {src.attribution}")
    return price


def _read_grid(
    gt: GridTable,
    base: Path,
    path: Path,
    index: pd.DatetimeIndex,
    site: Site,
    gpu_mw: pd.Series,
    notes: list[str],
) -> tuple[GridRules, pd.Series | None, pd.Series | None]:

    up = down = None
    if gt.swing is not None:
        up, down = _grid_swing(gt.swing, base, path, index, gpu_mw, notes)
    programs: tuple[EventProgram, ...] = ()
    events: tuple = ()
    if gt.events is not None:
        programs, events = _grid_events(gt.events, base, path, index, notes)
    try:
        extra: dict[str, Any] = {}
        if gt.movement_cost_usd_per_mw is not None:
            extra["movement_cost_usd_per_mw"] = gt.movement_cost_usd_per_mw
        if gt.system_peaks is not None:
            extra["system_peaks"] = _system_peaks(gt.system_peaks, base, path, index, notes)
        grid = GridRules(
            ramp=gt.ramp,
            swing=gt.swing,
            reserve=gt.reserve,
            flexible_load=gt.flexible_load,
            programs=programs,
            events=events,
            **extra,
        )
    except ValidationError as exc:
        msg = ""
        raise ModelFileError(
            msg, issues=issues_from_validation(exc, path, "grid", GridRules)
        ) from exc
    return grid, up, down


def _grid_swing(
    sw: SwingBuffer,
    base: Path,
    path: Path,
    index: pd.DatetimeIndex,
    gpu_mw: pd.Series,
    notes: list[str],
) -> tuple[pd.Series, pd.Series]:
    """The upward and downward swing of the site load [MW], from telemetry or the cluster model."""
    if sw.source == "telemetry":
        _require(path, [("grid.swing.path", str(sw.path))])
        file = (base / str(sw.path)).resolve()
        trace = _series(file, sw.column, sw.timestamp_column, toml=path, table="grid.swing")
        up, down = swing_from_telemetry(
            trace,
            index,
            coherent_mw=float(sw.coherent_mw or 0.0),
            percentile=sw.percentile,
            align=sw.align,
        )
        notes.append(
            f"swing: from telemetry {file.name}"
            + (f" ({sw.attribution})" if sw.attribution else "")
            + f", scaled so its peak is {sw.coherent_mw:g} MW of site load swinging in step (assumption)"
            + (", per-interval swings repeated over the horizon" if sw.align == "repeat" else "")
        )
    else:
        up, down = swing_from_cluster(gpu_mw, up_frac=sw.up_frac, down_frac=sw.down_frac)
        notes.append(
            f"swing: cluster model, up {sw.up_frac:g} and down {sw.down_frac:g} of GPU load (assumption)"
        )
    return up, down


def _grid_events(
    et: EventsTable, base: Path, path: Path, index: pd.DatetimeIndex, notes: list[str]
) -> tuple[tuple[EventProgram, ...], tuple]:
    """The event programs of ``[grid.events]`` and their events, from a calendar or derived."""
    named = [(f"grid.events.programs.{i}", p) for i, p in enumerate(et.programs)]
    named += [
        (key, raw)
        for key, raw in (
            ("grid.events.calendar", et.calendar),
            ("grid.events.derive.system_load", et.derive and et.derive.system_load),
        )
        if raw is not None
    ]
    _require(path, named)
    programs = tuple(load_event_program((base / p).resolve()) for p in et.programs)
    events: tuple = ()
    if et.calendar is not None:
        events = _calendar_events((base / et.calendar).resolve(), programs)
    elif et.derive is not None:
        events = _derived_events(et.derive, programs, base, path, index, notes)
    return programs, events


def _calendar_events(calendar: Path, programs: tuple[EventProgram, ...]) -> tuple:
    """The events of a calendar CSV; raise if one names a program not in ``programs``."""
    events = read_event_calendar(calendar)
    known = {p.name for p in programs}
    unknown = [
        Issue(
            "event names an unknown program",
            path=str(calendar),
            field=f"{e.event_id}.program",
            timestamp=e.start.isoformat(),
            expected=f"one of {sorted(known)}",
            got=repr(e.program),
            fix="Add the program's file to grid.events.programs or correct the name",
        )
        for e in events
        if e.program not in known
    ]
    if unknown:
        msg = ""
        raise ModelFileError(msg, issues=unknown)
    return events


def _derived_events(
    d: DeriveEventsTable,
    programs: tuple[EventProgram, ...],
    base: Path,
    path: Path,
    index: pd.DatetimeIndex,
    notes: list[str],
) -> tuple:
    """The events called on the tightest days of a system-load series [MW] over the horizon."""
    by_name = {p.name: p for p in programs}
    if d.program not in by_name:
        msg = ""
        raise ModelFileError(
            msg,
            issues=[
                Issue(
                    "derive names an unknown program",
                    path=str(path),
                    field="grid.events.derive.program",
                    expected=f"one of {sorted(by_name)}",
                    got=repr(d.program),
                    fix="Add the program file to grid.events.programs",
                )
            ],
        )
    load_file = (base / d.system_load).resolve()
    system = _series(
        load_file,
        d.column,
        d.timestamp_column,
        toml=path,
        table="grid.events.derive",
        path_key="system_load",
    )
    events = derive_event_calendar(
        system,
        by_name[d.program],
        start=index[0],
        end=index[-1] + (index[-1] - index[-2] if len(index) > 1 else pd.Timedelta(hours=1)),
        threshold_quantile=d.threshold_quantile,
        duration_h=d.duration_h,
        lead_h=d.lead_h,
        max_events=d.max_events,
    )
    notes.append(
        f"events: {len(events)} derived from {load_file.name} (days peaking above the {d.threshold_quantile:g} quantile, {d.duration_h:g} h from {d.lead_h:g} h before the peak hour)"
    )
    return events


def _not_negative(raw: pd.Series, file: Path, name: str, tz: str) -> None:
    """A negative value in a load file, named by the file and its first local timestamp."""
    negative = (raw < 0).to_numpy()
    if negative.any() and isinstance(raw.index, pd.DatetimeIndex) and raw.index.tz is not None:
        first = raw.index[negative][0]
        msg = ""
        raise TimeSeriesError(
            msg,
            issues=[
                Issue(
                    "negative site load",
                    path=str(file),
                    field=name,
                    timestamp=first.tz_convert(tz).isoformat(),
                    expected=">= 0 MW",
                    got=f"{float(raw.to_numpy()[negative][0]):g} MW in {int(negative.sum())} row(s)",
                    fix="Check the sign convention: load is a positive draw",
                )
            ],
        )


def _gpu_within_load(load: pd.Series, gpu: pd.Series, file: Path, tz: str) -> None:
    """The GPU load is part of the site's load: ``gpu_load_mw <= load_mw`` in every row.

    A GPU load above the whole site's would size the swing buffer and the training-paused
    critical load from power the site never draws.
    """
    both = pd.concat([load.rename("load"), gpu.rename("gpu")], axis=1, join="inner")
    over = (both["gpu"] > both["load"] * (1 + 1e-9) + 1e-9).to_numpy()
    if over.any() and isinstance(both.index, pd.DatetimeIndex) and both.index.tz is not None:
        first = int(over.argmax())
        msg = ""
        raise TimeSeriesError(
            msg,
            issues=[
                Issue(
                    "GPU load above the site's whole load",
                    path=str(file),
                    field="gpu_load_mw",
                    timestamp=both.index[first].tz_convert(tz).isoformat(),
                    expected="gpu_load_mw <= load_mw (the GPU load is part of the site's load)",
                    got=f"{both['gpu'].iloc[first]:g} MW against load_mw {both['load'].iloc[first]:g} "
                    f"MW in {int(over.sum())} row(s)",
                    fix="Check the two columns (units, which is which) in the load file",
                )
            ],
        )


def _system_peaks(
    sp: SystemPeaksTable, base: Path, path: Path, index: pd.DatetimeIndex, notes: list[str]
) -> SystemPeaks:
    """``[grid.system_peaks]``: the tightest system hours of every month inside the horizon."""

    _require(path, [("grid.system_peaks.system_load", sp.system_load)])
    file = (base / sp.system_load).resolve()
    system = _series(
        file,
        sp.column,
        sp.timestamp_column,
        toml=path,
        table="grid.system_peaks",
        path_key="system_load",
    )
    issues = check_series(system, name=f"grid.system_peaks.{sp.column}", source=str(file))
    if issues:
        msg = ""
        raise TimeSeriesError(msg, issues=issues)
    end = index[-1] + (index[-1] - index[-2] if len(index) > 1 else pd.Timedelta(hours=1))
    top = tightest_hours(system, start=index[0], end=end, n_per_month=sp.n_per_month)
    note = f"system peaks: {len(top)} tightest hours of {file.name}"
    note += f" ({sp.n_per_month} a month, distinct days)"
    notes.append(note + (f"; {sp.attribution}" if sp.attribution else ""))
    return SystemPeaks(
        hours=tuple(t.to_pydatetime() for t in top.index),
        system_load_mw=tuple(float(v) for v in top.to_numpy()),
        n_per_month=sp.n_per_month,
        value_usd_per_mw_month=sp.value_usd_per_mw_month,
        source=file.name,
    )


def _value_system_peaks(
    spec: Any, tariff: Tariff, tariff_file: Path, peaks: SystemPeaks, path: Path, notes: list[str]
) -> Any:
    """The tariff with a charge on the site's mean draw in the system's tightest hours.

    Reuses the tariff engine's coincident-peak charge (``aggregation = "expected"``, equal
    weights per month, 60-min periods); a simple tariff is first converted with
    :func:`optimizer.inputs.tariff.spec_from_tariff` (the same bill).
    """

    if spec is None:
        spec = spec_from_tariff(tariff, base=tariff_file.parent)
    if spec.coincident_peak is not None:
        issue = Issue(
            "the tariff already has a coincident-peak charge",
            path=str(path),
            field="grid.system_peaks.value_usd_per_mw_month",
            got=spec.coincident_peak.name,
            fix="Set value_usd_per_mw_month = 0 (report only) or drop the tariff's coincident_peak",
        )
        msg = ""
        raise ModelFileError(msg, issues=[issue])
    month = [f"{h.year:04d}-{h.month:02d}" for h in peaks.hours]
    per_month = {m: month.count(m) for m in set(month)}
    candidates = tuple(
        CandidateHour(start=h, weight_frac=1.0 / per_month[m])
        for h, m in zip(peaks.hours, month, strict=True)
    )
    rate = peaks.value_usd_per_mw_month
    charge = CoincidentPeakCharge(
        name="system_peak",
        rate_usd_per_mw=rate,
        duration_min=60,
        aggregation="expected",
        candidates=candidates,
    )
    notes.append(
        f"system peaks valued: {rate:g} USD/MW-month on the mean draw in the {len(candidates)}"
        " tightest hours (the 'coincident' cost term)"
    )
    return spec.model_copy(update={"coincident_peak": charge})


def _stamp(value: dt.datetime | pd.Timestamp, tz: str, path: Path, field: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value).as_unit("ns")  # the horizon is indexed in ns: 1678 .. 2261
        if ts.tzinfo is not None:
            return ts.tz_convert(tz)
        first, second = (
            (ts + pd.Timedelta(hours=h)).tz_localize(tz).isoformat()[-6:] for h in (-3, 3)
        )
    except (ValueError, OverflowError) as exc:  # OutOfBoundsDatetime
        msg = ""
        raise ModelFileError(
            msg,
            issues=[
                Issue(
                    "date-time out of range",
                    path=str(path),
                    field=field,
                    expected="a date between 1678 and 2261",
                    got=str(value),
                    fix="Correct the date",
                )
            ],
        ) from exc
    try:
        return ts.tz_localize(tz, ambiguous="raise", nonexistent="raise")
    except ValueError as exc:  # pytz AmbiguousTimeError / NonExistentTimeError
        if "nonexistent" in f"{type(exc).__name__} {exc}".lower():
            what = f"naive local time does not exist in {tz} (the clocks skip it at the DST change)"
            fix = f"Pick a time that exists, or give the UTC offset, e.g. {ts.isoformat()}{first}"
        else:
            what = f"naive local time is ambiguous in {tz} (it occurs twice at the DST change)"
            fix = f"Give the UTC offset: {ts.isoformat()}{first} (the first) or {ts.isoformat()}{second} (the second)"
        msg = ""
        raise ModelFileError(
            msg,
            issues=[
                Issue(
                    what,
                    path=str(path),
                    field=field,
                    timestamp=ts.isoformat(),
                    expected="a date-time with its UTC offset",
                    got=str(value),
                    fix=fix,
                )
            ],
        ) from exc


_UNIT_TO_MW = {"MW": 1.0, "kW": 1e-3, "W": 1e-6}


def _read_load(
    ld: LoadTable, base: Path, path: Path, index: pd.DatetimeIndex, site: Site, notes: list[str]
) -> tuple[pd.Series, pd.Series | None]:
    if ld.source == "generator":
        if site.gpu_cluster is None:
            msg = ""
            raise ModelFileError(
                msg,
                issues=[
                    Issue(
                        "load.source = 'generator' needs a GPU cluster",
                        path=str(path),
                        field="load.source",
                        fix="Add gpu_cluster to the site, or read the load from a file",
                    )
                ],
            )
        try:
            params = GpuProfileParams.model_validate(ld.generator)
        except ValidationError as exc:
            msg = ""
            raise ModelFileError(
                msg, issues=issues_from_validation(exc, path, "load.generator", GpuProfileParams)
            ) from exc
        frame = generate_site_load(index, site.gpu_cluster, params)
        notes.append(f"load: GPU-cluster profile generator, seed {params.seed}")
        return frame["load_mw"].rename("load_mw"), frame["gpu_load_mw"].rename("gpu_load_mw")
    if ld.path is None:
        msg = ""
        raise ModelFileError(
            msg,
            issues=[
                Issue(
                    "load.source = 'file' needs a path",
                    path=str(path),
                    field="load.path",
                    fix="Add path = '<file>.parquet' (relative to this TOML)",
                )
            ],
        )
    _require(path, [("load.path", ld.path)])
    file = (base / ld.path).resolve()
    factor = ld.scale * _UNIT_TO_MW[ld.unit]
    raw = _series(file, ld.column, ld.timestamp_column, toml=path, table="load") * factor
    _not_negative(
        raw, file, "load_mw", site.timezone
    )  # before resampling, which could average it away
    load, note = to_horizon(raw, index, kind="power", name="load_mw", source=str(file))
    if note:
        notes.append(note)
    gpu = None
    if ld.gpu_column:
        graw = (
            _series(
                file,
                ld.gpu_column,
                ld.timestamp_column,
                toml=path,
                table="load",
                column_key="gpu_column",
            )
            * factor
        )
        _not_negative(graw, file, "gpu_load_mw", site.timezone)
        _gpu_within_load(raw, graw, file, site.timezone)
        gpu, _ = to_horizon(graw, index, kind="power", name="gpu_load_mw", source=str(file))
    if ld.attribution:
        notes.append(f"load: {ld.attribution}")
    if len(load) and site.gpu_cluster is not None:
        peak = float(load.max())
        nameplate = site.gpu_cluster.site_power_max_mw
        if peak > 20 * nameplate or peak < nameplate / 500:
            msg = ""
            raise TimeSeriesError(
                msg,
                issues=[
                    Issue(
                        "load scale does not match the site (a unit mistake?)",
                        path=str(file),
                        field="load.unit",
                        timestamp=load.idxmax().isoformat(),
                        expected=f"a peak near the cluster's {nameplate:.0f} MW",
                        got=f"{peak:.4g} MW",
                        fix="Set load.unit ('kW' or 'W') or load.scale",
                    )
                ],
            )
    return load, gpu
