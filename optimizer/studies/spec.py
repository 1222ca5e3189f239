"""What-if studies: one base scenario, axes of changes, and the cases they expand to.

A study is read from a TOML file (:func:`load_study`) or built in Python (:class:`Study`).
It names a base scenario TOML and either **axes** (every combination is a case: the
cartesian product) or an explicit list of **cases**. :func:`optimizer.studies.runner.expand_study`
turns it into :class:`Case` objects and :func:`optimizer.studies.runner.run_study` solves them.

Axes
----
``fleet_units`` [-]
    Battery units in the fleet. With one battery group it sets that group's ``n_units``;
    with several it scales every group's ``n_units`` in proportion (largest-remainder
    rounding, so the groups add up to exactly ``fleet_units``).
``import_limit_mw`` [MW]
    The interconnection import cap, ``site.import_limit_mw``.
``price_year`` [-]
    Calendar year of the energy prices; each year names a file in ``[study.price_files]``.
    See *Price years* below.
``price_multiplier`` [-]
    Every interval's energy price is multiplied by it (the tariff adder is not).
``demand_charge_usd_per_mw`` [USD/MW-month]
    ``tariff.demand_charge_usd_per_mw``.
any scalar field by its dotted path
    ``site.battery_groups.0.unit.degradation_cost_usd_per_mwh``, ``tariff.energy_adder_usd_per_mwh``,
    ``options.time_limit_s``, ``grid.ramp.rise_mw_per_min`` ...: the root is a model of the
    :class:`~optimizer.Scenario` (``site``, ``tariff``, ``options``, ``grid``), then field
    names and tuple positions. The changed model is validated again, so a value out of its
    bounds makes that case fail (a row with the reason), not the study.

Price years
-----------
The site load exists for one year only (the *load year*: the year of the study's
``start``). For ``price_year = Y`` the case horizon is the **same calendar dates in Y**
(``2021-08-01 .. 2021-09-01`` becomes ``2024-08-01 .. 2024-09-01``), the prices are Y's
real prices on those dates, and every other series of the base scenario (the load) is
taken from the load year **shifted by whole weeks**: by the multiple of 7 days nearest
the calendar offset (364 days for one year, 1,092 or 1,099 for three; at most 3 days
off). So a Monday gets a Monday's load and every hour its own hour of day; the seasonal
position moves by at most 3 days. Wall-clock times are matched, so DST days work; the
repeated autumn hour takes the first of the two and the skipped spring hour the hour before.
A window the price file does not cover (gaps are documented in ``data/SOURCES.md``) stops
the study before anything is solved.

Case ids
--------
``case_id`` is the first 16 hex digits of the SHA-256 of the case's canonical JSON inputs:
the base scenario and price file as written in the study, the horizon (local wall-clock
start and end, step), the load shift and the axis values (keys sorted). Labels, the study
name and the order of cases do not enter it, so renaming a study or adding cases keeps
the ids of the cases already solved (that is what resume relies on). Editing a model TOML
or a data file the study reads does **not** change the ids: write to a new ``--out``
folder after such an edit.

Example
-------
>>> study = Study(name="tiny", base_scenario="default", start=dt.datetime(2021, 8, 2),
...               end=dt.datetime(2021, 8, 3), interval_min=60,
...               axes={"fleet_units": (0, 450, 900)})
>>> study.n_cases
3
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import itertools
import json
import math
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, Field, ValidationError, model_validator

from optimizer import timeindex
from optimizer.errors import Issue, ModelFileError, TimeSeriesError
from optimizer.frozen import FrozenModel
from optimizer.inputs.assets import Site
from optimizer.inputs.scenario import Scenario
from optimizer.inputs.timeseries import make_index, read_series, to_horizon

__all__ = [
    "NAMED_AXES",
    "Case",
    "Study",
    "apply_case",
    "case_scenario",
    "canonical_json",
    "check_paths",
    "load_study",
    "make_case_id",
    "move_to_year",
    "prepare_inputs",
    "set_fleet_units",
    "week_shift_days",
]

Scalar = bool | int | float | str

NAMED_AXES = ("fleet_units", "import_limit_mw", "price_year", "price_multiplier", "demand_charge_usd_per_mw")
"""Axes with a name of their own; any other axis is a dotted path into the scenario."""

DOTTED_ROOTS = ("site", "tariff", "options", "grid")
"""Scenario attributes a dotted path may start with (each a frozen pydantic model)."""

_NAMED_TO_DOTTED = {
    "import_limit_mw": "site.import_limit_mw",
    "demand_charge_usd_per_mw": "tariff.demand_charge_usd_per_mw",
}
_LABEL_KEY = "label"


# ------------------------------------------------------------------ the study spec
def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(float(value))


def _check_axis_values(name: str, values: tuple[Scalar, ...], price_years: set[int]) -> list[str]:
    """Problems with one axis (name and values); an empty list when fine."""
    problems: list[str] = []
    if name not in NAMED_AXES:
        root = name.split(".", 1)[0]
        if "." not in name or root not in DOTTED_ROOTS or any(p == "" for p in name.split(".")):
            problems.append(
                f"axis {name!r} is neither a named axis {list(NAMED_AXES)} nor a dotted path starting with "
                f"one of {list(DOTTED_ROOTS)} (e.g. 'site.battery_groups.0.unit.degradation_cost_usd_per_mwh')"
            )
        bad = [v for v in values if not isinstance(v, bool | int | float | str)]
        if bad:
            problems.append(f"axis {name!r}: values must be scalars; got {bad[:3]}")
        return problems
    for v in values:
        if name == "fleet_units" and not (isinstance(v, int) and not isinstance(v, bool) and v >= 0):
            problems.append(f"axis 'fleet_units': expected whole numbers >= 0, got {v!r}")
        elif name == "price_year" and not (isinstance(v, int) and not isinstance(v, bool)):
            problems.append(f"axis 'price_year': expected a year like 2024, got {v!r}")
        elif name == "price_year" and v not in price_years:
            problems.append(
                f"axis 'price_year': {v} has no price file; expected one of {sorted(price_years)}. "
                f"Add {v} = '<file>' under [study.price_files]"
            )
        elif name == "import_limit_mw" and not (_is_number(v) and float(v) > 0):  # type: ignore[arg-type]
            problems.append(f"axis 'import_limit_mw': expected numbers > 0 [MW], got {v!r}")
        elif name in ("price_multiplier", "demand_charge_usd_per_mw") and not (_is_number(v) and float(v) >= 0):  # type: ignore[arg-type]
            problems.append(f"axis {name!r}: expected numbers >= 0, got {v!r}")
    return problems


def _normalise(name: str, value: Scalar) -> Scalar:
    """One spelling per value, so ``1000`` and ``1000.0`` give the same case id."""
    if name in ("import_limit_mw", "price_multiplier", "demand_charge_usd_per_mw") and _is_number(value):
        return float(value)
    return value


class Study(FrozenModel):
    """A what-if study: a base scenario plus axes (cartesian product) or explicit cases.

    Attributes
    ----------
    name : str
        Study name (letters, digits, ``_``, ``-``); names the default output folder.
    description : str
        Free text.
    base_scenario : str
        Scenario TOML (relative to ``base_dir``) or a built-in scenario name.
    start, end : datetime, optional
        Horizon ``[start, end)`` as site-local wall-clock times; a UTC offset, if given, is
        taken as the site's and only the wall clock is used. Default: the base scenario's.
        ``start``'s year is the load year (see *Price years* in the module docstring).
    interval_min : int, optional
        Step [min]; default: the base scenario's.
    price_files : dict of int to str
        Price file per ``price_year`` (relative to ``base_dir``), in the same format as the
        base tariff's price file (its ``column`` and ``timestamp_column`` are used).
    axes : dict of str to tuple of scalars
        Axis name -> values. Every combination is a case. Mutually exclusive with ``cases``.
    cases : tuple of dict
        Explicit cases: axis name -> value, plus an optional ``label``.
    base_dir : str, optional
        Folder that relative paths are resolved against: the study TOML's folder when read
        by :func:`load_study`, else the working directory.
    """

    name: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    description: str = ""
    base_scenario: str
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    interval_min: Literal[1, 5, 15, 30, 60] | None = None
    price_files: dict[int, str] = Field(default_factory=dict)
    axes: dict[str, tuple[Scalar, ...]] = Field(default_factory=dict)
    cases: tuple[dict[str, Scalar], ...] = ()
    base_dir: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Study:
        problems: list[str] = []
        if bool(self.axes) == bool(self.cases):
            problems.append("a study needs either [axes] (cartesian product) or [[cases]] (explicit list), not both and not neither")
        years = set(self.price_files)
        for name, values in self.axes.items():
            if len(values) == 0:
                problems.append(f"axis {name!r} has no values")
            normalised = [_normalise(name, v) for v in values]
            if len(set(map(repr, normalised))) != len(normalised):
                problems.append(f"axis {name!r} repeats a value: {list(values)}")
            problems += _check_axis_values(name, values, years)
        for i, case in enumerate(self.cases):
            label = case.get(_LABEL_KEY, "")
            if not isinstance(label, str):
                problems.append(f"cases[{i}]: label must be a string, got {label!r}")
            for name, value in case.items():
                if name != _LABEL_KEY:
                    problems += [f"cases[{i}]: {p}" for p in _check_axis_values(name, (value,), years)]
        if self.start is not None and self.end is not None and _wall(self.end) <= _wall(self.start):
            problems.append(f"end must be after start; got {self.start} .. {self.end}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def n_cases(self) -> int:
        """Number of cases the study expands to [-]."""
        if self.cases:
            return len(self.cases)
        return math.prod(len(v) for v in self.axes.values())

    @property
    def axis_names(self) -> tuple[str, ...]:
        """Every axis a case may set, in first-seen order."""
        if self.axes:
            return tuple(self.axes)
        seen: dict[str, None] = {}
        for case in self.cases:
            seen.update({k: None for k in case if k != _LABEL_KEY})
        return tuple(seen)

    def resolve(self, path: str) -> Path:
        """A path of the study made absolute (relative to ``base_dir``)."""
        p = Path(path)
        return p if p.is_absolute() else Path(self.base_dir or ".").resolve() / p

    def combinations(self) -> list[tuple[str, dict[str, Scalar]]]:
        """``(label, values)`` of every case, in order (product order: last axis fastest)."""
        if self.cases:
            return [
                (str(c.get(_LABEL_KEY, "")), {k: _normalise(k, v) for k, v in c.items() if k != _LABEL_KEY})
                for c in self.cases
            ]
        names = list(self.axes)
        return [
            ("", {n: _normalise(n, v) for n, v in zip(names, combo, strict=True)})
            for combo in itertools.product(*(self.axes[n] for n in names))
        ]


def _wall(value: dt.datetime) -> dt.datetime:
    """Site-local wall clock of a date-time (its offset, if any, dropped)."""
    return value.replace(tzinfo=None)


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"site": {"import_limit_mw": [..]}}`` -> ``{"site.import_limit_mw": [..]}``."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def load_study(path: str | Path) -> Study:
    """Read a study TOML.

    The file holds ``schema_version = 1``, a ``[study]`` table (the fields of
    :class:`Study` but ``axes``, ``cases`` and ``base_dir``), and either an ``[axes]``
    table or ``[[cases]]`` tables. Dotted axis names may be written quoted
    (``"site.import_limit_mw" = [...]``) or as TOML dotted keys.

    Parameters
    ----------
    path : str or Path
        The study TOML.

    Returns
    -------
    Study
        Validated; relative paths resolve against the TOML's folder.

    Raises
    ------
    ModelFileError
        Unreadable TOML, wrong schema_version, unknown tables or keys, bad axes (all listed).
    """
    from optimizer.io.toml import issues_from_validation, read_toml

    path = Path(path).resolve()
    doc = read_toml(path)
    issues = [
        Issue("unknown table", path=str(path), field=key, fix="Allowed: [study], [axes], [[cases]]")
        for key in sorted(set(doc) - {"study", "axes", "cases"})
    ]
    if "study" not in doc:
        issues.append(Issue("table [study] missing", path=str(path), field="study", fix="Add a [study] table with name and base_scenario"))
    if issues:
        raise ModelFileError("", issues=issues)
    raw = dict(doc["study"])
    for key in ("axes", "cases", "base_dir"):
        if key in raw:
            raise ModelFileError("", issues=[Issue("key not allowed in [study]", path=str(path), field=f"study.{key}", fix="Write axes in [axes] and cases in [[cases]]")])
    raw["axes"] = {k: tuple(v) if isinstance(v, list) else (v,) for k, v in _flatten(doc.get("axes", {})).items()}
    raw["cases"] = tuple(_flatten(c) for c in doc.get("cases", []))
    raw["base_dir"] = str(path.parent)
    try:
        return Study.model_validate(raw)
    except ValidationError as exc:
        raise ModelFileError("", issues=issues_from_validation(exc, path, "study", Study)) from exc


# ------------------------------------------------------------------------- cases
class Case(FrozenModel):
    """One case of a study: everything a worker needs to build and solve it.

    Attributes
    ----------
    case_id : str
        Stable hash of the inputs (see the module docstring).
    position : int
        Place in the study's case order [-].
    study : str
        Study name.
    label : str
        Optional label from an explicit case list.
    values : dict
        Axis name -> value.
    start, end : datetime
        Horizon ``[start, end)``, site-local wall clock (naive), already moved to the price year.
    interval_min : int
        Step [min].
    load_shift_days : int
        The load is read this many days earlier than the horizon, a multiple of 7 [d].
    base_scenario : str
        Absolute path of the base scenario TOML (or a built-in name).
    price_file : str or None
        Absolute path of the price file for ``price_year``; None: the base tariff's prices.
    """

    case_id: str
    position: int
    study: str
    label: str = ""
    values: dict[str, Scalar]
    start: dt.datetime
    end: dt.datetime
    interval_min: int
    load_shift_days: int = 0
    base_scenario: str
    price_file: str | None = None

    @property
    def input_key(self) -> tuple[object, ...]:
        """Cases with equal keys share the same prepared inputs (the same loaded series)."""
        return (self.base_scenario, self.start, self.end, self.interval_min, self.load_shift_days, self.price_file)


def canonical_json(obj: object) -> str:
    """JSON with sorted keys, no spaces, and ISO date-times: one text per value."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=_json_default)


