"""Tiered energy rates on a horizon: one record per (month x tiered or HUD period).

**Tiers** (:class:`EnergyTierBlock`). For tiers ``(r_1, u_1), (r_2, u_2), ..., (r_n, None)``
the cost of a period's energy ``E`` [MWh] in a month is ``r_1 E + sum_j (r_(j+1) - r_j)
max(0, E - u_j)``. The first term is in the per-interval price
(:mod:`optimizer.tariffs.prices`); the rest is one LP row per step::

    q_kj >= sum_(t in k) g_t dt_h - a_kj,   q_kj >= 0,   energy_usd += c_kj q_kj

**Hours-use-of-demand blocks** (:class:`HudBlock`, TVA; ``SPEC.md`` §9). Blocks
``(r_1, u_1), ..., (r_n, None)`` in hours of the billing demand ``D`` of a demand window
bill ``E`` concavely; while ``E >= u_(n-1) D`` the bill is exactly linear::

    energy_usd += r_n sum_(t in k) g_t dt_h  (in pi_t)  +  c_k B_w,
    c_k = sum_j (r_j - r_n)(u_j - u_(j-1))

with ``B_w`` the billed demand of the window ``w`` of the ``hud_demand`` charge in the
month. The form is an upper bound of the block bill when the rates decline, and exact
only while the load factor holds it: :func:`optimizer.tariffs.evaluate.hud_validity`
checks every schedule.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from optimizer import timeindex
from optimizer.tariffs.calendar import IntArray, month_shares, period_of, tariff_calendar
from optimizer.tariffs.spec import TariffSpec


@dataclass(frozen=True)
class EnergyTierBlock:
    """A tiered energy rate in one (billing month x energy period).

    Attributes
    ----------
    name : str
        ``"<YYYY-MM> energy <period>"``.
    month, period : str
        Billing month and energy period name.
    positions : ndarray of int
        Intervals of the period in the month.
    tier_steps : tuple of (float, float)
        ``(above_mwh, extra_usd_per_mwh)``: extra cost ``extra * max(0, E - above)`` where
        ``E = sum_(t in positions) g_t dt_h``; bounds already shifted by the month-to-date
        energy and prorated when asked [MWh], [USD/MWh].
    """

    name: str
    month: str
    period: str
    positions: IntArray
    tier_steps: tuple[tuple[float, float], ...]

    @property
    def is_convex(self) -> bool:
        """True when no tier step is negative."""
        return all(extra >= 0 for _, extra in self.tier_steps)


def energy_tier_blocks(spec: TariffSpec, index: pd.DatetimeIndex) -> tuple[EnergyTierBlock, ...]:
    """Tier steps of every tiered energy period in every billing month.

    For tiers ``(r_1, u_1), (r_2, u_2), ..., (r_n, None)`` the cost of the period's energy
    ``E`` [MWh] in the month is ``r_1 E + sum_j (r_(j+1) - r_j) max(0, E - u_j)``; the
    first term is in :func:`~optimizer.tariffs.prices.energy_price_usd_per_mwh`. Bounds
    are prorated when asked and shifted by the month-to-date energy ``E0`` of
    ``spec.state``: ``above = max(0, u_j - E0)``.

    Parameters
    ----------
    spec : TariffSpec
        The tariff, with its month-to-date ``state``.
    index : pandas.DatetimeIndex
        Local interval starts (tz-aware, regular).

    Returns
    -------
    tuple of EnergyTierBlock
        In month order, then period order; empty when no period is tiered.
    """
    energy = spec.energy
    if (
        not energy.uses_schedule
        or energy.schedule is None
        or not any(p.tiers for p in energy.periods)
    ):
        return ()
    cal = tariff_calendar(spec, index)
    months = month_shares(spec, index, cal, timeindex.interval_min(index))
    period = period_of(energy.schedule, cal)
    to_date = {(r.month, r.period): r.energy_mwh for r in spec.state.energy}
    out = []
    for label in cal.labels:
        in_month = cal.month_label == label
        frac = months[label].prorate_frac
        for k, p in enumerate(energy.periods):
            if not p.tiers:
                continue
            pos = np.flatnonzero(in_month & (period == k))
            if len(pos) == 0:
                continue
            e0 = to_date.get((label, p.name), 0.0)
            steps = []
            for lower, upper in zip(p.tiers, p.tiers[1:], strict=False):
                bound = float(lower.upper_mwh or 0.0) * frac
                steps.append(
                    (max(0.0, bound - e0), upper.rate_usd_per_mwh - lower.rate_usd_per_mwh)
                )
            out.append(
                EnergyTierBlock(
                    f"{label} energy {p.name}", label, p.name, pos.astype(np.int64), tuple(steps)
                )
            )
    return tuple(out)


@dataclass(frozen=True)
class HudBlock:
    """An hours-use-of-demand energy period in one billing month, in its linear form.

    Attributes
    ----------
    name : str
        ``"<YYYY-MM> energy <period> HUD"``.
    month, period : str
        Billing month and energy period name.
    window : str
        Name of the demand window whose billed demand ``D`` sizes the blocks.
    positions : ndarray of int
        Intervals of the period in the month.
    rate_usd_per_mw : float
        ``c``: the linear form's charge on ``D``, times the horizon's share of the month
        [USD/MW].
    min_hours : float
        ``u_(n-1)`` times that share: the form is exact while ``E >= min_hours x D`` [h].
    energy_to_date_mwh : float
        Energy of the period already imported this month (``spec.state``) [MWh].
    tiers : tuple of (float, float or None)
        ``(rate [USD/MWh], upper bound [h] or None)`` of every block, bounds times the share.
    """

    name: str
    month: str
    period: str
    window: str
    positions: IntArray
    rate_usd_per_mw: float
    min_hours: float
    energy_to_date_mwh: float
    tiers: tuple[tuple[float, float | None], ...]


def hud_blocks(spec: TariffSpec, index: pd.DatetimeIndex) -> tuple[HudBlock, ...]:
    """The linear form of every HUD energy period in every billing month.

    Empty unless the energy basis uses the schedule. In a month cut by the horizon the
    block bounds, and so ``c``, are scaled by the horizon's share of the month whether or
    not the tariff prorates partial months: the horizon's energy is billed as a slice of a
    month at the same load factor (a two-day study would otherwise put all its energy in
    the first block).

    Parameters
    ----------
    spec : TariffSpec
        The tariff, with its month-to-date ``state``.
    index : pandas.DatetimeIndex
        Local interval starts (tz-aware, regular).

    Returns
    -------
    tuple of HudBlock
        In month order, then period order.
    """
    energy = spec.energy
    if (
        not energy.uses_schedule
        or energy.schedule is None
        or not any(p.hud_tiers for p in energy.periods)
    ):
        return ()
    cal = tariff_calendar(spec, index)
    months = month_shares(spec, index, cal, timeindex.interval_min(index))
    period = period_of(energy.schedule, cal)
    to_date = {(r.month, r.period): r.energy_mwh for r in spec.state.energy}
    out = []
    for label in cal.labels:
        in_month = cal.month_label == label
        frac = months[label].horizon_h / months[label].month_h
        for k, p in enumerate(energy.periods):
            if not p.hud_tiers:
                continue
            pos = np.flatnonzero(in_month & (period == k))
            if len(pos) == 0:
                continue
            _, coeff, hours = p.hud_linear_form()
            tiers = tuple(
                (float(t.rate_usd_per_mwh), None if t.upper_hours is None else t.upper_hours * frac)
                for t in p.hud_tiers
            )
            out.append(
                HudBlock(
                    name=f"{label} energy {p.name} HUD",
                    month=label,
                    period=p.name,
                    window=f"{label} {p.hud_demand}",
                    positions=pos.astype(np.int64),
                    rate_usd_per_mw=coeff * frac,
                    min_hours=hours * frac,
                    energy_to_date_mwh=to_date.get((label, p.name), 0.0),
                    tiers=tiers,
                )
            )
    return tuple(out)


__all__ = ["EnergyTierBlock", "HudBlock", "energy_tier_blocks", "hud_blocks"]
