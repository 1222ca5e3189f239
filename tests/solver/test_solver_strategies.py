"""The solver-strategy contract, through the public API only.

Whatever ``SolverOptions.warm_start`` and ``SolverOptions.threads`` say, a solve ends at the
cold optimum: a warm start or a thread count may change the time, never the answer. A
``WarmSolver`` re-solve (the model and the HiGHS instance kept across scenarios of one
structure) ends where ``optimize`` ends. Each shipped scenario is cut to a short horizon:

==============  ============================  ========
scenario        horizon                       step
==============  ============================  ========
default         2 days (2021-02-15 .. 02-17)  its own
grid-stability  2 days (2021-02-15 .. 02-17)  5 min
year-2021       3 months (2021-01 .. 2021-03) 1 h
mlgw-tou        1 week (2021-03-01 .. 03-08)  its own
==============  ============================  ========

This test is the net under every move of ``optimizer/solver/``: it names no internal module.
"""

from __future__ import annotations

import typing

import pytest

from optimizer import SolverOptions, SolveStatus, WarmSolver, load_scenario, optimize

RTOL_OBJECTIVE = 1e-6  # relative objective tolerance of the contract [-]

HORIZONS = {
    "default": {"start": "2021-02-15T00:00", "end": "2021-02-17T00:00"},
    "grid-stability": {"start": "2021-02-15T00:00", "end": "2021-02-17T00:00", "interval_min": 5},
    "year-2021": {"start": "2021-01-01T00:00", "end": "2021-04-01T00:00", "interval_min": 60},
    "mlgw-tou": {"start": "2021-03-01T00:00", "end": "2021-03-08T00:00"},
}

WARM_STARTS = typing.get_args(SolverOptions.model_fields["warm_start"].annotation)
THREADS = (None, 1, 2)  # None: the measured rule; an integer is passed to HiGHS as is


def _with(sc, **update):
    return sc.replace(options=sc.options.model_copy(update=update))


@pytest.fixture(scope="module", params=sorted(HORIZONS))
def case(request):
    """A shipped scenario on its short horizon and its cold optimum (one thread, no warm start)."""
    sc = load_scenario(request.param, **HORIZONS[request.param])
    cold = optimize(_with(sc, warm_start="none", threads=1))
    assert cold.status == SolveStatus.OPTIMAL
    return request.param, sc, cold.objective_usd


def test_the_contract_covers_every_warm_start_setting():
    assert set(WARM_STARTS) == {"none", "auto", "blocks", "coarse"}


@pytest.mark.parametrize("warm_start", WARM_STARTS)
def test_every_warm_start_reaches_the_cold_optimum(case, warm_start):
    name, sc, cold_usd = case
    res = optimize(_with(sc, warm_start=warm_start))
    assert res.status == SolveStatus.OPTIMAL, (name, warm_start)
    assert res.objective_usd == pytest.approx(cold_usd, rel=RTOL_OBJECTIVE), (name, warm_start)


@pytest.mark.parametrize("threads", THREADS)
def test_every_thread_setting_reaches_the_cold_optimum(case, threads):
    name, sc, cold_usd = case
    for warm_start in ("auto", "none"):
        res = optimize(_with(sc, threads=threads, warm_start=warm_start))
        assert res.status == SolveStatus.OPTIMAL, (name, threads, warm_start)
        where = (name, threads, warm_start)
        assert res.objective_usd == pytest.approx(cold_usd, rel=RTOL_OBJECTIVE), where


def test_a_warm_solver_re_solve_equals_optimize(case):
    """The second scenario (prices 1.2x) has the first's structure: a warm re-solve."""
    name, sc, cold_usd = case
    solver = WarmSolver()
    first = solver.optimize(sc)
    assert first.objective_usd == pytest.approx(cold_usd, rel=RTOL_OBJECTIVE), name
    dearer = sc.replace(price_usd_per_mwh=sc.price_usd_per_mwh * 1.2)
    again = solver.optimize(dearer)
    assert (solver.n_builds, solver.n_warm) == (1, 1), name
    expected_usd = optimize(dearer).objective_usd
    assert again.objective_usd == pytest.approx(expected_usd, rel=RTOL_OBJECTIVE), name


@pytest.mark.parametrize(
    ("name", "warm_start"), [("year-2021", "blocks"), ("grid-stability", "coarse")]
)
def test_the_warm_starts_are_taken_not_skipped(name, warm_start):
    """The matrix above exercises both warm starts (the summary says how the LP started)."""
    sc = load_scenario(name, **HORIZONS[name])
    started = optimize(_with(sc, warm_start=warm_start)).summary()["warm_start"]
    assert started["warm_start"] == warm_start
    assert started["fallback"] == ""


def test_the_removed_lp_file_interface_says_what_to_use():
    """``interface = "lp_file"`` reported Optimal and loaded no values; it is gone."""
    with pytest.raises(ValueError, match="'lp_file' was removed.*'stdform'"):
        SolverOptions(interface="lp_file")