def _json_default(obj: object) -> str:
    if isinstance(obj, dt.datetime | dt.date):
        return obj.isoformat()
    msg = f"cannot put {type(obj).__name__} into a case id; expected a scalar"
    raise TypeError(msg)


def make_case_id(inputs: dict[str, Any]) -> str:
    """First 16 hex digits of SHA-256 over :func:`canonical_json` of ``inputs``."""
    return hashlib.sha256(canonical_json(inputs).encode("ascii")).hexdigest()[:16]


def week_shift_days(offset_days: int) -> int:
    """The multiple of 7 days nearest ``offset_days`` (ties to the smaller shift) [d]."""
    lower = 7 * math.floor(offset_days / 7)
    return lower if offset_days - lower <= lower + 7 - offset_days else lower + 7


def move_to_year(start: dt.datetime, end: dt.datetime, year: int) -> tuple[dt.datetime, dt.datetime]:
    """The same calendar dates in ``year`` (both ends move by the same number of years)."""
    years = year - start.year
    try:
        return start.replace(year=start.year + years), end.replace(year=end.year + years)
    except ValueError as exc:  # 29 February
        msg = f"cannot move {start:%Y-%m-%d} .. {end:%Y-%m-%d} to {year}: {exc}. Avoid 29 February in a price-year study"
        raise ValueError(msg) from exc


