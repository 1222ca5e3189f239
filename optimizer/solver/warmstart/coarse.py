"""Coarse warm start: solve the LP aggregated in time, then the full LP from its basis.

At 5-minute steps the dual simplex spends most of its time finding which hours charge, which
discharge and where the peak sits; a coarser LP answers that far more cheaply. The coarse LP
is made from the full LP itself, not from a second scenario, so every family (tariff engine,
events, deferral, reserve) comes along with no special case:

1. Each column and row of a Pyomo component indexed by the interval set ``T`` (alone or as a
   factor of a product such as ``B x T``) gets the group of its interval at each level,
   ``CoarsePlan.group_of_t`` (clock groups of 120, then 30 minutes); a row of a component on
   a subset of ``T`` (``ramp_up`` on ``T[1:]``, ``event_cap``) takes the latest interval of
   its columns. Columns of one component, one non-interval index and one group become one
   coarse column (they take one value); rows of one component, one group, one bound type and
   the same shared columns are summed into one coarse row. Anything without an interval (a
   monthly peak, a tariff window) stays as it is. With ``P`` the column map and ``R`` the row
   sum, the coarse LP is ``min (P'c)'y  s.t.  R l <= R A P y <= R u``, column bounds the
   intersection of the merged columns' bounds (their mean where they do not meet).
2. Summing the rows of a group with merged columns gives the coarse model one would write by
   hand: ``sum_t (s_t - s_{t-1})`` is ``s_G - s_{G-1}``, the ramp rows sum to
   ``g_G - g_{G-1} <= sum_t rise_t``, the balance rows to the group's energy, the energy costs
   to ``sum_t price_t dt`` (``tests/test_coarse.py`` checks these against the inputs).
3. The coarsest LP is solved cold, each finer one from the basis of the one before, the full
   LP from the last: every column and row takes its coarse twin's status (a status at a bound
   the fine column or row does not have moves to the one it has). The count of basic
   statuses is off by a few (the shared columns); HiGHS takes the basis as *alien*, completes
   and repairs it, then runs dual simplex (devex pricing).

The caller (:func:`optimizer.solver.solve.solve_model`) accepts the result only when HiGHS reports
Optimal on the full LP and otherwise solves cold, so the start can change the time, never the
answer.

Measured (``benchmarks/RESULTS.md``, grid-stability LP with every family, 2 cores, HiGHS
1.16): a day at 5 min 0.020 s against 0.074 s cold, a week at 5 min 0.41 s against 1.00 s,
a month at 15 min 0.45 s against 1.35 s, 30 days at 5 min 3.3 s against 11.4 s (solver time);
a year at 15 min 97 s against 48.6 s for month blocks, so years keep the blocks and start each
month from its own coarse LP instead (32.6 s).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from optimizer.solver.highs import (
    LinearProgram,
    LpArrays,
    basis_statuses,
    highs_basis,
    highs_lp,
    import_highspy,
    new_highs,
    run_in_scheduler,
)
from optimizer.solver.sparse import sp
from optimizer.solver.standard_form import StandardForm
from optimizer.solver.warmstart.columns import compress_keys, item_intervals

logger = logging.getLogger(__name__)

BASIC, LOWER, UPPER = 1, 0, 2  # HighsBasisStatus kBasic, kLower, kUpper


@dataclass
class CoarsePlan:
    """How to aggregate the horizon: one or more levels, coarsest first.

    Attributes
    ----------
    levels_min : tuple of int
        Group length of each level, coarsest first [min].
    group_of_t : list of numpy.ndarray
        Per level, the group of each interval, non-decreasing from 0, shape (T,) [-].
    """

    levels_min: tuple[int, ...]
    group_of_t: list[np.ndarray]

    @property
    def label(self) -> str:
        """What the levels are, for reports (``"120 -> 30 min"``)."""
        return " -> ".join(str(x) for x in self.levels_min) + " min"


@dataclass
class CoarseStart:
    """The mapped basis and what it cost.

    Attributes
    ----------
    col_status, row_status : numpy.ndarray
        HiGHS basis status (0 lower, 1 basic, 2 upper) of every column and row of the full LP.
    sizes : list of str
        ``"columns x rows"`` of each level's LP.
    coarse_s : float
        Seconds to aggregate and solve the levels and map the basis [s].
    coarse_iterations : int
        Simplex iterations over the levels [-].
    n_basic_minus_rows : int
        Basic statuses in the mapped basis minus the row count [-].
    """

    col_status: np.ndarray
    row_status: np.ndarray
    sizes: list[str]
    coarse_s: float
    coarse_iterations: int
    n_basic_minus_rows: int


@dataclass
class LevelMap:
    """Where each column and row of the full LP goes in one level's LP."""

    col_map: np.ndarray
    n_cols: int
    row_map: np.ndarray
    n_rows: int


