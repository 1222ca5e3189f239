"""Grid-stability inputs: ramp limits, the swing buffer, frequency reserve, utility event
programs and events, flexible GPU load and the import-movement cost (``SPEC.md`` §4
families 8-12, §8 family 13).

Each concept is one frozen pydantic model that forbids unknown keys. Series-valued inputs
(the swing envelope, the event calendar) live on the Scenario, already on its horizon.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from optimizer.frozen import FrozenModel


class RampLimit(FrozenModel):
    """Limits on how fast the site's grid import may change (family 8).

    ``g[t] - g[t-1]`` must lie in ``[-fall * dt_min, rise * dt_min]``. After a utility event
    ends, a separate (usually slower) return-to-service rise limit applies for
    ``return_to_service_window_min``.
    """

    rise_mw_per_min: float = Field(gt=0, description="Largest rise of import [MW/min].")
    fall_mw_per_min: float = Field(gt=0, description="Largest fall of import [MW/min].")
    initial_import_mw: float | None = Field(
        default=None, ge=0, description="Import just before the horizon [MW]; None: free."
    )
    return_to_service_mw_per_min: float | None = Field(
        default=None, gt=0, description="Rise limit after an event ends [MW/min]."
    )
    return_to_service_window_min: float = Field(
        default=60.0, ge=0, description="How long the return-to-service limit applies [min]."
    )


class SwingBuffer(FrozenModel):
    """Sub-interval load swing the fleet must absorb so the grid sees the interval mean (family 9).

    ``source = "telemetry"``: each interval's swing comes from a high-resolution trace (1 s to
    1 min): ``up = max - mean`` and ``down = mean - min`` of the samples inside the interval,
    or percentiles when ``percentile`` is set (``up = P(p) - mean``, ``down = mean - P(100-p)``).
    A trace shorter than the horizon is repeated (an assumption, stated in the notes). The
    trace is scaled so its peak equals ``coherent_mw``: the MW of site load assumed to swing
    in step with it (an assumption; the whole site in step is the worst case).

    ``source = "cluster_model"``: without telemetry, ``up = up_frac * Lgpu`` and
    ``down = down_frac * Lgpu`` (documented amplitudes, assumptions).
    """

    source: Literal["telemetry", "cluster_model"]
    path: str | None = Field(
        default=None, description="Telemetry CSV/Parquet (relative to the TOML)."
    )
    column: str = "power_w"
    timestamp_column: str = "interval_start"
    coherent_mw: float | None = Field(
        default=None, gt=0, description="Site MW that swings in step with the trace's shape [MW]."
    )
    percentile: float | None = Field(
        default=None, gt=50, le=100, description="Percentile [%]; None: max/min."
    )
    align: Literal["repeat", "exact"] = Field(
        default="repeat",
        description="repeat: tile the trace's per-interval swing over the horizon.",
    )
    up_frac: float = Field(
        default=0.10, ge=0, le=1, description="Swing above the mean, share of Lgpu [-]."
    )
    down_frac: float = Field(
        default=0.30, ge=0, le=1, description="Swing below the mean, share of Lgpu [-]."
    )
    attribution: str = ""

    @model_validator(mode="after")
    def _telemetry(self) -> SwingBuffer:
        if self.source == "telemetry" and (self.path is None or self.coherent_mw is None):
            msg = "source = 'telemetry' needs path and coherent_mw; add them or use source = 'cluster_model'"
            raise ValueError(msg)
        return self


class FrequencyReserve(FrozenModel):
    """Frequency-response headroom held by the fleet (families 9 and 10).

    Without a price, ``up_mw``/``down_mw`` are held in every interval. With
    ``price_usd_per_mw_h`` the held amounts become decision variables between the required
    minimum and ``max_up_mw``/``max_down_mw`` and earn the price (a negative cost).
    """

    up_mw: float = Field(default=0.0, ge=0, description="Up reserve held (or the minimum) [MW].")
    down_mw: float = Field(
        default=0.0, ge=0, description="Down reserve held (or the minimum) [MW]."
    )
    sustain_h: float = Field(
        default=0.25, ge=0, description="How long a held reserve must last, H [h]."
    )
    price_usd_per_mw_h: float | None = Field(
        default=None, ge=0, description="Reserve price [USD/MW-h]."
    )
    max_up_mw: float | None = Field(default=None, ge=0, description="Most up reserve offered [MW].")
    max_down_mw: float | None = Field(
        default=None, ge=0, description="Most down reserve offered [MW]."
    )


class EventProgram(FrozenModel):
    """A utility interruptible / demand-response program (family 11)."""

    name: str
    notice_min: float = Field(ge=0, description="Notice before an event starts [min].")
    kind: Literal["reduce_to", "reduce_by"]
    firm_demand_mw: float | None = Field(
        default=None,
        ge=0,
        description="reduce_to: import cap during an event (protected/firm demand) [MW].",
    )
    reduction_mw: float | None = Field(
        default=None, gt=0, description="reduce_by: reduction below the baseline [MW]."
    )
    baseline_mw: float | None = Field(
        default=None, gt=0, description="reduce_by: the stated baseline [MW]."
    )
    max_events_per_year: int | None = Field(default=None, ge=0)
    max_hours_per_year: float | None = Field(default=None, ge=0)
    max_event_duration_h: float | None = Field(default=None, gt=0)
    credit_usd_per_mw_month: float = Field(
        default=0.0, ge=0, description="Capacity credit on interruptible MW [USD/MW-month]."
    )
    credit_usd_per_mwh: float = Field(
        default=0.0, ge=0, description="Energy credit on MWh reduced below the load [USD/MWh]."
    )
    interruptible_mw: float = Field(
        default=0.0, ge=0, description="MW the capacity credit is paid on [MW]."
    )
    hold_readiness: bool = Field(
        default=True,
        description="Hold, at every interval outside a called event, the stored energy a call of "
        "max_event_duration_h may need (family 14, event readiness) instead of pre-charging on "
        "foreknowledge of the calendar; spent during a call and phased in again after it. On by "
        "default (measured in docs/formulation.md); false plans on perfect foresight of the calls.",
    )
    source: str = ""

    @model_validator(mode="after")
    def _kind(self) -> EventProgram:
        if self.kind == "reduce_to" and self.firm_demand_mw is None:
            msg = "kind = 'reduce_to' needs firm_demand_mw; add it"
            raise ValueError(msg)
        if self.kind == "reduce_by" and (self.reduction_mw is None or self.baseline_mw is None):
            msg = "kind = 'reduce_by' needs reduction_mw and baseline_mw; add them"
            raise ValueError(msg)
        return self

    @property
    def cap_mw(self) -> float:
        """Import cap during an event [MW]."""
        if self.kind == "reduce_to":
            return float(self.firm_demand_mw or 0.0)
        return float((self.baseline_mw or 0.0) - (self.reduction_mw or 0.0))


class Event(FrozenModel):
    """One called event: ``[start, end)`` in a program."""

    event_id: str
    program: str
    start: dt.datetime
    end: dt.datetime

    @model_validator(mode="after")
    def _order(self) -> Event:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            msg = f"event {self.event_id}: start and end need a UTC offset; write e.g. 2021-02-16T07:00:00-06:00"
            raise ValueError(msg)
        if self.end <= self.start:
            msg = f"event {self.event_id}: end must be after start; got {self.start} .. {self.end}"
            raise ValueError(msg)
        return self


class FlexibleLoad(FrozenModel):
    """GPU work that may be curtailed or deferred (family 12 and the deferral backlog).

    Curtailed GPU energy is lost compute, priced at ``curtailment_cost_usd_per_mwh`` (or
    ``curtailment_cost_usd_per_gpu_h`` converted by the cluster model). Deferred GPU energy
    is conserved: it joins a backlog that must be worked off within ``deferral_deadline_h``
    and by the end of the horizon. Running GPUs never drop below ``power_floor_frac`` of
    their scheduled power.
    """

    curtailable_share_frac: float = Field(
        default=0.0, ge=0, le=1, description="phi: share of Lgpu that may be curtailed [-]."
    )
    curtailment_cost_usd_per_mwh: float | None = Field(
        default=None, ge=0, description="kappa [USD/MWh]."
    )
    curtailment_cost_usd_per_gpu_h: float | None = Field(
        default=None, ge=0, description="Lost compute [USD/GPU-h]."
    )
    power_floor_frac: float = Field(
        default=0.0, ge=0, le=1, description="GPU power never below this share of Lgpu [-]."
    )
    deferrable_share_frac: float = Field(
        default=0.0, ge=0, le=1, description="Share of Lgpu that may be deferred [-]."
    )
    deferral_deadline_h: float = Field(
        default=4.0, gt=0, description="Deferred work must run within [h]."
    )
    max_backlog_mwh: float = Field(
        default=0.0, ge=0, description="Largest deferred-energy backlog [MWh]."
    )
    deferral_cost_usd_per_mwh: float = Field(
        default=0.0,
        ge=0,
        description="Cost of delaying one MWh of GPU work (an assumption) [USD/MWh].",
    )

    @model_validator(mode="after")
    def _cost(self) -> FlexibleLoad:
        if (
            self.curtailable_share_frac > 0
            and self.curtailment_cost_usd_per_mwh is None
            and self.curtailment_cost_usd_per_gpu_h is None
        ):
            msg = "curtailable_share_frac > 0 needs curtailment_cost_usd_per_mwh or curtailment_cost_usd_per_gpu_h"
            raise ValueError(msg)
        return self


def allocate_interruptible(
    programs: tuple[EventProgram, ...] | list[EventProgram],
) -> dict[str, float]:
    """One effective interruptible demand (EID) per site, credited once: MW per programme.

    The same MW of load cannot be interrupted twice, so enrolling it in several programmes
    (TVA IP5 and IP30) earns one capacity credit, not one per programme. The site's EID is the
    largest ``interruptible_mw`` of its programmes; it goes to the programmes in order of
    their capacity credit (``credit_usd_per_mw_month``, highest first; ties by name), each up
    to its own ``interruptible_mw``, until the EID is used up.

    Returns
    -------
    dict of str to float
        Credited MW of each programme (0 for a programme left with none) [MW].

    Examples
    --------
    >>> a = EventProgram(name="IP5", notice_min=5, kind="reduce_to", firm_demand_mw=400,
    ...                  interruptible_mw=500, credit_usd_per_mw_month=3000)
    >>> b = a.model_copy(update={"name": "IP30", "credit_usd_per_mw_month": 2000})
    >>> allocate_interruptible([a, b])
    {'IP5': 500.0, 'IP30': 0.0}
    """
    left = max((p.interruptible_mw for p in programs), default=0.0)
    out = {p.name: 0.0 for p in programs}
    for p in sorted(programs, key=lambda p: (-p.credit_usd_per_mw_month, p.name)):
        out[p.name] = float(min(p.interruptible_mw, left))
        left -= out[p.name]
    return out


class SystemPeaks(FrozenModel):
    """The tightest hours of the utility's system load inside the horizon (issue 19).

    Every run reports the site's draw in these hours, with and without batteries. With
    ``value_usd_per_mw_month > 0`` the scenario also values cutting it: the loader adds a
    coincident-peak charge of the tariff engine (:class:`optimizer.tariffs.CoincidentPeakCharge`,
    ``aggregation = "expected"``: the rate times the mean draw over the month's hours).
    """

    hours: tuple[dt.datetime, ...] = Field(description="Hour starts (tz-aware), sorted.")
    system_load_mw: tuple[float, ...] = Field(description="System load in each hour [MW].")
    n_per_month: int = Field(ge=1, le=31, description="Hours taken per month (distinct days) [-].")
    value_usd_per_mw_month: float = Field(
        default=0.0, ge=0, description="Charge on the mean draw in the hours [USD/MW-month]."
    )
    source: str = ""

    @model_validator(mode="after")
    def _aligned(self) -> SystemPeaks:
        if len(self.hours) != len(self.system_load_mw):
            msg = f"system_peaks: {len(self.hours)} hours but {len(self.system_load_mw)} loads"
            raise ValueError(msg)
        if any(h.tzinfo is None for h in self.hours):
            msg = "system_peaks: hours need a UTC offset"
            raise ValueError(msg)
        return self


class GridRules(FrozenModel):
    """Everything of families 8-13 a scenario switches on (all optional).

    ``movement_cost_usd_per_mw`` is family 13's ``mu``: a cost per MW of change of the net
    grid draw between consecutive intervals; 0 leaves the family out.
    """

    movement_cost_usd_per_mw: float = Field(
        default=0.0, ge=0, description="Cost per MW of change in the grid draw, mu [USD/MW]."
    )
    ramp: RampLimit | None = None
    swing: SwingBuffer | None = None
    reserve: FrequencyReserve | None = None
    programs: tuple[EventProgram, ...] = ()
    events: tuple[Event, ...] = ()
    flexible_load: FlexibleLoad | None = None
    system_peaks: SystemPeaks | None = None

    @model_validator(mode="after")
    def _events_known(self) -> GridRules:
        names = {p.name for p in self.programs}
        for e in self.events:
            if e.program not in names:
                msg = f"event {e.event_id} names program {e.program!r}; expected one of {sorted(names)}. Add the program or fix the name"
                raise ValueError(msg)
        return self
