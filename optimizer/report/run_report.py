"""The report of one run: key figures, bill waterfall, dispatch, ramp and headroom, inputs.

It reads only what ``DispatchResult.to_dir`` wrote (``summary.json``, ``schedule.parquet``),
so it can be made again later from the folder alone.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from optimizer.inputs.scenario import Scenario
from optimizer.io import write_atomic
from optimizer.report import page as P
from optimizer.report.resilience_section import resilience_section
from optimizer.results.files import read_result

if TYPE_CHECKING:
    import plotly.graph_objects as go


MAX_POINTS = 20_000
"""Above this many intervals a time-series trace is thinned (min/max per bucket) [-]."""
THINNED_POINTS = 10_000
"""About how many points a thinned trace keeps (a year at 15 min: 2-hour buckets) [-]."""

COLORS = {
    "load": "#7b8794",
    "import": "#1f6feb",
    "cap": "#cf222e",
    "export": "#8250df",
    "charge": "#f0883e",
    "discharge": "#2da44e",
    "soc": "#0b7285",
    "price": "#6f42c1",
    "event": "rgba(207,34,46,0.16)",
}

# Ramp limits: per step [MW] as summary.json's ``grid.ramp`` records them, else per minute
# [MW/min] as the scenario's ``[grid.ramp]`` states them.
RAMP_RISE_STEP_KEYS = ("rise_limit_mw",)
RAMP_FALL_STEP_KEYS = ("fall_limit_mw",)
RAMP_RISE_PER_MIN_KEYS = ("rise_mw_per_min",)
RAMP_FALL_PER_MIN_KEYS = ("fall_mw_per_min",)
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
            "soc_min_mwh": sum(
                g.n_units * g.unit.energy_capacity_mwh * g.unit.soc_min_frac for g in groups
            ),
            "soc_max_mwh": sum(
                g.n_units * g.unit.energy_capacity_mwh * g.unit.soc_max_frac for g in groups
            ),
        },
    }
    grid = getattr(scenario, "grid", None)
    if grid is not None and hasattr(grid, "model_dump"):
        out["grid"] = grid.model_dump(mode="json")
    return out


# ----------------------------------------------------------------------- time axis
def local_ms(index: pd.DatetimeIndex) -> np.ndarray:
    """Wall-clock local time as milliseconds since 1970 (plotly shows them as dates) [ms]."""
    naive = index.tz_localize(None) if index.tz is not None else index
    return naive.as_unit("ms").asi8.astype(float)


def thin_positions(
    values: np.ndarray, max_points: int = MAX_POINTS, target_points: int = THINNED_POINTS
) -> np.ndarray:
    """Positions to plot: all of them up to ``max_points``, else each bucket's min and max.

    Min/max per bucket keeps every peak and trough visible (a mean would hide the peak that
    sets the demand charge), with at most about ``target_points`` points.
    """
    n = len(values)
    if n <= max_points:
        return np.arange(n)
    k = math.ceil(2 * n / target_points)
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
    """A line trace, thinned if long; y as float32 and, on a regular wall clock, x as ``x0 + k dx``.

    Both keep the file small: float32 holds MW, MWh and USD/MWh to well under the 0.1 shown,
    and a regular step (any horizon without a DST change) needs no x array at all.
    """
    import plotly.graph_objects as go

    pos = thin_positions(y)
    xs, ys = x_ms[pos], y[pos].astype(np.float32)
    steps = np.diff(xs)
    if len(xs) > 2 and np.all(steps == steps[0]):
        return go.Scatter(x0=float(xs[0]), dx=float(steps[0]), y=ys, **kw)
    return go.Scatter(x=xs, y=ys, **kw)


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


def event_records(summary: Mapping[str, Any], schedule: pd.DataFrame) -> list[dict[str, Any]]:
    """The run's events: ``summary["grid"]["events"]`` (with performance) or, failing that, the ids in the schedule."""
    grid = summary.get("grid")
    if isinstance(grid, Mapping) and isinstance(grid.get("events"), list) and grid["events"]:
        return [dict(e) for e in grid["events"] if isinstance(e, Mapping)]
    return [{"event_id": i} for i in event_ids(schedule)]


