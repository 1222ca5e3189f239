"""Every measured rule of the solver in one table, and the plan of one solve.

Which solver path runs for a scenario is decided here and nowhere else: the HiGHS settings of
``SolverOptions.algorithm``, the thread rule, which warm start (if any) the LP starts from, the
options of a solve from a lifted basis, and when a large LP releases its Pyomo rows. Each rule
keys on the LP's shape (:class:`LpShape`: intervals, step, calendar months, demand peaks on
multi-interval block averages), and each threshold below carries the measurement behind it and
the HiGHS version it was measured with. ``benchmarks/bench_strategy.py`` measures every path
of every shipped scenario as a whole, idle and beside two busy processes
(``benchmarks/STRATEGY.md``); the rule of issue 24 is that ``auto`` is never more than 1.2x
the best single-thread path under load. :func:`plan_solve` applies the rules and returns a
:class:`SolvePlan`, which
:func:`optimizer.solver.solve.solve_model` follows without deciding anything itself.

The rules (:data:`RULES`; ``auto`` is the default of ``SolverOptions.warm_start``,
``threads = None`` the default of ``SolverOptions.threads``):

==============================  =============================================================
rule                            when (on the LP's shape)
==============================  =============================================================
highs-defaults                  ``algorithm = "auto"``: HiGHS's own dual simplex and pricing
one-thread                      ``threads = None``: one thread on every path (no parallel dual)
blocks                          ``warm_start = "auto"``: >= 3 calendar months and >= 8,000 intervals
blocks-from-coarse              a block start at a step where the coarse start gains
coarse                          ``warm_start = "auto"``: step <= 15 min and >= 96 intervals
block-demand-cold               ``"auto"``: a cold solve (no coarse start, no month blocks) at
                                >= 15 min when demand peaks are taken on multi-interval block
                                averages (TOU windows, 30-min blocks)
final-devex                     a solve from a lifted or assembled basis: dual simplex, devex
coarse-one-thread               the coarse levels run on one thread, HiGHS's simplex choice
release-rows                    the LP has >= 200,000 rows (``optimize`` asks for it)
==============================  =============================================================

Only the block-demand rule looks at a family: it keys on the LP's demand-peak rows being taken
on averages of several intervals (a TOU demand window with 30-min blocks at a 15-min step), not
on where the tariff came from. Every tariff is a tariff-engine tariff now; the simple one (a
monthly peak on single intervals) and any tariff whose demand interval equals the step have
single-interval peak rows and take the same path.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from optimizer.inputs.options import SolverOptions
from optimizer.solver.warmstart.blocks import BlockPlan, month_blocks, plan_blocks
from optimizer.solver.warmstart.coarse import CoarsePlan, plan_coarse

WarmPlan = BlockPlan | CoarsePlan  # how a stdform solve starts

# --------------------------------------------------------------------------- the thresholds

# one-thread. threads = None runs every solve on one thread. The earlier rule parallel-dual (a
# cold solve of >= 2,500 intervals at 5-15 min on HiGHS's parallel dual, PAMI, 2 threads) was
# measured on the raw LP on an idle machine only (30 days at 5 min 17.7 -> 11.2 s, a month at
# 15 min 1.47 -> 1.12 s). Measured as a whole (benchmarks/STRATEGY.md, bench_strategy.py,
# HiGHS 1.16, 2 cores shared with other users, medians of 3): the default month (the only
# shipped scenario it picked) took 17.9 s or more on 2 threads (one run of three hit the 25 s
# limit) against 2.8 s on one with the machine at load 4, and over 25 s (all three hit the
# limit) against 9.6 s beside two busy processes; mlgw-tou 4.8 s against 0.8 s; the
# grid-stability week hit the limit on 2 threads every time. A first single run: 42 s against
# 2.7 s, and 144 s against 12.8 s under load. Issue 24 saw 2.2-2.8 s against 0.33-0.38 s.
# A 2-thread simplex loses badly whenever the second core is taken, and the cases it
# won idle are served better by the coarse start, so auto never picks it; threads = 2 with
# simplex_strategy = 3 in highs_options still asks for it.
AUTO_THREADS = 1  # [-]

# blocks. "auto" uses calendar-month blocks from this many months and intervals on. Measured
# (benchmarks/RESULTS.md, grid-stability LP with every family, 2 cores, HiGHS 1.16): a year at
# 1 h, 12 month blocks 2.2 s + final solve 0.9 s against 7.6 s cold; a year at 15 min 27.7 s +
# 19.9 s against 173.5 s cold; the families 1-7 year-2021 at 15 min 8.4 s + 0.9 s against
# 31.6 s. 30 days at 5 min cut into day or week blocks: 19.6-26.3 s against ~18 s cold.
BLOCKS_AUTO_MIN_MONTHS = 3  # [-]
BLOCKS_AUTO_MIN_INTERVALS = 8000  # [-]

# coarse. "auto" uses a coarse start at steps of at most this length from this many intervals
# on, with the levels COARSE_LEVELS_MIN; a block start at those steps starts each month from its
# own coarse LP (blocks-from-coarse: a year at 15 min, month solves 31.0 s -> 12.6 s). Measured
# at 5 min (median time of solve_model, HiGHS 1.16): a day (120, 30) 0.078 s, (30,) 0.083,
# (60,) 0.125, (120,) 0.133, (60, 15) 0.134, (240, 60, 15) fell back (its 4-hour LP was
# infeasible); a week (120, 30) 1.03 s, (60, 15) 0.91, (120, 30, 15) 0.94; 30 days (120, 30)
# 5.9 s, (120, 30, 15) 6.0, (30,) 7.9, (60, 15) 8.5. Whole LP (benchmarks/RESULTS.md): a day
# at 5 min 0.020 s against 0.074 s cold, a week at 5 min 0.41 s against 1.00 s, a month at
# 15 min 0.45 s against 1.35 s, 30 days at 5 min 3.3 s against 11.4 s; a year at 15 min 97 s
# against 48.6 s for month blocks (so years keep the blocks).
COARSE_AUTO_MAX_STEP_MIN = 15  # [min]
COARSE_AUTO_MIN_INTERVALS = 96  # [-]
COARSE_LEVELS_MIN = (120, 30)  # group length of each level, coarsest first [min]

# block-demand-cold. No coarse start for an LP whose demand peaks are taken on multi-interval
# block averages (TOU windows on 30-minute blocks at 15 min) at steps of this length or more.
# Measured (solve_model, best of 2, HiGHS 1.16): the
# default scenario's February at 15 min 0.71 s coarse against 0.48 s cold (the lifted basis
# still needs ~4,900 iterations, each dearer than a presolved cold one), mlgw-tou's March at
# 15 min 0.55 s against 0.42 s; at 5 min the same tariffs gain (a week of default 0.27 s against
# 0.38 s, mlgw-tou 0.26 s against 0.40 s), as does every other LP measured at 15 min
# (year-2021's July 0.25 s against 0.96 s). No month blocks either: the default's year at 15 min
# (benchmarks/DEFAULT-YEAR.md, idle) took 56.1 s and 917 MB peak through month blocks against
# 34.9 s and 740 MB cold (HiGHS defaults alone on the same LP: 28.8 s), while year-2021's
# single-interval peaks keep the blocks (23.4 s against 61.1 s cold, benchmarks/RESULTS.md).
# Re-measured as a whole on one thread (benchmarks/STRATEGY.md, optimize() wall, medians of 3):
# default month cold 2.8 s against coarse 3.2 s (machine at load 4), 9.6 s against 16.1 s
# beside two busy processes; mlgw-tou 0.82 s against 1.00 s, 3.05 s against 3.13 s.
ENGINE_COLD_FROM_STEP_MIN = 15  # [min]

# final-devex. HiGHS options of a solve from a lifted or assembled basis: dual simplex with
# devex pricing. Measured final solves (HiGHS 1.16), year at 15 min: devex 19.9-24.1 s, Dantzig
# 30.1 s, steepest edge 56.4 s (it first computes its weights for the whole non-slack basis);
# year at 1 h: devex 0.8-1.7 s, HiGHS's default pricing 3.3 s; primal simplex from a
# primal-feasible start (no block-end SOC floors) 1.9 s.
FINAL_OPTIONS: dict[str, Any] = {
    "solver": "simplex",
    "simplex_strategy": 1,
    "simplex_dual_edge_weight_strategy": 1,
}
USER_SIMPLEX_KEYS = (
    "simplex_strategy",
    "simplex_dual_edge_weight_strategy",
)  # win over FINAL_OPTIONS

# release-rows. LPs with at least this many rows release their Pyomo constraints, objective and
# expressions once HiGHS holds the LP (when the caller allows it; optimize does). Measured
# (benchmarks, HiGHS 1.16): a year at 15 min, peak RSS 1,429 MB -> 1,181 MB. They also release
# the variables and Params (the solution comes back as arrays, optimizer.solver.released), the
# LP's arrays after the warm start, and have glibc map blocks of 1 MiB or more from the compile
# on: 1,097 MB -> 951 MB (benchmarks/mem_year.py, ISSUE-24.md).
RELEASE_ROWS_MIN = 200_000  # [-]


@dataclass(frozen=True)
class Rule:
    """One measured rule: when it applies, what it does, and the measurement behind it.

    Attributes
    ----------
    name : str
        Short name (reported in ``SolvePlan.rules``).
    when : str
        The condition, on the LP's shape and the options.
    then : str
        What the plan does.
    measured : str
        The measurement (the constants above give the figures).
    highs : str
        The HiGHS version it was measured with.
    """

    name: str
    when: str
    then: str
    measured: str
    highs: str = "1.16"


RULES: tuple[Rule, ...] = (
    Rule(
        "highs-defaults",
        'algorithm = "auto"',
        "HiGHS's own dual simplex and pricing",
        "fastest or tied at every size, a day at 5 min to a year at 15 min; devex 1.2-3x and "
        "IPM 1.4-2.4x slower (benchmarks/HIGHS-OPTIONS.md)",
    ),
    Rule(
        "one-thread",
        "threads = None",
        f"{AUTO_THREADS} thread on every path; never the parallel dual (PAMI)",
        "default month (benchmarks/STRATEGY.md): 2 threads >= 17.9 s vs 1 thread 2.8 s at load 4; "
        ">= 25 s (time limit) vs 9.6 s beside two busy processes; mlgw-tou 4.8 vs 0.8 s",
    ),
    Rule(
        "blocks",
        f"warm_start auto, >= {BLOCKS_AUTO_MIN_MONTHS} months, "
        f">= {BLOCKS_AUTO_MIN_INTERVALS} intervals",
        "month blocks, then the full LP from their basis",
        "a year at 1 h 3.1 s against 7.6 s; a year at 15 min 47.6 s against 173.5 s",
    ),
    Rule(
        "blocks-from-coarse",
        "a block start where the coarse start gains",
        f"each month from its coarse LP {COARSE_LEVELS_MIN}",
        "a year at 15 min, month solves 31.0 -> 12.6 s",
    ),
    Rule(
        "coarse",
        f"warm_start auto, step <= {COARSE_AUTO_MAX_STEP_MIN} min, "
        f">= {COARSE_AUTO_MIN_INTERVALS} intervals, no blocks",
        f"levels {COARSE_LEVELS_MIN} min, then the full LP from their basis",
        "30 days at 5 min 3.3 s against 11.4 s; a day at 5 min 0.020 s against 0.074 s",
    ),
    Rule(
        "block-demand-cold",
        f"warm_start auto, demand peaks on multi-interval block averages, "
        f"step >= {ENGINE_COLD_FROM_STEP_MIN} min",
        "a cold solve: no coarse start, no month blocks",
        "default's year at 15 min (TVA, benchmarks/DEFAULT-YEAR.md, idle): cold 34.9 s and "
        "740 MB peak against month blocks 56.1 s and 917 MB (HiGHS defaults alone 28.8 s); "
        "default's February at 15 min 0.71 s coarse against 0.48 s cold; whole optimize() "
        "(benchmarks/STRATEGY.md): default cold 2.8 s vs coarse 3.2 s, under load 9.6 vs 16.1 s; "
        "mlgw-tou 0.82 vs 1.00 s, under load 3.05 vs 3.13 s",
    ),
    Rule(
        "final-devex",
        "a solve from a lifted or assembled basis",
        "dual simplex, devex pricing",
        "year at 15 min: devex 19.9-24.1 s, Dantzig 30.1 s, steepest edge 56.4 s",
    ),
    Rule(
        "coarse-one-thread",
        "the coarse levels of a coarse start",
        "one thread, HiGHS's own choice of simplex",
        "not measured apart",
    ),
    Rule(
        "release-rows",
        f"the caller allows it, >= {RELEASE_ROWS_MIN} rows, an LP",
        "delete the Pyomo rows and variables while HiGHS solves; big blocks mmap'd",
        "a year at 15 min: peak RSS 1,429 -> 1,181 MB (rows); 1,097 -> 951 MB (the rest)",
    ),
)


@dataclass(frozen=True)
class LpShape:
    """What the rules key on.

    Attributes
    ----------
    n_intervals : int
        Intervals of the horizon [-].
    interval_min : int
        Interval length [min].
    n_months : int
        Calendar months the horizon touches (site-local) [-].
    block_demand : bool
        The LP takes demand peaks on averages of several intervals (a TOU demand window with
        30-minute blocks at a 15-minute step, ...): :func:`has_block_demand`.
    """

    n_intervals: int
    interval_min: int
    n_months: int = 1
    block_demand: bool = False

    @classmethod
    def of(
        cls, index: pd.DatetimeIndex, interval_min: int, *, block_demand: bool = False
    ) -> LpShape:
        """The shape of an LP over ``index``.

        Parameters
        ----------
        index : pandas.DatetimeIndex
            The scenario's site-local intervals.
        interval_min : int
            Interval length [min].
        block_demand : bool
            The LP takes demand peaks on multi-interval block averages.

        Returns
        -------
        LpShape
            Its shape.
        """
        blocks = month_blocks(index)
        n_months = int(blocks[-1]) + 1 if len(blocks) else 0
        return cls(len(index), interval_min, n_months, block_demand)


def has_block_demand(demand_windows: Iterable[Any]) -> bool:
    """True when some demand window takes its peak on averages of several intervals.

    Parameters
    ----------
    demand_windows : iterable
        Demand windows with a ``block_intervals`` attribute (``TariffArrays.demand_windows``;
        the simple tariff's are one interval each).

    Returns
    -------
    bool
        Whether the LP's shape has multi-interval demand blocks.
    """
    return any(int(getattr(w, "block_intervals", 1)) > 1 for w in demand_windows)


@dataclass(frozen=True)
class SolvePlan:
    """How one solve runs; :func:`optimizer.solver.solve.solve_model` follows it.

    Attributes
    ----------
    highs_options : dict
        HiGHS options of the solve (a cold solve's thread rule included); a warm start's
        blocks and its fall-back cold solve use them too.
    warm_start : BlockPlan or CoarsePlan or None
        The warm start (:mod:`optimizer.solver.warmstart`), or None for a cold solve.
    coarse_options : dict
        HiGHS options of the coarse levels of a coarse start.
    basis_options : dict
        HiGHS options added for a coarse level or block solved from a lifted basis.
    final_options : dict
        HiGHS options added for the full LP solved from the assembled basis (the caller's
        explicit simplex settings win).
    release_rows_min : int or None
        Release the model's rows while HiGHS solves an LP of at least this many rows [-];
        None: never.
    rules : tuple of str
        The rules of :data:`RULES` that shaped the plan.
    """

    highs_options: dict[str, Any]
    warm_start: WarmPlan | None = None
    coarse_options: dict[str, Any] = field(default_factory=dict)
    basis_options: dict[str, Any] = field(default_factory=dict)
    final_options: dict[str, Any] = field(default_factory=dict)
    release_rows_min: int | None = None
    rules: tuple[str, ...] = ()


def highs_options(options: SolverOptions) -> dict[str, Any]:
    """HiGHS options of ``options`` (rule highs-defaults), before the thread rule.

    ``algorithm = "auto"`` (or ``"choose"``) leaves HiGHS at its default dual simplex with its
    own pricing; ``"simplex"`` forces dual simplex with devex pricing, ``"ipm"`` the interior
    point method with crossover. ``threads = None`` is one thread (rule one-thread).
    ``highs_options`` of
    ``options`` win over everything.

    Parameters
    ----------
    options : SolverOptions
        The scenario's solver options.

    Returns
    -------
    dict
        HiGHS option name -> value.
    """
    opts: dict[str, Any] = {
        "output_flag": False,
        "time_limit": float(options.time_limit_s),
        "presolve": "on" if options.presolve else "off",
        "mip_rel_gap": float(options.mip_rel_gap_frac),
        "threads": AUTO_THREADS if options.threads is None else int(options.threads),  # 0: HiGHS
    }
    if options.algorithm == "simplex":
        opts["solver"] = "simplex"
        opts["simplex_strategy"] = 1  # dual
        opts["simplex_dual_edge_weight_strategy"] = 1  # devex
    elif options.algorithm == "ipm":
        opts["solver"] = "ipm"
        opts["run_crossover"] = "on"  # a vertex, exactly like simplex
    opts.update(options.highs_options)
    return opts


def cold_highs_options(options: SolverOptions, shape: LpShape) -> dict[str, Any]:
    """HiGHS options of a cold solve of ``shape``: :func:`highs_options` (rule one-thread: the
    shape no longer changes the thread count; kept so that callers name the cold settings).

    Parameters
    ----------
    options : SolverOptions
        The scenario's solver options.
    shape : LpShape
        The LP's shape.

    Returns
    -------
    dict
        HiGHS option name -> value.
    """
    del shape
    return highs_options(options)


def coarse_gains(shape: LpShape) -> bool:
    """True at the steps where a coarse start was measured to pay (rules coarse and
    block-demand-cold): at most :data:`COARSE_AUTO_MAX_STEP_MIN`, and below
    :data:`ENGINE_COLD_FROM_STEP_MIN` for an LP with multi-interval demand blocks.

    Parameters
    ----------
    shape : LpShape
        The LP's shape.

    Returns
    -------
    bool
        Whether ``auto`` may start the LP (or its month blocks) from coarse LPs.
    """
    if shape.interval_min > COARSE_AUTO_MAX_STEP_MIN:
        return False
    return not (shape.block_demand and shape.interval_min >= ENGINE_COLD_FROM_STEP_MIN)


def plan_warm_start(
    mode: str,
    index: pd.DatetimeIndex,
    shape: LpShape,
    soc_floor_mwh: Mapping[str, float],
    coarse_breaks: Sequence[int] = (),
) -> tuple[WarmPlan | None, tuple[str, ...]]:
    """The warm start of ``SolverOptions.warm_start = mode`` (rules blocks, blocks-from-coarse,
    coarse, block-demand-cold); ``"auto"`` tries the blocks first.

    Parameters
    ----------
    mode : {"none", "blocks", "coarse", "auto"}
        The option.
    index : pandas.DatetimeIndex
        The scenario's site-local intervals.
    shape : LpShape
        The LP's shape.
    soc_floor_mwh : Mapping
        Group name -> least SOC at the end of every month block but the last [MWh].
    coarse_breaks : sequence of int
        Intervals at which a coarse group must start (the edges of the called events) [-].

    Returns
    -------
    tuple
        The plan (None for a cold solve) and the rules that decided it.
    """
    auto = mode == "auto"
    plan: WarmPlan | None = None
    rules: tuple[str, ...] = ()
    if auto and shape.block_demand and shape.interval_min >= ENGINE_COLD_FROM_STEP_MIN:
        return None, ("block-demand-cold",)  # cold at every size: no coarse start, no blocks
    if mode in ("blocks", "auto"):
        plan = plan_blocks(index, dict(soc_floor_mwh))
        big = (
            shape.n_months >= BLOCKS_AUTO_MIN_MONTHS
            and shape.n_intervals >= BLOCKS_AUTO_MIN_INTERVALS
        )
        if plan is not None and auto and not big:
            plan = None
        if plan is not None:
            rules = ("blocks",)
            if coarse_gains(shape):
                plan.coarse = plan_coarse(
                    index, shape.interval_min, COARSE_LEVELS_MIN, coarse_breaks
                )
                rules += ("blocks-from-coarse",)
    if plan is None and mode in ("coarse", "auto"):
        if auto and shape.n_intervals < COARSE_AUTO_MIN_INTERVALS:
            return None, ()
        if auto and not coarse_gains(shape):
            return None, ("block-demand-cold",) if shape.block_demand else ()
        plan = plan_coarse(index, shape.interval_min, COARSE_LEVELS_MIN, coarse_breaks)
        rules = ("coarse", "coarse-one-thread") if plan is not None else ()
    return plan, rules


def plan_solve(
    options: SolverOptions,
    index: pd.DatetimeIndex | None = None,
    *,
    interval_min: int = 60,
    block_demand: bool = False,
    soc_floor_mwh: Mapping[str, float] | None = None,
    release_rows: bool = False,
    coarse_breaks: Sequence[int] = (),
) -> SolvePlan:
    """The plan of one solve: every rule of :data:`RULES` applied to the LP's shape.

    Parameters
    ----------
    options : SolverOptions
        The scenario's solver options.
    index : pandas.DatetimeIndex, optional
        The scenario's site-local intervals. Without it (an exclusivity MIP, an elastic
        re-solve) the LP is solved cold with :func:`highs_options`.
    interval_min : int
        Interval length [min].
    block_demand : bool
        The LP takes demand peaks on multi-interval block averages (:func:`has_block_demand`
        of the tariff's demand windows).
    soc_floor_mwh : Mapping, optional
        Group name -> least SOC at the end of every month block but the last (the groups'
        initial SOC) [MWh].
    release_rows : bool
        Allow the solve to release the model's rows (rule release-rows); the caller then
        rebuilds the model when it needs them (``SolveReport.rows_released``).
    coarse_breaks : sequence of int
        Intervals at which a coarse group must start: the first interval of each called event
        and the one after its last (:func:`optimizer.solver.warmstart.coarse.plan_coarse`) [-].

    Returns
    -------
    SolvePlan
        The plan.

    Examples
    --------
    >>> from optimizer.inputs.options import SolverOptions
    >>> plan_solve(SolverOptions()).warm_start is None
    True
    """
    opts = highs_options(options)
    rules: tuple[str, ...] = ("highs-defaults",) if options.algorithm in ("auto", "choose") else ()
    if options.threads is None and "threads" not in options.highs_options:
        rules += ("one-thread",)
    warm: WarmPlan | None = None
    if options.interface == "stdform" and index is not None:
        shape = LpShape.of(index, interval_min, block_demand=block_demand)
        if options.warm_start != "none" and len(index):
            warm, warm_rules = plan_warm_start(
                options.warm_start, index, shape, soc_floor_mwh or {}, coarse_breaks
            )
            rules += warm_rules
    coarse_opts = {**opts, "threads": 1}  # one thread, HiGHS's own choice of simplex
    coarse_opts.pop("simplex_strategy", None)
    user = {k: opts[k] for k in USER_SIMPLEX_KEYS if k in opts}
    if warm is not None:
        rules += ("final-devex",)
    if release_rows:
        rules += ("release-rows",)
    return SolvePlan(
        highs_options=opts,
        warm_start=warm,
        coarse_options=coarse_opts,
        basis_options=dict(FINAL_OPTIONS),
        final_options={**FINAL_OPTIONS, **user},
        release_rows_min=RELEASE_ROWS_MIN if release_rows else None,
        rules=rules,
    )
