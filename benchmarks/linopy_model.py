"""The dispatch LP (SPEC.md families 1-7, objective terms energy, export, demand, degradation)
written in linopy, for the peer comparison in ``bench_routes.py``.

It mirrors the maths of ``tests/reference_lp.py`` (same inputs, same column bounds, same rows)
and shares no code with ``optimizer/``. linopy is a benchmark-only dependency: nothing under
``optimizer/`` imports this module.

Rows (T intervals, B groups, K demand windows, ``dt = interval_h``)::

    (1) balance  g_t - x_t + sum_b (d_bt - c_bt) = L_t + sum_b a_b n_b aux_b
    (2) SOC      s_bt - r_b s_b,t-1 - etac_b dt c_bt + dt/etad_b d_bt = 0    (t >= 1)
                 s_b0            - etac_b dt c_b0 + dt/etad_b d_b0 = r_b s_b,-1
    (7) demand   p_k(t) - g_t >= 0                   for t in a window
    families 3-6 are column bounds (the terminal energy is the lower bound of s_b,T-1)
"""

from __future__ import annotations

import linopy
import numpy as np
import pandas as pd
import xarray as xr


def build_linopy_model(
    *,
    load_mw,
    price_usd_per_mwh,
    export_price_usd_per_mwh,
    import_limit_mw,
    export_limit_mw,
    interval_h: float,
    demand_window,
    demand_rate_usd_per_mw,
    groups: list[dict],
) -> linopy.Model:
    """Return the linopy model of the module docstring (minimise total cost, USD)."""
    L = np.asarray(load_mw, dtype=float)
    T = L.size
    dt = float(interval_h)
    win = np.asarray(demand_window, dtype=np.int64)
    D = np.asarray(demand_rate_usd_per_mw, dtype=float)
    K = D.size

    def g_arr(key: str) -> np.ndarray:
        return np.array([float(grp[key]) for grp in groups], dtype=float)

    n, a = g_arr("n_units"), g_arr("availability_frac")
    E = n * g_arr("energy_capacity_mwh")
    Pc = a * n * g_arr("power_charge_max_mw")
    Pd = a * n * g_arr("power_discharge_max_mw")
    etac, etad = g_arr("charge_efficiency_frac"), g_arr("discharge_efficiency_frac")
    r = (1.0 - g_arr("self_discharge_frac_per_h")) ** dt
    s_init = g_arr("initial_soc_frac") * E
    s_lo, s_hi = g_arr("soc_min_frac") * E, g_arr("soc_max_frac") * E
    s_end = np.maximum(s_lo, g_arr("final_soc_min_frac") * E)
    aux = float((a * n * g_arr("aux_load_mw")).sum())
    delta = g_arr("degradation_cost_usd_per_mwh")

    t_idx = pd.RangeIndex(T, name="t")
    b_idx = pd.Index([f"b{i}" for i in range(len(groups))], name="b")

    def per_t(v) -> xr.DataArray:
        return xr.DataArray(np.asarray(v, dtype=float), coords=[t_idx])

    def per_b(v) -> xr.DataArray:
        return xr.DataArray(np.asarray(v, dtype=float), coords=[b_idx])

    ones_bt = xr.DataArray(np.ones((len(groups), T)), coords=[b_idx, t_idx])
    s_lower = (per_b(s_lo) * ones_bt).copy()
    s_lower[:, -1] = s_end

    m = linopy.Model()
    g = m.add_variables(lower=0.0, upper=per_t(import_limit_mw), name="g")
    x = m.add_variables(lower=0.0, upper=per_t(export_limit_mw), name="x")
    c = m.add_variables(lower=0.0, upper=per_b(Pc) * ones_bt, name="c")
    d = m.add_variables(lower=0.0, upper=per_b(Pd) * ones_bt, name="d")
    s = m.add_variables(lower=s_lower, upper=per_b(s_hi) * ones_bt, name="s")

    # (1) power balance
    m.add_constraints(g - x + (d - c).sum("b") == per_t(L + aux), name="balance")

    # (2) state of charge. s.roll(t=1) holds s_b,t-1 for t >= 1 (its t = 0 slot wraps around and
    # is masked out); t = 0 gets its own rows with the initial energy on the right-hand side.
    flow = per_b(dt / etad) * d - per_b(etac * dt) * c
    later = xr.DataArray(np.arange(T) >= 1, coords=[t_idx])
    m.add_constraints(
        s - per_b(r) * s.roll(t=1) + flow == 0.0, name="soc", mask=later & (ones_bt > 0)
    )
    m.add_constraints(s.isel(t=0) + flow.isel(t=0) == per_b(r * s_init), name="soc_first")

    objective = (per_t(np.asarray(price_usd_per_mwh, dtype=float) * dt) * g).sum()
    pix = np.asarray(export_price_usd_per_mwh, dtype=float) * dt
    if np.any(pix != 0.0):
        objective = objective - (per_t(pix) * x).sum()
    if np.any(delta != 0.0):
        objective = objective + (per_b(delta * dt) * d).sum()

    # (7) demand peaks: one row per interval inside a window
    if K:
        k_idx = pd.RangeIndex(K, name="k")
        p = m.add_variables(lower=0.0, coords=[k_idx], name="p")
        k_of_t = xr.DataArray(np.where(win >= 0, win, 0), coords=[t_idx])
        in_window = xr.DataArray(win >= 0, coords=[t_idx])
        m.add_constraints(p.isel(k=k_of_t) - g >= 0.0, name="demand", mask=in_window)
        objective = objective + (xr.DataArray(D, coords=[k_idx]) * p).sum()

    m.add_objective(objective)
    return m


