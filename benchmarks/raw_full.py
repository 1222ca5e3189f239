"""The full dispatch LP (SPEC.md families 1-15 + the deferral backlog) as numpy/scipy matrices.

This is the *floor* of the benchmarks: no modelling layer at all, one vectorised COO -> CSC
build, handed to ``highspy`` as an ``HighsLp``. It mirrors the maths of
``optimizer/formulation`` (read from its docstrings) but imports nothing from it: its input is a
flat dict of numpy arrays (see :func:`benchmarks.bench_full.model_arrays`, which turns
``ModelData`` into that dict in the parent process).

It writes the LP exactly as the project's ``build_model`` does, row for row: the terminal energy
and the event caps are rows (not bounds), ramp up/down are two rows each, the reserve columns
exist even when their bounds pin them, so the three builds (Pyomo, raw, linopy) have the same
number of rows, columns and non-zeros.

Columns (T intervals, B groups, K demand windows; blocks present only when the family is on)::

    g_t  x_t  c_bt  d_bt  s_bt  p_k  ru_t rd_t  u_t  v_t w_t B_t V_t
    import export charge discharge soc peak reserve curtailed deferred recovered backlog deferred-total

Rows::

    (1)  balance[t]        g - x + sum_b (d - c) + u + v - w            =  L + aux
    (2)  soc[b,t]          s_t - r s_t-1 - etac dt c + dt/etad d       =  0   (t = 0: r s_-1)
    (5)  terminal[b]       s_b,T-1                                     >= s_final
    (7)  demand[t]         p_k(t) - g_t                                >= 0   (t in a window)
    (8)  ramp_up[t]        (g - x)_t - (g - x)_t-1                     <= rise_t   (t >= 1; t = 0 vs g_init)
         ramp_down[t]      (g - x)_t-1 - (g - x)_t                     <= fall_t
    (9)  swing_up[t]       sum_b (c - d) - ru                          >= wup - sum_b a n Pd
         swing_down[t]     sum_b (d - c) - rd                          >= wdn - sum_b a n Pc
    (10) res_energy_up[t]  sum_b s - ru H / etad_min                   >= sum_b smin
         res_energy_dn[t]  sum_b s + rd H etac_max                     <= sum_b smax
    (11) event_cap[t]      g_t                                         <= cap_t   (t in an event)
    (12) backlog[t]        B_t - B_t-1 - dt v + dt w                   =  0
         deferred_tot[t]   V_t - V_t-1 - dt v                          =  0
         deadline[t]       B_t - V_t + V_t-D                           <= 0
         flex_floor[t]     u + v                                       <= (1 - floor) Lgpu
    (13) movement[t]       m+ - m- - (g - x)_t + (g - x)_t-1           =  0   (t >= 1; t = 0
                                                                              against y_init = g_init)
    (14) floor_energy[t]   sum_b s                                     >= smin + F_t  (where F_t > 0)
    (15) deliverable[t]    ru - g + x                                  <= Gexp

Bounds: 0 <= g <= Gimp, 0 <= x <= Gexp, 0 <= c <= a n Pc, 0 <= d <= a n Pd,
smin <= s <= smax, p >= p_mtd, ru_min <= ru <= ru_max, rd likewise, 0 <= u <= phi Lgpu,
0 <= v <= psi Lgpu, 0 <= w <= recover_max, 0 <= B <= Bmax (B_T-1 = 0), V >= 0, m+, m- >= 0.

Objective (the project's, without its constants ``fixed`` and the event credit constant, which
are returned as ``offset``)::

    sum pi dt g - sum pix dt x + sum D p + sum delta dt d - sum price dt (ru + rd)
    + sum kappa dt u + sum mu dt v + sum_{t in events, credit != 0} credit_t dt g_t
    + movement_cost sum (m+ + m-)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp


def build_raw_full(inp: dict[str, Any]) -> dict[str, Any]:
    """Build the LP of the module docstring from the flat array dict ``inp``.

    Returns ``A`` (CSC), ``cost``, ``col_lower``, ``col_upper``, ``row_lower``, ``row_upper``,
    ``offset`` (the objective constant the project adds) and ``idx`` (column blocks).
    """
    T = int(inp["T"])
    dt = float(inp["dt"])
    L = np.asarray(inp["load_mw"], dtype=float)
    aux = np.asarray(inp["aux_load_mw"], dtype=float)
    cmax = np.atleast_2d(np.asarray(inp["charge_max_mw"], dtype=float))  # (B, T)
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
    ev_t = np.flatnonzero(np.isfinite(cap))
    credit = np.asarray(inp["event_credit_usd_per_mwh"], float)
    has_flex = bool(inp["has_flex"])
    curt = has_flex and bool(np.any(np.asarray(inp["curtail_max_mw"]) > 0))
    defer = (
        has_flex
        and bool(np.any(np.asarray(inp["defer_max_mw"]) > 0))
        and float(inp["max_backlog_mwh"]) > 0
    )

    # ---- column layout ----------------------------------------------------------------------
    BT = B * T
    nxt = 0

    def block(n: int) -> np.ndarray:
        nonlocal nxt
        out = nxt + np.arange(n)
        nxt += n
        return out

    ig, ix = block(T), block(T)
    ic, id_, is_ = block(BT).reshape(B, T), block(BT).reshape(B, T), block(BT).reshape(B, T)
    ip = block(K)
    iru = block(T) if has_reserve else None
    ird = block(T) if has_reserve else None
    iu = block(T) if curt else None
    iv = block(T) if defer else None
    iw = block(T) if defer else None
    ib = block(T) if defer else None
    iV = block(T) if defer else None
    has_move = bool(inp.get("has_movement", False))
    g_init = float(inp["ramp_initial_import_mw"]) if has_ramp else np.nan
    t_mv = np.arange(0 if np.isfinite(g_init) else 1, T) if has_move else np.arange(0)
    imp = block(t_mv.size) if has_move else None
    imm = block(t_mv.size) if has_move else None
    ncol = nxt

    cost = np.zeros(ncol)
    lo = np.zeros(ncol)
    hi = np.full(ncol, np.inf)
    cost[ig] = np.asarray(inp["import_price_usd_per_mwh"], float) * dt
    if gexp.any():
        cost[ix] = -np.asarray(inp["export_price_usd_per_mwh"], float) * dt
    cost[id_] = (delta * dt)[:, None]
    cost[ip] = D
    hi[ig] = inp["import_limit_mw"]
    hi[ix] = gexp
    hi[ic] = cmax
    hi[id_] = dmax
    lo[is_] = smin[:, None]
    hi[is_] = smax[:, None]
    if K:
        lo[ip] = inp["demand_floor_mw"]
    if has_reserve:
        lo[iru], hi[iru] = inp["reserve_up_min_mw"], inp["reserve_up_max_mw"]
        lo[ird], hi[ird] = inp["reserve_down_min_mw"], inp["reserve_down_max_mw"]
        price = float(inp["reserve_price_usd_per_mw_h"])
        if np.isfinite(price):
            cost[iru] = cost[ird] = -price * dt
    if curt:
        hi[iu] = inp["curtail_max_mw"]
        cost[iu] = float(inp["curtail_cost_usd_per_mwh"]) * dt
    if defer:
        hi[iv] = inp["defer_max_mw"]
        hi[iw] = inp["recover_max_mw"]
        hi[ib] = float(inp["max_backlog_mwh"])
        hi[ib[-1]] = 0.0
        cost[iv] = float(inp["defer_cost_usd_per_mwh"]) * dt
    if has_move:
        cost[imp] = cost[imm] = float(inp["movement_cost_usd_per_mw"])
    paid = ev_t[credit[ev_t] != 0.0]
    cost[ig[paid]] += credit[paid] * dt
    offset = (
        float(inp["fixed_usd"])
        - float(np.sum(credit[paid] * L[paid]) * dt)
        - float(inp["event_capacity_credit_usd"])
    )

    # ---- rows -------------------------------------------------------------------------------
    R, C, V = [], [], []
    rlo, rhi = [], []
    nrow = 0

    def rows(n: int, lower, upper) -> np.ndarray:
        nonlocal nrow
        out = nrow + np.arange(n)
        nrow += n
        rlo.append(np.broadcast_to(np.asarray(lower, float), (n,)))
        rhi.append(np.broadcast_to(np.asarray(upper, float), (n,)))
        return out

    def add(r, c, v) -> None:
        r, c = np.broadcast_arrays(np.asarray(r), np.asarray(c))
        R.append(r.ravel())
        C.append(c.ravel())
        V.append(np.broadcast_to(np.asarray(v, dtype=float), r.shape).ravel())

    inf = np.inf
    t_all = np.arange(T)
    tt = np.broadcast_to(t_all, (B, T))
    # (1) balance
    rb = rows(T, L + aux, L + aux)
    add(rb, ig, 1.0)
    add(rb, ix, -1.0)
    add(rb[tt], id_, 1.0)
    add(rb[tt], ic, -1.0)
    if curt:
        add(rb, iu, 1.0)
    if defer:
        add(rb, iv, 1.0)
        add(rb, iw, -1.0)
    # (2) state of charge
    rhs = np.zeros((B, T))
    rhs[:, 0] = ret * s0
    rs = rows(BT, rhs.ravel(), rhs.ravel()).reshape(B, T)
    add(rs, is_, 1.0)
    add(rs[:, 1:], is_[:, :-1], -ret[:, None])
    add(rs, ic, -(etac * dt)[:, None])
    add(rs, id_, (dt / etad)[:, None])
    # (5) terminal energy
    rt = rows(B, sfin, inf)
    add(rt, is_[:, -1], 1.0)
    # (7) demand peaks
    t_in = np.flatnonzero(win >= 0)
    if K:
        rd = rows(t_in.size, 0.0, inf)
        add(rd, ip[win[t_in]], 1.0)
        add(rd, ig[t_in], -1.0)
    # (8) ramp
    if has_ramp:
        rise = np.asarray(inp["ramp_rise_mw"], float)
        fall = np.asarray(inp["ramp_fall_mw"], float)
        g0 = float(inp["ramp_initial_import_mw"])
        t1 = t_all if np.isfinite(g0) else t_all[1:]
        rise_b, fall_b = rise[t1].copy(), fall[t1].copy()
        if np.isfinite(g0):  # t = 0 against the given initial import (a constant)
            rise_b[0] += g0
            fall_b[0] -= g0
        later = t1 >= 1  # on the net draw g - x (issue 18)
        ru_ = rows(t1.size, -inf, rise_b)
        add(ru_, ig[t1], 1.0)
        add(ru_, ix[t1], -1.0)
        add(ru_[later], ig[t1[later] - 1], -1.0)
        add(ru_[later], ix[t1[later] - 1], 1.0)
        rdn = rows(t1.size, -inf, fall_b)
        add(rdn, ig[t1], -1.0)
        add(rdn, ix[t1], 1.0)
        add(rdn[later], ig[t1[later] - 1], 1.0)
        add(rdn[later], ix[t1[later] - 1], -1.0)
    # (9) swing buffer
    if has_swing:
        wup = np.asarray(inp["swing_up_mw"], float)
        wdn = np.asarray(inp["swing_down_mw"], float)
        r9u = rows(T, wup - dmax.sum(axis=0), inf)
        add(r9u[tt], ic, 1.0)
        add(r9u[tt], id_, -1.0)
        r9d = rows(T, wdn - cmax.sum(axis=0), inf)
        add(r9d[tt], id_, 1.0)
        add(r9d[tt], ic, -1.0)
        if has_reserve:
            add(r9u, iru, -1.0)
            add(r9d, ird, -1.0)
    # (10) reserve energy
    if has_reserve and sustain > 0 and B:
        r10u = rows(T, smin.sum(), inf)
        add(r10u[tt], is_, 1.0)
        add(r10u, iru, -sustain / etad.min())
        r10d = rows(T, -inf, smax.sum())
        add(r10d[tt], is_, 1.0)
        add(r10d, ird, sustain * etac.max())
    # (11) event caps
    if ev_t.size:
        re = rows(ev_t.size, -inf, cap[ev_t])
        add(re, ig[ev_t], 1.0)
    # (12) curtailment bound + deferral backlog
    if defer:
        dl = int(inp["deadline_intervals"])
        r12b = rows(T, 0.0, 0.0)
        add(r12b, ib, 1.0)
        add(r12b[1:], ib[:-1], -1.0)
        add(r12b, iv, -dt)
        add(r12b, iw, dt)
        r12v = rows(T, 0.0, 0.0)
        add(r12v, iV, 1.0)
        add(r12v[1:], iV[:-1], -1.0)
        add(r12v, iv, -dt)
        r12d = rows(T, -inf, 0.0)
        add(r12d, ib, 1.0)
        add(r12d, iV, -1.0)
        add(r12d[dl:], iV[: T - dl], 1.0)
    if curt or defer:
        r12f = rows(T, -inf, inp["flex_max_mw"])
        if curt:
            add(r12f, iu, 1.0)
        if defer:
            add(r12f, iv, 1.0)

    # (13) import movement
    if has_move:
        first = np.isfinite(g_init)
        rm = rows(t_mv.size, 0.0, 0.0)
        if first:  # t = 0: m+ - m- - (g0 - x0) = -y_init
            rlo[-1] = rhi[-1] = np.where(t_mv == 0, -g_init, 0.0)
        add(rm, imp, 1.0)
        add(rm, imm, -1.0)
        add(rm, ig[t_mv], -1.0)
        add(rm, ix[t_mv], 1.0)
        later = t_mv >= 1
        add(rm[later], ig[t_mv[later] - 1], 1.0)
        add(rm[later], ix[t_mv[later] - 1], -1.0)
    # (14) energy floor (ride-through, event readiness): rows only where the floor holds energy
    need = np.asarray(inp.get("floor_energy_mwh", np.full(T, np.nan)), float)
    t14 = np.flatnonzero(np.isfinite(need))
    if t14.size and B:
        r14 = rows(t14.size, need[t14], inf)
        add(np.broadcast_to(r14, (B, t14.size)), is_[:, t14], 1.0)
    # (15) reserve deliverability
    if has_reserve:
        r15 = rows(T, -inf, gexp)
        add(r15, iru, 1.0)
        add(r15, ig, -1.0)
        add(r15, ix, 1.0)

    A = sp.csc_matrix(
        (np.concatenate(V), (np.concatenate(R), np.concatenate(C))), shape=(nrow, ncol)
    )
    return {
        "A": A,
        "cost": cost,
        "col_lower": lo,
        "col_upper": hi,
        "row_lower": np.concatenate(rlo),
        "row_upper": np.concatenate(rhi),
        "offset": offset,
        "idx": {
            "g": ig,
            "x": ix,
            "c": ic,
            "d": id_,
            "s": is_,
            "p": ip,
            "ru": iru,
            "rd": ird,
            "u": iu,
            "v": iv,
            "w": iw,
            "B": ib,
            "V": iV,
            "m+": imp,
            "m-": imm,
        },
    }


def to_highs_lp(R: dict[str, Any], highspy: Any) -> Any:
    """The ``HighsLp`` of a :func:`build_raw_full` result (column-wise matrix, no copy of names)."""
    A = R["A"]
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = A.shape[1], A.shape[0]
    lp.col_cost_ = R["cost"]
    lp.col_lower_, lp.col_upper_ = R["col_lower"], R["col_upper"]
    lp.row_lower_, lp.row_upper_ = R["row_lower"], R["row_upper"]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data
    return lp


def max_violation(R: dict[str, Any], x: np.ndarray) -> tuple[float, float]:
    """Largest row and column-bound violation of ``x`` (absolute, in the rows' units: MW/MWh)."""
    ax = R["A"] @ x
    row = float(np.max(np.concatenate([R["row_lower"] - ax, ax - R["row_upper"], [0.0]])))
    col = float(np.max(np.concatenate([R["col_lower"] - x, x - R["col_upper"], [0.0]])))
    return row, col
