"""HiGHS threads: the measured default rule, and solves with another thread count in a process
that has already solved on one thread (HiGHS sizes its scheduler once per calling thread)."""

from __future__ import annotations

import os

import pytest

from optimizer import load_scenario, optimize
from optimizer.inputs.options import SolverOptions
from optimizer.solver.strategy import (
    PARALLEL_MIN_INTERVALS,
    RULES,
    LpShape,
    cold_highs_options,
    plan_solve,
)


def _shape(n_intervals, interval_min):
    return LpShape(n_intervals=n_intervals, interval_min=interval_min)


def test_rule_picks_parallel_dual_only_for_long_5_to_15_min_cold_solves(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    auto = SolverOptions()
    assert auto.threads is None
    long_15 = cold_highs_options(auto, _shape(2688, 15))  # the default month
    assert long_15["threads"] == 2
    assert long_15["simplex_strategy"] == 3
    assert (
        cold_highs_options(auto, _shape(2016, 5))["threads"] == 1
    )  # a week at 5 min: no gain measured
    assert (
        cold_highs_options(auto, _shape(8760, 60))["threads"] == 1
    )  # hourly: not measured, serial
    assert (
        cold_highs_options(SolverOptions(threads=1), _shape(8640, 5))["threads"] == 1
    )  # the user's choice wins
    assert (
        cold_highs_options(SolverOptions(algorithm="simplex"), _shape(8640, 5))["threads"] == 1
    )  # a forced algorithm stays serial
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert (
        cold_highs_options(auto, _shape(PARALLEL_MIN_INTERVALS, 5))["threads"] == 1
    )  # one core: serial


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


def test_default_month_solves_with_the_rule_and_matches_one_thread():
    sc = load_scenario("default", start="2021-02-01T00:00", end="2021-03-01T00:00", interval_min=15)
    assert sc.n_intervals >= PARALLEL_MIN_INTERVALS
    serial = optimize(sc.replace(options=sc.options.model_copy(update={"threads": 1})))
    auto = optimize(sc)
    assert auto.objective_usd == pytest.approx(serial.objective_usd, rel=1e-9)


def test_the_plan_names_the_rules_it_applied(monkeypatch):
    """The default month (TOU tariff engine at 15 min): no coarse start, so a cold solve on the
    parallel dual simplex; the plan says which rules decided that."""
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    sc = load_scenario("default", start="2021-02-01T00:00", end="2021-03-01T00:00", interval_min=15)
    plan = plan_solve(sc.options, sc.index, interval_min=15, tariff_engine=True)
    assert plan.warm_start is None
    assert plan.highs_options["threads"] == 2
    assert plan.rules == ("highs-defaults", "tariff-engine-cold", "parallel-dual")
    assert {r.name for r in RULES} >= set(plan.rules)