def plan_coarse(
    index: pd.DatetimeIndex, interval_min: int, levels_min: tuple[int, ...]
) -> CoarsePlan | None:
    """The coarse levels of ``index``, or None when no level is coarser than the step.

    Each level's groups are clock periods of its length (on UTC instants, so a DST change
    repeats no group; a partial first or last period is a group of its own). Levels not longer
    than ``interval_min`` or not a multiple of it are left out, and so is a level with as many
    groups as intervals. Whether a coarse start is used at all is
    :func:`optimizer.solver.strategy.plan_solve`'s decision.

    Parameters
    ----------
    index : pandas.DatetimeIndex
        The scenario's intervals.
    interval_min : int
        Interval length [min].
    levels_min : tuple of int
        Group length of each level [min], any order.

    Returns
    -------
    CoarsePlan or None
        Levels coarsest first.
    """
    if len(index) == 0:
        return None
    seconds = np.asarray(
        index.as_unit("s").asi8, dtype=np.int64
    )  # UTC instants: no repeated hour at a DST change
    levels, groups = [], []
    for minutes in sorted(set(levels_min), reverse=True):
        if minutes <= interval_min or minutes % interval_min:
            continue
        period = seconds // (minutes * 60)
        group = np.concatenate([[0], np.cumsum(np.diff(period) != 0)]).astype(np.int64)
        if int(group[-1]) + 1 < len(index):
            levels.append(minutes)
            groups.append(group)
    if not levels:
        return None
    return CoarsePlan(levels_min=tuple(levels), group_of_t=groups)


def coarse_index(
    key: np.ndarray, interval: np.ndarray, group_of_t: np.ndarray
) -> tuple[np.ndarray, int]:
    """Coarse index of items with integer codes ``key`` (:func:`compress_keys`) and
    ``interval`` (-1 for none): items with equal codes in one group share one; an item without
    an interval keeps its own. Numbered in the order of each coarse item's first fine item.
    Returns the map and the coarse count."""
    n = len(interval)
    if n == 0:
        return np.zeros(0, dtype=np.int64), 0
    n_groups = int(group_of_t.max()) + 1
    timed = interval >= 0
    combined = key * n_groups + group_of_t[np.clip(interval, 0, None)]
    top = int(combined[timed].max()) + 1 if timed.any() else 0
    combined = np.where(timed, combined, top + np.arange(n, dtype=np.int64))
    _, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[np.ravel(inverse)], len(first)