# ------------------------------------------------------------- building a case
def prepare_inputs(case: Case) -> Scenario:
    """The base scenario on the case horizon, with the price year's prices; axes not applied.

    Cases with the same :attr:`Case.input_key` get the same result, so workers cache it.

    Raises
    ------
    ModelFileError, TimeSeriesError
        The base scenario cannot be read, or the load or price data do not cover the window.
    """
    from optimizer.io import load_scenario

    shift = pd.Timedelta(days=case.load_shift_days)
    if case.load_shift_days == 0 and case.price_file is None:
        return load_scenario(case.base_scenario, start=case.start, end=case.end, interval_min=case.interval_min)
    src = load_scenario(
        case.base_scenario,
        start=(pd.Timestamp(case.start) - shift).to_pydatetime(),
        end=(pd.Timestamp(case.end) - shift).to_pydatetime(),
        interval_min=case.interval_min,
    )
    tz = src.site.timezone
    index = make_index(
        pd.Timestamp(case.start).tz_localize(tz, ambiguous=True, nonexistent="shift_forward"),
        pd.Timestamp(case.end).tz_localize(tz, ambiguous=True, nonexistent="shift_forward"),
        case.interval_min,
        tz,
    )
    changes: dict[str, object] = {}
    notes = list(src.notes)
    if case.load_shift_days:
        for f in dataclasses.fields(src):
            value = getattr(src, f.name)
            if isinstance(value, pd.Series):
                changes[f.name] = _shift_series(value, index, case.load_shift_days, f.name)
        notes.append(
            f"load and other series: taken {case.load_shift_days} days ({case.load_shift_days // 7} weeks) earlier, "
            "so weekdays and hours of day line up with the price year"
        )
    if case.price_file is not None:
        changes["price_usd_per_mwh"] = _year_prices(src, Path(case.price_file), index)
        notes = [n for n in notes if not n.startswith(("prices:", "price_usd_per_mwh:"))]
        notes.append(f"prices: {Path(case.price_file).name} (price year {case.start.year})")
    return src.replace(**changes, notes=tuple(notes))


