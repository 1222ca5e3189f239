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
  apart), or with ``demand_metering = "sliding"`` over every run of that many consecutive
  intervals inside the charge's hours (a rolling mean). A block cut by the horizon edge
  (or a run of the charge's hours shorter than the interval) is averaged over its
  intervals.
- Seasonal rates take the season of the month; the lines say which.
- Hours-use-of-demand energy is split into its blocks exactly (block ``j`` holds the
  month's energy between ``u_(j-1) D`` and ``u_j D``, ``D`` the billing demand of the
  period's ``hud_demand`` charge), one line per block; the note says whether the LP's
  linear form held (``E >= u D``). In a month cut by the horizon the block sizes follow
  the horizon's share of the month, prorating or not (the horizon's energy is billed as a
  slice of a month at the same load factor).
- The fuel cost adjustment is one line per month on all energy priced on the schedule.
- Billing demand = max(metered peak, month-to-date peak, minimum billing demand, contract
  minimum, ratchet share of the highest metered peak of the look-back months).
- Excess over contract is on the metered peak (not the ratcheted billing demand), for each
  charge the contract applies to.
- The minimum charge tops the month's import-side charges (energy, demand, excess,
  coincident, fixed) up to the minimum; export credits come after it.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from optimizer import timeindex
from optimizer.errors import InputError, Issue, TimeSeriesError
from optimizer.tariffs.spec import (
    DemandPeriod,
    EnergyPeriod,
    TariffSpec,
    TouDemandCharge,
    TouSchedule,
)

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


@dataclass
class _Meter:
    """A metered schedule ready to bill: one row per interval with its calendar and block.

    ``frame`` columns: ``g`` import [MW], ``mwh`` import energy [MWh], ``month``
    (``YYYY-MM``), ``mon`` (1..12), ``hour``, ``weekend`` (weekend or holiday), ``blk`` and
    ``off`` (the clock-aligned demand block; the UTC offset splits a repeated hour).
    ``history`` holds the metered peak [MW] of each charge by month, as months are billed;
    ``billed`` the billing demand [MW] of each ``(month, charge)`` (for HUD blocks).
    ``sliding`` is the number of intervals of a sliding demand window (0: clock blocks).
    """

    spec: TariffSpec
    frame: pd.DataFrame
    step: pd.Timedelta
    dt_h: float
    export_mw: pd.Series | None
    price_usd_per_mwh: pd.Series | None
    energy_period: pd.Series | None
    first_month: str
    sliding: int = 0
    history: dict[str, dict[str, float]] = field(default_factory=dict)
    billed: dict[tuple[str, str], float] = field(default_factory=dict)

    @property
    def index(self) -> pd.DatetimeIndex:
        """Interval starts (tz-aware)."""
        return pd.DatetimeIndex(self.frame.index)

    def peak(self, mask: pd.Series) -> float:
        """Highest block average of the import over the intervals in ``mask`` [MW]."""
        sub = self.frame.loc[mask]
        if sub.empty:
            return 0.0
        if self.sliding:
            run = (np.diff(np.flatnonzero(mask.to_numpy()), prepend=-2) != 1).cumsum()
            best = 0.0
            for _, g in sub["g"].groupby(run):
                roll = g.rolling(self.sliding).mean().max() if len(g) > self.sliding else g.mean()
                best = max(best, float(roll))
            return best
        return float(sub.groupby(["blk", "off"])["g"].mean().max())

    def season(self, month: str) -> str | None:
        """The season of billing month ``YYYY-MM`` (None without seasons)."""
        return self.spec.season_of(int(month[5:]))


