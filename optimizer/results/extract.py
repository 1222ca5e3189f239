"""Pyomo values -> DataFrames, with timestamps re-attached (``SPEC.md`` §7)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from optimizer.formulation.data import ModelData
from optimizer.inputs.scenario import Scenario


def _values(var: pyo.Var, keys: list) -> np.ndarray:
    return np.array([var[k].value if var[k].value is not None else 0.0 for k in keys], dtype=float)


def extract_group_arrays(m: pyo.ConcreteModel, data: ModelData) -> dict[str, dict[str, np.ndarray]]:
    """Per group: ``charge_mw``, ``discharge_mw``, ``soc_mwh`` arrays over the horizon."""
    out = {}
    ts = list(range(data.n_intervals))
    for g in data.groups:
        keys = [(g.name, t) for t in ts]
        out[g.name] = {
            "charge_mw": _values(m.charge_mw, keys),
            "discharge_mw": _values(m.discharge_mw, keys),
            "soc_mwh": _values(m.soc_mwh, keys),
        }
    return out


def build_schedule(
    scenario: Scenario,
    data: ModelData,
    grid_import_mw: np.ndarray,
    grid_export_mw: np.ndarray,
    groups: dict[str, dict[str, np.ndarray]],
) -> pd.DataFrame:
    """The site schedule, one row per interval, columns of ``SPEC.md`` §7.

    Site-level ``charge_mw``, ``discharge_mw`` and ``soc_mwh`` are fleet totals; with more
    than one group, per-group columns follow, suffixed ``_<group>``.
    """
    n = data.n_intervals
    charge = np.zeros(n)
    discharge = np.zeros(n)
    soc = np.zeros(n)
    up = np.zeros(n)
    down = np.zeros(n)
    for g in data.groups:
        arr = groups[g.name]
        charge += arr["charge_mw"]
        discharge += arr["discharge_mw"]
        soc += arr["soc_mwh"]
        up += g.discharge_max_mw - arr["discharge_mw"] + arr["charge_mw"]
        down += g.charge_max_mw - arr["charge_mw"] + arr["discharge_mw"]
    capacity = sum(g.energy_capacity_mwh for g in data.groups)
    frame = pd.DataFrame(
        {
            "load_mw": data.load_mw,
            "gpu_load_mw": data.gpu_load_mw,
            "curtailed_mw": np.zeros(n),
            "aux_load_mw": data.aux_load_mw,
            "grid_import_mw": grid_import_mw,
            "grid_export_mw": grid_export_mw,
            "charge_mw": charge,
            "discharge_mw": discharge,
            "soc_mwh": soc,
            "soc_fraction": soc / capacity if capacity > 0 else np.zeros(n),
            "price_usd_per_mwh": data.import_price_usd_per_mwh,
            "headroom_up_mw": up,
            "headroom_down_mw": down,
            "event": pd.Series([""] * n, dtype="string").to_numpy(),
        },
        index=scenario.index,
    )
    if len(data.groups) > 1:
        for g in data.groups:
            arr = groups[g.name]
            frame[f"charge_mw_{g.name}"] = arr["charge_mw"]
            frame[f"discharge_mw_{g.name}"] = arr["discharge_mw"]
            frame[f"soc_mwh_{g.name}"] = arr["soc_mwh"]
    frame.index.name = "interval_start"
    return frame


def tidy_groups(scenario: Scenario, groups: dict[str, dict[str, np.ndarray]]) -> pd.DataFrame:
    """One row per (interval_start, group): charge, discharge, SOC and net discharge [MW, MWh]."""
    parts = []
    for name, arr in groups.items():
        part = pd.DataFrame(
            {
                "interval_start": scenario.index,
                "group": name,
                "charge_mw": arr["charge_mw"],
                "discharge_mw": arr["discharge_mw"],
                "soc_mwh": arr["soc_mwh"],
                "net_discharge_mw": arr["discharge_mw"] - arr["charge_mw"],
            }
        )
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=["interval_start", "group", "charge_mw", "discharge_mw", "soc_mwh", "net_discharge_mw"])
    return pd.concat(parts, ignore_index=True)
