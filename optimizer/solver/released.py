"""Release a large model's variables while HiGHS solves; read the solution back as arrays.

A year at 15 min holds about 170 MB of Pyomo variables (and their Params) that nothing needs
while HiGHS solves: the LP is HiGHS's by then. :func:`release_variables` keeps, for every Var
component, the column of each of its entries (a column map) and deletes the components;
:func:`fill_solution` turns HiGHS's column values into one array per variable, kept on the
model; :func:`solution_values` reads them (:mod:`optimizer.results.extract` does). The Sets
stay, so ``m.B`` and ``m.T`` still answer.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyomo.core as pyo

from optimizer.solver.sparse import sp
from optimizer.solver.standard_form import StandardForm, return_free_memory

__all__ = [
    "ReleasedSolution",
    "fill_solution",
    "map_large_blocks",
    "release_arrays",
    "release_variables",
    "solution_values",
]

_ATTR = "_released_solution"  # where the model keeps its ReleasedSolution (not a component)


@dataclass
class ReleasedSolution:
    """The variables of a released model: where each entry sits in the LP, then its value.

    Attributes
    ----------
    keys : dict
        Var component name -> its index keys, in the component's order (its index set when
        the entries follow it, else a list) [-].
    columns : dict
        Var component name -> the LP column of each entry, -1 for an entry in no row and not
        in the objective [-].
    fill : dict
        Var component name -> the value of each entry outside the LP: its bound nearest zero,
        as :func:`optimizer.solver.standard_form.load_values` sets it [model units].
    values : dict
        Var component name -> the value of each entry, once :func:`fill_solution` ran
        [model units].
    """

    keys: dict[str, Iterable[Any]] = field(default_factory=dict)
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    fill: dict[str, np.ndarray] = field(default_factory=dict)
    values: dict[str, np.ndarray] = field(default_factory=dict)


def _nearest_zero(v: Any) -> float:
    """The value in ``v``'s bounds nearest zero (0 when unbounded) [model units]."""
    lo = v.lb if v.lb is not None else 0.0
    hi = v.ub if v.ub is not None else 0.0
    return float(min(max(0.0, lo), hi))


def _keys(var: Any) -> Iterable[Any]:
    """``var``'s index keys in its order: its index set when the entries follow it (no copy)."""
    if not var.is_indexed():
        return [None]
    idx = var.index_set()
    if len(idx) == len(var) and all(a == b for a, b in zip(var.keys(), idx, strict=True)):
        return idx
    return list(var.keys())


def release_variables(m: pyo.ConcreteModel, columns: list[Any]) -> ReleasedSolution:
    """Map every variable of ``m`` to its LP column, then delete its Var and Param components.

    Call it once the LP is in HiGHS and nothing needs the variables (the rows are released,
    the warm starts' column scans are done). The freed memory goes back to the operating
    system (glibc ``malloc_trim``).

    Parameters
    ----------
    m : pyomo.environ.ConcreteModel
        The model the LP was compiled from.
    columns : list
        Its LP's variables, in column order (``StandardForm.columns``); the caller drops it.

    Returns
    -------
    ReleasedSolution
        The column map, also kept on ``m`` for :func:`fill_solution` and
        :func:`solution_values`.
    """
    col_of = {id(v): j for j, v in enumerate(columns)}
    out = ReleasedSolution()
    for var in m.component_objects(pyo.Var, active=True, descend_into=True):
        name = var.getname(fully_qualified=True)
        entries = list(var.values())
        cols = np.fromiter((col_of.get(id(v), -1) for v in entries), np.int64, len(entries))
        fill = np.zeros(len(cols))
        for i in np.flatnonzero(cols < 0).tolist():
            fill[i] = _nearest_zero(entries[i])
        del entries
        out.keys[name], out.columns[name], out.fill[name] = _keys(var), cols, fill
    del col_of
    kinds = (pyo.Var, pyo.Param)
    for comp in list(m.component_objects(kinds, descend_into=True)):
        comp.parent_block().del_component(comp)
    setattr(m, _ATTR, out)
    gc.collect()
    return_free_memory()
    return out


def release_arrays(sf: StandardForm) -> None:
    """Empty the arrays of ``sf`` once HiGHS holds its LP and the warm start is made (about
    30 MB at a year at 15 min), and give the freed memory back to the operating system: the
    warm start's own HiGHS instances leave about 70 MB in glibc's free lists.

    ``sf`` keeps its shape: ``a`` becomes an empty matrix of the same shape.
    """
    n_row, n_col = sf.a.shape
    sf.a = sp.csc_matrix((n_row, n_col))
    empty = np.zeros(0)
    sf.cost = sf.col_lower = sf.col_upper = sf.row_lower = sf.row_upper = empty
    return_free_memory()


_M_MMAP_THRESHOLD = -3  # glibc mallopt parameter
_MMAP_THRESHOLD_BYTES = 1 << 20


def map_large_blocks() -> None:
    """Have glibc serve every allocation of 1 MiB or more with its own ``mmap`` from now on.

    By default glibc raises that threshold (up to 32 MiB) each time such a block is freed, and
    larger blocks then come from its heaps, where freed space stays resident: HiGHS's
    vectors, grown and freed during a large solve, then add to the process's peak. Fixed at
    1 MiB, a freed vector goes back to the operating system at once. Measured at a year at
    15 min (``benchmarks/mem_year.py``): peak RSS about 60 MB lower at the same time. This is a
    setting of the process's allocator and stays for the rest of the process (glibc cannot
    restore its sliding threshold); blocks under 1 MiB (a year's column of a DataFrame, for
    one) are not affected. A no-op off glibc.
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_BYTES)


def fill_solution(m: pyo.ConcreteModel, x: np.ndarray) -> None:
    """Put the LP's column values ``x`` [model units] into the released variables of ``m``."""
    sol: ReleasedSolution = getattr(m, _ATTR)
    for name, cols in sol.columns.items():
        sol.values[name] = np.where(cols >= 0, x[np.clip(cols, 0, None)], sol.fill[name])


def solution_values(m: pyo.ConcreteModel) -> ReleasedSolution | None:
    """The released variables of ``m`` and their values; None when ``m`` keeps its variables."""
    return getattr(m, _ATTR, None)
