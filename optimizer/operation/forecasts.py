"""Forecasts for rolling-horizon operation: swap-in functions of (scenario, issue position, window).

A forecast is any callable ``f(scenario, issue, stop) -> DataFrame`` returning ``load_mw`` and
``price_usd_per_mwh`` for the horizon positions ``issue .. stop-1``, knowing only what is
known at the start of interval ``issue``. A DataFrame with those columns on the scenario's
index is accepted too (a fixed forecast, issued once).

Built in:

* :func:`perfect` - the actuals (perfect foresight).
* :func:`persistence` - the same time ``lag_h`` hours earlier (24 h: yesterday, 168 h: last
  week); where that is before the horizon, the last value observed at issue time.
* :func:`noisy` - the actuals times ``1 + e``, with ``e`` a seeded AR(1) error whose standard
  deviation grows with the square root of the lead time: ``sigma * sqrt(lead_h / 24)``,
  separately for load and price. Documented assumptions, not a fitted error model.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
import pandas as pd

from optimizer.inputs.scenario import Scenario

Forecast = Callable[[Scenario, int, int], pd.DataFrame]


def _actual(scenario: Scenario) -> pd.DataFrame:
    return pd.DataFrame(
        {"load_mw": scenario.load_mw, "price_usd_per_mwh": scenario.price_usd_per_mwh}
    )


def perfect(scenario: Scenario, issue: int, stop: int) -> pd.DataFrame:
    """The actual load and price (perfect foresight)."""
    return _actual(scenario).iloc[issue:stop]


def persistence(scenario: Scenario, issue: int, stop: int, *, lag_h: float = 24.0) -> pd.DataFrame:
    """The value ``lag_h`` hours earlier, or the last observed value where that is unknown."""
    actual = _actual(scenario).to_numpy()
    lag = int(round(lag_h / scenario.interval_h))
    pos = np.arange(issue, stop) - lag
    last_known = max(issue - 1, 0)
    pos = np.where((pos >= 0) & (pos <= last_known), pos, last_known)
    return pd.DataFrame(
        actual[pos], index=scenario.index[issue:stop], columns=["load_mw", "price_usd_per_mwh"]
    )


def noisy(
    scenario: Scenario,
    issue: int,
    stop: int,
    *,
    seed: int = 0,
    load_sigma_frac: float = 0.03,
    price_sigma_frac: float = 0.15,
    rho: float = 0.9,
) -> pd.DataFrame:
    """Actuals with a seeded multiplicative AR(1) error growing with lead time (see module doc)."""
    rng = np.random.default_rng([seed, issue])
    n = stop - issue
    lead_h = (np.arange(n) + 1) * scenario.interval_h
    scale = np.sqrt(lead_h / 24.0)
    out = perfect(scenario, issue, stop).copy()
    for col, sigma in (("load_mw", load_sigma_frac), ("price_usd_per_mwh", price_sigma_frac)):
        shocks = rng.standard_normal(n)
        e = np.empty(n)
        acc = 0.0
        for i in range(n):
            acc = rho * acc + np.sqrt(1 - rho**2) * shocks[i]
            e[i] = acc
        out[col] = out[col].to_numpy() * (1 + sigma * scale * e)
    out["load_mw"] = out["load_mw"].clip(lower=0.0)
    return out


def from_frame(frame: pd.DataFrame) -> Forecast:
    """A fixed forecast table (``load_mw``, ``price_usd_per_mwh`` on the scenario index)."""

    def _f(scenario: Scenario, issue: int, stop: int) -> pd.DataFrame:
        return frame.reindex(scenario.index[issue:stop])[["load_mw", "price_usd_per_mwh"]]

    return _f


def by_name(name: str, *, seed: int = 0) -> Forecast:
    """``perfect``, ``persistence`` (24 h), ``persistence-week`` (168 h) or ``noisy``."""
    table: dict[str, Forecast] = {
        "perfect": perfect,
        "persistence": persistence,
        "persistence-week": partial(persistence, lag_h=168.0),
        "noisy": partial(noisy, seed=seed),
    }
    if name not in table:
        msg = f"--forecast: unknown forecast; expected one of {sorted(table)}, got {name!r}. Pick one of those"
        raise KeyError(msg)
    return table[name]
