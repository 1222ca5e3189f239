"""Public test helpers: tolerance constants and tiny scenario builders.

Used by the project's own tests and by anyone embedding the optimizer who wants a
known-answer case in a few lines.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from optimizer.inputs.assets import BatteryGroup, BatteryUnit, Site
from optimizer.inputs.options import SolverOptions
from optimizer.inputs.scenario import Scenario
from optimizer.inputs.tariff import Tariff

ATOL_MW = 1e-6
ATOL_MWH = 1e-6
ATOL_USD = 1e-6
RTOL = 1e-6

TZ = "America/Chicago"


def make_index(n: int, interval_min: int = 60, start: str = "2021-02-01 00:00") -> pd.DatetimeIndex:
    """``n`` local interval starts from ``start`` in America/Chicago."""
    return pd.date_range(
        pd.Timestamp(start, tz=TZ), periods=n, freq=f"{interval_min}min", name="interval_start"
    )


def make_unit(
    *,
    power_mw: float = 1.0,
    energy_mwh: float = 1.0,
    charge_efficiency_frac: float = 1.0,
    discharge_efficiency_frac: float = 1.0,
    soc_min_frac: float = 0.0,
    soc_max_frac: float = 1.0,
    self_discharge_frac_per_h: float = 0.0,
    aux_load_mw: float = 0.0,
    degradation_cost_usd_per_mwh: float = 0.0,
    power_charge_mw: float | None = None,
) -> BatteryUnit:
    """A battery unit with the given ratings (charge power defaults to ``power_mw``)."""
    return BatteryUnit(
        name="test unit",
        power_charge_max_mw=power_mw if power_charge_mw is None else power_charge_mw,
        power_discharge_max_mw=power_mw,
        energy_capacity_mwh=energy_mwh,
        charge_efficiency_frac=charge_efficiency_frac,
        discharge_efficiency_frac=discharge_efficiency_frac,
        soc_min_frac=soc_min_frac,
        soc_max_frac=soc_max_frac,
        self_discharge_frac_per_h=self_discharge_frac_per_h,
        aux_load_mw=aux_load_mw,
        degradation_cost_usd_per_mwh=degradation_cost_usd_per_mwh,
    )


def make_scenario(
    load_mw: Sequence[float],
    price_usd_per_mwh: Sequence[float],
    *,
    interval_min: int = 60,
    unit: BatteryUnit | None = None,
    n_units: int = 1,
    groups: Sequence[BatteryGroup] | None = None,
    initial_soc_frac: float = 0.0,
    final_soc_min_frac: float | None = None,
    import_limit_mw: float = 1e4,
    export_limit_mw: float = 0.0,
    export_compensation: str = "none",
    demand_charge_usd_per_mw: float = 0.0,
    fixed_charge_usd_per_month: float = 0.0,
    options: SolverOptions | None = None,
    start: str = "2021-02-01 00:00",
) -> Scenario:
    """A small scenario from plain lists: one battery group unless ``groups`` is given."""
    index = make_index(len(load_mw), interval_min, start)
    if groups is None:
        unit = unit or make_unit()
        groups = [
            BatteryGroup(
                name="bess",
                unit=unit,
                n_units=n_units,
                initial_soc_frac=initial_soc_frac,
                final_soc_min_frac=final_soc_min_frac,
            )
        ]
    site = Site(
        name="test site",
        timezone=TZ,
        battery_groups=tuple(groups),
        import_limit_mw=import_limit_mw,
        export_limit_mw=export_limit_mw,
        export_policy="allowed" if export_limit_mw > 0 else "none",
    )
    tariff = Tariff(
        name="test tariff",
        demand_charge_usd_per_mw=demand_charge_usd_per_mw,
        fixed_charge_usd_per_month=fixed_charge_usd_per_month,
        export_compensation=export_compensation,  # type: ignore[arg-type]
    )
    return Scenario(
        name="test",
        site=site,
        tariff=tariff,
        load_mw=pd.Series(np.asarray(load_mw, dtype=float), index=index, name="load_mw"),
        price_usd_per_mwh=pd.Series(
            np.asarray(price_usd_per_mwh, dtype=float), index=index, name="price_usd_per_mwh"
        ),
        options=options or SolverOptions(),
    )
