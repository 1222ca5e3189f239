"""Block warm start: solve the horizon in calendar blocks, then the full LP from their basis.

The dispatch LP is a chain in time: every row ties interval ``t`` to ``t - 1`` (or ``t - D``
for the deferral deadline), apart from a few columns shared by a billing month (the demand
peak, tariff-engine windows, energy tiers). That makes a good starting basis cheap:

1. Every column gets a block: its interval's block (``BlockPlan.block_of_t``, calendar months),
   or, for a column without an interval (a monthly peak), the span of blocks of the rows it
   appears in, found by propagation over the matrix (:func:`column_spans`).
2. Block ``k``'s LP has the columns open in ``k`` and the rows whose columns are all open or
   already fixed; the columns of earlier blocks are fixed at their values (moved into the row
   bounds). Every carried state (each group's SOC, the previous import of the ramp rows, the
   deferral backlog and running total) crosses the boundary this way, with no special case.
   Every block but the last also keeps each group's SOC at its last interval at least at
   ``BlockPlan.soc_floor_mwh`` (the study's initial SOC: the rolling-operation rule), so a
   block does not sell the battery empty because the block ends.
3. The blocks' simplex statuses are assembled into a basis of the full LP: each column and row
   takes its status from the last block that solved it. With disjoint (monthly) blocks each
   block's basis is square, so the assembled basis is square and block lower-triangular: its
   duals are each block's duals corrected by the later blocks'. It is not optimal (each block
   ignored the blocks after it) and, where a block-end SOC floor was active, not primal
   feasible; HiGHS takes it as an *alien* basis (``setBasis``), repairs it if singular and runs
   dual simplex (devex pricing) on the full LP to optimality. HiGHS skips presolve when it is
   given a basis.

At steps of 15 min or less each block's LP is itself started from its coarse warm start
(:mod:`optimizer.solver.warmstart.coarse` on the block's LP, ``BlockPlan.coarse``): a year at
15 min, month solves 31.0 s -> 12.6 s.

The caller (:func:`optimizer.solver.solve.solve_model`) accepts the result only when HiGHS reports
Optimal on the full LP and otherwise solves cold, so the warm start can change the time, never
the answer.

Measured (``benchmarks/RESULTS.md``, grid-stability LP with every family, 2 cores, HiGHS 1.16):
a year at 1 h, 12 month blocks 2.2 s + final solve 0.9 s (1,081 iterations) against a cold
solve of 7.6 s; a year at 15 min, 27.7 s + 19.9 s (4,093 iterations) against 173.5 s cold (raw
highspy with HiGHS defaults: 138.0 s). The families 1-7 ``year-2021`` scenario at 15 min:
8.4 s + 0.9 s against 31.6 s. Not used for 30 days at 5 min: day or week blocks gave
19.6-26.3 s against ~18 s cold (the monthly peak is shared by every block, so the assembled
point is no vertex of the full LP and the basis is poor).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
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
from optimizer.solver.warmstart import coarse
from optimizer.solver.warmstart.columns import item_intervals

logger = logging.getLogger(__name__)

BASIC = 1  # HighsBasisStatus.kBasic
LOWER = 0  # HighsBasisStatus.kLower


@dataclass
class BlockPlan:
    """How to cut the horizon for a block warm start.

    Attributes
    ----------
    block_of_t : numpy.ndarray
        Block number of each interval, non-decreasing from 0, shape (T,) [-].
    soc_floor_mwh : dict
        Group name -> least SOC at the end of every block but the last [MWh].
    label : str
        What the blocks are (``"month"``, ``"day"``), for reports.
    coarse : optimizer.solver.warmstart.coarse.CoarsePlan, optional
        Coarse levels to start each block from (steps of 15 min or less), or None.
    """

    block_of_t: np.ndarray
    soc_floor_mwh: dict[str, float] = field(default_factory=dict)
    label: str = ""
    coarse: Any = None

    @property
    def n_blocks(self) -> int:
        """Number of blocks [-]."""
        return int(self.block_of_t.max()) + 1 if len(self.block_of_t) else 0


@dataclass
class BlockStart:
    """The assembled start: primal values, basis statuses and what it cost to get them.

    Attributes
    ----------
    col_value : numpy.ndarray
        Assembled primal value of every column of the full LP.
    col_status, row_status : numpy.ndarray
        HiGHS basis status (0 lower, 1 basic, 2 upper, 3 zero) of every column and row.
    n_blocks : int
        Blocks solved [-].
    blocks_s : float
        Seconds to cut and solve the blocks and assemble the basis [s].
    block_iterations : int
        Simplex iterations over all blocks [-].
    n_basic_minus_rows : int
        Basic statuses in the assembled basis minus the row count (0 for a square basis) [-].
    """

    col_value: np.ndarray
    col_status: np.ndarray
    row_status: np.ndarray
    n_blocks: int
    blocks_s: float
    block_iterations: int
    n_basic_minus_rows: int


def month_blocks(index: pd.DatetimeIndex) -> np.ndarray:
    """The calendar month of each interval of the site-local ``index``, numbered from 0.

    Parameters
    ----------
    index : pandas.DatetimeIndex
        The scenario's intervals.

    Returns
    -------
    numpy.ndarray
        Block number of each interval, non-decreasing from 0 [-].
    """
    if len(index) == 0:
        return np.zeros(0, dtype=np.int64)
    local = index.tz_localize(None) if index.tz is not None else index
    months = np.asarray(local.year * 12 + local.month, dtype=np.int64)
    return np.concatenate([[0], np.cumsum(np.diff(months) != 0)]).astype(np.int64)


def plan_blocks(index: pd.DatetimeIndex, soc_floor_mwh: dict[str, float]) -> BlockPlan | None:
    """Calendar-month blocks of ``index``, or None when it spans fewer than two months.

    Whether blocks are used at all is :func:`optimizer.solver.strategy.plan_solve`'s decision.

    Parameters
    ----------
    index : pandas.DatetimeIndex
        The scenario's site-local intervals.
    soc_floor_mwh : dict
        Group name -> least SOC at the end of every block but the last [MWh].

    Returns
    -------
    BlockPlan or None
        The months.
    """
    block = month_blocks(index)
    if len(block) == 0 or int(block[-1]) + 1 < 2:
        return None
    return BlockPlan(block_of_t=block, soc_floor_mwh=dict(soc_floor_mwh), label="month")


def scan_columns(
    cols: list[Any], n_intervals: int, plan: BlockPlan
) -> tuple[np.ndarray, dict[int, list[tuple[int, float]]]]:
    """Interval of each Pyomo column (-1 when it has none) and the block-end SOC floors.

    A column has an interval when its component is indexed by the model's interval set ``T``
    (alone or as one factor of a product set such as ``B x T``). The floors map a block to
    ``[(column, least SOC [MWh])]`` for ``soc_mwh[b, t]`` at the block's last interval.
    """
    _, out, _ = item_intervals(cols, n_intervals)
    floors: dict[int, list[tuple[int, float]]] = {}
    block = plan.block_of_t
    ends = np.flatnonzero(np.diff(block) != 0)
    for j in np.flatnonzero(np.isin(out, ends)).tolist():
        v = cols[j]
        if v.parent_component().local_name == "soc_mwh":
            idx = v.index()
            floor = plan.soc_floor_mwh.get(idx[0] if isinstance(idx, tuple) else idx)
            if floor is not None:
                floors.setdefault(int(block[out[j]]), []).append((j, float(floor)))
    return out, floors


def _coarse_block_start(
    h: Any,
    block_lp: LpArrays,
    levels: list[coarse.LevelMap],
    opts: dict[str, Any],
    basis_options: dict[str, Any],
) -> int:
    """Give ``h`` (holding the block's LP) the basis of the block's coarse warm start and
    ``basis_options``; leave it cold when the coarse levels fail. Returns their iterations [-]."""
    try:
        start = coarse.coarse_start(block_lp, levels, opts, basis_options)
    except RuntimeError as exc:
        logger.info("block coarse start failed (%s); the block is solved cold", exc)
        return 0
    h.setBasis(highs_basis(start.col_status, start.row_status))
    for key, val in basis_options.items():
        h.setOptionValue(key, val)
    return start.coarse_iterations


def column_spans(
    a_csr: sp.csr_matrix, a_csc: sp.csc_matrix, col_block: np.ndarray, n_blocks: int
) -> tuple[np.ndarray, np.ndarray]:
    """First and last block of every column.

    A column with an interval lives in its interval's block. Any other column (a monthly peak,
    a tariff window, an energy tier) spans the blocks of the rows it appears in, found by
    propagating spans over the matrix until they stop changing.
    """
    timed = col_block >= 0
    first = np.where(timed, col_block, n_blocks).astype(
        np.int64
    )  # unknown: empty span (first > last)
    last = np.where(timed, col_block, -1).astype(np.int64)
    shared = np.flatnonzero(~timed)
    if len(shared) == 0:
        return first, last
    row_ptr, row_idx = a_csr.indptr, a_csr.indices
    nonempty_rows = np.diff(row_ptr) > 0
    for _ in range(50):
        # rows: min first / max last over their columns (unknown columns ignored)
        row_lo = np.full(a_csr.shape[0], n_blocks, dtype=np.int64)
        row_hi = np.full(a_csr.shape[0], -1, dtype=np.int64)
        if len(row_idx):
            starts = row_ptr[:-1][nonempty_rows]
            row_lo[nonempty_rows] = np.minimum.reduceat(first[row_idx], starts)
            row_hi[nonempty_rows] = np.maximum.reduceat(last[row_idx], starts)
        changed = False
        for j in shared:
            rows = a_csc.indices[a_csc.indptr[j] : a_csc.indptr[j + 1]]
            if len(rows) == 0:
                lo, hi = 0, 0
            else:
                lo = int(row_lo[rows].min())
                hi = int(row_hi[rows].max())
                if hi < 0:  # no known neighbour yet
                    continue
                lo = min(lo, hi)
            if lo != first[j] or hi != last[j]:
                first[j], last[j] = lo, hi
                changed = True
        if not changed:
            break
    unknown = last < 0
    first[unknown], last[unknown] = 0, n_blocks - 1  # isolated chains: open in every block
    return first, last


def _row_spans(
    a_csr: sp.csr_matrix, first: np.ndarray, last: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """First and last block of every row: a row is in block k for max(first) <= k <= max(last)
    over its columns (an empty row is in none)."""
    n_row = a_csr.shape[0]
    row_first = np.zeros(n_row, dtype=np.int64)
    row_last = np.full(n_row, -1, dtype=np.int64)
    nz = np.diff(a_csr.indptr) > 0
    starts = a_csr.indptr[:-1][nz]
    if len(a_csr.indices):
        row_first[nz] = np.maximum.reduceat(first[a_csr.indices], starts)
        row_last[nz] = np.maximum.reduceat(last[a_csr.indices], starts)
    return row_first, row_last


def _with_floors(
    lower: np.ndarray, upper: np.ndarray, cols: np.ndarray, floors: list[tuple[int, float]]
) -> np.ndarray:
    """Block column lower bounds raised to the block-end SOC floors ``[(column, least SOC
    [MWh])]`` that the columns' upper bounds allow."""
    lo_c = lower.copy()
    where = {int(c): i for i, c in enumerate(cols)}
    for c, floor in floors:
        i = where.get(c)
        if i is not None and floor <= upper[i]:
            lo_c[i] = max(lo_c[i], floor)
    return lo_c


