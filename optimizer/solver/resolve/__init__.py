"""optimizer.solver.resolve: re-solves across scenarios of one structure.

``cache`` (models and HiGHS instances by structure key), ``affine`` (the direct route),
``persistent`` (Pyomo's persistent route).
"""

from __future__ import annotations
