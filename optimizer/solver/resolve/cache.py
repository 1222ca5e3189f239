"""Built models and their HiGHS instances, kept by structure key, most recently used last.

A re-solve of a scenario whose structure (:func:`optimizer.formulation.structure.structure_key`)
was seen before takes that model and its solver and pushes only the new numbers: through the
model's affine map straight to its ``highspy.Highs`` instance (route ``direct``,
:mod:`optimizer.solver.resolve.affine`), or through Pyomo's persistent interface after
refreshing the model's Params (route ``persistent``, :mod:`optimizer.solver.resolve.persistent`).
Nothing is rebuilt. The cache keeps ``max_models`` structures, so cases that alternate between
a few structures (price years whose weekdays differ, rolling windows that repeat a daily TOU
layout) stay warm on each.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import pyomo.core as pyo

from optimizer.formulation.model_data import ModelData
from optimizer.formulation.params import update_model
from optimizer.solver.resolve.affine import DirectWarm
from optimizer.solver.status import SolveReport

Route = Literal["direct", "persistent"]


@dataclass
class CachedModel:
    """One structure: its model and the solver that holds it.

    Attributes
    ----------
    model : pyomo.environ.ConcreteModel
        Built with ``mutable=True``.
    structure : tuple
        Its structure key.
    direct : DirectWarm or None
        The direct route's HiGHS instance and affine map; None on the persistent route.
    persistent : object or None
        Pyomo's persistent HiGHS interface; None on the direct route.
    """

    model: pyo.ConcreteModel
    structure: tuple[Any, ...]
    direct: DirectWarm | None = None
    persistent: Any = None

    def update(self, data: ModelData, opts: dict[str, Any]) -> None:
        """Bring the solver to ``data`` (same structure) and ``opts``.

        Parameters
        ----------
        data : ModelData
            The new scenario's arrays.
        opts : dict
            HiGHS options.
        """
        if self.direct is not None:
            self.direct.update(
                data, opts
            )  # the model's Params are not refreshed: HiGHS holds the numbers
        else:
            update_model(self.model, data, structure=self.structure)

    def solve(self, opts: dict[str, Any], *, warm: bool, handoff_s: float) -> SolveReport:
        """Solve, load the values into the model and report.

        Parameters
        ----------
        opts : dict
            HiGHS options.
        warm : bool
            The model was kept from an earlier scenario.
        handoff_s : float
            Seconds spent handing a new model to the solver [s].

        Returns
        -------
        SolveReport
            With ``warm_start.warm`` set.
        """
        if self.direct is not None:
            return self.direct.solve_report(opts, warm=warm, handoff_s=handoff_s)
        from optimizer.solver.resolve.persistent import solve_persistent  # see _persistent_highs

        return solve_persistent(self.persistent, self.model, opts, warm=warm)


class ModelCache:
    """Models and their solvers by structure key, at most ``max_models`` of them.

    Parameters
    ----------
    max_models : int
        How many structures to keep [-].
    route : {"direct", "persistent"}
        ``direct`` falls back to ``persistent`` for a model whose affine map does not hold.
    """

    def __init__(self, max_models: int, route: Route) -> None:
        self.max_models = max_models
        self.route = route
        self._entries: OrderedDict[tuple[Any, ...], CachedModel] = OrderedDict()

    def take(
        self,
        structure: tuple[Any, ...],
        data: ModelData,
        opts: dict[str, Any],
        build: Callable[[], pyo.ConcreteModel],
    ) -> tuple[CachedModel, bool, float]:
        """The entry of ``structure``, brought to ``data``; built with ``build()`` when new.

        Parameters
        ----------
        structure : tuple
            ``structure_key(data)``.
        data : ModelData
            The scenario's arrays.
        opts : dict
            HiGHS options.
        build : callable
            Builds the scenario's model with ``mutable=True``.

        Returns
        -------
        tuple
            The entry, whether it was kept from an earlier scenario, and the seconds spent
            handing a new model to its solver [s] (0 for a kept one).
        """
        entry = self._entries.get(structure)
        if entry is not None:
            self._entries.move_to_end(structure)
            entry.update(data, opts)
            return entry, True, 0.0
        m = build()
        t1 = time.perf_counter()
        direct = DirectWarm.build(m, data, opts) if self.route == "direct" else None
        entry = CachedModel(
            m, structure, direct, None if direct is not None else _persistent_highs()
        )
        handoff_s = time.perf_counter() - t1
        self._entries[structure] = entry
        while len(self._entries) > self.max_models:
            self._entries.popitem(last=False)
        return entry, False, handoff_s

    def forget(self, structure: tuple[Any, ...]) -> None:
        """Drop ``structure`` (a failed persistent solve: do not warm-start from that state).

        Parameters
        ----------
        structure : tuple
            Its key.
        """
        self._entries.pop(structure, None)


def _persistent_highs() -> Any:
    """Pyomo's persistent HiGHS interface, imported only for route ``persistent``: it loads
    ``pyomo.environ`` and its solver plugins (about 0.1 s), which the direct route (rolling
    operation, sweeps, sizing) never needs."""
    from optimizer.solver.resolve.persistent import persistent_highs

    return persistent_highs()
