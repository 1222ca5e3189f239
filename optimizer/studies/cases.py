"""A study's cases: expanding the axes, the case id, and building each case's scenario."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ValidationError

from optimizer import timeindex
from optimizer.errors import Issue, ModelFileError, TimeSeriesError
from optimizer.frozen import FrozenModel
from optimizer.inputs.assets import Site
from optimizer.inputs.scenario import Scenario
from optimizer.inputs.timeseries import make_index, read_series, to_horizon
from optimizer.io import builtin_scenario, load_scenario
from optimizer.io.scenario_file import HorizonTable
from optimizer.io.toml import read_toml
from optimizer.studies.spec import _NAMED_TO_DOTTED, DOTTED_ROOTS, NAMED_AXES, Scalar, Study


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
    discount_rate_frac: float = 0.07  # for net_value_usd only; not in the case id
    lifetime_years: int | None = None

    @property
    def input_key(self) -> tuple[object, ...]:
        """Cases with equal keys share the same prepared inputs (the same loaded series)."""
        return (
            self.base_scenario,
            self.start,
            self.end,
            self.interval_min,
            self.load_shift_days,
            self.price_file,
        )


def canonical_json(obj: object) -> str:
    """JSON with sorted keys, no spaces, and ISO date-times: one text per value."""
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=_json_default
    )


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


def move_to_year(
    start: dt.datetime, end: dt.datetime, year: int
) -> tuple[dt.datetime, dt.datetime]:
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

    shift = pd.Timedelta(days=case.load_shift_days)
    if case.load_shift_days == 0 and case.price_file is None:
        return load_scenario(
            case.base_scenario, start=case.start, end=case.end, interval_min=case.interval_min
        )
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


def _shift_series(
    series: pd.Series, index: pd.DatetimeIndex, shift_days: int, name: str
) -> pd.Series:
    """``series`` read at the wall-clock times of ``index`` minus ``shift_days``."""
    src = series.copy()
    src.index = pd.DatetimeIndex(src.index).tz_localize(None)
    src = src[~src.index.duplicated(keep="first")]
    want = pd.DatetimeIndex(index).tz_localize(None) - pd.Timedelta(days=shift_days)
    if want.min() < src.index.min() or want.max() > src.index.max():
        msg = ""
        raise TimeSeriesError(
            msg,
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
    if (
        source is None and src.tariff_spec is not None
    ):  # a tariff-engine tariff names its own price file
        source = getattr(src.tariff_spec.energy, "price_series", None)
    if source is None:
        msg = ""
        raise TimeSeriesError(
            msg,
            issues=[
                Issue(
                    "the base tariff names no price file, so its column is unknown",
                    field="tariff.energy_price",
                    fix="Give the base tariff an [tariff.energy_price] table",
                )
            ],
        )
    raw = read_series(path, source.column, source.timestamp_column).tz_convert(index.tz)
    stamps = pd.DatetimeIndex(raw.index)
    first = max(int(stamps.searchsorted(index[0], side="right")) - 1, 0)
    last = int(
        stamps.searchsorted(
            index[-1] + pd.Timedelta(minutes=timeindex.interval_min(index, default_min=60)),
            side="left",
        )
    )
    window = raw.iloc[first:last]
    try:
        price, _ = to_horizon(
            window, index, kind="price", name="price_usd_per_mwh", source=str(path)
        )
    except TimeSeriesError as exc:
        step = pd.Timedelta(minutes=timeindex.interval_min(index, default_min=60))
        first_gap, got = (
            (exc.issues[0].timestamp, exc.issues[0].got) if exc.issues else (None, None)
        )
        src_steps = pd.Series(pd.DatetimeIndex(window.index)).diff().dropna()
        if len(window) == 0 or (
            len(src_steps) and src_steps.min() == step
        ):  # same step: name the missing intervals
            wanted = pd.date_range(index[0], index[-1], freq=step)
            missing = wanted.difference(stamps)
            if len(missing):
                first_gap, got = (
                    missing[0].isoformat(),
                    f"{len(missing)} of {len(wanted)} intervals missing",
                )
        msg = ""
        raise TimeSeriesError(
            msg,
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
        msg = ""
        raise ModelFileError(
            msg,
            issues=[
                Issue(
                    "fleet_units needs a battery group in the base site; it has none",
                    field="fleet_units",
                    fix="Add a [[site.battery_groups]] table to the base site",
                )
            ],
        )
    if len(groups) == 1:
        counts = [fleet_units]
    else:
        total = sum(g.n_units for g in groups)
        if total == 0:
            msg = ""
            raise ModelFileError(
                msg,
                issues=[
                    Issue(
                        "cannot scale several battery groups that have 0 units in all",
                        field="fleet_units",
                        fix="Give the base groups their relative sizes, or set each by its dotted path",
                    )
                ],
            )
        exact = [g.n_units * fleet_units / total for g in groups]
        counts = [math.floor(x) for x in exact]
        by_remainder = sorted(range(len(groups)), key=lambda i: (-(exact[i] - counts[i]), i))
        for i in by_remainder[: fleet_units - sum(counts)]:
            counts[i] += 1
    new_groups = tuple(
        g.model_copy(update={"n_units": n}) for g, n in zip(groups, counts, strict=True)
    )
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
                msg = ""
                raise ModelFileError(
                    msg,
                    issues=[
                        Issue(
                            f"no field {part!r} in {where}",
                            field=axis,
                            expected=f"one of {sorted(node)}",
                            got=part,
                            fix="Correct the dotted path",
                        )
                    ],
                )
            key = part
        elif isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                msg = ""
                raise ModelFileError(
                    msg,
                    issues=[
                        Issue(
                            f"{where} has no position {part!r}",
                            field=axis,
                            expected=f"0 .. {len(node) - 1}",
                            got=part,
                            fix="Correct the dotted path",
                        )
                    ],
                )
            key = int(part)
        else:
            msg = ""
            raise ModelFileError(
                msg,
                issues=[
                    Issue(
                        f"{where} is a scalar; it has no field {part!r}",
                        field=axis,
                        fix="Correct the dotted path",
                    )
                ],
            )
        if i == len(parts) - 1:
            if isinstance(node[key], dict | list | tuple):
                msg = ""
                raise ModelFileError(
                    msg,
                    issues=[
                        Issue(
                            f"{where}.{part} is a table or list; a dotted axis must name a scalar field",
                            field=axis,
                            fix="Name a field inside it",
                        )
                    ],
                )
            return node, key
        child = node[key]
        if isinstance(child, tuple):
            child = list(child)
            node[key] = child
        if child is None:
            msg = ""
            raise ModelFileError(
                msg,
                issues=[
                    Issue(
                        f"{where}.{part} is not set in the base scenario, so its fields cannot be swept",
                        field=axis,
                        fix=f"Set {where}.{part} in the base scenario first",
                    )
                ],
            )
        node = child
        where = f"{where}.{part}"
    msg = ""
    raise ModelFileError(msg, issues=[Issue("empty dotted path", field=axis, fix="Name a field")])


def _set_path(model: BaseModel, root: str, parts: list[str], value: Scalar, axis: str) -> BaseModel:
    """``model`` with the field at ``parts`` set to ``value``, validated again."""
    data = model.model_dump()
    container, key = _walk(data, parts, root, axis)
    container[key] = value
    try:
        return type(model).model_validate(data)
    except ValidationError as exc:
        what = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        msg = ""
        raise ModelFileError(
            msg,
            issues=[
                Issue(
                    f"value rejected: {what}",
                    field=axis,
                    got=repr(value),
                    fix="Use a value within the field's bounds",
                )
            ],
        ) from exc


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
    models: dict[str, Any] = {
        root: getattr(base, root)
        for root in DOTTED_ROOTS
        if isinstance(getattr(base, root, None), BaseModel)
    }
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
        series = {
            "site.import_limit_mw": base.grid_import_limit_mw,
            "site.export_limit_mw": base.grid_export_limit_mw,
        }
        if (
            series.get(dotted) is not None
        ):  # the base's cap series replaces the site's cap: a sweep of it would change nothing
            raise ModelFileError(
                issues=[
                    Issue(
                        "the axis sweeps a cap that the base scenario's cap series replaces",
                        field=name,
                        got=dotted,
                        fix="Drop the [series] cap from the base scenario, or sweep something else",
                    )
                ]
            )
        root, *parts = dotted.split(".")
        if root not in models:
            msg = ""
            raise ModelFileError(
                msg,
                issues=[
                    Issue(
                        f"the scenario has no model {root!r}",
                        field=name,
                        expected=f"one of {sorted(models)}",
                        got=root,
                        fix="Correct the dotted path",
                    )
                ],
            )
        models[root] = _set_path(models[root], root, parts, value, name)
    models["options"] = models["options"].model_copy(update={"threads": 1})
    label = ",".join(f"{k}={v}" for k, v in case.values.items())
    return base.replace(**models, price_usd_per_mwh=price, name=f"{case.study}[{label}]")


def case_scenario(case: Case) -> Scenario:
    """The scenario of a case, from files: :func:`prepare_inputs` then :func:`apply_case`."""
    return apply_case(prepare_inputs(case), case)


_WRONG_TYPE = ("_type", "_parsing", "int_from_float")
"""Endings of the pydantic error types that mean a value of the wrong type (not out of bounds)."""


def check_paths(base: Scenario, study: Study) -> None:
    """Check that every dotted axis names an existing scalar field of ``base`` and that its
    values have the field's type; raise listing all, naming the study file.

    A value out of bounds is not checked here: that case becomes a failed row.

    Raises
    ------
    ModelFileError
        Every dotted axis that names no field, a table, or a field under an unset model, and
        every value of the wrong type (text for a number, ...).
    """
    issues: list[Issue] = []
    where = study.source_path or study.base_scenario
    for name in study.axis_names:
        if name in NAMED_AXES:
            continue
        root, *parts = name.split(".")
        model = getattr(base, root, None)
        if not isinstance(model, BaseModel):
            issues.append(
                Issue(
                    f"the scenario has no model {root!r}",
                    path=where,
                    field=name,
                    fix="Correct the dotted path",
                )
            )
            continue
        try:
            _walk(model.model_dump(), parts, root, name)
        except ModelFileError as exc:
            issues.extend(dataclasses.replace(i, path=where) for i in exc.issues)
            continue
        values = list(study.axes.get(name, ())) + [c[name] for c in study.cases if name in c]
        for value in values:
            try:
                _set_path(model, root, parts, value, name)
            except ModelFileError as exc:
                cause = exc.__cause__
                if isinstance(cause, ValidationError) and any(
                    e["type"].endswith(_WRONG_TYPE) for e in cause.errors()
                ):
                    issues.append(
                        Issue(
                            "axis value of the wrong type",
                            path=where,
                            field=name,
                            got=repr(value),
                            fix="Give values of the field's type",
                        )
                    )
    if issues:
        msg = ""
        raise ModelFileError(msg, issues=issues)


def _base_path(study: Study) -> tuple[str, str]:
    """(as written, absolute path or built-in name) of the base scenario."""

    written = study.base_scenario
    path = study.resolve(written)
    if not path.exists() and Path(written).suffix != ".toml" and builtin_scenario(written).exists():
        path = builtin_scenario(written)
    if not path.exists():
        msg = ""
        raise ModelFileError(
            msg,
            issues=[
                Issue(
                    "base scenario not found",
                    path=str(path),
                    field="study.base_scenario",
                    got=written,
                    fix="Give a scenario TOML (relative to the study file) or a built-in name",
                )
            ],
        )
    return written, str(path)


def _horizon(study: Study, base: str) -> tuple[Any, Any, int]:
    """The study's horizon as wall-clock start and end and step, defaults from the base TOML."""

    start, end, step = study.start, study.end, study.interval_min
    if start is None or end is None or step is None:
        hz = HorizonTable.model_validate(read_toml(Path(base)).get("horizon", {}))
        start = hz.start if start is None else start
        end = hz.end if end is None else end
        step = hz.interval_min if step is None else step
    return start.replace(tzinfo=None), end.replace(tzinfo=None), int(step)


