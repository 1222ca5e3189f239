"""The fallback order of rolling operation: a window that cannot be planned is re-planned, never fatal.

A window planned on a forecast from the actual state can be infeasible: the realised load has
drained the fleet, or left the import too far from the forecast load for the ramp. The roll
then re-plans that window in this order, each step only when the one before is infeasible too:

1. ``terminal``: drop the end-of-window SOC rule (when the infeasibility names it);
2. ``ramp``: the ramp (family 8) elastic, broken by the least MW (:mod:`.elastic`);
3. ``grid``: every grid limit the realised load can make infeasible elastic (ramp, swing,
   reserve energy, event and import caps, energy floor, deliverability), the terminal rule
   dropped.

The battery's power and energy limits stay hard. Every step taken is a :class:`Fallback`:
the window, the rule and by how much the plan breaks it. Steps 2 and 3 build their model only
when needed; the warm path (one persistent model per structure) is untouched. If even step 3
is infeasible (a battery limit), the window's first error is raised.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from optimizer.errors import InfeasibleError
from optimizer.inputs.scenario import Scenario
from optimizer.operation.elastic import elastic_plan
from optimizer.run.warm import WarmSolver

logger = logging.getLogger(__name__)

FALLBACK_ORDER = ("terminal", "ramp", "grid")


@dataclass(frozen=True)
class Fallback:
    """One fallback step taken for one window.

    Attributes
    ----------
    window_start : str
        The window's first interval (ISO 8601).
    rule : {"terminal", "ramp", "grid"}
        What gave way (see the module docstring).
    limit : str
        The row the plan breaks most (``ramp_up``, ``import_cap``, ...); empty for
        ``terminal`` (a dropped rule is not broken).
    at : str
        The interval of that largest break (ISO 8601); empty when nothing is broken.
    break_mw : float
        The plan's largest break of a MW limit [MW].
    total_break_mw : float
        The plan's breaks of MW limits summed over the window's intervals [MW].
    break_mwh : float
        The plan's largest break of an energy row (reserve energy, energy floor) [MWh].
    """

    window_start: str
    rule: str
    limit: str = ""
    at: str = ""
    break_mw: float = 0.0
    total_break_mw: float = 0.0
    break_mwh: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


@dataclass(frozen=True)
class WindowPlan:
    """A window's plan (``schedule`` as ``DispatchResult.schedule``) and the fallbacks it took."""

    schedule: pd.DataFrame
    fallbacks: tuple[Fallback, ...] = ()


def plan_window(solver: WarmSolver, sub: Scenario, terminal: str) -> WindowPlan:
    """Plan one window on ``solver``; on infeasibility, re-plan in :data:`FALLBACK_ORDER`."""
    try:
        return WindowPlan(solver.optimize(sub, reports=False).schedule)
    except InfeasibleError as exc:
        first = exc
    start = sub.index[0].isoformat()
    taken: list[Fallback] = []
    attempt = sub
    if terminal == "initial" and any(_is_terminal(i.field) for i in first.issues):
        logger.info("window %s cannot reach the terminal SOC; re-planned without the rule", start)
        attempt = without_terminal(sub)
        taken.append(Fallback(start, "terminal"))
        try:
            return WindowPlan(solver.optimize(attempt, reports=False).schedule, tuple(taken))
        except InfeasibleError:
            pass
    for rule in FALLBACK_ORDER[1:]:
        if rule == "grid" and terminal == "initial" and not taken:
            attempt = without_terminal(attempt)
            taken.append(Fallback(start, "terminal"))
        plan = elastic_plan(attempt, rule)
        if plan is None:
            continue
        mw = [b for b in plan.breaks if b.unit == "MW"]
        worst = (mw or list(plan.breaks) or [None])[0]
        step = Fallback(
            start,
            rule,
            limit="" if worst is None else worst.limit,
            at="" if worst is None else attempt.index[worst.position].isoformat(),
            break_mw=mw[0].amount if mw else 0.0,
            total_break_mw=sum(b.amount for b in mw),
            break_mwh=max((b.amount for b in plan.breaks if b.unit == "MWh"), default=0.0),
        )
        logger.warning(
            "window %s is infeasible; re-planned with the %s limits elastic: %s broken by %.3f MW at %s",
            start,
            rule,
            step.limit or "nothing",
            step.break_mw,
            step.at or "-",
        )
        return WindowPlan(plan.schedule, (*taken, step))
    raise first


def without_terminal(sub: Scenario) -> Scenario:
    """The window without the end-of-window SOC rule (each group may end at its SOC minimum)."""
    relaxed = tuple(
        g.model_copy(
            update={
                "final_soc_min_frac": g.unit.soc_min_frac,
                "final_soc_frac": None,
                "final_soc_max_frac": None,
            }
        )
        for g in sub.site.battery_groups
    )
    return sub.replace(site=sub.site.model_copy(update={"battery_groups": relaxed}))


def _is_terminal(field: str | None) -> bool:
    """Whether an infeasibility issue is the end-of-window SOC target (pre-check or elastic re-solve)."""
    return bool(field) and (
        field.startswith("soc_terminal") or field.endswith("final_soc_min_frac")
    )
