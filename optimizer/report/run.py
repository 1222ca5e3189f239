"""The report of one run: key figures, bill waterfall, dispatch, ramp and headroom, inputs.

It reads only what ``DispatchResult.to_dir`` wrote (``summary.json``, ``schedule.parquet``),
so it can be made again later from the folder alone.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from optimizer.errors import InputError, Issue
from optimizer.report import page as P

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from optimizer.inputs.scenario import Scenario

MAX_POINTS = 20_000
"""Above this many intervals a time-series trace is thinned (min/max per bucket) [-]."""

COLORS = {
    "load": "#7b8794",
    "import": "#1f6feb",
    "cap": "#cf222e",
    "export": "#8250df",
    "charge": "#f0883e",
    "discharge": "#2da44e",
    "soc": "#0b7285",
    "price": "#6f42c1",
    "event": "rgba(207,34,46,0.10)",
}

# Keys that name the same quantity in the summary's metadata, newest first.
RAMP_RISE_KEYS = ("rise_mw_per_min", "ramp_rise_mw_per_min", "ramp_up_limit_mw_per_min", "ramp_limit_mw_per_min")
RAMP_FALL_KEYS = ("fall_mw_per_min", "ramp_fall_mw_per_min", "ramp_down_limit_mw_per_min", "ramp_limit_mw_per_min")
HEADROOM_UP_NEED = ("swing_up_mw", "reserve_up_mw")
HEADROOM_DOWN_NEED = ("swing_down_mw", "reserve_down_mw")


# ---------------------------------------------------------------------------- inputs
def scenario_inputs(scenario: Scenario) -> dict[str, Any]:
    """The scenario's inputs as JSON-ready metadata for a report.

    ``summary.json`` does not (yet) record the site, tariff and grid rules; ``run --report``
    passes this to :func:`write_report` so the report can show them (and draw the import cap).

    Parameters
    ----------
    scenario : Scenario
        The scenario that was optimised.

    Returns
    -------
    dict
        ``scenario`` (name, source file), ``site``, ``tariff``, ``fleet`` (SOC band [MWh]) and,
        when the scenario has them, ``grid`` rules.
    """
    site = scenario.site
    groups = site.battery_groups
    capacity_mwh = sum(g.n_units * g.unit.energy_capacity_mwh for g in groups)
    out: dict[str, Any] = {
        "scenario": {"name": scenario.name, "source_path": scenario.source_path},
        "site": site.model_dump(mode="json"),
        "tariff": scenario.tariff.model_dump(mode="json"),
        "fleet": {
            "energy_capacity_mwh": capacity_mwh,
            "soc_min_mwh": sum(g.n_units * g.unit.energy_capacity_mwh * g.unit.soc_min_frac for g in groups),
            "soc_max_mwh": sum(g.n_units * g.unit.energy_capacity_mwh * g.unit.soc_max_frac for g in groups),
        },
    }
    grid = getattr(scenario, "grid", None)
    if grid is not None and hasattr(grid, "model_dump"):
        out["grid"] = grid.model_dump(mode="json")
    return out


def read_run_dir(result_dir: Path) -> tuple[dict[str, Any], pd.DataFrame]:
    """Read ``summary.json`` and ``schedule.parquet`` from a run's output folder.

    Raises
    ------
    InputError
        A file is missing or unreadable.
    """
    folder = Path(result_dir)
    issues = [
        Issue("missing run output", path=str(folder / name), expected=name, got="no such file", fix="Point at a folder written by `bess-dispatch run`")
        for name in ("summary.json", "schedule.parquet")
        if not (folder / name).is_file()
    ]
    if issues:
        raise InputError("", issues=issues)
    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError("", issues=[Issue(f"not valid JSON: {exc}", path=str(folder / "summary.json"), fix="Re-run `bess-dispatch run` to rewrite it")]) from exc
    schedule = pd.read_parquet(folder / "schedule.parquet")
    if not isinstance(schedule.index, pd.DatetimeIndex) and "interval_start" in schedule.columns:
        schedule = schedule.set_index("interval_start")
    if not isinstance(schedule.index, pd.DatetimeIndex):
        raise InputError("", issues=[Issue("schedule has no time index", path=str(folder / "schedule.parquet"), field="interval_start", expected="a DatetimeIndex or an interval_start column", got=type(schedule.index).__name__)])
    return summary, schedule


# ----------------------------------------------------------------------- time axis
def local_ms(index: pd.DatetimeIndex) -> np.ndarray:
    """Wall-clock local time as milliseconds since 1970 (plotly shows them as dates) [ms]."""
    naive = index.tz_localize(None) if index.tz is not None else index
    return naive.as_unit("ms").asi8.astype(float)


def thin_positions(values: np.ndarray, max_points: int = MAX_POINTS) -> np.ndarray:
    """Positions to plot: all of them, or each bucket's min and max when there are too many.

    Min/max per bucket keeps every peak and trough visible (a mean would hide the peak that
    sets the demand charge), with at most about ``max_points`` points.
    """
    n = len(values)
    if n <= max_points:
        return np.arange(n)
    k = math.ceil(2 * n / max_points)
    n_buckets = math.ceil(n / k)
    padded = np.full(n_buckets * k, np.nan)
    padded[:n] = values
    blocks = padded.reshape(n_buckets, k)
    with np.errstate(invalid="ignore"):
        lo = np.nanargmin(np.where(np.isnan(blocks), np.inf, blocks), axis=1)
        hi = np.nanargmax(np.where(np.isnan(blocks), -np.inf, blocks), axis=1)
    base = np.arange(n_buckets) * k
    pos = np.sort(np.stack([base + lo, base + hi], axis=1), axis=1).ravel()
    return np.unique(np.clip(pos, 0, n - 1))


def _trace(x_ms: np.ndarray, y: np.ndarray, **kw: Any) -> go.Scatter:
    import plotly.graph_objects as go

    pos = thin_positions(y)
    return go.Scatter(x=x_ms[pos], y=np.round(y[pos], 3), **kw)


def event_runs(schedule: pd.DataFrame) -> list[tuple[int, int, str]]:
    """Contiguous runs of non-empty ``event`` labels: (first, last, label) positions."""
    if "event" not in schedule.columns:
        return []
    labels = schedule["event"].fillna("").astype(str).to_numpy()
    runs: list[tuple[int, int, str]] = []
    start = None
    for i, lab in enumerate(labels):
        if start is not None and lab != labels[start]:
            if labels[start]:
                runs.append((start, i - 1, labels[start]))
            start = None
        if start is None:
            start = i
    if start is not None and labels[start]:
        runs.append((start, len(labels) - 1, labels[start]))
    return runs


def event_ids(schedule: pd.DataFrame) -> list[str]:
    """Distinct event ids in the schedule's ``event`` column (labels like ``a+b`` hold two)."""
    if "event" not in schedule.columns:
        return []
    ids: set[str] = set()
    for lab in schedule["event"].dropna().astype(str).unique():
        ids.update(p for p in lab.split("+") if p.strip())
    return sorted(ids)