def expand_study(study: Study) -> list[Case]:
    """Every case of ``study``, in order, each with its stable ``case_id``.

    Reads only the base scenario's ``[horizon]`` table when the study does not give its own
    horizon; no series are loaded and nothing is solved.

    Parameters
    ----------
    study : Study
        The study spec.

    Returns
    -------
    list of Case
        In product order (last axis fastest) or in the order of the explicit list.

    Raises
    ------
    ModelFileError
        The base scenario does not exist, a date cannot move to a price year, or two
        explicit cases are the same.
    """
    written, base = _base_path(study)
    start, end, step = _horizon(study, base)
    cases: list[Case] = []
    for position, (label, values) in enumerate(study.combinations()):
        c_start, c_end, shift, price_written, price_abs = start, end, 0, None, None
        if "price_year" in values:
            year = int(values["price_year"])
            try:
                c_start, c_end = move_to_year(start, end, year)
            except ValueError as exc:
                msg = ""
                raise ModelFileError(
                    msg,
                    issues=[Issue(str(exc), field="price_year", fix="Choose other study dates")],
                ) from exc
            shift = week_shift_days((c_start - start).days)
            price_written = study.price_files[year]
            price_abs = str(study.resolve(price_written))
        inputs = {
            "base_scenario": written,
            "start": c_start.isoformat(),
            "end": c_end.isoformat(),
            "interval_min": step,
            "load_shift_days": shift,
            "price_file": price_written,
            "values": values,
        }
        cases.append(
            Case(
                case_id=make_case_id(inputs),
                position=position,
                study=study.name,
                label=label,
                values=values,
                start=c_start,
                end=c_end,
                interval_min=step,
                load_shift_days=shift,
                base_scenario=base,
                price_file=price_abs,
                discount_rate_frac=study.discount_rate_frac,
                lifetime_years=study.lifetime_years,
            )
        )
    seen: dict[str, int] = {}
    for c in cases:
        if c.case_id in seen:
            msg = ""
            raise ModelFileError(
                msg,
                issues=[
                    Issue(
                        "two cases have the same inputs",
                        path=study.source_path,
                        field=f"cases[{c.position}]",
                        got=f"same as cases[{seen[c.case_id]}]",
                        fix="Remove the duplicate",
                    )
                ],
            )
        seen[c.case_id] = c.position
    return cases
