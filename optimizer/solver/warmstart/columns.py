"""Which interval each column or row of the LP belongs to.

Both warm starts cut the LP by time: the coarse start merges the columns and rows of a group
of intervals (:mod:`optimizer.solver.warmstart.coarse`), the block start solves calendar
months in turn (:mod:`optimizer.solver.warmstart.blocks`). An item (a Pyomo variable or
constraint data object) has an interval when its component is indexed by the model's interval
set ``T``, alone or as one factor of a product set such as ``B x T``.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def interval_position(comp: Any) -> int | None:
    """Where ``T`` sits in the index of the Pyomo component ``comp``.

    Parameters
    ----------
    comp : pyomo component
        A Var or Constraint of a model with an interval set ``T``.

    Returns
    -------
    int or None
        -1 when ``comp`` is indexed by ``T`` alone, the factor's position in a product set,
        or None when ``T`` is not an index of ``comp``.
    """
    if not comp.is_indexed():
        return None
    big_t = getattr(comp.model(), "T", None)
    if big_t is None:
        return None
    s = comp.index_set()
    if s is big_t:
        return -1
    subsets = list(s.subsets()) if hasattr(s, "subsets") else []
    if len(subsets) > 1:
        for i, sub in enumerate(subsets):
            if sub is big_t:
                return i
    return None


def item_intervals(items: list[Any], n_intervals: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Component code, interval and non-interval index code of every item.

    The index code tells apart, e.g., the battery groups of ``soc_mwh[b, t]``.

    Parameters
    ----------
    items : list
        Pyomo component data objects (columns or constraints).
    n_intervals : int
        Length of ``T`` [-].

    Returns
    -------
    tuple of numpy.ndarray
        Component code, interval (-1 for none) and non-interval index code of each item [-].
    """
    n = len(items)
    t_of = np.full(n, -1, dtype=np.int64)
    rest_code = np.zeros(n, dtype=np.int64)
    if n == 0:
        return np.zeros(0, dtype=np.int64), t_of, rest_code
    parents = [item.parent_component() for item in items]
    ids = np.fromiter(map(id, parents), dtype=np.int64, count=n)
    _, first, comp_code = np.unique(ids, return_index=True, return_inverse=True)
    comp_code = np.ravel(comp_code).astype(np.int64)
    # the index each data object keeps (Pyomo's ComponentData._index; .index() looks it up again)
    idxs = [getattr(item, "_index", None) for item in items]
    positions = [interval_position(parents[j]) for j in first.tolist()]
    for code, j0 in enumerate(first.tolist()):
        if positions[code] is not None and parents[j0][idxs[j0]] is not items[j0]:
            idxs = [item.index() for item in items]  # not the layout assumed: ask Pyomo
            break
    pos_of_code = np.array([-2 if p is None else p for p in positions], dtype=np.int64)
    item_pos = pos_of_code[comp_code]
    single = np.flatnonzero(item_pos == -1)  # indexed by T alone: the index is the interval
    if len(single):
        ts = np.fromiter(
            (idxs[j] if type(idxs[j]) is int else -1 for j in single.tolist()),
            dtype=np.int64,
            count=len(single),
        )
        t_of[single] = np.where((ts >= 0) & (ts < n_intervals), ts, -1)
    n_rest = 0
    for code, p in enumerate(positions):
        if p is None or p == -1:
            continue
        members = np.flatnonzero(comp_code == code)
        keys = [idxs[j] for j in members.tolist()]
        ts = np.fromiter(
            (k[p] if type(k[p]) is int else -1 for k in keys), dtype=np.int64, count=len(keys)
        )
        rests: dict[Any, int] = {}
        codes = np.fromiter(
            (rests.setdefault((k[:p], k[p + 1 :]), len(rests)) for k in keys),
            dtype=np.int64,
            count=len(keys),
        )
        ok = (ts >= 0) & (ts < n_intervals)
        t_of[members[ok]] = ts[ok]
        rest_code[members] = codes + n_rest
        n_rest += len(rests)
    return comp_code, t_of, rest_code


def compress_keys(keys: np.ndarray) -> np.ndarray:
    """One integer code per distinct row of the integer key matrix ``keys``.

    Parameters
    ----------
    keys : numpy.ndarray
        Integer keys, shape (n, k).

    Returns
    -------
    numpy.ndarray
        Codes, shape (n,): equal rows get equal codes [-].
    """
    keys = np.asarray(keys, dtype=np.int64)
    code = np.zeros(len(keys), dtype=np.int64)
    size = 1
    for column in keys.T:  # mixed radix over the columns' own codes, re-coded when it grows
        values, inverse = np.unique(column, return_inverse=True)
        code = code * len(values) + np.ravel(inverse)
        size *= len(values)
        if size > 2**40:
            values, code = np.unique(code, return_inverse=True)
            code = np.ravel(code).astype(np.int64)
            size = len(values)
    return code
