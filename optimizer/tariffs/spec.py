"""The tariff model: everything a utility bill is computed from (issue 5).

A :class:`TariffSpec` is pure data (pydantic v2, frozen, ``extra="forbid"``): it never reads a
file and never looks at a calendar. :mod:`optimizer.tariffs.arrays` turns it and a horizon
into what the LP needs, :mod:`optimizer.tariffs.calculator` turns it and a metered schedule
into a bill, :mod:`optimizer.io.tariff_file` reads it from TOML and :mod:`optimizer.tariffs.urdb`
from OpenEI URDB JSON.

Conventions (written down once)
-------------------------------
- Rates are in model units: energy [USD/MWh], demand [USD/MW per billing month].
- A **billing month** is a calendar month in the site's local time (``SPEC.md`` §1).
- **TOU schedules** are 12x24 matrices like URDB: row = calendar month (January first),
  column = local hour beginning (0..23), value = index into the period list. Weekend
  schedules apply on Saturdays, Sundays and the listed ``holidays``. On a 25-hour DST day
  both 01:00 hours use column 1; on a 23-hour day column 2 is simply not used.
- **Demand** is measured on clock-aligned blocks of ``demand_interval_min`` minutes: the
  billed peak of a window is the highest block average of grid import in it. A block cut
  by the horizon edge is averaged over the intervals it has inside the horizon.
- **Partial months.** A month cut by the horizon is billed in full (fixed, minimum and
  demand charges at their monthly value, on the peaks inside the horizon) unless
  ``prorate_partial_months`` is set; then every monthly amount (fixed and minimum charges,
  demand rates, energy tier sizes) is multiplied by ``hours of the month in the horizon /
  hours of the month`` (743 h in March, 721 h in November in US zones).
- **Demand charge names** (the facility charge's ``name``, every TOU demand period's
  ``name`` and the coincident charge's ``name``) are unique; ratchets, contract demand and
  the month-to-date state refer to charges by these names.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from optimizer.frozen import FrozenModel

_MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_ALL_MONTHS = tuple(range(1, 13))


class PriceSeriesSource(FrozenModel):
    """A price column in a CSV or Parquet file (path relative to the TOML that names it)."""

    path: str = Field(description="CSV or Parquet file, relative to the TOML file.")
    column: str = Field(description="Column holding the price [USD/MWh].")
    timestamp_column: str = Field(
        default="interval_start", description="Column of tz-aware interval starts."
    )
    attribution: str = Field(default="", description="Where the data comes from and its licence.")


def _check_matrix(value: tuple[tuple[int, ...], ...], n_periods: int | None = None) -> None:
    if len(value) != 12 or any(len(row) != 24 for row in value):
        shape = f"{len(value)}x{sorted({len(r) for r in value})}"
        msg = f"schedule must be 12 months x 24 hours; got {shape}"
        raise ValueError(msg)
    flat = [p for row in value for p in row]
    if min(flat) < 0:
        msg = f"period indices must be >= 0; got {min(flat)}"
        raise ValueError(msg)
    if n_periods is not None and max(flat) >= n_periods:
        msg = (
            f"schedule uses period {max(flat)} but only {n_periods} periods are defined "
            f"(0..{n_periods - 1})"
        )
        raise ValueError(msg)


# ---------------------------------------------------------------------- schedules
class TouSchedule(FrozenModel):
    """Weekday and weekend 12x24 period matrices (URDB layout, local time).

    Attributes
    ----------
    weekday : tuple of 12 tuples of 24 int
        Period index for each (month, hour beginning) on Monday..Friday [-].
    weekend : tuple of 12 tuples of 24 int
        Period index on Saturday, Sunday and holidays [-]; defaults to ``weekday``.
    """

    weekday: tuple[tuple[int, ...], ...]
    weekend: tuple[tuple[int, ...], ...] | None = None

    @field_validator("weekday", "weekend")
    @classmethod
    def _shape(cls, v: tuple[tuple[int, ...], ...] | None) -> tuple[tuple[int, ...], ...] | None:
        if v is not None:
            _check_matrix(v)
        return v

    @property
    def weekend_matrix(self) -> tuple[tuple[int, ...], ...]:
        """The weekend matrix (the weekday one when none is given)."""
        return self.weekday if self.weekend is None else self.weekend

    def periods_used(self) -> set[int]:
        """Every period index that appears in either matrix."""
        return {p for m in (self.weekday, self.weekend_matrix) for row in m for p in row}

    def periods_in_month(self, month: int) -> set[int]:
        """Period indices that can occur in calendar ``month`` (1..12)."""
        return set(self.weekday[month - 1]) | set(self.weekend_matrix[month - 1])


# -------------------------------------------------------------------------- tiers
class EnergyTier(FrozenModel):
    """One block of a tiered energy rate.

    The tier covers the month's energy in its period from the previous tier's
    ``upper_mwh`` (0 for the first) up to its own ``upper_mwh`` (unbounded when None).
    """

    rate_usd_per_mwh: float = Field(description="Energy rate inside this tier [USD/MWh].")
    upper_mwh: float | None = Field(
        default=None,
        gt=0,
        description=(
            "Cumulative upper bound of the tier per month and period [MWh]; None = unbounded."
        ),
    )


class DemandTier(FrozenModel):
    """One block of a tiered demand rate, on the window's billed demand."""

    rate_usd_per_mw: float = Field(ge=0, description="Demand rate inside this tier [USD/MW-month].")
    upper_mw: float | None = Field(
        default=None, gt=0, description="Cumulative upper bound of the tier [MW]; None = unbounded."
    )


