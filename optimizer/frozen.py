"""The one pydantic base of every input model: frozen, no unknown keys, finite numbers.

A typo in a TOML key is an error (``extra="forbid"``), a validated model cannot be changed
in place (``frozen=True``), ``" 15 "`` reads the same as ``"15"`` in every file
(``str_strip_whitespace=True``), and no number is NaN or infinite (``allow_inf_nan=False``)
or beyond :data:`SANE_MAX` in size: a NaN energy adder or an infinite demand rate would
otherwise reach the solver, which then runs for minutes or reports ``inf``. It lives in the
core layer because :mod:`optimizer.tariffs` (below :mod:`optimizer.inputs`) uses it too.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

SANE_MAX = 1e9
"""Largest magnitude of any number in an input model [its field's unit]: a gigawatt-scale
site needs 1e3-1e4 MW, a year's bill 1e9 USD; 1e308 MW is a mistake, not a site."""


class FrozenModel(BaseModel):
    """Base of the input models of assets, grid rules, tariffs, scenario and study tables."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", str_strip_whitespace=True, allow_inf_nan=False
    )

    @field_validator("*", mode="after")
    @classmethod
    def _sane_number(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, float) and math.isfinite(value) and abs(value) > SANE_MAX:
            msg = (
                f"{info.field_name} is out of any sane range; expected a magnitude <= "
                f"{SANE_MAX:g}, got {value:g}. Check the unit (MW, MWh, USD) and the value"
            )
            raise ValueError(msg)
        return value


__all__ = ["SANE_MAX", "FrozenModel"]