def event_served(event: Mapping[str, Any]) -> bool | None:
    """Whether grid import stayed within the event's cap (None when the run did not record it)."""
    cap, peak = event.get("cap_mw"), event.get("import_during_max_mw")
    if not isinstance(cap, int | float) or not isinstance(peak, int | float):
        return None
    return bool(peak <= cap + 1e-6 * max(1.0, abs(cap)))


# --------------------------------------------------------------------------- figures
def waterfall_figure(costs: Mapping[str, Mapping[str, float]]) -> go.Figure:
    """Baseline bill, each term's change, optimised bill [USD]."""
    import plotly.graph_objects as go

    total = costs.get("total", {})
    terms = [
        t
        for t, row in costs.items()
        if t != "total"
        and (
            abs(row.get("baseline_usd", 0.0)) > 0.005 or abs(row.get("optimized_usd", 0.0)) > 0.005
        )
    ]
    x = ["without batteries"] + terms + ["with batteries"]
    y = (
        [total.get("baseline_usd", 0.0)]
        + [costs[t]["optimized_usd"] - costs[t]["baseline_usd"] for t in terms]
        + [0.0]
    )
    text = [P.format_number(total.get("baseline_usd"), "usd")]
    text += [
        "no change" if abs(v) < 0.005 else ("+" if v > 0 else "") + P.format_number(v, "usd")
        for v in y[1:-1]
    ]
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
    hi = max(
        np.cumsum(y[:-1]).max(), total.get("baseline_usd", 0.0), total.get("optimized_usd", 0.0)
    )
    pad = 0.12 * (hi - lo if hi > lo else 1.0)
    fig.update_layout(
        template="plotly_white",
        height=380,
        margin={"l": 70, "r": 20, "t": 30, "b": 40},
        yaxis={"title": "bill [USD]", "tickprefix": "$", "range": [lo, hi + pad]},
        showlegend=False,
    )
    return fig


def dispatch_figure(
    summary: Mapping[str, Any], schedule: pd.DataFrame, flat: Mapping[str, Any]
) -> go.Figure:
    """Load and import against the cap; charge/discharge; SOC and its band; price; events shaded."""
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
        subplot_titles=(
            "site load and grid import [MW]",
            "battery charge / discharge and flexible GPU load [MW]",
            "state of charge [MWh]",
            "energy price [USD/MWh]",
        ),
    )
    _grid_panel(fig, s, x, step_ms, flat)
    _battery_panel(fig, s, x)
    _soc_panel(fig, s, x, step_ms, flat)
    _add_column(
        fig,
        s,
        x,
        "price_usd_per_mwh",
        4,
        name="price",
        line={"width": 1, "color": COLORS["price"], "shape": "hv"},
    )
    _shade_events(fig, s, x, step_ms)
    _dispatch_axes(fig, flat)
    return fig


_LINE = {"width": 1.2}
"""The line of the dispatch figure's main traces [px]."""


def _level(x: np.ndarray, step_ms: float, value: float, name: str, line: dict[str, Any]) -> Any:
    """A horizontal line at ``value`` across the whole horizon, ``x`` in local ms since epoch."""
    import plotly.graph_objects as go

    return go.Scatter(
        x=[x[0], x[-1] + step_ms], y=[value, value], mode="lines", name=name, line=line
    )


def _add_column(
    fig: go.Figure,
    s: pd.DataFrame,
    x: np.ndarray,
    column: str,
    row: int,
    *,
    negate: bool = False,
    **kw: Any,
) -> None:
    """Draw ``s[column]`` (negated: ``-s[column]``) in ``row`` of the figure, if the column is there."""
    if column not in s:
        return
    values = s[column].to_numpy(float)
    fig.add_trace(_trace(x, -values if negate else values, **kw), row, 1)


