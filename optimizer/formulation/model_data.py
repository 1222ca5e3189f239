"""Model data: the scenario turned once into plain arrays in model units.

Family functions read these arrays instead of recomputing them from the Scenario, so the
unit conversions happen here (through :mod:`optimizer.units`) and nowhere in the families.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from optimizer import units
from optimizer.errors import InputError, Issue
from optimizer.formulation.reach import soc_reach_mwh
from optimizer.inputs.economics import HOURS_PER_YEAR_H
from optimizer.inputs.grid import allocate_interruptible
from optimizer.inputs.scenario import Scenario
from optimizer.loads.critical import (
    critical_load_mw,
    energy_floor_mwh,
    outage_fleet,
    power_shortfall_mw,
)
from optimizer.tariffs.arrays import TariffArrays


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
    """Family 8 in MW per interval.

    Inside an event's notice period (the ``k`` intervals from the first one starting at or after
    ``start - notice`` to the event's first interval) the fall limit is at least
    ``(max Gimp - cap) / k``: the utility orders that drop, and it must be possible within the
    notice from any import, without moving before the notice. After an event the
    return-to-service rise limit applies.
    """

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
class EnergyFloorData:
    """Family 14: energy held above the SOC minimum at the end of each interval (``SPEC.md`` §8).

    ``floor_mwh`` is one array, ``F_t``, so floors of several origins combine by an elementwise
    maximum before they reach the LP: the ride-through floor of ``[resilience]`` and each enrolled
    interruptible programme's event-readiness floor (``C_t = max(0, L_t + aux_t - firm demand)``
    over its longest call, 0 inside a call, phased in from the initial SOC and after each call), with
    no change to the family.
    """

    floor_mwh: np.ndarray  # F_t, (T,), 0 where no floor is held [MWh]
    soc_min_mwh: float  # sum_b smin_b n_b E_b [MWh]
    critical_load_mw: np.ndarray  # C_t, (T,) [MW]
    power_short_mw: np.ndarray  # (T,) C + aux above fleet power where a held floor covers [MW]
    hours_h: float  # H [h]
    level: str  # critical-load level name
    allow_power_shortfall: bool


@dataclass(frozen=True)
class SizingData:
    """Family 16: the unit counts ``N_b`` (and the contract ``K``) as decisions (``SPEC.md`` §8).

    Every number of the LP that depends on a group's unit count ``n_b`` is affine in it
    (``n_b`` only multiplies data), so two evaluations give its slope: ``perturbed[b]`` is the
    same scenario with group ``b`` at ``2 n_b``; the :class:`ModelData` this hangs on is at
    ``reference_units``. :func:`optimizer.formulation.sizing.sizing_data` builds it.
    """

    min_units: tuple[float, ...]  # Nmin_b [-]
    max_units: tuple[float, ...]  # Nmax_b [-]
    reference_units: tuple[float, ...]  # n_b of the arrays, > 0 [-]
    unit_cost_usd: tuple[float, ...]  # (capex CRF + om) horizon_h / 8760, per unit [USD]
    perturbed: tuple[ModelData, ...]  # the data with group b at 2 n_b
    contract_cost_usd_per_mw: float | None = (
        None  # rate x billing months; None: K is not a decision
    )
    contract_min_mw: float = 0.0  # [MW]
    contract_max_mw: float = float("inf")  # [MW]


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
    import_limit_mw: np.ndarray  # Gimp_t; the tariff's contract demand too when it is a hard cap
    export_limit_mw: np.ndarray
    tariff: TariffArrays  # the scenario's TariffSpec on the horizon (family 7 and the bill)
    fixed_usd: float
    groups: tuple[GroupData, ...]
    ramp: RampData | None = None
    swing_up_mw: np.ndarray | None = None
    swing_down_mw: np.ndarray | None = None
    reserve: ReserveData | None = None
    event_cap_mw: np.ndarray | None = None  # (T,), +inf outside events
    event_credit_usd_per_mwh: np.ndarray | None = None  # (T,), 0 outside events
    # one effective interruptible demand credited once (inputs.grid.allocate_interruptible) [USD]
    event_capacity_credit_usd: float = 0.0
    # the same over the programmes the no-battery site can honour [USD]
    baseline_event_capacity_credit_usd: float = 0.0
    flex: FlexData | None = None
    movement_cost_usd_per_mw: float = 0.0  # family 13, mu [USD/MW]
    energy_floor: EnergyFloorData | None = None  # family 14
    throughput_max_mwh: np.ndarray | None = None  # (B,) energy discharged over the horizon [MWh]
    sizing: SizingData | None = None  # family 16; only run.sizing sets it

    def group(self, name: str) -> GroupData:
        """The group called ``name``."""
        for g in self.groups:
            if g.name == name:
                return g
        msg = f"no battery group {name!r}"
        raise KeyError(msg)

    @property
    def has_swing(self) -> bool:
        """Family 9 is needed (an up or down swing envelope, or reserve headroom)."""
        return (
            self.swing_up_mw is not None
            or self.swing_down_mw is not None
            or self.reserve is not None
        )

    @property
    def has_movement(self) -> bool:
        """Family 13 is needed."""
        return self.movement_cost_usd_per_mw > 0

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
        arrays = scenario.tariff_arrays()  # family 7, energy, export and fixed: one tariff model
        _check_convex(arrays, scenario)
        n_months = len(arrays.months)  # the calendar months the horizon touches
        events = scenario.event_table()
        cap, credit, capacity_credit, baseline_credit = _events(scenario, events, n, n_months)
        # families 9, 10 and 15 are duties of the fleet: a site with no battery power at all
        # (a sizing study's zero case) holds no headroom, and says so in grid.headroom
        has_fleet = any(np.any(g.charge_max_mw + g.discharge_max_mw > 0) for g in groups)
        swing_up, swing_down = (
            None if w is None else w.to_numpy(dtype=float)
            for w in (scenario.swing_up_mw, scenario.swing_down_mw)
        )
        import_price = np.asarray(arrays.energy_price_usd_per_mwh, dtype=float)
        export_price = np.asarray(arrays.export_price_usd_per_mwh, dtype=float)
        fixed = float(sum(mo.fixed_usd for mo in arrays.months))
        import_limit = scenario.import_limit_mw()
        if arrays.import_cap_mw is not None:  # contract demand as a hard cap
            import_limit = np.minimum(import_limit, arrays.import_cap_mw)
        ramp = _ramp(scenario, events, n)
        return cls(
            n_intervals=n,
            interval_h=dt_h,
            load_mw=scenario.load_array_mw(),
            gpu_load_mw=scenario.gpu_load_array_mw(),
            aux_load_mw=scenario.aux_load_mw(),
            import_price_usd_per_mwh=import_price,
            export_price_usd_per_mwh=export_price,
            import_limit_mw=import_limit,
            export_limit_mw=scenario.export_limit_mw(),
            tariff=arrays,
            fixed_usd=fixed,
            groups=tuple(groups),
            ramp=ramp,
            swing_up_mw=swing_up if has_fleet else None,
            swing_down_mw=swing_down if has_fleet else None,
            reserve=_reserve(scenario, n, groups) if has_fleet else None,
            event_cap_mw=cap,
            event_credit_usd_per_mwh=credit,
            event_capacity_credit_usd=capacity_credit,
            baseline_event_capacity_credit_usd=baseline_credit,
            flex=_flex(scenario, n),
            movement_cost_usd_per_mw=scenario.grid.movement_cost_usd_per_mw,
            energy_floor=_energy_floor(scenario, groups, cap, import_limit, ramp),
            throughput_max_mwh=_throughput(scenario),
        )


def _throughput(scenario: Scenario) -> np.ndarray | None:
    """Discharge budget of each group over the horizon: cycles/y x n E x horizon/8760 [MWh]."""
    cycles = None if scenario.sizing is None else scenario.sizing.max_cycles_per_year
    if cycles is None or not scenario.site.battery_groups:
        return None
    years = scenario.n_intervals * scenario.interval_h / HOURS_PER_YEAR_H
    return np.array([cycles * g.energy_capacity_mwh * years for g in scenario.site.battery_groups])


def _energy_floor(
    scenario: Scenario,
    groups: list[GroupData],
    event_cap_mw: np.ndarray | None,
    import_limit_mw: np.ndarray,
    ramp: RampData | None,
) -> EnergyFloorData | None:
    """``F_t`` of family 14: the ride-through floor of ``[resilience]`` and the event-readiness
    floors of the enrolled interruptible programmes, combined by an elementwise maximum."""
    ride = _ride_through_floor(scenario, groups)
    ready = _readiness_floor(scenario, groups, event_cap_mw, import_limit_mw, ramp)
    if ready is None:
        return ride
    if ride is None:
        return ready
    return EnergyFloorData(
        floor_mwh=np.maximum(ride.floor_mwh, ready.floor_mwh),
        soc_min_mwh=ride.soc_min_mwh,
        critical_load_mw=ride.critical_load_mw,
        power_short_mw=ride.power_short_mw,
        hours_h=ride.hours_h,
        level=f"{ride.level} and event readiness",
        allow_power_shortfall=ride.allow_power_shortfall,
    )


def _readiness_floor(
    scenario: Scenario,
    groups: list[GroupData],
    event_cap_mw: np.ndarray | None,
    import_limit_mw: np.ndarray,
    ramp: RampData | None,
) -> EnergyFloorData | None:
    """Event readiness (``SPEC.md`` §8 family 14, issue 19): for each interruptible programme
    the site is credited for (:func:`~optimizer.inputs.grid.allocate_interruptible`), with
    ``hold_readiness`` (the default) and a ``max_event_duration_h``, hold at every interval the
    energy to cut the draw to the programme's cap for its longest call:
    ``C_t = max(0, L_t + aux_t - cap)`` over ``max_event_duration_h``. So a call is answered
    from stored energy whenever it comes, and the LP does not pre-charge on its foreknowledge
    of the calendar. Curtailment and deferral may also answer a call; the floor does not count
    on them (conservative). No floor is held inside a called event (it is being spent), and
    the floor is capped by :func:`_readiness_reach_mwh` after the initial SOC and after each
    call, so it never asks for more than a fleet that held only the floor can have.
    """
    grid = scenario.grid
    if (
        not groups
        or not grid.programs
        or not any(g.discharge_max_mw.max(initial=0.0) > 0 for g in groups)
    ):
        return None
    credited = allocate_interruptible(grid.programs)
    fleet = outage_fleet(scenario.site.battery_groups)
    aux = scenario.aux_load_mw()
    load = scenario.load_mw.to_numpy(dtype=float)
    n = scenario.n_intervals
    floor = np.zeros(n)
    longest = 0.0
    for p in grid.programs:
        if not (
            p.hold_readiness
            and p.max_event_duration_h
            and credited.get(p.name, 0.0) > 0
            and p.kind == "reduce_to"
        ):
            continue
        hours = (
            float(np.ceil(p.max_event_duration_h / scenario.interval_h - 1e-9))
            * scenario.interval_h
        )  # whole intervals, rounded up
        cut = np.maximum(0.0, load + aux - float(p.firm_demand_mw or 0.0))
        f = energy_floor_mwh(
            cut,
            np.zeros(n),
            interval_h=scenario.interval_h,
            hours_h=hours,
            discharge_efficiency_frac=fleet.discharge_efficiency_frac,
            self_discharge_frac_per_h=fleet.self_discharge_frac_per_h,
            soc_min_mwh=fleet.soc_min_mwh,
        )
        floor = np.maximum(floor, f)
        longest = max(longest, hours)
    if longest == 0.0:
        return None
    ceiling = _import_ceiling_mw(import_limit_mw, event_cap_mw, ramp)
    return EnergyFloorData(
        floor_mwh=_readiness_reach_mwh(scenario, groups, floor, ceiling, event_cap_mw),
        soc_min_mwh=fleet.soc_min_mwh,
        critical_load_mw=np.zeros(n),
        power_short_mw=np.zeros(n),
        hours_h=longest,
        level="event readiness",
        allow_power_shortfall=True,
    )


def _import_ceiling_mw(
    import_limit_mw: np.ndarray, event_cap_mw: np.ndarray | None, ramp: RampData | None
) -> np.ndarray:
    """The most the site can draw at each interval [MW]: the import limit, the cap inside a
    called event, and with family 8 the ramp limits from there, backwards (the fall into an
    event within its notice) and forwards (the return to service after it, from the initial
    import when given). Difference limits keep the pointwise largest draw, so this is a draw
    the site can follow."""
    ceiling = np.asarray(import_limit_mw, dtype=float).copy()
    if event_cap_mw is not None:
        ceiling = np.minimum(ceiling, event_cap_mw)
    if ramp is None:
        return ceiling
    for t in range(len(ceiling) - 2, -1, -1):
        ceiling[t] = min(ceiling[t], ceiling[t + 1] + ramp.fall_mw[t + 1])
    if ramp.initial_import_mw is not None and len(ceiling):
        ceiling[0] = min(ceiling[0], ramp.initial_import_mw + ramp.rise_mw[0])
    for t in range(1, len(ceiling)):
        ceiling[t] = min(ceiling[t], ceiling[t - 1] + ramp.rise_mw[t])
    return ceiling


def _readiness_reach_mwh(
    scenario: Scenario,
    groups: list[GroupData],
    floor_mwh: np.ndarray,
    ceiling_mw: np.ndarray,
    event_cap_mw: np.ndarray | None,
) -> np.ndarray:
    """``floor_mwh`` phased in [MWh]: never above what the fleet can hold at each interval,
    and 0 inside a called event.

    The reach starts at the initial SOC. Each interval the site draws its ceiling
    (:func:`_import_ceiling_mw`): what the load and aux leave charges the fleet within its
    charge power less the down swing and down reserve it must keep, up to the SOC maximum less
    the down reserve's energy; a draw below the load (inside a call, in its notice, during the
    return to service) discharges it (no curtailment counted on: conservative). At the first
    interval of a call the reach drops to the SOC minimum plus the floor just before it, the
    fleet that held the floor and no more, so that meeting the floor after a call never needs
    a pre-charge planned on foreknowledge of the call.
    """
    n = scenario.n_intervals
    dt_h = scenario.interval_h
    fleet = outage_fleet(scenario.site.battery_groups)
    net_mw = ceiling_mw - scenario.load_mw.to_numpy(dtype=float) - scenario.aux_load_mw()
    room_mw = sum((g.charge_max_mw for g in groups), np.zeros(n))
    reserve = scenario.grid.reserve
    s_top = sum(g.soc_max_mwh for g in groups)
    etac = min(g.charge_efficiency_frac for g in groups)
    if scenario.swing_down_mw is not None:
        room_mw = room_mw - scenario.swing_down_mw.to_numpy(dtype=float)
    if reserve is not None:
        room_mw = room_mw - reserve.down_mw
        s_top -= reserve.down_mw * reserve.sustain_h * max(g.charge_efficiency_frac for g in groups)
    room_mw = np.maximum(room_mw, 0.0)
    in_event = np.isfinite(event_cap_mw) if event_cap_mw is not None else np.zeros(n, dtype=bool)
    # at a call's first interval the fleet is the one that held the floor just before it
    cap_before = np.full(n, np.inf)
    starts = np.flatnonzero(in_event[1:] & ~in_event[:-1]) + 1
    cap_before[starts] = fleet.soc_min_mwh + floor_mwh[starts - 1]
    delta = np.where(
        net_mw >= 0,
        etac * np.minimum(net_mw, room_mw) * dt_h,
        net_mw * dt_h / fleet.discharge_efficiency_frac,
    )
    level = soc_reach_mwh(
        sum(g.initial_soc_mwh for g in groups),
        min(g.retention_frac for g in groups),
        delta,
        low_mwh=fleet.soc_min_mwh,
        high_mwh=max(s_top, fleet.soc_min_mwh),
        cap_before_mwh=cap_before,
    )
    return np.where(
        in_event, 0.0, np.minimum(floor_mwh, np.maximum(level - fleet.soc_min_mwh, 0.0))
    )


def _ride_through_floor(scenario: Scenario, groups: list[GroupData]) -> EnergyFloorData | None:
    """``F_t`` of ``[resilience]``, 0 outside its months and hours of the day; None if no floor."""
    r = scenario.resilience
    if r is None or not groups:
        return None
    n = scenario.n_intervals
    fleet = outage_fleet(scenario.site.battery_groups)
    aux = scenario.aux_load_mw()
    critical = critical_load_mw(
        r.level,
        load_mw=scenario.load_mw,
        gpu_load_mw=scenario.gpu_load_mw,
        cluster=scenario.site.gpu_cluster,
    )
    if r.hours_h == 0:  # the family is built, holding nothing: a study varies H on one model
        zero = np.zeros(n)
        return EnergyFloorData(
            zero, fleet.soc_min_mwh, critical, zero, 0.0, r.level_name, r.allow_power_shortfall
        )
    floor = energy_floor_mwh(
        critical,
        aux,
        interval_h=scenario.interval_h,
        hours_h=r.hours_h,
        discharge_efficiency_frac=fleet.discharge_efficiency_frac,
        self_discharge_frac_per_h=fleet.self_discharge_frac_per_h,
        soc_min_mwh=fleet.soc_min_mwh,
    )
    held = np.ones(n, dtype=bool)
    if r.months:
        held &= np.isin(scenario.index.month, r.months)
    if r.hours_of_day:
        held &= np.isin(scenario.index.hour, r.hours_of_day)
    k = int(round(r.hours_h / scenario.interval_h))
    # interval tau is served by an outage a held floor covers when some held t has t < tau <= t + K
    window = np.convolve(held.astype(float), np.ones(k))[:n]
    covered = np.r_[False, window[:-1] > 0]
    fleet_power = sum((g.discharge_max_mw for g in groups), np.zeros(n))
    short = np.where(covered, power_shortfall_mw(critical, aux, fleet_power), 0.0)
    return EnergyFloorData(
        floor_mwh=np.where(held, floor, 0.0),
        soc_min_mwh=fleet.soc_min_mwh,
        critical_load_mw=critical,
        power_short_mw=short,
        hours_h=r.hours_h,
        level=r.level_name,
        allow_power_shortfall=r.allow_power_shortfall,
    )


def _check_convex(arrays: Any, scenario: Scenario) -> None:
    """A declining tier makes the bill concave: an LP cannot price it exactly; refuse it clearly."""
    if arrays.is_convex:
        return

    bad = [w.name for w in arrays.demand_windows if not w.is_convex] + [
        b.name for b in arrays.energy_tiers if not b.is_convex
    ]
    msg = ""
    raise InputError(
        msg,
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
    if len(events):  # type: ignore[arg-type]
        # the utility orders the drop into an event: from the notice to the event's first interval
        # the fall may be fast enough to reach the cap from the import limit in the notice time
        notice = {p.name: p.notice_min for p in scenario.grid.programs}
        top = float(np.max(scenario.import_limit_mw(), initial=0.0))
        idx = scenario.index
        for e in events.itertuples():  # type: ignore[attr-defined]
            told = pd.Timestamp(e.start) - pd.Timedelta(minutes=notice[e.program])
            lo, first = int(np.searchsorted(idx, told, side="left")), int(e.first)
            ordered = max(0.0, top - float(e.cap_mw)) / max(1, first - lo + 1)
            fall[lo : first + 1] = np.maximum(fall[lo : first + 1], ordered)
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
    up_max = (
        r.max_up_mw
        if r.max_up_mw is not None
        else (fleet_up if r.price_usd_per_mw_h is not None else r.up_mw)
    )
    down_max = (
        r.max_down_mw
        if r.max_down_mw is not None
        else (fleet_up if r.price_usd_per_mw_h is not None else r.down_mw)
    )
    return ReserveData(
        up_min_mw=np.full(n, r.up_mw),
        down_min_mw=np.full(n, r.down_mw),
        up_max_mw=np.full(n, max(up_max, r.up_mw)),
        down_max_mw=np.full(n, max(down_max, r.down_mw)),
        price_usd_per_mw_h=r.price_usd_per_mw_h,
        sustain_h=r.sustain_h,
    )


def _events(
    scenario: Scenario, events: object, n: int, n_months: int
) -> tuple[np.ndarray | None, np.ndarray | None, float, float]:
    """Event caps and energy credits per interval; the capacity credit with and without batteries.

    The capacity credit pays one effective interruptible demand once (``allocate_interruptible``).
    The no-battery baseline cannot reduce its draw, so it is enrolled only in the programmes whose
    cap its load never exceeds over the horizon (it could answer any call); it is never credited
    for a cap it would break.
    """
    programs = {p.name: p for p in scenario.grid.programs}
    credited = allocate_interruptible(tuple(programs.values()))
    rate = {k: p.credit_usd_per_mw_month * n_months for k, p in programs.items()}
    capacity = sum(rate[k] * mw for k, mw in credited.items())
    load_max = float(np.max(scenario.load_array_mw(), initial=0.0))
    honoured = tuple(p for p in programs.values() if load_max <= p.cap_mw)
    base_mw = allocate_interruptible(honoured)
    baseline_capacity = sum(rate[k] * mw for k, mw in base_mw.items())
    if len(events) == 0:  # type: ignore[arg-type]
        return None, None, capacity, baseline_capacity
    cap = np.full(n, np.inf)
    credit = np.zeros(n)
    for row in events.itertuples():  # type: ignore[attr-defined]
        p = programs[row.program]
        sl = slice(row.first, row.last + 1)
        cap[sl] = np.minimum(cap[sl], p.cap_mw)
        credit[sl] = np.maximum(credit[sl], p.credit_usd_per_mwh)
    return cap, credit, capacity, baseline_capacity


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
    rating = (
        cluster.gpu_power_total_mw * cluster.pue
        if cluster is not None
        else float(np.max(lgpu, initial=0.0))
    )
    dt_h = scenario.interval_h
    return FlexData(
        curtail_max_mw=f.curtailable_share_frac * lgpu,
        curtail_cost_usd_per_mwh=float(kappa or 0.0),
        defer_max_mw=f.deferrable_share_frac * lgpu,
        recover_max_mw=np.maximum(rating - lgpu, 0.0)
        if f.deferrable_share_frac > 0
        else np.zeros(n),
        flex_max_mw=(1.0 - f.power_floor_frac) * lgpu,
        deadline_intervals=max(1, int(round(f.deferral_deadline_h / dt_h))),
        max_backlog_mwh=f.max_backlog_mwh,
        defer_cost_usd_per_mwh=f.deferral_cost_usd_per_mwh,
    )


def ramp_steps_mw(data: ModelData, g: np.ndarray) -> np.ndarray:
    """``g[t] - g[t-1]`` of a draw ``g`` (import, or net import ``g - x``), with ``g[-1]`` the
    initial import when given (else 0 at t = 0) [MW]."""
    steps = np.diff(g, prepend=g[:1])
    if data.ramp is not None and data.ramp.initial_import_mw is not None and len(g):
        steps[0] = g[0] - data.ramp.initial_import_mw
    return steps
