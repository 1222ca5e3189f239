"""Investment inputs (``SPEC.md`` §8 family 16): unit costs and fade, and the ``[sizing]`` table.

The arithmetic of money over time lives here too, as plain functions of floats, because the
sizing LP (:mod:`optimizer.formulation.sizing`), the lifetime cash flows
(:mod:`optimizer.run.lifetime`) and the fleet-size study's net value
(:mod:`optimizer.studies.runner`) must all annualise a unit's cost the same way.

=====================================  ========================================================
quantity                               formula
=====================================  ========================================================
capital recovery factor ``CRF(r, n)``  ``r (1+r)^n / ((1+r)^n - 1)``; ``1/n`` at ``r = 0``
present value of O&M ``PV_om``         ``om sum_{y=1..n} (1+e)^(y-1) / (1+r)^y``
annualised cost per unit [USD/y]       ``capex CRF(r, n) + PV_om CRF(r, n)``
=====================================  ========================================================

The O&M is levelised (its present value spread evenly by the same CRF), so an escalating O&M
costs the same in the LP as in the year-by-year cash flows.
"""

from __future__ import annotations

import datetime as dt
import math

from pydantic import Field, model_validator

from optimizer.frozen import FrozenModel

HOURS_PER_YEAR_H = 8760.0
"""Hours in the year that the capital cost is annualised over (``SPEC.md`` §8.16) [h]."""


class CapacityFade(FrozenModel):
    """Capacity fade of one unit: calendar ageing plus throughput (an LFP empirical form).

    ``remaining_frac = 1 - calendar_fade_frac_per_sqrt_year * sqrt(age_years)
    - cycle_fade_frac_per_cycle * equivalent_full_cycles``, floored at 0.
    """

    calendar_fade_frac_per_sqrt_year: float = Field(
        default=0.0,
        ge=0,
        le=1,
        description="Calendar fade after one year, growing as sqrt(age) [-].",
    )
    cycle_fade_frac_per_cycle: float = Field(
        default=0.0, ge=0, le=0.01, description="Fade per equivalent full cycle [-/cycle]."
    )

    def remaining_frac(self, age_years: float, equivalent_full_cycles: float) -> float:
        """Share of the nameplate energy left after ``age_years`` and the cycles [-].

        Examples
        --------
        >>> CapacityFade(calendar_fade_frac_per_sqrt_year=0.02,
        ...              cycle_fade_frac_per_cycle=0.00003).remaining_frac(4.0, 1000.0)
        0.93
        """
        lost = self.calendar_fade_frac_per_sqrt_year * math.sqrt(max(age_years, 0.0))
        lost += self.cycle_fade_frac_per_cycle * max(equivalent_full_cycles, 0.0)
        return round(max(0.0, 1.0 - lost), 12)


class UnitEconomics(FrozenModel):
    """What one battery unit costs over its life, and how it ages (``[battery_unit.economics]``)."""

    capital_cost_usd: float = Field(ge=0, description="Installed price of one unit [USD].")
    fixed_om_usd_per_year: float = Field(
        default=0.0, ge=0, description="Fixed O&M of one unit in its first year [USD/y]."
    )
    fixed_om_escalation_frac_per_year: float = Field(
        default=0.0, ge=-0.5, le=1, description="Yearly growth of the fixed O&M [-/y]."
    )
    lifetime_years: int = Field(gt=0, le=60, description="Economic life of the unit [y].")
    fade: CapacityFade = Field(default_factory=CapacityFade)


def capital_recovery_factor(rate_frac: float, years: float) -> float:
    """``CRF(r, n) = r (1+r)^n / ((1+r)^n - 1)``: the annuity per dollar of present value [1/y].

    Examples
    --------
    >>> round(capital_recovery_factor(0.07, 20), 6)
    0.094393
    >>> capital_recovery_factor(0.0, 20)
    0.05
    """
    if years <= 0:
        msg = f"capital_recovery_factor: years must be > 0; got {years}"
        raise ValueError(msg)
    if abs(rate_frac) < 1e-12:
        return 1.0 / years
    growth = (1.0 + rate_frac) ** years
    return rate_frac * growth / (growth - 1.0)


