"""Post-solve checks of ``SPEC.md`` §6 on the schedule we return.

Each check returns a list of :class:`~optimizer.errors.Issue`; :func:`check_solution`
runs them all and raises one :class:`~optimizer.errors.ResultCheckError` listing every
violation. Tolerance: 1e-6 relative to the scale of the data (MW, MWh, USD).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from optimizer.errors import Issue, ResultCheckError
from optimizer.formulation.model_data import ModelData
from optimizer.results.extract import Solution

REL_TOL = 1e-6


@dataclass(frozen=True)
class Tolerances:
    """Absolute tolerances derived from the data's scale."""

    mw: float
    mwh: float
    usd: float

    @classmethod
    def for_data(cls, data: ModelData, objective_usd: float) -> Tolerances:
        """1e-6 of the largest power, energy and cost in the study (at least 1e-6)."""
        scale_mw = max(
            1.0,
            float(np.max(np.abs(data.load_mw))) if data.n_intervals else 1.0,
            sum(float(np.max(g.discharge_max_mw, initial=0)) for g in data.groups),
            sum(float(np.max(g.charge_max_mw, initial=0)) for g in data.groups),
        )
        scale_mwh = max(1.0, sum(g.energy_capacity_mwh for g in data.groups), data.flex.max_backlog_mwh if data.flex else 0.0)
        scale_usd = max(1.0, abs(objective_usd))
        return cls(mw=REL_TOL * scale_mw, mwh=REL_TOL * scale_mwh, usd=REL_TOL * scale_usd)


def _first(index: pd.DatetimeIndex, mask: np.ndarray) -> str:
    return index[np.flatnonzero(mask)[0]].isoformat()


def _worst(values: np.ndarray) -> str:
    return f"{float(np.max(values)):.6g}"


def check_balance(index: pd.DatetimeIndex, data: ModelData, sol: Solution, tol: Tolerances) -> list[Issue]:
    """Family 1 holds: ``g - x + sum(d - c) = L - u - v + w + aux``."""
    net = sol.fleet("discharge_mw") - sol.fleet("charge_mw")
    demand = data.load_mw - sol.curtailed_mw - sol.deferred_mw + sol.recovered_mw + data.aux_load_mw
    resid = sol.grid_import_mw - sol.grid_export_mw + net - demand
    bad = np.abs(resid) > tol.mw
    if bad.any():
        return [Issue("power balance violated", field="grid_balance", timestamp=_first(index, bad), expected=f"|residual| <= {tol.mw:.3g} MW", got=f"{_worst(np.abs(resid))} MW at worst")]
    return []


def check_soc(index: pd.DatetimeIndex, data: ModelData, sol: Solution, tol: Tolerances) -> list[Issue]:
    """Families 2, 3, 4 and 5 hold for every group."""
    issues = []
    dt = data.interval_h
    for gd in data.groups:
        a = sol.groups[gd.name]
        s = a["soc_mwh"]
        prev = np.concatenate(([gd.initial_soc_mwh], s[:-1]))
        expect = gd.retention_frac * prev + (gd.charge_efficiency_frac * a["charge_mw"] - a["discharge_mw"] / gd.discharge_efficiency_frac) * dt
        bad = np.abs(s - expect) > tol.mwh
        if bad.any():
            issues.append(Issue("SOC recursion violated", field=f"soc_balance[{gd.name}]", timestamp=_first(index, bad), expected="s[t] = r s[t-1] + (etac c - d/etad) dt", got=f"error {_worst(np.abs(s - expect))} MWh"))
        for what, mask in (
            ("SOC below its band", s < gd.soc_min_mwh - tol.mwh),
            ("SOC above its band", s > gd.soc_max_mwh + tol.mwh),
            ("charge above its limit", a["charge_mw"] > gd.charge_max_mw + tol.mw),
            ("discharge above its limit", a["discharge_mw"] > gd.discharge_max_mw + tol.mw),
            ("negative charge", a["charge_mw"] < -tol.mw),
            ("negative discharge", a["discharge_mw"] < -tol.mw),
        ):
            if mask.any():
                issues.append(Issue(what, field=gd.name, timestamp=_first(index, mask)))
        if len(s) and s[-1] < gd.final_soc_min_mwh - tol.mwh:
            issues.append(Issue("terminal energy not reached", field=f"soc_terminal[{gd.name}]", timestamp=index[-1].isoformat(), expected=f">= {gd.final_soc_min_mwh:.6g} MWh", got=f"{s[-1]:.6g} MWh"))
        if len(s) and s[-1] > gd.final_soc_max_mwh + tol.mwh:
            issues.append(Issue("terminal energy above its target", field=f"soc_terminal_max[{gd.name}]", timestamp=index[-1].isoformat(), expected=f"<= {gd.final_soc_max_mwh:.6g} MWh", got=f"{s[-1]:.6g} MWh"))
    return issues


