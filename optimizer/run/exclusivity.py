"""Exclusive charge or discharge after the LP, in bounded time (``SPEC.md`` §6).

A plain LP may charge and discharge a group at once when wasting energy through the losses
pays (negative prices with no export). :func:`make_exclusive` turns the LP's schedule into one
where no (group, interval) pair does both, and always ends:

1. **MIP rounds, all candidates at once.** The first round puts a binary
   (:func:`optimizer.formulation.exclusivity.add_exclusivity`) on every pair the LP overlapped
   *and* on every group at every interval where overlapping can pay (an import or export
   price below zero), because the MIP otherwise moves the waste to the next negative-price
   interval and needs one round per move (7-8 rounds were seen on negative-price cases). Each
   later round adds the pairs the last solution overlapped, up to :data:`MAX_ROUNDS`.
2. **A time budget.** All rounds share ``SolverOptions.exclusivity_time_limit_s``; each MIP
   gets what is left as its HiGHS time limit and ``SolverOptions.mip_rel_gap_frac`` as its
   gap. A MIP stopped by the limit with an incumbent keeps it (method ``"mip-time-limit"``,
   its gap reported).
3. **Fixed modes, when the MIP cannot finish.** When the budget or the rounds run out with
   pairs left, or a MIP ends without an incumbent, each overlapping pair's mode is fixed from
   its net flow (charge when ``c >= d``, discharge otherwise: the other side's upper bound set
   to 0) and the model is re-solved as an LP; fixed pairs stay fixed, so this ends after at
   most :data:`MAX_FIX_ROUNDS` LPs with an exclusive schedule (method ``"fixed-modes"``),
   feasible whenever idling the pair is.

What was done is reported in :class:`optimizer.results.result.Exclusivity` (method, MIP gap,
rounds, binaries, seconds) and in ``DispatchResult.summary()``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyomo.core as pyo

from optimizer.errors import InfeasibleError, Issue
from optimizer.formulation.exclusivity import add_exclusivity
from optimizer.formulation.model_data import ModelData
from optimizer.inputs.scenario import Scenario
from optimizer.results.checks import Tolerances, simultaneous_pairs
from optimizer.results.extract import extract_group_arrays
from optimizer.results.result import Exclusivity
from optimizer.solver import SolveReport, SolveStatus, solve_model

logger = logging.getLogger(__name__)

MAX_ROUNDS = 8  # MIP rounds at most [-]
MAX_FIX_ROUNDS = 20  # fixed-mode LPs at most [-]
_EXCL = ("excl_charge", "excl_discharge", "excl_mode", "excl_pairs")

Pair = tuple[str, int]


@dataclass
class Outcome:
    """What :func:`make_exclusive` returns: the solved model and its report, or a failure."""

    model: pyo.ConcreteModel
    report: SolveReport
    exclusivity: Exclusivity
    issues: list[Issue]


def candidate_pairs(data: ModelData) -> list[Pair]:
    """Every (group, interval) where charging and discharging at once can pay.

    Wasting energy through the losses only pays where importing earns money or exporting
    costs it: an import or export price below zero.

    Parameters
    ----------
    data : ModelData
        The LP's data.

    Returns
    -------
    list of tuple
        (group name, interval position) pairs.
    """
    price = np.minimum(
        np.asarray(data.import_price_usd_per_mwh, dtype=float),
        np.asarray(data.export_price_usd_per_mwh, dtype=float),
    )
    where = np.flatnonzero(price < 0)
    return [(g.name, int(t)) for g in data.groups for t in where]


def _clear(m: pyo.ConcreteModel) -> None:
    for name in _EXCL:
        if hasattr(m, name):
            m.del_component(name)


def make_exclusive(
    scenario: Scenario,
    data: ModelData,
    m: pyo.ConcreteModel,
    report: SolveReport,
    rebuild: Callable[[], pyo.ConcreteModel],
) -> Outcome:
    """Re-solve until no (group, interval) pair charges and discharges at once.

    Parameters
    ----------
    scenario : Scenario
        The scenario (its ``options`` give the gap and the time budget).
    data : ModelData
        Its LP data.
    m : pyomo.environ.ConcreteModel
        The solved LP.
    report : SolveReport
        The LP's report.
    rebuild : callable
        Builds the model again (when the LP solve released its rows).

    Returns
    -------
    Outcome
        The model holding the exclusive schedule, its report (timings of the LP added), what
        was done, and issues when a re-solve failed (then ``report`` is the failed one).
    """
    options = scenario.options
    t0 = time.perf_counter()
    deadline = t0 + float(options.exclusivity_time_limit_s)
    tol = Tolerances.for_data(data, report.objective_usd or 0.0)
    groups = extract_group_arrays(m, data)
    pairs = simultaneous_pairs(data, groups, tol)
    if not pairs:
        return Outcome(m, report, Exclusivity(), [])
    lp = report
    lp_objective = report.objective_usd
    found: set[Pair] = set(pairs)
    enforced: set[Pair] = set(pairs) | set(candidate_pairs(data))
    if report.rows_released:  # a large LP dropped its rows during the solve
        m = rebuild()
    rounds, method, gap = 0, "", None
    while pairs and rounds < MAX_ROUNDS and time.perf_counter() < deadline - 0.05:
        rounds += 1
        enforced |= set(pairs)
        _clear(m)
        add_exclusivity(m, data, sorted(enforced, key=lambda p: (p[1], p[0])))
        left = max(deadline - time.perf_counter(), 0.1)
        mip_opts = options.model_copy(update={"time_limit_s": left})
        mip = solve_model(m, mip_opts)
        if mip.status not in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
            if mip.status == SolveStatus.INFEASIBLE:
                issue = Issue(
                    "exclusive charge/discharge made the problem infeasible",
                    field="exclusivity",
                    got=f"{len(enforced)} intervals",
                )
                return Outcome(m, _with_lp(mip, lp), Exclusivity(), [issue])
            logger.warning(
                "exclusivity MIP ended %s after %.1f s; fixing modes instead",
                mip.raw_status,
                time.perf_counter() - t0,
            )
            break  # no incumbent in time: fix the modes below
        report, gap = mip, mip.mip_gap
        method = "mip" if mip.status == SolveStatus.OPTIMAL else "mip-time-limit"
        groups = extract_group_arrays(m, data)
        pairs = simultaneous_pairs(data, groups, tol)
        found |= set(pairs)
    if pairs:
        _clear(m)
        out = _fix_modes(m, data, options, groups, pairs, tol, lp)
        if out[1]:
            return Outcome(m, _with_lp(out[0], lp), Exclusivity(), out[1])
        report, groups, fix_rounds, fixed = out[0], out[2], out[3], out[4]
        found |= fixed
        rounds += fix_rounds
        method, gap = "fixed-modes", None
    stamps = tuple(scenario.index[t].isoformat() for _, t in sorted(found, key=lambda p: p[1]))
    excl = Exclusivity(
        n_pairs=len(found),
        intervals=stamps,
        lp_objective_usd=lp_objective,
        mip_objective_usd=report.objective_usd,
        method=method,
        mip_gap_frac=gap,
        rounds=rounds,
        n_binaries=len(enforced) if method != "fixed-modes" else 0,
        seconds=time.perf_counter() - t0,
    )
    logger.warning(
        "exclusive charge/discharge enforced on %d intervals (%s, %d rounds, %.1f s, cost %.2f USD)",
        len(found),
        method,
        rounds,
        excl.seconds,
        excl.cost_usd,
    )
    return Outcome(m, _with_lp(report, lp), excl, [])


def _with_lp(report: SolveReport, lp: SolveReport) -> SolveReport:
    """``report`` with the LP's hand-off and solve seconds added (once)."""
    if report is lp:
        return report
    report.handoff_s += lp.handoff_s
    report.solve_s += lp.solve_s
    return report