def _shift_series(series: pd.Series, index: pd.DatetimeIndex, shift_days: int, name: str) -> pd.Series:
    """``series`` read at the wall-clock times of ``index`` minus ``shift_days``."""
    src = series.copy()
    src.index = pd.DatetimeIndex(src.index).tz_localize(None)
    src = src[~src.index.duplicated(keep="first")]
    want = pd.DatetimeIndex(index).tz_localize(None) - pd.Timedelta(days=shift_days)
    if want.min() < src.index.min() or want.max() > src.index.max():
        raise TimeSeriesError(
            "",
            issues=[
                Issue(
                    "shifted series does not cover the horizon",
                    field=name,
                    expected=f"{want.min()} .. {want.max()} (local)",
                    got=f"{src.index.min()} .. {src.index.max()}",
                    fix="Choose a study window inside the load year",
                )
            ],
        )
    out = src.reindex(want, method="ffill")
    out.index = index
    return out.rename(series.name)


def _year_prices(src: Scenario, path: Path, index: pd.DatetimeIndex) -> pd.Series:
    source = src.tariff.energy_price
    if source is None and src.tariff_spec is not None:  # a tariff-engine tariff names its own price file
        source = getattr(src.tariff_spec.energy, "price_series", None)
    if source is None:
        raise TimeSeriesError("", issues=[Issue("the base tariff names no price file, so its column is unknown", field="tariff.energy_price", fix="Give the base tariff an [tariff.energy_price] table")])
    raw = read_series(path, source.column, source.timestamp_column).tz_convert(index.tz)
    stamps = pd.DatetimeIndex(raw.index)
    first = max(int(stamps.searchsorted(index[0], side="right")) - 1, 0)
    last = int(stamps.searchsorted(index[-1] + pd.Timedelta(minutes=timeindex.interval_min(index, default_min=60)), side="left"))
    window = raw.iloc[first:last]
    try:
        price, _ = to_horizon(window, index, kind="price", name="price_usd_per_mwh", source=str(path))
    except TimeSeriesError as exc:
        step = pd.Timedelta(minutes=timeindex.interval_min(index, default_min=60))
        first_gap, got = (exc.issues[0].timestamp, exc.issues[0].got) if exc.issues else (None, None)
        src_steps = pd.Series(pd.DatetimeIndex(window.index)).diff().dropna()
        if len(window) == 0 or (len(src_steps) and src_steps.min() == step):  # same step: name the missing intervals
            wanted = pd.date_range(index[0], index[-1], freq=step)
            missing = wanted.difference(stamps)
            if len(missing):
                first_gap, got = missing[0].isoformat(), f"{len(missing)} of {len(wanted)} intervals missing"
        raise TimeSeriesError(
            "",
            issues=[
                Issue(
                    "the price file does not cover the case window",
                    path=str(path),
                    field="price_year",
                    timestamp=first_gap,
                    expected=f"prices for {index[0].isoformat()} .. {index[-1].isoformat()}",
                    got=got,
                    fix="Choose study dates the file covers (see data/SOURCES.md)",
                ),
                *exc.issues,
            ],
        ) from exc
    return price