def _grid_panel(
    fig: go.Figure, s: pd.DataFrame, x: np.ndarray, step_ms: float, flat: Mapping[str, Any]
) -> None:
    """Row 1: site load, grid import and export [MW], and the import cap [MW]."""
    _add_column(fig, s, x, "load_mw", 1, name="site load", line={**_LINE, "color": COLORS["load"]})
    _add_column(
        fig,
        s,
        x,
        "grid_import_mw",
        1,
        name="grid import",
        line={**_LINE, "color": COLORS["import"]},
    )
    if "grid_export_mw" in s and float(s["grid_export_mw"].abs().max()) > 1e-6:
        _add_column(
            fig,
            s,
            x,
            "grid_export_mw",
            1,
            negate=True,
            name="grid export (negative)",
            line={**_LINE, "color": COLORS["export"]},
        )
    cap = P.find_number(flat, "import_limit_mw", "grid_import_limit_mw")
    if "import_cap_mw" in s:  # per interval: the site cap, lower during utility events
        _add_column(
            fig,
            s,
            x,
            "import_cap_mw",
            1,
            name="import cap",
            line={"color": COLORS["cap"], "dash": "dash", "width": 1.5, "shape": "hv"},
        )
    elif cap is not None:
        fig.add_trace(
            _level(
                x,
                step_ms,
                cap,
                f"import cap {cap:,.0f} MW",
                {"color": COLORS["cap"], "dash": "dash", "width": 1.5},
            ),
            1,
            1,
        )


def _battery_panel(fig: go.Figure, s: pd.DataFrame, x: np.ndarray) -> None:
    """Row 2: discharge and charge [MW], and curtailed or deferred GPU load [MW] if any."""
    for col, name, negate in (
        ("discharge_mw", "discharge", False),
        ("charge_mw", "charge (negative)", True),
    ):
        _add_column(
            fig,
            s,
            x,
            col,
            2,
            negate=negate,
            name=name,
            fill="tozeroy",
            line={"width": 0.6, "color": COLORS[col.removesuffix("_mw")], "shape": "hv"},
        )
    flex = {
        "GPU load curtailed": s["curtailed_mw"].to_numpy(float) if "curtailed_mw" in s else None
    }
    if "deferred_mw" in s:
        flex["GPU load deferred minus recovered"] = s["deferred_mw"].to_numpy(float) - (
            s["recovered_mw"].to_numpy(float) if "recovered_mw" in s else 0.0
        )
    for (name, values), color in zip(flex.items(), ("#bf3989", "#6e7781"), strict=False):
        if values is not None and np.abs(values).max(initial=0.0) > 1e-6:
            fig.add_trace(
                _trace(
                    x,
                    values,
                    name=name,
                    line={"width": 1, "color": color, "shape": "hv", "dash": "dot"},
                ),
                2,
                1,
            )


def _soc_panel(
    fig: go.Figure, s: pd.DataFrame, x: np.ndarray, step_ms: float, flat: Mapping[str, Any]
) -> None:
    """Row 3: the fleet's state of charge [MWh] between its SOC minimum and maximum."""
    _add_column(
        fig,
        s,
        x,
        "soc_mwh",
        3,
        name="state of charge",
        fill="tozeroy",
        line={**_LINE, "color": COLORS["soc"]},
        fillcolor="rgba(11,114,133,0.15)",
    )
    for key, label in (("soc_min_mwh", "SOC min"), ("soc_max_mwh", "SOC max")):
        v = P.find_number(flat, key)
        if v is not None:
            fig.add_trace(
                _level(
                    x,
                    step_ms,
                    v,
                    f"{label} {v:,.0f} MWh",
                    {"color": COLORS["soc"], "dash": "dot", "width": 1},
                ),
                3,
                1,
            )
    cap_mwh = P.find_number(flat, "fleet_energy_mwh", "energy_capacity_mwh")
    if cap_mwh:
        fig.update_yaxes(range=[0, cap_mwh * 1.05], row=3, col=1)