def row_keys(a: sp.csc_matrix, col_interval: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's latest column interval (-1 for none), and the first and count of its columns
    without an interval (a peak, a tariff window) as an (n_row x 2) key, so that rows are
    summed only with rows that share those columns."""
    csr = sp.csr_matrix(a)
    n_row = csr.shape[0]
    nz = np.diff(csr.indptr) > 0
    starts = csr.indptr[:-1][nz]
    latest = np.full(n_row, -1, dtype=np.int64)
    shared = np.full((n_row, 2), -1, dtype=np.int64)
    if len(csr.indices):
        ci = col_interval[csr.indices]
        latest[nz] = np.maximum.reduceat(ci, starts)
        untimed = ci < 0
        big = np.iinfo(np.int64).max
        first = np.minimum.reduceat(np.where(untimed, csr.indices, big), starts)
        shared[nz, 0] = np.where(first == big, -1, first)
        shared[nz, 1] = np.add.reduceat(untimed.astype(np.int64), starts)
    return latest, shared


def coarse_maps(sf: StandardForm, plan: CoarsePlan, n_intervals: int) -> list[LevelMap]:
    """Where the columns and rows of the full LP ``sf`` (its ``columns`` and ``rows`` still
    set) go in each level's LP, coarsest first.

    A row of a component not indexed by ``T`` (a ramp row on ``T[1:]``, an event row) takes
    the latest interval of its columns.
    """
    c_comp, c_t, c_rest = item_intervals(sf.columns, n_intervals)
    r_comp, r_t, r_rest = item_intervals([r.constraint for r in sf.rows], n_intervals)
    latest, shared = row_keys(sf.a, c_t)
    r_t = np.where(r_t >= 0, r_t, latest)
    bound = np.fromiter((r.bound_type for r in sf.rows), dtype=np.int64, count=len(sf.rows))
    col_keys = compress_keys(np.column_stack([c_comp, c_rest]))
    row_keys_ = compress_keys(np.column_stack([r_comp, r_rest, bound, shared]))
    out = []
    for group in plan.group_of_t:
        col_map, n_cols = coarse_index(col_keys, c_t, group)
        row_map, n_rows = coarse_index(row_keys_, r_t, group)
        out.append(LevelMap(col_map, n_cols, row_map, n_rows))
    return out


def _sum_bounds(r: sp.csr_matrix, bound: np.ndarray, infinity: float) -> np.ndarray:
    """``R @ bound``, infinite (``infinity``: -inf for lower bounds, inf for upper) where a
    summed bound is."""
    out = r @ np.where(np.isfinite(bound), bound, 0.0)
    inf_count = r @ (~np.isfinite(bound)).astype(float)
    return np.where(inf_count > 0, infinity, out)


def _merge_col_bounds(
    col_map: np.ndarray, n_coarse: int, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Intersection of the merged columns' bounds; their mean where the intersection is empty."""
    lo_c = np.full(n_coarse, -np.inf)
    hi_c = np.full(n_coarse, np.inf)
    np.maximum.at(lo_c, col_map, lo)
    np.minimum.at(hi_c, col_map, hi)
    empty = lo_c > hi_c
    if empty.any():
        count = np.bincount(col_map, minlength=n_coarse).astype(float)
        mean_lo = (
            np.bincount(col_map, weights=np.where(np.isfinite(lo), lo, 0.0), minlength=n_coarse)
            / count
        )
        mean_hi = (
            np.bincount(col_map, weights=np.where(np.isfinite(hi), hi, 0.0), minlength=n_coarse)
            / count
        )
        lo_c[empty] = mean_lo[empty]
        hi_c[empty] = np.maximum(mean_lo[empty], mean_hi[empty])
    return lo_c, hi_c


def fit_status(status: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Move a nonbasic status to a bound the column or row has (lower, else upper, else basic)."""
    out = status.copy()
    has_lo, has_hi = np.isfinite(lower), np.isfinite(upper)
    at_lo = (out == LOWER) & ~has_lo
    out[at_lo & has_hi] = UPPER
    at_hi = (out == UPPER) & ~has_hi
    out[at_hi & has_lo] = LOWER
    nonbasic = out != BASIC
    out[nonbasic & ~has_lo & ~has_hi] = BASIC
    out[(out == LOWER) & ~has_lo] = BASIC
    out[(out == UPPER) & ~has_hi] = BASIC
    return out


def aggregate(lp: LinearProgram, level: LevelMap) -> LpArrays:
    """The level's LP of ``lp`` (an LpArrays or a StandardForm): ``a = R A P``,
    ``cost = P'c``, row bounds ``R l``, ``R u``, column bounds the intersection of the merged
    columns' bounds."""
    a = sp.csc_matrix(lp.a)
    n_row, n_col = a.shape
    p = sp.csc_matrix(
        (np.ones(n_col), (np.arange(n_col), level.col_map)), shape=(n_col, level.n_cols)
    )
    r = sp.csr_matrix(
        (np.ones(n_row), (level.row_map, np.arange(n_row))), shape=(level.n_rows, n_row)
    )
    a_c = (r @ a @ p).tocsc()
    a_c.eliminate_zeros()
    lo, hi = _merge_col_bounds(
        level.col_map,
        level.n_cols,
        np.asarray(lp.col_lower, float),
        np.asarray(lp.col_upper, float),
    )
    return LpArrays(
        a=a_c,
        cost=np.asarray(p.T @ np.asarray(lp.cost, dtype=float), dtype=float),
        col_lower=lo,
        col_upper=hi,
        row_lower=_sum_bounds(r, np.asarray(lp.row_lower, dtype=float), -np.inf),
        row_upper=_sum_bounds(r, np.asarray(lp.row_upper, dtype=float), np.inf),
    )


def restrict(level: LevelMap, cols: np.ndarray, rows: np.ndarray) -> LevelMap:
    """``level`` for the sub-LP of the full LP's columns ``cols`` and rows ``rows`` (a month
    block), its coarse items renumbered from 0."""
    col_u, col_map = np.unique(level.col_map[cols], return_inverse=True)
    row_u, row_map = np.unique(level.row_map[rows], return_inverse=True)
    return LevelMap(np.ravel(col_map), len(col_u), np.ravel(row_map), len(row_u))


def coarse_start(
    sf: LinearProgram,
    levels: list[LevelMap],
    opts: dict[str, Any],
    basis_options: dict[str, Any],
) -> CoarseStart:
    """Solve the levels' LPs, coarsest first, each from the basis of the one before, and map
    the last basis to ``sf``.

    Parameters
    ----------
    sf : optimizer.solver.highs.LinearProgram
        The full LP (a StandardForm, or a block's LpArrays); read only.
    levels : list of LevelMap
        :func:`coarse_maps` (or :func:`restrict` of them, for a sub-LP).
    opts : dict
        HiGHS options of every level's solve.
    basis_options : dict
        HiGHS options added for a level solved from the level before
        (:data:`optimizer.solver.strategy.FINAL_OPTIONS`).

    Raises
    ------
    RuntimeError
        When a level's LP is not solved to optimality.
    """
    t0 = time.perf_counter()
    iterations = 0
    sizes: list[str] = []
    prev: tuple[np.ndarray, np.ndarray, LevelMap] | None = None
    for level in levels:
        arrays = aggregate(sf, level)
        h = new_highs(opts)
        h.passModel(highs_lp(import_highspy(), arrays))
        if prev is not None:
            cs, rs = _lift(
                prev, level, arrays.col_lower, arrays.col_upper, arrays.row_lower, arrays.row_upper
            )
            h.setBasis(highs_basis(cs, rs))
            for key, val in basis_options.items():
                h.setOptionValue(key, val)
        run_in_scheduler(h)
        status = h.modelStatusToString(h.getModelStatus())
        sizes.append(f"{level.n_cols} x {level.n_rows}")
        if status != "Optimal":
            msg = f"the coarse LP ({sizes[-1]} columns x rows) ended with '{status}'"
            raise RuntimeError(msg)
        iterations += int(h.getInfo().simplex_iteration_count)
        cs, rs = basis_statuses(h, level.n_cols, level.n_rows)
        prev = (cs, rs, level)
    assert prev is not None
    full = LevelMap(
        np.arange(sf.a.shape[1]), sf.a.shape[1], np.arange(sf.a.shape[0]), sf.a.shape[0]
    )
    col_status, row_status = _lift(
        prev, full, sf.col_lower, sf.col_upper, sf.row_lower, sf.row_upper
    )
    n_basic = int(np.sum(col_status == BASIC) + np.sum(row_status == BASIC))
    return CoarseStart(
        col_status=col_status,
        row_status=row_status,
        sizes=sizes,
        coarse_s=time.perf_counter() - t0,
        coarse_iterations=iterations,
        n_basic_minus_rows=n_basic - sf.a.shape[0],
    )


def _lift(
    prev: tuple[np.ndarray, np.ndarray, LevelMap],
    level: LevelMap,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The statuses of the coarser level ``prev`` on ``level``'s columns and rows, moved to the
    bounds those have (:func:`fit_status`). The levels nest, so each item of ``level`` has one
    twin: the twin of any full-LP item it merges."""
    cs, rs, coarse = prev
    col_twin = np.empty(level.n_cols, dtype=np.int64)
    col_twin[level.col_map] = coarse.col_map
    row_twin = np.empty(level.n_rows, dtype=np.int64)
    row_twin[level.row_map] = coarse.row_map
    col_status = fit_status(
        cs[col_twin], np.asarray(col_lower, float), np.asarray(col_upper, float)
    )
    row_status = fit_status(
        rs[row_twin], np.asarray(row_lower, float), np.asarray(row_upper, float)
    )
    return col_status, row_status
