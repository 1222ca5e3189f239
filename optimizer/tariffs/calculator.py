"""The bill, line by line per month, from a metered schedule (pandas only, no Pyomo).

This is the independent check of the optimizer: it reads the :class:`TariffSpec` directly
and computes peaks with pandas group-bys on clock-aligned blocks, without the window
records of :mod:`optimizer.tariffs.demand_windows`. For any schedule, the sum of ``amount_usd``
per ``kind`` equals :func:`optimizer.tariffs.evaluate.cost_terms` on the same schedule.

Billing rules (also in :mod:`optimizer.tariffs.spec`)
------------------------------------------------------
- Months are local calendar months. A month cut by the horizon is billed in full
  (fixed, minimum and demand charges at their monthly value, on the peaks seen inside the
  horizon) unless ``prorate_partial_months``; then those amounts and the energy tier sizes
  are multiplied by ``hours of the month in the horizon / hours of the month``.
- Demand is the average import over clock-aligned blocks of ``demand_interval_min``
  minutes (wall clock, with the UTC offset telling the two 01:00 hours of a fall-back day
  apart). A block cut by the horizon edge is averaged over its intervals in the horizon.
- Billing demand = max(metered peak, month-to-date peak, minimum billing demand, contract
  minimum, ratchet share of the highest metered peak of the look-back months).
- Excess over contract is on the metered peak (not the ratcheted billing demand).
- The minimum charge tops the month's import-side charges (energy, demand, excess,
  coincident, fixed) up to the minimum; export credits come after it.
"""

from __future__ import annotations

import calendar

import numpy as np
import pandas as pd

from optimizer import timeindex
from optimizer.errors import InputError, Issue, TimeSeriesError
from optimizer.tariffs.spec import DemandPeriod, TariffSpec, TouSchedule

LINE_COLUMNS = ["kind", "window", "quantity", "unit", "rate", "rate_unit", "amount_usd", "note"]
KINDS = ("energy", "demand", "excess", "coincident", "fixed", "minimum", "export")


def _check(series: pd.Series, name: str) -> pd.Timedelta:
    """The step of ``series`` (:func:`optimizer.timeindex.regular_step`), its values finite."""
    step = timeindex.regular_step(series.index, field=name)
    if not np.isfinite(series.to_numpy(dtype=float)).all():
        raise TimeSeriesError(
            issues=[Issue("NaN or inf value", field=name, fix="Fill the missing values")]
        )
    return step


def _tou(schedule: TouSchedule, frame: pd.DataFrame) -> pd.Series:
    wd = pd.DataFrame(schedule.weekday).stack()
    we = pd.DataFrame(schedule.weekend_matrix).stack()
    key = pd.MultiIndex.from_arrays([frame["mon"] - 1, frame["hour"]])
    return pd.Series(
        np.where(frame["weekend"], we.reindex(key).to_numpy(), wd.reindex(key).to_numpy()),
        index=frame.index,
    )


def _tiered(
    tiers: list[tuple[float, float | None]], amount: float, before: float = 0.0
) -> list[float]:
    """Split ``amount`` arriving after ``before`` over tiers ``(rate, upper or None)``."""
    parts, lower = [], 0.0
    for _, upper in tiers:
        hi = np.inf if upper is None else upper
        parts.append(float(np.clip(before + amount, lower, hi) - np.clip(before, lower, hi)))
        lower = hi
    return parts


def _row(
    month: str,
    line: str,
    kind: str,
    quantity: float,
    unit: str,
    rate: float,
    rate_unit: str,
    amount: float,
    window: str = "",
    note: str = "",
) -> dict[str, object]:
    return {
        "month": month,
        "line": line,
        "kind": kind,
        "window": window,
        "quantity": quantity,
        "unit": unit,
        "rate": rate,
        "rate_unit": rate_unit,
        "amount_usd": amount,
        "note": note,
    }


