"""Independent reference formulation of the dispatch LP (SPEC.md sections 4 and 5).

This module is a cross-check for ``optimizer/`` and deliberately shares no code with it: the LP
is written out directly as one sparse matrix (numpy/scipy) and handed to HiGHS as an ``HighsLp``.

Scope: constraint families 1-7 of SPEC section 4 and the objective terms energy, export, demand
and degradation of section 5; optionally family 13 (import movement, SPEC section 8), a fixed
frequency reserve with families 9 (no swing), 10 and 15 (reserve deliverability), and family 14
(the ride-through energy floor, when ``ride_through_h > 0``).  There is no curtailment
(``u_t = 0``), no ramp, swing envelope or event constraint.  Availability ``a_bt`` may vary in
time (a number or a (T,) array per group), caps ``Gimp_t``/``Gexp_t`` may be ``inf`` (no cap),
and the terminal energy is a band ``f_b n_b E_b <= s_b,T-1 <= F_b n_b E_b`` (``F_b`` =
``final_soc_max_frac``, default ``smax_b``).

Notation (T intervals t, B battery groups b, K demand windows k, ``dt = interval_h``)
---------------------------------------------------------------------------------------
Variables, in this column order::

    g_t   (T)     grid import  [MW]          0 <= g_t <= Gimp_t              (family 6)
    x_t   (T)     grid export  [MW]          0 <= x_t <= Gexp_t              (family 6)
    c_bt  (B*T)   charge       [MW]          0 <= c_bt <= a_bt n_b Pc_b      (family 3)
    d_bt  (B*T)   discharge    [MW]          0 <= d_bt <= a_bt n_b Pd_b      (family 3)
    s_bt  (B*T)   energy at END of t [MWh]   smin_b n_b E_b <= s_bt <= smax_b n_b E_b  (family 4)
                                             f_b n_b E_b <= s_b,T-1 <= F_b n_b E_b    (family 5)
    p_k   (K)     peak import  [MW]          p_k >= 0

Families 3-6 are simple bounds, so they are column bounds; the rows are

    (1) balance, T rows:      g_t - x_t + sum_b (d_bt - c_bt) = L_t + sum_b a_bt n_b aux_b
    (2) SOC, B*T rows, with r_b = (1 - lam_b)^dt and s_b,-1 = s0_b n_b E_b:
            s_bt - r_b s_b,t-1 - etac_b dt c_bt + (dt / etad_b) d_bt = 0        (t >= 1)
            s_b0               - etac_b dt c_b0 + (dt / etad_b) d_b0 = r_b s_b,-1
    (7) demand, one row per interval t in a window k = w_t >= 0:
            p_k - g_t >= 0
    (14) energy floor, T rows when ride_through_h = H > 0, K = H / dt:
            sum_b s_bt >= sum_b smin_b n_b E_b + F_t
            F_t = sum_{k=1..K} rho^-k (C_{t+k} + aux) dt / etad_min + Smin (rho^-K - 1)
         with Smin = sum_b smin_b n_b E_b, etad_min the worst discharge efficiency, rho the
         worst SOC retention (1 - lam)^dt,
         and C_tau = C_{T-1} past the horizon.  With no self-discharge (rho = 1) this is SPEC's
         F_t = (1/etad) sum_{tau=t+1..t+K} (C_tau + aux) dt; the rho terms add the standing loss
         over the K intervals exactly.

Optional family 13 (``movement_cost_usd_per_mw = mu > 0``): columns ``mp_t, mm_t >= 0`` for
t = 1 .. T-1 after ``p`` and the rows

    (13) movement, T-1 rows:  (g_t - x_t) - (g_t-1 - x_t-1) - mp_t + mm_t = 0

Optional fixed reserve (``reserve = {"up_mw": ru, "down_mw": rd, "sustain_h": H}``), rows per t:

    (9)  up headroom:         sum_b (c_bt - d_bt) >= ru - sum_b a_b n_b Pd_b
         down headroom:       sum_b (d_bt - c_bt) >= rd - sum_b a_b n_b Pc_b
    (10) (when H > 0)         sum_b s_bt >= sum_b smin_b n_b E_b + ru H / min_b etad_b
                              sum_b s_bt <= sum_b smax_b n_b E_b - rd H max_b etac_b
    (15) deliverability:      g_t - x_t >= ru - Gexp_t

Objective (minimise, $)::

    sum_t pi_t g_t dt  -  sum_t pix_t x_t dt  +  sum_k D_k p_k  +  sum_bt delta_b d_bt dt
    = energy_usd       +  export_usd          +  demand_usd     +  degradation_usd
    +  mu sum_t (mp_t + mm_t)
    +  movement_usd

The build is fully vectorised (a 35,040-interval year with a few groups builds in a fraction of a
second); the solve is a single HiGHS LP call.
"""

