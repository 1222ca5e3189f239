"""The ride-through floor of a scenario: ``[resilience]`` (``SPEC.md`` §8 family 14).

At the end of every interval (optionally only in given months or hours of the day) the fleet
holds, on top of its SOC minimum, the energy to carry a critical load for ``hours_h`` hours.
The floor's arithmetic is :func:`optimizer.loads.critical.energy_floor_mwh`; the LP family is
:func:`optimizer.formulation.energy_floor.add_energy_floor`.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class Resilience(BaseModel):
    """A ride-through floor: hold the energy to carry ``critical_load`` for ``hours_h`` hours.

    Examples
    --------
    >>> Resilience(critical_load="training_paused", hours_h=4).level_name
    'training_paused'
    >>> Resilience(critical_load=0.3, hours_h=1, months=(1, 2, 12)).level_name
    'site_x0.3'
    """

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    critical_load: Literal["site", "training_paused", "series"] | float = Field(
        default="training_paused",
        description="What the fleet must carry: 'site' (the whole load), 'training_paused' (the "
        "site with training jobs paused, from the GPU-cluster model), a share in (0, 1] of the "
        "site load, or 'series' (critical_load_mw) [-].",
    )
    critical_load_mw: tuple[float, ...] | None = Field(
        default=None,
        description="The critical load per interval when critical_load = 'series' [MW].",
    )
    hours_h: float = Field(
        ge=0,
        le=48,
        description="Ride-through duration H, a whole number of intervals [h]; 0 builds the "
        "family holding nothing (a study varies H by warm re-solves of one model).",
    )
    months: tuple[int, ...] = Field(
        default=(), description="Calendar months (1-12) the floor is held in; empty: all."
    )
    hours_of_day: tuple[int, ...] = Field(
        default=(), description="Local hours of the day (0-23) the floor is held in; empty: all."
    )
    allow_power_shortfall: bool = Field(
        default=False,
        description="Hold the energy even where the fleet's discharge power cannot carry the "
        "critical load plus aux (those intervals are reported, not hidden); default: refuse, "
        "naming the intervals.",
    )

    @field_validator("critical_load_mw", mode="before")
    @classmethod
    def _as_tuple(cls, value: Any) -> Any:
        if value is None or isinstance(value, tuple):
            return value
        return tuple(np.asarray(value, dtype=float).tolist())

    @model_validator(mode="after")
    def _consistent(self) -> Resilience:
        level = self.critical_load
        if isinstance(level, float) and not 0 < level <= 1:
            msg = (
                f"critical_load as a share must be in (0, 1]; got {level}. Give the share of the "
                "site load to carry"
            )
            raise ValueError(msg)
        if (level == "series") != (self.critical_load_mw is not None):
            msg = (
                "critical_load = 'series' and critical_load_mw go together; got critical_load = "
                f"{level!r} with{'out' if self.critical_load_mw is None else ''} a series. "
                "Give both, or neither"
            )
            raise ValueError(msg)
        if self.critical_load_mw is not None and any(not v >= 0 for v in self.critical_load_mw):
            msg = (
                "critical_load_mw must be >= 0 and not NaN in every interval; got a negative or "
                "NaN value. Fix the series"
            )
            raise ValueError(msg)
        bad_months = [m for m in self.months if not 1 <= m <= 12]
        bad_hours = [h for h in self.hours_of_day if not 0 <= h <= 23]
        if bad_months or bad_hours:
            msg = (
                "months must be in 1-12 and hours_of_day in 0-23; got months "
                f"{bad_months or 'ok'}, "
                f"hours_of_day {bad_hours or 'ok'}. Correct them"
            )
            raise ValueError(msg)
        return self

    @property
    def level(self) -> str | float | np.ndarray:
        """The level for :func:`optimizer.loads.critical.critical_load_mw`."""
        if self.critical_load == "series":
            return np.asarray(self.critical_load_mw, dtype=float)
        return self.critical_load

    @property
    def level_name(self) -> str:
        """Short label of the level: ``site``, ``training_paused``, ``site_x0.3`` or ``series``."""
        level = self.critical_load
        return level if isinstance(level, str) else f"site_x{level:g}"
