"""Model data: the scenario turned once into plain arrays in model units.

Family functions read these arrays instead of recomputing them from the Scenario, so the
unit conversions happen here (through :mod:`optimizer.units`) and nowhere in the families.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimizer import units
from optimizer.inputs.scenario import Scenario


@dataclass(frozen=True)
class GroupData:
    """One battery group ``b`` in model units (``SPEC.md`` §2)."""

    name: str
    charge_max_mw: np.ndarray  # a_bt n_b Pc_b, (T,) [MW]
    discharge_max_mw: np.ndarray  # a_bt n_b Pd_b, (T,) [MW]
    soc_min_mwh: float  # smin_b n_b E_b [MWh]
    soc_max_mwh: float  # smax_b n_b E_b [MWh]
    energy_capacity_mwh: float  # n_b E_b [MWh]
    initial_soc_mwh: float  # s_b,-1 [MWh]
    final_soc_min_mwh: float  # terminal target [MWh]
    charge_efficiency_frac: float  # etac_b [-]
    discharge_efficiency_frac: float  # etad_b [-]
    retention_frac: float  # (1 - lam_b)^dt_h [-]
    degradation_cost_usd_per_mwh: float  # delta_b [USD/MWh discharged]


@dataclass(frozen=True)
class ModelData:
    """Every number the LP needs, as floats and numpy arrays over the horizon."""

    n_intervals: int
    interval_h: float
    load_mw: np.ndarray
    gpu_load_mw: np.ndarray
    aux_load_mw: np.ndarray
    import_price_usd_per_mwh: np.ndarray
    export_price_usd_per_mwh: np.ndarray
    import_limit_mw: np.ndarray
    export_limit_mw: np.ndarray
    demand_window: np.ndarray  # k per interval, -1 for none
    demand_rate_usd_per_mw: np.ndarray  # D_k per window
    fixed_usd: float
    groups: tuple[GroupData, ...]

    @property
    def n_windows(self) -> int:
        """Number of demand windows K [-]."""
        return len(self.demand_rate_usd_per_mw)

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> ModelData:
        """Turn a validated scenario into model arrays."""
        dt_h = scenario.interval_h
        n = scenario.n_intervals
        groups = []
        for g in scenario.site.battery_groups:
            u = g.unit
            avail = np.full(n, g.availability_frac)
            groups.append(
                GroupData(
                    name=g.name,
                    charge_max_mw=avail * g.n_units * u.power_charge_max_mw,
                    discharge_max_mw=avail * g.n_units * u.power_discharge_max_mw,
                    soc_min_mwh=u.soc_min_frac * g.energy_capacity_mwh,
                    soc_max_mwh=u.soc_max_frac * g.energy_capacity_mwh,
                    energy_capacity_mwh=g.energy_capacity_mwh,
                    initial_soc_mwh=g.initial_soc_mwh,
                    final_soc_min_mwh=g.final_soc_min_mwh,
                    charge_efficiency_frac=u.charge_efficiency_frac,
                    discharge_efficiency_frac=u.discharge_efficiency_frac,
                    retention_frac=units.retention_frac(u.self_discharge_frac_per_h, dt_h),
                    degradation_cost_usd_per_mwh=u.degradation_cost_usd_per_mwh,
                )
            )
        months = scenario.billing_month()
        n_months = int(months.max()) + 1
        rate = scenario.tariff.demand_charge_usd_per_mw
        if rate > 0:
            window, rates = months, np.full(n_months, rate)
        else:
            window, rates = np.full(n, -1, dtype=np.int64), np.zeros(0)
        return cls(
            n_intervals=n,
            interval_h=dt_h,
            load_mw=scenario.load_array_mw(),
            gpu_load_mw=scenario.gpu_load_array_mw(),
            aux_load_mw=scenario.aux_load_mw(),
            import_price_usd_per_mwh=scenario.import_price_usd_per_mwh(),
            export_price_usd_per_mwh=scenario.export_price_usd_per_mwh(),
            import_limit_mw=scenario.import_limit_mw(),
            export_limit_mw=scenario.export_limit_mw(),
            demand_window=window,
            demand_rate_usd_per_mw=rates,
            fixed_usd=scenario.tariff.fixed_charge_usd_per_month * n_months,
            groups=tuple(groups),
        )
