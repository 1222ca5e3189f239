"""The LP of a Pyomo model as arrays, values back into the model, and releasing its rows.

:func:`standard_form` compiles the model to its mixed standard form (equality, ``<=`` and
``>=`` rows kept as such) with :func:`optimizer.solver.linear_compile.compile_linear`, which
gives exactly what Pyomo's ``LinearStandardFormCompiler`` gives, two to three times as fast; a
model outside its fast path (a fixed variable, a ranged row) goes through Pyomo's compiler.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyomo.core as pyo
from pyomo.common.gc_manager import PauseGC
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from optimizer.solver.linear_compile import NotCompiled, compile_linear
from optimizer.solver.sparse import sp  # noqa: F401  (scipy.sparse at import, not in the hand-off timer)

logger = logging.getLogger(__name__)


@dataclass
class StandardForm:
    """The LP of a Pyomo model as arrays (mixed form, as Pyomo's ``LinearStandardFormCompiler``).

    Attributes
    ----------
    columns : list
        The Pyomo variables, in column order.
    rows : list
        ``RowEntry(constraint, bound_type)`` in row order (1: ``<=``, -1: ``>=``, 0: ``=``).
    cost, col_lower, col_upper, row_lower, row_upper : numpy.ndarray
        Objective coefficients and bounds (``inf`` where unbounded), in model units.
    a : scipy.sparse.csc_matrix
        The constraint matrix.
    offset : float
        The objective's constant [USD].
    integer : numpy.ndarray
        True for integer columns.
    dropped : list or None
        Variables in no row and not in the objective (found on the first :func:`load_values`).
    """

    columns: list[Any]
    rows: list[Any]
    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    a: Any
    offset: float
    integer: np.ndarray
    dropped: list[Any] | None = None


def standard_form(m: pyo.ConcreteModel) -> StandardForm:
    """Compile ``m`` to arrays (no solver involved).

    Parameters
    ----------
    m : pyomo.environ.ConcreteModel
        A linear model (continuous or with integer variables).

    Returns
    -------
    StandardForm
        Its LP.
    """
    inf = np.inf
    with PauseGC():
        try:
            info: Any = compile_linear(m)  # the same LP as Pyomo's compiler, faster
        except NotCompiled as exc:
            logger.debug("Pyomo's standard-form compiler: %s", exc)
            info = LinearStandardFormCompiler().write(m, mixed_form=True)
    cols = info.columns
    n_col, n_row = len(cols), len(info.rows)
    bounds = np.array([v.bounds for v in cols], dtype=float).reshape(n_col, 2)  # None -> nan
    kinds = np.fromiter((r.bound_type for r in info.rows), dtype=np.int8, count=n_row)
    rhs = np.asarray(info.rhs, dtype=float)
    return StandardForm(
        columns=list(cols),
        rows=list(info.rows),
        cost=np.asarray(info.c.toarray()).ravel() if n_col else np.zeros(0),
        col_lower=np.where(np.isnan(bounds[:, 0]), -inf, bounds[:, 0]),
        col_upper=np.where(np.isnan(bounds[:, 1]), inf, bounds[:, 1]),
        row_lower=np.where(kinds == 1, -inf, rhs),
        row_upper=np.where(kinds == -1, inf, rhs),
        a=info.A.tocsc(),
        offset=float(info.c_offset[0]) if len(info.c_offset) else 0.0,
        integer=np.fromiter((v.is_integer() for v in cols), dtype=bool, count=n_col),
    )


def load_values(m: pyo.ConcreteModel, sf: StandardForm, x: np.ndarray) -> None:
    """Put the column values ``x`` into the model's variables.

    Variables the compiler dropped (no row, no cost) sit at the bound nearest zero.

    Parameters
    ----------
    m : pyomo.environ.ConcreteModel
        The model ``sf`` was compiled from.
    sf : StandardForm
        Its LP.
    x : numpy.ndarray
        Column values, in ``sf.columns`` order [model units].
    """
    if sf.integer.any():
        x = x.copy()
        x[sf.integer] = np.round(x[sf.integer])
    for v, val in zip(sf.columns, x.tolist(), strict=True):
        v.set_value(val, skip_validation=True)
    if sf.dropped is None:
        seen = {id(v) for v in sf.columns}
        sf.dropped = [
            v for v in m.component_data_objects(pyo.Var, active=True) if id(v) not in seen
        ]
    for v in sf.dropped:
        lo = v.lb if v.lb is not None else 0.0
        hi = v.ub if v.ub is not None else 0.0
        v.set_value(min(max(0.0, lo), hi), skip_validation=True)


def release_model_rows(m: pyo.ConcreteModel) -> None:
    """Delete every Constraint, Objective and Expression of ``m`` (keep Vars, Sets, Params).

    The freed memory goes back to the operating system (glibc ``malloc_trim``); a year at
    15 min frees several hundred MB while HiGHS solves. The caller records it
    (``SolveReport.rows_released``).

    Parameters
    ----------
    m : pyomo.environ.ConcreteModel
        The model, already handed to HiGHS.
    """
    kinds = (pyo.Constraint, pyo.Objective, pyo.Expression)
    for comp in list(m.component_objects(kinds, descend_into=True)):
        comp.parent_block().del_component(comp)
    gc.collect()
    return_free_memory()


def return_free_memory() -> None:
    """Give glibc's free memory back to the operating system (``malloc_trim``; elsewhere a
    no-op: the memory stays free for reuse in-process)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
