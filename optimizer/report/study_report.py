"""The report of a study (a sweep's output folder holding ``cases.parquet``).

Savings curves along the main axis, a heatmap over two axes, the Pareto front of bill
against peak import, and a sortable table of every case. The sweep's columns are read
defensively: any of the names below may be missing, and axes are found from the columns.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from optimizer.io import write_atomic
from optimizer.report import page as P
from optimizer.studies.pareto import pareto_front
from optimizer.studies.store import read_cases

if TYPE_CHECKING:
    import plotly.graph_objects as go

OK_STATUS = ("optimal", "feasible")
TOTAL_COLS = ("total_usd", "bill_optimized_usd", "optimized_total_usd", "objective_usd")
SAVINGS_COLS = ("savings_usd", "total_savings_usd")
BASELINE_COLS = ("baseline_total_usd", "bill_baseline_usd", "baseline_usd")
PEAK_COLS = ("peak_import_mw", "peak_import_optimized_mw")
META_COLS = {
    "case_id",
    "position",
    "study",
    "label",
    "start",
    "end",
    "interval_min",
    "load_shift_days",
    "status",
    "error_type",
    "message",
    "error",
    "reason",
    "path",
    "schedule_path",
    "solver",
    "interface",
    "termination",
    "solve_mode",
    "worker",
    "n_intervals",
    "baseline_feasible",
}
RESULT_PREFIXES = (
    "peak_",
    "energy_charged",
    "energy_discharged",
    "equivalent_full_cycles",
    "n_variables",
    "n_constraints",
    "exclusivity",
    "cost_",
    "baseline_",
    "optimized_",
    "savings",
)
RESULT_SUFFIXES = ("_usd", "_s")
MAX_LINES = 24


def _first(frame: pd.DataFrame, names: Sequence[str]) -> str | None:
    return next((c for c in names if c in frame.columns), None)


def find_axes(cases: pd.DataFrame) -> list[str]:
    """Columns that vary between cases and are inputs, not results (in file order).

    A column is a result when it is a known metadata column (``case_id``, ``status`` ...),
    ends in ``_usd`` or ``_s`` (money and timings; rates such as ``_usd_per_mw`` are inputs),
    or starts with a result prefix (``peak_import``, ``energy_charged`` ...). A column that
    maps one to one onto an earlier axis (``fleet_power_mw`` beside ``fleet_units``) is
    derived from it and left out. Used only when the folder has no ``study.json``.
    """
    axes: list[str] = []
    for col in cases.columns:
        name = str(col)
        if name in META_COLS or name.endswith(RESULT_SUFFIXES) or name.startswith(RESULT_PREFIXES):
            continue
        values = cases[col].dropna()
        if values.nunique() < 2:
            continue
        if not pd.api.types.is_numeric_dtype(values) and values.nunique() > max(
            24, len(cases) // 2
        ):
            continue
        if any(_one_to_one(cases, a, name) for a in axes):
            continue
        axes.append(name)
    return axes


def _one_to_one(cases: pd.DataFrame, a: str, b: str) -> bool:
    pairs = cases[[a, b]].dropna().drop_duplicates()
    return bool(len(pairs)) and pairs[a].is_unique and pairs[b].is_unique


def study_axes(study_dir: Path, cases: pd.DataFrame) -> tuple[list[str] | None, dict[str, Any]]:
    """The axes named by the sweep's manifest ``study.json`` (None without one), and its ``study`` table."""
    path = Path(study_dir) / "study.json"
    if not path.is_file():
        return None, {}
    try:
        study = json.loads(path.read_text(encoding="utf-8")).get("study", {}) or {}
    except (json.JSONDecodeError, AttributeError):
        return None, {}
    names = list(study.get("axes", {}) or {})
    if not names:
        names = list(
            dict.fromkeys(k for c in study.get("cases", []) or [] for k in c if k != "label")
        )
    names = [n for n in names if n in cases.columns]
    return (names or None), study


