"""Per-interval energy prices of a tariff on a horizon [USD/MWh] (pure numpy/pandas).

``pi_t`` (import) and ``pix_t`` (export) are what the LP multiplies ``g_t dt_h`` and
``x_t dt_h`` by. Higher energy tiers are in :mod:`optimizer.tariffs.energy_tiers`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from optimizer import timeindex
from optimizer.errors import InputError, Issue, TimeSeriesError
from optimizer.tariffs.calendar import (
    Calendar,
    FloatArray,
    period_of,
    season_of_months,
    tariff_calendar,
)
from optimizer.tariffs.spec import TariffSpec


def _aligned(
    values: pd.Series | npt.ArrayLike | None, index: pd.DatetimeIndex, name: str
) -> FloatArray | None:
    """``values`` as one finite float per interval of ``index`` (None stays None)."""
    if values is None:
        return None
    if isinstance(values, pd.Series):
        if not values.index.equals(index):
            raise TimeSeriesError(
                issues=[
                    Issue(
                        "index differs from the horizon",
                        field=name,
                        expected=f"{len(index)} intervals from {index[0].isoformat()}",
                        got=f"{len(values)} intervals",
                        fix="Reindex the series onto the horizon",
                    )
                ],
            )
        arr = values.to_numpy(dtype=float)
    else:
        arr = np.asarray(values, dtype=float)
        if arr.shape != (len(index),):
            raise TimeSeriesError(
                issues=[
                    Issue(
                        "length differs from the horizon",
                        field=name,
                        expected=str(len(index)),
                        got=str(arr.shape),
                        fix="Give one value per interval",
                    )
                ],
            )
    if not np.isfinite(arr).all():
        raise TimeSeriesError(
            issues=[Issue("NaN or inf value", field=name, fix="Fill the missing values")]
        )
    return arr


def energy_price_usd_per_mwh(
    spec: TariffSpec,
    index: pd.DatetimeIndex,
    price_usd_per_mwh: pd.Series | npt.ArrayLike | None = None,
    *,
    cal: Calendar | None = None,
) -> FloatArray:
    """Import price ``pi_t`` per interval [USD/MWh].

    ``pi_t`` = price series (when ``energy.basis`` uses the market) + ``adder_usd_per_mwh``
    + (when it uses the schedule) the rate of the interval's TOU period in its season and
    the month's fuel cost adjustment. A tiered period contributes its first tier (higher
    tiers are in :func:`~optimizer.tariffs.energy_tiers.energy_tier_blocks`), an HUD period
    its last block (the others are a charge on billing demand,
    :func:`~optimizer.tariffs.energy_tiers.hud_blocks`).

    Parameters
    ----------
    spec : TariffSpec
        The tariff.
    index : pandas.DatetimeIndex
        Local interval starts (tz-aware, regular).
    price_usd_per_mwh : Series or array, optional
        Market price per interval [USD/MWh]; required for a market basis.

    Raises
    ------
    InputError
        The basis needs a price series and none was given.
    """
    if cal is None:  # a caller with the calendar has checked the index
        timeindex.interval_min(index)
    energy = spec.energy
    price = np.full(len(index), float(energy.adder_usd_per_mwh))
    if energy.uses_market_price:
        market = _aligned(price_usd_per_mwh, index, "price_usd_per_mwh")
        if market is None:
            raise InputError(
                issues=[
                    Issue(
                        "no market price series given",
                        field="tariff.energy.basis",
                        expected="price_usd_per_mwh for basis " + repr(energy.basis),
                        got="None",
                        fix="Pass price_usd_per_mwh, or set energy.basis = 'schedule'",
                    )
                ],
            )
        price = price + market
    if energy.uses_schedule and energy.schedule is not None:
        cal = tariff_calendar(spec, index) if cal is None else cal
        period = period_of(energy.schedule, cal)
        season = season_of_months(spec, np.arange(1, 13))
        # rate[month - 1, period]: the season's rate, a tier's first or a HUD's last block
        rate = np.array(
            [[p.interval_rate_usd_per_mwh(season[m]) for p in energy.periods] for m in range(12)]
        )
        fuel = np.array([energy.fuel_usd_per_mwh(m) for m in range(1, 13)])
        price = price + rate[cal.month - 1, period] + fuel[cal.month - 1]
    return price


def export_price_usd_per_mwh(
    spec: TariffSpec,
    index: pd.DatetimeIndex,
    price_usd_per_mwh: pd.Series | npt.ArrayLike | None = None,
    sell_price_usd_per_mwh: pd.Series | npt.ArrayLike | None = None,
    *,
    cal: Calendar | None = None,
) -> FloatArray:
    """Export credit ``pix_t`` per interval [USD/MWh].

    ``none``: 0; ``wholesale``: the price series (no adder); ``fixed``:
    ``export_price_usd_per_mwh``; ``schedule``: the period's ``sell_usd_per_mwh`` (0 where
    a period has none); ``series``: ``sell_price_usd_per_mwh``.

    Raises
    ------
    InputError
        ``wholesale`` without a price series, or ``series`` without a sell-price series.
    """
    if cal is None:  # a caller with the calendar has checked the index
        timeindex.interval_min(index)
    kind = spec.export_compensation
    n = len(index)
    if kind == "none":
        return np.zeros(n)
    if kind == "series":
        sell = _aligned(sell_price_usd_per_mwh, index, "sell_price_usd_per_mwh")
        if sell is None:
            raise InputError(
                issues=[
                    Issue(
                        "no sell-price series given",
                        field="tariff.export_compensation",
                        expected="sell_price_usd_per_mwh for 'series'",
                        got="None",
                        fix="Pass sell_price_usd_per_mwh or choose another export_compensation",
                    )
                ],
            )
        return sell
    if kind == "fixed":
        return np.full(n, float(spec.export_price_usd_per_mwh or 0.0))
    if kind == "wholesale":
        market = _aligned(price_usd_per_mwh, index, "price_usd_per_mwh")
        if market is None:
            raise InputError(
                issues=[
                    Issue(
                        "no market price series given",
                        field="tariff.export_compensation",
                        expected="price_usd_per_mwh for 'wholesale'",
                        got="None",
                        fix="Pass price_usd_per_mwh or choose another export_compensation",
                    )
                ],
            )
        return market
    assert spec.energy.schedule is not None  # noqa: S101 - guaranteed by TariffSpec validation
    cal = tariff_calendar(spec, index) if cal is None else cal
    period = period_of(spec.energy.schedule, cal)
    sell = np.array([p.sell_usd_per_mwh or 0.0 for p in spec.energy.periods])
    return sell[period]


__all__ = ["energy_price_usd_per_mwh", "export_price_usd_per_mwh"]