def _check_inputs(
    import_mw: pd.Series, export_mw: pd.Series | None, price_usd_per_mwh: pd.Series | None
) -> pd.Timedelta:
    """The step of the schedule, every series checked and on one index, import >= 0.

    Raises
    ------
    TimeSeriesError
        Malformed series, or series on different indexes.
    InputError
        Negative import.
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
    return step


def _check_prices(
    spec: TariffSpec, export_mw: pd.Series | None, price_usd_per_mwh: pd.Series | None
) -> None:
    """Raise an InputError when the tariff needs a market price series and has none."""
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
    if spec.export_compensation == "series" and export_mw is not None:
        raise InputError(
            issues=[
                Issue(
                    "the itemized bill takes no sell-price series",
                    field="tariff.export_compensation",
                    expected="'none', 'wholesale', 'fixed' or 'schedule'",
                    got="'series'",
                    fix="Bill the schedule with optimizer.evaluate (it reads the scenario's "
                    "sell-price series), or pass no export",
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


def _demand_blocks(frame: pd.DataFrame, spec: TariffSpec, step: pd.Timedelta) -> int:
    """Add the clock-aligned demand block of every interval (``blk``, ``off``) to ``frame``.

    Returns the length of a sliding window in intervals (0 for clock-aligned blocks).

    Raises
    ------
    InputError
        The demand interval is not a multiple of the step, nor the step of it.
    """
    step_min = step / pd.Timedelta(minutes=1)
    idx = pd.DatetimeIndex(frame.index)
    wall = idx.tz_localize(None)
    demand_min = spec.demand_interval_min
    if demand_min is None or step_min >= demand_min:
        if demand_min is not None and step_min % demand_min:
            raise InputError(
                issues=[
                    Issue(
                        "demand interval does not fit the model step",
                        field="tariff.demand_interval_min",
                        got=f"{demand_min} min",
                        expected=f"a divisor or multiple of {step_min:g} min",
                        fix="Change the step",
                    )
                ],
            )
        frame["blk"] = np.arange(len(frame))
        frame["off"] = pd.Timedelta(0)
        return 0
    if demand_min % step_min:
        raise InputError(
            issues=[
                Issue(
                    "demand interval is not a whole number of steps",
                    field="tariff.demand_interval_min",
                    got=f"{demand_min} min",
                    expected=f"a multiple of {step_min:g} min",
                    fix="Change the step",
                )
            ],
        )
    frame["blk"] = wall.floor(f"{demand_min}min")
    frame["off"] = wall - idx.tz_convert(None)  # the UTC offset splits the repeated hour
    return int(demand_min // step_min) if spec.demand_metering == "sliding" else 0


def _meter(
    import_mw: pd.Series,
    spec: TariffSpec,
    step: pd.Timedelta,
    export_mw: pd.Series | None,
    price_usd_per_mwh: pd.Series | None,
) -> _Meter:
    """The :class:`_Meter` of a checked schedule."""
    idx = pd.DatetimeIndex(import_mw.index)
    dt_h = step / pd.Timedelta(hours=1)
    wall = idx.tz_localize(None)
    hol = set(spec.holiday_dates(sorted(set(wall.year))))
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
    sliding = _demand_blocks(frame, spec, step)
    schedule = spec.energy.schedule
    return _Meter(
        spec=spec,
        frame=frame,
        step=step,
        dt_h=dt_h,
        export_mw=export_mw,
        price_usd_per_mwh=price_usd_per_mwh,
        energy_period=_tou(schedule, frame) if schedule is not None else None,
        first_month=str(frame["month"].iloc[0]),
        sliding=sliding,
    )


def _month_diff(a: str, b: str) -> int:
    """Months from ``b`` to ``a`` for labels ``YYYY-MM`` [-]."""
    pa, pb = pd.Period(a, freq="M"), pd.Period(b, freq="M")
    return (pa.year - pb.year) * 12 + pa.month - pb.month


def _prorate_frac(meter: _Meter, month: str, n_intervals: int) -> float:
    """Share of ``month`` in the horizon when prorating, else 1 [-]."""
    if not meter.spec.prorate_partial_months:
        return 1.0
    return _month_share(meter, month, n_intervals)


def _month_share(meter: _Meter, month: str, n_intervals: int) -> float:
    """Share of ``month`` in the horizon, prorating or not [-]."""
    start = pd.Period(month, freq="M")
    tz = meter.index.tz
    t0 = pd.Timestamp(start.start_time).tz_localize(
        tz, nonexistent="shift_forward", ambiguous=False
    )
    t1 = pd.Timestamp((start + 1).start_time).tz_localize(
        tz, nonexistent="shift_forward", ambiguous=False
    )
    month_h = (t1 - t0) / pd.Timedelta(hours=1)
    return n_intervals * meter.dt_h / month_h


# ------------------------------------------------------------------ energy
def _season_tag(seasonal: bool, season: str | None) -> str:
    return f" ({season})" if seasonal and season else ""


def hud_lines(
    meter: _Meter, month: str, p: EnergyPeriod, e: float, frac: float
) -> list[dict[str, object]]:
    """The hours-use-of-demand lines of period ``p`` in one month: one per block.

    Block ``j`` holds the month's energy (to date plus in the horizon) between
    ``frac u_(j-1) D`` and ``frac u_j D`` at rate ``r_j``, ``frac`` the horizon's share of
    the month (1 for a whole month: a cut month's energy is billed as a slice of a month
    at the same load factor); energy billed before the horizon is taken back at the last
    block's rate (the rate the LP prices it at).
    """
    spec = meter.spec
    e0 = sum(r.energy_mwh for r in spec.state.energy if r.month == month and r.period == p.name)
    charge = str(p.hud_demand)
    d = meter.billed.get((month, charge), 0.0)
    total = e0 + e
    bounds = [None if t.upper_hours is None else t.upper_hours * frac for t in p.hud_tiers]
    need = max(u for u in bounds if u is not None) * d
    valid = total >= need * (1 - 1e-9) - 1e-9
    hours = total / d if d > 0 else float("inf")
    check = (
        f"linear form valid (E >= {need:,.6g} MWh)"
        if valid
        else f"LINEAR FORM NOT VALID: E < {need:,.6g} MWh, the LP over-bills this month"
    )
    rows, lower = [], 0.0
    for j, (t, u) in enumerate(zip(p.hud_tiers, bounds, strict=True), start=1):
        hi = np.inf if u is None else u * d
        q = float(np.clip(total, lower, hi) - lower) if total > lower else 0.0
        lo_h = 0.0 if j == 1 else float(bounds[j - 2] or 0.0)
        span = f"over {lo_h:g} h" if u is None else f"{lo_h:g}-{u:g} h"
        note = (
            f"{span} x D; D = {d:.6g} MW ({charge}); E = {total:,.6g} MWh = {hours:.4g} h use; "
            + check
        )
        rate = float(t.rate_usd_per_mwh)
        line = f"energy {p.name} HUD block {j}"
        rows.append(_row(month, line, "energy", q, "MWh", rate, "USD/MWh", q * rate, note=note))
        lower = hi
    if e0:
        r_last = float(p.hud_tiers[-1].rate_usd_per_mwh)
        line = f"energy {p.name} HUD billed before the horizon"
        rows.append(_row(month, line, "energy", -e0, "MWh", r_last, "USD/MWh", -e0 * r_last))
    return rows


def energy_lines(meter: _Meter, month: str, in_m: pd.Series) -> list[dict[str, object]]:
    """Energy lines of one month: market energy, TOU energy by period and tier or HUD
    block (seasonal rates named by season), the fuel cost adjustment, the adder."""
    energy, spec = meter.spec.energy, meter.spec
    sub = meter.frame.loc[in_m]
    mwh = float(sub["mwh"].sum())
    season = meter.season(month)
    rows = []
    if energy.uses_market_price:
        assert meter.price_usd_per_mwh is not None  # noqa: S101 - _check_prices
        amount = float((meter.price_usd_per_mwh[in_m] * sub["mwh"]).sum())
        average = amount / mwh if mwh else 0.0
        rows.append(
            _row(month, "energy market", "energy", mwh, "MWh", average, "USD/MWh (average)", amount)
        )
    if energy.uses_schedule and meter.energy_period is not None:
        frac = _prorate_frac(meter, month, len(sub))
        per = meter.energy_period[in_m]
        for k, p in enumerate(energy.periods):
            if not (per == k).any():
                continue
            e = float(sub.loc[per == k, "mwh"].sum())
            if p.hud_tiers:  # block sizes follow the horizon's share of the month, always
                rows += hud_lines(meter, month, p, e, _month_share(meter, month, len(sub)))
                continue
            tag = _season_tag(p.is_seasonal, season)
            tiers = p.in_season(season).tier_list()
            e0 = sum(
                r.energy_mwh for r in spec.state.energy if r.month == month and r.period == p.name
            )
            bounds = [
                (t.rate_usd_per_mwh, None if t.upper_mwh is None else t.upper_mwh * frac)
                for t in tiers
            ]
            parts = _tiered(bounds, e, e0)
            for j, (t, q) in enumerate(zip(tiers, parts, strict=True), start=1):
                line = f"energy {p.name}{tag}" + (f" tier {j}" if len(tiers) > 1 else "")
                win = f"{month} energy {p.name}" if len(tiers) > 1 else ""
                rate = t.rate_usd_per_mwh
                rows.append(_row(month, line, "energy", q, "MWh", rate, "USD/MWh", q * rate, win))
        fuel = energy.fuel_usd_per_mwh(int(month[5:]))
        if energy.fuel_by_month_usd_per_mwh:
            note = f"fuel cost adjustment of month {int(month[5:])} on every MWh"
            rows.append(
                _row(
                    month,
                    "fuel cost adjustment",
                    "energy",
                    mwh,
                    "MWh",
                    fuel,
                    "USD/MWh",
                    mwh * fuel,
                    note=note,
                )
            )
    if energy.adder_usd_per_mwh:
        adder = energy.adder_usd_per_mwh
        rows.append(
            _row(month, "energy adder", "energy", mwh, "MWh", adder, "USD/MWh", mwh * adder)
        )
    return rows


# ------------------------------------------------------------------ demand
def _billing_demand(meter: _Meter, month: str, charge: str, metered: float) -> dict[str, float]:
    """Every candidate billing demand of a charge in a month, by reason [MW].

    The metered peak, the ratchet's minimum billing demand and its share of the look-back
    months' highest peak (before and inside the horizon), and the contract minimum.
    """
    spec = meter.spec
    floors = {"metered": metered}
    ratchet = spec.ratchet_for(charge)
    if ratchet is not None:
        floors["minimum billing demand"] = ratchet.minimum_mw
        if ratchet.lookback_frac > 0:

            def looked_back(m: str) -> bool:
                return (
                    1 <= _month_diff(month, m) <= ratchet.lookback_months
                    and int(m[5:]) in ratchet.lookback_calendar_months
                )

            past = [
                r.peak_mw
                for r in spec.state.peaks
                if r.charge == charge
                and _month_diff(r.month, meter.first_month) < 0
                and looked_back(r.month)
            ]
            past += [v for m, v in meter.history.get(charge, {}).items() if looked_back(m)]
            if past:
                floors["ratchet"] = ratchet.lookback_frac * max(past)
    contract = spec.contract
    if contract is not None and charge in contract.applies_to:
        floors["contract minimum"] = contract.minimum_billing_frac * contract.contract_mw
    return floors


def peak_lines(
    meter: _Meter, month: str, charge: str, period: DemandPeriod, mask: pd.Series, frac: float
) -> list[dict[str, object]]:
    """Demand lines (one per tier) and the excess line of one peak charge in one month."""
    spec = meter.spec
    mtd = [r.peak_mw for r in spec.state.peaks if r.charge == charge and r.month == month]
    metered = max([meter.peak(mask), *mtd])
    floors = _billing_demand(meter, month, charge, metered)
    meter.history.setdefault(charge, {})[month] = metered
    billed = max(floors.values())
    meter.billed[(month, charge)] = billed
    season = meter.season(month)
    tag = _season_tag(period.is_seasonal, season)
    why = max(floors, key=lambda k: floors[k])
    note = f"metered {metered:.6g} MW" + (
        "" if why == "metered" else f"; billed on {why} {billed:.6g} MW"
    )
    window = f"{month} {charge}"
    rows = []
    floor_mw, floor_why = max(
        ((v, k) for k, v in floors.items() if k != "metered"), default=(0.0, "")
    )
    tiers = () if period.is_zero else period.in_season(season).tier_list()
    if len(tiers) == 1 and floor_mw > 0:
        # a flat rate with a minimum billing demand: the metered demand, then the top-up
        rate = tiers[0].rate_usd_per_mw * frac
        line = f"demand {charge}{tag}"
        rows.append(
            _row(
                month,
                line,
                "demand",
                metered,
                "MW",
                rate,
                "USD/MW-month",
                metered * rate,
                window,
                f"metered {metered:.6g} MW",
            )
        )
        top = max(0.0, billed - metered)
        line = f"minimum billing demand {charge}{tag}"
        note = f"floor {floor_mw:.6g} MW ({floor_why}); metered {metered:.6g} MW"
        rows.append(
            _row(month, line, "demand", top, "MW", rate, "USD/MW-month", top * rate, window, note)
        )
    elif tiers:
        parts = _tiered([(t.rate_usd_per_mw, t.upper_mw) for t in tiers], billed)
        for j, (t, q) in enumerate(zip(tiers, parts, strict=True), start=1):
            line = f"demand {charge}{tag}" + (f" tier {j}" if len(tiers) > 1 else "")
            rate = t.rate_usd_per_mw * frac
            rows.append(
                _row(month, line, "demand", q, "MW", rate, "USD/MW-month", q * rate, window, note)
            )
    contract = spec.contract
    if contract is not None and charge in contract.applies_to:
        excess = max(0.0, metered - contract.contract_mw)
        rate = contract.excess_rate_in(season) * frac
        xtag = _season_tag(isinstance(contract.excess_rate_usd_per_mw, dict), season)
        rows.append(
            _row(
                month,
                f"excess over contract {charge}{xtag}",
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
    return rows


def facility_lines(
    meter: _Meter, month: str, in_m: pd.Series, frac: float
) -> list[dict[str, object]]:
    """Lines of the facility demand charge in one month (none when it has no period)."""
    facility = meter.spec.facility_demand
    if facility is None:
        return []
    period = facility.period_for_month(int(month[5:]))
    if period is None:
        return []
    return peak_lines(meter, month, facility.name, period, in_m, frac)


def tou_demand_lines(
    meter: _Meter,
    month: str,
    in_m: pd.Series,
    frac: float,
    tou_period: list[tuple[TouDemandCharge, pd.Series]],
) -> list[dict[str, object]]:
    """Lines of every TOU demand period met in one month.

    ``tou_period`` holds each TOU charge with the period of every interval.
    """
    rows: list[dict[str, object]] = []
    for charge, per in tou_period:
        for k, period in enumerate(charge.periods):
            mask = in_m & (per == k)
            if mask.any():
                rows += peak_lines(meter, month, period.name, period, mask, frac)
    return rows


def coincident_lines(meter: _Meter, month: str, frac: float) -> list[dict[str, object]]:
    """The coincident-peak line of one month: expected or highest draw over the candidates."""
    cp = meter.spec.coincident_peak
    if cp is None:
        return []
    stamps = meter.index
    draws, weights = [], []
    for c in cp.candidates:
        s = pd.Timestamp(c.start).tz_convert(stamps.tz)
        if s.strftime("%Y-%m") != month:
            continue
        hit = (stamps < s + pd.Timedelta(minutes=cp.duration_min)) & (stamps + meter.step > s)
        if hit.any():
            draws.append(float(meter.frame.loc[hit, "g"].mean()))
            weights.append(c.weight_frac)
    to_date = max(
        (r.peak_mw for r in meter.spec.state.peaks if r.charge == cp.name and r.month == month),
        default=0.0,
    )
    if not (draws or to_date):
        return []
    if cp.aggregation == "expected":
        q = float(np.dot(weights, draws)) + to_date
        note = f"{len(draws)} candidate periods, weights {sum(weights):.3g} in horizon"
    else:
        q = max([*draws, to_date])
        note = f"highest draw over {len(draws)} candidate periods"
    rate = cp.rate_usd_per_mw * frac
    line = f"demand {cp.name}"
    window = f"{month} {cp.name}"
    return [_row(month, line, "coincident", q, "MW", rate, "USD/MW-month", q * rate, window, note)]


# ------------------------------------------------------------------ fixed, minimum, export
def fixed_lines(spec: TariffSpec, month: str, frac: float) -> list[dict[str, object]]:
    """The monthly and daily fixed charges of one month (times ``frac`` when prorating)."""
    days = calendar.monthrange(int(month[:4]), int(month[5:]))[1]
    rows = []
    per_month, per_day = spec.fixed_charge_usd_per_month, spec.fixed_charge_usd_per_day
    if per_month:
        amount = per_month * frac
        rows.append(
            _row(month, "fixed monthly", "fixed", frac, "month", per_month, "USD/month", amount)
        )
    if per_day:
        amount = per_day * days * frac
        rows.append(
            _row(month, "fixed daily", "fixed", days * frac, "day", per_day, "USD/day", amount)
        )
    return rows


def minimum_lines(
    spec: TariffSpec, month: str, frac: float, charges: list[dict[str, object]]
) -> list[dict[str, object]]:
    """The top-up of the month's ``charges`` (import side) to the minimum bill, if any."""
    days = calendar.monthrange(int(month[:4]), int(month[5:]))[1]
    minimum = (spec.minimum_charge_usd_per_month + spec.minimum_charge_usd_per_day * days) * frac
    if not minimum:
        return []
    subtotal = sum(float(r["amount_usd"]) for r in charges)  # type: ignore[arg-type]
    top_up = max(0.0, minimum - subtotal)
    note = f"charges before top-up {subtotal:.2f} USD"
    line = "minimum charge top-up"
    return [_row(month, line, "minimum", 1.0, "month", minimum, "USD/month", top_up, note=note)]