# --------------------------------------------------------------------------- figures
def waterfall_figure(costs: Mapping[str, Mapping[str, float]]) -> go.Figure:
    """Baseline bill, each term's change, optimised bill [USD]."""
    import plotly.graph_objects as go

    total = costs.get("total", {})
    terms = [
        t
        for t, row in costs.items()
        if t != "total" and (abs(row.get("baseline_usd", 0.0)) > 0.005 or abs(row.get("optimized_usd", 0.0)) > 0.005)
    ]
    x = ["without batteries"] + terms + ["with batteries"]
    y = [total.get("baseline_usd", 0.0)] + [costs[t]["optimized_usd"] - costs[t]["baseline_usd"] for t in terms] + [0.0]
    text = [P.format_number(total.get("baseline_usd"), "usd")]
    text += ["no change" if abs(v) < 0.005 else ("+" if v > 0 else "") + P.format_number(v, "usd") for v in y[1:-1]]
    text += [P.format_number(total.get("optimized_usd"), "usd")]
    fig = go.Figure(
        go.Waterfall(
            x=x,
            y=y,
            measure=["absolute"] + ["relative"] * len(terms) + ["total"],
            text=text,
            textposition="outside",
            cliponaxis=False,
            connector={"line": {"color": "#9aa5b1", "width": 1}},
            increasing={"marker": {"color": COLORS["cap"]}},
            decreasing={"marker": {"color": COLORS["discharge"]}},
            totals={"marker": {"color": COLORS["import"]}},
            hovertemplate="%{x}: %{text}<extra></extra>",
        )
    )
    lo = min(0.0, *(np.cumsum(y[:-1]))) if len(y) > 1 else 0.0
    hi = max(np.cumsum(y[:-1]).max(), total.get("baseline_usd", 0.0), total.get("optimized_usd", 0.0))
    pad = 0.12 * (hi - lo if hi > lo else 1.0)
    fig.update_layout(
        template="plotly_white",
        height=380,
        margin={"l": 70, "r": 20, "t": 30, "b": 40},
        yaxis={"title": "bill [USD]", "tickprefix": "$", "range": [lo, hi + pad]},
        showlegend=False,
    )
    return fig