def _check_tiers(tiers: tuple[EnergyTier, ...] | tuple[DemandTier, ...], unit: str) -> None:
    uppers = [t.upper_mwh if isinstance(t, EnergyTier) else t.upper_mw for t in tiers]
    if uppers[-1] is not None:
        msg = (
            f"the last tier must be unbounded (no upper_{unit}); got {uppers[-1]}. Add a final "
            f"tier without upper_{unit}"
        )
        raise ValueError(msg)
    bounded = uppers[:-1]
    if any(u is None for u in bounded):
        msg = f"only the last tier may omit upper_{unit}"
        raise ValueError(msg)
    if any(b <= a for a, b in zip(bounded, bounded[1:], strict=False)):  # type: ignore[operator]
        msg = f"tier bounds upper_{unit} must increase; got {bounded}"
        raise ValueError(msg)


# ------------------------------------------------------------------------- energy
class EnergyPeriod(FrozenModel):
    """One TOU energy period: a flat rate or a list of tiers, and an optional sell rate."""

    name: str = Field(min_length=1)
    rate_usd_per_mwh: float | None = Field(default=None, description="Flat energy rate [USD/MWh].")
    tiers: tuple[EnergyTier, ...] = Field(
        default=(),
        description="Tiered rate instead of rate_usd_per_mwh; limits per month and period.",
    )
    sell_usd_per_mwh: float | None = Field(
        default=None,
        description="Export credit in this period when export_compensation = 'schedule' [USD/MWh].",
    )

    @model_validator(mode="after")
    def _one_rate(self) -> EnergyPeriod:
        if (self.rate_usd_per_mwh is None) == (len(self.tiers) == 0):
            msg = f"energy period {self.name!r} needs exactly one of rate_usd_per_mwh or tiers"
            raise ValueError(msg)
        if self.tiers:
            _check_tiers(self.tiers, "mwh")
        return self

    def tier_list(self) -> tuple[EnergyTier, ...]:
        """The rate as tiers (one unbounded tier for a flat rate)."""
        if self.tiers:
            return self.tiers
        return (EnergyTier(rate_usd_per_mwh=float(self.rate_usd_per_mwh or 0.0)),)