def _label(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def savings_figure(ok: pd.DataFrame, axes: list[str], metric: str) -> go.Figure:
    """Savings against the first numeric axis, one line per combination of the other axes."""
    import plotly.graph_objects as go

    fig = go.Figure()
    numeric = [a for a in axes if pd.api.types.is_numeric_dtype(ok[a])]
    x_axis = max(numeric or axes, key=lambda a: ok[a].nunique()) if axes else None
    if x_axis is None:
        frame = ok.reset_index(drop=True)
        fig.add_trace(
            go.Scatter(
                x=frame.get("case_id", frame.index),
                y=frame[metric],
                mode="markers+lines",
                name=metric,
            )
        )
        xtitle = "case"
    else:
        others = [a for a in axes if a != x_axis]
        groups = list(ok.groupby(others, dropna=False, sort=True)) if others else [((), ok)]
        for key, grp in groups[:MAX_LINES]:
            key = key if isinstance(key, tuple) else (key,)
            name = (
                ", ".join(f"{a}={_label(v)}" for a, v in zip(others, key, strict=False)) or metric
            )
            g = grp.sort_values(x_axis)
            fig.add_trace(
                go.Scatter(
                    x=g[x_axis],
                    y=g[metric],
                    mode="lines+markers",
                    name=name,
                    customdata=g.get("case_id"),
                    hovertemplate=f"{x_axis}=%{{x}}<br>{metric}=%{{y:,.0f}}<br>case %{{customdata}}<extra>{name}</extra>",
                )
            )
        xtitle = x_axis
    fig.update_layout(
        template="plotly_white",
        height=400,
        xaxis={"title": xtitle},
        yaxis={"title": metric, "tickprefix": "$" if metric.endswith("_usd") else ""},
        margin={"l": 80, "r": 20, "t": 20, "b": 50},
        legend={"title": {"text": ""}},
    )
    return fig


def heatmap_figure(
    ok: pd.DataFrame, x_axis: str, y_axis: str, metric: str, others: list[str]
) -> go.Figure:
    """The metric over two axes (the mean over any further axes, as in the heatmap PNG)."""
    import plotly.graph_objects as go

    grid = ok.pivot_table(index=y_axis, columns=x_axis, values=metric, aggfunc="mean")
    text = [
        [P.format_number(v, "usd") if metric.endswith("_usd") else f"{v:,.4g}" for v in row]
        for row in grid.to_numpy()
    ]
    fig = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(),
            x=[_label(v) for v in grid.columns],
            y=[_label(v) for v in grid.index],
            text=text,
            texttemplate="%{text}" if grid.size <= 150 else None,
            colorscale="Viridis",
            colorbar={"title": {"text": metric}},
            hovertemplate=f"{x_axis}=%{{x}}<br>{y_axis}=%{{y}}<br>{metric}=%{{text}}<extra></extra>",
        )
    )
    fig.update_layout(
        template="plotly_white",
        height=420,
        xaxis={"title": x_axis, "type": "category"},
        yaxis={"title": y_axis, "type": "category"},
        margin={"l": 80, "r": 20, "t": 40, "b": 50},
    )
    return fig


def pareto_figure(ok: pd.DataFrame, cost_col: str, peak_col: str, axes: list[str]) -> go.Figure:
    """Every case as a point (bill vs peak import), with one Pareto front per price year.

    Bills under different price years are not comparable, so each year gets its own front
    (as in ``pareto_cost_vs_peak.png``); a study of one price year has one front.
    """
    import plotly.graph_objects as go

    fig = go.Figure()
    group = "price_year" if "price_year" in ok.columns and ok["price_year"].nunique() > 1 else None
    groups = list(ok.groupby(group, sort=True)) if group else [(None, ok)]
    for gv, g in groups:
        suffix = f" ({group} {_label(gv)})" if group else ""
        cost = g[cost_col].to_numpy(float)
        peak = g[peak_col].to_numpy(float)
        front = pareto_front(-cost if cost_col.startswith("savings") else cost, peak)
        hover = np.asarray(
            g.apply(
                lambda r: "<br>".join(
                    [f"case {r.get('case_id', r.name)}"] + [f"{a}={_label(r[a])}" for a in axes]
                ),
                axis=1,
            ).tolist()
            if len(g)
            else [],
            dtype=object,
        )
        fig.add_trace(
            go.Scatter(
                x=peak,
                y=cost,
                mode="markers",
                name=f"case{suffix}",
                marker={"size": 7, "opacity": 0.6},
                text=list(hover),
                hovertemplate="%{text}<br>peak %{x:,.1f} MW<br>%{y:,.0f} USD<extra></extra>",
            )
        )
        order = np.argsort(peak[front])
        fig.add_trace(
            go.Scatter(
                x=peak[front][order],
                y=cost[front][order],
                mode="lines+markers",
                name=f"Pareto front{suffix}",
                line={"shape": "hv"},
                marker={"size": 9},
                text=list(hover[front][order]) if len(g) else [],
                hovertemplate="%{text}<br>peak %{x:,.1f} MW<br>%{y:,.0f} USD<extra>front</extra>",
            )
        )
    fig.update_layout(
        template="plotly_white",
        height=420,
        xaxis={"title": f"{peak_col} [MW]"},
        yaxis={"title": cost_col, "tickprefix": "$"},
        margin={"l": 80, "r": 20, "t": 20, "b": 50},
    )
    return fig


