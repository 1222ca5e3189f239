"""Reading the asset models: battery units, GPU clusters, sites, simple tariffs, event programmes."""

from __future__ import annotations

from pathlib import Path

from optimizer.errors import Issue, ModelFileError
from optimizer.inputs.assets import BatteryUnit, GpuCluster, Site
from optimizer.inputs.grid import EventProgram
from optimizer.inputs.tariff import Tariff
from optimizer.io.toml import _one_table, _require, _validate, read_toml


def load_battery_unit(path: Path) -> BatteryUnit:
    """Read a ``[battery_unit]`` TOML model."""
    return _validate(
        BatteryUnit, _one_table(read_toml(path), "battery_unit", path), path, "battery_unit"
    )


def load_gpu_cluster(path: Path) -> GpuCluster:
    """Read a ``[gpu_cluster]`` TOML model."""
    return _validate(
        GpuCluster, _one_table(read_toml(path), "gpu_cluster", path), path, "gpu_cluster"
    )


def load_tariff(path: Path) -> Tariff:
    """Read a ``[tariff]`` TOML model."""
    return _validate(Tariff, _one_table(read_toml(path), "tariff", path), path, "tariff")


def load_site(path: Path) -> Site:
    """Read a ``[site]`` TOML model; ``unit`` and ``gpu_cluster`` may name other TOML files."""
    raw = _one_table(read_toml(path), "site", path)
    base = path.parent
    groups_raw = raw.get("battery_groups", [])
    if not isinstance(groups_raw, list) or not all(isinstance(g, dict) for g in groups_raw):
        msg = ""
        raise ModelFileError(
            msg,
            issues=[
                Issue(
                    "battery_groups must be [[site.battery_groups]] tables",
                    path=str(path),
                    field="site.battery_groups",
                    got=repr(groups_raw)[:80],
                    fix="Write each group as a [[site.battery_groups]] table",
                )
            ],
        )
    named = (
        [("site.gpu_cluster", raw["gpu_cluster"])]
        if isinstance(raw.get("gpu_cluster"), str)
        else []
    )
    named += [
        (f"site.battery_groups.{i}.unit", g["unit"])
        for i, g in enumerate(groups_raw)
        if isinstance(g.get("unit"), str)
    ]
    _require(path, named)
    if isinstance(raw.get("gpu_cluster"), str):
        raw["gpu_cluster"] = load_gpu_cluster((base / raw["gpu_cluster"]).resolve())
    groups = []
    for g in groups_raw:
        g = dict(g)
        if isinstance(g.get("unit"), str):
            g["unit"] = load_battery_unit((base / g["unit"]).resolve())
        groups.append(g)
    if groups:
        raw["battery_groups"] = groups
    return _validate(Site, raw, path, "site")


def load_event_program(path: Path) -> EventProgram:
    """Read an ``[event_program]`` TOML model."""
    return _validate(
        EventProgram, _one_table(read_toml(path), "event_program", path), path, "event_program"
    )
