"""Reading a :class:`~optimizer.tariffs.spec.TariffSpec` from TOML or URDB JSON.

A tariff TOML holds ``schema_version = 1`` and one ``[tariff]`` table whose keys are the
TariffSpec field names. Paths inside it (``energy.price_series.path``,
``coincident_peak.source.path``) are relative to the TOML file and are stored resolved.
A ``.json`` path is read as OpenEI URDB (:func:`optimizer.tariffs.urdb.read_urdb`).
A ``[tariff]`` table in the older schema of :class:`optimizer.inputs.tariff.Tariff`
(``energy_price``, ``energy_adder_usd_per_mwh``, ``demand_charge_usd_per_mw``) is
converted with :func:`spec_from_legacy`, so existing tariff files keep working.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from optimizer.errors import InputError, Issue, ModelFileError
from optimizer.inputs.tariff import Tariff
from optimizer.io.toml import _one_table, issues_from_validation, read_toml
from optimizer.tariffs.coincident import (
    read_candidates_csv,
    read_system_load,
    system_peak_candidates,
)
from optimizer.tariffs.spec import TariffSpec
from optimizer.tariffs.urdb import read_urdb

SCHEMA_VERSION = 1
_LEGACY_KEYS = frozenset({"energy_price", "energy_adder_usd_per_mwh", "demand_charge_usd_per_mw"})


def _read_toml(path: Path) -> dict[str, Any]:
    """The ``[tariff]`` table of a tariff TOML (the file's only table)."""
    return _one_table(read_toml(path), "tariff", path)


def spec_from_legacy(tariff: Tariff, *, base: Path | None = None) -> TariffSpec:
    """The TariffSpec of a tariff in the older :class:`~optimizer.inputs.tariff.Tariff` schema.

    Energy at the price series plus the adder, a facility demand charge on the month's
    highest single model interval (``demand_interval_min = None``), the fixed monthly
    charge and the same export compensation. ``base`` resolves the price-series path.
    """
    energy: dict[str, Any] = {
        "basis": "market",
        "adder_usd_per_mwh": tariff.energy_adder_usd_per_mwh,
    }
    if tariff.energy_price is not None:
        src = tariff.energy_price.model_dump()
        if base is not None:
            src["path"] = str((base / src["path"]).resolve())
        energy["price_series"] = src
    spec: dict[str, Any] = {
        "name": tariff.name,
        "notes": [
            "converted from the [tariff] schema of optimizer.inputs.tariff.Tariff:"
            " demand on single model intervals"
        ],
        "energy": energy,
        "demand_interval_min": None,
        "fixed_charge_usd_per_month": tariff.fixed_charge_usd_per_month,
        "export_compensation": tariff.export_compensation,
        "export_price_usd_per_mwh": tariff.export_price_usd_per_mwh,
    }
    if tariff.demand_charge_usd_per_mw > 0:
        spec["facility_demand"] = {
            "name": "facility",
            "periods": [{"name": "facility", "rate_usd_per_mw": tariff.demand_charge_usd_per_mw}],
        }
    return TariffSpec.model_validate(spec)


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


__all__ = ["SCHEMA_VERSION", "load_tariff_spec", "spec_from_legacy"]
