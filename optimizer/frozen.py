"""The one pydantic base of every input model: frozen, no unknown keys, whitespace stripped.

A typo in a TOML key is an error (``extra="forbid"``), a validated model cannot be changed
in place (``frozen=True``), and ``" 15 "`` reads the same as ``"15"`` in every file
(``str_strip_whitespace=True``). It lives in the core layer because :mod:`optimizer.tariffs`
(below :mod:`optimizer.inputs`) uses it too.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class FrozenModel(BaseModel):
    """Base of the input models of assets, grid rules, tariffs, scenario and study tables."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


__all__ = ["FrozenModel"]