def _shade_events(fig: go.Figure, s: pd.DataFrame, x: np.ndarray, step_ms: float) -> None:
    """Shade each utility event over every row and label it on the first."""
    for first, last, label in event_runs(s):
        fig.add_vrect(
            x0=x[first],
            x1=x[last] + step_ms,
            fillcolor=COLORS["event"],
            line_width=0,
            layer="below",
            row="all",
            col=1,
        )
        fig.add_annotation(
            x=x[first],
            y=0.98,
            xref="x",
            yref="y domain",
            text=f"event {label}",
            textangle=-90,
            showarrow=False,
            xanchor="right",
            yanchor="top",
            bgcolor="rgba(255,255,255,0.75)",
            font={"size": 10, "color": COLORS["cap"]},
        )


def _dispatch_axes(fig: go.Figure, flat: Mapping[str, Any]) -> None:
    """The dispatch figure's date axes, range buttons, hover formats and layout."""
    fig.update_xaxes(type="date", hoverformat="%a %Y-%m-%d %H:%M")
    fig.update_yaxes(hoverformat=",.1f")
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
    fig.update_yaxes(hoverformat=",.2f", row=4, col=1)
    fig.update_layout(
        template="plotly_white",
        height=860,
        hovermode="x unified",
        margin={"l": 70, "r": 20, "t": 70, "b": 50},
        legend={"orientation": "h", "y": -0.08, "x": 0},
    )
    fig.update_annotations(font_size=12, selector={"xref": "paper"})


def _timezone(flat: Mapping[str, Any]) -> str:
    for key, value in flat.items():
        if key.endswith("timezone") and isinstance(value, str):
            return value
    return "site time"


def ramp_limits_mw(
    summary: Mapping[str, Any], flat: Mapping[str, Any]
) -> tuple[float | None, float | None]:
    """Largest allowed rise and fall of grid import per interval [MW], if the run has a ramp limit."""
    dt_min = float(summary.get("interval_min", 15))
    out = []
    for step_keys, per_min_keys in (
        (RAMP_RISE_STEP_KEYS, RAMP_RISE_PER_MIN_KEYS),
        (RAMP_FALL_STEP_KEYS, RAMP_FALL_PER_MIN_KEYS),
    ):
        value = P.find_number(flat, *step_keys)
        if value is None and (per_min := P.find_number(flat, *per_min_keys)) is not None:
            value = per_min * dt_min
        out.append(value)
    return out[0], out[1]


def ramp_figure(
    summary: Mapping[str, Any], schedule: pd.DataFrame, flat: Mapping[str, Any]
) -> tuple[go.Figure, str]:
    """Step-to-step change of grid import [MW per interval], with and without batteries, against the limits."""
    import plotly.graph_objects as go

    s = schedule
    dt_min = float(summary.get("interval_min", 15))
    step_ms = dt_min * 60_000.0
    x = local_ms(s.index)
    steps = np.diff(s["grid_import_mw"].to_numpy(float))
    fig = go.Figure()
    if "load_mw" in s:
        fig.add_trace(
            _trace(
                x[1:],
                np.diff(s["load_mw"].to_numpy(float)),
                name="without batteries (load)",
                line={"width": 0.8, "color": COLORS["load"]},
                opacity=0.7,
            )
        )
    fig.add_trace(
        _trace(
            x[1:],
            steps,
            name="with batteries (grid import)",
            line={"width": 1.1, "color": COLORS["import"]},
        )
    )
    rise, fall = ramp_limits_mw(summary, flat)
    for value, sign, label in ((rise, 1.0, "rise limit"), (fall, -1.0, "fall limit")):
        if value is not None:
            fig.add_trace(
                _level(
                    x,
                    step_ms,
                    sign * value,
                    f"{label} {value:,.1f} MW per interval",
                    {"color": COLORS["cap"], "dash": "dash", "width": 1.2},
                )
            )
    parts = [
        f"With batteries: largest rise {steps.max(initial=0.0):,.1f} MW, largest fall {-steps.min(initial=0.0):,.1f} MW per {dt_min:g}-minute interval"
    ]
    recorded = (
        summary.get("grid", {}).get("ramp", {}) if isinstance(summary.get("grid"), Mapping) else {}
    )
    if rise is not None or fall is not None:
        if "violations_optimized" in recorded:
            n_bad, n_base = (
                recorded.get("violations_optimized"),
                recorded.get("violations_baseline"),
            )
        else:
            tol = 1e-6 * max(1.0, float(np.abs(s["grid_import_mw"]).max()))
            hi = rise if rise is not None else np.inf
            lo = fall if fall is not None else np.inf
            n_bad = int(np.sum((steps > hi + tol) | (-steps > lo + tol)))
            base = np.diff(s["load_mw"].to_numpy(float)) if "load_mw" in s else np.zeros(0)
            n_base = int(np.sum((base > hi + tol) | (-base > lo + tol)))
        parts.append(f"steps outside the limits: {n_bad} with batteries, {n_base} without")
        if P.find_number(flat, "return_to_service_mw_per_min") is not None:
            parts.append(
                "a slower return-to-service rise limit after events, where set, is counted but not drawn"
            )
    else:
        parts.append("no ramp limit in this run")
    _strip_layout(fig, {"title": "change of import [MW per interval]"})
    return fig, "; ".join(parts) + "."


