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
from optimizer.formulation.data import ModelData

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
        scale_mwh = max(1.0, sum(g.energy_capacity_mwh for g in data.groups))
        scale_usd = max(1.0, abs(objective_usd))
        return cls(mw=REL_TOL * scale_mw, mwh=REL_TOL * scale_mwh, usd=REL_TOL * scale_usd)


def _first(index: pd.DatetimeIndex, mask: np.ndarray) -> str:
    return index[np.flatnonzero(mask)[0]].isoformat()


def check_balance(index: pd.DatetimeIndex, data: ModelData, g: np.ndarray, x: np.ndarray, groups: dict, tol: Tolerances) -> list[Issue]:
    """Family 1 holds: ``g - x + sum(d - c) = L + aux``."""
    net = sum((a["discharge_mw"] - a["charge_mw"] for a in groups.values()), np.zeros(data.n_intervals))
    resid = g - x + net - data.load_mw - data.aux_load_mw
    bad = np.abs(resid) > tol.mw
    if bad.any():
        return [Issue("power balance violated", field="grid_balance", timestamp=_first(index, bad), expected=f"|residual| <= {tol.mw:.3g} MW", got=f"{float(np.max(np.abs(resid))):.6g} MW at worst")]
    return []


def check_soc(index: pd.DatetimeIndex, data: ModelData, groups: dict, tol: Tolerances) -> list[Issue]:
    """Families 2, 4 and 5 hold for every group."""
    issues = []
    dt = data.interval_h
    for gd in data.groups:
        a = groups[gd.name]
        s = a["soc_mwh"]
        prev = np.concatenate(([gd.initial_soc_mwh], s[:-1]))
        expect = gd.retention_frac * prev + (gd.charge_efficiency_frac * a["charge_mw"] - a["discharge_mw"] / gd.discharge_efficiency_frac) * dt
        bad = np.abs(s - expect) > tol.mwh
        if bad.any():
            issues.append(Issue("SOC recursion violated", field=f"soc_balance[{gd.name}]", timestamp=_first(index, bad), expected="s[t] = r s[t-1] + (etac c - d/etad) dt", got=f"error {float(np.max(np.abs(s - expect))):.6g} MWh"))
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
    return issues


def check_grid_limits(index: pd.DatetimeIndex, data: ModelData, g: np.ndarray, x: np.ndarray, tol: Tolerances) -> list[Issue]:
    """Family 6 holds."""
    issues = []
    for what, mask in (
        ("import above the interconnection cap", g > data.import_limit_mw + tol.mw),
        ("export above the interconnection cap", x > data.export_limit_mw + tol.mw),
        ("negative import", g < -tol.mw),
        ("negative export", x < -tol.mw),
    ):
        if mask.any():
            issues.append(Issue(what, field="grid", timestamp=_first(index, mask)))
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


def check_exclusive(index: pd.DatetimeIndex, data: ModelData, groups: dict, tol: Tolerances) -> list[Issue]:
    """No interval both charges and discharges."""
    pairs = simultaneous_pairs(data, groups, tol)
    if pairs:
        b, t = pairs[0]
        return [Issue("simultaneous charge and discharge", field=b, timestamp=index[t].isoformat(), got=f"{len(pairs)} intervals")]
    return []


def check_against_baseline(optimized: pd.Series, baseline: pd.Series, baseline_feasible: bool, tol: Tolerances) -> list[Issue]:
    """With a feasible baseline, the optimised total never exceeds it."""
    if baseline_feasible and optimized["total"] > baseline["total"] + max(tol.usd, REL_TOL * abs(baseline["total"])):
        return [Issue("optimised bill above the no-battery baseline", field="total_usd", expected=f"<= {baseline['total']:.2f}", got=f"{optimized['total']:.2f}")]
    return []


def check_solution(
    index: pd.DatetimeIndex,
    data: ModelData,
    g: np.ndarray,
    x: np.ndarray,
    groups: dict,
    terms: pd.Series,
    baseline: pd.Series,
    baseline_feasible: bool,
    objective_usd: float,
    *,
    require_exclusive: bool = True,
) -> None:
    """Run every ``SPEC.md`` §6 check and raise one ResultCheckError listing all failures."""
    tol = Tolerances.for_data(data, objective_usd)
    issues = check_balance(index, data, g, x, groups, tol)
    issues += check_soc(index, data, groups, tol)
    issues += check_grid_limits(index, data, g, x, tol)
    issues += check_costs(terms, objective_usd, tol)
    if require_exclusive:
        issues += check_exclusive(index, data, groups, tol)
    issues += check_against_baseline(terms, baseline, baseline_feasible, tol)
    if issues:
        raise ResultCheckError("", issues=issues)
