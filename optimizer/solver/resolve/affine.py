"""The LP of a mutable model as an affine function of its data, pushed straight to HiGHS.

A model built with ``build_model(..., mutable=True)`` reads every number that may change
between scenarios of one structure through a getter (:mod:`optimizer.formulation.params`).
Each number of its standard form (objective coefficients, row bounds, variable bounds and the
few matrix coefficients that hold a Param) is an affine function of those getters' values::

    cost = c0 + Jc p      row bound = r0 + Jr p      coefficient = a0 + Ja p

where ``p`` stacks every getter's values. :class:`AffineLp` finds ``c0, Jc, ...`` once per
built model (each Param-dependent number is probed by moving its Params by one step,
max(1, |value|), and checked to be affine; the whole map is then checked against Pyomo's own
compilation of the model),
so a warm re-solve costs a few numpy operations and the ``changeColsCost``,
``changeColsBounds``, ``changeRowsBounds`` and ``changeCoeff`` calls for the numbers that
moved, on a ``highspy.Highs`` instance that keeps its basis. Pyomo is not walked again.

The few numbers that are not affine in their Params (the first SOC row holds retention x
initial SOC) are kept as Pyomo expressions and evaluated from ``p`` at each update. When the
map does not reproduce Pyomo's compilation of the model, :meth:`AffineLp.build` returns None
and the caller uses Pyomo's persistent interface instead.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyomo.core as pyo
from pyomo.common.numeric_types import native_numeric_types
from pyomo.core.expr.numeric_expr import (
    DivisionExpression,
    NegationExpression,
    ProductExpression,
    SumExpression,
)
from pyomo.core.expr.visitor import identify_mutable_parameters
from pyomo.repn import generate_standard_repn

from optimizer.formulation.model_data import ModelData
from optimizer.formulation.params import sources
from optimizer.solver.highs import highs_instance, run_highs
from optimizer.solver.sparse import sp
from optimizer.solver.standard_form import StandardForm, load_values, standard_form
from optimizer.solver.status import SolveReport, SolveStatus, TerminationCondition, WarmStartReport

logger = logging.getLogger(__name__)

_RTOL = 1e-9


@dataclass
class _Affine:
    """``values = base + jac @ p`` for a set of positions; the few numbers that are not affine
    in their Params (the initial-SOC row's retention x initial SOC, say) are evaluated by
    Pyomo from ``p`` (``exprs``: index, expression, its Params and their places in ``p``, sign)."""

    positions: np.ndarray
    base: np.ndarray
    jac: sp.csr_matrix
    exprs: list[tuple[int, Any, list[tuple[Any, int]], float]]

    def at(self, p: np.ndarray) -> np.ndarray:
        """The values at the Param vector ``p`` [the numbers' units]."""
        v = self.base + self.jac @ p
        for k, expr, qs, sign in self.exprs:
            for q, j in qs:
                q.set_value(float(p[j]))
            v[k] = sign * float(pyo.value(expr))
        return v


class _Probe:
    """Collects Param-dependent expressions and turns them into an :class:`_Affine` map."""

    def __init__(self, index: dict[int, int], n_params: int) -> None:
        self.index = index
        self.n_params = n_params
        self.pos: list[int] = []
        self.const: list[float] = []
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []
        self.exprs: list[tuple[int, Any, list[tuple[Any, int]], float]] = []
        self.ok = True

    def add(self, position: int, expr: Any, sign: float = 1.0) -> None:
        """Record ``sign * expr`` at ``position`` (``expr`` holds at least one mutable Param)."""
        lin = _linear(expr)
        if lin is not None:  # read off the expression tree: no evaluation needed
            const, terms = lin
            k = len(self.pos)
            self.pos.append(position)
            self.const.append(sign * const)
            for q, c in terms:
                if c != 0.0:
                    self.rows.append(k)
                    self.cols.append(self.index[id(q)])
                    self.vals.append(sign * c)
            return
        params = list(identify_mutable_parameters(expr))
        v0 = float(pyo.value(expr))
        slope: list[tuple[int, float]] = []
        saved = [float(q.value) for q in params]
        steps = [max(1.0, abs(s)) for s in saved]  # a step that moves even a 1e30 "no bound" value
        try:
            for q, s, h in zip(params, saved, steps, strict=True):
                q.set_value(s + h)
                slope.append((self.index[id(q)], (float(pyo.value(expr)) - v0) / h))
                q.set_value(s)
            for q, s, h in zip(params, saved, steps, strict=True):
                q.set_value(s + h)
            v1 = float(pyo.value(expr))
            for q, s, h in zip(params, saved, steps, strict=True):
                q.set_value(s + 2.0 * h)
            v2 = float(pyo.value(expr))
        finally:
            for q, s in zip(params, saved, strict=True):
                q.set_value(s)
        total = sum(d * h for (_, d), h in zip(slope, steps, strict=True))
        scale = 1.0 + abs(v0) + abs(total)
        k = len(self.pos)
        if abs(v1 - v0 - total) > _RTOL * scale or abs(v2 - v1 - total) > _RTOL * scale:
            # not affine in its Params (a product of Params): evaluated by Pyomo at each update
            self.pos.append(position)
            self.const.append(0.0)
            self.exprs.append((k, expr, [(q, self.index[id(q)]) for q in params], sign))
            return
        self.pos.append(position)
        self.const.append(sign * (v0 - sum(d * s for (_, d), s in zip(slope, saved, strict=True))))
        for j, d in slope:
            if d != 0.0:
                self.rows.append(k)
                self.cols.append(j)
                self.vals.append(sign * d)

    def affine(self) -> _Affine:
        """The map of every recorded position."""
        n = len(self.pos)
        jac = sp.csr_matrix((self.vals, (self.rows, self.cols)), shape=(n, self.n_params))
        return _Affine(
            np.asarray(self.pos, dtype=np.int64),
            np.asarray(self.const, dtype=float),
            jac,
            self.exprs,
        )


def _linear(e: Any) -> tuple[float, list[tuple[Any, float]]] | None:
    """``e`` as ``const + sum(coef * Param)`` when its tree is sums, negations, divisions by
    numbers and products with one numeric side; None otherwise (then it is probed numerically)."""
    if type(e) in native_numeric_types:
        return float(e), []
    if e.is_parameter_type():
        return (
            (0.0, [(e, 1.0)]) if not e.is_constant() else (float(pyo.value(e)), [])
        )  # mutable Params are not constant
    if not e.is_expression_type():
        return None
    args = e.args
    if isinstance(e, NegationExpression):
        r = _linear(args[0])
        return None if r is None else (-r[0], [(q, -c) for q, c in r[1]])
    if isinstance(e, SumExpression):
        const, terms = 0.0, []
        for a in args:
            r = _linear(a)
            if r is None:
                return None
            const += r[0]
            terms += r[1]
        return const, terms
    if isinstance(e, (ProductExpression, DivisionExpression)):
        a, b = _linear(args[0]), _linear(args[1])
        if a is None or b is None:
            return None
        if isinstance(e, DivisionExpression):
            if b[1] or b[0] == 0.0:
                return None
            return a[0] / b[0], [(q, c / b[0]) for q, c in a[1]]
        if not a[1]:
            return a[0] * b[0], [(q, a[0] * c) for q, c in b[1]]
        if not b[1]:
            return a[0] * b[0], [(q, b[0] * c) for q, c in a[1]]
        return None  # a product of two Params
    return None


def _has_params(expr: Any) -> bool:
    if expr is None or type(expr) in native_numeric_types:
        return False
    lin = _linear(expr)
    if lin is not None:
        return bool(lin[1])
    return next(iter(identify_mutable_parameters(expr)), None) is not None


@dataclass
class _Bounds:
    """Column bounds set by :func:`~optimizer.formulation.params.set_bounds` getters."""

    getter: Any
    n_keys: int
    key_pos: np.ndarray  # which of the getter's keys are columns
    cols: np.ndarray  # their columns
    dom_lo: np.ndarray
    dom_hi: np.ndarray


class AffineLp:
    """The standard form of one mutable model as an affine function of its data.

    Use :meth:`build`; then :meth:`vectors` gives the LP numbers for another scenario's
    :class:`ModelData` of the same structure.
    """

    def __init__(
        self,
        sf: StandardForm,
        sources_: Any,
        cost: _Affine,
        offset: _Affine,
        row_lo: _Affine,
        row_hi: _Affine,
        coef: _Affine,
        coef_rc: np.ndarray,
        bounds: list[_Bounds],
    ) -> None:
        self.sf = sf
        self._params = sources_
        self.cost, self.offset, self.row_lo, self.row_hi, self.coef = (
            cost,
            offset,
            row_lo,
            row_hi,
            coef,
        )
        self.coef_rc = coef_rc  # (row, col) of each Param-dependent matrix coefficient
        self.bounds = bounds

    # ---------------------------------------------------------------- build
    @classmethod
    def build(cls, m: pyo.ConcreteModel, sf: StandardForm, data: ModelData) -> AffineLp | None:
        """Probe ``m`` (built mutable from ``data`` and compiled to ``sf``); None if it cannot be
        expressed."""
        params, bound_sources = sources(m)
        index: dict[int, int] = {}
        for src in params:
            items = [src.component] if src.keys is None else [src.component[k] for k in src.keys]
            for q in items:
                index[id(q)] = len(index)
        n_p = len(index)
        col_of = {id(v): j for j, v in enumerate(sf.columns)}

        cost, offset = _Probe(index, n_p), _Probe(index, n_p)
        obj = next(m.component_data_objects(pyo.Objective, active=True))
        repn = generate_standard_repn(obj.expr, compute_values=False, quadratic=False)
        sign = 1.0 if obj.sense == pyo.minimize else -1.0
        for v, c in zip(repn.linear_vars, repn.linear_coefs, strict=True):
            if _has_params(c):
                if id(v) not in col_of:
                    return None
                cost.add(col_of[id(v)], c, sign)
        if _has_params(repn.constant):
            offset.add(0, repn.constant, sign)

        row_lo, row_hi, coef = _Probe(index, n_p), _Probe(index, n_p), _Probe(index, n_p)
        coef_rc: list[tuple[int, int]] = []
        cache: dict[int, Any] = {}
        for i, entry in enumerate(sf.rows):
            con, bt = entry.constraint, entry.bound_type
            key = id(con)
            if key not in cache:
                cache[key] = generate_standard_repn(con.body, compute_values=False, quadratic=False)
            r = cache[key]
            const = r.constant
            bound = con.lower if bt == -1 else con.upper  # an equality's two bounds are the same
            if _has_params(const) or _has_params(bound):
                rhs = (bound if bound is not None else 0.0) - const
                if bt in (1, 0):
                    row_hi.add(i, rhs)
                if bt in (-1, 0):
                    row_lo.add(i, rhs)
            for v, c in zip(r.linear_vars, r.linear_coefs, strict=True):
                if _has_params(c):
                    if id(v) not in col_of:
                        return None
                    coef.add(len(coef_rc), c)
                    coef_rc.append((i, col_of[id(v)]))
        if not (cost.ok and offset.ok and row_lo.ok and row_hi.ok and coef.ok):
            logger.info(
                "warm LP: a number is not affine in its Params; using the persistent interface"
            )
            return None

        bounds: list[_Bounds] = []
        for b in bound_sources:
            vs = [b.var[k] for k in b.keys]
            kp = np.array([i for i, v in enumerate(vs) if id(v) in col_of], dtype=np.int64)
            cols = np.array([col_of[id(vs[i])] for i in kp], dtype=np.int64)
            dom = [vs[i].domain.bounds() for i in kp]
            dom_lo = np.array([-np.inf if d[0] is None else d[0] for d in dom], dtype=float)
            dom_hi = np.array([np.inf if d[1] is None else d[1] for d in dom], dtype=float)
            bounds.append(_Bounds(b.getter, len(b.keys), kp, cols, dom_lo, dom_hi))

        lp = cls(
            sf,
            params,
            cost.affine(),
            offset.affine(),
            row_lo.affine(),
            row_hi.affine(),
            coef.affine(),
            np.asarray(coef_rc, dtype=np.int64).reshape(-1, 2),
            bounds,
        )
        if not lp._matches(data):
            logger.info(
                "warm LP: the affine map does not reproduce the compiled model; "
                "using the persistent interface"
            )
            return None
        return lp

    def _matches(self, data: ModelData) -> bool:
        """True when the map reproduces the compiled model's numbers for the data it was built
        from."""
        v = self.vectors(data)
        a = self.sf.a.tocsr()
        coef_now = (
            np.asarray(a[self.coef_rc[:, 0], self.coef_rc[:, 1]]).ravel()
            if len(self.coef_rc)
            else np.zeros(0)
        )
        pairs = (
            (v["cost"], self.sf.cost),
            (v["col_lower"], self.sf.col_lower),
            (v["col_upper"], self.sf.col_upper),
            (v["row_lower"], self.sf.row_lower),
            (v["row_upper"], self.sf.row_upper),
            (v["coef"], coef_now),
            (np.array([v["offset"]]), np.array([self.sf.offset])),
        )
        return all(np.allclose(x, y, rtol=_RTOL, atol=_RTOL, equal_nan=False) for x, y in pairs)

    # ---------------------------------------------------------------- use
    def param_vector(self, data: ModelData) -> np.ndarray:
        """Every Param's value for ``data``, in the order of the map's columns."""
        parts = [src.values(data) for src in self._params]
        return np.concatenate(parts) if parts else np.zeros(0)

    def vectors(self, data: ModelData) -> dict[str, Any]:
        """The LP numbers for ``data``: cost, column and row bounds, Param-dependent
        coefficients and offset."""
        p = self.param_vector(data)
        sf = self.sf
        cost = sf.cost.copy()
        cost[self.cost.positions] = self.cost.at(p)
        row_lo, row_hi = sf.row_lower.copy(), sf.row_upper.copy()
        row_lo[self.row_lo.positions] = self.row_lo.at(p)
        row_hi[self.row_hi.positions] = self.row_hi.at(p)
        col_lo, col_hi = sf.col_lower.copy(), sf.col_upper.copy()
        for b in self.bounds:
            lo, hi = b.getter(data)
            if lo is not None:
                col_lo[b.cols] = np.maximum(
                    b.dom_lo, np.broadcast_to(np.asarray(lo, dtype=float), (b.n_keys,))[b.key_pos]
                )
            if hi is not None:
                col_hi[b.cols] = np.minimum(
                    b.dom_hi, np.broadcast_to(np.asarray(hi, dtype=float), (b.n_keys,))[b.key_pos]
                )
        offset = float(self.offset.at(p)[0]) if len(self.offset.positions) else sf.offset
        return {
            "cost": cost,
            "row_lower": row_lo,
            "row_upper": row_hi,
            "col_lower": col_lo,
            "col_upper": col_hi,
            "coef": self.coef.at(p),
            "offset": offset,
        }


class DirectWarm:
    """One model structure on one ``highspy.Highs`` instance, re-solved warm from the last basis.

    Parameters
    ----------
    m : ConcreteModel
        Built with ``mutable=True``.
    lp : AffineLp
        Its affine map.
    opts : dict
        HiGHS options.
    """

    def __init__(
        self, m: pyo.ConcreteModel, lp: AffineLp, opts: dict[str, Any], data: ModelData
    ) -> None:
        self.m, self.lp = m, lp
        self.h = highs_instance(lp.sf, opts, offset_usd=lp.sf.offset, integer=lp.sf.integer)
        self._last = lp.vectors(data)
        self._opts = dict(opts)
        self.n_changed = 0
        self.update_s = 0.0

    @classmethod
    def build(
        cls, m: pyo.ConcreteModel, data: ModelData, opts: dict[str, Any]
    ) -> DirectWarm | None:
        """Compile ``m`` (built mutable from ``data``), probe its affine map and load it into
        HiGHS; None when the map does not hold or the model has integer variables."""
        sf = standard_form(m)
        if sf.integer.any():
            return None
        lp = AffineLp.build(m, sf, data)
        return None if lp is None else cls(m, lp, opts, data)

    def update(self, data: ModelData, opts: dict[str, Any] | None = None) -> int:
        """Push the numbers of ``data`` (and any changed HiGHS option) that differ from the last
        solve; return how many numbers moved [-]."""
        t0 = time.perf_counter()
        for k, v in (opts or {}).items():
            if self._opts.get(k) != v:
                self.h.setOptionValue(k, v)
                self._opts[k] = v
        new = self.lp.vectors(data)
        old = self._last
        h = self.h
        n = 0
        idx = np.flatnonzero(new["cost"] != old["cost"])
        if len(idx):
            h.changeColsCost(len(idx), idx.astype(np.int32), new["cost"][idx])
            n += len(idx)
        idx = np.flatnonzero(
            (new["col_lower"] != old["col_lower"]) | (new["col_upper"] != old["col_upper"])
        )
        if len(idx):
            h.changeColsBounds(
                len(idx), idx.astype(np.int32), new["col_lower"][idx], new["col_upper"][idx]
            )
            n += len(idx)
        idx = np.flatnonzero(
            (new["row_lower"] != old["row_lower"]) | (new["row_upper"] != old["row_upper"])
        )
        if len(idx):
            h.changeRowsBounds(
                len(idx), idx.astype(np.int32), new["row_lower"][idx], new["row_upper"][idx]
            )
            n += len(idx)
        for k in np.flatnonzero(new["coef"] != old["coef"]):
            r, c = self.lp.coef_rc[k]
            h.changeCoeff(int(r), int(c), float(new["coef"][k]))
            n += 1
        if new["offset"] != old["offset"]:
            h.changeObjectiveOffset(float(new["offset"]))
            n += 1
        self._last = new
        self.n_changed = n
        self.update_s = time.perf_counter() - t0
        return n

    def solve(self) -> tuple[SolveStatus, TerminationCondition, str, float | None, float, int]:
        """Run HiGHS and load the values into the model: status, termination, HiGHS status text,
        objective [USD], solve seconds [s], simplex iterations [-]."""
        status, term, raw, x, objective, solve_s = run_highs(self.h)
        if x is None:
            self.h.clearSolver()  # do not start the next case from a failed state
        if x is not None:
            load_values(self.m, self.lp.sf, x)
        return status, term, raw, objective, solve_s, int(self.h.getInfo().simplex_iteration_count)

    def solve_report(self, opts: dict[str, Any], *, warm: bool, handoff_s: float) -> SolveReport:
        """:meth:`solve`, reported.

        Parameters
        ----------
        opts : dict
            The HiGHS options in force.
        warm : bool
            The model was kept from an earlier scenario (:meth:`update` pushed the changes).
        handoff_s : float
            Seconds of the compile and affine map (a first solve) [s]; the update's are added.

        Returns
        -------
        SolveReport
            Of the ``direct-warm`` interface.
        """
        status, term, raw, objective, solve_s, iterations = self.solve()
        sf = self.lp.sf
        return SolveReport(
            status=status,
            termination=term,
            solver=f"HiGHS {self.h.version()}",
            interface="direct-warm",
            algorithm=str(opts.get("solver", "choose")),
            objective_usd=objective,
            handoff_s=handoff_s + self.update_s,
            solve_s=solve_s,
            n_variables=len(sf.columns),
            n_constraints=len(sf.rows),
            n_nonzeros=int(sf.a.nnz),
            simplex_iterations=iterations,
            raw_status=raw,
            warm_start=WarmStartReport(
                warm=warm,
                n_changed=self.n_changed,
                note="hand-off = compile + affine map (cold) or the pushed changes (warm)",
            ),
        )
