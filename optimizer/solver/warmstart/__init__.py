"""optimizer.solver.warmstart: warm starts within one solve (columns, coarse, blocks)."""

from __future__ import annotations