from __future__ import annotations

import highspy
import numpy as np
import scipy.sparse as sp

_STATUS = {
    highspy.HighsModelStatus.kOptimal: "optimal",
    highspy.HighsModelStatus.kInfeasible: "infeasible",
    highspy.HighsModelStatus.kUnbounded: "unbounded",
}


def _vec(a, T: int, name: str) -> np.ndarray:
    a = np.asarray(a, dtype=float).reshape(-1)
    if a.shape != (T,):
        msg = f"{name} must have shape ({T},), got {a.shape}"
        raise ValueError(msg)
    return a


def build_reference_lp(
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
    movement_cost_usd_per_mw: float = 0.0,
    reserve: dict | None = None,
    critical_load_mw=None,
    ride_through_h: float = 0.0,
) -> dict:
    """Build the LP of the module docstring; returns cost, bounds, CSC matrix and column layout."""
    L = np.asarray(load_mw, dtype=float).reshape(-1)
    T = L.size
    pi = _vec(price_usd_per_mwh, T, "price_usd_per_mwh")
    pix = _vec(export_price_usd_per_mwh, T, "export_price_usd_per_mwh")
    gimp = _vec(import_limit_mw, T, "import_limit_mw")
    gexp = _vec(export_limit_mw, T, "export_limit_mw")
    win = np.asarray(demand_window, dtype=np.int64).reshape(-1)
    if win.shape != (T,):
        msg = f"demand_window must have shape ({T},), got {win.shape}"
        raise ValueError(msg)
    D = np.asarray(demand_rate_usd_per_mw, dtype=float).reshape(-1)
    K = D.size
    if win.size and (win.max(initial=-1) >= K or win.min(initial=-1) < -1):
        msg = "demand_window entries must be -1 or in [0, K)"
        raise ValueError(msg)
    dt = float(interval_h)
    B = len(groups)

    def g_arr(key: str) -> np.ndarray:
        return np.array([float(grp[key]) for grp in groups], dtype=float)

    n = g_arr("n_units")
    a = np.array(
        [np.broadcast_to(np.asarray(grp["availability_frac"], dtype=float), (T,)) for grp in groups]
    ).reshape(B, T)
    E = n * g_arr("energy_capacity_mwh")  # group energy capacity [MWh]
    Pc = a * (n * g_arr("power_charge_max_mw"))[:, None]  # (B, T) [MW]
    Pd = a * (n * g_arr("power_discharge_max_mw"))[:, None]
    etac, etad = g_arr("charge_efficiency_frac"), g_arr("discharge_efficiency_frac")
    r = (1.0 - g_arr("self_discharge_frac_per_h")) ** dt  # SOC retention per interval
    s_init = g_arr("initial_soc_frac") * E
    s_lo, s_hi = g_arr("soc_min_frac") * E, g_arr("soc_max_frac") * E
    s_end = np.maximum(s_lo, g_arr("final_soc_min_frac") * E)
    top = np.array([grp.get("final_soc_max_frac") for grp in groups], dtype=object)
    s_end_hi = np.array(
        [s_hi[i] if top[i] is None else min(s_hi[i], float(top[i]) * E[i]) for i in range(B)]
    )
    aux = (a * (n * g_arr("aux_load_mw"))[:, None]).sum(axis=0)  # (T,) [MW]
    delta = g_arr("degradation_cost_usd_per_mwh")

    # ---- column layout -------------------------------------------------------------------------
    BT = B * T
    ig, ix = np.arange(T), T + np.arange(T)
    ic = 2 * T + np.arange(BT).reshape(B, T)
    id_ = ic + BT
    is_ = ic + 2 * BT
    ip = 2 * T + 3 * BT + np.arange(K)
    mu = float(movement_cost_usd_per_mw)
    TM = T - 1 if mu > 0 else 0
    imp = 2 * T + 3 * BT + K + np.arange(TM)
    imm = imp + TM
    ncol = 2 * T + 3 * BT + K + 2 * TM

    ones_bt = np.ones((B, T))
    cost = np.concatenate(
        [
            pi * dt,
            -pix * dt,
            np.zeros(BT),
            (delta[:, None] * dt * ones_bt).ravel(),
            np.zeros(BT),
            D,
            np.full(2 * TM, mu),
        ]
    )
    s_lower = s_lo[:, None] * ones_bt
    s_lower[:, -1] = s_end
    lower = np.concatenate([np.zeros(2 * T + 2 * BT), s_lower.ravel(), np.zeros(K + 2 * TM)])
    s_upper = s_hi[:, None] * ones_bt
    s_upper[:, -1] = s_end_hi
    upper = np.concatenate(
        [
            gimp,
            gexp,
            Pc.ravel(),
            Pd.ravel(),
            s_upper.ravel(),
            np.full(K + 2 * TM, np.inf),
        ]
    )

    # ---- rows: (1) balance [0, T), (2) SOC [T, T + BT), (7) demand [T + BT, T + BT + M) ---------
    rows, cols, vals = [], [], []

    def add(r_idx, c_idx, v):
        r_idx, c_idx = np.broadcast_arrays(np.asarray(r_idx), np.asarray(c_idx))
        rows.append(r_idx.ravel())
        cols.append(c_idx.ravel())
        vals.append(np.broadcast_to(np.asarray(v, dtype=float), r_idx.shape).ravel())

    tt = np.broadcast_to(np.arange(T), (B, T))
    add(ig, ig, 1.0)
    add(ig, ix, -1.0)
    add(tt, id_, 1.0)
    add(tt, ic, -1.0)

    soc_row = T + np.arange(BT).reshape(B, T)
    add(soc_row, is_, 1.0)
    add(soc_row[:, 1:], is_[:, :-1], -r[:, None] * np.ones((B, T - 1)))
    add(soc_row, ic, -(etac * dt)[:, None] * ones_bt)
    add(soc_row, id_, (dt / etad)[:, None] * ones_bt)

    t_in = np.flatnonzero(win >= 0)
    M = t_in.size
    dem_row = T + BT + np.arange(M)
    add(dem_row, ip[win[t_in]], 1.0)
    add(dem_row, ig[t_in], -1.0)

    nrow = T + BT + M
    soc_rhs = np.zeros((B, T))
    soc_rhs[:, 0] = r * s_init
    rhs_bal = L + aux
    lo_parts = [rhs_bal, soc_rhs.ravel(), np.zeros(M)]
    hi_parts = [rhs_bal, soc_rhs.ravel(), np.full(M, np.inf)]

    if TM:  # (13) movement rows [nrow, nrow + T - 1)
        mv_row = nrow + np.arange(TM)
        t1 = np.arange(1, T)
        add(mv_row, ig[t1], 1.0)
        add(mv_row, ix[t1], -1.0)
        add(mv_row, ig[t1 - 1], -1.0)
        add(mv_row, ix[t1 - 1], 1.0)
        add(mv_row, imp, -1.0)
        add(mv_row, imm, 1.0)
        nrow += TM
        lo_parts.append(np.zeros(TM))
        hi_parts.append(np.zeros(TM))

    if reserve is not None:  # (9), (10), (15), each T rows
        ru, rd = float(reserve.get("up_mw", 0.0)), float(reserve.get("down_mw", 0.0))
        H = float(reserve.get("sustain_h", 0.0))
        t_all = np.arange(T)
        up_row, dn_row = nrow + t_all, nrow + T + t_all
        add(np.broadcast_to(up_row, (B, T)), ic, 1.0)
        add(np.broadcast_to(up_row, (B, T)), id_, -1.0)
        add(np.broadcast_to(dn_row, (B, T)), id_, 1.0)
        add(np.broadcast_to(dn_row, (B, T)), ic, -1.0)
        lo_parts += [ru - Pd.sum(axis=0), rd - Pc.sum(axis=0)]
        hi_parts += [np.full(T, np.inf), np.full(T, np.inf)]
        nrow += 2 * T
        if H > 0 and B:
            e_row = nrow + t_all
            add(np.broadcast_to(e_row, (B, T)), is_, 1.0)
            lo_parts.append(np.full(T, s_lo.sum() + ru * H / etad.min()))
            hi_parts.append(np.full(T, s_hi.sum() - rd * H * etac.max()))
            nrow += T
        dl_row = nrow + t_all
        add(dl_row, ig, 1.0)
        add(dl_row, ix, -1.0)
        lo_parts.append(ru - gexp)
        hi_parts.append(np.full(T, np.inf))
        nrow += T

    if ride_through_h > 0:  # (14) energy floor rows, T rows
        crit = _vec(critical_load_mw, T, "critical_load_mw")
        n_ahead = int(round(ride_through_h / dt))
        etad_min, rho = float(etad.min()), float(r.min())
        smin_total = float(s_lo.sum())
        floor_lo = np.empty(T)
        for t in range(T):  # written out as in the docstring: no cumulative-sum tricks
            need = 0.0
            for k in range(1, n_ahead + 1):
                tau = min(t + k, T - 1)
                need += (crit[tau] + aux[tau]) * dt / etad_min / rho**k
            floor_lo[t] = smin_total + need + smin_total * (rho**-n_ahead - 1.0)
        floor_row = nrow + np.arange(T)
        add(np.broadcast_to(floor_row, (B, T)), is_, 1.0)
        lo_parts.append(floor_lo)
        hi_parts.append(np.full(T, np.inf))
        nrow += T

    A = sp.csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(nrow, ncol)
    )
    row_lower = np.concatenate(lo_parts)
    row_upper = np.concatenate(hi_parts)

    return dict(
        A=A,
        cost=cost,
        col_lower=lower,
        col_upper=upper,
        row_lower=row_lower,
        row_upper=row_upper,
        idx=dict(g=ig, x=ix, c=ic, d=id_, s=is_, p=ip, mp=imp, mm=imm),
        T=T,
        B=B,
        K=K,
        dt=dt,
        pi=pi,
        pix=pix,
        D=D,
        delta=delta,
        mu=mu,
    )


