"""Shared by ``bench_full.py`` and ``bench_highs_options.py``: sizes, scenario loading and the
flat array dict that ``raw_full.py`` and ``linopy_model.build_linopy_full`` take.

Only the parent process imports ``optimizer`` here (to turn a scenario into ``ModelData`` and
then into plain arrays); the raw and linopy children read those arrays from an ``.npz``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

# the scenario cut to each size; BENCH_SCENARIO (bench_full.py --scenario) picks another, e.g.
# year-2021: the grid-stable default's families (ramp, swing, reserve, deliverability, movement)
SCENARIO = os.environ.get("BENCH_SCENARIO", "grid-stability")

# key -> (label, start, end, step in minutes); naive datetimes are the site's local time
SIZES: dict[str, dict[str, Any]] = {
    "day-5min": {
        "label": "1 day at 5 min (2021-02-15)",
        "start": "2021-02-15",
        "end": "2021-02-16",
        "interval_min": 5,
    },
    "week-5min": {
        "label": "1 week at 5 min (2021-02-15 to 02-22)",
        "start": "2021-02-15",
        "end": "2021-02-22",
        "interval_min": 5,
    },
    "month-15min": {
        "label": "1 month at 15 min (February 2021)",
        "start": "2021-02-01",
        "end": "2021-03-01",
        "interval_min": 15,
    },
    "30d-5min": {
        "label": "30 days at 5 min (2021-02-01 to 03-03)",
        "start": "2021-02-01",
        "end": "2021-03-03",
        "interval_min": 5,
    },
    "year-60min": {
        "label": "1 year at 1 h (2021)",
        "start": "2021-01-01",
        "end": "2022-01-01",
        "interval_min": 60,
    },
    "year-15min": {
        "label": "1 year at 15 min (2021)",
        "start": "2021-01-01",
        "end": "2022-01-01",
        "interval_min": 15,
    },
}


def load_size(size: str, *, enforce_exclusivity: bool = False):
    """The ``grid-stability`` scenario (every family on) cut to ``size``.

    ``enforce_exclusivity`` is off by default: the benchmarks time the LP (see README).
    """
    from optimizer import load_scenario

    SCENARIO = os.environ.get("BENCH_SCENARIO", "grid-stability")
    spec = SIZES[size]
    sc = load_scenario(
        SCENARIO,
        start=dt.datetime.fromisoformat(spec["start"]),
        end=dt.datetime.fromisoformat(spec["end"]),
        interval_min=spec["interval_min"],
    )
    import dataclasses

    return dataclasses.replace(
        sc, options=sc.options.model_copy(update={"enforce_exclusivity": enforce_exclusivity})
    )


def model_arrays(d: Any) -> dict[str, Any]:
    """``ModelData`` -> the flat dict of numpy arrays and scalars read by ``raw_full`` and linopy."""
    n = d.n_intervals
    G = d.groups
    r, f = d.reserve, d.flex
    z = np.zeros(n)
    window, rates, floor = _demand(d)
    need = np.full(n, np.nan)  # family 14: a row where the floor holds energy, NaN elsewhere
    if d.energy_floor is not None:
        held = d.energy_floor.floor_mwh > 0
        need[held] = d.energy_floor.soc_min_mwh + d.energy_floor.floor_mwh[held]
    return {
        "T": n,
        "dt": d.interval_h,
        "load_mw": d.load_mw,
        "aux_load_mw": d.aux_load_mw,
        "import_price_usd_per_mwh": d.import_price_usd_per_mwh,
        "export_price_usd_per_mwh": d.export_price_usd_per_mwh,
        "import_limit_mw": d.import_limit_mw,
        "export_limit_mw": d.export_limit_mw,
        "demand_window": window,
        "demand_rate_usd_per_mw": rates,
        "demand_floor_mw": floor,
        "floor_energy_mwh": need,
        "fixed_usd": d.fixed_usd,
        "charge_max_mw": np.array([g.charge_max_mw for g in G]),
        "discharge_max_mw": np.array([g.discharge_max_mw for g in G]),
        "soc_min_mwh": np.array([g.soc_min_mwh for g in G]),
        "soc_max_mwh": np.array([g.soc_max_mwh for g in G]),
        "initial_soc_mwh": np.array([g.initial_soc_mwh for g in G]),
        "final_soc_min_mwh": np.array([g.final_soc_min_mwh for g in G]),
        "etac": np.array([g.charge_efficiency_frac for g in G]),
        "etad": np.array([g.discharge_efficiency_frac for g in G]),
        "retention": np.array([g.retention_frac for g in G]),
        "degradation_usd_per_mwh": np.array([g.degradation_cost_usd_per_mwh for g in G]),
        "has_ramp": d.ramp is not None,
        "ramp_rise_mw": d.ramp.rise_mw if d.ramp else z,
        "ramp_fall_mw": d.ramp.fall_mw if d.ramp else z,
        "ramp_initial_import_mw": np.nan
        if (d.ramp is None or d.ramp.initial_import_mw is None)
        else d.ramp.initial_import_mw,
        "has_swing_data": d.swing_up_mw is not None,
        "swing_up_mw": d.swing_up_mw if d.swing_up_mw is not None else z,
        "swing_down_mw": d.swing_down_mw if d.swing_down_mw is not None else z,
        "has_reserve": r is not None,
        "reserve_up_min_mw": r.up_min_mw if r else z,
        "reserve_up_max_mw": r.up_max_mw if r else z,
        "reserve_down_min_mw": r.down_min_mw if r else z,
        "reserve_down_max_mw": r.down_max_mw if r else z,
        "reserve_price_usd_per_mw_h": np.nan
        if (r is None or r.price_usd_per_mw_h is None)
        else r.price_usd_per_mw_h,
        "reserve_sustain_h": r.sustain_h if r else 0.0,
        "event_cap_mw": d.event_cap_mw if d.event_cap_mw is not None else np.full(n, np.inf),
        "event_credit_usd_per_mwh": d.event_credit_usd_per_mwh
        if d.event_credit_usd_per_mwh is not None
        else z,
        "event_capacity_credit_usd": d.event_capacity_credit_usd,
        "has_flex": f is not None,
        "curtail_max_mw": f.curtail_max_mw if f else z,
        "curtail_cost_usd_per_mwh": f.curtail_cost_usd_per_mwh if f else 0.0,
        "defer_max_mw": f.defer_max_mw if f else z,
        "recover_max_mw": f.recover_max_mw if f else z,
        "flex_max_mw": f.flex_max_mw if f else z,
        "deadline_intervals": f.deadline_intervals if f else 1,
        "max_backlog_mwh": f.max_backlog_mwh if f else 0.0,
        "defer_cost_usd_per_mwh": f.defer_cost_usd_per_mwh if f else 0.0,
        "has_movement": bool(d.has_movement),
        "movement_cost_usd_per_mw": float(d.movement_cost_usd_per_mw) if d.has_movement else 0.0,
    }


def _demand(d: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Family 7 as (window of each interval or -1, rate per window [USD/MW], floor [MW]).

    From ``ModelData``'s ``TariffArrays`` when the tariff is the simple one (converted to a
    TariffSpec when the Scenario is built) (one facility peak per billing month on single intervals: no
    TOU windows, tiers, ratchets, contract or coincident charge). Anything richer is refused:
    the raw and linopy builds do not mirror the rest of the tariff engine.
    """
    n = d.n_intervals
    a = d.tariff  # every tariff reaches the LP as a TariffSpec (the simple one converted)
    simple = (
        not a.energy_tiers
        and not a.hud_blocks
        and a.import_cap_mw is None
        and all(mo.minimum_usd == 0 for mo in a.months)
        and all(
            w.kind == "facility"
            and w.block_weights is None
            and w.block_intervals == 1
            and not w.ratchet_links
            and not w.tier_steps
            and w.contract_mw is None
            and w.billing_floor_mw == 0
            for w in a.demand_windows
        )
    )
    if not simple:
        msg = (
            "the benchmark builds mirror only the simple tariff (energy price + one monthly facility "
            "peak on single intervals); use a scenario with such a tariff"
        )
        raise ValueError(msg)
    window = np.full(n, -1, dtype=np.int64)
    for k, w in enumerate(a.demand_windows):
        window[w.positions] = k
    rates = np.array([w.rate_usd_per_mw for w in a.demand_windows], dtype=float)
    floor = np.array([w.peak_floor_mw for w in a.demand_windows], dtype=float)
    return window, rates, floor


def write_inputs(inp: dict[str, Any], path: Path) -> None:
    """Arrays to ``path`` (.npz), scalars to ``path.with_suffix('.json')``."""
    arrays = {k: v for k, v in inp.items() if isinstance(v, np.ndarray)}
    scalars = {
        k: (v.item() if isinstance(v, np.generic) else v) for k, v in inp.items() if k not in arrays
    }
    np.savez(path, **arrays)
    path.with_suffix(".json").write_text(json.dumps(scalars, allow_nan=True))


def read_inputs(path: str | Path) -> dict[str, Any]:
    """Inverse of :func:`write_inputs`."""
    path = Path(path)
    with np.load(path) as z:
        inp: dict[str, Any] = {k: z[k] for k in z.files}
    inp.update(json.loads(path.with_suffix(".json").read_text()))
    return inp


def machine_load() -> float:
    """1-minute load average."""
    import os

    return os.getloadavg()[0]
