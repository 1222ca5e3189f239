"""Reading a :class:`~optimizer.tariffs.spec.TariffSpec` from TOML or URDB JSON.

A tariff TOML holds ``schema_version = 1`` and one ``[tariff]`` table whose keys are the
TariffSpec field names. Paths inside it (``energy.price_series.path``,
``coincident_peak.source.path``) are relative to the TOML file and are stored resolved.
A ``.json`` path is read as OpenEI URDB (:func:`read_urdb`, translated by
:func:`optimizer.tariffs.urdb.urdb_to_spec`). A ``[tariff]`` table in the older schema of
:class:`optimizer.inputs.tariff.Tariff` (``energy_price``, ``energy_adder_usd_per_mwh``,
``demand_charge_usd_per_mw``) is converted with
:func:`optimizer.inputs.tariff.spec_from_tariff` (the pure conversion; this module only
resolves the price-series path against the file), so simple tariff files read as specs too.

A coincident-peak charge may name a file of candidate hours (:func:`read_candidates_csv`)
or an hourly system load (:func:`read_system_load`, reduced by
:func:`optimizer.tariffs.coincident.system_peak_candidates`). All file reading of the
tariff engine is here: :mod:`optimizer.tariffs` holds only the rules.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import ValidationError

from optimizer.errors import InputError, Issue, ModelFileError, TimeSeriesError, file_not_found
from optimizer.inputs.tariff import Tariff, spec_from_tariff
from optimizer.io.toml import SCHEMA_VERSION, _one_table, issues_from_validation, read_toml
from optimizer.tariffs.coincident import system_peak_candidates
from optimizer.tariffs.spec import CandidateHour, TariffSpec
from optimizer.tariffs.urdb import urdb_to_spec

_LEGACY_KEYS = frozenset({"energy_price", "energy_adder_usd_per_mwh", "demand_charge_usd_per_mw"})


def _read_toml(path: Path) -> dict[str, Any]:
    """The ``[tariff]`` table of a tariff TOML (the file's only table)."""
    return _one_table(read_toml(path), "tariff", path)


# ------------------------------------------------------------------ URDB JSON
def read_urdb(path: str | Path) -> TariffSpec:
    """Read an OpenEI URDB JSON file into a TariffSpec (see the module docstring).

    Raises
    ------
    InputError
        Missing or unreadable file, or unsupported/malformed fields (all listed).
    """
    path = Path(path)
    if not path.exists():
        raise InputError(issues=[Issue("file not found", path=str(path), fix="Check the path")])
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(
            issues=[Issue(f"not valid JSON ({exc})", path=str(path), fix="Check the file")]
        ) from exc
    return urdb_to_spec(doc, source=str(path))


# ------------------------------------------------------ coincident-peak files
def _read_csv(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise InputError(
            issues=[file_not_found(path)],
        )
    try:
        return pd.read_csv(path)
    except Exception as exc:  # parser errors
        raise InputError(
            issues=[Issue(f"cannot read CSV ({exc})", path=str(path), fix="Check the file format")],
        ) from exc


def read_system_load(
    path: str | Path,
    *,
    timezone: str = "America/Chicago",
    timestamp_column: str = "date_time",
    load_column: str = "cleaned demand (MW)",
    timestamps_mark: Literal["interval_start", "interval_end"] = "interval_end",
) -> pd.Series:
    """Hourly system load [MW] indexed by local hour start.

    Parameters
    ----------
    path : str or Path
        CSV with a UTC (naive or offset) timestamp column and a load column [MW].
    timezone : str
        Zone of the billing calendar.
    timestamp_column, load_column : str
        Column names (defaults: the cleaned EIA-930 file).
    timestamps_mark : {"interval_end", "interval_start"}
        EIA-930 stamps are hour-ending: the hour ``[t - 1 h, t)`` is labelled ``t``.

    Raises
    ------
    InputError
        Missing file or column; non-numeric or missing loads.
    """
    path = Path(path)
    frame = _read_csv(path)
    for col in (timestamp_column, load_column):
        if col not in frame.columns:
            raise InputError(
                issues=[
                    Issue(
                        "column missing",
                        path=str(path),
                        field=col,
                        expected=col,
                        got=", ".join(map(str, frame.columns)),
                        fix="Name the right column",
                    )
                ],
            )
    stamps = pd.to_datetime(frame[timestamp_column], utc=True)
    if timestamps_mark == "interval_end":
        stamps = stamps - pd.Timedelta(hours=1)
    load = pd.to_numeric(frame[load_column], errors="coerce")
    if load.isna().any():
        first = stamps[load.isna()].iloc[0]
        raise TimeSeriesError(
            issues=[
                Issue(
                    "missing or non-numeric load",
                    path=str(path),
                    field=load_column,
                    timestamp=first.isoformat(),
                    fix="Use the cleaned column or fill the gaps",
                )
            ],
        )
    series = pd.Series(
        load.to_numpy(dtype=float),
        index=pd.DatetimeIndex(stamps).tz_convert(timezone),
        name="system_load_mw",
    )
    return series[~series.index.duplicated()].sort_index()


def read_candidates_csv(
    path: str | Path, *, timestamp_column: str = "interval_start", weight_column: str | None = None
) -> tuple[CandidateHour, ...]:
    """Candidate peak-period starts (tz-aware ISO 8601) and optional weights from a CSV.

    Without a weight column every candidate of a month gets ``1 / (candidates in month)``.

    Raises
    ------
    InputError
        Missing file or column, or naive timestamps.
    """
    path = Path(path)
    frame = _read_csv(path)
    cols = [timestamp_column] + ([weight_column] if weight_column else [])
    for col in cols:
        if col not in frame.columns:
            raise InputError(
                issues=[
                    Issue(
                        "column missing",
                        path=str(path),
                        field=col,
                        got=", ".join(map(str, frame.columns)),
                        fix="Name the right column",
                    )
                ],
            )
    starts = [pd.Timestamp(v) for v in frame[timestamp_column]]
    naive = [s for s in starts if s.tzinfo is None]
    if naive:
        raise InputError(
            issues=[
                Issue(
                    "timestamp has no UTC offset",
                    path=str(path),
                    field=timestamp_column,
                    got=str(naive[0]),
                    fix="Write stamps like 2021-02-16T07:00:00-06:00",
                )
            ],
        )
    if weight_column:
        weights = frame[weight_column].astype(float).tolist()
    else:
        months = [f"{s.year:04d}-{s.month:02d}" for s in starts]
        counts = {m: months.count(m) for m in set(months)}
        weights = [1.0 / counts[m] for m in months]
    return tuple(
        sorted(
            (
                CandidateHour(start=s.to_pydatetime(), weight_frac=w)
                for s, w in zip(starts, weights, strict=True)
            ),
            key=lambda c: c.start,
        )
    )


def spec_from_legacy(tariff: Tariff, *, base: Path | None = None) -> TariffSpec:
    """The TariffSpec of a simple tariff: :func:`optimizer.inputs.tariff.spec_from_tariff`."""
    return spec_from_tariff(tariff, base=base)


def _fill_candidates(raw: dict[str, Any], path: Path) -> None:
    cp = raw.get("coincident_peak")
    if not isinstance(cp, dict) or not isinstance(cp.get("source"), dict):
        return
    field = "tariff.coincident_peak"
    if cp.get("candidates"):
        raise ModelFileError(
            issues=[
                Issue(
                    "give candidates or source, not both",
                    path=str(path),
                    field=f"{field}.candidates",
                    fix="Remove one of them",
                )
            ],
        )
    src = dict(cp["source"])
    if "path" not in src or src.get("kind") not in ("csv", "system_load"):
        raise ModelFileError(
            issues=[
                Issue(
                    "source needs kind ('csv' or 'system_load') and path",
                    path=str(path),
                    field=f"{field}.source",
                    got=repr(src)[:80],
                    fix="Add kind and path",
                )
            ],
        )
    src["path"] = str((path.parent / src["path"]).resolve())
    cp = {**cp, "source": src}
    try:
        if src["kind"] == "csv":
            cands = read_candidates_csv(
                src["path"],
                timestamp_column=src.get("timestamp_column") or "interval_start",
                weight_column=src.get("weight_column"),
            )
        else:
            load = read_system_load(
                src["path"],
                timezone=src.get("timezone", "America/Chicago"),
                timestamp_column=src.get("timestamp_column") or "date_time",
                load_column=src.get("load_column", "cleaned demand (MW)"),
                timestamps_mark=src.get("timestamps_mark") or "interval_end",
            )
            cands = system_peak_candidates(
                load,
                n_per_month=int(src.get("n_per_month", 1)),
                distinct_days=bool(src.get("distinct_days", True)),
                weighting=src.get("weighting", "equal"),
            )
    except InputError as exc:
        issues = [
            Issue(
                i.what,
                path=i.path,
                field=i.field,
                timestamp=i.timestamp,
                expected=i.expected,
                got=i.got,
                fix=f"{i.fix or 'Fix the file'} (named by {path} [{field}.source.path])",
            )
            for i in exc.issues
        ]
        raise ModelFileError(issues=issues) from exc
    cp["candidates"] = [c.model_dump() for c in cands]
    raw["coincident_peak"] = cp


def load_tariff_spec(path: str | Path) -> TariffSpec:
    """Read a tariff TOML (``schema_version = 1``, ``[tariff]``) or a URDB ``.json`` file.

    Parameters
    ----------
    path : str or Path
        The tariff file.

    Returns
    -------
    TariffSpec
        With every path resolved and coincident candidates filled in.

    Raises
    ------
    ModelFileError
        Unreadable TOML, wrong ``schema_version``, unknown or invalid keys (all listed with
        file and ``tariff.<field>``), or an unreadable file that the TOML names.
    InputError
        Unsupported or malformed URDB fields (for ``.json``).
    """
    path = Path(path).resolve()
    if path.suffix.lower() == ".json":
        return read_urdb(path)
    raw = _read_toml(path)
    if _LEGACY_KEYS & set(raw):
        try:
            legacy = Tariff.model_validate(raw)
        except ValidationError as exc:
            raise ModelFileError(
                issues=issues_from_validation(exc, path, "tariff", Tariff)
            ) from exc
        return spec_from_legacy(legacy, base=path.parent)
    energy = raw.get("energy")
    if (
        isinstance(energy, dict)
        and isinstance(energy.get("price_series"), dict)
        and "path" in energy["price_series"]
    ):
        ps = dict(energy["price_series"])
        ps["path"] = str((path.parent / ps["path"]).resolve())
        raw["energy"] = {**energy, "price_series": ps}
    _fill_candidates(raw, path)
    try:
        return TariffSpec.model_validate(raw)
    except ValidationError as exc:
        raise ModelFileError(
            issues=issues_from_validation(exc, path, "tariff", TariffSpec)
        ) from exc


__all__ = [
    "SCHEMA_VERSION",
    "load_tariff_spec",
    "read_candidates_csv",
    "read_system_load",
    "read_urdb",
    "spec_from_legacy",
]