def _run_block(h: Any, label: str, plain_lower: np.ndarray | None, upper: np.ndarray) -> None:
    """Run the block LP in ``h``; when it is not Optimal and ``plain_lower`` is given (the block
    has SOC floors, which may be out of reach), run it again with those lower bounds.

    Raises
    ------
    RuntimeError
        When the block is not solved to optimality.
    """
    run_in_scheduler(h)
    status = h.modelStatusToString(h.getModelStatus())
    if status != "Optimal" and plain_lower is not None:
        n = len(upper)
        h.changeColsBounds(n, np.arange(n, dtype=np.int32), plain_lower, upper)
        run_in_scheduler(h)
        status = h.modelStatusToString(h.getModelStatus())
    if status != "Optimal":
        msg = f"{label}: HiGHS ended with '{status}'"
        raise RuntimeError(msg)


def block_start(
    sf: LinearProgram,
    col_interval: np.ndarray,
    plan: BlockPlan,
    soc_end_cols: dict[int, list[tuple[int, float]]],
    opts: dict[str, Any],
    *,
    levels: list[coarse.LevelMap] | None = None,
    basis_options: dict[str, Any] | None = None,
) -> BlockStart:
    """Solve the blocks of ``plan`` in turn and assemble a start for the full LP ``sf``.

    Parameters
    ----------
    sf : optimizer.solver.standard_form.StandardForm
        The full LP: ``cost``, ``col_lower``, ``col_upper``, ``row_lower``, ``row_upper``
        (``inf`` where unbounded) and the matrix ``a`` (rows x columns, CSC); read, not changed.
    col_interval : numpy.ndarray
        Interval of each column, -1 for none (:func:`scan_columns`).
    plan : BlockPlan
        The blocks.
    soc_end_cols : dict
        Block -> [(column, least value)]: the block-end SOC floors [MWh].
    opts : dict
        HiGHS options for the block solves.
    levels : list of optimizer.solver.warmstart.coarse.LevelMap, optional
        Coarse levels of the full LP (:func:`optimizer.solver.warmstart.coarse.coarse_maps`):
        each block is then started from its own coarse warm start
        (:func:`optimizer.solver.warmstart.coarse.coarse_start` on the block's LP), and solved
        cold if that fails.
    basis_options : dict, optional
        HiGHS options of a solve from a lifted basis, needed with ``levels``
        (:data:`optimizer.solver.strategy.FINAL_OPTIONS`).

    Raises
    ------
    RuntimeError
        When a block's LP is not solved to optimality.
    """
    t0 = time.perf_counter()
    a_csc = sp.csc_matrix(sf.a)
    n_row, n_col = a_csc.shape
    nb = plan.n_blocks
    col_block = np.where(col_interval >= 0, plan.block_of_t[np.clip(col_interval, 0, None)], -1)
    a_csr = a_csc.tocsr()
    first, last = column_spans(a_csr, a_csc, col_block, nb)
    row_first, row_last = _row_spans(a_csr, first, last)

    cost = np.asarray(sf.cost, dtype=float)
    col_lo = np.asarray(sf.col_lower, dtype=float)
    col_hi = np.asarray(sf.col_upper, dtype=float)
    row_lo = np.asarray(sf.row_lower, dtype=float)
    row_hi = np.asarray(sf.row_upper, dtype=float)

    x = np.zeros(n_col)
    col_status = np.full(n_col, LOWER, dtype=np.int8)
    row_status = np.full(n_row, BASIC, dtype=np.int8)  # rows of no block (empty rows): slack basic
    iterations = 0
    for k in range(nb):
        cols = np.flatnonzero((first <= k) & (last >= k))
        rows = np.flatnonzero((row_first <= k) & (row_last >= k))
        fixed = np.flatnonzero(last < k)
        a_rows = a_csr[rows]
        a_sub = a_rows[:, cols].tocsc()
        shift = a_rows[:, fixed] @ x[fixed] if len(fixed) else np.zeros(len(rows))
        hi_c = col_hi[cols].copy()
        lo_c = _with_floors(col_lo[cols], hi_c, cols, soc_end_cols.get(k, []) if k < nb - 1 else [])
        block_lp = LpArrays(
            a_sub, cost[cols], lo_c, hi_c, row_lo[rows] - shift, row_hi[rows] - shift
        )
        h = new_highs(opts)
        h.passModel(highs_lp(import_highspy(), block_lp))
        if levels:
            block_levels = [coarse.restrict(lv, cols, rows) for lv in levels]
            iterations += _coarse_block_start(h, block_lp, block_levels, opts, basis_options or {})
        floored = k < nb - 1 and bool(soc_end_cols.get(k))
        _run_block(h, f"block {k} of {nb}", col_lo[cols] if floored else None, hi_c)
        iterations += int(h.getInfo().simplex_iteration_count)
        x[cols] = np.asarray(h.getSolution().col_value, dtype=float)
        cs, rs = basis_statuses(h, len(cols), len(rows))
        # a column held at an artificial SOC floor keeps its nonbasic status: each block's basis
        # stays square, so the full basis is square and block lower-triangular, and its duals are
        # each block's duals corrected by the later blocks' (measured: 937 dual infeasibilities
        # at the start against 57,536 when the column was made basic, year at 1 h)
        col_status[cols] = cs
        row_status[rows] = rs
    n_basic = int(np.sum(col_status == BASIC) + np.sum(row_status == BASIC))
    return BlockStart(
        col_value=x,
        col_status=col_status,
        row_status=row_status,
        n_blocks=nb,
        blocks_s=time.perf_counter() - t0,
        block_iterations=iterations,
        n_basic_minus_rows=n_basic - n_row,
    )