def set_fleet_units(site: Site, fleet_units: int) -> Site:
    """The site with ``fleet_units`` battery units in all.

    One group: its ``n_units`` becomes ``fleet_units``. Several: each group's ``n_units``
    is scaled in proportion and rounded by largest remainder, so they add up exactly.

    Raises
    ------
    ModelFileError
        The site has no battery group, or several groups with no unit between them.
    """
    groups = site.battery_groups
    if not groups:
        raise ModelFileError("", issues=[Issue("fleet_units needs a battery group in the base site; it has none", field="fleet_units", fix="Add a [[site.battery_groups]] table to the base site")])
    if len(groups) == 1:
        counts = [fleet_units]
    else:
        total = sum(g.n_units for g in groups)
        if total == 0:
            raise ModelFileError("", issues=[Issue("cannot scale several battery groups that have 0 units in all", field="fleet_units", fix="Give the base groups their relative sizes, or set each by its dotted path")])
        exact = [g.n_units * fleet_units / total for g in groups]
        counts = [math.floor(x) for x in exact]
        by_remainder = sorted(range(len(groups)), key=lambda i: (-(exact[i] - counts[i]), i))
        for i in by_remainder[: fleet_units - sum(counts)]:
            counts[i] += 1
    new_groups = tuple(g.model_copy(update={"n_units": n}) for g, n in zip(groups, counts, strict=True))
    return site.model_copy(update={"battery_groups": new_groups})


