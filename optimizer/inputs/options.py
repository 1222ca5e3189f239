"""Solver options: every knob explicit, with its default defined here only."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class SolverOptions(BaseModel):
    """How the LP is handed to HiGHS and solved.

    ``interface = "stdform"`` compiles the Pyomo model with Pyomo's
    ``LinearStandardFormCompiler`` and passes the matrices to ``highspy`` directly: the
    fastest honest route we measured (see ``benchmarks/``). ``"appsi"`` and ``"contrib"``
    use Pyomo's own HiGHS interfaces; ``"lp_file"`` writes an LP file and reads it in HiGHS.

    ``algorithm = "auto"`` (the same as ``"choose"``) leaves HiGHS at its default dual simplex
    with its own pricing: measured fastest or tied at every size and step on the full LP
    (``benchmarks/HIGHS-OPTIONS.md``). ``"simplex"`` forces dual simplex with devex pricing
    and ``"ipm"`` the interior-point method with crossover (an exact vertex either way).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    interface: Literal["stdform", "appsi", "contrib", "lp_file"] = "stdform"
    algorithm: Literal["auto", "simplex", "ipm", "choose"] = "auto"
    time_limit_s: float = Field(default=3600.0, gt=0, description="Solver time limit [s].")
    threads: int = Field(default=1, ge=0, description="HiGHS threads; 0 lets HiGHS choose.")
    presolve: bool = True
    mip_rel_gap_frac: float = Field(
        default=1e-6, ge=0, le=1, description="Relative MIP gap for exclusivity re-solves [-]."
    )
    enforce_exclusivity: bool = Field(
        default=True,
        description="Re-solve with binaries on intervals that charge and discharge at once "
        "(SPEC §6). Opting out returns such schedules, flagged.",
    )
    check_invariants: bool = Field(default=True, description="Check SPEC §6 on the solution.")
    highs_options: dict[str, Any] = Field(
        default_factory=dict, description="Passed to HiGHS as is (escape hatch)."
    )
