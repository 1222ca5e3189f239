"""The one Pareto front of a study: bill against peak import, both minimised."""

from __future__ import annotations

import numpy as np

__all__ = ["pareto_front"]


def pareto_front(cost: np.ndarray, peak: np.ndarray, *, peak_tol: float = 1e-3) -> np.ndarray:
    """Mask of the points no other point beats on both ``cost`` and ``peak`` (both minimised).

    A point joins the front only if its peak is lower than every cheaper point's by more
    than ``peak_tol`` (the same unit as ``peak``, e.g. 1e-3 MW), so solver round-off on a
    binding cap (849.9999 against 850.0 MW) does not put a dearer case on the front.
    """
    cost = np.asarray(cost, dtype=float)
    peak = np.asarray(peak, dtype=float)
    keep = np.zeros(len(cost), dtype=bool)
    best = np.inf
    for i in np.lexsort((peak, cost)):
        if np.isfinite(cost[i]) and np.isfinite(peak[i]) and peak[i] < best - peak_tol:
            keep[i] = True
            best = peak[i]
    return keep
