"""``evaluate``: what a given schedule costs and which limits it breaks.

An operator's actual dispatch, another tool's plan or a hand-edited optimum is billed by term
with the same numpy bill the optimiser's results are checked with
(:func:`optimizer.results.costs.bill_terms`) and checked against every constraint family with
the same post-solve checks (:mod:`optimizer.results.checks`), which here list every violated
interval instead of stopping at the first.

Accepted schedule columns (index: tz-aware interval starts equal to the scenario's horizon, or
an ``interval_start`` column; the same instants in another zone are converted)
---------------------------------------------------------------------------------------------
============================  =================================================================
column                         meaning
============================  =================================================================
``charge_mw_<group>``          charge of battery group ``<group>`` [MW] (``charge_mw`` when the
``discharge_mw_<group>``       site has one group); give both or neither
``soc_mwh_<group>``            optional energy at the end of each interval [MWh] (``soc_mwh``
                               with one group); default: the SOC recursion from the initial SOC
``grid_import_mw``             optional import [MW]; default: what the balance leaves
``grid_export_mw``             optional export [MW]; default 0 (or the balance's surplus)
``curtailed_mw``               optional curtailed GPU load [MW]; default 0
``deferred_mw``,               optional deferral, recovery [MW] and backlog [MWh]; default 0
``recovered_mw``,              (the backlog from its recursion when not given)
``backlog_mwh``
``reserve_up_mw``,             optional reserve held [MW]; default the scenario's fixed reserve
``reserve_down_mw``
============================  =================================================================

At least the battery columns or ``grid_import_mw`` must be given. With only the grid column
the one battery group's net flow is what the balance leaves (a fleet of several groups needs
its per-group columns). Other columns (``load_mw``, ``price_usd_per_mwh``, ... of a
``DispatchResult.schedule``) are ignored and named in :attr:`Evaluation.notes`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from optimizer.errors import InputError, Issue
from optimizer.formulation.model_data import GroupData, ModelData
from optimizer.inputs.scenario import Scenario
from optimizer.inputs.timeseries import check_series
from optimizer.results.checks import Tolerances, violations
from optimizer.results.costs import COST_TERMS, baseline_terms, bill_terms
from optimizer.results.extract import Solution, build_schedule

if TYPE_CHECKING:
    from optimizer.results.result import DispatchResult

_OPTIONAL = (
    "curtailed_mw",
    "deferred_mw",
    "recovered_mw",
    "backlog_mwh",
    "reserve_up_mw",
    "reserve_down_mw",
)


@dataclass(frozen=True)
class Evaluation:
    """A given schedule's bill and violations.

    Attributes
    ----------
    scenario : Scenario
        The scenario the schedule was evaluated on.
    schedule : pandas.DataFrame
        The schedule completed to the ``SPEC.md`` §7 columns (what was derived, such as the
        SOC or the grid import, filled in).
    costs : pandas.DataFrame
        Each cost term [USD]: ``baseline_usd`` (no battery), ``evaluated_usd`` (this schedule)
        and ``savings_usd``; the row ``total`` sums them.
    violations : pandas.DataFrame
        One row per violated (interval, constraint): ``interval_start``, ``family``
        (``SPEC.md`` §4; 0: simultaneous charge and discharge, §6), ``constraint``, ``what``,
        ``amount`` (how far past the limit) and ``unit`` (MW or MWh). Empty when feasible.
    notes : tuple of str
        What was derived, and the columns ignored.
    """

    scenario: Scenario
    schedule: pd.DataFrame
    costs: pd.DataFrame
    violations: pd.DataFrame
    notes: tuple[str, ...] = field(default=())

    @property
    def total_usd(self) -> float:
        """The schedule's bill [USD]."""
        return float(self.costs.loc["total", "evaluated_usd"])

    @property
    def is_feasible(self) -> bool:
        """True when the schedule breaks no limit (within 1e-6 of the data's scale)."""
        return self.violations.empty

    def compare(self, optimum: DispatchResult) -> pd.DataFrame:
        """This schedule's bill against the optimiser's on the same scenario [USD].

        Returns
        -------
        pandas.DataFrame
            Per term: ``evaluated_usd``, ``optimal_usd`` and ``excess_usd`` (what the given
            schedule costs above the optimum).
        """
        frame = pd.DataFrame(
            {
                "evaluated_usd": self.costs["evaluated_usd"],
                "optimal_usd": optimum.costs["optimized_usd"],
            }
        )
        frame["excess_usd"] = frame["evaluated_usd"] - frame["optimal_usd"]
        return frame

    def summary(self) -> dict[str, Any]:
        """Key figures, JSON-ready."""
        by_constraint = (
            self.violations.groupby("constraint").size()
            if not self.violations.empty
            else pd.Series(dtype=int)
        )
        return {
            "scenario": self.scenario.name,
            "total_usd": self.total_usd,
            "baseline_usd": float(self.costs.loc["total", "baseline_usd"]),
            "feasible": self.is_feasible,
            "n_violations": len(self.violations),
            "violations_by_constraint": {str(k): int(v) for k, v in by_constraint.items()},
        }