def _strip_layout(fig: go.Figure, yaxis: dict[str, Any]) -> None:
    """The layout of a one-panel time-series figure under the dispatch (ramp, headroom)."""
    fig.update_xaxes(type="date", hoverformat="%a %Y-%m-%d %H:%M")
    fig.update_yaxes(hoverformat=",.1f")
    fig.update_layout(
        template="plotly_white",
        height=320,
        hovermode="x unified",
        yaxis=yaxis,
        margin={"l": 70, "r": 20, "t": 20, "b": 40},
        legend={"orientation": "h", "y": -0.2, "x": 0},
    )


def _mw(value: float) -> str:
    return f"{round(float(value), 1) + 0.0:,.1f} MW"


def headroom_figure(schedule: pd.DataFrame) -> tuple[go.Figure, str]:
    """Headroom the fleet holds above what the swing buffer and reserve need (or the headroom itself) [MW]."""
    import plotly.graph_objects as go

    s = schedule
    x = local_ms(s.index)
    step_ms = float((s.index[1] - s.index[0]).total_seconds() * 1000) if len(s) > 1 else 0.0
    fig = go.Figure()
    parts = []
    has_need = any(c in s for c in HEADROOM_UP_NEED + HEADROOM_DOWN_NEED)
    for direction, cols, color in (
        ("up", HEADROOM_UP_NEED, COLORS["discharge"]),
        ("down", HEADROOM_DOWN_NEED, COLORS["charge"]),
    ):
        col = f"headroom_{direction}_mw"
        if col not in s:
            continue
        have = s[col].to_numpy(float)
        need_cols = [c for c in cols if c in s]
        msg = f"{direction}: least held {_mw(np.min(have))}"
        if need_cols:
            need = s[need_cols].to_numpy(float).sum(axis=1)
            margin = have - need
            fig.add_trace(
                _trace(
                    x,
                    margin,
                    name=f"margin {direction}: {col} - ({' + '.join(need_cols)})",
                    line={"width": 1, "color": color},
                )
            )
            n_bad = int(np.sum(margin < -1e-6 * max(1.0, float(np.max(np.abs(have))))))
            msg += f", most needed {_mw(np.max(need))}, smallest margin {_mw(np.min(margin))}, {n_bad} interval(s) short"
        else:
            fig.add_trace(
                _trace(x, have, name=f"headroom {direction}", line={"width": 1, "color": color})
            )
        parts.append(msg)
    if has_need:
        fig.add_trace(
            _level(
                x,
                step_ms,
                0.0,
                "required: margin >= 0",
                {"color": COLORS["cap"], "dash": "dash", "width": 1.2},
            )
        )
    else:
        parts.append("no swing or reserve requirement in this run")
    _strip_layout(
        fig,
        {
            "title": "margin over need [MW]" if has_need else "headroom [MW]",
            "rangemode": "tozero",
        },
    )
    text = "; ".join(parts) + "."
    if has_need:
        text = (
            "Headroom up = power the fleet could still add (discharge more or charge less); down = the reverse. "
            + text
        )
    return fig, text


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
        P.kpi(
            "savings_usd",
            "Savings",
            sav,
            "usd",
            sub=share,
            tone="good" if (sav or 0) >= 0 else "bad",
        ),
        P.kpi("peak_import_baseline_mw", "Peak import before", peak0, "mw", suffix="MW"),
        P.kpi("peak_import_optimized_mw", "Peak import after", peak1, "mw", suffix="MW", sub=dpeak),
        P.kpi(
            "equivalent_full_cycles",
            "Equivalent full cycles",
            summary.get("equivalent_full_cycles"),
            "cycles",
            sub=f"{summary.get('energy_discharged_mwh', 0.0):,.0f} MWh discharged",
        ),
    ]
    events = event_records(summary, schedule)
    served = [event_served(e) for e in events]
    if events and all(v is not None for v in served):
        n_ok = sum(bool(v) for v in served)
        cards.append(
            P.kpi_text(
                "events",
                "Events served",
                f"{n_ok} of {len(events)}",
                sub="import within the event cap",
                value=n_ok,
            )
        )
    elif events:
        n_int = (
            int((schedule["event"].fillna("").astype(str) != "").sum())
            if "event" in schedule
            else 0
        )
        cards.append(
            P.kpi_text(
                "events",
                "Events",
                f"{len(events)}",
                sub=f"{n_int} intervals; performance not recorded",
                value=len(events),
            )
        )
    else:
        cards.append(
            P.kpi_text(
                "events", "Events served", "no events", sub="no utility event in the horizon"
            )
        )
    notes = _basis_note(summary) + _violations_note(summary)
    return '<div class="kpis">' + "".join(cards) + "</div>" + notes


