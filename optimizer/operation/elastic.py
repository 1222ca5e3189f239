"""An elastic re-plan of one window: the grid limits broken by the least MW, never the battery's.

Rolling operation plans each window from the actual state (SOC, the net import of the interval
before) on a forecast. The realised load can leave a state from which no plan meets a grid
limit: the ramp from the import before, with the fleet too empty or too full to cover the gap,
or an import cap above which the forecast load stays. Such a window is re-planned with those
limits elastic: every row of the relaxed families gets a non-negative slack, the amount by
which the plan breaks it.

Lexicographic, in two solves of one model built only then (the warm path is untouched):

1. the least total slack (sum over rows and intervals) [MW; MWh for energy rows];
2. the cheapest plan (the window's own objective) whose total slack is no more than that
   least, plus ``1e-6`` MW (or ``1e-7`` of it, if larger: the solver's tolerance).

So the plan breaks the limits by the least MW possible, whatever the prices, and among such
plans is the cheapest: no penalty weight to tune against a 9,000 USD/MWh storm price. The
power balance and the battery's power and energy limits (families 1-4) stay hard, and the
terminal rule (5) stays as the caller set it; the plan is checked against them.

=======  ==================================================================================
rule     rows made elastic (``SPEC.md`` §4 family)
=======  ==================================================================================
ramp     ``ramp_up``, ``ramp_down`` (8)
grid     the ramp (8), ``swing_up``/``_down`` (9), ``reserve_energy_up``/``_down`` (10, MWh),
         ``event_cap`` (11), ``floor_energy`` (14, MWh), ``reserve_deliverable`` (15) and the
         import cap (6, ``import_cap``)
=======  ==================================================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyomo.core as pyo
from pyomo.core.util import quicksum

from optimizer.errors import ResultCheckError
from optimizer.formulation.build import build_model
from optimizer.formulation.elastic_rows import relax_import_cap, relax_rows
from optimizer.formulation.model_data import ModelData
from optimizer.inputs.scenario import Scenario
from optimizer.results.checks import Tolerances, check_balance, check_soc
from optimizer.results.costs import net_meter
from optimizer.results.extract import build_schedule, extract_solution
from optimizer.solver import solve_model
from optimizer.solver.status import SolveStatus

IMPORT_CAP = "import_cap"
RAMP_ROWS = ("ramp_up", "ramp_down")
RULES: dict[str, tuple[str, ...]] = {
    "ramp": RAMP_ROWS,
    "grid": (
        *RAMP_ROWS,
        "swing_up",
        "swing_down",
        "reserve_energy_up",
        "reserve_energy_down",
        "event_cap",
        "floor_energy",
        "reserve_deliverable",
        IMPORT_CAP,
    ),
}
MWH_ROWS = frozenset({"reserve_energy_up", "reserve_energy_down", "floor_energy"})


@dataclass(frozen=True)
class Break:
    """How far the elastic plan breaks one row.

    Attributes
    ----------
    limit : str
        The row's family name (``ramp_up``, ``import_cap``, ...).
    position : int
        The interval, as a position in the window [-].
    amount : float
        How far past the limit [``unit``].
    unit : {"MW", "MWh"}
    """

    limit: str
    position: int
    amount: float
    unit: str


@dataclass(frozen=True)
class ElasticPlan:
    """The window's schedule (columns as ``DispatchResult.schedule``) and every break, largest first."""

    schedule: pd.DataFrame
    breaks: tuple[Break, ...]


def elastic_plan(scenario: Scenario, rule: str) -> ElasticPlan | None:
    """Plan ``scenario`` with the rows of ``rule`` (:data:`RULES`) elastic; ``None`` when it has
    none of them or is infeasible even so (the battery's own limits, or the terminal rule)."""
    data = ModelData.from_scenario(scenario)
    m = build_model(scenario, data)
    slacks = _relax(m, data, RULES[rule])
    if not slacks:
        return None
    options = scenario.options.model_copy(update={"enforce_exclusivity": False})
    total = quicksum(v for _, _, v in slacks)
    m.objective_usd.deactivate()
    m.elastic_least = pyo.Objective(expr=total, sense=pyo.minimize)
    if solve_model(m, options).status != SolveStatus.OPTIMAL:
        return None
    least = sum(float(v.value or 0.0) for _, _, v in slacks)
    tol = Tolerances.for_data(data, 0.0)
    m.elastic_least.deactivate()
    m.elastic_cap = pyo.Constraint(expr=total <= least + max(1e-6, 1e-7 * least))  # [MW]
    m.objective_usd.activate()
    if solve_model(m, options).status != SolveStatus.OPTIMAL:  # numerically: keep phase 1
        m.elastic_cap.deactivate()
        m.objective_usd.deactivate()
        m.elastic_least.activate()
        if solve_model(m, options).status != SolveStatus.OPTIMAL:
            return None
    sol = extract_solution(m, data)
    sol.grid_import_mw, sol.grid_export_mw = net_meter(data, sol.grid_import_mw, sol.grid_export_mw)
    hard = check_balance(scenario.index, data, sol, tol) + check_soc(scenario.index, data, sol, tol)
    if hard:  # never a silently wrong schedule: only the relaxed rows may be broken
        msg = ""
        raise ResultCheckError(msg, issues=hard)
    breaks = [
        Break(name, pos, float(v.value), "MWh" if name in MWH_ROWS else "MW")
        for name, pos, v in slacks
        if float(v.value or 0.0) > (tol.mwh if name in MWH_ROWS else tol.mw)
    ]
    breaks.sort(key=lambda b: (-b.amount, b.position))
    return ElasticPlan(build_schedule(scenario, data, sol), tuple(breaks))


def _relax(
    m: pyo.ConcreteModel, data: ModelData, names: tuple[str, ...]
) -> list[tuple[str, int, pyo.Var]]:
    """Give every row of ``names`` a non-negative slack (``m.elastic``): (name, position, slack)."""
    out: list[tuple[str, int, pyo.Var]] = []
    for name in names:
        found = (
            relax_import_cap(m, data.import_limit_mw)
            if name == IMPORT_CAP
            else relax_rows(m, (name,), one_sided=True)
        )
        out += [(nm, int(k if isinstance(k, int) else k[-1]), s) for nm, k, s in found]
    return out