class EnergyCharge(FrozenModel):
    """How each MWh imported is priced.

    ``basis`` selects the market-price exposure:

    - ``"market"``: the price series (e.g. LMP) plus ``adder_usd_per_mwh``;
    - ``"schedule"``: the TOU period rate plus the adder;
    - ``"market_plus_schedule"``: price series plus period rate plus adder (period rates
      then act as TOU adders, e.g. delivery charges).
    """

    basis: Literal["market", "schedule", "market_plus_schedule"] = "market"
    price_series: PriceSeriesSource | None = Field(
        default=None,
        description="Where the price series is read from (TOML); values are passed at run time.",
    )
    adder_usd_per_mwh: float = Field(
        default=0.0, description="Added to every interval's energy price [USD/MWh]."
    )
    schedule: TouSchedule | None = None
    periods: tuple[EnergyPeriod, ...] = ()

    @model_validator(mode="after")
    def _schedule(self) -> EnergyCharge:
        if (self.schedule is None) != (len(self.periods) == 0):
            msg = "energy.schedule and energy.periods go together; give both or neither"
            raise ValueError(msg)
        if self.basis != "market" and self.schedule is None:
            msg = f"energy.basis = {self.basis!r} needs energy.schedule and energy.periods"
            raise ValueError(msg)
        if self.schedule is not None:
            _check_matrix(self.schedule.weekday, len(self.periods))
            _check_matrix(self.schedule.weekend_matrix, len(self.periods))
            names = [p.name for p in self.periods]
            if len(set(names)) != len(names):
                msg = f"energy period names must be unique; got {names}"
                raise ValueError(msg)
        return self

    @property
    def uses_market_price(self) -> bool:
        """True when the energy price includes the price series."""
        return self.basis in ("market", "market_plus_schedule")

    @property
    def uses_schedule(self) -> bool:
        """True when the energy price includes the TOU period rates."""
        return self.basis in ("schedule", "market_plus_schedule")


# ------------------------------------------------------------------------- demand
class DemandPeriod(FrozenModel):
    """One demand period: a flat rate or tiers, on the window's billed demand."""

    name: str = Field(min_length=1)
    rate_usd_per_mw: float | None = Field(
        default=None, ge=0, description="Demand rate [USD/MW-month]."
    )
    tiers: tuple[DemandTier, ...] = Field(
        default=(), description="Tiered rate instead of rate_usd_per_mw."
    )

    @model_validator(mode="after")
    def _one_rate(self) -> DemandPeriod:
        if (self.rate_usd_per_mw is None) == (len(self.tiers) == 0):
            msg = f"demand period {self.name!r} needs exactly one of rate_usd_per_mw or tiers"
            raise ValueError(msg)
        if self.tiers:
            _check_tiers(self.tiers, "mw")
        return self

    def tier_list(self) -> tuple[DemandTier, ...]:
        """The rate as tiers (one unbounded tier for a flat rate)."""
        if self.tiers:
            return self.tiers
        return (DemandTier(rate_usd_per_mw=float(self.rate_usd_per_mw or 0.0)),)

    @property
    def is_zero(self) -> bool:
        """True when every tier rate is zero (the charge costs nothing)."""
        return all(t.rate_usd_per_mw == 0 for t in self.tier_list())


class FacilityDemandCharge(FrozenModel):
    """Monthly facility (flat) demand charge on the month's highest block average.

    It is billed in the calendar ``months`` listed (default all twelve). With several
    ``periods`` (URDB ``flatdemandstructure``), ``month_period[m-1]`` says which period
    applies in calendar month ``m`` (URDB ``flatdemandmonths``); with one period it may be
    left out.
    """

    name: str = Field(default="facility", min_length=1)
    periods: tuple[DemandPeriod, ...] = Field(min_length=1)
    months: tuple[int, ...] = Field(
        default=_ALL_MONTHS, description="Calendar months billed (1..12)."
    )
    month_period: tuple[int, ...] | None = Field(
        default=None, description="Period index per calendar month, January first (12 entries)."
    )

    @model_validator(mode="after")
    def _months(self) -> FacilityDemandCharge:
        if any(not 1 <= m <= 12 for m in self.months) or len(set(self.months)) != len(self.months):
            msg = (
                "facility_demand.months must be distinct calendar months 1..12; got "
                f"{list(self.months)}"
            )
            raise ValueError(msg)
        if self.month_period is None:
            if len(self.periods) != 1:
                msg = (
                    f"facility_demand has {len(self.periods)} periods; month_period (12 entries) "
                    "must say which applies when"
                )
                raise ValueError(msg)
            return self
        if len(self.month_period) != 12:
            msg = (
                "facility_demand.month_period needs 12 entries (January first); got "
                f"{len(self.month_period)}"
            )
            raise ValueError(msg)
        bad = [p for p in self.month_period if not 0 <= p < len(self.periods)]
        if bad:
            msg = (
                f"facility_demand.month_period refers to period {bad[0]}; expected "
                f"0..{len(self.periods) - 1}"
            )
            raise ValueError(msg)
        return self

    def period_for_month(self, month: int) -> DemandPeriod | None:
        """The period billed in calendar ``month`` (1..12), or None when not billed."""
        if month not in self.months:
            return None
        if self.month_period is None:
            return self.periods[0]
        return self.periods[self.month_period[month - 1]]