def _basis_note(summary: Mapping[str, Any]) -> str:
    """A market energy basis is a what-if: say so above the bill."""
    if summary.get("energy_basis") not in ("market", "market_plus_schedule"):
        return ""
    label = P.esc(str(summary.get("energy_basis_label", "")))
    return f'<p class="note bad">Energy basis: {label}.</p>'


def _violations_note(summary: Mapping[str, Any]) -> str:
    grid = summary.get("grid") if isinstance(summary.get("grid"), Mapping) else {}
    found = summary.get("baseline_violations") or grid.get("baseline_violations") or {}
    bad = {k: v for k, v in found.items() if isinstance(v, int | float) and v}
    if not bad:
        return ""
    text = ", ".join(f"{k.replace('_', ' ')} {v:,.0f}" for k, v in bad.items())
    return f'<p class="note bad">Without batteries the site would break hard limits (intervals or steps): {P.esc(text)}.</p>'


def _short_time(value: object) -> object:
    """``2021-02-16T17:00:00-06:00`` -> ``2021-02-16 17:00`` (local time); anything else unchanged."""
    if isinstance(value, str) and len(value) >= 16 and value[4] == "-" and value[10] == "T":
        return f"{value[:10]} {value[11:16]}"
    return value


def _events_section(summary: Mapping[str, Any], schedule: pd.DataFrame) -> str:
    events = event_records(summary, schedule)
    if not events:
        return ""
    keys = list(dict.fromkeys(k for e in events for k in e))
    rows = [
        [
            ("yes" if event_served(e) else "no") if event_served(e) is not None else "",
            *(_short_time(e.get(k)) for k in keys),
        ]
        for e in events
    ]
    body = P.table(["served", *keys], rows)
    body += '<p class="note">Served: grid import stayed at or below the event cap in every interval of the event. Reduction [MWh] = battery + curtailment + deferral - auxiliary load.</p>'
    return P.section(
        "Utility events", '<div class="table-wrap nowrap">' + body + "</div>", section_id="events"
    )


