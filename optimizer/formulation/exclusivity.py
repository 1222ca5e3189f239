"""Exclusive charge or discharge on chosen intervals (``SPEC.md`` §6).

A plain LP may charge and discharge at once when wasting energy through losses pays
(negative prices with no export). A real battery cannot, so after the LP solve the tool
adds a binary on just the offending (group, interval) pairs and re-solves as a MIP.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyomo.core as pyo

from optimizer.formulation.model_data import ModelData


def add_exclusivity(
    m: pyo.ConcreteModel, data: ModelData, pairs: Sequence[tuple[str, int]]
) -> None:
    """Add ``excl_mode[b,t]`` binaries and ``excl_charge``/``excl_discharge`` rows on ``pairs``.

    Notes
    -----
    ::

        excl_charge[b,t]:     c[b,t] <= a n Pc[b,t] * z[b,t]
        excl_discharge[b,t]:  d[b,t] <= a n Pd[b,t] * (1 - z[b,t])

    ``z = 1`` means the group may only charge in ``t``.
    """
    by_name = {g.name: g for g in data.groups}
    idx = list(pairs)
    m.excl_pairs = pyo.Set(initialize=idx, dimen=2, ordered=True)
    m.excl_mode = pyo.Var(m.excl_pairs, domain=pyo.Binary)
    m.excl_charge = pyo.Constraint(
        m.excl_pairs,
        rule=lambda m, b, t: (
            m.charge_mw[b, t] <= float(by_name[b].charge_max_mw[t]) * m.excl_mode[b, t]
        ),
    )
    m.excl_discharge = pyo.Constraint(
        m.excl_pairs,
        rule=lambda m, b, t: (
            m.discharge_mw[b, t] <= float(by_name[b].discharge_max_mw[t]) * (1 - m.excl_mode[b, t])
        ),
    )
