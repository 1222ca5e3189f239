"""A TariffSpec on a horizon: everything the LP needs, in one :class:`TariffArrays`.

Everything here is a pure function of a :class:`~optimizer.tariffs.spec.TariffSpec` and a
tz-aware local ``DatetimeIndex`` of interval starts (regular step of 1..60 min dividing
60; DST days have 23 or 25 hours of intervals). Nothing imports Pyomo. The LP reads:

- ``pi_t`` [USD/MWh] (first-tier rate where tiered) and ``pix_t`` [USD/MWh]
  (:mod:`optimizer.tariffs.prices`);
- one :class:`~optimizer.tariffs.demand_windows.DemandWindow` per (billing month x charge)
  (:mod:`optimizer.tariffs.demand_windows`);
- one :class:`~optimizer.tariffs.energy_tiers.EnergyTierBlock` per tiered (month x period)
  and one :class:`~optimizer.tariffs.energy_tiers.HudBlock` per hours-use-of-demand
  (month x period) (:mod:`optimizer.tariffs.energy_tiers`);
- the contract's hard cap on import, if any (``import_cap_mw``);
- one :class:`BillingMonth` per month (fixed, minimum charge): :func:`billing_months`.

:func:`tariff_arrays` bundles them; :func:`optimizer.tariffs.evaluate.cost_terms`
recomputes every cost term of a schedule from the bundle with numpy (what the LP's
objective must equal).

LP formulation (``SPEC.md`` §5 extended; ``g_t`` import [MW], ``dt_h`` step [h])
-------------------------------------------------------------------------------
Energy::

    energy_usd = sum_t pi_t g_t dt_h + sum_(blocks k, steps j) c_kj q_kj + sum_h c_h B_w(h)
    q_kj >= sum_(t in k) g_t dt_h - a_kj,   q_kj >= 0        (EnergyTierBlock)
    c_h B_w(h): HUD blocks' charge on the billed demand of window w(h)   (HudBlock)

Contract cap (``ContractDemand.allow_excess = False``)::

    g_t <= import_cap_mw                                      (with the interconnection cap)

Peak window ``k`` (``DemandWindow`` with ``block_weights is None``)::

    m_k >= (1/n_kb) sum_(t = s_kb .. e_kb - 1) g_t   for every block b  (n_kb = e_kb - s_kb)
    m_k >= peak_floor_mw_k                             (month-to-date peak)
    b_k >= m_k,   b_k >= billing_floor_mw_k           (ratchet history, minimum billing demand)
    b_k >= f * m_j                for (j, f) in ratchet_links_k   (earlier months in horizon)
    r_kj >= b_k - above_kj,  r_kj >= 0                for tier_steps_k = ((above_kj, c_kj), ...)
    e_k >= m_k - contract_mw_k,  e_k >= 0             when contract_mw_k is not None
    demand_usd += D_k b_k + sum_j c_kj r_kj ;  excess_usd += X_k e_k

With no floors, links or tiers, ``b_k = m_k = p_k`` and this is ``SPEC.md`` §4.7 on block
averages. ``m_k`` (metered) and ``b_k`` (billed) must stay separate when a contract is set:
the excess is on the metered peak, not on the ratcheted billing demand.

Expected coincident window (``block_weights is not None``), no variable::

    coincident_usd += D_k * (sum_b w_kb (1/n_kb) sum_(t in b) g_t + accrued_mw_k)

Minimum charge of month ``M`` (``BillingMonth``)::

    y_M >= minimum_usd_M - (energy_usd_M + demand_usd_M + excess_usd_M
                            + coincident_usd_M + fixed_usd_M),   y_M >= 0

All of these are convex (LP-exact) when every tier step ``c`` is >= 0. A declining tier
(``c < 0``, e.g. URDB "first 100 kW at $24, the rest at $17") makes the cost concave in
``b``: ``is_convex`` is False and the LP needs ``r = max(0, b - above)`` exactly, i.e. a
binary ``z`` with ``r <= b - above + M (1 - z)``, ``r <= M z`` (HiGHS MIP), or the run must
reject the tariff.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field

import numpy.typing as npt
import pandas as pd

from optimizer import timeindex, units
from optimizer.tariffs.calendar import (
    Calendar,
    FloatArray,
    IntArray,
    month_shares,
    tariff_calendar,
)
from optimizer.tariffs.demand_windows import DemandWindow, demand_windows
from optimizer.tariffs.energy_tiers import (
    EnergyTierBlock,
    HudBlock,
    energy_tier_blocks,
    hud_blocks,
)
from optimizer.tariffs.prices import energy_price_usd_per_mwh, export_price_usd_per_mwh
from optimizer.tariffs.spec import TariffSpec


@dataclass(frozen=True)
class BillingMonth:
    """One billing month seen by the horizon.

    Attributes
    ----------
    month : str
        ``YYYY-MM`` (local).
    positions : ndarray of int
        Intervals of the month inside the horizon.
    horizon_h, month_h : float
        Hours of the month inside the horizon and in the whole month (743 h in March,
        721 h in November in US zones) [h].
    prorate_frac : float
        ``horizon_h / month_h`` when prorating, else 1 [-].
    fixed_usd : float
        Fixed charges of the month [USD].
    minimum_usd : float
        Minimum bill of the month before export credits [USD].
    window_names, tier_block_names, hud_block_names : tuple of str
        The demand windows, energy tier blocks and HUD blocks billed in this month.
    """

    month: str
    positions: IntArray
    horizon_h: float
    month_h: float
    prorate_frac: float
    fixed_usd: float
    minimum_usd: float
    window_names: tuple[str, ...] = ()
    tier_block_names: tuple[str, ...] = ()
    hud_block_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class TariffArrays:
    """Everything the LP needs from the tariff on one horizon.

    ``import_cap_mw`` is the contract demand when it is a hard cap (None otherwise) [MW].
    """

    interval_h: float
    energy_price_usd_per_mwh: FloatArray
    export_price_usd_per_mwh: FloatArray
    months: tuple[BillingMonth, ...]
    demand_windows: tuple[DemandWindow, ...]
    energy_tiers: tuple[EnergyTierBlock, ...] = field(default=())
    hud_blocks: tuple[HudBlock, ...] = field(default=())
    import_cap_mw: float | None = None

    @property
    def is_convex(self) -> bool:
        """True when the whole tariff is LP-exact (no declining tier anywhere)."""
        return all(w.is_convex for w in self.demand_windows) and all(
            b.is_convex for b in self.energy_tiers
        )


def billing_months(
    spec: TariffSpec,
    index: pd.DatetimeIndex,
    *,
    cal: Calendar | None = None,
    step_min: int | None = None,
) -> tuple[BillingMonth, ...]:
    """The billing months the horizon touches, with fixed and minimum charges [USD].

    A month cut by the horizon is billed in full unless ``spec.prorate_partial_months``;
    then its monthly amounts are multiplied by ``horizon_h / month_h``. Daily charges count
    the month's calendar days (times the same share when prorating). ``cal`` and ``step_min``
    are ``tariff_calendar(spec, index)`` and the checked step [min], when the caller has them.
    """
    step = timeindex.interval_min(index) if step_min is None else step_min
    cal = tariff_calendar(spec, index) if cal is None else cal
    out = []
    for label, (pos, horizon_h, month_h, frac) in month_shares(spec, index, cal, step).items():
        days = calendar.monthrange(int(label[:4]), int(label[5:]))[1]
        fixed = (spec.fixed_charge_usd_per_month + spec.fixed_charge_usd_per_day * days) * frac
        minimum = (
            spec.minimum_charge_usd_per_month + spec.minimum_charge_usd_per_day * days
        ) * frac
        out.append(BillingMonth(label, pos, horizon_h, month_h, frac, fixed, minimum))
    return tuple(out)


def tariff_arrays(
    spec: TariffSpec,
    index: pd.DatetimeIndex,
    *,
    price_usd_per_mwh: pd.Series | npt.ArrayLike | None = None,
    sell_price_usd_per_mwh: pd.Series | npt.ArrayLike | None = None,
) -> TariffArrays:
    """Everything the LP needs from ``spec`` on ``index`` (see the module docstring).

    ``price_usd_per_mwh`` is the market price [USD/MWh] (a market energy basis, wholesale
    export); ``sell_price_usd_per_mwh`` the export price of ``export_compensation = "series"``
    [USD/MWh].

    Examples
    --------
    >>> import pandas as pd
    >>> from optimizer.tariffs import TariffSpec, tariff_arrays
    >>> spec = TariffSpec.model_validate({"name": "demo", "energy": {"basis": "market"},
    ...     "facility_demand": {"periods": [{"name": "all", "rate_usd_per_mw": 10000.0}]},
    ...     "demand_interval_min": 30})
    >>> idx = pd.date_range("2021-02-01", periods=12, freq="5min", tz="America/Chicago")
    >>> arrays = tariff_arrays(spec, idx, price_usd_per_mwh=[30.0] * 12)
    >>> w = arrays.demand_windows[0]
    >>> w.name, w.block_intervals, w.block_starts.tolist(), w.block_ends.tolist()
    ('2021-02 facility', 6, [0, 6], [6, 12])
    """
    step = timeindex.interval_min(index)
    cal = tariff_calendar(spec, index)  # once, for every part below
    wins = demand_windows(spec, index, cal=cal)
    tiers = energy_tier_blocks(spec, index)
    huds = hud_blocks(spec, index)
    months = []
    for m in billing_months(spec, index, cal=cal, step_min=step):
        months.append(
            BillingMonth(
                m.month,
                m.positions,
                m.horizon_h,
                m.month_h,
                m.prorate_frac,
                m.fixed_usd,
                m.minimum_usd,
                tuple(w.name for w in wins if w.month == m.month),
                tuple(b.name for b in tiers if b.month == m.month),
                tuple(b.name for b in huds if b.month == m.month),
            )
        )
    return TariffArrays(
        interval_h=units.interval_h(step),
        energy_price_usd_per_mwh=energy_price_usd_per_mwh(spec, index, price_usd_per_mwh, cal=cal),
        export_price_usd_per_mwh=export_price_usd_per_mwh(
            spec, index, price_usd_per_mwh, sell_price_usd_per_mwh, cal=cal
        ),
        months=tuple(months),
        demand_windows=wins,
        energy_tiers=tiers,
        hud_blocks=huds,
        import_cap_mw=None if spec.contract is None else spec.contract.import_cap_mw,
    )


__all__ = ["BillingMonth", "TariffArrays", "billing_months", "tariff_arrays"]
