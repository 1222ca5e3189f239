"""Physical assets: a battery unit, a group of identical units, a GPU cluster and the site.

Each class is a frozen pydantic model that forbids unknown keys, so a typo in a TOML
model is an error, not a silently ignored setting. Field names carry their unit.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, model_validator

from optimizer.frozen import FrozenModel
from optimizer.inputs.economics import UnitEconomics


class BatteryUnit(FrozenModel):
    """One battery unit (for example one Tesla Megapack 2 XL).

    Efficiencies are one way (``SPEC.md`` §2): the round trip is
    ``charge_efficiency_frac * discharge_efficiency_frac``.
    """

    name: str = Field(description="Unit model name.")
    power_charge_max_mw: float = Field(gt=0, description="Charge power limit per unit [MW].")
    power_discharge_max_mw: float = Field(gt=0, description="Discharge power limit per unit [MW].")
    energy_capacity_mwh: float = Field(gt=0, description="Usable nameplate energy per unit [MWh].")
    charge_efficiency_frac: float = Field(gt=0, le=1, description="One-way charge efficiency [-].")
    discharge_efficiency_frac: float = Field(
        gt=0, le=1, description="One-way discharge efficiency [-]."
    )
    soc_min_frac: float = Field(default=0.0, ge=0, le=1, description="Lowest SOC [-].")
    soc_max_frac: float = Field(default=1.0, ge=0, le=1, description="Highest SOC [-].")
    self_discharge_frac_per_h: float = Field(
        default=0.0, ge=0, lt=1, description="Standing loss, share of stored energy per hour [-/h]."
    )
    aux_load_mw: float = Field(
        default=0.0, ge=0, description="Auxiliary load per unit in service [MW] (an assumption)."
    )
    degradation_cost_usd_per_mwh: float = Field(
        default=0.0, ge=0, description="Wear cost per MWh discharged [USD/MWh] (an assumption)."
    )
    economics: UnitEconomics | None = Field(
        default=None, description="Capital and O&M cost, life and fade (investment studies)."
    )

    @model_validator(mode="after")
    def _soc_band(self) -> BatteryUnit:
        if self.soc_min_frac >= self.soc_max_frac:
            msg = (
                f"soc_min_frac must be below soc_max_frac; expected soc_min_frac < "
                f"{self.soc_max_frac}, got {self.soc_min_frac}. Swap or correct the SOC band"
            )
            raise ValueError(msg)
        return self

    @property
    def round_trip_efficiency_frac(self) -> float:
        """Round-trip efficiency [-]."""
        return self.charge_efficiency_frac * self.discharge_efficiency_frac


class BatteryGroup(FrozenModel):
    """A group of identical battery units dispatched as one aggregate (``SPEC.md`` §2, group b)."""

    name: str = Field(pattern=r"^[A-Za-z0-9_\-]+$", description="Group name, used in column names.")
    unit: BatteryUnit
    n_units: int = Field(ge=0, le=10_000_000, description="Number of units in the group [-].")
    initial_soc_frac: float = Field(default=0.5, ge=0, le=1, description="SOC at the start [-].")
    final_soc_frac: float | Literal["free"] | None = Field(
        default=None,
        description="SOC at the end as a target [-] (an equality), or 'free' (no terminal "
        "condition); None: the band of final_soc_min_frac / final_soc_max_frac.",
    )
    final_soc_min_frac: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Lowest SOC at the end [-]; default: the initial SOC (SPEC §4.5), unless "
        "final_soc_max_frac alone is given (then the band's own minimum).",
    )
    final_soc_max_frac: float | None = Field(
        default=None, ge=0, le=1, description="Highest SOC at the end [-]; default: no limit."
    )
    availability_frac: float = Field(
        default=1.0,
        ge=0,
        le=1,
        description="Share of units in service [-] (a per-interval series on the Scenario, "
        "Scenario.availability_frac, replaces it).",
    )

    @model_validator(mode="after")
    def _initial_in_band(self) -> BatteryGroup:
        u = self.unit
        if not (u.soc_min_frac - 1e-12 <= self.initial_soc_frac <= u.soc_max_frac + 1e-12):
            msg = (
                f"initial_soc_frac must lie in the SOC band; expected "
                f"[{u.soc_min_frac}, {u.soc_max_frac}], got {self.initial_soc_frac}. "
                "Move initial_soc_frac into the band"
            )
            raise ValueError(msg)
        self._check_final()
        return self

    def _check_final(self) -> None:
        """The terminal condition is one of: a target, 'free', or a band inside the SOC band."""
        u, target = self.unit, self.final_soc_frac
        bounds = (self.final_soc_min_frac, self.final_soc_max_frac)
        if target is not None and any(b is not None for b in bounds):
            msg = (
                f"group {self.name}: final_soc_frac ({target!r}) excludes final_soc_min_frac and "
                "final_soc_max_frac; give a target (or 'free') or a band, not both"
            )
            raise ValueError(msg)
        if isinstance(target, float) and not (
            u.soc_min_frac - 1e-12 <= target <= u.soc_max_frac + 1e-12
        ):
            msg = (
                f"group {self.name}: final_soc_frac must lie in the SOC band; expected "
                f"[{u.soc_min_frac}, {u.soc_max_frac}], got {target}. Move the target into the band"
            )
            raise ValueError(msg)
        lo, hi = self.final_soc_min_mwh, self.final_soc_max_mwh
        if hi < lo - 1e-9 * max(1.0, self.energy_capacity_mwh):
            msg = (
                f"group {self.name}: the final SOC band is empty; expected final_soc_max_frac >= "
                f"final_soc_min_frac (or the initial SOC {self.initial_soc_frac}), got "
                f"{self.final_soc_max_frac} < {lo / max(self.energy_capacity_mwh, 1e-300):.6g}. "
                "Widen the band or set final_soc_min_frac"
            )
            raise ValueError(msg)
        if self.final_soc_max_frac is not None and self.final_soc_max_frac < u.soc_min_frac:
            msg = (
                f"group {self.name}: final_soc_max_frac must not be below soc_min_frac; expected "
                f">= {u.soc_min_frac}, got {self.final_soc_max_frac}. Raise final_soc_max_frac"
            )
            raise ValueError(msg)

    @property
    def power_charge_max_mw(self) -> float:
        """Group charge limit with every unit in service [MW]."""
        return self.n_units * self.unit.power_charge_max_mw

    @property
    def power_discharge_max_mw(self) -> float:
        """Group discharge limit with every unit in service [MW]."""
        return self.n_units * self.unit.power_discharge_max_mw

    @property
    def energy_capacity_mwh(self) -> float:
        """Group nameplate energy [MWh]."""
        return self.n_units * self.unit.energy_capacity_mwh

    @property
    def initial_soc_mwh(self) -> float:
        """Energy stored at the start of the horizon [MWh]."""
        return self.initial_soc_frac * self.energy_capacity_mwh

    @property
    def final_soc_min_mwh(self) -> float:
        """Lowest energy stored at the end of the horizon [MWh] (``SPEC.md`` §4.5).

        A target gives itself; ``"free"`` and a band with only a maximum give the SOC
        minimum (no terminal condition below); by default the initial SOC.
        """
        target = self.final_soc_frac
        if isinstance(target, float):
            frac = target
        elif target == "free" or (
            self.final_soc_min_frac is None and self.final_soc_max_frac is not None
        ):
            frac = self.unit.soc_min_frac
        elif self.final_soc_min_frac is None:
            frac = self.initial_soc_frac
        else:
            frac = self.final_soc_min_frac
        return frac * self.energy_capacity_mwh

    @property
    def final_soc_max_mwh(self) -> float:
        """Highest energy stored at the end of the horizon [MWh]: a target gives itself, a band
        its ``final_soc_max_frac``, otherwise the SOC maximum (no terminal condition above)."""
        if isinstance(self.final_soc_frac, float):
            frac = self.final_soc_frac
        elif self.final_soc_max_frac is not None:
            frac = self.final_soc_max_frac
        else:
            frac = self.unit.soc_max_frac
        return frac * self.energy_capacity_mwh

    @property
    def has_final_soc_max(self) -> bool:
        """True when the end of the horizon has an upper SOC condition (a target or a band)."""
        return isinstance(self.final_soc_frac, float) or self.final_soc_max_frac is not None


class GpuCluster(FrozenModel):
    """The IT load: GPUs, the rest of the IT, and the facility overhead (PUE).

    Full-load power at the meter is
    ``n_gpus * gpu_power_mw / (1 - non_gpu_it_share_frac) * pue``.
    """

    name: str
    n_gpus: int = Field(gt=0, description="Number of GPUs [-].")
    gpu_power_mw: float = Field(gt=0, description="Power per GPU at full load [MW].")
    non_gpu_it_share_frac: float = Field(
        ge=0, lt=1, description="Share of IT power that is not GPUs (CPU, network, storage) [-]."
    )
    pue: float = Field(ge=1, le=3, description="Power usage effectiveness [-].")

    @property
    def gpu_power_total_mw(self) -> float:
        """All GPUs at full load [MW]."""
        return self.n_gpus * self.gpu_power_mw

    @property
    def it_power_max_mw(self) -> float:
        """All IT at full load [MW]."""
        return self.gpu_power_total_mw / (1.0 - self.non_gpu_it_share_frac)

    @property
    def site_power_max_mw(self) -> float:
        """Full-load draw at the meter, IT times PUE [MW]."""
        return self.it_power_max_mw * self.pue


class Site(FrozenModel):
    """The site: battery groups, GPU cluster, point of interconnection, time zone."""

    name: str
    timezone: str = Field(description="IANA time zone of the site, e.g. America/Chicago.")
    battery_groups: tuple[BatteryGroup, ...] = Field(default=())
    gpu_cluster: GpuCluster | None = None
    import_limit_mw: float = Field(gt=0, description="Interconnection import cap [MW].")
    export_limit_mw: float = Field(
        default=0.0, ge=0, description="Interconnection export cap [MW]; 0 forbids export."
    )
    export_policy: Literal["none", "allowed"] = Field(
        default="none", description="Whether the site may export to the grid."
    )

    @model_validator(mode="after")
    def _checks(self) -> Site:
        names = [g.name for g in self.battery_groups]
        if len(set(names)) != len(names):
            msg = f"battery group names must be unique; got {names}. Rename the duplicates"
            raise ValueError(msg)
        if self.export_policy == "allowed" and self.export_limit_mw <= 0:
            msg = (
                "export_policy = 'allowed' needs export_limit_mw > 0; got "
                f"{self.export_limit_mw}. Set export_limit_mw or export_policy = 'none'"
            )
            raise ValueError(msg)
        try:
            import zoneinfo

            zoneinfo.ZoneInfo(self.timezone)
        except Exception as exc:  # zoneinfo raises several types
            msg = f"timezone must be an IANA zone like 'America/Chicago'; got {self.timezone!r}"
            raise ValueError(msg) from exc
        return self

    @property
    def allows_export(self) -> bool:
        """True when the site may export [-]."""
        return self.export_policy == "allowed" and self.export_limit_mw > 0

    @property
    def fleet_power_discharge_max_mw(self) -> float:
        """Fleet discharge power with every unit in service [MW]."""
        return math.fsum(g.power_discharge_max_mw for g in self.battery_groups)

    @property
    def fleet_energy_capacity_mwh(self) -> float:
        """Fleet nameplate energy [MWh]."""
        return math.fsum(g.energy_capacity_mwh for g in self.battery_groups)
