"""``survival.png``: outage survival curves and the cost of guaranteed ride-through hours."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def plot_survival(curve: pd.DataFrame, tradeoff: pd.DataFrame | None, path: Path) -> None:
    """Write a PNG: survival curves (left) and bill above the no-floor case against hours (right).

    Parameters
    ----------
    curve : pandas.DataFrame
        Index ``hours_h`` [h], one column per critical-load level: the share of start intervals
        surviving at least that long [-] (``RideThrough.curve()``).
    tradeoff : pandas.DataFrame or None
        ``ResilienceStudy.curve`` (``critical_load``, ``hours_h``, ``cost_usd``, ``status``); None
        draws the survival curves only.
    path : Path
        Where to write the PNG.
    """
    from optimizer.results.figure import figure_class

    Figure = figure_class()  # the object API: no pyplot state

    n_panels = 1 if tradeoff is None else 2
    fig = Figure(figsize=(6.5 * n_panels, 4.5))
    axes = fig.subplots(1, n_panels, squeeze=False)
    ax = axes[0][0]
    for level in curve.columns:
        ax.plot(curve.index, 100 * curve[level], lw=1.6, label=level)
    ax.set_xscale("log")
    ticks = [
        h for h in (0.25, 0.5, 1, 2, 4, 8, 12, 24) if curve.index.min() <= h <= curve.index.max()
    ]
    ax.set_xticks(ticks, [f"{h:g}" for h in ticks])
    ax.set_xlabel("outage length h [h]")
    ax.set_ylabel("start intervals surviving at least h [%]")
    ax.set_ylim(-2, 102)
    ax.grid(alpha=0.3)
    ax.legend(title="critical load", fontsize=8)
    ax.set_title("Ride-through of the schedule (no floor)", fontsize=10)
    if tradeoff is not None:
        ax = axes[0][1]
        ok = tradeoff[tradeoff["status"].isin(["optimal", "feasible"])]
        for level, part in ok.groupby("critical_load", sort=False):
            ax.plot(part["hours_h"], part["cost_usd"] / 1e6, marker="o", label=str(level))
        ax.set_xlabel("guaranteed ride-through H [h]")
        ax.set_ylabel("bill above the no-floor case [million USD]")
        ax.grid(alpha=0.3)
        ax.legend(title="critical load", fontsize=8)
        ax.set_title("The cost of resilience", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110, format="png")
