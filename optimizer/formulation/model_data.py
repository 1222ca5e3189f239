"""Model data: the scenario turned once into plain arrays in model units.

Family functions read these arrays instead of recomputing them from the Scenario, so the
unit conversions happen here (through :mod:`optimizer.units`) and nowhere in the families.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
    final_soc_min_mwh: float  # terminal lower bound [MWh]
    charge_efficiency_frac: float  # etac_b [-]
    discharge_efficiency_frac: float  # etad_b [-]
    retention_frac: float  # (1 - lam_b)^dt_h [-]
    degradation_cost_usd_per_mwh: float  # delta_b [USD/MWh discharged]
    final_soc_max_mwh: float = float("inf")  # terminal upper bound [MWh]; inf: none


@dataclass(frozen=True)
class RampData:
    """Family 8 in MW per interval."""

    rise_mw: np.ndarray  # (T,) largest g[t] - g[t-1] [MW]
    fall_mw: np.ndarray  # (T,) largest g[t-1] - g[t] [MW]
    initial_import_mw: float | None


@dataclass(frozen=True)
class ReserveData:
    """Families 9-10: reserve held (fixed or priced) and its sustain time."""

    up_min_mw: np.ndarray
    down_min_mw: np.ndarray
    up_max_mw: np.ndarray
    down_max_mw: np.ndarray
    price_usd_per_mw_h: float | None
    sustain_h: float

    @property
    def is_priced(self) -> bool:
        """True when the held reserve is a decision variable earning a price."""
        return self.price_usd_per_mw_h is not None


@dataclass(frozen=True)
class FlexData:
    """Family 12 and the deferral backlog."""

    curtail_max_mw: np.ndarray  # phi_t Lgpu_t
    curtail_cost_usd_per_mwh: float  # kappa
    defer_max_mw: np.ndarray
    recover_max_mw: np.ndarray  # GPU rating minus Lgpu_t
    flex_max_mw: np.ndarray  # (1 - floor) Lgpu_t: curtailed + deferred never above this
    deadline_intervals: int
    max_backlog_mwh: float
    defer_cost_usd_per_mwh: float

    @property
    def has_curtailment(self) -> bool:
        """Curtailment allowed somewhere."""
        return bool(np.any(self.curtail_max_mw > 0))

    @property
    def has_deferral(self) -> bool:
        """Deferral allowed somewhere."""
        return bool(np.any(self.defer_max_mw > 0)) and self.max_backlog_mwh > 0


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
    ramp: RampData | None = None
    swing_up_mw: np.ndarray | None = None
    swing_down_mw: np.ndarray | None = None
    reserve: ReserveData | None = None
    event_cap_mw: np.ndarray | None = None  # (T,), +inf outside events
    event_credit_usd_per_mwh: np.ndarray | None = None  # (T,), 0 outside events
    event_capacity_credit_usd: float = 0.0
    flex: FlexData | None = None
    demand_floor_mw: np.ndarray | None = None  # (K,) peak already set this month [MW]
    tariff: Any = None  # optimizer.tariffs.arrays.TariffArrays when the scenario has a TariffSpec

    def group(self, name: str) -> GroupData:
        """The group called ``name``."""
        for g in self.groups:
            if g.name == name:
                return g
        msg = f"no battery group {name!r}"
        raise KeyError(msg)

    @property
    def n_windows(self) -> int:
        """Number of demand windows K [-]."""
        return len(self.demand_rate_usd_per_mw)

    @property
    def has_swing(self) -> bool:
        """Family 9 is needed (an up or down swing envelope, or reserve headroom)."""
        return self.swing_up_mw is not None or self.swing_down_mw is not None or self.reserve is not None

    @property
    def has_events(self) -> bool:
        """Family 11 is needed."""
        return self.event_cap_mw is not None and bool(np.isfinite(self.event_cap_mw).any())

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> ModelData:
        """Turn a validated scenario into model arrays."""
        dt_h = scenario.interval_h
        n = scenario.n_intervals
        groups = []
        for g in scenario.site.battery_groups:
            u = g.unit
            avail = scenario.availability_array_frac(g.name)
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
                    final_soc_max_mwh=g.final_soc_max_mwh if g.has_final_soc_max else float("inf"),
                )
            )
        months = scenario.billing_month()
        n_months = int(months.max()) + 1
        rate = scenario.tariff.demand_charge_usd_per_mw
        if rate > 0:
            window, rates = months, np.full(n_months, rate)
            labels = scenario.billing_month_labels()
            floor = np.array([scenario.month_to_date_peak_mw.get(lab, 0.0) for lab in labels], dtype=float)
        else:
            window, rates = np.full(n, -1, dtype=np.int64), np.zeros(0)
            floor = np.zeros(0)
        events = scenario.event_table()
        cap, credit, capacity_credit = _events(scenario, events, n, n_months)
        arrays = scenario.tariff_arrays()
        import_price = scenario.import_price_usd_per_mwh()
        export_price = scenario.export_price_usd_per_mwh()
        fixed = scenario.tariff.fixed_charge_usd_per_month * n_months
        if arrays is not None:
            _check_convex(arrays, scenario)
            import_price = np.asarray(arrays.energy_price_usd_per_mwh, dtype=float)
            export_price = np.asarray(arrays.export_price_usd_per_mwh, dtype=float)
            window, rates, floor = np.full(n, -1, dtype=np.int64), np.zeros(0), np.zeros(0)
            fixed = float(sum(mo.fixed_usd for mo in arrays.months))
        return cls(
            n_intervals=n,
            interval_h=dt_h,
            load_mw=scenario.load_array_mw(),
            gpu_load_mw=scenario.gpu_load_array_mw(),
            aux_load_mw=scenario.aux_load_mw(),
            import_price_usd_per_mwh=import_price,
            export_price_usd_per_mwh=export_price,
            import_limit_mw=scenario.import_limit_mw(),
            export_limit_mw=scenario.export_limit_mw(),
            demand_window=window,
            demand_rate_usd_per_mw=rates,
            fixed_usd=fixed,
            groups=tuple(groups),
            ramp=_ramp(scenario, events, n),
            swing_up_mw=None if scenario.swing_up_mw is None else scenario.swing_up_mw.to_numpy(dtype=float),
            swing_down_mw=None if scenario.swing_down_mw is None else scenario.swing_down_mw.to_numpy(dtype=float),
            reserve=_reserve(scenario, n, groups),
            event_cap_mw=cap,
            event_credit_usd_per_mwh=credit,
            event_capacity_credit_usd=capacity_credit,
            flex=_flex(scenario, n),
            demand_floor_mw=floor,
            tariff=arrays,
        )


def _check_convex(arrays: Any, scenario: Scenario) -> None:
    """A declining tier makes the bill concave: an LP cannot price it exactly; refuse it clearly."""
    if arrays.is_convex:
        return
    from optimizer.errors import InputError, Issue

    bad = [w.name for w in arrays.demand_windows if not w.is_convex] + [b.name for b in arrays.energy_tiers if not b.is_convex]
    raise InputError(
        "",
        issues=[
            Issue(
                "declining tier rates cannot be priced exactly by the LP",
                path=scenario.source_path,
                field=f"tariff ({', '.join(bad[:4])})",
                expected="tier rates that rise (or stay) with use",
                got="a tier cheaper than the one before",
                fix="Flatten the tiers to one rate, or model the cheaper tier as the only rate",
            )
        ],
    )


def _ramp(scenario: Scenario, events: object, n: int) -> RampData | None:
    r = scenario.grid.ramp
    if r is None:
        return None
    step_min = float(scenario.interval_min)
    rise = np.full(n, r.rise_mw_per_min * step_min)
    fall = np.full(n, r.fall_mw_per_min * step_min)
    if r.return_to_service_mw_per_min is not None:
        window = int(np.ceil(r.return_to_service_window_min / step_min))
        for last in events["last"]:  # type: ignore[index]
            lo, hi = int(last) + 1, min(n, int(last) + 1 + window)
            rise[lo:hi] = np.minimum(rise[lo:hi], r.return_to_service_mw_per_min * step_min)
    return RampData(rise_mw=rise, fall_mw=fall, initial_import_mw=r.initial_import_mw)


def _reserve(scenario: Scenario, n: int, groups: list[GroupData]) -> ReserveData | None:
    r = scenario.grid.reserve
    if r is None:
        return None
    fleet_up = sum(float(np.max(g.discharge_max_mw + g.charge_max_mw, initial=0)) for g in groups)
    up_max = r.max_up_mw if r.max_up_mw is not None else (fleet_up if r.price_usd_per_mw_h is not None else r.up_mw)
    down_max = r.max_down_mw if r.max_down_mw is not None else (fleet_up if r.price_usd_per_mw_h is not None else r.down_mw)
    return ReserveData(
        up_min_mw=np.full(n, r.up_mw),
        down_min_mw=np.full(n, r.down_mw),
        up_max_mw=np.full(n, max(up_max, r.up_mw)),
        down_max_mw=np.full(n, max(down_max, r.down_mw)),
        price_usd_per_mw_h=r.price_usd_per_mw_h,
        sustain_h=r.sustain_h,
    )


def _events(scenario: Scenario, events: object, n: int, n_months: int) -> tuple[np.ndarray | None, np.ndarray | None, float]:
    programs = {p.name: p for p in scenario.grid.programs}
    capacity = sum(p.credit_usd_per_mw_month * p.interruptible_mw for p in programs.values()) * n_months
    if len(events) == 0:  # type: ignore[arg-type]
        return None, None, capacity
    cap = np.full(n, np.inf)
    credit = np.zeros(n)
    for row in events.itertuples():  # type: ignore[attr-defined]
        p = programs[row.program]
        sl = slice(row.first, row.last + 1)
        cap[sl] = np.minimum(cap[sl], p.cap_mw)
        credit[sl] = np.maximum(credit[sl], p.credit_usd_per_mwh)
    return cap, credit, capacity


def _flex(scenario: Scenario, n: int) -> FlexData | None:
    f = scenario.grid.flexible_load
    if f is None:
        return None
    lgpu = scenario.gpu_load_array_mw()
    kappa = f.curtailment_cost_usd_per_mwh
    cluster = scenario.site.gpu_cluster
    if kappa is None and f.curtailment_cost_usd_per_gpu_h is not None:
        if cluster is None:
            kappa = 0.0
        else:  # USD per GPU-hour -> USD per MWh at the meter: one GPU-hour draws gpu_power * pue / (1 - share) MWh
            mwh_per_gpu_h = cluster.gpu_power_mw * cluster.pue
            kappa = f.curtailment_cost_usd_per_gpu_h / mwh_per_gpu_h
    rating = cluster.gpu_power_total_mw * cluster.pue if cluster is not None else float(np.max(lgpu, initial=0.0))
    dt_h = scenario.interval_h
    return FlexData(
        curtail_max_mw=f.curtailable_share_frac * lgpu,
        curtail_cost_usd_per_mwh=float(kappa or 0.0),
        defer_max_mw=f.deferrable_share_frac * lgpu,
        recover_max_mw=np.maximum(rating - lgpu, 0.0) if f.deferrable_share_frac > 0 else np.zeros(n),
        flex_max_mw=(1.0 - f.power_floor_frac) * lgpu,
        deadline_intervals=max(1, int(round(f.deferral_deadline_h / dt_h))),
        max_backlog_mwh=f.max_backlog_mwh,
        defer_cost_usd_per_mwh=f.deferral_cost_usd_per_mwh,
    )
