"""How far a fleet's stored energy can go: one scalar recursion for the pre-checks and floors."""

from __future__ import annotations

import numpy as np


def soc_reach_mwh(
    initial_mwh: float,
    retention_frac: float,
    delta_mwh: np.ndarray,
    *,
    low_mwh: float = -np.inf,
    high_mwh: float = np.inf,
    cap_before_mwh: np.ndarray | None = None,
) -> np.ndarray:
    """Stored energy at the end of every interval when each interval adds ``delta_mwh[t]``.

    ``s_t = min(max(r * min(s_{t-1}, cap_t) + delta_t, low), high)``, from ``s_{-1}`` =
    ``initial_mwh``: charging flat out (``delta >= 0``), discharging flat out (``delta <= 0``)
    or any mix, with the standing loss ``r`` per interval.

    Parameters
    ----------
    initial_mwh : float
        Energy before the first interval [MWh].
    retention_frac : float
        Energy kept over one interval without flows [-].
    delta_mwh : numpy.ndarray
        Energy added (or, negative, removed) in each interval [MWh].
    low_mwh, high_mwh : float
        Bounds the energy is clipped to after each interval [MWh].
    cap_before_mwh : numpy.ndarray, optional
        A ceiling applied before each interval's step (``inf`` where none) [MWh].

    Returns
    -------
    numpy.ndarray
        ``s_t`` [MWh].
    """
    n = len(delta_mwh)
    cap = np.full(n, np.inf) if cap_before_mwh is None else cap_before_mwh
    out = np.empty(n)
    level = float(initial_mwh)
    for t in range(n):  # a scalar recursion; T <= 1e5
        level = min(max(retention_frac * min(level, cap[t]) + delta_mwh[t], low_mwh), high_mwh)
        out[t] = level
    return out