def evaluate(
    scenario: Scenario, schedule: pd.DataFrame, *, exclusive: bool | None = None
) -> Evaluation:
    """Bill a given schedule by term and list every limit it breaks.

    Parameters
    ----------
    scenario : Scenario
        The site, tariff, series and grid rules the schedule runs under.
    schedule : pandas.DataFrame
        The schedule; accepted columns in the module docstring.
    exclusive : bool, optional
        Count an interval that both charges and discharges as a violation (``SPEC.md`` §6);
        default the scenario's ``options.enforce_exclusivity``.

    Returns
    -------
    Evaluation
        Bill, violations, and the completed schedule.

    Raises
    ------
    InputError
        Not a DataFrame, another horizon, missing or non-numeric columns.

    Examples
    --------
    >>> import optimizer
    >>> from optimizer.testing import make_scenario
    >>> sc = make_scenario([1.0, 1.0], [10.0, 50.0], initial_soc_frac=0.0)
    >>> plan = sc.load_mw.to_frame("grid_import_mw")          # an idle battery
    >>> ev = optimizer.evaluate(sc, plan)
    >>> ev.total_usd, ev.is_feasible
    (60.0, True)
    >>> plan = plan.assign(grid_import_mw=[2.0, 1.0])    # charges 1 MWh and keeps it
    >>> ev = optimizer.evaluate(sc, plan)
    >>> ev.total_usd, ev.is_feasible
    (70.0, True)
    """
    frame = _frame(scenario, schedule)
    data = ModelData.from_scenario(scenario)
    sol, notes = _solution(scenario, data, frame)
    terms = bill_terms(data, sol)
    tol = Tolerances.for_data(data, float(terms["total"]))
    exclusive = scenario.options.enforce_exclusivity if exclusive is None else exclusive
    found = violations(scenario.index, data, sol, tol, exclusive=exclusive)
    costs = pd.DataFrame({"baseline_usd": baseline_terms(data), "evaluated_usd": terms})
    costs["savings_usd"] = costs["baseline_usd"] - costs["evaluated_usd"]
    costs = costs.loc[[*COST_TERMS, "total"]]
    costs.index.name = "term"
    return Evaluation(
        scenario=scenario,
        schedule=build_schedule(scenario, data, sol),
        costs=costs,
        violations=found,
        notes=tuple(notes),
    )


def _frame(scenario: Scenario, schedule: object) -> pd.DataFrame:
    """The schedule on the scenario's horizon (same instants, site zone)."""
    if not isinstance(schedule, pd.DataFrame):
        raise InputError(
            issues=[
                Issue(
                    "schedule is not a DataFrame",
                    field="schedule",
                    got=type(schedule).__name__,
                    fix="Pass a pandas DataFrame indexed by interval_start",
                )
            ]
        )
    frame = schedule
    if not isinstance(frame.index, pd.DatetimeIndex) and "interval_start" in frame.columns:
        frame = frame.set_index("interval_start")
    index = frame.index
    if not isinstance(index, pd.DatetimeIndex) or index.tz is None:
        raise InputError(
            issues=[
                Issue(
                    "schedule index is not tz-aware interval starts",
                    field="schedule.index",
                    got=type(index).__name__
                    if not isinstance(index, pd.DatetimeIndex)
                    else "naive timestamps",
                    fix="Index the schedule by tz-aware interval starts "
                    "(or give an interval_start column)",
                )
            ]
        )
    index = index.tz_convert(scenario.site.timezone).as_unit("ns")
    horizon = scenario.index.as_unit("ns")
    if not index.equals(horizon):
        missing = horizon.difference(index)
        extra = index.difference(horizon)
        got = f"{len(index)} intervals from {index[0].isoformat() if len(index) else '-'}"
        if len(missing):
            got += f"; {len(missing)} horizon intervals missing, first {missing[0].isoformat()}"
        if len(extra):
            got += f"; {len(extra)} outside the horizon, first {extra[0].isoformat()}"
        raise InputError(
            issues=[
                Issue(
                    "schedule does not match the scenario's horizon",
                    field="schedule.index",
                    expected=f"{len(horizon)} intervals of {scenario.interval_min} min "
                    f"from {horizon[0].isoformat()}",
                    got=got,
                    fix="Evaluate on the scenario of the schedule's horizon "
                    "(load_scenario(..., start=, end=)) or reindex the schedule",
                )
            ]
        )
    frame = frame.copy()
    frame.index = horizon
    return frame


