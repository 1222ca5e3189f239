"""Matplotlib figures of a dispatch result (PNG files for people who want files)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from optimizer.inputs.scenario import Scenario


def plot_dispatch(schedule: pd.DataFrame, scenario: Scenario, path: Path) -> None:
    """Write a three-panel PNG: load, import and cap; charge and discharge with SOC; price.

    Parameters
    ----------
    schedule : pandas.DataFrame
        An optimal result's schedule (``DispatchResult.schedule``).
    scenario : Scenario
        The scenario it was solved for (names, import cap [MW], time zone).
    path : Path
        Where to write the PNG.
    """
    # The object API, not pyplot: no backend selection, no global figure registry, and
    # about 0.1 s less import on every run.
    from optimizer.results.figure import figure_class

    Figure = figure_class()
    from matplotlib.ticker import FuncFormatter

    s = schedule
    idx = s.index.tz_localize(None)
    fig = Figure(figsize=(13, 9))
    axes = fig.subplots(3, 1, sharex=True, height_ratios=[3, 2, 1.4])
    ax = axes[0]
    ax.plot(idx, s["load_mw"], lw=0.8, color="0.45", label="site load [MW]")
    ax.plot(idx, s["grid_import_mw"], lw=0.9, color="tab:blue", label="grid import [MW]")
    if scenario.grid_import_limit_mw is None:
        cap = scenario.site.import_limit_mw
        ax.axhline(cap, color="tab:red", ls="--", lw=1, label=f"import cap {cap:.0f} MW")
    else:  # a cap per interval; inf (no cap) is left out of the line
        caps = scenario.grid_import_limit_mw.to_numpy(dtype=float)
        ax.step(idx, caps, where="post", color="tab:red", ls="--", lw=1, label="import cap [MW]")
    ax.set_ylabel("MW")
    ax.legend(loc="lower left", ncols=3, fontsize=8)
    ax.set_title(f"{scenario.name}: dispatch ({scenario.site.name})")

    ax = axes[1]
    ax.fill_between(
        idx,
        0,
        s["discharge_mw"],
        step="post",
        color="tab:green",
        alpha=0.6,
        lw=0,
        label="discharge [MW]",
    )
    ax.fill_between(
        idx,
        0,
        -s["charge_mw"],
        step="post",
        color="tab:orange",
        alpha=0.6,
        lw=0,
        label="charge [MW] (negative)",
    )
    ax.set_ylabel("MW")
    ax2 = ax.twinx()
    ax2.plot(idx, 100 * s["soc_fraction"], color="k", lw=0.8, label="SOC [%]")
    ax2.set_ylabel("SOC [%]")
    ax2.set_ylim(0, 100)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="lower left", ncols=3, fontsize=8)

    ax = axes[2]
    ax.plot(idx, s["price_usd_per_mwh"], lw=0.8, color="tab:purple")
    ax.set_ylabel("USD/MWh")
    ax.set_yscale("symlog", linthresh=100)
    # plain numbers on the symlog axis (its default labels go through mathtext: 0.15 s), at
    # most six characters so that the fixed left margin holds them: 10,000 and up as "10k"
    ax.yaxis.set_major_formatter(FuncFormatter(_price_label))
    ax.set_xlabel(f"local time ({scenario.site.timezone})")
    # fixed margins, not tight_layout(): the layout pass is a second full draw (about 0.1 s)
    fig.subplots_adjust(left=0.065, right=0.95, bottom=0.065, top=0.965, hspace=0.06)
    fig.savefig(path, dpi=110, format="png")


def _price_label(value: float, _pos: int | None = None) -> str:
    """A price tick [USD/MWh] in at most six characters: ``-1,000``, ``9,000``, ``10k``."""
    if abs(value) >= 10_000:
        return f"{value / 1000:,.0f}k"
    return f"{value:,.0f}"
