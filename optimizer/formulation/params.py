"""Data that may change between solves of one model structure (warm re-solves).

A family reads every number through :func:`param` or :func:`set_bounds`, giving a *getter*:
a function of :class:`ModelData` that returns the values. In a plain build the getter's
values are used directly (floats and numpy arrays: the fastest build). In a mutable build
(``build_model(..., mutable=True)``) they become mutable Pyomo Params and variable bounds
that :func:`update_model` later refreshes from another scenario's data, so sweeps and
rolling-horizon runs change only what differs and never rebuild.

The getter is the one place each number is defined; the update reuses it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyomo.core as pyo

from optimizer.formulation.model_data import ModelData
from optimizer.formulation.structure import structure_key

Getter = Callable[[ModelData], Any]


def _registry(m: pyo.ConcreteModel) -> list[Callable[[ModelData], None]]:
    reg = getattr(m, "_updaters", None)
    if reg is None:
        reg = []
        object.__setattr__(m, "_updaters", reg)
    return reg


@dataclass(frozen=True)
class ParamSource:
    """A mutable Param and the getter that fills it: ``keys`` None for a scalar Param."""

    component: Any
    keys: list[Any] | None
    getter: Getter

    def values(self, data: ModelData) -> np.ndarray:
        """The getter's values for ``data`` in ``keys`` order [the Param's unit]."""
        v = self.getter(data)
        if self.keys is None:
            return np.array([float(v)])
        if isinstance(v, dict):
            return np.array([float(v[k]) for k in self.keys], dtype=float)
        return np.asarray(v, dtype=float).reshape(-1)


@dataclass(frozen=True)
class BoundSource:
    """Variables whose bounds :func:`set_bounds` sets, and the getter of ``(lower, upper)``."""

    var: Any
    keys: list[Any]
    getter: Callable[[ModelData], tuple[Any, Any]]


def sources(m: pyo.ConcreteModel) -> tuple[list[ParamSource], list[BoundSource]]:
    """Every mutable Param and every data-driven bound of a mutable model, in build order."""
    return list(getattr(m, "_param_sources", [])), list(getattr(m, "_bound_sources", []))


def _add_source(m: pyo.ConcreteModel, attr: str, item: Any) -> None:
    reg = getattr(m, attr, None)
    if reg is None:
        reg = []
        object.__setattr__(m, attr, reg)
    reg.append(item)


def is_mutable(m: pyo.ConcreteModel) -> bool:
    """True when the model was built for in-place updates."""
    return bool(getattr(m, "_mutable", False))


def param(
    m: pyo.ConcreteModel, name: str, index: Iterable[Any] | None, getter: Getter, data: ModelData
) -> Any:
    """Values of ``getter(data)``: plain (array, dict or float) or a mutable Param named ``p_<name>``.

    ``index`` is None for a scalar; otherwise the Param's index set, and ``getter`` returns
    an array (positional) or a dict keyed like the index.
    """
    values = getter(data)
    if not is_mutable(m):
        return values.tolist() if isinstance(values, np.ndarray) else values
    if index is None:
        p = pyo.Param(mutable=True, initialize=float(values), within=pyo.Reals)
        m.add_component(f"p_{name}", p)

        def _update(d: ModelData) -> None:
            p.set_value(float(getter(d)))

        _add_source(m, "_param_sources", ParamSource(p, None, getter))
    else:
        keys = list(index)
        init = _as_dict(keys, values)
        p = pyo.Param(keys, mutable=True, initialize=init, within=pyo.Reals)
        m.add_component(f"p_{name}", p)

        def _update(d: ModelData) -> None:
            p.store_values(_as_dict(keys, getter(d)))

        _add_source(m, "_param_sources", ParamSource(p, keys, getter))

    _registry(m).append(_update)
    return p


def _as_dict(keys: list[Any], values: Any) -> dict[Any, float]:
    if isinstance(values, dict):
        return {k: float(values[k]) for k in keys}
    arr = np.asarray(values, dtype=float)
    return {k: float(arr[i]) for i, k in enumerate(keys)}


def set_bounds(
    m: pyo.ConcreteModel,
    var: pyo.Var,
    keys: list[Any],
    getter: Callable[[ModelData], tuple[Any, Any]],
    data: ModelData,
) -> None:
    """Set bounds of ``var[k]`` for ``k`` in ``keys`` from ``getter(data) -> (lower, upper)`` arrays (None: unbounded)."""

    def _apply(d: ModelData) -> None:
        lo, hi = getter(d)
        lo_a = None if lo is None else np.broadcast_to(np.asarray(lo, dtype=float), (len(keys),))
        hi_a = None if hi is None else np.broadcast_to(np.asarray(hi, dtype=float), (len(keys),))
        for i, k in enumerate(keys):
            v = var[k]
            if lo_a is not None:
                v.setlb(float(lo_a[i]))
            if hi_a is not None:
                v.setub(float(hi_a[i]))

    _apply(data)
    if is_mutable(m):
        _registry(m).append(_apply)
        _add_source(m, "_bound_sources", BoundSource(var, list(keys), getter))


def update_model(m: pyo.ConcreteModel, data: ModelData, *, structure: tuple[Any, ...]) -> None:
    """Refresh every mutable Param and bound of ``m`` from ``data`` (same structure).

    Parameters
    ----------
    m : pyomo.environ.ConcreteModel
        Built with ``build_model(..., mutable=True)``.
    data : ModelData
        The new scenario's arrays.
    structure : tuple
        :func:`optimizer.formulation.structure.structure_key` of the data ``m`` was built from
        (the key its owner keeps it under).

    Raises
    ------
    ValueError
        When the model was not built mutable, or ``data`` has another structure.
    """
    if not is_mutable(m):
        msg = "update_model needs a model built with build_model(..., mutable=True); rebuild it that way"
        raise ValueError(msg)
    key = structure_key(data)
    if key != structure:
        msg = "the new data has another model structure (horizon, groups, families or event intervals differ); build a new model"
        raise ValueError(msg)
    for update in _registry(m):
        update(data)