def check_grid_limits(index: pd.DatetimeIndex, data: ModelData, sol: Solution, tol: Tolerances) -> list[Issue]:
    """Families 6 and 11 hold."""
    g, x = sol.grid_import_mw, sol.grid_export_mw
    checks = [
        ("import above the interconnection cap", g > data.import_limit_mw + tol.mw),
        ("export above the interconnection cap", x > data.export_limit_mw + tol.mw),
        ("negative import", g < -tol.mw),
        ("negative export", x < -tol.mw),
    ]
    if data.event_cap_mw is not None:
        checks.append(("import above an event cap", g > data.event_cap_mw + tol.mw))
    return [Issue(what, field="grid", timestamp=_first(index, mask)) for what, mask in checks if mask.any()]


def ramp_steps_mw(data: ModelData, g: np.ndarray) -> np.ndarray:
    """``g[t] - g[t-1]`` of a draw ``g`` (import, or net import ``g - x``), with ``g[-1]`` the
    initial import when given (else 0 at t = 0) [MW]."""
    steps = np.diff(g, prepend=g[:1])
    if data.ramp is not None and data.ramp.initial_import_mw is not None and len(g):
        steps[0] = g[0] - data.ramp.initial_import_mw
    return steps


def check_ramp(index: pd.DatetimeIndex, data: ModelData, g: np.ndarray, tol: Tolerances) -> list[Issue]:
    """Family 8 holds."""
    if data.ramp is None:
        return []
    steps = ramp_steps_mw(data, g)
    issues = []
    for what, mask in (("import rises faster than the ramp limit", steps > data.ramp.rise_mw + tol.mw), ("import falls faster than the ramp limit", -steps > data.ramp.fall_mw + tol.mw)):
        if mask.any():
            issues.append(Issue(what, field="ramp", timestamp=_first(index, mask), got=f"{_worst(np.abs(steps))} MW in one interval"))
    return issues


def check_headroom(index: pd.DatetimeIndex, data: ModelData, sol: Solution, tol: Tolerances) -> list[Issue]:
    """Families 9 and 10 hold."""
    if not data.has_swing:
        return []
    n = data.n_intervals
    up = sum((g.discharge_max_mw - sol.groups[g.name]["discharge_mw"] + sol.groups[g.name]["charge_mw"] for g in data.groups), np.zeros(n))
    down = sum((g.charge_max_mw - sol.groups[g.name]["charge_mw"] + sol.groups[g.name]["discharge_mw"] for g in data.groups), np.zeros(n))
    wup = data.swing_up_mw if data.swing_up_mw is not None else np.zeros(n)
    wdn = data.swing_down_mw if data.swing_down_mw is not None else np.zeros(n)
    issues = []
    for what, mask in (("up headroom below swing plus reserve", up < wup + sol.reserve_up_mw - tol.mw), ("down headroom below swing plus reserve", down < wdn + sol.reserve_down_mw - tol.mw)):
        if mask.any():
            issues.append(Issue(what, field="swing", timestamp=_first(index, mask)))
    r = data.reserve
    if r is not None and r.sustain_h > 0 and data.groups:
        s = sol.fleet("soc_mwh")
        etad = min(g.discharge_efficiency_frac for g in data.groups)
        etac = max(g.charge_efficiency_frac for g in data.groups)
        lo = sum(g.soc_min_mwh for g in data.groups)
        hi = sum(g.soc_max_mwh for g in data.groups)
        for what, mask in (
            ("stored energy cannot sustain the up reserve", s - sol.reserve_up_mw * r.sustain_h / etad < lo - tol.mwh),
            ("no room to sustain the down reserve", s + sol.reserve_down_mw * r.sustain_h * etac > hi + tol.mwh),
        ):
            if mask.any():
                issues.append(Issue(what, field="reserve_energy", timestamp=_first(index, mask)))
    return issues


