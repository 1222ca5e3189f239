"""``net-value.png``: the fleet's net value against its size, with the sizing LP's optimum."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def plot_net_value(
    curve: pd.DataFrame,
    optimum_units: float,
    optimum_net_value_usd: float,
    path: Path,
    *,
    title: str = "",
) -> None:
    """Write a PNG of net value [USD over the horizon] against fleet size [units].

    Parameters
    ----------
    curve : pandas.DataFrame
        ``units`` [-], ``net_value_usd`` [USD] and ``status`` (rows not ``optimal`` are left
        out and marked on the axis).
    optimum_units, optimum_net_value_usd : float
        The sizing LP's optimum [-] and its net value [USD].
    path : Path
        Where to write the PNG.
    title : str
        Figure title.
    """
    from optimizer.results.figure import figure_class

    Figure = figure_class()  # the object API: no pyplot state

    fig = Figure(figsize=(7.5, 4.5))
    ax = fig.subplots()
    ok = curve[curve["status"] == "optimal"].sort_values("units") if len(curve) else curve
    if len(ok):
        ax.plot(ok["units"], ok["net_value_usd"] / 1e6, "o-", lw=1.6, label="fixed size (re-solve)")
    bad = curve[curve["status"] != "optimal"] if len(curve) else curve
    for u in bad["units"] if len(bad) else []:
        ax.axvline(float(u), color="0.7", ls=":", lw=1)
        ax.annotate("infeasible", (float(u), 0), rotation=90, fontsize=7, color="0.5", va="bottom")
    ax.plot(
        [optimum_units],
        [optimum_net_value_usd / 1e6],
        "r*",
        ms=14,
        label=f"LP optimum {optimum_units:,.1f}",
    )
    ax.plot([0], [0], "ks", ms=7, label="no fleet (no grid duties)")
    ax.axhline(0.0, color="k", lw=0.8)
    ax.set_xlabel("fleet size [units]")
    ax.set_ylabel("net value over the horizon [M USD]")
    ax.set_title(title or "net value = bill savings - annualised fleet cost", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120, format="png")


__all__ = ["plot_net_value"]
