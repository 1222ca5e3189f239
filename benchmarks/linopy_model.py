"""The dispatch LP (SPEC.md families 1-7, objective terms energy, export, demand, degradation)
written in linopy, for the peer comparison in ``bench_routes.py``.

It mirrors the maths of ``tests/reference_lp.py`` (same inputs, same column bounds, same rows)
and shares no code with ``optimizer/``. linopy is a benchmark-only dependency: nothing under
``optimizer/`` imports this module.

Rows (T intervals, B groups, K demand windows, ``dt = interval_h``)::

    (1) balance  g_t - x_t + sum_b (d_bt - c_bt) = L_t + sum_b a_b n_b aux_b
    (2) SOC      s_bt - r_b s_b,t-1 - etac_b dt c_bt + dt/etad_b d_bt = [t == 0] r_b s_b,-1
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

    # (2) state of charge; s.shift(t=1) is absent at t = 0, where the initial energy is the rhs
    rhs = xr.zeros_like(ones_bt)
    rhs[:, 0] = r * s_init
    soc = s - per_b(r) * s.shift(t=1) - per_b(etac * dt) * c + per_b(dt / etad) * d
    m.add_constraints(soc == rhs, name="soc")

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
        t_in = np.flatnonzero(win >= 0)
        sel_t = xr.DataArray(t_in, dims="r")
        sel_k = xr.DataArray(win[t_in], dims="r")
        m.add_constraints(p.isel(k=sel_k) - g.isel(t=sel_t) >= 0.0, name="demand")
        objective = objective + (xr.DataArray(D, coords=[k_idx]) * p).sum()

    m.add_objective(objective)
    return m
