"""Solver options: every knob explicit, with its default defined here only."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class SolverOptions(BaseModel):
    """How the LP is handed to HiGHS and solved.

    ``interface = "stdform"`` compiles the Pyomo model with Pyomo's
    ``LinearStandardFormCompiler`` and passes the matrices to ``highspy`` directly: the
    fastest honest route we measured (see ``benchmarks/``). ``"appsi"`` and ``"contrib"``
    use Pyomo's own HiGHS interfaces. (``"lp_file"`` was removed: it reported Optimal and
    loaded no values.)

    ``algorithm = "auto"`` (the same as ``"choose"``) leaves HiGHS at its default dual simplex
    with its own pricing: measured fastest or tied at every size and step on the full LP
    (``benchmarks/HIGHS-OPTIONS.md``). ``"simplex"`` forces dual simplex with devex pricing
    and ``"ipm"`` the interior-point method with crossover (an exact vertex either way).

    ``warm_start`` (``interface = "stdform"`` only) chooses how the LP starts:

    * ``"none"``: a cold solve with the settings above.
    * ``"blocks"``: the horizon is cut into calendar months; each month's LP is solved in
      turn with the state carried from the month before (SOC per group, previous import of
      the ramp rows, deferral backlog), their bases are assembled into a basis of the full
      LP, and HiGHS runs dual simplex (devex pricing) from it on the full LP
      (:mod:`optimizer.solver.warmstart.blocks`). The schedule is still an optimal vertex of the
      full LP:
      when HiGHS does not report Optimal from that start, or a month fails, the LP is solved
      cold. Needs at least two calendar months.
    * ``"coarse"``: the same LP aggregated in time (2 h, then 30 min groups) is solved
      coarsest first and its basis lifted to the full LP, which HiGHS then solves with dual
      simplex (devex pricing) (:mod:`optimizer.solver.warmstart.coarse`); cold again unless that
      ends Optimal.
    * ``"auto"`` (default): ``"blocks"`` from 3 calendar months and 8,000 intervals on,
      otherwise ``"coarse"`` at steps of 15 min or less from 96 intervals on (not at 15 min
      when demand peaks are taken on multi-interval block averages, as the TOU tariff's
      30-minute demand blocks are, where it was measured slower: the default scenario's
      February 0.71 s against 0.48 s cold), otherwise ``"none"``. Measured on the full
      grid-stability LP (2 cores, ``benchmarks/RESULTS.md``):
      solver time for a year at 1 h 3.2 s warm against 7.6 s cold, for a year at 15 min
      32.6 s (month blocks, each started from its coarse LP) against 173.5 s cold (the coarse
      start alone: 97 s); 30 days at 5 min gained nothing with day or week blocks
      (19.6-26.3 s against ~18 s) and takes 3.3 s against 11.4 s with the coarse start; a
      week at 5 min 0.41 s against 1.00 s, a month at 15 min 0.45 s against 1.35 s, a day at
      5 min 0.020 s against 0.074 s.

    ``threads = None`` (default) is the measured rule: one thread on every path. HiGHS's
    parallel dual simplex (PAMI) on 2 threads gained on an idle 2-core machine (the raw LP,
    30 days at 5 min 17.7 -> 11.2 s) but was several times slower whenever another process
    held the second core (the default month 144 s against 12.8 s beside two busy processes,
    ``benchmarks/STRATEGY.md``), so ``None`` never picks it. An integer is passed to HiGHS as
    is (0: HiGHS chooses; ``threads = 2`` with ``highs_options = {"simplex_strategy": 3}``
    asks for the parallel dual). HiGHS always runs on this library's own solve threads
    (``optimizer.solver.highs.on_solve_thread``), because it sizes its task scheduler once
    per calling thread.

    Every threshold above, with its measurement, is in :mod:`optimizer.solver.strategy`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    interface: Literal["stdform", "appsi", "contrib"] = "stdform"
    algorithm: Literal["auto", "simplex", "ipm", "choose"] = "auto"
    warm_start: Literal["none", "blocks", "coarse", "auto"] = "auto"
    time_limit_s: float = Field(default=3600.0, gt=0, description="Solver time limit [s].")
    threads: int | None = Field(
        default=None,
        ge=0,
        description="HiGHS threads; None: the measured rule above; 0: HiGHS chooses.",
    )
    presolve: bool = True
    mip_rel_gap_frac: float = Field(
        default=1e-6, ge=0, le=1, description="Relative MIP gap for exclusivity re-solves [-]."
    )
    enforce_exclusivity: bool = Field(
        default=True,
        description="Re-solve with binaries on intervals that charge and discharge at once "
        "(SPEC §6). Opting out returns such schedules, flagged.",
    )
    exclusivity_time_limit_s: float = Field(
        default=60.0,
        gt=0,
        description="Time for all exclusivity MIP rounds together [s]; a MIP stopped by it keeps "
        "its incumbent (gap reported), and without one the modes are fixed from the LP.",
    )
    check_invariants: bool = Field(default=True, description="Check SPEC §6 on the solution.")
    highs_options: dict[str, Any] = Field(
        default_factory=dict, description="Passed to HiGHS as is (escape hatch)."
    )

    @field_validator("highs_options")
    @classmethod
    def _known_highs_options(cls, value: dict[str, Any]) -> dict[str, Any]:
        """Every key is a HiGHS option of the installed highspy, with a value of its type."""
        if not value:
            return value
        problems = highs_option_problems(value)
        if problems:
            msg = "; ".join(problems)
            raise ValueError(msg)
        return value

    @field_validator("interface", mode="before")
    @classmethod
    def _removed_interface(cls, value: object) -> object:
        """Name the removed ``lp_file`` route and what to use instead."""
        if value == "lp_file":
            msg = (
                "interface 'lp_file' was removed: it reported Optimal and loaded no values "
                "(every run ended in ResultCheckError); expected 'stdform' (default), 'appsi' or "
                "'contrib', got 'lp_file'. Drop the interface setting or choose one of those"
            )
            raise ValueError(msg)
        return value


def highs_option_problems(options: dict[str, Any]) -> list[str]:
    """What is wrong with ``options`` as HiGHS options: unknown names (with a "did you mean")
    and values of the wrong type; an empty list when every option is fine.

    The names and types are those of the installed ``highspy`` (``highspy.HighsOptions``).
    """
    import difflib

    import highspy

    defaults = highspy.HighsOptions()
    names = [n for n in dir(defaults) if not n.startswith("_")]
    problems = []
    for key, val in options.items():
        if key not in names:
            near = difflib.get_close_matches(str(key), names, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else "; see the HiGHS options list"
            problems.append(f"unknown HiGHS option {key!r}{hint}")
            continue
        kind = type(getattr(defaults, key))
        ok = (
            isinstance(val, bool)
            if kind is bool
            else isinstance(val, int) and not isinstance(val, bool)
            if kind is int
            else isinstance(val, int | float) and not isinstance(val, bool)
            if kind is float
            else isinstance(val, str)
        )
        if kind is float and ok and val != val:  # NaN
            ok = False
        if not ok:
            problems.append(
                f"HiGHS option {key!r} takes a {kind.__name__}; got {val!r} ({type(val).__name__})"
            )
    return problems