def _walk(data: Any, parts: list[str], root: str, axis: str) -> tuple[Any, str | int]:
    """The container holding the field at ``parts`` inside ``data`` and its key.

    Tuples on the way are replaced by lists in place so the field can be set.
    """
    node = data
    where = root
    for i, part in enumerate(parts):
        key: str | int
        if isinstance(node, dict):
            if part not in node:
                raise ModelFileError("", issues=[Issue(f"no field {part!r} in {where}", field=axis, expected=f"one of {sorted(node)}", got=part, fix="Correct the dotted path")])
            key = part
        elif isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ModelFileError("", issues=[Issue(f"{where} has no position {part!r}", field=axis, expected=f"0 .. {len(node) - 1}", got=part, fix="Correct the dotted path")])
            key = int(part)
        else:
            raise ModelFileError("", issues=[Issue(f"{where} is a scalar; it has no field {part!r}", field=axis, fix="Correct the dotted path")])
        if i == len(parts) - 1:
            if isinstance(node[key], dict | list | tuple):
                raise ModelFileError("", issues=[Issue(f"{where}.{part} is a table or list; a dotted axis must name a scalar field", field=axis, fix="Name a field inside it")])
            return node, key
        child = node[key]
        if isinstance(child, tuple):
            child = list(child)
            node[key] = child
        if child is None:
            raise ModelFileError("", issues=[Issue(f"{where}.{part} is not set in the base scenario, so its fields cannot be swept", field=axis, fix=f"Set {where}.{part} in the base scenario first")])
        node = child
        where = f"{where}.{part}"
    raise ModelFileError("", issues=[Issue("empty dotted path", field=axis, fix="Name a field")])


