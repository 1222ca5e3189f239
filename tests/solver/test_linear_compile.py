"""The fast compile (optimizer.solver.linear_compile) gives exactly Pyomo's mixed standard form, on
every scenario family and on hand-made rows of each shape, and steps aside where it cannot."""

from __future__ import annotations

import dataclasses

import numpy as np
import pyomo.environ as pyo
import pytest
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from optimizer import SolveStatus, load_scenario
from optimizer.formulation.build import build_model
from optimizer.formulation.exclusivity import add_exclusivity
from optimizer.formulation.model_data import ModelData
from optimizer.solver.linear_compile import NotCompiled, compile_linear
from optimizer.solver.standard_form import standard_form
from optimizer.testing import make_scenario


def _pyomo(m):
    return LinearStandardFormCompiler().write(m, mixed_form=True)


def assert_same_form(fast, ref) -> None:
    """Same columns (the same Pyomo objects, in order), rows, matrix, cost and bounds."""
    assert len(fast.columns) == len(ref.columns)
    assert all(a is b for a, b in zip(fast.columns, ref.columns, strict=True))
    assert [(r.constraint, r.bound_type) for r in fast.rows] == [
        (r.constraint, r.bound_type) for r in ref.rows
    ]
    a, b = fast.A.tocsc(), ref.A.tocsc()
    a.sort_indices()
    b.sort_indices()
    assert a.shape == b.shape
    np.testing.assert_array_equal(a.indptr, b.indptr)
    np.testing.assert_array_equal(a.indices, b.indices)
    np.testing.assert_allclose(a.data, b.data, rtol=1e-14, atol=0)
    np.testing.assert_allclose(fast.c.toarray(), ref.c.toarray(), rtol=1e-14, atol=0)
    np.testing.assert_allclose(
        np.asarray(fast.rhs, float), np.asarray(ref.rhs, float), rtol=1e-12, atol=1e-9
    )
    np.testing.assert_allclose(fast.c_offset, ref.c_offset, rtol=1e-12, atol=1e-9)


SCENARIOS = {
    "default": (
        "default",
        {"start": "2021-02-01T00:00", "end": "2021-02-03T00:00"},
    ),  # tariff engine
    "grid-stability": (
        "grid-stability",
        {"start": "2021-02-15T00:00", "end": "2021-02-16T00:00", "interval_min": 5},
    ),
    "mlgw-tou": (
        "mlgw-tou",
        {"start": "2021-03-01T00:00", "end": "2021-03-03T00:00", "interval_min": 15},
    ),
    "year-2021": ("year-2021", {"start": "2021-07-01T00:00", "end": "2021-07-03T00:00"}),
}


@pytest.mark.parametrize("mutable", [False, True], ids=["plain", "mutable"])
@pytest.mark.parametrize("key", sorted(SCENARIOS))
def test_every_shipped_scenario_compiles_to_pyomos_form(key, mutable):
    """Plain builds (floats in the rows) and mutable ones (Params, the warm re-solve route)."""
    name, kw = SCENARIOS[key]
    m = build_model(load_scenario(name, **kw), mutable=mutable)
    assert_same_form(compile_linear(m), _pyomo(m))
    sf = standard_form(m)  # and the column bounds the solve route reads
    np.testing.assert_array_equal(
        sf.col_lower, [-np.inf if v.lb is None else v.lb for v in sf.columns]
    )
    np.testing.assert_array_equal(
        sf.col_upper, [np.inf if v.ub is None else v.ub for v in sf.columns]
    )


def test_a_mip_with_exclusivity_rows_compiles_to_pyomos_form():
    sc = make_scenario(
        [5.0, 6.0, 4.0], [-20.0, 30.0, -10.0], export_limit_mw=0.0, demand_charge_usd_per_mw=100.0
    )
    data = ModelData.from_scenario(sc)
    m = build_model(sc, data)
    add_exclusivity(m, data, [("bess", 0), ("bess", 2)])  # float * (1 - z): a product of a sum
    fast = compile_linear(m)
    assert_same_form(fast, _pyomo(m))
    assert any(v.is_integer() for v in fast.columns)


