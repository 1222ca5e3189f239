"""The Scenario: everything one dispatch study needs, in memory, validated once.

A Scenario is built either from TOML files (:func:`optimizer.load_scenario`) or entirely
in Python from model objects and pandas Series (:meth:`Scenario.from_series`); the solver
never sees a file.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from optimizer import timeindex, units
from optimizer.errors import Issue, TimeSeriesError
from optimizer.inputs.assets import Site
from optimizer.inputs.economics import Sizing
from optimizer.inputs.grid import GridRules
from optimizer.inputs.options import SolverOptions
from optimizer.inputs.resilience import Resilience
from optimizer.inputs.tariff import Tariff
from optimizer.inputs.timeseries import ALLOWED_INTERVAL_MIN, check_series, to_horizon


@dataclass(frozen=True)
class Scenario:
    """One validated dispatch study.

    Attributes
    ----------
    name : str
        Scenario name.
    site : Site
        Assets and interconnection.
    tariff : Tariff
        Bill terms.
    load_mw : pandas.Series
        Site load at the meter without batteries, ``L_t`` [MW], indexed by the horizon.
    month_to_date_peak_mw : dict
        Peak import already set before the horizon, by billing month ``YYYY-MM`` [MW]: the
        month's demand charge is billed on at least this (rolling-horizon state).
    price_usd_per_mwh : pandas.Series
        Energy price before the tariff adder (for example the LMP) [USD/MWh].
    gpu_load_mw : pandas.Series
        GPU part of ``load_mw``, ``Lgpu_t`` [MW]; defaults to ``load_mw``.
    options : SolverOptions
        How to solve.
    notes : tuple of str
        What was done to the inputs on the way in (resampling, sources).
    source_path : str or None
        The scenario TOML, when loaded from a file.
    resilience : Resilience or None
        The ride-through floor (``[resilience]``): hold the energy to carry a critical load
        for ``hours_h`` hours at every interval; None: no floor.
    sizing : Sizing or None
        The investment view (``[sizing]``): unit-count bounds, the contract demand as a
        decision, the discount rate; read by :func:`optimizer.run.sizing.size_fleet` only
        (its ``max_cycles_per_year``, when set, also limits every dispatch of the scenario).
    """

    name: str
    site: Site
    tariff: Tariff
    load_mw: pd.Series
    price_usd_per_mwh: pd.Series
    gpu_load_mw: pd.Series | None = None
    options: SolverOptions = field(default_factory=SolverOptions)
    notes: tuple[str, ...] = ()
    source_path: str | None = None
    grid: GridRules = field(default_factory=GridRules)
    swing_up_mw: pd.Series | None = None
    swing_down_mw: pd.Series | None = None
    month_to_date_peak_mw: dict[str, float] = field(default_factory=dict)
    tariff_spec: Any = None  # optimizer.tariffs.TariffSpec: the full tariff engine, used instead of `tariff`'s charges
    resilience: Resilience | None = None  # the ride-through floor, SPEC §8 family 14 ([resilience])
    sizing: Sizing | None = None  # the investment view, SPEC §8 family 16 ([sizing]); dispatch ignores it

    def __post_init__(self) -> None:
        issues = check_series(self.load_mw, name="load_mw", source=self.source_path)
        issues += check_series(self.price_usd_per_mwh, name="price_usd_per_mwh", source=self.source_path)
        if self.gpu_load_mw is not None:
            issues += check_series(self.gpu_load_mw, name="gpu_load_mw", source=self.source_path)
        if issues:
            raise TimeSeriesError("", issues=issues)
        index = self.load_mw.index
        for other, nm in (
            (self.price_usd_per_mwh, "price_usd_per_mwh"),
            (self.gpu_load_mw, "gpu_load_mw"),
            (self.swing_up_mw, "swing_up_mw"),
            (self.swing_down_mw, "swing_down_mw"),
        ):
            if other is not None and not other.index.equals(index):
                raise TimeSeriesError(
                    "",
                    issues=[
                        Issue(
                            "index differs from load_mw's index",
                            path=self.source_path,
                            field=nm,
                            expected=f"{len(index)} intervals from {index[0].isoformat()}",
                            got=f"{len(other)} intervals from {other.index[0].isoformat()}",
                            fix="Put every series on the same horizon (Scenario.from_series does this)",
                        )
                    ],
                )
        self.interval_min  # noqa: B018 - validates the step (a supported whole number of minutes)
        if self.resilience is not None:
            self._check_resilience(self.resilience)
        if (self.load_mw < 0).any():
            first = self.load_mw.index[(self.load_mw < 0).to_numpy()][0]
            raise TimeSeriesError(
                "",
                issues=[Issue("negative site load", path=self.source_path, field="load_mw", timestamp=first.isoformat(), expected=">= 0 MW", got=f"{float(self.load_mw.loc[first])} MW", fix="Check the sign convention: load is a positive draw")],
            )

    def _check_resilience(self, r: Resilience) -> None:
        """The floor fits the horizon: whole intervals of ride-through, a series of its length."""
        issues = []
        steps = r.hours_h * 60 / self.interval_min
        if abs(steps - round(steps)) > 1e-9:
            issues.append(
                Issue(
                    "ride-through hours are not a whole number of intervals",
                    path=self.source_path,
                    field="resilience.hours_h",
                    expected=f"a multiple of {self.interval_min} min",
                    got=f"{r.hours_h} h",
                    fix=f"Round hours_h to a multiple of {self.interval_min / 60:g} h",
                )
            )
        if r.critical_load_mw is not None and len(r.critical_load_mw) != len(self.load_mw):
            issues.append(
                Issue(
                    "critical load series off the horizon",
                    path=self.source_path,
                    field="resilience.critical_load_mw",
                    expected=f"{len(self.load_mw)} intervals",
                    got=f"{len(r.critical_load_mw)}",
                    fix="Give one value per interval of the horizon",
                )
            )
        paused = r.critical_load == "training_paused"
        if paused and self.site.gpu_cluster is None and self.gpu_load_mw is None:
            issues.append(
                Issue(
                    "critical load 'training_paused' needs the GPU-cluster model or a GPU load",
                    path=self.source_path,
                    field="resilience.critical_load",
                    got="a site without gpu_cluster and a load without gpu_load_mw",
                    fix="Add gpu_cluster to the site or a GPU load column, or use 'site'",
                )
            )
        if issues:
            raise TimeSeriesError("", issues=issues)

    # ----------------------------------------------------------------- builders
    @classmethod
    def from_series(
        cls,
        *,
        name: str,
        site: Site,
        tariff: Tariff,
        load_mw: pd.Series,
        price_usd_per_mwh: pd.Series,
        gpu_load_mw: pd.Series | None = None,
        index: pd.DatetimeIndex | None = None,
        options: SolverOptions | None = None,
        notes: tuple[str, ...] = (),
        grid: GridRules | None = None,
        swing_up_mw: pd.Series | None = None,
        swing_down_mw: pd.Series | None = None,
    ) -> Scenario:
        """Build a Scenario from pandas Series, resampling each onto one horizon.

        ``index`` defaults to the load's index. Series at another step are resampled by
        the rules of ``SPEC.md`` §1 and the resampling is recorded in ``notes``.
        """
        index = load_mw.index if index is None else index
        out_notes = list(notes)
        series: dict[str, pd.Series | None] = {}
        for nm, s, kind in (
            ("load_mw", load_mw, "power"),
            ("price_usd_per_mwh", price_usd_per_mwh, "price"),
            ("gpu_load_mw", gpu_load_mw, "power"),
            ("swing_up_mw", swing_up_mw, "power"),
            ("swing_down_mw", swing_down_mw, "power"),
        ):
            if s is None:
                series[nm] = None
                continue
            aligned, note = to_horizon(s, pd.DatetimeIndex(index), kind=kind, name=nm)  # type: ignore[arg-type]
            series[nm] = aligned
            if note:
                out_notes.append(note)
        return cls(
            name=name,
            site=site,
            tariff=tariff,
            load_mw=series["load_mw"],  # type: ignore[arg-type]
            price_usd_per_mwh=series["price_usd_per_mwh"],  # type: ignore[arg-type]
            gpu_load_mw=series["gpu_load_mw"],
            options=options or SolverOptions(),
            notes=tuple(out_notes),
            grid=grid or GridRules(),
            swing_up_mw=series["swing_up_mw"],
            swing_down_mw=series["swing_down_mw"],
        )

    def replace(self, **changes: object) -> Scenario:
        """A copy with some fields changed (validated again)."""
        import dataclasses

        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    # ------------------------------------------------------------ derived data
    @property
    def index(self) -> pd.DatetimeIndex:
        """Horizon: tz-aware local interval starts."""
        return pd.DatetimeIndex(self.load_mw.index)

    @property
    def n_intervals(self) -> int:
        """Number of intervals T [-]."""
        return len(self.load_mw)

    @functools.cached_property
    def interval_min(self) -> int:
        """Step [min]; a one-interval horizon without a ``freq`` is taken as hourly."""
        return timeindex.interval_min(
            self.index, field="horizon.interval_min", path=self.source_path,
            allowed=ALLOWED_INTERVAL_MIN, default_min=60,
        )

    @property
    def interval_h(self) -> float:
        """Step [h]."""
        return units.interval_h(self.interval_min)

    def load_array_mw(self) -> np.ndarray:
        """``L_t`` [MW]."""
        return self.load_mw.to_numpy(dtype=float)

    def gpu_load_array_mw(self) -> np.ndarray:
        """``Lgpu_t`` [MW]."""
        src = self.load_mw if self.gpu_load_mw is None else self.gpu_load_mw
        return src.to_numpy(dtype=float)

    def tariff_arrays(self) -> Any:
        """The tariff engine's arrays on this horizon (None without a TariffSpec)."""
        if self.tariff_spec is None:
            return None
        from optimizer.tariffs.arrays import tariff_arrays

        return tariff_arrays(self.tariff_spec, self.index, price_usd_per_mwh=self.price_usd_per_mwh)

    def import_price_usd_per_mwh(self) -> np.ndarray:
        """``pi_t``: energy price plus the tariff adder [USD/MWh]."""
        return self.price_usd_per_mwh.to_numpy(dtype=float) + self.tariff.energy_adder_usd_per_mwh

    def export_price_usd_per_mwh(self) -> np.ndarray:
        """``pix_t``: what one exported MWh earns [USD/MWh] (0 when export is not paid)."""
        kind = self.tariff.export_compensation
        if kind == "wholesale":
            return self.price_usd_per_mwh.to_numpy(dtype=float).copy()
        if kind == "fixed":
            return np.full(self.n_intervals, float(self.tariff.export_price_usd_per_mwh or 0.0))
        return np.zeros(self.n_intervals)

    def import_limit_mw(self) -> np.ndarray:
        """``Gimp_t`` [MW]."""
        return np.full(self.n_intervals, self.site.import_limit_mw)

    def export_limit_mw(self) -> np.ndarray:
        """``Gexp_t`` [MW]; 0 when the site may not export."""
        cap = self.site.export_limit_mw if self.site.allows_export else 0.0
        return np.full(self.n_intervals, cap)

    def billing_month(self) -> np.ndarray:
        """Demand window ``k`` of every interval: position of its local calendar month [-]."""
        periods = self.index.tz_localize(None).to_period("M")
        codes, _ = pd.factorize(periods, sort=True)
        return codes.astype(np.int64)

    def billing_month_labels(self) -> list[str]:
        """Labels ``YYYY-MM`` of the demand windows in order."""
        periods = self.index.tz_localize(None).to_period("M")
        return [str(p) for p in sorted(set(periods))]

    def aux_load_mw(self) -> np.ndarray:
        """Fleet auxiliary load ``sum_b a_b n_b aux_b`` per interval [MW]."""
        total = sum(g.availability_frac * g.n_units * g.unit.aux_load_mw for g in self.site.battery_groups)
        return np.full(self.n_intervals, float(total))

    def event_table(self) -> pd.DataFrame:
        """Called events inside the horizon: id, program, start, end, cap [MW], first and last interval."""
        rows = []
        idx = self.index
        step = pd.Timedelta(minutes=self.interval_min)
        programs = {p.name: p for p in self.grid.programs}
        for e in self.grid.events:
            start, end = pd.Timestamp(e.start), pd.Timestamp(e.end)
            mask = (idx < end) & (idx + step > start)  # every interval that overlaps the event
            pos = np.flatnonzero(mask)
            if len(pos) == 0:
                continue
            rows.append(
                {
                    "event_id": e.event_id,
                    "program": e.program,
                    "start": start.tz_convert(idx.tz),
                    "end": end.tz_convert(idx.tz),
                    "cap_mw": programs[e.program].cap_mw,
                    "first": int(pos[0]),
                    "last": int(pos[-1]),
                }
            )
        return pd.DataFrame(rows, columns=["event_id", "program", "start", "end", "cap_mw", "first", "last"])

    def n_billing_months(self) -> int:
        """Calendar months the horizon touches [-]."""
        return int(self.billing_month().max()) + 1
