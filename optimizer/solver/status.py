"""What a solve did, in our words: the two enums, HiGHS's status map and the reports.

A leaf module: it imports the standard library only, so results, reports and the CLI can name
a status without loading Pyomo or HiGHS. Every solver outcome maps onto two enums (STYLE §8):
:class:`TerminationCondition` (why the solver stopped) and :class:`SolveStatus` (what the solve
produced). A status text we do not know maps to ``(error, unknown)`` and never raises.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any


class SolveStatus(StrEnum):
    """What the solve produced."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    ERROR = "error"


class TerminationCondition(StrEnum):
    """Why the solver stopped."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    INFEASIBLE_OR_UNBOUNDED = "infeasible_or_unbounded"
    TIME_LIMIT = "time_limit"
    ITERATION_LIMIT = "iteration_limit"
    ERROR = "error"
    UNKNOWN = "unknown"


HIGHS_STATUS: dict[str, tuple[SolveStatus, TerminationCondition]] = {
    "Optimal": (SolveStatus.OPTIMAL, TerminationCondition.OPTIMAL),
    "Infeasible": (SolveStatus.INFEASIBLE, TerminationCondition.INFEASIBLE),
    "Unbounded": (SolveStatus.UNBOUNDED, TerminationCondition.UNBOUNDED),
    "Primal infeasible or unbounded": (
        SolveStatus.INFEASIBLE,
        TerminationCondition.INFEASIBLE_OR_UNBOUNDED,
    ),
    "Time limit reached": (SolveStatus.ERROR, TerminationCondition.TIME_LIMIT),
    "Iteration limit reached": (SolveStatus.ERROR, TerminationCondition.ITERATION_LIMIT),
}


def highs_status(raw: str) -> tuple[SolveStatus, TerminationCondition]:
    """Our status and termination for HiGHS's model status text ``raw``.

    Parameters
    ----------
    raw : str
        ``Highs.modelStatusToString(Highs.getModelStatus())``, e.g. ``"Optimal"``.

    Returns
    -------
    tuple of SolveStatus and TerminationCondition
        ``(error, unknown)`` for a text not in :data:`HIGHS_STATUS`.
    """
    return HIGHS_STATUS.get(raw, (SolveStatus.ERROR, TerminationCondition.UNKNOWN))


def pyomo_status(term: str) -> tuple[SolveStatus, TerminationCondition]:
    """Our status and termination for a Pyomo HiGHS interface's termination condition.

    Parameters
    ----------
    term : str
        The last part of ``str(results.termination_condition)``, lower case
        (``"optimal"``, ``"convergencecriteriasatisfied"``, ``"infeasible"``, ...).

    Returns
    -------
    tuple of SolveStatus and TerminationCondition
        Optimal for an optimal or converged solve; otherwise infeasible, unbounded or error,
        with the termination ``unknown`` (the Pyomo routes report no finer reason).
    """
    if "optimal" in term or term == "convergencecriteriasatisfied":
        return SolveStatus.OPTIMAL, TerminationCondition.OPTIMAL
    if "infeasible" in term:
        return SolveStatus.INFEASIBLE, TerminationCondition.UNKNOWN
    if "unbounded" in term:
        return SolveStatus.UNBOUNDED, TerminationCondition.UNKNOWN
    return SolveStatus.ERROR, TerminationCondition.UNKNOWN


# field name -> key of DispatchResult.summary()["warm_start"] where the two differ
_SUMMARY_KEYS = {"method": "warm_start", "n_changed": "changed"}


@dataclass
class WarmStartReport:
    """How the LP was started, and what a re-solve kept; every field None when it does not apply.

    A cold solve leaves every field None (:meth:`as_dict` is ``{}``).

    Attributes
    ----------
    method : {"blocks", "coarse"} or None
        The warm start tried (:mod:`optimizer.solver.warmstart`).
    block_label : str or None
        What the blocks are (``"month"``).
    n_blocks : int or None
        Blocks solved [-].
    coarse_label : str or None
        The coarse levels (``"120 -> 30 min"``).
    fallback : str or None
        Why the warm start was given up for a cold solve; ``""`` when it was not.
    block_coarse_label : str or None
        The coarse levels each block started from.
    blocks_s, coarse_s : float or None
        Seconds to cut, solve and assemble the blocks, or the coarse levels [s].
    block_iterations, coarse_iterations : int or None
        Simplex iterations over the blocks or the coarse levels [-].
    coarse_sizes : list of str or None
        ``"columns x rows"`` of each coarse level's LP.
    basis_basic_minus_rows : int or None
        Basic statuses in the assembled basis minus the row count [-].
    final_s : float or None
        Seconds of the full LP solved from the assembled basis [s].
    final_iterations : int or None
        Its simplex iterations [-].
    warm : bool or None
        A re-solve (:class:`optimizer.WarmSolver`) on a model kept from an earlier scenario.
    n_changed : int or None
        Numbers pushed to HiGHS for that re-solve (direct route) [-].
    note : str or None
        How the route times its work.
    """

    method: str | None = None
    block_label: str | None = None
    n_blocks: int | None = None
    coarse_label: str | None = None
    fallback: str | None = None
    block_coarse_label: str | None = None
    blocks_s: float | None = None
    block_iterations: int | None = None
    coarse_s: float | None = None
    coarse_iterations: int | None = None
    coarse_sizes: list[str] | None = None
    basis_basic_minus_rows: int | None = None
    final_s: float | None = None
    final_iterations: int | None = None
    warm: bool | None = None
    n_changed: int | None = None
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The fields that apply, keyed as in ``DispatchResult.summary()["warm_start"]``.

        Returns
        -------
        dict
            ``{"warm_start": "coarse", "coarse_label": ..., "fallback": "", ...}`` for a warm
            start; ``{}`` for a cold solve.
        """
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                out[_SUMMARY_KEYS.get(f.name, f.name)] = (
                    list(value) if isinstance(value, list) else value
                )
        return out


