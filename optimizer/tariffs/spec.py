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
- **Demand** is measured on blocks of ``demand_interval_min`` minutes: the billed peak of a
  window is the highest block average of grid import in it. ``demand_metering =
  "clock_aligned"`` (the default) uses blocks starting where the wall clock is a multiple of
  the interval; ``"sliding"`` uses every run of consecutive model intervals of that length
  inside the window ("any 30 consecutive minutes": at a 15-minute step the mean of two
  consecutive intervals, ``SPEC.md`` §9). A block cut by the horizon edge (or a run of the
  window shorter than the interval) is averaged over the intervals it has.
- **Seasons** (``seasons``) name groups of calendar months; any rate given as a table
  ``{season = rate}`` instead of a number takes the rate of the interval's season.
- **Hours-use-of-demand** (HUD, TVA): an energy period with ``hud_tiers`` bills its monthly
  energy ``E`` in blocks sized by the billing demand ``D`` of the charge ``hud_demand``
  (``SPEC.md`` §9). The LP uses the exact linear form, valid while ``E >= u_last D``. In
  a month cut by the horizon the block sizes follow the horizon's share of the month
  (prorating or not): its energy is billed as a slice of a month at the same load factor.
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
from collections.abc import Iterable
from typing import Literal

from pydantic import Field, field_validator, model_validator

from optimizer.frozen import FrozenModel
from optimizer.tariffs.holidays import HolidayRule, holiday_dates

_MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_ALL_MONTHS = tuple(range(1, 13))

SeasonalRate = float | dict[str, float]
"""A rate [USD/MWh or USD/MW-month]: one number, or a table ``{season name = rate}``."""


def rate_in(rate: SeasonalRate, season: str | None, what: str = "rate") -> float:
    """The number of a :data:`SeasonalRate` in ``season`` (the number itself when flat).

    Raises
    ------
    ValueError
        A seasonal rate asked for outside its seasons.
    """
    if not isinstance(rate, dict):
        return float(rate)
    if season is None or season not in rate:
        msg = f"{what} is seasonal ({sorted(rate)}) but no rate is given for season {season!r}"
        raise ValueError(msg)
    return float(rate[season])


def _check_rate_table(rate: SeasonalRate | None, what: str, *, lower: float | None) -> None:
    """A seasonal table must not be empty; with ``lower``, every rate is at least it."""
    if isinstance(rate, dict):
        if not rate:
            msg = f"{what}: a seasonal rate table needs at least one season"
            raise ValueError(msg)
        if lower is not None and any(v < lower for v in rate.values()):
            msg = f"{what}: every seasonal rate must be >= {lower:g}; got {rate}"
            raise ValueError(msg)


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


