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

import datetime as dt
import itertools
import math
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from optimizer.errors import Issue, ModelFileError
from optimizer.frozen import FrozenModel
from optimizer.io.builtin import resolve_model_path
from optimizer.io.toml import issues_from_validation, read_toml

__all__ = ["DOTTED_ROOTS", "NAMED_AXES", "Study", "load_study"]

Scalar = bool | int | float | str

NAMED_AXES = (
    "fleet_units",
    "import_limit_mw",
    "price_year",
    "price_multiplier",
    "demand_charge_usd_per_mw",
)
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
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


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
        if name == "fleet_units" and not (
            isinstance(v, int) and not isinstance(v, bool) and v >= 0
        ):
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
        elif name in ("price_multiplier", "demand_charge_usd_per_mw") and not (
            _is_number(v) and float(v) >= 0
        ):  # type: ignore[arg-type]
            problems.append(f"axis {name!r}: expected numbers >= 0, got {v!r}")
    return problems


def _normalise(name: str, value: Scalar) -> Scalar:
    """One spelling per value, so ``1000`` and ``1000.0`` give the same case id."""
    if name in ("import_limit_mw", "price_multiplier", "demand_charge_usd_per_mw") and _is_number(
        value
    ):
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
    discount_rate_frac : float
        Owner's real discount rate for the fleet's annualised cost in ``net_value_usd``
        [-/y]; not part of any case id (net value is arithmetic on the solved case).
    lifetime_years : int, optional
        Years the fleet cost is annualised over; default: each unit's ``economics``.
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
    source_path: str | None = Field(
        default=None,
        description="The study TOML read by load_study (for messages); not part of any case id.",
    )
    discount_rate_frac: float = Field(
        default=0.07, ge=0, le=0.5, description="Real discount rate for net_value_usd [-/y]."
    )
    lifetime_years: int | None = Field(
        default=None, gt=0, le=60, description="Annualisation period; default: the unit's [y]."
    )

    @model_validator(mode="after")
    def _check(self) -> Study:
        problems: list[str] = []
        if bool(self.axes) == bool(self.cases):
            problems.append(
                "a study needs either [axes] (cartesian product) or [[cases]] (explicit list), not both and not neither"
            )
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
                    problems += [
                        f"cases[{i}]: {p}" for p in _check_axis_values(name, (value,), years)
                    ]
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
                (
                    str(c.get(_LABEL_KEY, "")),
                    {k: _normalise(k, v) for k, v in c.items() if k != _LABEL_KEY},
                )
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
        The study TOML, or a built-in study's name (``fleet-size``).

    Returns
    -------
    Study
        Validated; relative paths resolve against the TOML's folder.

    Raises
    ------
    ModelFileError
        Unreadable TOML, wrong schema_version, unknown tables or keys, bad axes (all listed).
    """

    path = resolve_model_path(path, "study")
    doc = read_toml(path)
    issues = [
        Issue("unknown table", path=str(path), field=key, fix="Allowed: [study], [axes], [[cases]]")
        for key in sorted(set(doc) - {"study", "axes", "cases"})
    ]
    if "study" not in doc:
        issues.append(
            Issue(
                "table [study] missing",
                path=str(path),
                field="study",
                fix="Add a [study] table with name and base_scenario",
            )
        )
    if issues:
        msg = ""
        raise ModelFileError(msg, issues=issues)
    raw = dict(doc["study"])
    for key in ("axes", "cases", "base_dir", "source_path"):
        if key in raw:
            msg = ""
            raise ModelFileError(
                msg,
                issues=[
                    Issue(
                        "key not allowed in [study]",
                        path=str(path),
                        field=f"study.{key}",
                        fix="Write axes in [axes] and cases in [[cases]]",
                    )
                ],
            )
    raw["axes"] = {
        k: tuple(v) if isinstance(v, list) else (v,)
        for k, v in _flatten(doc.get("axes", {})).items()
    }
    raw["cases"] = tuple(_flatten(c) for c in doc.get("cases", []))
    raw["base_dir"] = str(path.parent)
    raw["source_path"] = str(path)
    try:
        return Study.model_validate(raw)
    except ValidationError as exc:
        msg = ""
        raise ModelFileError(msg, issues=issues_from_validation(exc, path, "study", Study)) from exc
