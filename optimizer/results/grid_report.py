"""Grid-stability reporting: stability of the draw, event performance, ramp compliance, headroom
held, baseline violations.

Pure pandas over a schedule (``SPEC.md`` §7 columns plus the flexible-load columns); every
figure carries its unit in its key.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from optimizer.formulation.model_data import ModelData, ramp_steps_mw
from optimizer.inputs.scenario import Scenario
from optimizer.results.costs import movement_usd
from optimizer.results.stability import (
    compare_stability,
    moves_grid_harder_than_baseline,
    stability_metrics,
)

MOVE_THRESHOLD_MW = 100.0
"""A move of the grid draw at least this large is counted (``SPEC.md`` §9) [MW]."""


def event_performance(scenario: Scenario, schedule: pd.DataFrame) -> pd.DataFrame:
    """One row per event: import before and during, and MWh of reduction by source.

    ``reduction_mwh = sum (load - import) dt`` over the event splits exactly into
    ``battery_mwh`` (net discharge) + ``curtailment_mwh`` + ``deferral_mwh`` (deferred minus
    recovered) - ``aux_mwh`` (fleet auxiliary load).
    """
    dt = scenario.interval_h
    rows = []
    per_hour = int(round(1 / dt))
    for e in scenario.event_table().itertuples():
        during = schedule.iloc[e.first : e.last + 1]
        before = schedule.iloc[max(0, e.first - per_hour) : e.first]
        rows.append(
            {
                "event_id": e.event_id,
                "program": e.program,
                "start": e.start.isoformat(),
                "end": e.end.isoformat(),
                "cap_mw": e.cap_mw,
                "import_before_mw": float(before["grid_import_mw"].mean())
                if len(before)
                else float("nan"),
                "import_during_max_mw": float(during["grid_import_mw"].max()),
                "load_during_mean_mw": float(during["load_mw"].mean()),
                "reduction_mwh": float((during["load_mw"] - during["grid_import_mw"]).sum() * dt),
                "battery_mwh": float((during["discharge_mw"] - during["charge_mw"]).sum() * dt),
                "curtailment_mwh": float(during["curtailed_mw"].sum() * dt),
                "deferral_mwh": float((during["deferred_mw"] - during["recovered_mw"]).sum() * dt),
                "aux_mwh": float(during["aux_load_mw"].sum() * dt),
            }
        )
    return pd.DataFrame(rows)


def ramp_compliance(data: ModelData, schedule: pd.DataFrame) -> dict[str, Any]:
    """Largest step of grid import per interval, optimised and baseline, against the limit [MW]."""
    g = (
        schedule["grid_import_mw"].to_numpy() - schedule["grid_export_mw"].to_numpy()
    )  # the net draw (family 8)
    base = schedule["load_mw"].to_numpy()
    opt_steps = ramp_steps_mw(data, g)
    base_steps = ramp_steps_mw(data, base)
    out: dict[str, Any] = {
        "largest_rise_optimized_mw": float(opt_steps.max(initial=0.0)),
        "largest_fall_optimized_mw": float(-opt_steps.min(initial=0.0)),
        "largest_rise_baseline_mw": float(base_steps.max(initial=0.0)),
        "largest_fall_baseline_mw": float(-base_steps.min(initial=0.0)),
    }
    if data.ramp is not None:
        out["rise_limit_mw"] = float(np.max(data.ramp.rise_mw))
        out["fall_limit_mw"] = float(np.max(data.ramp.fall_mw))
        tol = 1e-6 * max(1.0, float(np.max(np.abs(base))))
        out["violations_optimized"] = int(
            np.sum((opt_steps > data.ramp.rise_mw + tol) | (-opt_steps > data.ramp.fall_mw + tol))
        )
        out["violations_baseline"] = int(
            np.sum((base_steps > data.ramp.rise_mw + tol) | (-base_steps > data.ramp.fall_mw + tol))
        )
    return out


def headroom_held(schedule: pd.DataFrame) -> dict[str, float]:
    """Minimum and mean headroom, and the least margin over swing plus reserve [MW]."""
    up, down = schedule["headroom_up_mw"], schedule["headroom_down_mw"]
    need_up = schedule["swing_up_mw"] + schedule["reserve_up_mw"]
    need_down = schedule["swing_down_mw"] + schedule["reserve_down_mw"]
    return {
        "headroom_up_min_mw": float(up.min()),
        "headroom_up_mean_mw": float(up.mean()),
        "headroom_down_min_mw": float(down.min()),
        "headroom_down_mean_mw": float(down.mean()),
        "margin_up_min_mw": float((up - need_up).min()),
        "margin_down_min_mw": float((down - need_down).min()),
        "swing_up_max_mw": float(schedule["swing_up_mw"].max()),
        "swing_down_max_mw": float(schedule["swing_down_mw"].max()),
    }


def stability(data: ModelData, schedule: pd.DataFrame) -> dict[str, Any]:
    """How hard the draw moves, with and without batteries (``SPEC.md`` §9), and what it cost.

    The optimised draw is ``g - x``; the baseline's is the site load ``L`` (no battery). Both
    are measured against the same import cap (the interconnection cap, lowered during events).
    ``moves_grid_harder_than_baseline`` is True when the schedule's largest step, its count of
    moves of at least ``MOVE_THRESHOLD_MW`` or its total variation exceeds the baseline's.
    ``movement_cost_usd`` is family 13's term: what the LP paid to keep the draw steady [USD].
    """
    out: dict[str, Any] = {
        "move_threshold_mw": MOVE_THRESHOLD_MW,
        "movement_cost_usd_per_mw": float(data.movement_cost_usd_per_mw),
    }
    if len(schedule) < 2:
        return out
    g, x = schedule["grid_import_mw"], schedule["grid_export_mw"]
    cap = schedule["import_cap_mw"].astype(float)
    load = schedule["load_mw"].astype(float)
    opt = stability_metrics(g - x, import_cap_mw=cap, move_threshold_mw=MOVE_THRESHOLD_MW)
    base = stability_metrics(load, import_cap_mw=cap, move_threshold_mw=MOVE_THRESHOLD_MW)
    atol_mw = 1e-6 * max(1.0, float(load.abs().max()))  # round-off of the solve (SPEC §6)
    table = compare_stability(opt, base, atol=atol_mw)
    harder = moves_grid_harder_than_baseline(opt, base, atol_mw=atol_mw)
    out.update(
        {
            "baseline": base,
            "optimized": opt,
            "worse_than_baseline": [str(k) for k in table.index[table["is_worse_than_baseline"]]],
            "moves_grid_harder_than_baseline": bool(harder),
            "movement_cost_usd": movement_usd(data, g.to_numpy(), x.to_numpy()),
        }
    )
    return out


def system_peaks(scenario: Scenario, schedule: pd.DataFrame) -> dict[str, Any]:
    """The site's draw in the utility's tightest system hours, with and without batteries [MW].

    Each hour's draw is the mean net import over the intervals that overlap it; the baseline's
    is the mean site load. ``hours`` lists each hour with the system load and both draws.
    """
    sp = scenario.grid.system_peaks
    if sp is None or not sp.hours or len(schedule) == 0:
        return {}
    idx = schedule.index
    step = pd.Timedelta(minutes=scenario.interval_min)
    net = (schedule["grid_import_mw"] - schedule["grid_export_mw"]).to_numpy()
    load = schedule["load_mw"].to_numpy()
    rows = []
    for hour, system_mw in zip(sp.hours, sp.system_load_mw, strict=True):
        start = pd.Timestamp(hour).tz_convert(idx.tz)
        inside = (idx < start + pd.Timedelta(hours=1)) & (idx + step > start)
        if not inside.any():
            continue
        rows.append(
            {
                "hour_start": start.isoformat(),
                "system_load_mw": float(system_mw),
                "draw_baseline_mw": float(load[inside].mean()),
                "draw_optimized_mw": float(net[inside].mean()),
            }
        )
    if not rows:
        return {}
    frame = pd.DataFrame(rows)
    return {
        "source": sp.source,
        "n_hours": len(rows),
        "n_per_month": sp.n_per_month,
        "value_usd_per_mw_month": sp.value_usd_per_mw_month,
        "mean_draw_baseline_mw": float(frame["draw_baseline_mw"].mean()),
        "mean_draw_optimized_mw": float(frame["draw_optimized_mw"].mean()),
        "max_draw_baseline_mw": float(frame["draw_baseline_mw"].max()),
        "max_draw_optimized_mw": float(frame["draw_optimized_mw"].max()),
        "hours": rows,
    }


def grid_report(
    scenario: Scenario, data: ModelData, schedule: pd.DataFrame, baseline_violations: dict[str, int]
) -> dict[str, Any]:
    """Everything above, JSON-ready (part of ``summary.json`` under ``grid``)."""
    events = (
        event_performance(scenario, schedule).to_dict(orient="records")
        if scenario.grid.events
        else []
    )
    held = data.has_swing or (scenario.grid.swing is None and scenario.grid.reserve is None)
    return {
        "fleet_holds_headroom": bool(held),  # False: swing/reserve asked, no fleet to hold them
        "stability": stability(data, schedule),
        "system_peaks": system_peaks(scenario, schedule),
        "ramp": ramp_compliance(data, schedule),
        "headroom": headroom_held(schedule),
        "events": events,
        "baseline_violations": dict(baseline_violations),
        "curtailed_mwh": float(schedule["curtailed_mw"].sum() * scenario.interval_h),
        "deferred_mwh": float(schedule["deferred_mw"].sum() * scenario.interval_h),
        "backlog_max_mwh": float(schedule["backlog_mwh"].max()),
    }