class HudTier(FrozenModel):
    """One hours-use-of-demand block: the period's monthly energy up to ``upper_hours x D``.

    ``D`` is the billing demand of the period's ``hud_demand`` charge [MW]; the block covers
    the energy from the previous tier's ``upper_hours x D`` (0 for the first) up to its own
    (unbounded when None).
    """

    rate_usd_per_mwh: float = Field(description="Energy rate inside this block [USD/MWh].")
    upper_hours: float | None = Field(
        default=None,
        gt=0,
        description="Cumulative upper bound of the block in hours use of demand [h]; None = rest.",
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
    """One TOU energy period: a flat (or seasonal) rate, tiers or HUD blocks; a sell rate.

    With ``hud_tiers`` the period's monthly energy ``E`` is billed in hours-use-of-demand
    blocks sized by the billing demand ``D`` of the demand charge ``hud_demand``: block
    ``j`` holds the energy between ``u_(j-1) D`` and ``u_j D`` at ``r_j`` (``SPEC.md`` §9).
    """

    name: str = Field(min_length=1)
    rate_usd_per_mwh: SeasonalRate | None = Field(
        default=None,
        description="Flat energy rate, or a table {season = rate} [USD/MWh].",
    )
    tiers: tuple[EnergyTier, ...] = Field(
        default=(),
        description="Tiered rate instead of rate_usd_per_mwh; limits per month and period.",
    )
    hud_tiers: tuple[HudTier, ...] = Field(
        default=(),
        description="Hours-use-of-demand blocks instead of rate_usd_per_mwh (TVA).",
    )
    hud_demand: str | None = Field(
        default=None,
        description="Demand charge whose billing demand sizes the HUD blocks (with hud_tiers).",
    )
    sell_usd_per_mwh: float | None = Field(
        default=None,
        description="Export credit in this period when export_compensation = 'schedule' [USD/MWh].",
    )

    @model_validator(mode="after")
    def _one_rate(self) -> EnergyPeriod:
        given = [
            self.rate_usd_per_mwh is not None,
            len(self.tiers) > 0,
            len(self.hud_tiers) > 0,
        ]
        if sum(given) != 1:
            msg = (
                f"energy period {self.name!r} needs exactly one of rate_usd_per_mwh, tiers or "
                "hud_tiers"
            )
            raise ValueError(msg)
        _check_rate_table(self.rate_usd_per_mwh, f"energy period {self.name!r}", lower=None)
        if self.tiers:
            _check_tiers(self.tiers, "mwh")
        if self.hud_tiers:
            _check_hud_tiers(self.hud_tiers, self.name)
            if self.hud_demand is None:
                msg = (
                    f"energy period {self.name!r} has hud_tiers but no hud_demand; name the "
                    "demand charge whose billing demand sizes the blocks"
                )
                raise ValueError(msg)
        elif self.hud_demand is not None:
            msg = f"energy period {self.name!r}: hud_demand needs hud_tiers"
            raise ValueError(msg)
        return self

    @property
    def is_seasonal(self) -> bool:
        """True when the rate is a table by season."""
        return isinstance(self.rate_usd_per_mwh, dict)

    def in_season(self, season: str | None) -> EnergyPeriod:
        """This period with a seasonal rate resolved to ``season`` (itself when not seasonal)."""
        if not isinstance(self.rate_usd_per_mwh, dict):
            return self
        rate = rate_in(self.rate_usd_per_mwh, season, f"energy period {self.name!r}")
        return self.model_copy(update={"rate_usd_per_mwh": rate})

    def interval_rate_usd_per_mwh(self, season: str | None) -> float:
        """The rate every MWh of the period pays in ``season`` [USD/MWh].

        The flat (or seasonal) rate; the first tier of a tiered rate (higher tiers are
        :mod:`optimizer.tariffs.energy_tiers`); the last HUD block's rate (the earlier blocks
        are a charge on the billing demand, :func:`hud_linear_form`).
        """
        if self.hud_tiers:
            return float(self.hud_tiers[-1].rate_usd_per_mwh)
        if self.tiers:
            return float(self.tiers[0].rate_usd_per_mwh)
        return rate_in(self.rate_usd_per_mwh or 0.0, season, f"energy period {self.name!r}")

    def tier_list(self) -> tuple[EnergyTier, ...]:
        """The rate as tiers (one unbounded tier for a flat rate; seasons resolved first)."""
        if self.tiers:
            return self.tiers
        if self.hud_tiers or isinstance(self.rate_usd_per_mwh, dict):
            msg = f"energy period {self.name!r}: resolve the season (in_season) or HUD blocks first"
            raise ValueError(msg)
        return (EnergyTier(rate_usd_per_mwh=float(self.rate_usd_per_mwh or 0.0)),)

    def hud_linear_form(self) -> tuple[float, float, float]:
        """The HUD bill's linear form ``r_n E + c D``, valid while ``E >= u D``.

        For blocks ``(r_1, u_1), ..., (r_(n-1), u_(n-1)), (r_n, None)`` and ``E >=
        u_(n-1) D`` the bill is ``r_n E + sum_j (r_j - r_n)(u_j - u_(j-1)) D``
        (``SPEC.md`` §9; ``u_0 = 0``).

        Returns
        -------
        tuple of float
            ``(r_n [USD/MWh], c [USD/MW per month], u [h])``: the rate on every MWh, the
            coefficient on the billing demand and the hours use of demand above which the
            form is exact.
        """
        tiers = self.hud_tiers
        r_last = float(tiers[-1].rate_usd_per_mwh)
        coeff, lower = 0.0, 0.0
        for t in tiers[:-1]:
            upper = float(t.upper_hours or 0.0)
            coeff += (float(t.rate_usd_per_mwh) - r_last) * (upper - lower)
            lower = upper
        return r_last, coeff, lower


def _check_hud_tiers(tiers: tuple[HudTier, ...], name: str) -> None:
    uppers = [t.upper_hours for t in tiers]
    if len(tiers) < 2 or uppers[-1] is not None or any(u is None for u in uppers[:-1]):
        msg = (
            f"energy period {name!r}: hud_tiers need at least two blocks, every one but the last "
            f"with upper_hours; got upper_hours {uppers}"
        )
        raise ValueError(msg)
    bounded = [float(u) for u in uppers[:-1] if u is not None]
    if any(b <= a for a, b in zip(bounded, bounded[1:], strict=False)):
        msg = f"energy period {name!r}: hud_tiers upper_hours must increase; got {bounded}"
        raise ValueError(msg)


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
    fuel_by_month_usd_per_mwh: tuple[float, ...] = Field(
        default=(),
        description=(
            "Fuel cost adjustment by calendar month (12 values, January first), added to every "
            "MWh priced on the schedule (all periods and HUD blocks) [USD/MWh]."
        ),
    )
    schedule: TouSchedule | None = None
    periods: tuple[EnergyPeriod, ...] = ()

    @model_validator(mode="after")
    def _schedule(self) -> EnergyCharge:
        if self.fuel_by_month_usd_per_mwh and len(self.fuel_by_month_usd_per_mwh) != 12:
            msg = (
                "energy.fuel_by_month_usd_per_mwh needs 12 values (January first); got "
                f"{len(self.fuel_by_month_usd_per_mwh)}"
            )
            raise ValueError(msg)
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

    def fuel_usd_per_mwh(self, month: int) -> float:
        """Fuel cost adjustment of calendar ``month`` (1..12) [USD/MWh].

        0 without a fuel table, and 0 on a market basis: a market price already carries
        the cost of fuel, so the schedule's fuel charge applies where its rates do.
        """
        if not self.fuel_by_month_usd_per_mwh or not self.uses_schedule:
            return 0.0
        return float(self.fuel_by_month_usd_per_mwh[month - 1])


# ------------------------------------------------------------------------- demand
class DemandPeriod(FrozenModel):
    """One demand period: a flat (or seasonal) rate or tiers, on the window's billed demand."""

    name: str = Field(min_length=1)
    rate_usd_per_mw: SeasonalRate | None = Field(
        default=None, description="Demand rate, or a table {season = rate} [USD/MW-month]."
    )
    tiers: tuple[DemandTier, ...] = Field(
        default=(), description="Tiered rate instead of rate_usd_per_mw."
    )

    @field_validator("rate_usd_per_mw")
    @classmethod
    def _non_negative(cls, v: SeasonalRate | None) -> SeasonalRate | None:
        if v is not None and not isinstance(v, dict) and v < 0:
            msg = f"Input should be greater than or equal to 0; got {v}"
            raise ValueError(msg)
        _check_rate_table(v, "rate_usd_per_mw", lower=0.0)
        return v

    @model_validator(mode="after")
    def _one_rate(self) -> DemandPeriod:
        if (self.rate_usd_per_mw is None) == (len(self.tiers) == 0):
            msg = f"demand period {self.name!r} needs exactly one of rate_usd_per_mw or tiers"
            raise ValueError(msg)
        if self.tiers:
            _check_tiers(self.tiers, "mw")
        return self

    @property
    def is_seasonal(self) -> bool:
        """True when the rate is a table by season."""
        return isinstance(self.rate_usd_per_mw, dict)

    def in_season(self, season: str | None) -> DemandPeriod:
        """This period with a seasonal rate resolved to ``season`` (itself when not seasonal)."""
        if not isinstance(self.rate_usd_per_mw, dict):
            return self
        rate = rate_in(self.rate_usd_per_mw, season, f"demand period {self.name!r}")
        return self.model_copy(update={"rate_usd_per_mw": rate})

    def tier_list(self) -> tuple[DemandTier, ...]:
        """The rate as tiers (one unbounded tier for a flat rate; seasons resolved first)."""
        if self.tiers:
            return self.tiers
        if isinstance(self.rate_usd_per_mw, dict):
            msg = f"demand period {self.name!r}: resolve the season first (in_season)"
            raise ValueError(msg)
        return (DemandTier(rate_usd_per_mw=float(self.rate_usd_per_mw or 0.0)),)

    @property
    def is_zero(self) -> bool:
        """True when every tier rate (in every season) is zero (the charge costs nothing)."""
        if isinstance(self.rate_usd_per_mw, dict):
            return all(v == 0 for v in self.rate_usd_per_mw.values())
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
    """Contract demand: a hard cap on import, or an excess charge in an explicit study.

    ``allow_excess = False`` (the default): the contract is a hard limit, ``g_t <=
    contract_mw`` in every interval, as a supply contract the utility approves MW by MW.
    ``allow_excess = True`` (an over-contract study): import may exceed the contract up to
    the interconnection limit. Either way, excess in month ``m`` of each charge named in
    ``applies_to`` = max(0, metered peak of that charge - ``contract_mw``), billed at
    ``excess_rate_usd_per_mw`` on top of the normal demand charges (a schedule that breaks
    the cap, such as a no-battery baseline, is billed so). The billing demand of every
    ``applies_to`` charge is at least ``minimum_billing_frac * contract_mw``.
    """

    contract_mw: float = Field(gt=0, description="Contract demand [MW].")
    excess_rate_usd_per_mw: SeasonalRate = Field(
        description="Charge on demand above the contract, or {season = rate} [USD/MW-month]."
    )
    applies_to: tuple[str, ...] = Field(
        default=("facility",),
        description="Demand charges whose metered peaks are compared (a name or a list).",
    )
    minimum_billing_frac: float = Field(
        default=0.0, ge=0, le=1, description="Billing demand floor as a share of the contract [-]."
    )
    allow_excess: bool = Field(
        default=False,
        description="False: the contract caps import (a hard limit); True: excess is priced.",
    )

    @field_validator("applies_to", mode="before")
    @classmethod
    def _names(cls, v: object) -> object:
        return (v,) if isinstance(v, str) else v

    @field_validator("excess_rate_usd_per_mw")
    @classmethod
    def _non_negative(cls, v: SeasonalRate) -> SeasonalRate:
        if not isinstance(v, dict) and v < 0:
            msg = f"Input should be greater than or equal to 0; got {v}"
            raise ValueError(msg)
        _check_rate_table(v, "excess_rate_usd_per_mw", lower=0.0)
        return v

    @model_validator(mode="after")
    def _rates(self) -> ContractDemand:
        if not self.applies_to:
            msg = "contract.applies_to names no demand charge"
            raise ValueError(msg)
        return self

    def excess_rate_in(self, season: str | None) -> float:
        """The excess rate in ``season`` [USD/MW-month]."""
        return rate_in(self.excess_rate_usd_per_mw, season, "contract.excess_rate_usd_per_mw")

    @property
    def import_cap_mw(self) -> float | None:
        """The hard cap on import [MW], or None in an over-contract study."""
        return None if self.allow_excess else self.contract_mw


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
    demand_metering : {"clock_aligned", "sliding"}
        Demand blocks start on the wall clock, or slide by one model interval.
    seasons : dict of str to tuple of int
        Season name -> calendar months; every month in exactly one season when given.
    ratchets : tuple of Ratchet
        Minimum billing demands, at most one per charge.
    contract : ContractDemand, optional
        Contract demand and excess charge.
    fixed_charge_usd_per_month, fixed_charge_usd_per_day : float
        Fixed charges [USD/month], [USD/day].
    minimum_charge_usd_per_month, minimum_charge_usd_per_day : float
        Minimum bill before export credits [USD/month], [USD/day].
    export_compensation : {"none", "wholesale", "fixed", "schedule", "series"}
        Export credit: nothing, the price series, ``export_price_usd_per_mwh``, each
        energy period's ``sell_usd_per_mwh``, or a sell-price series given with the horizon
        (``Scenario.sell_price_usd_per_mwh``; the simple tariff's ``"series"``).
    holidays : tuple of date
        Local dates billed with the weekend schedules.
    holiday_rules : tuple of str
        Holidays by rule (``"thanksgiving_day"``, ...), any year; see
        :mod:`optimizer.tariffs.holidays`.
    holidays_observed : bool
        Also bill the Friday before / Monday after a holiday on a weekend as a holiday.
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
    demand_metering: Literal["clock_aligned", "sliding"] = Field(
        default="clock_aligned",
        description="Demand blocks on the wall clock, or any run of consecutive intervals.",
    )
    seasons: dict[str, tuple[int, ...]] = Field(
        default_factory=dict, description="Season name -> calendar months (1..12)."
    )
    ratchets: tuple[Ratchet, ...] = ()
    contract: ContractDemand | None = None
    fixed_charge_usd_per_month: float = Field(default=0.0, ge=0, description="[USD/month].")
    fixed_charge_usd_per_day: float = Field(default=0.0, ge=0, description="[USD/day].")
    minimum_charge_usd_per_month: float = Field(default=0.0, ge=0, description="[USD/month].")
    minimum_charge_usd_per_day: float = Field(default=0.0, ge=0, description="[USD/day].")
    export_compensation: Literal["none", "wholesale", "fixed", "schedule", "series"] = "none"
    export_price_usd_per_mwh: float | None = Field(
        default=None, description="Export price for 'fixed' [USD/MWh]."
    )
    holidays: tuple[dt.date, ...] = ()
    holiday_rules: tuple[HolidayRule, ...] = ()
    holidays_observed: bool = False
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
        for name in () if self.contract is None else self.contract.applies_to:
            if name not in peak_names:
                msg = (
                    f"contract.applies_to {name!r} names no facility or TOU demand charge; "
                    f"expected one of {sorted(peak_names)}"
                )
                raise ValueError(msg)
        for p in self.energy.periods:
            if p.hud_demand is not None and p.hud_demand not in peak_names:
                msg = (
                    f"energy period {p.name!r}: hud_demand {p.hud_demand!r} names no facility or "
                    f"TOU demand charge; expected one of {sorted(peak_names)}"
                )
                raise ValueError(msg)
        self._check_seasons()
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

    def _check_seasons(self) -> None:
        """Seasons partition the year; every seasonal rate table names exactly the seasons."""
        if self.seasons:
            months = sorted(m for ms in self.seasons.values() for m in ms)
            if months != list(_ALL_MONTHS):
                msg = (
                    "seasons must hold every calendar month 1..12 exactly once; got "
                    f"{dict(self.seasons)}"
                )
                raise ValueError(msg)
        tables: list[tuple[str, SeasonalRate | None]] = [
            (f"energy period {p.name!r}", p.rate_usd_per_mwh) for p in self.energy.periods
        ]
        periods = list(self.facility_demand.periods) if self.facility_demand else []
        periods += [p for c in self.tou_demand for p in c.periods]
        tables += [(f"demand period {p.name!r}", p.rate_usd_per_mw) for p in periods]
        if self.contract is not None:
            tables.append(("contract.excess_rate_usd_per_mw", self.contract.excess_rate_usd_per_mw))
        for what, rate in tables:
            if isinstance(rate, dict) and set(rate) != set(self.seasons):
                msg = (
                    f"{what}: a seasonal rate needs one rate per season of [tariff.seasons] "
                    f"({sorted(self.seasons)}); got {sorted(rate)}"
                )
                raise ValueError(msg)

    def season_of(self, month: int) -> str | None:
        """The season of calendar ``month`` (1..12), or None without seasons."""
        return next((name for name, ms in self.seasons.items() if month in ms), None)

    def holiday_dates(self, years: Iterable[int]) -> tuple[dt.date, ...]:
        """Every holiday of ``years``: the listed dates and those of the rules, sorted."""
        ruled = holiday_dates(self.holiday_rules, years, observed=self.holidays_observed)
        return tuple(sorted(set(self.holidays) | set(ruled)))

    def hud_charges(self) -> set[str]:
        """Demand charges whose billing demand sizes an energy period's HUD blocks."""
        if not self.energy.uses_schedule:
            return set()
        return {p.hud_demand for p in self.energy.periods if p.hud_demand is not None}

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
    "HudTier",
    "PeakRecord",
    "Ratchet",
    "SeasonalRate",
    "TariffSpec",
    "TouDemandCharge",
    "TouSchedule",
    "rate_in",
]