STABILITY_ROWS = (
    ("largest_rise_mw", "largest rise [MW/interval]", "{:,.1f}"),
    ("largest_fall_mw", "largest fall [MW/interval]", "{:,.1f}"),
    ("largest_rise_mw_per_min", "largest rise [MW/min]", "{:,.2f}"),
    ("largest_fall_mw_per_min", "largest fall [MW/min]", "{:,.2f}"),
    ("total_variation_mw_per_day", "total variation [MW/day]", "{:,.0f}"),
    ("n_moves_at_least_threshold", "moves of at least {threshold:g} MW", "{:,.0f}"),
    ("n_direction_changes", "direction changes", "{:,.0f}"),
    ("time_at_import_cap_h", "time at the import cap [h]", "{:,.2f}"),
)
"""Rows of the stability table (``SPEC.md`` §9): summary key, label, number format."""


def _stability_section(summary: Mapping[str, Any]) -> str:
    """How hard the grid draw moves with and without batteries, what that cost, and the peaks."""
    grid = summary.get("grid") if isinstance(summary.get("grid"), Mapping) else {}
    st = grid.get("stability") if isinstance(grid.get("stability"), Mapping) else {}
    if "optimized" not in st:
        return ""
    worse = set(st.get("worse_than_baseline", []))
    threshold = float(st.get("move_threshold_mw", 100.0))
    rows = [
        [
            label.format(threshold=threshold),
            fmt.format(st["baseline"][key]),
            fmt.format(st["optimized"][key]),
            "worse" if key in worse else "",
        ]
        for key, label, fmt in STABILITY_ROWS
    ]
    body = P.table(["measure", "without batteries", "with batteries", ""], rows)
    mu = st.get("movement_cost_usd_per_mw", 0.0)
    cost = f"{st.get('movement_cost_usd', 0.0):,.0f}"
    body += (
        f'<p class="note">What stability cost: the movement term ({mu:g} USD per MW moved) is'
        f" {P.esc(cost)} USD of the bill; ramp, swing and reserve limits cost what they change"
        " in the other terms.</p>"
    )
    if st.get("moves_grid_harder_than_baseline"):
        body += (
            '<p class="note bad">This schedule moves the grid harder than the site without'
            " batteries (largest step, moves of at least the threshold or total variation).</p>"
        )
    peaks = grid.get("system_peaks") if isinstance(grid.get("system_peaks"), Mapping) else {}
    if peaks.get("n_hours"):
        rows = [
            [
                "mean over the hours",
                peaks["mean_draw_baseline_mw"],
                peaks["mean_draw_optimized_mw"],
            ],
            ["highest hour", peaks["max_draw_baseline_mw"], peaks["max_draw_optimized_mw"]],
        ]
        body += "<h3>Draw in the tightest hours of the system load</h3>" + P.table(
            ["", "without batteries [MW]", "with batteries [MW]"],
            [[name, f"{a:,.1f}", f"{b:,.1f}"] for name, a, b in rows],
        )
        src = P.esc(str(peaks.get("source", "")))
        body += (
            f'<p class="note">{peaks["n_hours"]} hours ({peaks["n_per_month"]} a month, distinct'
            f" days) of {src}.</p>"
        )
    wrapped = '<div class="table-wrap nowrap">' + body + "</div>"
    return P.section("Grid stability", wrapped, section_id="stability")


def _bill_table(costs: Mapping[str, Mapping[str, float]]) -> str:
    rows = [
        [term, row.get("baseline_usd"), row.get("optimized_usd"), row.get("savings_usd")]
        for term, row in costs.items()
    ]
    return P.table(
        ["term", "without batteries [USD]", "with batteries [USD]", "savings [USD]"],
        rows,
        numeric_header=True,
    )


SOURCE_KEYS = ("attribution", "source", "source_path", "path")
"""Input keys whose text says where a number or series comes from (listed under Sources)."""


