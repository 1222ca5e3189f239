"""The tariff: what the site pays for energy and demand, and what it earns for export.

Issue scope today: an energy price series (LMP) plus an optional adder, one monthly
facility demand charge on the month's highest interval import, fixed monthly charges and
export compensation. The price *values* live in the Scenario as a series; this model
only says where a TOML-defined tariff reads them from.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from optimizer.frozen import FrozenModel
from optimizer.tariffs.spec import PriceSeriesSource, TariffSpec


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
