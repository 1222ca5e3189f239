"""OpenEI URDB JSON -> :class:`~optimizer.tariffs.spec.TariffSpec`.

URDB states rates in USD/kWh and USD/kW; they become USD/MWh and USD/MW through
:data:`optimizer.units.MW_PER_KW`. Every field of the rate object is either read,
recorded in ``TariffSpec.notes`` (informational fields), or rejected with an
:class:`~optimizer.errors.InputError` naming the file and the JSON field: nothing is
silently dropped. All problems of a file are reported together.

Supported
---------
- ``energyratestructure`` (``rate + adj``; tiers with ``max`` in kWh/month; ``sell``)
  with ``energyweekdayschedule`` / ``energyweekendschedule``;
- ``demandratestructure`` (``rate + adj``; tiers with ``max`` in kW) with
  ``demandweekdayschedule`` / ``demandweekendschedule``;
- ``flatdemandstructure`` with ``flatdemandmonths``;
- ``coincidentratestructure`` with ``coincidentschedule``: billed on the month's highest
  demand-interval average inside the scheduled hours (URDB does not say which hour is the
  system peak, so every scheduled hour is treated as a candidate; a note says so);
- ``demandwindow`` (15, 30 or 60 min; absent -> 15 min, noted);
- ``fixedmonthlycharge``; ``fixedchargefirstmeter`` + ``fixedchargeunits`` ($/month, $/day);
- ``mincharge`` + ``minchargeunits`` ($/month, $/day);
- ``lookbackpercent`` + ``lookbackrange`` / ``lookbackmonths`` (ratchet on the flat charge);
- units fields ``demandrateunit``, ``flatdemandunit``, ``coincidentrateunit``,
  ``demandunits`` when they say kW.

Rejected (examples): energy tier units other than kWh (``kWh daily``, ``kWh/kW``), demand
in kVA or hp, ``$/year`` fixed or minimum charges, a tiered energy period that shares a
month with another period (URDB does not define how the month's kWh split between them),
a last tier with a finite ``max``, ``demandwindow`` other than 15/30/60, look-back
ratchets without a flat demand charge, and any field not listed here or in
``INFORMATIONAL_FIELDS``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from optimizer.errors import InputError, Issue
from optimizer.tariffs.spec import TariffSpec
from optimizer.units import MW_PER_KW

RATE_FIELDS = frozenset(
    {
        "energyratestructure",
        "energyweekdayschedule",
        "energyweekendschedule",
        "demandratestructure",
        "demandweekdayschedule",
        "demandweekendschedule",
        "flatdemandstructure",
        "flatdemandmonths",
        "demandwindow",
        "coincidentratestructure",
        "coincidentschedule",
        "fixedmonthlycharge",
        "fixedchargefirstmeter",
        "fixedchargeunits",
        "mincharge",
        "minchargeunits",
        "lookbackpercent",
        "lookbackrange",
        "lookbackmonths",
        "demandrateunit",
        "flatdemandunit",
        "coincidentrateunit",
        "demandunits",
    }
)
"""Fields read into the TariffSpec."""

INFORMATIONAL_FIELDS = frozenset(
    {
        "label",
        "uri",
        "utility",
        "name",
        "eiaid",
        "sector",
        "description",
        "source",
        "sourceparent",
        "startdate",
        "enddate",
        "revisions",
        "supersedes",
        "approved",
        "is_default",
        "country",
        "voltageminimum",
        "voltagemaximum",
        "voltagecategory",
        "phasewiring",
        "servicetype",
        "basicinformationcomments",
        "energycomments",
        "demandcomments",
        "peakkwcapacitymin",
        "peakkwcapacitymax",
        "peakkwcapacityhistory",
        "peakkwhusagemin",
        "peakkwhusagemax",
        "peakkwhusagehistory",
        "usenetmetering",
        "dgrules",
        "energyattrs",
        "demandattrs",
        "fixedattrs",
    }
)
"""Fields that do not change the bill of an eligible customer; some are copied to notes."""

_NOTED = (
    "usenetmetering",
    "dgrules",
    "energyattrs",
    "demandattrs",
    "fixedattrs",
    "peakkwcapacitymin",
    "peakkwcapacitymax",
)
_USD_PER_KWH_TO_USD_PER_MWH = 1.0 / MW_PER_KW  # 1 MWh = 1000 kWh
_USD_PER_KW_TO_USD_PER_MW = 1.0 / MW_PER_KW
_KWH_TO_MWH = MW_PER_KW


class _Collector:
    def __init__(self, path: str) -> None:
        self.path = path
        self.issues: list[Issue] = []

    def add(
        self,
        field: str,
        what: str,
        *,
        expected: str | None = None,
        got: object = None,
        fix: str | None = None,
    ) -> None:
        self.issues.append(
            Issue(
                what,
                path=self.path,
                field=field,
                expected=expected,
                got=None if got is None else repr(got)[:120],
                fix=fix,
            )
        )


def _find_rate(obj: Any, depth: int = 0) -> dict[str, Any] | None:
    """The URDB rate object: top level, under ``urdb_response``, or the single ``items`` entry."""
    if depth > 6:
        return None
    if isinstance(obj, dict):
        if any(
            k in obj
            for k in (
                "energyratestructure",
                "demandratestructure",
                "flatdemandstructure",
                "energyweekdayschedule",
            )
        ):
            return obj
        if "urdb_response" in obj:
            return _find_rate(obj["urdb_response"], depth + 1)
        if isinstance(obj.get("items"), list) and len(obj["items"]) == 1:
            return _find_rate(obj["items"][0], depth + 1)
        for value in obj.values():
            found = _find_rate(value, depth + 1)
            if found is not None:
                return found
    return None


def _number(c: _Collector, field: str, value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        c.add(field, "not a number", expected="a number", got=value, fix="Correct the value")
        return None
    return float(value)


def _matrix(
    c: _Collector, doc: dict[str, Any], field: str, n_periods: int
) -> list[list[int]] | None:
    value = doc.get(field)
    if value is None:
        c.add(
            field,
            "schedule missing",
            expected="a 12x24 list of period indices",
            got=None,
            fix=f"Add {field}",
        )
        return None
    ok = (
        isinstance(value, list)
        and len(value) == 12
        and all(isinstance(r, list) and len(r) == 24 for r in value)
    )
    if not ok:
        c.add(
            field,
            "schedule is not 12 months x 24 hours",
            expected="12x24",
            got=f"{len(value) if isinstance(value, list) else type(value).__name__} rows",
            fix="Give one row per month, one entry per hour",
        )
        return None
    flat = [p for row in value for p in row]
    if any(isinstance(p, bool) or not isinstance(p, int) or not 0 <= p < n_periods for p in flat):
        bad = next(
            p
            for p in flat
            if isinstance(p, bool) or not isinstance(p, int) or not 0 <= p < n_periods
        )
        c.add(
            field,
            "period index out of range",
            expected=f"integers 0..{n_periods - 1}",
            got=bad,
            fix="Match the schedule to the rate structure's periods",
        )
        return None
    return [list(r) for r in value]


def _tiers(
    c: _Collector, field: str, periods: object, *, energy: bool
) -> list[dict[str, Any]] | None:
    """Periods as ``{"rate": ..., "tiers": [(rate, upper)], "sell": ...}`` in model units."""
    if (
        not isinstance(periods, list)
        or not periods
        or not all(isinstance(p, list) and p for p in periods)
    ):
        c.add(
            field,
            "rate structure is not a non-empty list of periods, each a non-empty list of tiers",
            got=type(periods).__name__,
            fix="Check the URDB JSON",
        )
        return None
    allowed = {"rate", "adj", "max", "unit", "sell"} if energy else {"rate", "adj", "max", "unit"}
    scale = _USD_PER_KWH_TO_USD_PER_MWH if energy else _USD_PER_KW_TO_USD_PER_MW
    out = []
    for i, tiers in enumerate(periods):
        rows: list[tuple[float, float | None]] = []
        sells = set()
        for j, tier in enumerate(tiers):
            where = f"{field}[{i}][{j}]"
            if not isinstance(tier, dict):
                c.add(where, "tier is not an object", got=tier)
                continue
            for key in sorted(set(tier) - allowed):
                c.add(
                    f"{where}.{key}",
                    "URDB tier field not supported",
                    got=tier[key],
                    fix="Remove it or extend optimizer.tariffs.urdb",
                )
            unit = tier.get("unit")
            want = "kWh" if energy else "kW"
            if unit is not None and str(unit) != want:
                c.add(
                    f"{where}.unit",
                    f"tier unit {unit!r} not supported",
                    expected=f"{want!r} ({'per month' if energy else 'demand'})",
                    got=unit,
                    fix="Convert the tier to plain kWh limits or model this tariff by hand in TOML",
                )
            if "rate" not in tier and "adj" not in tier:
                c.add(where, "tier has neither rate nor adj", fix="Add the rate")
                continue
            rate = sum(
                _number(c, f"{where}.{k}", tier[k]) or 0.0 for k in ("rate", "adj") if k in tier
            )
            upper = None
            if "max" in tier:
                mx = _number(c, f"{where}.max", tier["max"])
                upper = (
                    None if mx is None else mx * _KWH_TO_MWH
                )  # kWh -> MWh and kW -> MW share the factor
            rows.append((round(rate * scale, 9), upper))
            if "sell" in tier:
                s = _number(c, f"{where}.sell", tier["sell"])
                if s is not None:
                    sells.add(round(s * scale, 9))
        if not rows:
            continue
        if len(rows) > 1:
            uppers = [u for _, u in rows[:-1]]
            if any(u is None for u in uppers):
                c.add(
                    f"{field}[{i}]",
                    "a tier other than the last has no max",
                    fix="Give every tier but the last a max",
                )
            elif any(b <= a for a, b in zip(uppers, uppers[1:], strict=False)):  # type: ignore[operator]
                c.add(f"{field}[{i}]", "tier max values do not increase", got=uppers)
        if rows[-1][1] is not None:
            c.add(
                f"{field}[{i}][{len(rows) - 1}].max",
                "the last tier has a finite max; use above it has no rate",
                expected="no max on the last tier",
                got=rows[-1][1] / _KWH_TO_MWH,
                fix="Add an unbounded last tier",
            )
        if len(sells) > 1:
            c.add(
                f"{field}[{i}]",
                "tiers of one period have different sell rates",
                got=sorted(sells),
                fix="Tiered sell rates are not supported",
            )
        out.append({"tiers": rows, "sell": next(iter(sells)) if sells else None})
    return out


def _period_dict(name: str, p: dict[str, Any], *, energy: bool) -> dict[str, Any]:
    rate_key, upper_key = (
        ("rate_usd_per_mwh", "upper_mwh") if energy else ("rate_usd_per_mw", "upper_mw")
    )
    d: dict[str, Any] = {"name": name}
    if len(p["tiers"]) == 1:
        d[rate_key] = p["tiers"][0][0]
    else:
        d["tiers"] = [{rate_key: r, upper_key: u} for r, u in p["tiers"]]
    if energy and p.get("sell") is not None:
        d["sell_usd_per_mwh"] = p["sell"]
    return d


def _reject_unknown_fields(c: _Collector, rate: dict[str, Any]) -> None:
    """Every field neither read nor informational is an issue; so is a demand unit not kW."""
    for key in sorted(set(rate) - RATE_FIELDS - INFORMATIONAL_FIELDS):
        c.add(
            key,
            "URDB field not supported",
            got=rate[key],
            fix="Remove the field if it does not apply, or model the tariff in TOML",
        )
    for key in ("demandrateunit", "flatdemandunit", "coincidentrateunit", "demandunits"):
        if key in rate and str(rate[key]) != "kW":
            c.add(
                key,
                "demand unit not supported",
                expected="'kW'",
                got=rate[key],
                fix="Only kW demand is supported",
            )


def _notes(rate: dict[str, Any], source: str) -> list[str]:
    """Notes of the import: source, label, validity dates and informational fields."""
    label, uri = rate.get("label", "?"), rate.get("uri", "no uri")
    notes = [f"imported from OpenEI URDB ({source}); label {label}, {uri}"]
    for key in ("startdate", "enddate"):
        if key in rate and isinstance(rate[key], int | float):
            day = dt.datetime.fromtimestamp(float(rate[key]), tz=dt.UTC).date()
            notes.append(f"URDB {key}: {day.isoformat()} (not enforced)")
    for key in _NOTED:
        if key in rate:
            notes.append(f"URDB {key} = {json.dumps(rate[key])[:300]}: informational, not applied")
    return notes


def _energy(c: _Collector, rate: dict[str, Any], spec: dict[str, Any], notes: list[str]) -> None:
    """Energy: ``energyratestructure`` and its schedules (a zero rate without it)."""
    if "energyratestructure" in rate:
        periods = _tiers(c, "energyratestructure", rate["energyratestructure"], energy=True)
        if periods is not None:
            n = len(periods)
            wd = _matrix(c, rate, "energyweekdayschedule", n)
            we = _matrix(c, rate, "energyweekendschedule", n)
            if wd is not None and we is not None:
                for i, p in enumerate(periods):
                    if len(p["tiers"]) < 2:
                        continue
                    for m in range(12):
                        present = set(wd[m]) | set(we[m])
                        if i in present and len(present) > 1:
                            c.add(
                                f"energyratestructure[{i}]",
                                f"tiered energy period shares month {m + 1} with periods "
                                f"{sorted(present - {i})}",
                                expected="a tiered period alone in each month it is used",
                                got=sorted(present),
                                fix=(
                                    "URDB does not say how the month's kWh split between periods; "
                                    "model the tiers in TOML (per-period limits)"
                                ),
                            )
                            break
                spec["energy"] = {
                    "basis": "schedule",
                    "schedule": {"weekday": wd, "weekend": we},
                    "periods": [
                        _period_dict(f"period {i}", p, energy=True) for i, p in enumerate(periods)
                    ],
                }
                if any(p.get("sell") is not None for p in periods):
                    spec["export_compensation"] = "schedule"
                    notes.append(
                        "energyratestructure sell: export credited per interval at the period's "
                        "sell rate (no net-metering netting over the month)"
                    )
    else:
        zeros = [[0] * 24 for _ in range(12)]
        spec["energy"] = {
            "basis": "schedule",
            "schedule": {"weekday": zeros},
            "periods": [{"name": "period 0", "rate_usd_per_mwh": 0.0}],
        }
        notes.append("no energyratestructure: energy rate 0 USD/MWh")


def _tou_demand(
    c: _Collector, rate: dict[str, Any], spec: dict[str, Any], notes: list[str]
) -> None:
    """TOU demand: ``demandratestructure`` and its schedules."""
    if "demandratestructure" in rate:
        periods = _tiers(c, "demandratestructure", rate["demandratestructure"], energy=False)
        if periods is not None:
            wd = _matrix(c, rate, "demandweekdayschedule", len(periods))
            we = _matrix(c, rate, "demandweekendschedule", len(periods))
            if wd is not None and we is not None:
                spec.setdefault("tou_demand", []).append(
                    {
                        "name": "tou",
                        "schedule": {"weekday": wd, "weekend": we},
                        "periods": [
                            _period_dict(f"tou period {i}", p, energy=False)
                            for i, p in enumerate(periods)
                        ],
                    }
                )
    else:
        for key in ("demandweekdayschedule", "demandweekendschedule"):
            if key in rate:
                c.add(
                    key,
                    "demand schedule without demandratestructure",
                    fix="Add demandratestructure or remove the schedule",
                )


def _flat_demand(
    c: _Collector, rate: dict[str, Any], spec: dict[str, Any], notes: list[str]
) -> None:
    """Flat (facility) demand: ``flatdemandstructure`` by ``flatdemandmonths``."""
    if "flatdemandstructure" in rate:
        periods = _tiers(c, "flatdemandstructure", rate["flatdemandstructure"], energy=False)
        if periods is not None:
            months = rate.get("flatdemandmonths")
            if months is None:
                if len(periods) == 1:
                    months = [0] * 12
                    notes.append(
                        "flatdemandmonths absent: the single flat demand period applies all year"
                    )
                else:
                    c.add(
                        "flatdemandmonths",
                        "missing with several flat demand periods",
                        expected="12 period indices",
                        fix="Add flatdemandmonths",
                    )
            elif not (
                isinstance(months, list)
                and len(months) == 12
                and all(isinstance(m, int) and 0 <= m < len(periods) for m in months)
            ):
                c.add(
                    "flatdemandmonths",
                    "not 12 valid period indices",
                    expected=f"12 integers 0..{len(periods) - 1}",
                    got=months,
                )
                months = None
            if months is not None:
                spec["facility_demand"] = {
                    "name": "facility",
                    "periods": [
                        _period_dict(f"flat period {i}", p, energy=False)
                        for i, p in enumerate(periods)
                    ],
                    "month_period": months,
                }
    elif "flatdemandmonths" in rate:
        c.add(
            "flatdemandmonths",
            "flatdemandmonths without flatdemandstructure",
            fix="Add flatdemandstructure or remove flatdemandmonths",
        )


def _coincident(
    c: _Collector, rate: dict[str, Any], spec: dict[str, Any], notes: list[str]
) -> None:
    """Coincident demand: ``coincidentratestructure`` on ``coincidentschedule`` hours."""
    if "coincidentratestructure" in rate:
        periods = _tiers(
            c, "coincidentratestructure", rate["coincidentratestructure"], energy=False
        )
        if periods is not None:
            sched = _matrix(c, rate, "coincidentschedule", len(periods))
            if sched is not None:
                spec.setdefault("tou_demand", []).append(
                    {
                        "name": "coincident",
                        "schedule": {"weekday": sched, "weekend": sched},
                        "periods": [
                            _period_dict(f"coincident period {i}", p, energy=False)
                            for i, p in enumerate(periods)
                        ],
                    }
                )
                notes.append(
                    "coincidentratestructure: billed on the month's highest demand-interval "
                    "average within the coincidentschedule hours (URDB does not give the "
                    "system-peak hour; every scheduled hour is a candidate)"
                )
    elif "coincidentschedule" in rate:
        c.add("coincidentschedule", "coincidentschedule without coincidentratestructure")


def _demand_window(
    c: _Collector, rate: dict[str, Any], spec: dict[str, Any], notes: list[str]
) -> None:
    """Demand interval: ``demandwindow`` (15 min when absent and demand is billed)."""
    if "demandwindow" in rate:
        w = _number(c, "demandwindow", rate["demandwindow"])
        if w is not None:
            if w in (15.0, 30.0, 60.0):
                spec["demand_interval_min"] = int(w)
            else:
                c.add(
                    "demandwindow",
                    "demand interval not supported",
                    expected="15, 30 or 60 (minutes)",
                    got=rate["demandwindow"],
                    fix="Only 15-, 30- and 60-minute demand intervals are supported",
                )
    elif "tou_demand" in spec or "facility_demand" in spec:
        spec["demand_interval_min"] = 15
        notes.append("demandwindow absent: 15-minute demand interval assumed")


def _fixed_and_minimum(
    c: _Collector, rate: dict[str, Any], spec: dict[str, Any], notes: list[str]
) -> None:
    """Fixed and minimum charges, per month or per day."""
    fixed_month = 0.0
    if "fixedmonthlycharge" in rate:
        fixed_month = _number(c, "fixedmonthlycharge", rate["fixedmonthlycharge"]) or 0.0
    if "fixedchargefirstmeter" in rate:
        value = _number(c, "fixedchargefirstmeter", rate["fixedchargefirstmeter"]) or 0.0
        unit = rate.get("fixedchargeunits", "$/month")
        if "fixedchargeunits" not in rate:
            notes.append("fixedchargeunits absent: $/month assumed")
        if unit == "$/month":
            if "fixedmonthlycharge" in rate and value != fixed_month:
                c.add(
                    "fixedchargefirstmeter",
                    "differs from fixedmonthlycharge",
                    expected=str(fixed_month),
                    got=value,
                    fix="Keep one of the two fields",
                )
            fixed_month = value
        elif unit == "$/day":
            spec["fixed_charge_usd_per_day"] = value
        else:
            c.add(
                "fixedchargeunits",
                "fixed charge unit not supported",
                expected="'$/month' or '$/day'",
                got=unit,
            )
    elif "fixedchargeunits" in rate:
        c.add("fixedchargeunits", "fixedchargeunits without fixedchargefirstmeter")
    spec["fixed_charge_usd_per_month"] = fixed_month
    if "mincharge" in rate:
        value = _number(c, "mincharge", rate["mincharge"]) or 0.0
        unit = rate.get("minchargeunits", "$/month")
        if unit == "$/month":
            spec["minimum_charge_usd_per_month"] = value
        elif unit == "$/day":
            spec["minimum_charge_usd_per_day"] = value
        else:
            c.add(
                "minchargeunits",
                "minimum charge unit not supported",
                expected="'$/month' or '$/day'",
                got=unit,
                fix="Annual minimum charges are not supported",
            )
    elif "minchargeunits" in rate:
        c.add("minchargeunits", "minchargeunits without mincharge")


def _ratchet(c: _Collector, rate: dict[str, Any], spec: dict[str, Any], notes: list[str]) -> None:
    """Look-back ratchet on the flat demand charge."""
    pct = rate.get("lookbackpercent")
    if pct is not None and _number(c, "lookbackpercent", pct):
        frac = float(pct)
        if frac > 1:
            frac /= 100.0
            notes.append(f"lookbackpercent {pct} read as percent: {frac:.4g}")
        rng = rate.get("lookbackrange") or 0
        months_flags = rate.get("lookbackmonths") or []
        if not isinstance(rng, int) or rng < 0:
            c.add("lookbackrange", "not a non-negative integer", got=rng)
            rng = 0
        if months_flags and not (isinstance(months_flags, list) and len(months_flags) == 12):
            c.add(
                "lookbackmonths",
                "not 12 flags",
                expected="12 booleans (January first)",
                got=months_flags,
            )
            months_flags = []
        cal = tuple(i + 1 for i, f in enumerate(months_flags) if f) or tuple(range(1, 13))
        if "facility_demand" not in spec:
            c.add(
                "lookbackpercent",
                "look-back ratchet without a flat demand charge",
                fix="Ratchets on TOU demand are not read from URDB; model the tariff in TOML",
            )
        else:
            spec["ratchets"] = [
                {
                    "applies_to": "facility",
                    "lookback_frac": frac,
                    "lookback_months": rng or 12,
                    "lookback_calendar_months": cal,
                }
            ]
    else:
        for key in ("lookbackrange", "lookbackmonths"):
            if rate.get(key):
                c.add(key, f"{key} without lookbackpercent", fix="Add lookbackpercent")


def urdb_to_spec(doc: dict[str, Any], *, source: str = "<URDB JSON>") -> TariffSpec:
    """Translate a URDB rate object (or a document holding one) into a TariffSpec.

    Parameters
    ----------
    doc : dict
        A URDB rate, a REopt fixture holding it under ``urdb_response``, or a URDB API
        response with a single ``items`` entry.
    source : str
        File name used in error messages and notes.

    Raises
    ------
    InputError
        Every unsupported or malformed field, each naming the file and JSON field.
    """
    c = _Collector(source)
    rate = _find_rate(doc)
    if rate is None:
        raise InputError(
            issues=[
                Issue(
                    "no URDB rate object found",
                    path=source,
                    field="energyratestructure",
                    expected=(
                        "a rate with energyratestructure / demandratestructure / "
                        "flatdemandstructure (at top level, under urdb_response, or as the single "
                        "items entry)"
                    ),
                    got="none",
                    fix="Export the rate from OpenEI URDB with detail=full",
                )
            ],
        )
    _reject_unknown_fields(c, rate)
    notes = _notes(rate, source)
    spec: dict[str, Any] = {
        "name": " - ".join(str(rate[k]) for k in ("utility", "name") if k in rate)
        or f"URDB {rate.get('label', Path(source).name)}",
        "description": str(rate.get("description", ""))[:2000],
    }
    for section in (
        _energy,
        _tou_demand,
        _flat_demand,
        _coincident,
        _demand_window,
        _fixed_and_minimum,
        _ratchet,
    ):
        section(c, rate, spec, notes)
    if c.issues:
        raise InputError(issues=c.issues)
    spec["notes"] = notes
    try:
        return TariffSpec.model_validate(spec)
    except ValidationError as exc:
        raise InputError(
            issues=[
                Issue(
                    e["msg"].removeprefix("Value error, "),
                    path=source,
                    field=".".join(map(str, e["loc"])),
                    fix="Check the URDB rate",
                )
                for e in exc.errors()
            ],
        ) from exc


__all__ = ["INFORMATIONAL_FIELDS", "RATE_FIELDS", "urdb_to_spec"]
