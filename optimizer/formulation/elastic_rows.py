"""Elastic rows: a non-negative slack on each row of named constraint families.

Used by the infeasibility explanation (:mod:`optimizer.run.explain`: which limit, where, by
how much) and by rolling operation's re-plans (:mod:`optimizer.operation.elastic`: the least MW
broken). A ``<=`` row ``body <= hi`` becomes ``body - s <= hi``; a ``>=`` row
``body >= lo`` becomes ``body + s >= lo``; ``s >= 0`` is in the row's unit (MW or MWh).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pyomo.core as pyo


def relax_rows(
    m: pyo.ConcreteModel, names: Iterable[str], *, one_sided: bool = False
) -> list[tuple[str, Any, pyo.Var]]:
    """Give every row of the families ``names`` a slack on ``m.elastic`` (created if absent).

    Parameters
    ----------
    m : pyomo.environ.ConcreteModel
        A built dispatch model.
    names : iterable of str
        Constraint components to relax; names the model does not have are skipped.
    one_sided : bool
        Refuse a ranged or equality row (``ValueError``) instead of relaxing its upper side.

    Returns
    -------
    list of (name, key, slack)
        One entry per relaxed row, in the families' order.
    """
    if not hasattr(m, "elastic"):
        m.elastic = pyo.Block()
    out: list[tuple[str, Any, pyo.Var]] = []
    for name in names:
        con = getattr(m, name, None)
        if con is None:
            continue
        keys = list(con.keys())
        s = pyo.Var(keys, domain=pyo.NonNegativeReals)
        m.elastic.add_component(f"slack_{name}", s)
        for k in keys:
            c = con[k]
            lo, body, hi = c.lower, c.body, c.upper
            if one_sided and (lo is None) == (hi is None):
                msg = f"{name}[{k}] is not a one-sided row; expected a <= or >= row"
                raise ValueError(msg)
            if hi is not None:
                c.set_value((None, body - s[k], hi) if lo is None else (None, body - s[k], hi))
            else:
                c.set_value((lo, body + s[k], None))
            out.append((name, k, s[k]))
    return out


def relax_import_cap(m: pyo.ConcreteModel, cap_mw: np.ndarray) -> list[tuple[str, Any, pyo.Var]]:
    """Move the finite import caps (bounds on ``grid_import_mw``) into rows ``g <= cap + s``.

    Parameters
    ----------
    m : pyomo.environ.ConcreteModel
        A built dispatch model.
    cap_mw : numpy.ndarray
        The import cap of every interval [MW] (``ModelData.import_limit_mw``).

    Returns
    -------
    list of ("import_cap", t, slack)
        One entry per interval with a finite cap.
    """
    if not hasattr(m, "elastic"):
        m.elastic = pyo.Block()
    cap = np.asarray(cap_mw, dtype=float)
    ts = [t for t in m.T if np.isfinite(cap[t])]
    if not ts:
        return []
    m.elastic.slack_import_cap = pyo.Var(ts, domain=pyo.NonNegativeReals)
    for t in ts:
        m.grid_import_mw[t].setub(None)
    m.elastic.import_cap = pyo.Constraint(
        ts, rule=lambda b, t: m.grid_import_mw[t] <= float(cap[t]) + b.slack_import_cap[t]
    )
    return [("import_cap", t, m.elastic.slack_import_cap[t]) for t in ts]