def present_value_om_usd(econ: UnitEconomics, rate_frac: float, years: int) -> float:
    """Present value at year 0 of one unit's fixed O&M paid at the end of years 1..n [USD]."""
    e = econ.fixed_om_escalation_frac_per_year
    return math.fsum(
        econ.fixed_om_usd_per_year * (1.0 + e) ** (y - 1) / (1.0 + rate_frac) ** y
        for y in range(1, years + 1)
    )


def annualised_cost_usd_per_unit(
    econ: UnitEconomics, rate_frac: float, years: int | None = None
) -> float:
    """Capital plus levelised O&M of one unit as an even yearly amount [USD/y].

    Examples
    --------
    >>> econ = UnitEconomics(capital_cost_usd=1000.0, lifetime_years=10)
    >>> round(annualised_cost_usd_per_unit(econ, 0.0), 6)
    100.0
    """
    n = econ.lifetime_years if years is None else years
    crf = capital_recovery_factor(rate_frac, n)
    return (econ.capital_cost_usd + present_value_om_usd(econ, rate_frac, n)) * crf


class ContractDemandSizing(FrozenModel):
    """The contract demand ``K`` as a decision: ``g_t <= K``, billed per MW-month."""

    rate_usd_per_mw_month: float = Field(
        ge=0, description="What one MW of contract demand costs per billing month [USD/MW-month]."
    )
    min_mw: float = Field(default=0.0, ge=0, description="Smallest contract on offer [MW].")
    max_mw: float | None = Field(
        default=None, gt=0, description="Largest contract on offer [MW]; default: the import cap."
    )


class Sizing(FrozenModel):
    """``[sizing]``: the investment view of a scenario (``SPEC.md`` §8 family 16).

    The unit count of every battery group becomes a continuous decision in
    ``[min_units, max_units]`` (or a group's own bounds in ``group_units``), and the contract
    demand may become one too (``[sizing.contract]``).
    """

    discount_rate_frac: float = Field(
        default=0.07, ge=0, le=0.5, description="Real discount rate of the owner [-/y]."
    )
    lifetime_years: int | None = Field(
        default=None,
        gt=0,
        le=60,
        description="Years the fleet is valued over; default: the unit's.",
    )
    min_units: int = Field(default=0, ge=0, description="Fewest units of each group [-].")
    max_units: int = Field(default=2000, gt=0, description="Most units of each group [-].")
    group_units: dict[str, tuple[int, int]] = Field(
        default_factory=dict,
        description="Group name -> (min, max) units, overriding the above [-].",
    )
    contract: ContractDemandSizing | None = None
    max_cycles_per_year: float | None = Field(
        default=None,
        gt=0,
        description="Throughput budget: equivalent full cycles a year, prorated to the horizon "
        "(a warranty's cycle limit) [-/y]; default: none.",
    )
    augment_below_frac: float | None = Field(
        default=0.8,
        gt=0,
        le=1,
        description="Lifetime view: add units when the fleet's energy falls below this share "
        "of its first-year nameplate [-]; None: never augment.",
    )
    start: dt.datetime | None = Field(
        default=None,
        description="Horizon of the sizing solve (site-local); default: the scenario's.",
    )
    end: dt.datetime | None = None
    interval_min: int | None = Field(default=None, description="Step of the sizing solve [min].")

    @model_validator(mode="after")
    def _bounds(self) -> Sizing:
        bad = {k: v for k, v in self.group_units.items() if not (0 <= v[0] <= v[1] and v[1] > 0)}
        if self.min_units > self.max_units or bad:
            msg = (
                "sizing: unit bounds must satisfy 0 <= min <= max and max > 0; got "
                f"min_units={self.min_units}, max_units={self.max_units}, group_units={bad}. "
                "Correct the bounds"
            )
            raise ValueError(msg)
        if (self.start is None) != (self.end is None):
            msg = "sizing: give both start and end (or neither); got one. Add the missing one"
            raise ValueError(msg)
        return self

    def bounds(self, group: str) -> tuple[int, int]:
        """``(min, max)`` units of ``group`` [-]."""
        return self.group_units.get(group, (self.min_units, self.max_units))


__all__ = [
    "HOURS_PER_YEAR_H",
    "CapacityFade",
    "ContractDemandSizing",
    "Sizing",
    "UnitEconomics",
    "annualised_cost_usd_per_unit",
    "capital_recovery_factor",
    "present_value_om_usd",
]