def check_flexible_load(index: pd.DatetimeIndex, data: ModelData, sol: Solution, tol: Tolerances) -> list[Issue]:
    """Family 12 and the deferral backlog hold; deferred energy is conserved."""
    f = data.flex
    if f is None:
        return []
    dt = data.interval_h
    b = sol.backlog_mwh
    prev = np.concatenate(([0.0], b[:-1]))
    checks = [
        ("curtailment above its limit", sol.curtailed_mw > f.curtail_max_mw + tol.mw),
        ("deferral above its limit", sol.deferred_mw > f.defer_max_mw + tol.mw),
        ("recovery above the GPU rating", sol.recovered_mw > f.recover_max_mw + tol.mw),
        ("curtailed plus deferred below the power floor", sol.curtailed_mw + sol.deferred_mw > f.flex_max_mw + tol.mw),
        ("backlog recursion violated", np.abs(b - prev - (sol.deferred_mw - sol.recovered_mw) * dt) > tol.mwh),
        ("backlog above its limit", b > f.max_backlog_mwh + tol.mwh),
    ]
    issues = [Issue(what, field="flexible_load", timestamp=_first(index, mask)) for what, mask in checks if mask.any()]
    if len(b) and abs(b[-1]) > tol.mwh:
        issues.append(Issue("deferred energy not recovered by the end", field="flexible_load", timestamp=index[-1].isoformat(), got=f"{b[-1]:.6g} MWh"))
    return issues


def check_costs(terms: pd.Series, objective_usd: float, tol: Tolerances) -> list[Issue]:
    """The cost terms recomputed from the schedule sum to the solver's objective."""
    diff = abs(float(terms["total"]) - objective_usd)
    if diff > max(tol.usd, 1e-6):
        return [Issue("cost terms do not sum to the solver objective", field="objective_usd", expected=f"{objective_usd:.6f} USD", got=f"{float(terms['total']):.6f} USD (difference {diff:.6g})")]
    return []


def simultaneous_pairs(data: ModelData, groups: dict, tol: Tolerances) -> list[tuple[str, int]]:
    """(group, interval) pairs that charge and discharge at once beyond the tolerance."""
    pairs = []
    for gd in data.groups:
        a = groups[gd.name]
        both = np.minimum(a["charge_mw"], a["discharge_mw"]) > tol.mw
        pairs.extend((gd.name, int(t)) for t in np.flatnonzero(both))
    return pairs


def check_exclusive(index: pd.DatetimeIndex, data: ModelData, sol: Solution, tol: Tolerances) -> list[Issue]:
    """No interval both charges and discharges."""
    pairs = simultaneous_pairs(data, sol.groups, tol)
    if pairs:
        b, t = pairs[0]
        return [Issue("simultaneous charge and discharge", field=b, timestamp=index[t].isoformat(), got=f"{len(pairs)} intervals")]
    return []


def check_against_baseline(optimized: pd.Series, baseline: pd.Series, baseline_feasible: bool, tol: Tolerances) -> list[Issue]:
    """With a feasible baseline (and no terminal target above the initial SOC), the optimised total never exceeds it."""
    if baseline_feasible and optimized["total"] > baseline["total"] + max(tol.usd, REL_TOL * abs(baseline["total"])):
        return [Issue("optimised bill above the idle-fleet bill", field="total_usd", expected=f"<= {baseline['total']:.2f}", got=f"{optimized['total']:.2f}")]
    return []


def check_solution(
    index: pd.DatetimeIndex,
    data: ModelData,
    sol: Solution,
    terms: pd.Series,
    baseline: pd.Series,
    baseline_feasible: bool,
    objective_usd: float,
    *,
    require_exclusive: bool = True,
) -> None:
    """Run every ``SPEC.md`` §6 check and raise one ResultCheckError listing all failures."""
    tol = Tolerances.for_data(data, objective_usd)
    issues = check_balance(index, data, sol, tol)
    issues += check_soc(index, data, sol, tol)
    issues += check_grid_limits(index, data, sol, tol)
    issues += check_ramp(index, data, sol.grid_import_mw - sol.grid_export_mw, tol)
    issues += check_headroom(index, data, sol, tol)
    issues += check_flexible_load(index, data, sol, tol)
    issues += check_costs(terms, objective_usd, tol)
    if require_exclusive:
        issues += check_exclusive(index, data, sol, tol)
    issues += check_against_baseline(terms, baseline, baseline_feasible, tol)
    if issues:
        raise ResultCheckError("", issues=issues)


def baseline_violations(data: ModelData) -> dict[str, int]:
    """How many intervals the no-battery site breaks each hard limit in (counted, not hidden)."""
    g = data.load_mw
    out = {"import_cap": int(np.sum(g > data.import_limit_mw * (1 + REL_TOL)))}
    if data.ramp is not None:
        steps = ramp_steps_mw(data, g)
        out["ramp"] = int(np.sum((steps > data.ramp.rise_mw * (1 + REL_TOL)) | (-steps > data.ramp.fall_mw * (1 + REL_TOL))))
    if data.event_cap_mw is not None:
        out["event_cap"] = int(np.sum(g > data.event_cap_mw * (1 + REL_TOL)))
    return out
