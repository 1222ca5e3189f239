"""Checks that need no solver: combinations that are provably infeasible.

Each check is a plain function returning a list of issues that name the interval and the
amount; :func:`find_infeasibilities` runs them all. They run in milliseconds, before any
model is built.
"""

from __future__ import annotations

import numpy as np

from optimizer.errors import Issue
from optimizer.formulation.data import ModelData
from optimizer.inputs.scenario import Scenario


def check_import_cap_reachable(scenario: Scenario, data: ModelData) -> list[Issue]:
    """Load plus aux minus the most the fleet can discharge must fit under the import cap."""
    dmax = sum((g.discharge_max_mw for g in data.groups), np.zeros(data.n_intervals))
    short = data.load_mw + data.aux_load_mw - dmax - data.import_limit_mw
    bad = short > 1e-9 * max(1.0, float(np.max(data.load_mw)))
    if not bad.any():
        return []
    t = int(np.argmax(short))
    return [
        Issue(
            "load exceeds the import cap plus full fleet discharge",
            path=scenario.source_path,
            field="site.import_limit_mw",
            timestamp=scenario.index[t].isoformat(),
            expected=f"load + aux - fleet discharge <= {data.import_limit_mw[t]:.3f} MW",
            got=f"{short[t]:.3f} MW over the cap ({int(bad.sum())} intervals short, first at {scenario.index[int(np.flatnonzero(bad)[0])].isoformat()})",
            fix="Raise import_limit_mw, add battery power, or curtail load",
        )
    ]


def check_terminal_energy_reachable(scenario: Scenario, data: ModelData) -> list[Issue]:
    """The terminal energy target must fit in the band and be reachable by charging flat out."""
    issues = []
    dt = data.interval_h
    for g in data.groups:
        top = g.initial_soc_mwh
        for t in range(data.n_intervals):  # cheap scalar recursion; T <= 1e5
            top = min(g.soc_max_mwh, g.retention_frac * top + g.charge_efficiency_frac * g.charge_max_mw[t] * dt)
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


def find_infeasibilities(scenario: Scenario, data: ModelData) -> list[Issue]:
    """Run every provable-infeasibility check; an empty list means none was found."""
    return check_import_cap_reachable(scenario, data) + check_terminal_energy_reachable(scenario, data)
