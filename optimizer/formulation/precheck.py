"""Checks that need no solver: combinations that are provably infeasible.

Each check is a plain function returning a list of issues that name the interval and the
amount; :func:`find_infeasibilities` runs them all. They run in milliseconds, before any
model is built.
"""

from __future__ import annotations

import warnings

import numpy as np

from optimizer.errors import InfeasibleError, Issue, ModellingWarning
from optimizer.formulation.model_data import ModelData
from optimizer.formulation.reach import soc_reach_mwh
from optimizer.inputs.scenario import Scenario


def _reducible_mw(data: ModelData) -> np.ndarray:
    """Most the site can take off its grid import in each interval: full discharge, curtailment, deferral [MW]."""
    dmax = sum((g.discharge_max_mw for g in data.groups), np.zeros(data.n_intervals))
    if data.flex is not None:
        flex = data.flex.curtail_max_mw * (data.flex.curtail_max_mw > 0)
        if data.flex.has_deferral:
            flex = flex + data.flex.defer_max_mw
        dmax = dmax + np.minimum(flex, data.flex.flex_max_mw)
    return dmax


def check_import_cap_reachable(scenario: Scenario, data: ModelData) -> list[Issue]:
    """Load plus aux minus the most the fleet and flexible load can shed must fit under the import cap.

    The blame goes where the fix is: when the load alone fits and only the batteries'
    auxiliary load pushes the site over, the issue names the groups' ``aux_load_mw``.
    """
    reducible = _reducible_mw(data)
    short = data.load_mw + data.aux_load_mw - reducible - data.import_limit_mw
    scale = 1e-9 * max(1.0, float(np.max(data.load_mw)))
    bad = short > scale
    if not bad.any():
        return []
    t = int(np.argmax(short))
    first = scenario.index[int(np.flatnonzero(bad)[0])].isoformat()
    cap = data.import_limit_mw[t]
    if np.all(data.load_mw - reducible - data.import_limit_mw <= scale):
        heavy = max(scenario.site.battery_groups, key=lambda g: g.n_units * g.unit.aux_load_mw)
        return [
            Issue(
                "the batteries' auxiliary load exceeds what the import cap and the fleet can supply",
                path=scenario.source_path,
                field=f"site.battery_groups.{heavy.name}.unit.aux_load_mw",
                timestamp=scenario.index[t].isoformat(),
                expected=f"load + aux - fleet discharge <= {cap:.3f} MW (aux {data.aux_load_mw[t]:.3f} MW)",
                got=f"{short[t]:.3f} MW over the cap ({int(bad.sum())} intervals short, first at {first})",
                fix="Check aux_load_mw: it is MW per unit in service (a Megapack draws well under 0.1 MW)",
            )
        ]
    return [
        Issue(
            "load exceeds the import cap plus full fleet discharge and flexible load",
            path=scenario.source_path,
            field="grid_import_limit_mw"
            if scenario.grid_import_limit_mw is not None
            else "site.import_limit_mw",
            timestamp=scenario.index[t].isoformat(),
            expected=f"load + aux - fleet discharge - curtailment <= {cap:.3f} MW",
            got=f"{short[t]:.3f} MW over the cap ({int(bad.sum())} intervals short, first at {first})",
            fix="Raise import_limit_mw, add battery power, or allow curtailment",
        )
    ]


def check_event_caps_reachable(scenario: Scenario, data: ModelData) -> list[Issue]:
    """Each event's cap must lie above the uncurtailable load minus the fleet's power."""
    if data.event_cap_mw is None:
        return []
    issues = []
    short = data.load_mw + data.aux_load_mw - _reducible_mw(data) - data.event_cap_mw
    for row in scenario.event_table().itertuples():
        sl = slice(row.first, row.last + 1)
        s = short[sl]
        if np.any(s > 1e-9 * max(1.0, float(np.max(data.load_mw)))):
            t = row.first + int(np.argmax(s))
            issues.append(
                Issue(
                    f"event {row.event_id} ({row.program}) cap of {row.cap_mw:.1f} MW cannot be reached",
                    path=scenario.source_path,
                    field=f"grid.events.{row.event_id}",
                    timestamp=scenario.index[t].isoformat(),
                    expected=f"uncurtailable load - fleet power <= {row.cap_mw:.1f} MW",
                    got=f"{float(np.max(s)):.3f} MW missing",
                    fix="Raise the program's firm demand, add battery power, or allow more curtailment",
                )
            )
    return issues


