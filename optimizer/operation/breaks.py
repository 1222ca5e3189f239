"""Where, and by how much, the realised schedule of a roll breaks a hard grid limit.

The plan of every window honours the grid limits (or breaks them by the least MW, when a
fallback made them elastic), but the realised load differs from the forecast: the battery
covers the difference within its power and energy, and the grid takes the rest. So the
realised schedule can break the import cap (family 6), the ramp (8) and the event caps (11)
where no plan did. They are measured on the realised schedule with the same checks as every
result (:mod:`optimizer.results.checks`), the ramp from the study's initial import.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from optimizer.formulation.model_data import ModelData
from optimizer.results.checks import Tolerances, excess_grid, excess_ramp
from optimizer.results.extract import Solution


def realised_breaks(index: pd.DatetimeIndex, data: ModelData, sol: Solution) -> dict[str, Any]:
    """Per broken limit (``import_limit``, ``ramp_up``, ``ramp_down``, ``event_cap``): the
    number of intervals, the largest break [MW] and its interval (ISO 8601). Limits never broken
    are left out."""
    tol = Tolerances.for_data(data, 0.0)
    out: dict[str, Any] = {}
    for e in excess_ramp(data, sol.grid_import_mw - sol.grid_export_mw) + excess_grid(data, sol):
        mask = e.mask(tol)
        if not mask.any():
            continue
        worst = int(e.amount.argmax())
        found = {
            "intervals": int(mask.sum()),
            "largest_mw": float(e.amount[worst]),
            "at": index[worst].isoformat(),
        }
        if e.constraint not in out or found["largest_mw"] > out[e.constraint]["largest_mw"]:
            out[e.constraint] = found
    return out