def build_study_html(
    cases: pd.DataFrame,
    *,
    title: str = "Study report",
    axes: Sequence[str] | None = None,
    description: str = "",
) -> str:
    """The study report page as an HTML string (see :func:`write_study_report`)."""
    cases = cases.reset_index(drop=cases.index.name is None)
    axes = list(axes) if axes is not None else find_axes(cases)
    if "status" in cases:
        ok_mask = cases["status"].astype(str).str.lower().isin(OK_STATUS)
    else:
        ok_mask = pd.Series(True, index=cases.index)
    ok = cases[ok_mask]
    total_col = _first(cases, TOTAL_COLS)
    sav_col = _first(cases, SAVINGS_COLS)
    if sav_col is None and total_col and (base_col := _first(cases, BASELINE_COLS)):
        cases = cases.assign(savings_usd=cases[base_col] - cases[total_col])
        ok = cases[ok_mask]
        sav_col = "savings_usd"
    peak_col = _first(cases, PEAK_COLS)
    metric = sav_col or total_col
    axes_note = f"Axes found: {', '.join(axes) if axes else 'none'}."
    sections = [
        _key_figures(cases, ok, ok_mask, sav_col, axes),
        *_chart_sections(ok, axes, metric, total_col or sav_col, peak_col, axes_note),
        _cases_section(cases, ok_mask, [*axes, sav_col, total_col, peak_col]),
    ]
    return P.page(
        title,
        f"{description + '. ' if description else ''}{len(cases):,} cases; {axes_note}",
        sections,
    )


def _key_figures(
    cases: pd.DataFrame,
    ok: pd.DataFrame,
    ok_mask: pd.Series,
    sav_col: str | None,
    axes: list[str],
) -> str:
    """The section of case counts and the best savings [USD] with its case."""
    cards = [
        P.kpi("n_cases", "Cases", len(cases), "count"),
        P.kpi("n_ok", "Solved", int(ok_mask.sum()), "count"),
        P.kpi(
            "n_failed",
            "Failed or infeasible",
            int((~ok_mask).sum()),
            "count",
            tone="bad" if (~ok_mask).any() else "",
        ),
    ]
    if sav_col and len(ok):
        best = ok.loc[ok[sav_col].idxmax()]
        cards.append(
            P.kpi(
                "best_savings_usd",
                "Best savings",
                float(best[sav_col]),
                "usd",
                sub=f"case {best.get('case_id', '')}: "
                + ", ".join(f"{a}={_label(best[a])}" for a in axes),
                tone="good",
            )
        )
    return P.section(
        "Key figures",
        '<div class="kpis">' + "".join(cards) + "</div>",
        section_id="key-figures",
    )


