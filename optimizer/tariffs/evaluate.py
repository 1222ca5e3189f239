"""The LP's bill in numpy: every tariff cost term of a schedule from the LP arrays.

:func:`window_values` gives the value each window variable of the LP takes at the optimum
for a schedule; :func:`cost_terms` sums them with the energy, tier, fixed, minimum and
export terms into what the LP's objective must equal. The independent line-by-line bill is
:func:`optimizer.tariffs.calculator.bill`; the two agree on every schedule.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from optimizer.tariffs.arrays import TariffArrays
from optimizer.tariffs.demand_windows import DemandWindow
from optimizer.tariffs.energy_tiers import HudBlock

HUD_REL_TOL = 1e-9
"""Relative slack of the HUD validity test ``E >= u D`` (round-off of a binding optimum)."""


def hud_block_bill_usd(
    tiers: tuple[tuple[float, float | None], ...], e_mwh: float, d_mw: float
) -> float:
    """The exact HUD bill of energy ``e_mwh`` under billing demand ``d_mw`` [USD].

    Block ``j`` holds the energy between ``u_(j-1) D`` and ``u_j D`` at ``r_j``.
    """
    total, lower = 0.0, 0.0
    for rate, upper in tiers:
        hi = np.inf if upper is None else upper * d_mw
        total += rate * float(np.clip(e_mwh, lower, hi) - lower) if e_mwh > lower else 0.0
        lower = hi
    return total


def hud_validity(
    arrays: TariffArrays, grid_import_mw: npt.ArrayLike, billed_mw: dict[str, float] | None = None
) -> pd.DataFrame:
    """Whether the linear HUD form held on a schedule, block by block (``SPEC.md`` §9).

    The linear form ``r_n E + c D`` is the block bill exactly when ``E >= u D`` (``u`` the
    last bounded block, in hours use of demand; ``E`` includes energy to date).

    Returns
    -------
    pandas.DataFrame
        Index: HUD block name. Columns ``month``, ``window``, ``energy_mwh``,
        ``billed_mw``, ``min_energy_mwh`` (``u D``), ``hours_use`` (``E / D``), ``valid``,
        ``linear_usd`` and ``exact_usd`` (the HUD part of the bill, both forms) [USD].
    """
    g = np.asarray(grid_import_mw, dtype=float)
    if billed_mw is None:
        vals = window_values(arrays.demand_windows, g)
        billed_mw = {str(k): float(v) for k, v in vals["billed_mw"].items()}
    rows = []
    for h in arrays.hud_blocks:
        rows.append(_hud_row(h, g, arrays.interval_h, billed_mw.get(h.window, 0.0)))
    cols = [
        "block",
        "month",
        "window",
        "energy_mwh",
        "billed_mw",
        "min_energy_mwh",
        "hours_use",
        "valid",
        "linear_usd",
        "exact_usd",
    ]
    return pd.DataFrame(rows, columns=cols).set_index("block")


def _hud_row(h: HudBlock, g: npt.NDArray[np.float64], dt_h: float, d_mw: float) -> tuple:
    e = h.energy_to_date_mwh + float(g[h.positions].sum() * dt_h)
    r_last = h.tiers[-1][0]
    linear = r_last * e + h.rate_usd_per_mw * d_mw
    exact = hud_block_bill_usd(h.tiers, e, d_mw)
    need = h.min_hours * d_mw
    valid = e >= need * (1 - HUD_REL_TOL) - HUD_REL_TOL
    hours = e / d_mw if d_mw > 0 else float("inf")
    return (h.name, h.month, h.window, e, d_mw, need, hours, bool(valid), linear, exact)


def window_values(windows: tuple[DemandWindow, ...], grid_import_mw: npt.ArrayLike) -> pd.DataFrame:
    """Metered, billed and excess MW and the cost of every window for a schedule.

    This is the value the LP's window variables take at the optimum for ``grid_import_mw``
    (``m_k``, ``b_k``, ``e_k``), evaluated in window order so ratchet links resolve.

    Returns
    -------
    pandas.DataFrame
        Index: window name. Columns ``metered_mw``, ``billed_mw``, ``excess_mw`` [MW],
        ``demand_usd``, ``excess_usd`` [USD].
    """
    rows = _window_rows(windows, np.asarray(grid_import_mw, dtype=float))
    return pd.DataFrame(
        rows, columns=["window", "metered_mw", "billed_mw", "excess_mw", "demand_usd", "excess_usd"]
    ).set_index("window")


def _window_rows(
    windows: tuple[DemandWindow, ...], g: npt.NDArray[np.float64]
) -> list[tuple[str, float, float, float, float, float]]:
    """The rows of :func:`window_values` (name, metered, billed, excess [MW], demand, excess
    [USD]), as plain tuples (the bill of every solve reads them)."""
    metered: dict[str, float] = {}
    rows = []
    for w in windows:
        avg = w.block_averages_mw(g)
        if w.is_expected:
            assert w.block_weights is not None  # noqa: S101
            m = float(np.dot(w.block_weights, avg)) + w.accrued_mw
            rows.append((w.name, m, m, 0.0, w.rate_usd_per_mw * m, 0.0))
            continue
        m = max(float(avg.max()) if len(avg) else 0.0, w.peak_floor_mw)
        metered[w.name] = m
        b = max([m, w.billing_floor_mw] + [f * metered[j] for j, f in w.ratchet_links])
        cost = w.rate_usd_per_mw * b + sum(
            extra * max(0.0, b - above) for above, extra in w.tier_steps
        )
        e = max(0.0, m - w.contract_mw) if w.contract_mw is not None else 0.0
        rows.append((w.name, m, b, e, cost, w.excess_rate_usd_per_mw * e))
    return rows


def cost_terms(
    arrays: TariffArrays,
    grid_import_mw: npt.ArrayLike,
    grid_export_mw: npt.ArrayLike | None = None,
) -> pd.Series:
    """Every tariff cost term of a schedule from the LP arrays [USD], plus ``total``.

    Terms: ``energy`` (incl. tier steps and HUD blocks), ``export`` (negative), ``demand``
    (facility and TOU), ``excess``, ``coincident``, ``fixed``, ``minimum`` (top-up to the
    minimum bill). HUD blocks are billed exactly: the LP's linear form plus the block bill's
    difference from it, which is 0 while the load factor keeps the form valid
    (:func:`hud_validity`).
    """
    g = np.asarray(grid_import_mw, dtype=float)
    x = np.zeros_like(g) if grid_export_mw is None else np.asarray(grid_export_mw, dtype=float)
    dt_h = arrays.interval_h
    energy_t = arrays.energy_price_usd_per_mwh * g * dt_h
    tiers = {
        b.name: sum(
            extra * max(0.0, float(g[b.positions].sum() * dt_h) - above)
            for above, extra in b.tier_steps
        )
        for b in arrays.energy_tiers
    }
    rows = _window_rows(arrays.demand_windows, g)
    billed = {r[0]: r[2] for r in rows}
    demand_usd = {r[0]: r[4] for r in rows}
    excess_usd = {r[0]: r[5] for r in rows}
    hud_usd: dict[str, float] = {}
    if arrays.hud_blocks:
        hud = hud_validity(arrays, g, billed)
        # the linear form's demand part plus the exact bill's difference from the linear form
        hud_usd = {
            h.name: h.rate_usd_per_mw * billed.get(h.window, 0.0)
            + float(hud.at[h.name, "exact_usd"] - hud.at[h.name, "linear_usd"])
            for h in arrays.hud_blocks
        }
    kinds = {w.name: w.kind for w in arrays.demand_windows}
    terms = dict.fromkeys(
        ("energy", "export", "demand", "excess", "coincident", "fixed", "minimum"), 0.0
    )
    for m in arrays.months:
        energy = (
            float(energy_t[m.positions].sum())
            + sum(tiers[n] for n in m.tier_block_names)
            + sum(hud_usd[n] for n in m.hud_block_names)
        )
        demand = sum(demand_usd[n] for n in m.window_names if kinds[n] != "coincident")
        coincident = sum(demand_usd[n] for n in m.window_names if kinds[n] == "coincident")
        excess = sum(excess_usd[n] for n in m.window_names)
        subtotal = energy + demand + coincident + excess + m.fixed_usd
        terms["energy"] += energy
        terms["demand"] += demand
        terms["coincident"] += coincident
        terms["excess"] += excess
        terms["fixed"] += m.fixed_usd
        if m.minimum_usd > 0:  # no minimum bill: a negative bill (paid to import) stands
            terms["minimum"] += max(0.0, m.minimum_usd - subtotal)
        terms["export"] -= float(
            np.dot(arrays.export_price_usd_per_mwh[m.positions], x[m.positions]) * dt_h
        )
    terms["total"] = float(sum(terms.values()))
    return pd.Series(terms, name="usd")


__all__ = ["HUD_REL_TOL", "cost_terms", "hud_block_bill_usd", "hud_validity", "window_values"]