def _column(frame: pd.DataFrame, name: str, issues: list[Issue]) -> np.ndarray | None:
    if name not in frame.columns:
        return None
    found = check_series(frame[name], name=f"schedule.{name}")
    if found:
        issues.extend(found)
        return None
    return frame[name].to_numpy(dtype=float)


_Flows = dict[str, dict[str, np.ndarray | None]]
"""Per battery group, its ``charge_mw``, ``discharge_mw`` and ``soc_mwh`` columns (None: not given)."""


def _solution(
    scenario: Scenario, data: ModelData, frame: pd.DataFrame
) -> tuple[Solution, list[str]]:
    """The schedule as a :class:`Solution`, what is missing derived (and said in the notes)."""
    notes: list[str] = []
    n = data.n_intervals
    names = [g.name for g in data.groups]
    groups, g, x, extra, used = _schedule_columns(frame, names)
    have_battery = any(a["charge_mw"] is not None for a in groups.values())
    z = np.zeros(n)
    curtailed, deferred, recovered = (
        extra[k] if extra[k] is not None else z.copy()
        for k in ("curtailed_mw", "deferred_mw", "recovered_mw")
    )
    demand = data.load_mw - curtailed - deferred + recovered + data.aux_load_mw
    if not have_battery:
        _battery_from_grid(groups, names, demand, g, x, notes)
    if g is None:
        g, x = _grid_from_balance(groups, demand, x, n, notes)
    if x is None:
        x = z.copy()
    done: dict[str, dict[str, np.ndarray]] = {}
    for gd in data.groups:
        a = groups[gd.name]
        c, d = a["charge_mw"], a["discharge_mw"]
        s = a["soc_mwh"]
        if s is None:
            s = _soc_recursion(gd, c, d, data.interval_h, n)  # type: ignore[arg-type]
            notes.append(f"SOC of {gd.name} from the recursion from its initial SOC")
        done[gd.name] = {"charge_mw": c, "discharge_mw": d, "soc_mwh": s}  # type: ignore[dict-item]
    backlog = extra["backlog_mwh"]
    if backlog is None:
        backlog = np.cumsum((deferred - recovered) * data.interval_h)
    r = data.reserve
    ignored = [str(c) for c in frame.columns if c not in used]
    if ignored:
        notes.append(f"columns not used: {', '.join(ignored)}")
    sol = Solution(
        grid_import_mw=g,
        grid_export_mw=x,
        groups=done,
        curtailed_mw=curtailed,
        deferred_mw=deferred,
        recovered_mw=recovered,
        backlog_mwh=backlog,
        reserve_up_mw=extra["reserve_up_mw"]
        if extra["reserve_up_mw"] is not None
        else (r.up_min_mw.copy() if r is not None else z.copy()),
        reserve_down_mw=extra["reserve_down_mw"]
        if extra["reserve_down_mw"] is not None
        else (r.down_min_mw.copy() if r is not None else z.copy()),
    )
    return sol, notes


