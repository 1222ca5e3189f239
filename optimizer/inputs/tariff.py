"""The simple tariff: what the site pays for energy and demand, and what it earns for export.

An energy price series (LMP) plus an optional adder, one monthly facility demand charge on
the month's highest interval import, fixed monthly charges and export compensation. The
price *values* live in the Scenario as a series; this model only says where a TOML-defined
tariff reads them from.

It is a way of writing one kind of :class:`~optimizer.tariffs.spec.TariffSpec`:
:func:`spec_from_tariff` converts it (the same bill), and the Scenario does so once, at the
edge, so the LP, the bill and rolling operation know one tariff model.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from optimizer.frozen import FrozenModel
from optimizer.tariffs.spec import BillingState, PeakRecord, PriceSeriesSource, TariffSpec

FACILITY_CHARGE = "facility"
"""Name of the simple tariff's demand charge in its TariffSpec (``PeakRecord.charge``)."""

CONVERTED_NOTE = (
    "converted from the [tariff] schema of optimizer.inputs.tariff.Tariff:"
    " demand on single model intervals"
)
"""The note every converted spec carries (how the report tells a simple tariff)."""


class Tariff(FrozenModel):
    """Energy, demand, fixed and export terms of the bill (``SPEC.md`` §5)."""

    name: str
    energy_price: PriceSeriesSource | None = Field(
        default=None, description="Where the energy price series is read from (TOML only)."
    )
    energy_adder_usd_per_mwh: float = Field(
        default=0.0, description="Added to every interval's energy price [USD/MWh]."
    )
    demand_charge_usd_per_mw: float = Field(
        default=0.0,
        ge=0,
        description="Monthly facility demand charge on the month's peak import [USD/MW-month].",
    )
    fixed_charge_usd_per_month: float = Field(
        default=0.0, ge=0, description="Fixed charges per billing month [USD/month]."
    )
    export_compensation: Literal["none", "wholesale", "fixed", "series"] = Field(
        default="none",
        description="none: export earns nothing; wholesale: the energy price without adder; "
        "fixed: export_price_usd_per_mwh; series: the scenario's sell-price series "
        "(Scenario.sell_price_usd_per_mwh, read from sell_price in a TOML).",
    )
    export_price_usd_per_mwh: float | None = Field(
        default=None, description="Export price when export_compensation = 'fixed' [USD/MWh]."
    )
    sell_price: PriceSeriesSource | None = Field(
        default=None,
        description="Where the sell-price series is read from when export_compensation = "
        "'series' (TOML only).",
    )

    @model_validator(mode="after")
    def _export(self) -> Tariff:
        if self.export_compensation == "fixed" and self.export_price_usd_per_mwh is None:
            msg = (
                "export_compensation = 'fixed' needs export_price_usd_per_mwh; got none. "
                "Add export_price_usd_per_mwh or choose another export_compensation"
            )
            raise ValueError(msg)
        return self


class EngineTariff(Tariff):
    """``Scenario.tariff`` of a scenario whose bill comes from the tariff engine.

    It carries the :class:`~optimizer.tariffs.spec.TariffSpec` it stands for, so that
    ``Scenario.from_series(tariff=scenario.tariff, ...)`` keeps the whole tariff (TOU energy,
    demand windows, ratchets, state) instead of a name with no charges. Its own simple-tariff
    fields stay at their zero defaults and are not billed.
    """

    spec: TariffSpec


def _energy(tariff: Tariff, base: Path | None) -> dict[str, Any]:
    """The ``energy`` table: the market price plus the adder; ``base`` resolves the path."""
    energy: dict[str, Any] = {
        "basis": "market",
        "adder_usd_per_mwh": tariff.energy_adder_usd_per_mwh,
    }
    if tariff.energy_price is not None:
        src = tariff.energy_price.model_dump()
        if base is not None:
            src["path"] = str((base / src["path"]).resolve())
        energy["price_series"] = src
    return energy


def spec_from_tariff(
    tariff: Tariff,
    *,
    base: Path | None = None,
    month_to_date_peak_mw: Mapping[str, float] | None = None,
) -> TariffSpec:
    """The :class:`~optimizer.tariffs.spec.TariffSpec` of a simple tariff (the same bill).

    Energy at the price series plus the adder, a facility demand charge
    (:data:`FACILITY_CHARGE`) on the month's highest single model interval
    (``demand_interval_min = None``), the fixed monthly charge and the same export
    compensation (``"series"``: the scenario's sell-price series).

    Parameters
    ----------
    tariff : Tariff
        The simple tariff.
    base : Path, optional
        Folder that resolves the price-series path (the tariff TOML's folder).
    month_to_date_peak_mw : mapping of str to float, optional
        Peak import already set per billing month ``YYYY-MM`` [MW]: the spec's
        ``state.peaks`` of the facility charge. Ignored without a demand charge (nothing is
        billed on it).
    """
    spec: dict[str, Any] = {
        "name": tariff.name,
        "notes": [CONVERTED_NOTE],
        "energy": _energy(tariff, base),
        "demand_interval_min": None,
        "fixed_charge_usd_per_month": tariff.fixed_charge_usd_per_month,
        "export_compensation": tariff.export_compensation,
        "export_price_usd_per_mwh": tariff.export_price_usd_per_mwh,
    }
    if tariff.demand_charge_usd_per_mw > 0:
        spec["facility_demand"] = {
            "name": FACILITY_CHARGE,
            "periods": [
                {"name": FACILITY_CHARGE, "rate_usd_per_mw": tariff.demand_charge_usd_per_mw}
            ],
        }
        peaks = sorted((month_to_date_peak_mw or {}).items())
        spec["state"] = BillingState(
            peaks=tuple(PeakRecord(month=m, charge=FACILITY_CHARGE, peak_mw=v) for m, v in peaks)
        )
    return TariffSpec.model_validate(spec)


def facility_peaks_mw(spec: TariffSpec) -> dict[str, float]:
    """Month-to-date peaks of the simple tariff's facility charge in ``spec.state`` [MW]."""
    return {r.month: r.peak_mw for r in spec.state.peaks if r.charge == FACILITY_CHARGE}