def dispatch_figure(summary: Mapping[str, Any], schedule: pd.DataFrame, flat: Mapping[str, Any]) -> go.Figure:
    """Load and import against the cap; charge/discharge; SOC and its band; price; events shaded."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    s = schedule
    x = local_ms(s.index)
    step_ms = float(summary.get("interval_min", 15)) * 60_000.0
    fig = make_subplots(
        rows=4,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.035,
        row_heights=[0.34, 0.24, 0.2, 0.22],
        subplot_titles=("site load and grid import [MW]", "battery charge / discharge [MW]", "state of charge [MWh]", "energy price [USD/MWh]"),
    )
    line = {"width": 1.2}
    if "load_mw" in s:
        fig.add_trace(_trace(x, s["load_mw"].to_numpy(float), name="site load", line={**line, "color": COLORS["load"]}), 1, 1)
    if "grid_import_mw" in s:
        fig.add_trace(_trace(x, s["grid_import_mw"].to_numpy(float), name="grid import", line={**line, "color": COLORS["import"]}), 1, 1)
    if "grid_export_mw" in s and float(s["grid_export_mw"].abs().max()) > 1e-6:
        fig.add_trace(_trace(x, -s["grid_export_mw"].to_numpy(float), name="grid export (negative)", line={**line, "color": COLORS["export"]}), 1, 1)
    cap = P.find_number(flat, "import_limit_mw", "grid_import_limit_mw")
    if cap is not None:
        fig.add_trace(
            go.Scatter(x=[x[0], x[-1] + step_ms], y=[cap, cap], mode="lines", name=f"import cap {cap:,.0f} MW", line={"color": COLORS["cap"], "dash": "dash", "width": 1.5}),
            1,
            1,
        )
    if "discharge_mw" in s:
        fig.add_trace(_trace(x, s["discharge_mw"].to_numpy(float), name="discharge", fill="tozeroy", line={"width": 0.6, "color": COLORS["discharge"], "shape": "hv"}), 2, 1)
    if "charge_mw" in s:
        fig.add_trace(_trace(x, -s["charge_mw"].to_numpy(float), name="charge (negative)", fill="tozeroy", line={"width": 0.6, "color": COLORS["charge"], "shape": "hv"}), 2, 1)
    if "soc_mwh" in s:
        fig.add_trace(_trace(x, s["soc_mwh"].to_numpy(float), name="state of charge", fill="tozeroy", line={**line, "color": COLORS["soc"]}, fillcolor="rgba(11,114,133,0.15)"), 3, 1)
    for key, label in (("soc_min_mwh", "SOC min"), ("soc_max_mwh", "SOC max")):
        v = P.find_number(flat, key)
        if v is not None:
            fig.add_trace(go.Scatter(x=[x[0], x[-1] + step_ms], y=[v, v], mode="lines", name=f"{label} {v:,.0f} MWh", line={"color": COLORS["soc"], "dash": "dot", "width": 1}), 3, 1)
    cap_mwh = P.find_number(flat, "fleet_energy_mwh", "energy_capacity_mwh")
    if cap_mwh:
        fig.update_yaxes(range=[0, cap_mwh * 1.05], row=3, col=1)
    if "price_usd_per_mwh" in s:
        fig.add_trace(_trace(x, s["price_usd_per_mwh"].to_numpy(float), name="price", line={"width": 1, "color": COLORS["price"], "shape": "hv"}), 4, 1)
    for first, last, label in event_runs(s):
        fig.add_vrect(x0=x[first], x1=x[last] + step_ms, fillcolor=COLORS["event"], line_width=0, layer="below", row="all", col=1)
        fig.add_annotation(x=x[first], y=1.0, xref="x", yref="paper", text=f"event {label}", showarrow=False, xanchor="left", yanchor="bottom", font={"size": 10, "color": COLORS["cap"]})
    fig.update_xaxes(type="date", hoverformat="%a %Y-%m-%d %H:%M")
    fig.update_xaxes(
        rangeselector={
            "buttons": [
                {"count": 1, "label": "1 day", "step": "day", "stepmode": "backward"},
                {"count": 7, "label": "1 week", "step": "day", "stepmode": "backward"},
                {"step": "all", "label": "all"},
            ],
            "x": 0,
            "y": 1.07,
        },
        row=1,
        col=1,
    )
    fig.update_xaxes(title_text=f"local time ({_timezone(flat)})", row=4, col=1)
    fig.update_layout(
        template="plotly_white",
        height=860,
        hovermode="x unified",
        margin={"l": 70, "r": 20, "t": 70, "b": 50},
        legend={"orientation": "h", "y": -0.08, "x": 0},
    )
    fig.update_annotations(font_size=12, selector={"xref": "paper"})
    return fig


def _timezone(flat: Mapping[str, Any]) -> str:
    for key, value in flat.items():
        if key.endswith("timezone") and isinstance(value, str):
            return value
    return "site time"


def ramp_figure(summary: Mapping[str, Any], schedule: pd.DataFrame, flat: Mapping[str, Any]) -> tuple[go.Figure, str]:
    """Step-to-step change of grid import per minute, with and without batteries, against the limits."""
    import plotly.graph_objects as go

    s = schedule
    dt_min = float(summary.get("interval_min", 15))
    x = local_ms(s.index)
    ramp = np.diff(s["grid_import_mw"].to_numpy(float), prepend=np.nan) / dt_min
    fig = go.Figure()
    if "load_mw" in s:
        base = np.diff(s["load_mw"].to_numpy(float), prepend=np.nan) / dt_min
        fig.add_trace(_trace(x[1:], base[1:], name="without batteries (load)", line={"width": 0.8, "color": COLORS["load"]}))
    fig.add_trace(_trace(x[1:], ramp[1:], name="with batteries (grid import)", line={"width": 1, "color": COLORS["import"]}))
    rise = P.find_number(flat, *RAMP_RISE_KEYS)
    fall = P.find_number(flat, *RAMP_FALL_KEYS)
    step_ms = dt_min * 60_000.0
    parts = []
    finite = ramp[1:] if len(ramp) > 1 else np.zeros(1)
    parts.append(f"largest rise {np.nanmax(finite):,.2f} MW/min, largest fall {-np.nanmin(finite):,.2f} MW/min")
    for value, sign, label in ((rise, 1.0, "rise limit"), (fall, -1.0, "fall limit")):
        if value is not None:
            fig.add_trace(go.Scatter(x=[x[0], x[-1] + step_ms], y=[sign * value, sign * value], mode="lines", name=f"{label} {value:g} MW/min", line={"color": COLORS["cap"], "dash": "dash", "width": 1.2}))
    if rise is not None or fall is not None:
        tol = 1e-6
        n_bad = int(np.sum(finite > (rise if rise is not None else np.inf) + tol) + np.sum(finite < -(fall if fall is not None else np.inf) - tol))
        parts.append(f"{n_bad} step(s) outside the limits")
    else:
        parts.append("no ramp limit recorded for this run")
    fig.update_xaxes(type="date", hoverformat="%a %Y-%m-%d %H:%M")
    fig.update_layout(
        template="plotly_white",
        height=320,
        hovermode="x unified",
        yaxis={"title": "change of import [MW/min]"},
        margin={"l": 70, "r": 20, "t": 20, "b": 40},
        legend={"orientation": "h", "y": -0.2, "x": 0},
    )
    return fig, "; ".join(parts) + "."


def headroom_figure(schedule: pd.DataFrame) -> tuple[go.Figure, str]:
    """Headroom up/down held by the fleet, against what the swing buffer and reserve need [MW]."""
    import plotly.graph_objects as go

    s = schedule
    x = local_ms(s.index)
    fig = go.Figure()
    parts = []
    for direction, cols, color in (("up", HEADROOM_UP_NEED, COLORS["discharge"]), ("down", HEADROOM_DOWN_NEED, COLORS["charge"])):
        col = f"headroom_{direction}_mw"
        if col not in s:
            continue
        have = s[col].to_numpy(float)
        fig.add_trace(_trace(x, have, name=f"headroom {direction}", line={"width": 1, "color": color}))
        need_cols = [c for c in cols if c in s]
        msg = f"{direction}: min {np.min(have):,.1f} MW"
        if need_cols:
            need = s[need_cols].to_numpy(float).sum(axis=1)
            fig.add_trace(_trace(x, need, name=f"needed {direction} ({' + '.join(need_cols)})", line={"width": 1, "color": color, "dash": "dot"}))
            n_bad = int(np.sum(have < need - 1e-6))
            msg += f", smallest margin {np.min(have - need):,.1f} MW, {n_bad} interval(s) short"
        parts.append(msg)
    if not any(c in s for c in HEADROOM_UP_NEED + HEADROOM_DOWN_NEED):
        parts.append("no swing or reserve requirement recorded in this run")
    fig.update_xaxes(type="date", hoverformat="%a %Y-%m-%d %H:%M")
    fig.update_layout(
        template="plotly_white",
        height=320,
        hovermode="x unified",
        yaxis={"title": "headroom [MW]", "rangemode": "tozero"},
        margin={"l": 70, "r": 20, "t": 20, "b": 40},
        legend={"orientation": "h", "y": -0.2, "x": 0},
    )
    return fig, "; ".join(parts) + "."


# --------------------------------------------------------------------------- the page
def _kpis(summary: Mapping[str, Any], schedule: pd.DataFrame) -> str:
    base = summary.get("bill_baseline_usd")
    opt = summary.get("bill_optimized_usd")
    sav = summary.get("savings_usd")
    share = f"{100 * sav / base:.1f} % of the bill" if sav is not None and base else ""
    peak0 = summary.get("peak_import_baseline_mw")
    peak1 = summary.get("peak_import_optimized_mw")
    dpeak = ""
    if peak0 is not None and peak1 is not None:
        d = peak1 - peak0
        dpeak = f"{'+' if d >= 0 else ''}{d:,.1f} MW vs without batteries"
    cards = [
        P.kpi("bill_baseline_usd", "Bill without batteries", base, "usd"),
        P.kpi("bill_optimized_usd", "Bill with batteries", opt, "usd"),
        P.kpi("savings_usd", "Savings", sav, "usd", sub=share, tone="good" if (sav or 0) >= 0 else "bad"),
        P.kpi("peak_import_baseline_mw", "Peak import before", peak0, "mw", suffix="MW"),
        P.kpi("peak_import_optimized_mw", "Peak import after", peak1, "mw", suffix="MW", sub=dpeak),
        P.kpi("equivalent_full_cycles", "Equivalent full cycles", summary.get("equivalent_full_cycles"), "cycles", sub=f"{summary.get('energy_discharged_mwh', 0.0):,.0f} MWh discharged"),
    ]
    ids = event_ids(schedule)
    if ids:
        n_int = int((schedule["event"].fillna("").astype(str) != "").sum())
        cards.append(P.kpi_text("events", "Events served", f"{len(ids)}", sub=f"{n_int} intervals: {', '.join(ids[:6])}{' ...' if len(ids) > 6 else ''}", value=len(ids)))
    else:
        cards.append(P.kpi_text("events", "Events served", "no events", sub="no utility event in the horizon"))
    return '<div class="kpis">' + "".join(cards) + "</div>"


def _bill_table(costs: Mapping[str, Mapping[str, float]]) -> str:
    rows = [
        [term, row.get("baseline_usd"), row.get("optimized_usd"), row.get("savings_usd")]
        for term, row in costs.items()
    ]
    return P.table(["term", "without batteries [USD]", "with batteries [USD]", "savings [USD]"], rows)


def _inputs_section(summary: Mapping[str, Any], inputs: Mapping[str, Any] | None) -> str:
    notes = list(summary.get("notes", []))
    src = "".join(f"<li>{P.esc(n)}</li>" for n in notes) or "<li>none recorded</li>"
    parts = [f"<h3>Sources and notes</h3><ul class=\"sources\">{src}</ul>"]
    meta = {k: v for k, v in summary.items() if k not in ("costs_usd", "notes")}
    if inputs:
        meta = {**meta, "inputs": {**dict(meta.get("inputs", {}) or {}), **dict(inputs)}}
    flat = P.flatten(meta)
    rows = [[k, v if isinstance(v, int | float | bool) or v is None else str(v)] for k, v in flat.items()]
    parts.append("<h3>Inputs and run facts</h3><p class=\"note\">Every key of <code>summary.json</code> (and of the scenario's inputs, when the report was written by <code>run --report</code>).</p>")
    parts.append('<div class="table-wrap">' + P.table(["key", "value"], rows) + "</div>")
    return "".join(parts)


def build_run_html(summary: Mapping[str, Any], schedule: pd.DataFrame, inputs: Mapping[str, Any] | None = None) -> str:
    """The report page of one run, as an HTML string (see :func:`write_report`)."""
    flat = P.flatten({**dict(summary), "inputs": {**dict(summary.get("inputs", {}) or {}), **dict(inputs or {})}})
    costs = summary.get("costs_usd", {}) or {}
    title = f"Battery dispatch report: {summary.get('scenario', '')}"
    sub = (
        f"{str(summary.get('start', ''))[:16]} .. {str(summary.get('end', ''))[:16]}, "
        f"{summary.get('interval_min', '?')}-minute steps, {summary.get('n_intervals', len(schedule)):,} intervals; "
        f"status {summary.get('status', '?')}; solver {summary.get('solver', '?')}"
    )
    sections = [P.section("Key figures", _kpis(summary, schedule), section_id="key-figures")]
    if not summary.get("baseline_feasible", True):
        sections[0] = sections[0].replace("</section>", '<p class="note bad">The no-battery baseline breaks a hard limit; its bill is shown for reference only.</p></section>')
    if costs:
        sections.append(P.section("Bill: without batteries to with batteries", P.figure_div(waterfall_figure(costs), "chart-waterfall") + _bill_table(costs), section_id="bill"))
    note = ""
    if len(schedule) > MAX_POINTS:
        note = f'<p class="note">{len(schedule):,} intervals: each trace is thinned to the lowest and highest value of each bucket (about {MAX_POINTS:,} points), so every peak stays visible; the key figures use every interval.</p>'
    if P.find_number(flat, "import_limit_mw", "grid_import_limit_mw") is None:
        note += '<p class="note">The import cap is not recorded in this run\'s summary.json, so it is not drawn.</p>'
    sections.append(
        P.section(
            "Dispatch",
            P.figure_div(dispatch_figure(summary, schedule, flat), "chart-dispatch")
            + '<p class="note">Drag to zoom, double-click to reset; the buttons pick the last day or week. Shaded bands are utility events.</p>'
            + note,
            section_id="dispatch",
        )
    )
    if "grid_import_mw" in schedule and len(schedule) > 1:
        fig, text = ramp_figure(summary, schedule, flat)
        sections.append(P.section("Ramp compliance", P.figure_div(fig, "chart-ramp") + f'<p class="note">{P.esc(text)}</p>', section_id="ramp"))
    if "headroom_up_mw" in schedule or "headroom_down_mw" in schedule:
        fig, text = headroom_figure(schedule)
        sections.append(P.section("Headroom compliance", P.figure_div(fig, "chart-headroom") + f'<p class="note">{P.esc(text)}</p>', section_id="headroom"))
    sections.append(P.section("Scenario inputs", _inputs_section(summary, inputs), section_id="inputs"))
    sections.append(P.json_script(summary, "summary-json"))
    return P.page(title, sub, sections)


def write_report(result_dir: str | Path, *, inputs: Mapping[str, Any] | None = None) -> Path:
    """Write a self-contained ``report.html`` into a run's output folder.

    Parameters
    ----------
    result_dir : str or Path
        Folder written by :meth:`DispatchResult.to_dir` (``summary.json``, ``schedule.parquet``).
    inputs : mapping, optional
        More input metadata to show and draw from (e.g. :func:`scenario_inputs`), merged over
        ``summary.json``'s own ``inputs`` key when it has one.

    Returns
    -------
    Path
        The ``report.html`` written (atomically).

    Raises
    ------
    InputError
        The folder lacks ``summary.json`` or ``schedule.parquet``.

    Examples
    --------
    >>> from optimizer.report import write_report
    >>> write_report("bess-dispatch-out")  # doctest: +SKIP
    PosixPath('bess-dispatch-out/report.html')
    """
    from optimizer.io import write_atomic

    folder = Path(result_dir)
    summary, schedule = read_run_dir(folder)
    text = build_run_html(summary, schedule, inputs)
    return write_atomic(folder / "report.html", lambda p: p.write_text(text, encoding="utf-8"))
