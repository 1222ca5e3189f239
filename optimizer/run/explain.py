"""Explain an infeasible study: an elastic re-solve with priced slack on every relaxable family.

When HiGHS reports the LP infeasible and the solver-free pre-checks found nothing, the
model is built again and every relaxable constraint gets a non-negative slack:

=====================  ==============================  ======
family                 relaxed rows                    unit
=====================  ==============================  ======
interconnection (6)    g[t] <= Gimp[t] + s             MW
terminal energy (5)    s[b,T-1] + s >= target          MWh
ramp (8)               ramp_up / ramp_down rows        MW
swing buffer (9)       swing_up / swing_down rows      MW
reserve energy (10)    reserve_energy_up / _down rows  MWh
utility events (11)    event_cap rows                  MW
energy floors (14)     floor_energy rows               MWh
=====================  ==============================  ======

The objective becomes the sum of the slacks (the cost terms are dropped), so the solution
is the smallest total violation that makes the study feasible. Every slack above the
tolerance is reported as an :class:`~optimizer.errors.Issue` naming the family, the interval
and the amount: that is "which constraint, at which interval and by how many MW or MWh".
"""

from __future__ import annotations

import numpy as np
import pyomo.core as pyo

from optimizer.errors import Issue
from optimizer.formulation.build import build_model
from optimizer.formulation.elastic_rows import relax_import_cap, relax_rows
from optimizer.formulation.model_data import ModelData
from optimizer.formulation.precheck import find_infeasibilities
from optimizer.inputs.scenario import Scenario
from optimizer.solver import solve_model
from optimizer.solver.status import SolveReport, SolveStatus

RELAXABLE = {
    "ramp_up": ("ramp", "MW", "import rises faster than the ramp limit allows"),
    "ramp_down": ("ramp", "MW", "import falls faster than the ramp limit allows"),
    "swing_up": ("swing buffer", "MW", "not enough up headroom for the swing and reserve"),
    "swing_down": ("swing buffer", "MW", "not enough down headroom for the swing and reserve"),
    "reserve_energy_up": (
        "reserve energy",
        "MWh",
        "not enough stored energy to sustain the up reserve",
    ),
    "reserve_energy_down": ("reserve energy", "MWh", "not enough room to sustain the down reserve"),
    "event_cap": ("utility event", "MW", "import above the event cap"),
    "soc_terminal": ("terminal energy", "MWh", "terminal energy target missed"),
    "floor_energy": (
        "energy floor",
        "MWh",
        "stored energy below the ride-through or event-readiness floor",
    ),
}
MAX_ISSUES = 12


def diagnose_infeasibility(scenario: Scenario, data: ModelData) -> list[Issue]:
    """Smallest violations that would make the study feasible, family by family."""
    m = build_model(scenario, data)
    m.objective_usd.deactivate()
    # interconnection: the import cap is a bound; relax_import_cap moves it into a row
    slacks = relax_rows(m, RELAXABLE) + relax_import_cap(m, data.import_limit_mw)
    m.elastic.total = pyo.Objective(expr=sum(v for _, _, v in slacks), sense=pyo.minimize)
    report = solve_model(m, scenario.options.model_copy(update={"enforce_exclusivity": False}))
    if report.status != SolveStatus.OPTIMAL:
        return [
            Issue(
                f"the elastic re-solve also failed ({report.raw_status})",
                field="solver",
                fix="The infeasibility lies in a family that cannot be relaxed (power or energy bounds); check the battery and load data",
            )
        ]
    tol = 1e-6 * max(1.0, float(np.max(data.load_mw)))
    found: dict[str, list[tuple[object, float]]] = {}
    for name, key, var in slacks:
        v = float(var.value or 0.0)
        if v > tol:
            found.setdefault(name, []).append((key, v))
    issues = []
    for name, items in found.items():
        family, unit, what = RELAXABLE.get(
            name, ("interconnection", "MW", "import above the interconnection cap")
        )
        items.sort(key=lambda kv: -kv[1])
        key, worst = items[0]
        t = (
            key
            if isinstance(key, int)
            else (data.n_intervals - 1 if name == "soc_terminal" else int(key[-1]))
        )
        stamps = [scenario.index[k if isinstance(k, int) else t].isoformat() for k, _ in items[:3]]
        total = sum(v for _, v in items)
        where = f"group {key}" if name == "soc_terminal" else f"{len(items)} intervals"
        issues.append(
            Issue(
                f"{family}: {what}",
                path=scenario.source_path,
                field=name,
                timestamp=scenario.index[t].isoformat(),
                expected="0 violation",
                got=f"{worst:.3f} {unit} short at worst, {total:.3f} {unit} in all over {where} (worst first: {', '.join(stamps)})",
                fix="Relax this limit or add battery power/energy or flexible load",
            )
        )
    issues.sort(key=lambda i: i.field or "")
    return issues[:MAX_ISSUES] or [
        Issue(
            "infeasible, but the elastic re-solve found no relaxable violation",
            field="solver",
            fix="Check power and energy bounds",
        )
    ]


def explain_failure(scenario: Scenario, data: ModelData, report: SolveReport) -> list[Issue]:
    """Why a solve failed: the pre-checks' findings, else the elastic re-solve's (infeasible),
    else the solver's own words."""
    hints = find_infeasibilities(scenario, data)
    if hints:
        return hints
    if report.status == SolveStatus.INFEASIBLE:
        return diagnose_infeasibility(scenario, data)
    if report.status == SolveStatus.UNBOUNDED:
        return [
            Issue(
                "the LP is unbounded",
                field="solver",
                got=report.raw_status,
                fix="Check for negative prices with no import or export cap",
            )
        ]
    return [
        Issue(
            f"the solver ended with '{report.raw_status}'",
            field="solver",
            fix="No single constraint family could be blamed by the pre-checks; relax caps, the terminal SOC target or raise time_limit_s",
        )
    ]
