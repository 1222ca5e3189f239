"""The report's resilience section: how long the fleet carries the site when the grid is lost.

Reads only ``summary.json``'s ``resilience`` block
(:func:`optimizer.results.outage.ride_through_summary`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from optimizer.report import page as P


def _h(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f} h"


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f} %"


def survival_figure(levels: Mapping[str, Any]) -> Any:
    """Plotly survival curves: share of start intervals carried at least h hours, per level."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for name, r in levels.items():
        curve = r.get("p_survive", {})
        hours = [float(h) for h in curve]
        fig.add_trace(
            go.Scatter(
                x=hours,
                y=[100 * (v or 0.0) for v in curve.values()],
                mode="lines+markers",
                name=name,
            )
        )
    fig.update_layout(
        height=340,
        margin={"l": 60, "r": 20, "t": 20, "b": 50},
        xaxis={"title": "outage length h [h]", "type": "log"},
        yaxis={"title": "starts carried at least h [%]", "range": [-2, 102]},
        legend={"title": {"text": "critical load"}},
    )
    return fig


def claim_text(res: Mapping[str, Any]) -> str:
    """The "four hours for a million GPUs" claim, checked with this run's numbers (HTML)."""
    fleet, peak = res.get("fleet", {}), res.get("site_peak", {})
    if not fleet or not peak or peak.get("energy_hours_h") is None:
        return ""
    paused = res.get("levels", {}).get("training_paused")
    parts = [
        f"At its peak the whole site draws {peak['load_mw']:,.0f} MW (plus "
        f"{fleet['aux_mw']:,.1f} MW of battery auxiliaries). The fleet's "
        f"{fleet['usable_energy_mwh']:,.0f} MWh usable would carry that for "
        f"{peak['energy_hours_h']:.2f} h if power allowed, and only when full; four hours at "
        "peak need "
        f"{peak['energy_for_4h_mwh']:,.0f} MWh delivered through the inverters."
    ]
    if peak["power_short_mw"] > 0:
        parts.append(
            f"Power is the harder limit: {fleet['power_mw']:,.0f} MW of discharge is "
            f"{peak['power_short_mw']:,.0f} MW short of the peak, so in "
            f"{100 * peak['intervals_power_short_frac']:.0f} % of this horizon's intervals the "
            "fleet cannot "
            "carry the whole site at any state of charge."
        )
    if paused:
        parts.append(
            "With training paused (a critical load of "
            f"{paused['critical_load_peak_mw']:,.0f} MW at most) the same schedule rides through "
            f"a median {_h(paused['median_h'])}, and {_pct(paused['p_survive_4h'])} of "
            "intervals last four hours. Making four hours true at that level means holding a "
            "ride-through floor ([resilience] in the scenario); "
            "<code>bess-dispatch resilience</code> prices it against the bill."
        )
    return "<p>" + " ".join(parts) + "</p>"


def resilience_section(summary: Mapping[str, Any]) -> str:
    """The HTML section, or "" when the run has no ``resilience`` block."""
    res = summary.get("resilience")
    if not isinstance(res, Mapping) or not res.get("levels"):
        return ""
    levels = res["levels"]
    cards = []
    for name, r in levels.items():
        key = str(name).replace(".", "_")
        cards.append(
            P.kpi(
                f"ride_through_median_{key}",
                f"Median ride-through: {name}",
                r.get("median_h"),
                "h",
                suffix="h",
                sub=f"{_pct(r.get('p_survive_4h'))} last 4 h, shortest {_h(r.get('min_h'))}",
            )
        )
    rows = [
        [
            name,
            r.get("critical_load_peak_mw"),
            r.get("median_h"),
            r.get("min_h"),
            r.get("p_survive_1h"),
            r.get("p_survive_4h"),
            r.get("n_power_limited"),
            r.get("n_energy_limited"),
        ]
        for name, r in levels.items()
    ]
    table = P.table(
        [
            "critical load",
            "peak [MW]",
            "median [h]",
            "shortest [h]",
            "share >= 1 h",
            "share >= 4 h",
            "ended by power",
            "ended by energy",
        ],
        rows,
        numeric_header=True,
    )
    months = sorted({m for r in levels.values() for m in r.get("by_month", {})})
    month_table = ""
    if len(months) > 1:
        mrows = [
            [m, *(levels[n].get("by_month", {}).get(m, {}).get("median_h") for n in levels)]
            for m in months
        ]
        month_table = "<h3>Median ride-through by month [h]</h3>" + P.table(
            ["month", *levels], mrows, numeric_header=True
        )
    floor = res.get("floor")
    floor_note = ""
    if floor:
        months = " in months " + P.esc(floor["months"]) if floor["months"] else ""
        floor_note = (
            f'<p class="note">Floor held in this run: {floor["hours_h"]:g} h of '
            f"<code>{P.esc(floor['critical_load'])}</code> at the end of every interval"
            f"{months}.</p>"
        )
    body = (
        '<div class="kpis">'
        + "".join(cards)
        + "</div>"
        + claim_text(res)
        + P.figure_div(survival_figure(levels), "chart-survival")
        + '<div class="table-wrap">'
        + table
        + "</div>"
        + month_table
        + floor_note
        + '<p class="note">For every interval as the start of a grid outage, the fleet starts '
        "from the schedule's state of charge, cannot charge, and carries the critical load plus "
        "its auxiliaries through its discharge efficiency until the power or the energy above "
        "its minimum runs out (SPEC §9). Starts whose outage would run past the end of the data "
        "count only once they reach the threshold.</p>"
    )
    return P.section("Resilience: if the grid is lost", body, section_id="resilience")