def _fix_modes(
    m: pyo.ConcreteModel,
    data: ModelData,
    options: object,
    groups: dict,
    pairs: list[Pair],
    tol: Tolerances,
    lp: SolveReport,
) -> tuple[SolveReport, list[Issue], dict, int, set[Pair]]:
    """Fix each overlapping pair's mode from its net flow and re-solve the LP until none is left."""
    fixed: set[Pair] = set()
    report = lp
    for k in range(1, MAX_FIX_ROUNDS + 1):
        for b, t in pairs:
            a = groups[b]
            if a["charge_mw"][t] >= a["discharge_mw"][t]:
                m.discharge_mw[b, t].setub(0.0)
            else:
                m.charge_mw[b, t].setub(0.0)
        fixed |= set(pairs)
        report = solve_model(m, options)  # type: ignore[arg-type]
        if report.status not in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
            issue = Issue(
                "fixing charge or discharge on the overlapping intervals made the problem infeasible",
                field="exclusivity",
                got=f"{len(fixed)} intervals",
                fix="Raise SolverOptions.exclusivity_time_limit_s so that the MIP can finish",
            )
            return report, [issue], groups, k, fixed
        groups = extract_group_arrays(m, data)
        pairs = simultaneous_pairs(data, groups, tol)
        if not pairs:
            return report, [], groups, k, fixed
    msg = f"still overlapping after {MAX_FIX_ROUNDS} fixed-mode rounds"
    raise InfeasibleError(msg, issues=[Issue(msg, field="exclusivity", got=f"{len(pairs)} pairs")])
