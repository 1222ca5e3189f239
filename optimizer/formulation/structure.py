"""What counts as "the same model structure": the key under which a mutable model is re-used.

Two scenarios with equal :func:`structure_key` build models with the same components, so a
warm re-solve (``optimizer.run.warm``, ``optimizer.solver.resolve``) may update one model's
parameters instead of building another.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from optimizer.formulation.model_data import ModelData


def structure_key(data: ModelData) -> tuple[Any, ...]:
    """Everything that decides which components the model has (not their values)."""
    f = data.flex
    r = data.reserve
    return (
        data.n_intervals,
        data.interval_h,
        tuple(g.name for g in data.groups),
        tuple(g.degradation_cost_usd_per_mwh > 0 for g in data.groups),
        bool(data.export_limit_mw.any()),
        None if data.ramp is None else data.ramp.initial_import_mw is not None,
        data.has_movement,
        data.swing_up_mw is not None,
        data.swing_down_mw is not None,
        tuple(bool(np.isfinite(g.final_soc_max_mwh)) for g in data.groups),
        None if r is None else (r.is_priced, r.sustain_h > 0),
        None if data.event_cap_mw is None else np.isfinite(data.event_cap_mw).tobytes(),
        None
        if data.event_credit_usd_per_mwh is None
        else (data.event_credit_usd_per_mwh != 0).tobytes(),
        bool(data.event_capacity_credit_usd),
        None
        if f is None
        else (
            f.has_curtailment,
            f.has_deferral,
            f.deadline_intervals,
            f.defer_cost_usd_per_mwh > 0,
        ),
        tariff_structure(data),
        data.energy_floor is not None,  # family 14: its F_t are Params, so H and the level are data
        data.throughput_max_mwh is not None,  # throughput budget (warranty cycles)
        data.sizing is not None,  # family 16: unit counts as variables
    )


def block_partition(data: ModelData) -> tuple[np.ndarray, np.ndarray]:
    """Every demand block of the horizon's peak windows, once: (starts, ends) positions, sorted."""
    arr = data.tariff
    assert arr is not None  # noqa: S101
    pairs = sorted(
        {
            (int(s), int(e))
            for w in arr.demand_windows
            if not w.is_expected
            for s, e in zip(w.block_starts, w.block_ends, strict=True)
        }
    )
    return np.array([p[0] for p in pairs], dtype=np.int64), np.array(
        [p[1] for p in pairs], dtype=np.int64
    )


def tariff_structure(data: ModelData) -> tuple[Any, ...]:
    """What of the tariff decides the components of a mutable model (for warm re-solves).

    Peak windows count by position and kind, with the horizon's block partition; which blocks
    each window holds, its name and month are data (masked rows). Expected coincident charges,
    energy tiers and minimum bills keep their layout in the key.
    """
    arr = data.tariff
    if arr is None:
        return ()
    peak = [w for w in arr.demand_windows if not w.is_expected]
    pos = {w.name: i for i, w in enumerate(peak)}
    starts, ends = block_partition(data)
    wins = tuple(
        (
            w.kind,
            w.tier_steps,
            tuple((pos.get(j), f) for j, f in w.ratchet_links),
            w.contract_mw is None,
        )
        for w in peak
    )
    expected = tuple(
        (
            w.name,
            w.block_starts.tobytes(),
            w.block_ends.tobytes(),
            np.asarray(w.block_weights).tobytes(),
            w.accrued_mw,
        )
        for w in arr.demand_windows
        if w.is_expected
    )
    tiers = tuple((b.name, b.positions.tobytes(), b.tier_steps) for b in arr.energy_tiers)
    with_min = tuple((mo.month, mo.positions.tobytes()) for mo in arr.months if mo.minimum_usd > 0)
    huds = tuple(pos.get(h.window) for h in arr.hud_blocks)  # which window sizes each HUD block
    return (wins, starts.tobytes(), ends.tobytes(), expected, tiers, with_min, huds)