def check_headroom_fits_fleet(scenario: Scenario, data: ModelData) -> list[Issue]:
    """Up plus down headroom always equals the fleet's charge plus discharge power; the swing and reserve must fit."""
    if not data.has_swing:
        return []
    n = data.n_intervals
    fleet = sum((g.discharge_max_mw + g.charge_max_mw for g in data.groups), np.zeros(n))
    need = np.zeros(n)
    for arr in (data.swing_up_mw, data.swing_down_mw):
        if arr is not None:
            need = need + arr
    if data.reserve is not None:
        need = need + data.reserve.up_min_mw + data.reserve.down_min_mw
    over = need - fleet
    if not np.any(over > 1e-9 * max(1.0, float(np.max(fleet, initial=1.0)))):
        return []
    t = int(np.argmax(over))
    return [
        Issue(
            "swing plus reserve headroom exceeds the fleet's power",
            path=scenario.source_path,
            field="grid.swing",
            timestamp=scenario.index[t].isoformat(),
            expected=f"up + down swing + reserve <= fleet charge + discharge power ({fleet[t]:.1f} MW)",
            got=f"{over[t]:.3f} MW too much",
            fix="Lower the swing (coherent_mw) or the reserve, or add battery power",
        )
    ]


def check_terminal_energy_reachable(scenario: Scenario, data: ModelData) -> list[Issue]:
    """The terminal energy target must fit in the band and be reachable by charging flat out."""
    issues = []
    dt = data.interval_h
    for g in data.groups:
        top = soc_reach_mwh(
            g.initial_soc_mwh,
            g.retention_frac,
            g.charge_efficiency_frac * g.charge_max_mw * dt,
            high_mwh=g.soc_max_mwh,
        )[-1]  # charging flat out
        bottom = soc_reach_mwh(
            g.initial_soc_mwh,
            g.retention_frac,
            -g.discharge_max_mw * dt / g.discharge_efficiency_frac,
            low_mwh=g.soc_min_mwh,
        )[-1]  # discharging flat out
        if g.final_soc_max_mwh < bottom - 1e-9 * max(1.0, g.energy_capacity_mwh):
            issues.append(
                Issue(
                    "terminal energy target cannot be reached from above",
                    path=scenario.source_path,
                    field=f"site.battery_groups.{g.name}.final_soc_max_frac",
                    timestamp=scenario.index[-1].isoformat(),
                    expected=f"a target >= {bottom:.3f} MWh (discharging at full power from the start)",
                    got=f"{g.final_soc_max_mwh:.3f} MWh, {bottom - g.final_soc_max_mwh:.3f} MWh too low",
                    fix="Raise the final SOC target, lower initial_soc_frac, or lengthen the horizon",
                )
            )
        if g.final_soc_min_mwh > top + 1e-9 * max(1.0, g.energy_capacity_mwh):
            issues.append(
                Issue(
                    "terminal energy cannot be reached",
                    path=scenario.source_path,
                    field=f"site.battery_groups.{g.name}.final_soc_min_frac",
                    timestamp=scenario.index[-1].isoformat(),
                    expected=f"a target <= {top:.3f} MWh (charging at full power from the start)",
                    got=f"{g.final_soc_min_mwh:.3f} MWh, short by {g.final_soc_min_mwh - top:.3f} MWh",
                    fix="Lower final_soc_min_frac, raise initial_soc_frac, or lengthen the horizon",
                )
            )
    return issues


def check_event_program_limits(scenario: Scenario, data: ModelData) -> list[Issue]:
    """A calendar may not call a program more often or longer than its contract allows."""
    issues = []
    for p in scenario.grid.programs:
        mine = [e for e in scenario.grid.events if e.program == p.name]
        hours = sum((e.end - e.start).total_seconds() / 3600 for e in mine)
        if p.max_events_per_year is not None and len(mine) > p.max_events_per_year:
            issues.append(
                Issue(
                    f"program {p.name} called too often",
                    path=scenario.source_path,
                    field=f"grid.programs.{p.name}.max_events_per_year",
                    expected=f"<= {p.max_events_per_year} events",
                    got=f"{len(mine)}",
                    fix="Drop events from the calendar",
                )
            )
        if p.max_hours_per_year is not None and hours > p.max_hours_per_year + 1e-9:
            issues.append(
                Issue(
                    f"program {p.name} called for too many hours",
                    path=scenario.source_path,
                    field=f"grid.programs.{p.name}.max_hours_per_year",
                    expected=f"<= {p.max_hours_per_year} h",
                    got=f"{hours:.2f} h",
                    fix="Shorten or drop events",
                )
            )
        for e in mine:
            h = (e.end - e.start).total_seconds() / 3600
            if p.max_event_duration_h is not None and h > p.max_event_duration_h + 1e-9:
                issues.append(
                    Issue(
                        f"event {e.event_id} longer than program {p.name} allows",
                        path=scenario.source_path,
                        field=f"grid.events.{e.event_id}",
                        timestamp=e.start.isoformat(),
                        expected=f"<= {p.max_event_duration_h} h",
                        got=f"{h:.2f} h",
                        fix="Shorten the event",
                    )
                )
    return issues


def _stamps(scenario: Scenario, mask: np.ndarray, most: int = 3) -> str:
    pos = np.flatnonzero(mask)
    shown = ", ".join(scenario.index[t].isoformat() for t in pos[:most])
    return shown + (f" and {len(pos) - most} more" if len(pos) > most else "")


