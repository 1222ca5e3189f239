"""The library coexists with other highspy users in the same process and thread (issue 18).

HiGHS sizes one task scheduler per calling thread by the first solve's ``threads``; a plain
``highspy`` solve (HiGHS's default threads) on the caller's thread made every later
``optimize`` end with status 'Not Set', reported as a solver limit. Both orders are tested.
"""

from __future__ import annotations

import highspy
import numpy as np
import pytest

from optimizer import SolverOptions, optimize
from optimizer.testing import make_scenario, make_unit


def _plain_highspy_solve() -> str:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = 2, 1
    lp.col_cost_ = np.array([1.0, 2.0])
    lp.col_lower_ = np.array([0.0, 0.0])
    lp.col_upper_ = np.array([10.0, 10.0])
    lp.row_lower_ = np.array([3.0])
    lp.row_upper_ = np.array([np.inf])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.array([0, 1, 2])
    lp.a_matrix_.index_ = np.array([0, 0])
    lp.a_matrix_.value_ = np.array([1.0, 1.0])
    h.passModel(lp)
    h.run()
    return h.modelStatusToString(h.getModelStatus())


@pytest.mark.parametrize("threads", [None, 1, 2])
def test_optimize_after_and_before_a_plain_highspy_solve(threads: int | None) -> None:
    sc = make_scenario(
        [10, 20, 30],
        [10, 50, 30],
        unit=make_unit(power_mw=5, energy_mwh=10),
        options=SolverOptions(threads=threads),
    )
    assert _plain_highspy_solve() == "Optimal"
    first = optimize(sc)
    assert _plain_highspy_solve() == "Optimal"
    second = optimize(sc)
    assert first.objective_usd == pytest.approx(second.objective_usd, rel=1e-12)