def _chart_sections(
    ok: pd.DataFrame,
    axes: list[str],
    metric: str | None,
    cost_col: str | None,
    peak_col: str | None,
    axes_note: str,
) -> list[str]:
    """The savings curve, the heatmap over two axes and the Pareto front, those the data allows."""
    sections = []
    if metric and len(ok):
        sections.append(
            P.section(
                f"{metric} along the study",
                P.figure_div(savings_figure(ok, axes, metric), "chart-savings")
                + f'<p class="note">{P.esc(axes_note)}</p>',
                section_id="savings",
            )
        )
    if metric and len(ok) and len(axes) >= 2:
        by_size = sorted(axes, key=lambda a: -ok[a].nunique())
        x_axis, y_axis = by_size[0], by_size[1]
        others = [a for a in axes if a not in (x_axis, y_axis)]
        note = f"Mean over {', '.join(others)}." if others else ""
        sections.append(
            P.section(
                f"{metric} over {x_axis} and {y_axis}",
                P.figure_div(heatmap_figure(ok, x_axis, y_axis, metric, others), "chart-heatmap")
                + (f'<p class="note">{P.esc(note)}</p>' if note else ""),
                section_id="heatmap",
            )
        )
    elif metric:
        sections.append(
            P.section(
                "Heatmap",
                '<p class="note">A heatmap needs two axes that vary; this study has fewer.</p>',
                section_id="heatmap",
            )
        )
    if cost_col and peak_col and len(ok):
        sections.append(
            P.section(
                "Pareto front: bill against peak import",
                P.figure_div(pareto_figure(ok, cost_col, peak_col, axes), "chart-pareto")
                + '<p class="note">Red: no other case has both a lower bill and a lower peak import.</p>',
                section_id="pareto",
            )
        )
    return sections


def _cases_section(cases: pd.DataFrame, ok_mask: pd.Series, lead_cols: list[str | None]) -> str:
    """The sortable table of every case, ``lead_cols`` first (after case id and status)."""
    lead = [
        c
        for c in (
            "case_id",
            "status",
            *lead_cols,
            "equivalent_full_cycles",
            "message",
        )
        if c and c in cases.columns
    ]
    cases = cases[list(dict.fromkeys(lead)) + [c for c in cases.columns if c not in lead]]
    years = [
        c for c in cases.columns if str(c).endswith("year")
    ]  # a year is a label, not a quantity: 2022, not 2,022
    cases = cases.assign(
        **{
            c: cases[c].map(
                lambda v: (
                    ""
                    if pd.isna(v)
                    else str(int(v))
                    if isinstance(v, int | float | np.number)
                    else str(v)
                )
            )
            for c in years
        }
    )
    rows = [
        [
            None
            if (isinstance(v, float) and np.isnan(v))
            else (v.item() if isinstance(v, np.generic) else v)
            for v in r
        ]
        for r in cases.itertuples(index=False)
    ]
    classes = ["" if k else "failed" for k in ok_mask]
    return P.section(
        "Cases",
        '<p class="note">Click a column header to sort.</p><div class="table-wrap nowrap">'
        + P.table(
            [str(c) for c in cases.columns],
            rows,
            sortable=True,
            row_classes=classes,
            table_id="cases-table",
        )
        + "</div>",
        section_id="cases",
    )


def write_study_report(study_dir: str | Path, *, axes: Sequence[str] | None = None) -> Path:
    """Write a self-contained ``report.html`` into a study's output folder.

    Parameters
    ----------
    study_dir : str or Path
        Folder holding ``cases.parquet`` (one row per case: ``case_id``, ``status``,
        ``total_usd`` and/or ``savings_usd``, ``peak_import_mw``, and the axis columns).
    axes : sequence of str, optional
        The study's axis columns. Default: those the sweep's ``study.json`` names, else
        found from the columns (:func:`find_axes`).

    Returns
    -------
    Path
        The ``report.html`` written (atomically).

    Raises
    ------
    InputError
        The folder holds no ``cases.parquet``.
    """

    folder = Path(study_dir)
    cases = read_cases(folder)
    named, study = study_axes(folder, cases)
    name = study.get("name") or folder.resolve().name
    text = build_study_html(
        cases,
        title=f"Study report: {name}",
        axes=axes if axes is not None else named,
        description=str(study.get("description", "")),
    )
    return write_atomic(folder / "report.html", lambda p: p.write_text(text, encoding="utf-8"))