def check_ride_through_power(scenario: Scenario, data: ModelData) -> list[Issue]:
    """Family 14: the fleet's power must carry critical load plus aux where the floor covers.

    An energy floor cannot make up for power: where ``C_t + aux_t`` exceeds the available
    discharge power the fleet drops the load at the outage's first interval, whatever it holds.
    With ``resilience.allow_power_shortfall`` the floor is held anyway and the shortfall is a
    :class:`ModellingWarning` (and ``summary()["resilience"]`` counts it), never silent.
    """
    f = data.energy_floor
    if f is None or not np.any(f.power_short_mw > 1e-9):
        return []
    bad = f.power_short_mw > 1e-9
    t = int(np.argmax(f.power_short_mw))
    fleet_mw = float(sum(g.discharge_max_mw[t] for g in data.groups))
    what = (
        f"the fleet's discharge power cannot carry the '{f.level}' critical load plus aux in "
        f"{int(bad.sum())} of {data.n_intervals} intervals"
    )
    got = (
        f"{f.critical_load_mw[t] + data.aux_load_mw[t]:.1f} MW to carry with {fleet_mw:.1f} MW "
        f"available, {f.power_short_mw[t]:.1f} MW short (intervals {_stamps(scenario, bad)})"
    )
    if f.allow_power_shortfall:
        warnings.warn(
            f"{what}: {got}; the floor holds the energy, but an outage there drops the load",
            ModellingWarning,
            stacklevel=2,
        )
        return []
    return [
        Issue(
            what,
            path=scenario.source_path,
            field="resilience.critical_load",
            timestamp=scenario.index[t].isoformat(),
            expected="critical load + aux <= the fleet's available discharge power",
            got=got,
            fix="Lower the critical load (e.g. 'training_paused'), add battery power, or set "
            "resilience.allow_power_shortfall = true to hold the energy anyway",
        )
    ]


def check_energy_floor_reachable(scenario: Scenario, data: ModelData) -> list[Issue]:
    """Family 14: the floor must lie below the most the fleet can hold at each interval.

    The most is the SOC band's top, and near the start what the fleet can reach from its initial
    SOC charging flat out within the import headroom (``Gimp - L - aux``, plus curtailment).
    """
    f = data.energy_floor
    if f is None:
        return []
    n = data.n_intervals
    dt = data.interval_h
    flex = data.flex.curtail_max_mw if data.flex is not None else np.zeros(n)
    headroom = np.maximum(data.import_limit_mw - data.load_mw - data.aux_load_mw + flex, 0.0)
    top = np.zeros(n)
    for g in data.groups:
        top += soc_reach_mwh(
            g.initial_soc_mwh,
            g.retention_frac,
            g.charge_efficiency_frac * np.minimum(g.charge_max_mw, headroom) * dt,
            high_mwh=g.soc_max_mwh,
        )
    short = f.soc_min_mwh + f.floor_mwh - top
    tol = 1e-9 * max(1.0, sum(g.energy_capacity_mwh for g in data.groups))
    bad = short > tol
    if not bad.any():
        return []
    t = int(np.argmax(short))
    band_top = sum(g.soc_max_mwh for g in data.groups)
    if f.soc_min_mwh + f.floor_mwh[t] > band_top + tol:
        fix = (
            "The floor is above the fleet's SOC band: lower resilience.hours_h or the critical "
            "load, or add battery energy"
        )
    else:
        fix = (
            "The fleet cannot charge up to the floor in time from its initial SOC: raise "
            "initial_soc_frac, lower resilience.hours_h or the critical load, or hold the floor "
            "only in later months/hours"
        )
    return [
        Issue(
            f"the ride-through floor ({f.hours_h:g} h of '{f.level}') is out of reach in "
            f"{int(bad.sum())} intervals",
            path=scenario.source_path,
            field="resilience.hours_h",
            timestamp=scenario.index[t].isoformat(),
            expected=f"SOC minimum + floor <= {top[t]:.1f} MWh (the most the fleet can hold there)",
            got=f"{f.soc_min_mwh + f.floor_mwh[t]:.1f} MWh, {short[t]:.1f} MWh short "
            f"(first at {_stamps(scenario, bad, 1)})",
            fix=fix,
        )
    ]


def find_infeasibilities(scenario: Scenario, data: ModelData) -> list[Issue]:
    """Run every provable-infeasibility check; an empty list means none was found."""
    return (
        check_import_cap_reachable(scenario, data)
        + check_event_caps_reachable(scenario, data)
        + check_headroom_fits_fleet(scenario, data)
        + check_terminal_energy_reachable(scenario, data)
        + check_event_program_limits(scenario, data)
        + check_ride_through_power(scenario, data)
        + check_energy_floor_reachable(scenario, data)
    )


def precheck(scenario: Scenario) -> None:
    """Run the solver-free infeasibility checks; raise :class:`InfeasibleError` listing all."""
    issues = find_infeasibilities(scenario, ModelData.from_scenario(scenario))
    if issues:
        msg = ""
        raise InfeasibleError(msg, issues=issues)
