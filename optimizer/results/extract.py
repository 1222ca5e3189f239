"""Pyomo values (or a released model's arrays) -> arrays -> DataFrames, with timestamps re-attached (``SPEC.md`` §7)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyomo.core as pyo

from optimizer.formulation.model_data import ModelData
from optimizer.inputs.scenario import Scenario
from optimizer.solver.released import solution_values


@dataclass
class Solution:
    """A schedule as plain arrays over the horizon [MW, MWh]."""

    grid_import_mw: np.ndarray
    grid_export_mw: np.ndarray
    groups: dict[str, dict[str, np.ndarray]]  # name -> charge_mw, discharge_mw, soc_mwh
    curtailed_mw: np.ndarray
    deferred_mw: np.ndarray
    recovered_mw: np.ndarray
    backlog_mwh: np.ndarray
    reserve_up_mw: np.ndarray
    reserve_down_mw: np.ndarray
    movement_up_mw: np.ndarray | None = None  # family 13's m+ over its intervals, when built
    movement_down_mw: np.ndarray | None = None  # family 13's m-

    def fleet(self, key: str) -> np.ndarray:
        """Sum of a per-group array over the groups."""
        n = len(self.grid_import_mw)
        return sum((g[key] for g in self.groups.values()), np.zeros(n))

    @classmethod
    def baseline(cls, data: ModelData) -> Solution:
        """The same site with no battery and no flexibility: ``g = L``."""
        n = data.n_intervals
        z = np.zeros(n)
        return cls(
            grid_import_mw=data.load_mw.copy(),
            grid_export_mw=z.copy(),
            groups={
                g.name: {"charge_mw": z.copy(), "discharge_mw": z.copy(), "soc_mwh": z.copy()}
                for g in data.groups
            },
            curtailed_mw=z.copy(),
            deferred_mw=z.copy(),
            recovered_mw=z.copy(),
            backlog_mwh=z.copy(),
            reserve_up_mw=z.copy(),
            reserve_down_mw=z.copy(),
        )


def _var_values(m: pyo.ConcreteModel, name: str) -> tuple[Iterable[Any], np.ndarray] | None:
    """Index keys and values of the variable ``name`` of ``m``, in its order; None when the
    model has no such variable. A model whose variables were released while HiGHS solved (a
    large LP) keeps them as arrays (:mod:`optimizer.solver.released`) [model units]."""
    released = solution_values(m)
    if released is not None:
        if name not in released.values:
            return None
        return released.keys[name], released.values[name]
    var = getattr(m, name, None)
    if var is None:
        return None
    values = np.fromiter((v.value or 0.0 for v in var.values()), dtype=float, count=len(var))
    return var.keys(), values


def _pick(keys: Iterable[Any], values: np.ndarray, wanted: Iterable[Any]) -> np.ndarray:
    """``values`` at the index keys ``wanted``, looked up by key [model units]."""
    where = {k: i for i, k in enumerate(keys)}
    return np.array([values[where[k]] for k in wanted], dtype=float)


def _vals(m: pyo.ConcreteModel, name: str, n: int) -> np.ndarray | None:
    got = _var_values(m, name)
    if got is None:
        return None
    keys, values = got
    if len(values) == n:  # indexed by T = range(n), in order
        return values
    return _pick(keys, values, range(n))


def extract_group_arrays(m: pyo.ConcreteModel, data: ModelData) -> dict[str, dict[str, np.ndarray]]:
    """Per group: ``charge_mw``, ``discharge_mw``, ``soc_mwh`` arrays over the horizon."""
    n, names = data.n_intervals, [g.name for g in data.groups]
    out: dict[str, dict[str, np.ndarray]] = {name: {} for name in names}
    for key in ("charge_mw", "discharge_mw", "soc_mwh"):
        got = _var_values(m, key)
        if got is None:
            msg = f"the model has no variable {key}"
            raise AttributeError(msg)
        keys, values = got
        if list(m.B) == names and len(values) == n * len(names):  # indexed by B x T, in order
            for i, name in enumerate(names):
                out[name][key] = values.reshape(len(names), n)[i]
        else:
            for name in names:
                out[name][key] = _pick(keys, values, ((name, t) for t in range(n)))
    return out


def extract_solution(m: pyo.ConcreteModel, data: ModelData) -> Solution:
    """Read every variable the schedule needs; absent families give zeros (or the fixed reserve)."""
    n = data.n_intervals
    z = np.zeros(n)

    def get(name: str, default: np.ndarray) -> np.ndarray:
        v = _vals(m, name, n)
        return default.copy() if v is None else v

    r = data.reserve
    up = down = None
    moves = _var_values(m, "movement_up_mw"), _var_values(m, "movement_down_mw")
    if moves[0] is not None and moves[1] is not None:
        up, down = moves[0][1], moves[1][1]
    return Solution(
        grid_import_mw=get("grid_import_mw", z),
        grid_export_mw=get("grid_export_mw", z),
        groups=extract_group_arrays(m, data),
        curtailed_mw=get("curtailed_mw", z),
        deferred_mw=get("deferred_mw", z),
        recovered_mw=get("recovered_mw", z),
        backlog_mwh=get("backlog_mwh", z),
        reserve_up_mw=get("reserve_up_mw", r.up_min_mw if r is not None else z),
        reserve_down_mw=get("reserve_down_mw", r.down_min_mw if r is not None else z),
        movement_up_mw=up,
        movement_down_mw=down,
    )


def event_labels(scenario: Scenario) -> np.ndarray:
    """Per interval: the ids of the events covering it ("" outside events)."""
    labels = np.full(scenario.n_intervals, "", dtype=object)
    if not scenario.grid.events:
        return labels
    for row in scenario.event_table().itertuples():
        sl = slice(row.first, row.last + 1)
        labels[sl] = np.where(labels[sl] == "", row.event_id, labels[sl] + "+" + row.event_id)
    return labels


def build_schedule(scenario: Scenario, data: ModelData, sol: Solution) -> pd.DataFrame:
    """The site schedule, one row per interval, columns of ``SPEC.md`` §7 and a few more.

    Site-level ``charge_mw``, ``discharge_mw`` and ``soc_mwh`` are fleet totals; with more
    than one group, per-group columns follow, suffixed ``_<group>``.
    """
    n = data.n_intervals
    up = np.zeros(n)
    down = np.zeros(n)
    for g in data.groups:
        arr = sol.groups[g.name]
        up += g.discharge_max_mw - arr["discharge_mw"] + arr["charge_mw"]
        down += g.charge_max_mw - arr["charge_mw"] + arr["discharge_mw"]
    capacity = sum(g.energy_capacity_mwh for g in data.groups)
    soc = sol.fleet("soc_mwh")
    frame = pd.DataFrame(
        {
            "load_mw": data.load_mw,
            "gpu_load_mw": data.gpu_load_mw,
            "curtailed_mw": sol.curtailed_mw,
            "aux_load_mw": data.aux_load_mw,
            "grid_import_mw": sol.grid_import_mw,
            "grid_export_mw": sol.grid_export_mw,
            "charge_mw": sol.fleet("charge_mw"),
            "discharge_mw": sol.fleet("discharge_mw"),
            "soc_mwh": soc,
            "soc_fraction": soc / capacity if capacity > 0 else np.zeros(n),
            "price_usd_per_mwh": data.import_price_usd_per_mwh,
            "headroom_up_mw": up,
            "headroom_down_mw": down,
            "event": pd.array(event_labels(scenario), dtype="string"),
            "deferred_mw": sol.deferred_mw,
            "recovered_mw": sol.recovered_mw,
            "backlog_mwh": sol.backlog_mwh,
            "swing_up_mw": data.swing_up_mw if data.swing_up_mw is not None else np.zeros(n),
            "swing_down_mw": data.swing_down_mw if data.swing_down_mw is not None else np.zeros(n),
            "reserve_up_mw": sol.reserve_up_mw,
            "reserve_down_mw": sol.reserve_down_mw,
            "import_cap_mw": np.minimum(data.import_limit_mw, data.event_cap_mw)
            if data.event_cap_mw is not None
            else data.import_limit_mw,
        },
        index=scenario.index,
    )
    if len(data.groups) > 1:
        for g in data.groups:
            arr = sol.groups[g.name]
            frame[f"charge_mw_{g.name}"] = arr["charge_mw"]
            frame[f"discharge_mw_{g.name}"] = arr["discharge_mw"]
            frame[f"soc_mwh_{g.name}"] = arr["soc_mwh"]
    frame.index.name = "interval_start"
    return frame


def tidy_groups(scenario: Scenario, groups: dict[str, dict[str, np.ndarray]]) -> pd.DataFrame:
    """One row per (interval_start, group): charge, discharge, SOC and net discharge [MW, MWh]."""
    parts = []
    for name, arr in groups.items():
        parts.append(
            pd.DataFrame(
                {
                    "interval_start": scenario.index,
                    "group": name,
                    "charge_mw": arr["charge_mw"],
                    "discharge_mw": arr["discharge_mw"],
                    "soc_mwh": arr["soc_mwh"],
                    "net_discharge_mw": arr["discharge_mw"] - arr["charge_mw"],
                }
            )
        )
    if not parts:
        return pd.DataFrame(
            columns=[
                "interval_start",
                "group",
                "charge_mw",
                "discharge_mw",
                "soc_mwh",
                "net_discharge_mw",
            ]
        )
    return pd.concat(parts, ignore_index=True)
