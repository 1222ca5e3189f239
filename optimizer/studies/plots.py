"""PNG figures of a study's ``cases.parquet``: savings against fleet size, a heatmap, the Pareto front.

Each function takes the frame :func:`optimizer.studies.runner.run_study` returns and writes one PNG
(atomically). Only cases that solved (``status`` optimal or feasible) are drawn; the others
are counted in the title. Matplotlib's object API is used (no pyplot state).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from optimizer.io import write_atomic
from optimizer.studies.pareto import pareto_front

__all__ = ["plot_heatmap", "plot_pareto", "plot_savings_vs_fleet", "write_study_plots"]

OK_STATUSES = ("optimal", "feasible")
_MUSD = 1e6


def _ok(cases: pd.DataFrame) -> pd.DataFrame:
    return cases[cases["status"].isin(OK_STATUSES)] if "status" in cases.columns else cases


def _label(value: object) -> str:
    if isinstance(value, float | np.floating):
        return f"{float(value):g}"
    return str(value)


def _figure(**kwargs: Any) -> Any:
    from optimizer.results.figure import figure_class

    return figure_class()(**kwargs)


def _save(fig: Any, path: Path) -> Path:

    path.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(path, lambda p: fig.savefig(p, format="png", dpi=120))


def _varying(cases: pd.DataFrame, col: str | None) -> bool:
    return col is not None and col in cases.columns and cases[col].nunique(dropna=True) > 1


def plot_savings_vs_fleet(
    cases: pd.DataFrame,
    path: str | Path,
    *,
    x: str = "fleet_units",
    line: str | None = "import_limit_mw",
    panel: str | None = "price_year",
    metric: str = "savings_usd",
) -> Path:
    """Savings against fleet size, one line per import cap, one panel per price year.

    Parameters
    ----------
    cases : pandas.DataFrame
        One row per case (``cases.parquet``).
    path : str or Path
        PNG to write.
    x : str
        Column on the x axis (fleet units [-]).
    line : str, optional
        One line per value of this column (import cap [MW]); ignored if it does not vary.
    panel : str, optional
        One panel per value of this column (price year); ignored if it does not vary.
    metric : str
        Column on the y axis [USD], drawn in million USD.

    Returns
    -------
    Path
        The PNG written.
    """
    ok = _ok(cases)
    line = line if _varying(cases, line) else None
    panel = panel if _varying(cases, panel) and panel != line else None
    panels = sorted(cases[panel].dropna().unique()) if panel else [None]
    fig = _figure(figsize=(6.0 * len(panels), 4.6), layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False, sharey=True)[0]
    lines = sorted(cases[line].dropna().unique(), reverse=True) if line else [None]
    for ax, pv in zip(axes, panels, strict=True):
        sub = ok if pv is None else ok[ok[panel] == pv]
        failed_here = cases if pv is None else cases[cases[panel] == pv]
        failed_here = failed_here[~failed_here.index.isin(ok.index)]
        for lv in lines:
            g = sub if lv is None else sub[sub[line] == lv]
            g = g.groupby(x, as_index=False)[metric].mean().sort_values(x)
            ax.plot(
                g[x],
                g[metric] / _MUSD,
                marker="o",
                ms=3.5,
                lw=1.5,
                label=f"{line} = {_label(lv)}" if line else metric,
            )
        if len(failed_here):
            ax.scatter(
                failed_here[x],
                np.zeros(len(failed_here)),
                marker="x",
                color="0.4",
                s=22,
                label=f"failed or infeasible ({len(failed_here)})",
                zorder=3,
            )
        ax.axhline(0.0, color="0.7", lw=0.8)
        ax.set_xlabel(f"{x} [-]")
        ax.set_title(f"{panel} = {_label(pv)}" if panel else "")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(f"{metric} [million USD]")
    axes[0].legend(fontsize=8, loc="best")
    fig.suptitle(f"Savings against fleet size ({len(ok)} of {len(cases)} cases solved)")
    return _save(fig, Path(path))


def plot_heatmap(
    cases: pd.DataFrame,
    path: str | Path,
    *,
    x: str,
    y: str,
    metric: str = "savings_usd",
    agg: str = "mean",
) -> Path:
    """``metric`` over two axes as a heatmap; further axes are aggregated (``agg``).

    Cells where no case solved are blank. ``agg`` is any pandas aggregation name
    (``mean``, ``min``, ``max``); the title says which one was used.

    Returns
    -------
    Path
        The PNG written.
    """
    ok = _ok(cases)
    grid = ok.pivot_table(index=y, columns=x, values=metric, aggfunc=agg)
    grid = grid.reindex(
        index=sorted(cases[y].dropna().unique()), columns=sorted(cases[x].dropna().unique())
    )
    scale, unit = (_MUSD, "million USD") if metric.endswith("_usd") else (1.0, "")
    values = grid.to_numpy(dtype=float) / scale
    fig = _figure(
        figsize=(max(6.0, 0.55 * grid.shape[1] + 3), max(3.5, 0.45 * grid.shape[0] + 2)),
        layout="constrained",
    )
    ax = fig.subplots()
    image = ax.imshow(np.ma.masked_invalid(values), aspect="auto", origin="lower", cmap="viridis")
    ax.set_xticks(
        range(grid.shape[1]),
        [_label(v) for v in grid.columns],
        rotation=90 if grid.shape[1] > 10 else 0,
    )
    ax.set_yticks(range(grid.shape[0]), [_label(v) for v in grid.index])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    if values.size <= 200:
        finite = values[np.isfinite(values)]
        mid = float(np.nanmean(finite)) if finite.size else 0.0
        for (i, j), v in np.ndenumerate(values):
            if np.isfinite(v):
                ax.text(
                    j,
                    i,
                    f"{v:.2f}" if scale != 1.0 else f"{v:.3g}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if v < mid else "black",
                )
    fig.colorbar(image, ax=ax, label=f"{metric} [{unit}]" if unit else metric)
    others = [
        c
        for c in (
            "price_year",
            "import_limit_mw",
            "fleet_units",
            "price_multiplier",
            "demand_charge_usd_per_mw",
        )
        if c not in (x, y) and _varying(cases, c)
    ]
    over = f", {agg} over {', '.join(others)}" if others else ""
    ax.set_title(f"{metric} by {x} and {y}{over}")
    return _save(fig, Path(path))


def plot_pareto(
    cases: pd.DataFrame,
    path: str | Path,
    *,
    cost: str = "bill_optimized_usd",
    peak: str = "peak_import_optimized_mw",
    group: str | None = "price_year",
) -> Path:
    """Bill against peak import for every solved case, with the Pareto front of each group.

    Bills of different price years are not comparable, so each ``group`` value gets its
    own panel and front (ignored if the column does not vary).

    Returns
    -------
    Path
        The PNG written.
    """
    ok = _ok(cases)
    group = group if _varying(cases, group) else None
    groups = list(ok.groupby(group)) if group else [(None, ok)]
    fig = _figure(figsize=(5.5 * max(len(groups), 1), 4.6), layout="constrained")
    axes = fig.subplots(1, max(len(groups), 1), squeeze=False)[0]
    for ax, (gv, g) in zip(axes, groups, strict=False):
        c = g[cost].to_numpy(float) / _MUSD
        p = g[peak].to_numpy(float)
        front = pareto_front(c, p)
        ax.scatter(p[~front], c[~front], s=14, alpha=0.5, color="tab:gray", label="dominated cases")
        order = np.argsort(p[front])
        ax.plot(p[front][order], c[front][order], drawstyle="steps-post", lw=1.5, color="tab:red")
        ax.scatter(
            p[front],
            c[front],
            s=22,
            color="tab:red",
            label=f"Pareto front ({int(front.sum())} cases)",
            zorder=3,
        )
        ax.set_xlabel(f"{peak} [MW]")
        ax.set_title(f"{group} = {_label(gv)}" if group else "")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    axes[0].set_ylabel(f"{cost} [million USD]")
    fig.suptitle(
        f"Bill against peak import, lower-left is better ({len(ok)} of {len(cases)} cases solved)"
    )
    return _save(fig, Path(path))


def write_study_plots(
    cases: pd.DataFrame, out_dir: str | Path, *, axes: Sequence[str] = ()
) -> list[Path]:
    """Write every figure that fits the study's axes into ``out_dir``.

    ``savings_vs_fleet.png`` when fleet size varies; ``heatmap_<x>__<y>.png`` over the first
    two varying axes (``axes`` in order, fleet size first); ``pareto_cost_vs_peak.png``.

    Returns
    -------
    list of Path
        The PNGs written.
    """
    out = Path(out_dir)
    written: list[Path] = []
    if _ok(cases).empty:
        return written
    varying = [
        a for a in (axes or ("fleet_units", "import_limit_mw", "price_year")) if _varying(cases, a)
    ]
    if "fleet_units" in varying:
        varying = ["fleet_units", *[a for a in varying if a != "fleet_units"]]
        rest = [a for a in varying if a != "fleet_units"]
        written.append(
            plot_savings_vs_fleet(
                cases,
                out / "savings_vs_fleet.png",
                line=rest[0] if rest else None,
                panel=rest[1] if len(rest) > 1 else None,
            )
        )
    if len(varying) >= 2:
        x, y = varying[0], varying[1]
        written.append(plot_heatmap(cases, out / f"heatmap_{x}__{y}.png", x=x, y=y))
    if {"bill_optimized_usd", "peak_import_optimized_mw"} <= set(cases.columns):
        written.append(plot_pareto(cases, out / "pareto_cost_vs_peak.png"))
    return written