# ============================================================================ all families
def build_linopy_full(inp: dict) -> linopy.Model:
    """The full dispatch LP (families 1-12 + the deferral backlog) in linopy.

    Same input dict and the same rows, columns and objective as ``benchmarks/raw_full.py``
    (read its docstring for the maths); the objective omits the same constants (``offset``
    there: fixed charges and the event credit constant).
    """
    T = int(inp["T"])
    dt = float(inp["dt"])
    L = np.asarray(inp["load_mw"], dtype=float)
    aux = np.asarray(inp["aux_load_mw"], dtype=float)
    cmax = np.atleast_2d(np.asarray(inp["charge_max_mw"], dtype=float))
    dmax = np.atleast_2d(np.asarray(inp["discharge_max_mw"], dtype=float))
    B = cmax.shape[0]
    smin, smax = np.asarray(inp["soc_min_mwh"], float), np.asarray(inp["soc_max_mwh"], float)
    s0, sfin = (
        np.asarray(inp["initial_soc_mwh"], float),
        np.asarray(inp["final_soc_min_mwh"], float),
    )
    etac, etad = np.asarray(inp["etac"], float), np.asarray(inp["etad"], float)
    ret, delta = (
        np.asarray(inp["retention"], float),
        np.asarray(inp["degradation_usd_per_mwh"], float),
    )
    win = np.asarray(inp["demand_window"], dtype=np.int64)
    D = np.asarray(inp["demand_rate_usd_per_mw"], float)
    K = D.size
    gexp = np.asarray(inp["export_limit_mw"], float)
    has_ramp = bool(inp["has_ramp"])
    has_reserve = bool(inp["has_reserve"])
    has_swing = bool(inp["has_swing_data"]) or has_reserve
    sustain = float(inp["reserve_sustain_h"]) if has_reserve else 0.0
    cap = np.asarray(inp["event_cap_mw"], float)
    in_event = np.isfinite(cap)
    credit = np.asarray(inp["event_credit_usd_per_mwh"], float)
    has_flex = bool(inp["has_flex"])
    curt = has_flex and bool(np.any(np.asarray(inp["curtail_max_mw"]) > 0))
    defer = (
        has_flex
        and bool(np.any(np.asarray(inp["defer_max_mw"]) > 0))
        and float(inp["max_backlog_mwh"]) > 0
    )

    t_idx = pd.RangeIndex(T, name="t")
    b_idx = pd.Index([f"b{i}" for i in range(B)], name="b")

    def per_t(v) -> xr.DataArray:
        return xr.DataArray(np.broadcast_to(np.asarray(v, dtype=float), (T,)), coords=[t_idx])

    def per_b(v) -> xr.DataArray:
        return xr.DataArray(np.asarray(v, dtype=float), coords=[b_idx])

    def per_bt(v) -> xr.DataArray:
        return xr.DataArray(
            np.broadcast_to(np.asarray(v, dtype=float), (B, T)), coords=[b_idx, t_idx]
        )

    m = linopy.Model()
    g = m.add_variables(lower=0.0, upper=per_t(inp["import_limit_mw"]), name="g")
    x = m.add_variables(lower=0.0, upper=per_t(gexp), name="x")
    c = m.add_variables(lower=0.0, upper=per_bt(cmax), name="c")
    d = m.add_variables(lower=0.0, upper=per_bt(dmax), name="d")
    s = m.add_variables(lower=per_bt(smin[:, None]), upper=per_bt(smax[:, None]), name="s")
    if K:
        k_idx = pd.RangeIndex(K, name="k")
        p = m.add_variables(
            lower=xr.DataArray(np.asarray(inp["demand_floor_mw"], float), coords=[k_idx]), name="p"
        )
    if has_reserve:
        ru = m.add_variables(
            lower=per_t(inp["reserve_up_min_mw"]), upper=per_t(inp["reserve_up_max_mw"]), name="ru"
        )
        rd = m.add_variables(
            lower=per_t(inp["reserve_down_min_mw"]),
            upper=per_t(inp["reserve_down_max_mw"]),
            name="rd",
        )
    if curt:
        u = m.add_variables(lower=0.0, upper=per_t(inp["curtail_max_mw"]), name="u")
    if defer:
        v = m.add_variables(lower=0.0, upper=per_t(inp["defer_max_mw"]), name="v")
        w = m.add_variables(lower=0.0, upper=per_t(inp["recover_max_mw"]), name="w")
        bmax = np.full(T, float(inp["max_backlog_mwh"]))
        bmax[-1] = 0.0
        bk = m.add_variables(lower=0.0, upper=per_t(bmax), name="backlog")
        vt = m.add_variables(lower=0.0, name="deferred_total", coords=[t_idx])

    # (1) balance
    lhs = g - x + (d - c).sum("b")
    if curt:
        lhs = lhs + u
    if defer:
        lhs = lhs + v - w
    m.add_constraints(lhs == per_t(L + aux), name="balance")
    # (2) state of charge; shift() leaves no variable at t = 0, where the rhs holds r s_-1
    rhs = np.zeros((B, T))
    rhs[:, 0] = ret * s0
    m.add_constraints(
        s - per_b(ret) * s.shift(t=1) - per_b(etac * dt) * c + per_b(dt / etad) * d == per_bt(rhs),
        name="soc",
    )
    # (5) terminal energy
    m.add_constraints(s.isel(t=-1) >= per_b(sfin), name="terminal")
    # (7) demand peaks
    if K:
        k_of_t = xr.DataArray(np.where(win >= 0, win, 0), coords=[t_idx])
        m.add_constraints(
            p.isel(k=k_of_t) - g >= 0.0, name="demand", mask=xr.DataArray(win >= 0, coords=[t_idx])
        )
    # (8) ramp
    if has_ramp:
        g0 = float(inp["ramp_initial_import_mw"])
        later = xr.DataArray(np.arange(T) >= 1, coords=[t_idx])
        step = (g - x) - (g - x).shift(t=1)  # on the net draw (issue 18)
        m.add_constraints(step <= per_t(inp["ramp_rise_mw"]), name="ramp_up", mask=later)
        m.add_constraints(-step <= per_t(inp["ramp_fall_mw"]), name="ramp_down", mask=later)
        if np.isfinite(g0):
            m.add_constraints(
                g.isel(t=0) - x.isel(t=0) <= float(inp["ramp_rise_mw"][0]) + g0, name="ramp_up0"
            )
            m.add_constraints(
                x.isel(t=0) - g.isel(t=0) <= float(inp["ramp_fall_mw"][0]) - g0, name="ramp_down0"
            )
    # (9) swing buffer
    if has_swing:
        up = (c - d).sum("b")
        dn = (d - c).sum("b")
        if has_reserve:
            up, dn = up - ru, dn - rd
        m.add_constraints(
            up >= per_t(np.asarray(inp["swing_up_mw"], float) - dmax.sum(axis=0)), name="swing_up"
        )
        m.add_constraints(
            dn >= per_t(np.asarray(inp["swing_down_mw"], float) - cmax.sum(axis=0)),
            name="swing_down",
        )
    # (10) reserve energy
    if has_reserve and sustain > 0 and B:
        fleet = s.sum("b")
        m.add_constraints(
            fleet - (sustain / etad.min()) * ru >= float(smin.sum()), name="reserve_energy_up"
        )
        m.add_constraints(
            fleet + (sustain * etac.max()) * rd <= float(smax.sum()), name="reserve_energy_down"
        )
    # (11) event caps
    if in_event.any():
        m.add_constraints(
            g <= per_t(np.where(in_event, cap, 0.0)),
            name="event_cap",
            mask=xr.DataArray(in_event, coords=[t_idx]),
        )
    # (12) deferral backlog and flex floor
    if defer:
        dl = int(inp["deadline_intervals"])
        m.add_constraints(bk - bk.shift(t=1) - dt * v + dt * w == 0.0, name="flex_backlog")
        m.add_constraints(vt - vt.shift(t=1) - dt * v == 0.0, name="flex_deferred_total")
        m.add_constraints(bk - vt + vt.shift(t=dl) <= 0.0, name="flex_deadline")
    if curt or defer:
        flex = u + v if (curt and defer) else (u if curt else v)
        m.add_constraints(flex <= per_t(inp["flex_max_mw"]), name="flex_floor")

    # (13) import movement (t = 0 against the initial import when the ramp gives one)
    has_move = bool(inp.get("has_movement", False))
    if has_move:
        g0m = float(inp["ramp_initial_import_mw"]) if has_ramp else np.nan
        mv_first = np.isfinite(g0m)
        mv_mask = xr.DataArray(np.arange(T) >= (0 if mv_first else 1), coords=[t_idx])
        mp = m.add_variables(lower=0.0, name="move_up", coords=[t_idx], mask=mv_mask)
        mm = m.add_variables(lower=0.0, name="move_down", coords=[t_idx], mask=mv_mask)
        net = g - x
        later = xr.DataArray(np.arange(T) >= 1, coords=[t_idx])
        m.add_constraints(mp - mm - net + net.shift(t=1) == 0.0, name="movement", mask=later)
        if mv_first:
            m.add_constraints(
                mp.isel(t=0) - mm.isel(t=0) - g.isel(t=0) + x.isel(t=0) == -g0m, name="movement0"
            )
    # (14) energy floor: rows only where the floor holds energy
    need = np.asarray(inp.get("floor_energy_mwh", np.full(T, np.nan)), float)
    held = np.isfinite(need)
    if held.any() and B:
        m.add_constraints(
            s.sum("b") >= per_t(np.where(held, need, 0.0)), name="floor_energy", mask=per_t(held)
        )
    # (15) reserve deliverability
    if has_reserve:
        m.add_constraints(ru - g + x <= per_t(gexp), name="reserve_deliverable")

    # objective (without the constants)
    wg = np.asarray(inp["import_price_usd_per_mwh"], float) * dt
    paid = in_event & (credit != 0.0)
    wg = wg + np.where(paid, credit * dt, 0.0)
    obj = (per_t(wg) * g).sum()
    if gexp.any():
        obj = obj - (per_t(np.asarray(inp["export_price_usd_per_mwh"], float) * dt) * x).sum()
    if np.any(delta != 0.0):
        obj = obj + (per_bt((delta * dt)[:, None]) * d).sum()
    if K:
        obj = obj + (xr.DataArray(D, coords=[k_idx]) * p).sum()
    if has_reserve and np.isfinite(float(inp["reserve_price_usd_per_mw_h"])):
        obj = obj - (float(inp["reserve_price_usd_per_mw_h"]) * dt) * (ru.sum() + rd.sum())
    if curt and float(inp["curtail_cost_usd_per_mwh"]):
        obj = obj + (float(inp["curtail_cost_usd_per_mwh"]) * dt) * u.sum()
    if defer and float(inp["defer_cost_usd_per_mwh"]):
        obj = obj + (float(inp["defer_cost_usd_per_mwh"]) * dt) * v.sum()
    if has_move and float(inp["movement_cost_usd_per_mw"]):
        obj = obj + float(inp["movement_cost_usd_per_mw"]) * (mp.sum() + mm.sum())
    m.add_objective(obj)
    return m