class TouDemandCharge(FrozenModel):
    """Demand charges by TOU period: one window per (billing month, period present)."""

    name: str = Field(default="tou", min_length=1, description="Label of this group of periods.")
    schedule: TouSchedule
    periods: tuple[DemandPeriod, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _indices(self) -> TouDemandCharge:
        _check_matrix(self.schedule.weekday, len(self.periods))
        _check_matrix(self.schedule.weekend_matrix, len(self.periods))
        return self


class CandidateHour(FrozenModel):
    """One candidate system-peak period and the probability that it is the month's peak."""

    start: dt.datetime = Field(description="Start of the candidate period (tz-aware).")
    weight_frac: float = Field(
        default=1.0, gt=0, le=1, description="Probability [-]; per month they sum to 1."
    )

    @field_validator("start")
    @classmethod
    def _aware(cls, v: dt.datetime) -> dt.datetime:
        if v.tzinfo is None or v.utcoffset() is None:
            msg = (
                "candidate start must carry a UTC offset (e.g. 2021-02-16T07:00:00-06:00); got "
                f"{v.isoformat()}"
            )
            raise ValueError(msg)
        return v


class CoincidentSource(FrozenModel):
    """Where the candidate peak hours come from (TOML only; the loader fills ``candidates``).

    ``kind = "csv"``: a file with a tz-aware ``timestamp_column`` and optional
    ``weight_column``. ``kind = "system_load"``: an EIA-930-style hourly system load
    (``timestamp_column`` in UTC, naive allowed); the candidates are the peak hours of the
    ``n_per_month`` highest days (or hours) of each local month.
    """

    kind: Literal["csv", "system_load"]
    path: str = Field(description="CSV file, relative to the TOML file.")
    timestamp_column: str | None = Field(
        default=None,
        description="Default 'interval_start' (csv) or 'date_time' (system_load, EIA-930).",
    )
    weight_column: str | None = None
    load_column: str = "cleaned demand (MW)"
    timestamps_mark: Literal["interval_start", "interval_end"] | None = Field(
        default=None,
        description=(
            "Default 'interval_start' (csv) or 'interval_end' (system_load: EIA-930 is "
            "hour-ending)."
        ),
    )
    n_per_month: int = Field(default=1, ge=1, le=31)
    distinct_days: bool = Field(
        default=True, description="Take each day's peak hour, then the top days."
    )
    weighting: Literal["equal", "load"] = "equal"
    timezone: str = Field(
        default="America/Chicago", description="Zone whose calendar months are used."
    )
    attribution: str = ""


class CoincidentPeakCharge(FrozenModel):
    """A charge on the site's draw in the utility's system-peak hour(s) of each month.

    ``aggregation = "expected"``: the billed MW is ``sum_i w_i * draw_i`` over the month's
    candidates (a probability-weighted draw; linear, no peak variable).
    ``aggregation = "max"``: the billed MW is the highest draw over the candidates (robust:
    the site keeps its draw low in every candidate hour).
    ``draw_i`` is the average import over ``[start_i, start_i + duration_min)``.
    """

    name: str = Field(default="coincident", min_length=1)
    rate_usd_per_mw: float = Field(
        ge=0, description="Charge per MW of coincident draw [USD/MW-month]."
    )
    duration_min: Literal[15, 30, 60] = Field(
        default=60, description="Length of each candidate period [min]."
    )
    aggregation: Literal["expected", "max"] = "expected"
    candidates: tuple[CandidateHour, ...] = ()
    source: CoincidentSource | None = None

    @model_validator(mode="after")
    def _weights(self) -> CoincidentPeakCharge:
        starts = [c.start for c in self.candidates]
        if len(set(starts)) != len(starts):
            msg = "coincident_peak.candidates has duplicate start times"
            raise ValueError(msg)
        for c in self.candidates:
            minute = c.start.minute + c.start.hour * 60
            if c.start.second or c.start.microsecond or minute % self.duration_min:
                msg = (
                    f"candidate {c.start.isoformat()} is not aligned to a {self.duration_min}-min "
                    "clock boundary"
                )
                raise ValueError(msg)
        if self.aggregation == "expected":
            sums: dict[str, float] = {}
            for c in self.candidates:
                key = f"{c.start.year:04d}-{c.start.month:02d}"
                sums[key] = sums.get(key, 0.0) + c.weight_frac
            bad = {k: v for k, v in sums.items() if abs(v - 1.0) > 1e-6}
            if bad:
                k = sorted(bad)[0]
                msg = (
                    f"candidate weights of {k} sum to {bad[k]:.6g}; expected 1 per month for "
                    "aggregation = 'expected'"
                )
                raise ValueError(msg)
        return self


# ------------------------------------------------------------- ratchets, contract
class Ratchet(FrozenModel):
    """Minimum billing demand of one charge: look-back ratchet and a fixed minimum.

    Billing demand in month ``m`` = max(metered peak of ``m``, ``minimum_mw``,
    ``lookback_frac`` x the highest metered peak of the same charge in the previous
    ``lookback_months`` months whose calendar month is in ``lookback_calendar_months``).
    Past peaks before the horizon come from ``TariffSpec.state``; peaks of earlier months
    inside the horizon are linked in the LP.
    """

    applies_to: str = Field(
        default="facility", description="Demand charge name (facility or a TOU period)."
    )
    lookback_months: int = Field(default=11, ge=0, le=36, description="Months looked back [-].")
    lookback_frac: float = Field(
        default=0.0, ge=0, le=1, description="Share of the past peak billed [-]."
    )
    lookback_calendar_months: tuple[int, ...] = Field(
        default=_ALL_MONTHS,
        description="Calendar months (1..12) whose peaks count (URDB lookbackmonths).",
    )
    minimum_mw: float = Field(default=0.0, ge=0, description="Minimum billing demand [MW].")

    @field_validator("lookback_calendar_months")
    @classmethod
    def _months(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        if any(not 1 <= m <= 12 for m in v):
            msg = f"lookback_calendar_months must be in 1..12; got {list(v)}"
            raise ValueError(msg)
        return tuple(sorted(set(v)))


class ContractDemand(FrozenModel):
    """Contract demand with an excess-over-contract charge (TVA direct-service / MLGW style).

    Excess in month ``m`` = max(0, metered peak of ``applies_to`` - ``contract_mw``), billed
    at ``excess_rate_usd_per_mw`` on top of the normal demand charge. The billing demand of
    ``applies_to`` is at least ``minimum_billing_frac * contract_mw``.
    """

    contract_mw: float = Field(gt=0, description="Contract demand [MW].")
    excess_rate_usd_per_mw: float = Field(
        ge=0, description="Charge on demand above the contract [USD/MW-month]."
    )
    applies_to: str = Field(
        default="facility", description="Demand charge whose metered peak is compared."
    )
    minimum_billing_frac: float = Field(
        default=0.0, ge=0, le=1, description="Billing demand floor as a share of the contract [-]."
    )


# ------------------------------------------------------------------- state input
class PeakRecord(FrozenModel):
    """A metered peak already known: month-to-date (a horizon month) or ratchet history."""

    month: str = Field(description="Billing month 'YYYY-MM' (local).")
    charge: str = Field(description="Demand charge name.")
    peak_mw: float = Field(
        ge=0, description="Highest block-average import of that charge so far [MW]."
    )

    @field_validator("month")
    @classmethod
    def _month(cls, v: str) -> str:
        if not _MONTH_RE.match(v):
            msg = f"month must look like '2021-02'; got {v!r}"
            raise ValueError(msg)
        return v


class EnergyRecord(FrozenModel):
    """Energy already imported this month in one energy period (for tiered rates)."""

    month: str
    period: str
    energy_mwh: float = Field(
        ge=0, description="Energy imported so far in the month and period [MWh]."
    )

    @field_validator("month")
    @classmethod
    def _month(cls, v: str) -> str:
        if not _MONTH_RE.match(v):
            msg = f"month must look like '2021-02'; got {v!r}"
            raise ValueError(msg)
        return v


class BillingState(FrozenModel):
    """What the bill already knows before the horizon starts (rolling horizons).

    A ``PeakRecord`` for a month inside the horizon is a peak already set this month: the
    metered peak of that window is at least this value (for an ``"expected"`` coincident
    charge it is the probability-weighted draw already accrued, added to the month).
    A record for an earlier month is ratchet history. ``EnergyRecord`` shifts the tier
    bounds of a tiered energy period by the energy already imported this month.
    """

    peaks: tuple[PeakRecord, ...] = ()
    energy: tuple[EnergyRecord, ...] = ()


# ---------------------------------------------------------------------- the spec
class TariffSpec(FrozenModel):
    """A utility tariff: energy, demand, coincident peak, contract, fixed, minimum, export.

    Attributes
    ----------
    name : str
        Tariff name.
    energy : EnergyCharge
        Energy pricing (price series and/or TOU schedule, adder) [USD/MWh].
    facility_demand : FacilityDemandCharge, optional
        Monthly facility demand charge on the month's peak [USD/MW-month].
    tou_demand : tuple of TouDemandCharge
        TOU demand charges, one window per month and period [USD/MW-month].
    coincident_peak : CoincidentPeakCharge, optional
        Charge on the draw in the system-peak hour(s) [USD/MW-month].
    demand_interval_min : {15, 30, 60} or None
        Demand averaging interval [min]; None bills single model intervals.
    ratchets : tuple of Ratchet
        Minimum billing demands, at most one per charge.
    contract : ContractDemand, optional
        Contract demand and excess charge.
    fixed_charge_usd_per_month, fixed_charge_usd_per_day : float
        Fixed charges [USD/month], [USD/day].
    minimum_charge_usd_per_month, minimum_charge_usd_per_day : float
        Minimum bill before export credits [USD/month], [USD/day].
    export_compensation : {"none", "wholesale", "fixed", "schedule"}
        Export credit: nothing, the price series, ``export_price_usd_per_mwh``, or each
        energy period's ``sell_usd_per_mwh``.
    holidays : tuple of date
        Local dates billed with the weekend schedules.
    prorate_partial_months : bool
        Prorate monthly amounts of months cut by the horizon (default: bill in full).
    state : BillingState
        Month-to-date peaks and ratchet history.
    notes : tuple of str
        Provenance and interpretation notes (e.g. from URDB import).
    """

    name: str = Field(min_length=1)
    description: str = ""
    notes: tuple[str, ...] = ()
    energy: EnergyCharge = Field(default_factory=EnergyCharge)
    facility_demand: FacilityDemandCharge | None = None
    tou_demand: tuple[TouDemandCharge, ...] = ()
    coincident_peak: CoincidentPeakCharge | None = None
    demand_interval_min: Literal[15, 30, 60] | None = Field(
        default=15, description="Demand averaging interval [min]; None = the model's own step."
    )
    ratchets: tuple[Ratchet, ...] = ()
    contract: ContractDemand | None = None
    fixed_charge_usd_per_month: float = Field(default=0.0, ge=0, description="[USD/month].")
    fixed_charge_usd_per_day: float = Field(default=0.0, ge=0, description="[USD/day].")
    minimum_charge_usd_per_month: float = Field(default=0.0, ge=0, description="[USD/month].")
    minimum_charge_usd_per_day: float = Field(default=0.0, ge=0, description="[USD/day].")
    export_compensation: Literal["none", "wholesale", "fixed", "schedule"] = "none"
    export_price_usd_per_mwh: float | None = Field(
        default=None, description="Export price for 'fixed' [USD/MWh]."
    )
    holidays: tuple[dt.date, ...] = ()
    prorate_partial_months: bool = False
    state: BillingState = Field(default_factory=BillingState)

    @model_validator(mode="after")
    def _cross(self) -> TariffSpec:
        names = self.peak_charge_names()
        if self.coincident_peak is not None:
            names = [*names, self.coincident_peak.name]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            msg = (
                "demand charge names must be unique (facility name, TOU period names, coincident "
                f"name); {dup} repeat. Rename them"
            )
            raise ValueError(msg)
        peak_names = set(self.peak_charge_names())
        seen: set[str] = set()
        for r in self.ratchets:
            if r.applies_to not in peak_names:
                msg = (
                    f"ratchet applies_to {r.applies_to!r} names no facility or TOU demand charge; "
                    f"expected one of {sorted(peak_names)}"
                )
                raise ValueError(msg)
            if r.applies_to in seen:
                msg = f"two ratchets apply to {r.applies_to!r}; merge them"
                raise ValueError(msg)
            seen.add(r.applies_to)
        if self.contract is not None and self.contract.applies_to not in peak_names:
            msg = (
                f"contract.applies_to {self.contract.applies_to!r} names no facility or TOU demand "
                f"charge; expected one of {sorted(peak_names)}"
            )
            raise ValueError(msg)
        if self.export_compensation == "fixed" and self.export_price_usd_per_mwh is None:
            msg = "export_compensation = 'fixed' needs export_price_usd_per_mwh"
            raise ValueError(msg)
        if self.export_compensation == "schedule" and not any(
            p.sell_usd_per_mwh is not None for p in self.energy.periods
        ):
            msg = "export_compensation = 'schedule' needs sell_usd_per_mwh on the energy periods"
            raise ValueError(msg)
        known = set(names)
        for rec in self.state.peaks:
            if rec.charge not in known:
                msg = f"state.peaks names charge {rec.charge!r}; expected one of {sorted(known)}"
                raise ValueError(msg)
        periods = {p.name for p in self.energy.periods}
        for erec in self.state.energy:
            if erec.period not in periods:
                msg = (
                    f"state.energy names energy period {erec.period!r}; expected one of "
                    f"{sorted(periods)}"
                )
                raise ValueError(msg)
        return self

    def peak_charge_names(self) -> list[str]:
        """Names of the peak-type demand charges: the facility charge and every TOU period."""
        names = [] if self.facility_demand is None else [self.facility_demand.name]
        for charge in self.tou_demand:
            names.extend(p.name for p in charge.periods)
        return names

    def ratchet_for(self, charge: str) -> Ratchet | None:
        """The ratchet that applies to ``charge``, if any."""
        return next((r for r in self.ratchets if r.applies_to == charge), None)

    @property
    def has_demand_charge(self) -> bool:
        """True when any demand-type charge is defined."""
        return bool(self.facility_demand or self.tou_demand or self.coincident_peak)


__all__ = [
    "BillingState",
    "CandidateHour",
    "CoincidentPeakCharge",
    "CoincidentSource",
    "ContractDemand",
    "DemandPeriod",
    "DemandTier",
    "EnergyCharge",
    "EnergyPeriod",
    "EnergyRecord",
    "EnergyTier",
    "FacilityDemandCharge",
    "PeakRecord",
    "Ratchet",
    "TariffSpec",
    "TouDemandCharge",
    "TouSchedule",
]