def _inputs_section(summary: Mapping[str, Any], inputs: Mapping[str, Any] | None) -> str:
    meta = {k: v for k, v in summary.items() if k not in ("costs_usd", "notes")}
    if isinstance(meta.get("grid"), Mapping):  # events have their own table
        meta["grid"] = {k: v for k, v in meta["grid"].items() if k != "events"}
    if inputs:
        meta = {**meta, "inputs": {**dict(meta.get("inputs", {}) or {}), **dict(inputs)}}
    flat = P.flatten(meta)
    items = [P.esc(n) for n in summary.get("notes", [])]
    items += [
        f"<code>{P.esc(k)}</code>: {P.esc(v)}"
        for k, v in flat.items()
        if k.rsplit(".", 1)[-1] in SOURCE_KEYS and isinstance(v, str) and v.strip()
    ]
    src = "".join(f"<li>{i}</li>" for i in items) or "<li>none recorded</li>"
    parts = [f'<h3>Sources and notes</h3><ul class="sources">{src}</ul>']
    rows = [
        [k, v if isinstance(v, int | float | bool) or v is None else str(v)]
        for k, v in flat.items()
    ]
    parts.append(
        '<h3>Inputs and run facts</h3><p class="note">Every key of <code>summary.json</code> (and of the scenario\'s inputs, when the report was written by <code>run --report</code>).</p>'
    )
    parts.append('<div class="table-wrap">' + P.table(["key", "value"], rows) + "</div>")
    return "".join(parts)


def build_run_html(
    summary: Mapping[str, Any], schedule: pd.DataFrame, inputs: Mapping[str, Any] | None = None
) -> str:
    """The report page of one run, as an HTML string (see :func:`write_report`)."""
    flat = P.flatten(
        {**dict(summary), "inputs": {**dict(summary.get("inputs", {}) or {}), **dict(inputs or {})}}
    )
    costs = summary.get("costs_usd", {}) or {}
    title = f"Battery dispatch report: {summary.get('scenario', '')}"
    sub = (
        f"{str(summary.get('start', ''))[:16]} .. {str(summary.get('end', ''))[:16]}, "
        f"{summary.get('interval_min', '?')}-minute steps, {summary.get('n_intervals', len(schedule)):,} intervals; "
        f"status {summary.get('status', '?')}; solver {summary.get('solver', '?')}"
    )
    sections = [P.section("Key figures", _kpis(summary, schedule), section_id="key-figures")]
    if not summary.get("baseline_feasible", True):
        sections[0] = sections[0].replace(
            "</section>",
            '<p class="note bad">The no-battery baseline breaks a hard limit; its bill is shown for reference only.</p></section>',
        )
    if costs:
        sections.append(
            P.section(
                "Bill: without batteries to with batteries",
                P.figure_div(waterfall_figure(costs), "chart-waterfall") + _bill_table(costs),
                section_id="bill",
            )
        )
    note = ""
    if len(schedule) > MAX_POINTS:
        note = f'<p class="note">{len(schedule):,} intervals: each trace is thinned to the lowest and highest value of each bucket (about {THINNED_POINTS:,} points), so every peak stays visible; zoom in for the shape, the key figures use every interval.</p>'
    if (
        "import_cap_mw" not in schedule
        and P.find_number(flat, "import_limit_mw", "grid_import_limit_mw") is None
    ):
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
    if stability_html := _stability_section(summary):
        sections.append(stability_html)
    if events_html := _events_section(summary, schedule):
        sections.append(events_html)
    if "grid_import_mw" in schedule and len(schedule) > 1:
        fig, text = ramp_figure(summary, schedule, flat)
        sections.append(
            P.section(
                "Ramp compliance",
                P.figure_div(fig, "chart-ramp") + f'<p class="note">{P.esc(text)}</p>',
                section_id="ramp",
            )
        )
    if "headroom_up_mw" in schedule or "headroom_down_mw" in schedule:
        fig, text = headroom_figure(schedule)
        sections.append(
            P.section(
                "Headroom compliance",
                P.figure_div(fig, "chart-headroom") + f'<p class="note">{P.esc(text)}</p>',
                section_id="headroom",
            )
        )
    if resilience_html := resilience_section(summary):
        sections.append(resilience_html)
    sections.append(
        P.section("Scenario inputs", _inputs_section(summary, inputs), section_id="inputs")
    )
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

    folder = Path(result_dir)
    schedule, summary = read_result(folder)
    text = build_run_html(summary, schedule, inputs)
    return write_atomic(folder / "report.html", lambda p: p.write_text(text, encoding="utf-8"))
