"""``scipy.sparse`` for the solver package, imported without Pyomo's eager ``scipy.stats``.

Pyomo registers an import callback on ``scipy`` (``pyomo.common.dependencies``): whenever
``scipy`` is imported in a process that has loaded Pyomo, or Pyomo is loaded after it, the
callback imports ``scipy.stats``, ``scipy.integrate`` and ``scipy.spatial`` too. Measured on
the 2-core VM (idle): ``import pyomo.environ, scipy.sparse`` takes 0.95 s with the callback and
0.47 s without it, and nothing here uses those sub-packages. This module imports
``scipy.sparse`` with that callback unregistered from Pyomo's import finder. Pyomo's own
deferred ``scipy`` still resolves, and still runs the callback, the first time Pyomo code asks
for it (its ``LinearStandardFormCompiler`` fallback, for instance), so Pyomo sees no change.

Every solver module imports ``sp`` from here, never ``scipy.sparse`` directly
(``tests/test_pyomo_import_hooks.py`` checks that a default run loads no ``scipy.stats``).
"""

from __future__ import annotations

import pyomo.common.dependencies as _pyomo_deps

_pyomo_deps.DeferredImportCallbackFinder._callbacks.pop("scipy", None)  # noqa: SLF001

import scipy.sparse as sp  # noqa: E402

__all__ = ["sp"]
