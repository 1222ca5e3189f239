"""HiGHS threads: the measured default rule (one thread on every path), and solves with another
thread count in a process that has already solved on one thread (HiGHS sizes its scheduler once
per calling thread)."""

from __future__ import annotations

import os

import pytest

from optimizer import load_scenario, optimize
from optimizer.formulation.model_data import ModelData
from optimizer.inputs.options import SolverOptions
from optimizer.solver.strategy import (
    RULES,
    LpShape,
    cold_highs_options,
    has_block_demand,
    plan_solve,
)


def _shape(n_intervals, interval_min):
    return LpShape(n_intervals=n_intervals, interval_min=interval_min)


@pytest.mark.parametrize("shape", [(2688, 15), (8640, 5), (2016, 5), (8760, 60), (35040, 15)])
def test_auto_never_picks_two_threads(monkeypatch, shape):
    """Rule one-thread: a 2-thread simplex was several times slower on a busy 2-core machine
    (benchmarks/STRATEGY.md), so threads = None is one thread whatever the LP's shape."""
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    opts = cold_highs_options(SolverOptions(), _shape(*shape))
    assert opts["threads"] == 1
    assert "simplex_strategy" not in opts
    tz = "America/Chicago"
    import pandas as pd

    index = pd.date_range("2021-01-01", periods=shape[0], freq=f"{shape[1]}min", tz=tz)
    for warm in ("auto", "none", "coarse", "blocks"):
        plan = plan_solve(SolverOptions(warm_start=warm), index, interval_min=shape[1])
        assert plan.highs_options["threads"] == 1
        assert plan.coarse_options["threads"] == 1


def test_the_users_thread_count_wins():
    assert cold_highs_options(SolverOptions(threads=2), _shape(2688, 15))["threads"] == 2
    assert cold_highs_options(SolverOptions(threads=0), _shape(2688, 15))["threads"] == 0
    assert "one-thread" not in plan_solve(SolverOptions(threads=2)).rules


def test_another_thread_count_after_a_one_thread_solve_in_the_same_process():
    """Without running multi-thread solves on a fresh OS thread, the second solve below ends
    with HiGHS status 'Not Set' (its scheduler was already sized for 1 thread)."""
    sc = load_scenario("default", start="2021-02-10T00:00", end="2021-02-12T00:00", interval_min=60)
    one = optimize(sc)
    for threads in (2, 0, 1):
        other = optimize(
            sc.replace(
                options=sc.options.model_copy(
                    update={"threads": threads, "highs_options": {"simplex_strategy": 3}}
                )
            )
        )
        assert other.objective_usd == pytest.approx(one.objective_usd, rel=1e-9), threads


def test_the_plan_names_the_rules_it_applied(monkeypatch):
    """The default month (TOU windows on 30-min blocks at 15 min): no coarse start, a cold solve
    on one thread; the plan and the report say which rules decided that."""
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    sc = load_scenario("default", start="2021-02-01T00:00", end="2021-03-01T00:00", interval_min=15)
    windows = ModelData.from_scenario(sc).tariff.demand_windows
    plan = plan_solve(sc.options, sc.index, interval_min=15, block_demand=has_block_demand(windows))
    assert plan.warm_start is None
    assert plan.highs_options["threads"] == 1
    assert plan.rules == ("highs-defaults", "one-thread", "block-demand-cold")
    assert {r.name for r in RULES} >= set(plan.rules)
    short = load_scenario("default", start="2021-02-08T00:00", end="2021-02-09T00:00")
    report = optimize(short).report
    assert report.rules == ("highs-defaults", "one-thread", "block-demand-cold", "release-rows")
    assert report.threads == 1


def test_while_solving_runs_during_the_solve_and_the_call_waits_for_it():
    # the CLI imports matplotlib here; it must run while HiGHS solves, once, and the solve's
    # result must not be returned before the solve has ended even when the work raises
    import threading
    import time

    from optimizer.solver.highs import on_solve_thread

    started = threading.Event()
    seen: list[bool] = []

    def job() -> str:
        started.set()
        time.sleep(0.2)
        return "solved"

    def work() -> None:
        seen.append(started.wait(5))

    assert on_solve_thread(job, 1, work) == "solved"
    assert seen == [True]

    ended: list[float] = []

    def slow_job() -> None:
        time.sleep(0.2)
        ended.append(time.perf_counter())

    def failing() -> None:
        msg = "boom"
        raise RuntimeError(msg)

    with pytest.raises(RuntimeError, match="boom"):
        on_solve_thread(slow_job, 1, failing)
    assert len(ended) == 1  # the job had ended when the error surfaced


def test_optimize_calls_while_solving_once_on_a_cold_solve():
    sc = load_scenario("default", end="2021-02-03")
    calls: list[int] = []
    r = optimize(sc, while_solving=lambda: calls.append(1))
    plain = optimize(sc)
    assert r.report.warm_start.method is None
    assert calls == [1]
    assert r.objective_usd == pytest.approx(plain.objective_usd, rel=1e-12)


def test_optimize_calls_while_solving_once_on_a_warm_started_solve():
    # grid-stability at 5 min starts from coarse LPs: the work runs during the final solve
    sc = load_scenario("grid-stability", end="2021-02-15")
    calls: list[int] = []
    r = optimize(sc, while_solving=lambda: calls.append(1))
    assert r.report.warm_start.method == "coarse"
    assert calls == [1]


def test_an_error_of_while_solving_is_raised_unchanged_after_the_solve():
    # not wrapped as a solver failure, and only once the solve has ended
    from optimizer.solver.highs import OneShot

    sc = load_scenario("default", end="2021-02-03")

    def broken() -> None:
        msg = "the caller's own bug"
        raise ZeroDivisionError(msg)

    with pytest.raises(ZeroDivisionError, match="the caller's own bug"):
        optimize(sc, while_solving=broken)

    calls: list[int] = []
    once = OneShot(lambda: calls.append(1) or 1 / 0)
    once()
    once()
    assert calls == [1]
    assert isinstance(once.error, ZeroDivisionError)
