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
    m.add_constraints(s - per_b(r) * s.roll(t=1) + flow == 0.0, name="soc", mask=later & (ones_bt > 0))
    m.add_constraints(
        s.isel(t=0) + flow.isel(t=0) == per_b(r * s_init), name="soc_first"
    )

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
