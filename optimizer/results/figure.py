"""matplotlib's object API (``Figure``), imported without Pyomo's eager ``pyplot``.

Pyomo registers an import callback on ``matplotlib`` (``pyomo.common.dependencies``): whenever
``matplotlib`` is imported in a process that has loaded Pyomo, the callback also imports
``matplotlib.pyplot``, ``matplotlib.pylab`` and a backend. Nothing here uses them (every
figure is a :class:`matplotlib.figure.Figure` saved with its own Agg canvas), and they cost
about 0.2 s of every ``bess-dispatch run`` (``python -X importtime``; measured on the 2-core
VM, idle). This module loads Pyomo's dependency registry and unregisters that callback before
it imports ``matplotlib.figure``. Pyomo's own deferred ``matplotlib`` still resolves the first
time Pyomo code asks for it. The same is done for ``scipy`` in :mod:`optimizer.solver.sparse`.

Every plot imports ``Figure`` from here (``tests/test_pyomo_import_hooks.py`` checks that a
default run with its plot loads no ``matplotlib.pyplot``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def figure_class() -> type[Figure]:
    """Return :class:`matplotlib.figure.Figure`, importing it without Pyomo's ``pyplot`` hook."""
    # Pyomo's dependency registry is loaded first (about 0.02 s) even where Pyomo is not yet:
    # loaded after matplotlib, it would find matplotlib imported and import pyplot at once.
    import pyomo.common.dependencies as deps

    deps.DeferredImportCallbackFinder._callbacks.pop("matplotlib", None)  # noqa: SLF001
    from matplotlib.figure import Figure

    return Figure