def solve_reference(
    *,
    load_mw: np.ndarray,
    price_usd_per_mwh: np.ndarray,
    export_price_usd_per_mwh: np.ndarray,
    import_limit_mw: np.ndarray,
    export_limit_mw: np.ndarray,
    interval_h: float,
    demand_window: np.ndarray,
    demand_rate_usd_per_mw: np.ndarray,
    groups: list[dict],
    movement_cost_usd_per_mw: float = 0.0,
    reserve: dict | None = None,
    critical_load_mw=None,
    ride_through_h: float = 0.0,
    time_limit_s: float = 600.0,
) -> dict:
    """Build (see the module docstring) and solve the reference LP with HiGHS.

    Returns ``status`` ("optimal", "infeasible", "unbounded" or HiGHS's model-status string),
    ``objective_usd`` (None unless optimal), the schedule ``grid_import_mw``, ``grid_export_mw``
    (T,), ``charge_mw``, ``discharge_mw``, ``soc_mwh`` (B, T), ``peak_mw`` (K,) and the cost terms
    ``energy_usd``, ``export_usd`` (= -export revenue), ``demand_usd``, ``degradation_usd`` and
    ``movement_usd`` (``mu * sum_t |Δ(g - x)|``) recomputed from the schedule.  Schedule and cost terms are None unless optimal.
    """
    m = build_reference_lp(
        load_mw=load_mw,
        price_usd_per_mwh=price_usd_per_mwh,
        export_price_usd_per_mwh=export_price_usd_per_mwh,
        import_limit_mw=import_limit_mw,
        export_limit_mw=export_limit_mw,
        interval_h=interval_h,
        demand_window=demand_window,
        demand_rate_usd_per_mw=demand_rate_usd_per_mw,
        groups=groups,
        movement_cost_usd_per_mw=movement_cost_usd_per_mw,
        reserve=reserve,
        critical_load_mw=critical_load_mw,
        ride_through_h=ride_through_h,
    )
    A = m["A"]
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = A.shape[1], A.shape[0]
    lp.col_cost_ = m["cost"]
    lp.col_lower_, lp.col_upper_ = m["col_lower"], m["col_upper"]
    lp.row_lower_, lp.row_upper_ = m["row_lower"], m["row_upper"]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.passModel(lp)
    h.run()
    ms = h.getModelStatus()
    if ms == highspy.HighsModelStatus.kUnboundedOrInfeasible:
        # presolve could not tell which; the simplex without presolve can
        h.setOptionValue("presolve", "off")
        h.run()
        ms = h.getModelStatus()
    status = _STATUS.get(ms, h.modelStatusToString(ms))

    T, B = m["T"], m["B"]
    out = dict(status=status, objective_usd=None)
    keys = (
        "grid_import_mw",
        "grid_export_mw",
        "charge_mw",
        "discharge_mw",
        "soc_mwh",
        "peak_mw",
        "energy_usd",
        "export_usd",
        "demand_usd",
        "degradation_usd",
        "movement_usd",
    )
    out.update(dict.fromkeys(keys))
    if status != "optimal":
        return out

    v = np.asarray(h.getSolution().col_value, dtype=float)
    ix, dt = m["idx"], m["dt"]
    g, x = v[ix["g"]], v[ix["x"]]
    c, d, s = v[ix["c"]].reshape(B, T), v[ix["d"]].reshape(B, T), v[ix["s"]].reshape(B, T)
    p = v[ix["p"]]
    out.update(
        objective_usd=float(h.getInfo().objective_function_value),
        grid_import_mw=g,
        grid_export_mw=x,
        charge_mw=c,
        discharge_mw=d,
        soc_mwh=s,
        peak_mw=p,
        energy_usd=float(m["pi"] @ g * dt),
        export_usd=float(-(m["pix"] @ x) * dt),
        demand_usd=float(m["D"] @ p),
        degradation_usd=float((m["delta"][:, None] * d).sum() * dt),
        movement_usd=float(m["mu"] * np.abs(np.diff(g - x)).sum()),
    )
    return out
