"""The only home of unit conversions.

Powers are interval averages in MW; energies are MWh; an interval of ``interval_min``
minutes lasts ``interval_h = interval_min / 60`` hours (``SPEC.md`` §1).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

MW_PER_KW = 1e-3
MW_PER_W = 1e-6
MIN_PER_H = 60.0


def interval_h(interval_min: float) -> float:
    """Length of one interval [h] from its length [min]."""
    return interval_min / MIN_PER_H


def mw_to_mwh(power_mw: npt.ArrayLike, interval_h: float) -> npt.NDArray[np.float64]:
    """Energy [MWh] delivered by an interval-average power [MW] over ``interval_h`` [h]."""
    return np.asarray(power_mw, dtype=float) * interval_h


def kw_to_mw(power_kw: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Power [MW] from power [kW]."""
    return np.asarray(power_kw, dtype=float) * MW_PER_KW


def w_to_mw(power_w: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Power [MW] from power [W]."""
    return np.asarray(power_w, dtype=float) * MW_PER_W


def retention_frac(self_discharge_frac_per_h: float, interval_h: float) -> float:
    """Share of stored energy kept over one interval: ``(1 - lam)^dt_h`` [-]."""
    return float((1.0 - self_discharge_frac_per_h) ** interval_h)
