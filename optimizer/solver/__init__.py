"""optimizer.solver: Pyomo -> HiGHS, and every trick that makes it faster; no modelling.

==================  ==================================================================
module              what
==================  ==================================================================
status              SolveStatus, TerminationCondition, SolveReport, WarmStartReport (leaf)
highs               the highspy import, banner, threads, an LP from arrays, a run
standard_form       the model's LP as arrays, values back, releasing rows
released            releasing a large model's variables; its solution as arrays
linear_compile      the fast compile behind standard_form
strategy            every measured rule in one table; plan_solve -> SolvePlan
solve               solve_model: hand-off -> plan -> run -> load
pyomo_routes        Pyomo's appsi and contrib HiGHS interfaces (for comparison)
warmstart/          within one solve: columns, coarse, blocks
resolve/            across scenarios of one structure: cache, affine, persistent
==================  ==================================================================

The public names load lazily (PEP 562): ``from optimizer.solver import SolveStatus`` does not
import Pyomo; ``solve_model`` does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from optimizer.solver.status import SolveReport, SolveStatus, TerminationCondition

if TYPE_CHECKING:
    from optimizer.solver.solve import solve_model

__all__ = ["SolveReport", "SolveStatus", "TerminationCondition", "solve_model"]


def __getattr__(name: str) -> Any:
    """``solve_model`` on first use (it imports Pyomo)."""
    if name == "solve_model":
        from optimizer.solver.solve import solve_model  # noqa: PLC0415 - lazy: the package stays light

        return solve_model
    msg = f"module 'optimizer.solver' has no attribute {name!r}"
    raise AttributeError(msg)