def export_lines(meter: _Meter, month: str, in_m: pd.Series) -> list[dict[str, object]]:
    """The export credit of one month (negative amount) under the tariff's compensation."""
    spec, export_mw = meter.spec, meter.export_mw
    if export_mw is None or spec.export_compensation == "none":
        return []
    x, dt_h = export_mw[in_m], meter.dt_h
    if spec.export_compensation == "fixed":
        credit = float((x * dt_h).sum()) * float(spec.export_price_usd_per_mwh or 0.0)
    elif spec.export_compensation == "wholesale":
        assert meter.price_usd_per_mwh is not None  # noqa: S101 - _check_prices
        credit = float((x * dt_h * meter.price_usd_per_mwh[in_m]).sum())
    else:
        assert meter.energy_period is not None  # noqa: S101 - TariffSpec guarantees a schedule
        sell = pd.Series([p.sell_usd_per_mwh or 0.0 for p in spec.energy.periods])
        sell_t = sell.reindex(meter.energy_period[in_m].to_numpy()).to_numpy()
        credit = float((x * dt_h * sell_t).sum())
    x_mwh = float((x * dt_h).sum())
    average = credit / x_mwh if x_mwh else 0.0
    return [
        _row(month, "export credit", "export", x_mwh, "MWh", average, "USD/MWh (average)", -credit)
    ]


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
    step = _check_inputs(import_mw, export_mw, price_usd_per_mwh)
    spec = tariff
    meter = _meter(import_mw, spec, step, export_mw, price_usd_per_mwh)
    _check_prices(spec, export_mw, price_usd_per_mwh)
    tou_period = [(c, _tou(c.schedule, meter.frame)) for c in spec.tou_demand]
    rows: list[dict[str, object]] = []
    for month in dict.fromkeys(meter.frame["month"]):
        in_m = meter.frame["month"] == month
        frac = _prorate_frac(meter, month, int(in_m.sum()))
        demand = facility_lines(meter, month, in_m, frac)
        demand += tou_demand_lines(meter, month, in_m, frac, tou_period)
        charges = energy_lines(meter, month, in_m) + demand  # HUD blocks need billing demand
        charges += coincident_lines(meter, month, frac)
        charges += fixed_lines(spec, month, frac)
        rows += charges + minimum_lines(spec, month, frac, charges)
        rows += export_lines(meter, month, in_m)
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