def bill(
    import_mw: pd.Series,
    tariff: TariffSpec,
    *,
    export_mw: pd.Series | None = None,
    price_usd_per_mwh: pd.Series | None = None,
) -> pd.DataFrame:
    """The bill of a metered schedule, line by line per month.

    Parameters
    ----------
    import_mw : pandas.Series
        Grid import per interval [MW] (interval average), indexed by tz-aware local
        interval starts on a regular step.
    tariff : TariffSpec
        The tariff, including its month-to-date ``state``.
    export_mw : pandas.Series, optional
        Grid export per interval [MW], same index.
    price_usd_per_mwh : pandas.Series, optional
        Market price per interval [USD/MWh], same index; needed for a market energy basis
        or wholesale export.

    Returns
    -------
    pandas.DataFrame
        Index ``(month, line)``; columns ``kind`` (energy, demand, excess, coincident,
        fixed, minimum, export), ``window`` (the matching window name), ``quantity`` and
        ``unit``, ``rate`` and ``rate_unit``, ``amount_usd`` [USD], ``note``. Sum
        ``amount_usd`` for the total; there are no subtotal rows.

    Raises
    ------
    TimeSeriesError
        Malformed series, or series on different indexes.
    InputError
        Negative import, a missing price series, or a demand interval that does not fit
        the step.

    Examples
    --------
    >>> import pandas as pd
    >>> from optimizer.tariffs import TariffSpec, bill
    >>> spec = TariffSpec.model_validate({"name": "demo", "energy": {"basis": "market",
    ...     "adder_usd_per_mwh": 5.0}, "facility_demand": {"periods": [{"name": "all",
    ...     "rate_usd_per_mw": 10000.0}]}, "demand_interval_min": 60})
    >>> idx = pd.date_range("2021-02-01", periods=4, freq="15min", tz="America/Chicago")
    >>> g = pd.Series([1.0, 2.0, 3.0, 2.0], index=idx)
    >>> b = bill(g, spec, price_usd_per_mwh=pd.Series(20.0, index=idx))
    >>> b["amount_usd"].round(2).tolist()
    [40.0, 10.0, 20000.0]
    """
    step = _check(import_mw, "import_mw")
    idx = import_mw.index
    for other, name in ((export_mw, "export_mw"), (price_usd_per_mwh, "price_usd_per_mwh")):
        if other is not None and not other.index.equals(idx):
            raise TimeSeriesError(
                issues=[
                    Issue(
                        "index differs from import_mw's",
                        field=name,
                        fix="Put every series on the same index",
                    )
                ],
            )
        if other is not None:
            _check(other, name)
    if (import_mw < 0).any():
        first = idx[(import_mw < 0).to_numpy()][0]
        raise InputError(
            issues=[
                Issue(
                    "negative import",
                    field="import_mw",
                    timestamp=first.isoformat(),
                    expected=">= 0 MW",
                    got=f"{float(import_mw[first])} MW",
                    fix="Pass import and export as separate non-negative series",
                )
            ],
        )
    step_min = step / pd.Timedelta(minutes=1)
    dt_h = step / pd.Timedelta(hours=1)
    spec = tariff

    wall = idx.tz_localize(None)
    hol = set(spec.holidays)
    frame = pd.DataFrame(
        {
            "g": import_mw.to_numpy(dtype=float),
            "month": wall.to_period("M").astype(str),
            "mon": wall.month,
            "hour": wall.hour,
            "weekend": (wall.day_of_week >= 5)
            | np.array([d in hol for d in wall.date], dtype=bool),
        },
        index=idx,
    )
    frame["mwh"] = frame["g"] * dt_h
    D = spec.demand_interval_min
    if D is None or step_min >= D:
        if D is not None and step_min % D:
            raise InputError(
                issues=[
                    Issue(
                        "demand interval does not fit the model step",
                        field="tariff.demand_interval_min",
                        got=f"{D} min",
                        expected=f"a divisor or multiple of {step_min:g} min",
                        fix="Change the step",
                    )
                ],
            )
        frame["blk"] = np.arange(len(frame))
        frame["off"] = pd.Timedelta(0)
    else:
        if D % step_min:
            raise InputError(
                issues=[
                    Issue(
                        "demand interval is not a whole number of steps",
                        field="tariff.demand_interval_min",
                        got=f"{D} min",
                        expected=f"a multiple of {step_min:g} min",
                        fix="Change the step",
                    )
                ],
            )
        frame["blk"] = wall.floor(f"{D}min")
        frame["off"] = wall - idx.tz_convert(None)  # the UTC offset splits the repeated hour

    def peak(mask: pd.Series) -> float:
        sub = frame.loc[mask]
        if sub.empty:
            return 0.0
        return float(sub.groupby(["blk", "off"])["g"].mean().max())

    energy = spec.energy
    if energy.uses_market_price and price_usd_per_mwh is None:
        raise InputError(
            issues=[
                Issue(
                    "no market price series given",
                    field="tariff.energy.basis",
                    expected=f"price_usd_per_mwh for basis {energy.basis!r}",
                    got="None",
                    fix="Pass price_usd_per_mwh",
                )
            ],
        )
    if (
        spec.export_compensation == "wholesale"
        and export_mw is not None
        and price_usd_per_mwh is None
    ):
        raise InputError(
            issues=[
                Issue(
                    "no market price series given",
                    field="tariff.export_compensation",
                    expected="price_usd_per_mwh for 'wholesale'",
                    got="None",
                    fix="Pass price_usd_per_mwh",
                )
            ],
        )
    energy_period = _tou(energy.schedule, frame) if energy.schedule is not None else None
    tou_period = [(c, _tou(c.schedule, frame)) for c in spec.tou_demand]
    months = list(dict.fromkeys(frame["month"]))
    first = months[0]
    history: dict[str, dict[str, float]] = {}  # charge -> month -> metered peak (in horizon)
    rows: list[dict[str, object]] = []

    def mdiff(a: str, b: str) -> int:
        pa, pb = pd.Period(a, freq="M"), pd.Period(b, freq="M")
        return (pa.year - pb.year) * 12 + pa.month - pb.month

    def bill_peak(
        M: str, kind: str, charge: str, period: DemandPeriod, mask: pd.Series, frac: float
    ) -> None:
        metered = peak(mask)
        mtd = [r.peak_mw for r in spec.state.peaks if r.charge == charge and r.month == M]
        metered = max([metered, *mtd])
        floors = {"metered": metered}
        ratchet = spec.ratchet_for(charge)
        if ratchet is not None:
            floors["minimum billing demand"] = ratchet.minimum_mw
            if ratchet.lookback_frac > 0:
                past = [
                    r.peak_mw
                    for r in spec.state.peaks
                    if r.charge == charge
                    and mdiff(r.month, first) < 0
                    and 1 <= mdiff(M, r.month) <= ratchet.lookback_months
                    and int(r.month[5:]) in ratchet.lookback_calendar_months
                ]
                past += [
                    v
                    for m, v in history.get(charge, {}).items()
                    if 1 <= mdiff(M, m) <= ratchet.lookback_months
                    and int(m[5:]) in ratchet.lookback_calendar_months
                ]
                if past:
                    floors["ratchet"] = ratchet.lookback_frac * max(past)
        contract = (
            spec.contract
            if spec.contract is not None and spec.contract.applies_to == charge
            else None
        )
        if contract is not None:
            floors["contract minimum"] = contract.minimum_billing_frac * contract.contract_mw
        history.setdefault(charge, {})[M] = metered
        billed = max(floors.values())
        why = max(floors, key=lambda k: floors[k])
        note = f"metered {metered:.6g} MW" + (
            "" if why == "metered" else f"; billed on {why} {billed:.6g} MW"
        )
        window = f"{M} {charge}"
        if not period.is_zero:
            tiers = period.tier_list()
            parts = _tiered([(t.rate_usd_per_mw, t.upper_mw) for t in tiers], billed)
            for j, (t, q) in enumerate(zip(tiers, parts, strict=True), start=1):
                line = f"demand {charge}" + (f" tier {j}" if len(tiers) > 1 else "")
                rows.append(
                    _row(
                        M,
                        line,
                        "demand",
                        q,
                        "MW",
                        t.rate_usd_per_mw * frac,
                        "USD/MW-month",
                        q * t.rate_usd_per_mw * frac,
                        window,
                        note,
                    )
                )
        if contract is not None:
            excess = max(0.0, metered - contract.contract_mw)
            rate = contract.excess_rate_usd_per_mw * frac
            rows.append(
                _row(
                    M,
                    f"excess over contract {charge}",
                    "excess",
                    excess,
                    "MW",
                    rate,
                    "USD/MW-month",
                    excess * rate,
                    window,
                    f"metered {metered:.6g} MW; contract {contract.contract_mw:.6g} MW",
                )
            )

    for M in months:
        in_m = frame["month"] == M
        sub = frame.loc[in_m]
        start = pd.Period(M, freq="M")
        t0 = pd.Timestamp(start.start_time).tz_localize(
            idx.tz, nonexistent="shift_forward", ambiguous=False
        )
        t1 = pd.Timestamp((start + 1).start_time).tz_localize(
            idx.tz, nonexistent="shift_forward", ambiguous=False
        )
        month_h = (t1 - t0) / pd.Timedelta(hours=1)
        frac = len(sub) * dt_h / month_h if spec.prorate_partial_months else 1.0
        first_row = len(rows)

        # ---- energy
        mwh = float(sub["mwh"].sum())
        if energy.uses_market_price:
            assert price_usd_per_mwh is not None  # noqa: S101 - checked above
            amount = float((price_usd_per_mwh[in_m] * sub["mwh"]).sum())
            rows.append(
                _row(
                    M,
                    "energy market",
                    "energy",
                    mwh,
                    "MWh",
                    amount / mwh if mwh else 0.0,
                    "USD/MWh (average)",
                    amount,
                )
            )
        if energy.uses_schedule and energy_period is not None:
            per = energy_period[in_m]
            for k, p in enumerate(energy.periods):
                e = float(sub.loc[per == k, "mwh"].sum())
                if not (per == k).any():
                    continue
                tiers = p.tier_list()
                e0 = sum(
                    r.energy_mwh for r in spec.state.energy if r.month == M and r.period == p.name
                )
                bounds = [
                    (t.rate_usd_per_mwh, None if t.upper_mwh is None else t.upper_mwh * frac)
                    for t in tiers
                ]
                parts = _tiered(bounds, e, e0)
                for j, (t, q) in enumerate(zip(tiers, parts, strict=True), start=1):
                    line = f"energy {p.name}" + (f" tier {j}" if len(tiers) > 1 else "")
                    win = f"{M} energy {p.name}" if len(tiers) > 1 else ""
                    rows.append(
                        _row(
                            M,
                            line,
                            "energy",
                            q,
                            "MWh",
                            t.rate_usd_per_mwh,
                            "USD/MWh",
                            q * t.rate_usd_per_mwh,
                            win,
                        )
                    )
        if energy.adder_usd_per_mwh:
            rows.append(
                _row(
                    M,
                    "energy adder",
                    "energy",
                    mwh,
                    "MWh",
                    energy.adder_usd_per_mwh,
                    "USD/MWh",
                    mwh * energy.adder_usd_per_mwh,
                )
            )

        # ---- facility and TOU demand, excess
        mon = int(M[5:])
        if spec.facility_demand is not None:
            period = spec.facility_demand.period_for_month(mon)
            if period is not None:
                bill_peak(M, "facility", spec.facility_demand.name, period, in_m, frac)
        for charge, per in tou_period:
            for k, period in enumerate(charge.periods):
                mask = in_m & (per == k)
                if mask.any():
                    bill_peak(M, "tou", period.name, period, mask, frac)

        # ---- coincident peak
        cp = spec.coincident_peak
        if cp is not None:
            stamps = idx
            draws, weights = [], []
            for c in cp.candidates:
                s = pd.Timestamp(c.start).tz_convert(idx.tz)
                if s.strftime("%Y-%m") != M:
                    continue
                hit = (stamps < s + pd.Timedelta(minutes=cp.duration_min)) & (stamps + step > s)
                if hit.any():
                    draws.append(float(frame.loc[hit, "g"].mean()))
                    weights.append(c.weight_frac)
            to_date = max(
                (r.peak_mw for r in spec.state.peaks if r.charge == cp.name and r.month == M),
                default=0.0,
            )
            if draws or to_date:
                if cp.aggregation == "expected":
                    q = float(np.dot(weights, draws)) + to_date
                    note = f"{len(draws)} candidate periods, weights {sum(weights):.3g} in horizon"
                else:
                    q = max([*draws, to_date])
                    note = f"highest draw over {len(draws)} candidate periods"
                rate = cp.rate_usd_per_mw * frac
                rows.append(
                    _row(
                        M,
                        f"demand {cp.name}",
                        "coincident",
                        q,
                        "MW",
                        rate,
                        "USD/MW-month",
                        q * rate,
                        f"{M} {cp.name}",
                        note,
                    )
                )

        # ---- fixed, minimum, export
        days = calendar.monthrange(int(M[:4]), mon)[1]
        if spec.fixed_charge_usd_per_month:
            rows.append(
                _row(
                    M,
                    "fixed monthly",
                    "fixed",
                    frac,
                    "month",
                    spec.fixed_charge_usd_per_month,
                    "USD/month",
                    spec.fixed_charge_usd_per_month * frac,
                )
            )
        if spec.fixed_charge_usd_per_day:
            rows.append(
                _row(
                    M,
                    "fixed daily",
                    "fixed",
                    days * frac,
                    "day",
                    spec.fixed_charge_usd_per_day,
                    "USD/day",
                    spec.fixed_charge_usd_per_day * days * frac,
                )
            )
        minimum = (
            spec.minimum_charge_usd_per_month + spec.minimum_charge_usd_per_day * days
        ) * frac
        if minimum:
            subtotal = sum(float(r["amount_usd"]) for r in rows[first_row:])  # type: ignore[arg-type]
            top_up = max(0.0, minimum - subtotal)
            rows.append(
                _row(
                    M,
                    "minimum charge top-up",
                    "minimum",
                    1.0,
                    "month",
                    minimum,
                    "USD/month",
                    top_up,
                    note=f"charges before top-up {subtotal:.2f} USD",
                )
            )
        if export_mw is not None and spec.export_compensation != "none":
            x = export_mw[in_m]
            if spec.export_compensation == "fixed":
                credit = float((x * dt_h).sum()) * float(spec.export_price_usd_per_mwh or 0.0)
            elif spec.export_compensation == "wholesale":
                assert price_usd_per_mwh is not None  # noqa: S101 - checked above
                credit = float((x * dt_h * price_usd_per_mwh[in_m]).sum())
            else:
                assert energy_period is not None  # noqa: S101 - TariffSpec guarantees a schedule
                sell = pd.Series([p.sell_usd_per_mwh or 0.0 for p in energy.periods])
                credit = float(
                    (x * dt_h * sell.reindex(energy_period[in_m].to_numpy()).to_numpy()).sum()
                )
            x_mwh = float((x * dt_h).sum())
            rows.append(
                _row(
                    M,
                    "export credit",
                    "export",
                    x_mwh,
                    "MWh",
                    credit / x_mwh if x_mwh else 0.0,
                    "USD/MWh (average)",
                    -credit,
                )
            )

    out = pd.DataFrame(rows, columns=["month", "line", *LINE_COLUMNS])
    return out.set_index(["month", "line"])


def bill_summary(lines: pd.DataFrame) -> pd.DataFrame:
    """Amounts [USD] by month (rows) and kind (columns), with a ``total`` column."""
    table = lines.pivot_table(
        index="month", columns="kind", values="amount_usd", aggfunc="sum", fill_value=0.0
    )
    table = table.reindex(columns=[k for k in KINDS if k in table.columns])
    table["total"] = table.sum(axis=1)
    return table


__all__ = ["KINDS", "LINE_COLUMNS", "bill", "bill_summary"]