@dataclass
class SolveReport:
    """What happened in the solver.

    Attributes
    ----------
    status : SolveStatus
        What the solve produced.
    termination : TerminationCondition
        Why the solver stopped.
    solver : str
        Solver name and version.
    interface : str
        The hand-off route used.
    algorithm : str
        HiGHS algorithm asked for, or the warm start that reached the optimum.
    objective_usd : float or None
        Objective value reported by the solver [USD].
    handoff_s, solve_s : float
        Seconds to hand the model to the solver and to solve it [s].
    n_variables, n_constraints, n_nonzeros : int
        Size of the problem passed to the solver [-].
    is_mip : bool
        True when binaries were present (exclusivity re-solve).
    simplex_iterations : int
        Simplex iterations (0 when not reported) [-].
    raw_status : str
        The solver's own status text.
    rows_released : bool
        The model's constraints, objective, expressions, variables and Params were deleted
        while HiGHS solved (a large LP, ``SolvePlan.release_rows_min``); the solution is kept
        as arrays (:func:`optimizer.solver.released.solution_values`, read by
        :mod:`optimizer.results.extract`), and a caller that needs the rows rebuilds the model.
    warm_start : WarmStartReport
        How the LP was started (empty for a cold solve).
    rules : tuple of str
        The rules of :data:`optimizer.solver.strategy.RULES` that shaped the solve's plan.
    threads : int
        HiGHS threads of the solve [-].
    mip_gap : float or None
        HiGHS's relative MIP gap at the end of a MIP solve (0 when proven optimal; larger when a
        time limit stopped it with an incumbent); None for an LP [-].
    """

    status: SolveStatus
    termination: TerminationCondition
    solver: str = ""
    interface: str = ""
    algorithm: str = ""
    objective_usd: float | None = None
    handoff_s: float = 0.0
    solve_s: float = 0.0
    n_variables: int = 0
    n_constraints: int = 0
    n_nonzeros: int = 0
    is_mip: bool = False
    simplex_iterations: int = 0
    raw_status: str = ""
    rows_released: bool = False
    warm_start: WarmStartReport = field(default_factory=WarmStartReport)
    rules: tuple[str, ...] = ()
    threads: int = 1
    mip_gap: float | None = None