def _set_path(model: BaseModel, root: str, parts: list[str], value: Scalar, axis: str) -> BaseModel:
    """``model`` with the field at ``parts`` set to ``value``, validated again."""
    data = model.model_dump()
    container, key = _walk(data, parts, root, axis)
    container[key] = value
    try:
        return type(model).model_validate(data)
    except ValidationError as exc:
        what = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        raise ModelFileError("", issues=[Issue(f"value rejected: {what}", field=axis, got=repr(value), fix="Use a value within the field's bounds")]) from exc


def apply_case(base: Scenario, case: Case) -> Scenario:
    """``base`` with the case's axis values applied (and HiGHS on one thread).

    Parameters
    ----------
    base : Scenario
        From :func:`prepare_inputs` (already on the case horizon and price year).
    case : Case
        The values to apply, in the order the study lists its axes.

    Raises
    ------
    ModelFileError
        A dotted path that does not exist, or a value the model rejects.
    """
    models: dict[str, Any] = {root: getattr(base, root) for root in DOTTED_ROOTS if isinstance(getattr(base, root, None), BaseModel)}
    price = base.price_usd_per_mwh
    for name, value in case.values.items():
        if name == "price_year":
            continue  # applied by prepare_inputs
        if name == "price_multiplier":
            price = price * float(value)
            continue
        if name == "fleet_units":
            models["site"] = set_fleet_units(models["site"], int(value))
            continue
        dotted = _NAMED_TO_DOTTED.get(name, name)
        root, *parts = dotted.split(".")
        if root not in models:
            raise ModelFileError("", issues=[Issue(f"the scenario has no model {root!r}", field=name, expected=f"one of {sorted(models)}", got=root, fix="Correct the dotted path")])
        models[root] = _set_path(models[root], root, parts, value, name)
    models["options"] = models["options"].model_copy(update={"threads": 1})
    label = ",".join(f"{k}={v}" for k, v in case.values.items())
    return base.replace(**models, price_usd_per_mwh=price, name=f"{case.study}[{label}]")


def case_scenario(case: Case) -> Scenario:
    """The scenario of a case, from files: :func:`prepare_inputs` then :func:`apply_case`."""
    return apply_case(prepare_inputs(case), case)


def check_paths(base: Scenario, study: Study) -> None:
    """Check that every dotted axis names an existing scalar field of ``base``; raise listing all.

    A value out of bounds is not checked here: that case becomes a failed row.

    Raises
    ------
    ModelFileError
        Every dotted axis that names no field, a table, or a field under an unset model.
    """
    issues: list[Issue] = []
    for name in study.axis_names:
        if name in NAMED_AXES:
            continue
        root, *parts = name.split(".")
        model = getattr(base, root, None)
        if not isinstance(model, BaseModel):
            issues.append(Issue(f"the scenario has no model {root!r}", path=study.base_scenario, field=name, fix="Correct the dotted path"))
            continue
        try:
            _walk(model.model_dump(), parts, root, name)
        except ModelFileError as exc:
            issues.extend(dataclasses.replace(i, path=study.base_scenario) for i in exc.issues)
    if issues:
        raise ModelFileError("", issues=issues)