def test_hand_made_rows_of_every_shape():
    """Constant on the left, on the right, on neither side; a product, a negation, a repeated
    variable, a cancelled term, a variable used nowhere (dropped), a >= row."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(3), bounds=(0, 10))
    m.y = pyo.Var()
    m.unused = pyo.Var(range(2))
    m.c1 = pyo.Constraint(expr=m.x[0] + 2 * m.x[1] >= 4.0)  # lb only: a >= row
    m.c2 = pyo.Constraint(expr=m.x[0] - m.x[2] <= 3)
    m.c3 = pyo.Constraint(expr=m.y == 0.5 * (m.x[1] - m.x[2]) + 7)  # variables on both sides
    m.c4 = pyo.Constraint(expr=-(m.x[0] + m.x[0]) + m.y >= m.x[1] - 2.5)
    m.c5 = pyo.Constraint(expr=m.x[1] + m.y - m.y <= 9)  # y cancels: dropped from the row
    m.c6 = pyo.Constraint(expr=m.x[2] == 1.5)
    m.obj = pyo.Objective(expr=3 * m.x[0] + m.y + 2.0 + m.x[2] * 0.5)
    m.sub = pyo.Block()  # a sub-block with its own variable and rows (the elastic re-solve's shape)
    m.sub.s = pyo.Var(["b", "a"], domain=pyo.NonNegativeReals)
    m.sub.r = pyo.Constraint(["b", "a"], rule=lambda b, k: m.x[1] - b.s[k] <= 2.0)
    fast = compile_linear(m)
    assert_same_form(fast, _pyomo(m))
    assert all(v.parent_component() is not m.unused for v in fast.columns)


def test_params_are_read_at_their_current_values():
    """A mutable Param as a coefficient, a factor, a term and a bound: its value now, as
    Pyomo's compiler reads it; a new value gives the new numbers."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(2), bounds=(0, 10))
    m.p = pyo.Param(initialize=2.0, mutable=True)
    m.q = pyo.Param(range(2), initialize={0: 3.0, 1: -1.5}, mutable=True)
    m.c1 = pyo.Constraint(expr=m.p * m.x[0] + m.q[1] * m.x[1] <= 5 + m.p)
    m.c2 = pyo.Constraint(expr=m.q[0] == m.p * (m.x[0] - m.x[1]) + m.q[1])
    m.c3 = pyo.Constraint(expr=m.x[1] * m.q[0] >= m.p**2)
    m.obj = pyo.Objective(expr=m.q[0] * m.x[0] + m.x[1] + m.p)
    assert_same_form(compile_linear(m), _pyomo(m))
    m.p = 4.0
    m.q[1] = 0.5
    fast = compile_linear(m)
    assert_same_form(fast, _pyomo(m))
    assert fast.rhs[0] == pytest.approx(9.0)  # 5 + p


@pytest.mark.parametrize(
    "case",
    ["fixed variable", "ranged row", "no variable", "division", "maximise"],
)
def test_outside_the_fast_path_it_steps_aside_and_the_solve_uses_pyomo(case, monkeypatch):
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(2), bounds=(0, 10))
    m.p = pyo.Param(initialize=2.0, mutable=True)
    m.c = pyo.Constraint(expr=m.x[0] + m.x[1] >= 1)
    sense = pyo.minimize
    if case == "division":  # linear, but a node the fast path does not read
        m.d = pyo.Constraint(expr=(m.x[0] + m.x[1]) / 2.0 <= 5)
    elif case == "fixed variable":
        m.x[1].fix(0.5)
    elif case == "ranged row":
        m.d = pyo.Constraint(expr=pyo.inequality(0, m.x[0], 4))
    elif case == "no variable":
        m.d = pyo.Constraint(expr=m.x[0] - m.x[0] <= 4)
    else:
        sense = pyo.maximize
    m.obj = pyo.Objective(expr=m.x[0] + 2 * m.x[1], sense=sense)
    with pytest.raises(NotCompiled):
        compile_linear(m)
    calls = []
    real = LinearStandardFormCompiler.write
    monkeypatch.setattr(
        LinearStandardFormCompiler,
        "write",
        lambda self, *a, **k: calls.append(1) or real(self, *a, **k),
    )
    sf = standard_form(m)
    assert calls == [1]
    ref = _pyomo(m)
    assert [v.name for v in sf.columns] == [v.name for v in ref.columns]


def test_other_pyomo_internals_step_aside(monkeypatch):
    """A Pyomo whose expressions keep their terms elsewhere: Pyomo's compiler, not an error."""
    import optimizer.solver.linear_compile as lc

    def no_args(*a, **k):
        msg = "'LinearExpression' object has no attribute '_nargs'"
        raise AttributeError(msg)

    monkeypatch.setattr(lc, "_walk", no_args)
    m = build_model(make_scenario([5.0, 6.0], [20.0, 30.0]))
    with pytest.raises(NotCompiled, match="internals"):
        compile_linear(m)
    assert len(standard_form(m).columns) == len(_pyomo(m).columns)


def test_the_solve_route_uses_the_fast_compile(monkeypatch):
    """The default route does not call Pyomo's compiler for a shipped scenario."""

    def boom(*a, **k):
        msg = "Pyomo's compiler was called"
        raise AssertionError(msg)

    monkeypatch.setattr(LinearStandardFormCompiler, "write", boom)
    sc = make_scenario(
        [5.0, 6.0, 4.0, 7.0], [20.0, 30.0, 10.0, 50.0], demand_charge_usd_per_mw=100.0
    )
    sc = dataclasses.replace(sc, options=sc.options.model_copy(update={"warm_start": "none"}))
    from optimizer import optimize

    assert optimize(sc).status == SolveStatus.OPTIMAL