def _schedule_columns(
    frame: pd.DataFrame, names: list[str]
) -> tuple[_Flows, np.ndarray | None, np.ndarray | None, dict[str, np.ndarray | None], set[str]]:
    """The battery flows of each group, import and export [MW], the optional columns and the
    names used; InputError listing bad columns, or if no group or not every group is given.
    """
    issues: list[Issue] = []
    used: set[str] = set()

    def col(name: str) -> np.ndarray | None:
        value = _column(frame, name, issues)
        if name in frame.columns:
            used.add(name)
        return value

    groups: _Flows = {}
    for b in names:
        suffix = [f"_{b}"] + ([""] if len(names) == 1 else [])
        arrays: dict[str, np.ndarray | None] = {}
        for key in ("charge_mw", "discharge_mw", "soc_mwh"):
            arrays[key] = next((v for s in suffix if (v := col(f"{key}{s}")) is not None), None)
        if (arrays["charge_mw"] is None) != (arrays["discharge_mw"] is None):
            issues.append(
                Issue(
                    "charge without discharge (or the reverse)",
                    field=f"schedule.charge_mw_{b}",
                    fix=f"Give both charge_mw_{b} and discharge_mw_{b}",
                )
            )
        groups[b] = arrays
    g, x = col("grid_import_mw"), col("grid_export_mw")
    extra = {name: col(name) for name in _OPTIONAL}
    have_battery = any(a["charge_mw"] is not None for a in groups.values())
    if issues:
        raise InputError(issues=issues)
    if not have_battery and g is None:
        raise InputError(
            issues=[
                Issue(
                    "schedule has neither battery nor grid columns",
                    field="schedule",
                    expected="charge_mw_<group> and discharge_mw_<group>, or grid_import_mw",
                    got=", ".join(map(str, frame.columns[:8])) or "no columns",
                    fix="Name the columns as in optimizer.run.evaluate's docstring",
                )
            ]
        )
    missing = [b for b, a in groups.items() if a["charge_mw"] is None]
    if have_battery and missing:
        raise InputError(
            issues=[
                Issue(
                    "battery group without a schedule",
                    field=f"schedule.charge_mw_{missing[0]}",
                    expected=f"charge and discharge of every group {names}",
                    got=f"none for {missing}",
                    fix="Give every group's columns (0 for an idle group)",
                )
            ]
        )
    return groups, g, x, extra, used


def _battery_from_grid(
    groups: _Flows,
    names: list[str],
    demand: np.ndarray,
    g: np.ndarray | None,
    x: np.ndarray | None,
    notes: list[str],
) -> None:
    """Set the one group's charge and discharge [MW] to what the balance leaves of the grid."""
    if len(names) > 1:
        raise InputError(
            issues=[
                Issue(
                    "a grid schedule cannot be split between battery groups",
                    field="schedule",
                    got=f"groups {names}",
                    fix="Give charge_mw_<group> and discharge_mw_<group> for every group",
                )
            ]
        )
    z = np.zeros(len(demand))
    # discharge minus charge the balance leaves (g is given: checked by _schedule_columns)
    net = demand - (g - (x if x is not None else z))  # type: ignore[operator]
    if names:
        groups[names[0]]["charge_mw"] = np.maximum(-net, 0.0)
        groups[names[0]]["discharge_mw"] = np.maximum(net, 0.0)
        notes.append(f"battery flows of {names[0]} derived from the grid import and the balance")


def _grid_from_balance(
    groups: _Flows, demand: np.ndarray, x: np.ndarray | None, n: int, notes: list[str]
) -> tuple[np.ndarray, np.ndarray | None]:
    """Import (and export, when not given) [MW] from the balance with the battery flows."""
    z = np.zeros(n)
    fleet = sum((a["discharge_mw"] - a["charge_mw"] for a in groups.values()), z.copy())  # type: ignore[operator]
    rest = demand - fleet + (0.0 if x is None else x)  # g - x = demand - fleet
    g = np.maximum(rest, 0.0)
    if x is None:
        x = np.maximum(-rest, 0.0)
    notes.append(
        "grid import derived from the balance" + (" (surplus exported)" if (x > 0).any() else "")
    )
    return g, x


def _soc_recursion(
    gd: GroupData, charge_mw: np.ndarray, discharge_mw: np.ndarray, interval_h: float, n: int
) -> np.ndarray:
    """The SOC at the end of each of ``n`` intervals [MWh] from the initial SOC and the flows."""
    s = np.empty(n)
    prev = gd.initial_soc_mwh
    for t in range(n):
        prev = (
            gd.retention_frac * prev
            + (
                gd.charge_efficiency_frac * charge_mw[t]
                - discharge_mw[t] / gd.discharge_efficiency_frac
            )
            * interval_h
        )
        s[t] = prev
    return s


__all__ = ["Evaluation", "evaluate"]
