"""The Scenario: everything one dispatch study needs, in memory, validated once.

A Scenario is built either from TOML files (:func:`optimizer.load_scenario`) or entirely
in Python from model objects and pandas Series (:meth:`Scenario.from_series`); the solver
never sees a file. :meth:`Scenario.to_dir` writes one back as TOML plus Parquet that
:func:`optimizer.load_scenario` reads to the same scenario.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from optimizer import timeindex, units
from optimizer.errors import InputError, Issue, TimeSeriesError
from optimizer.inputs.assets import Site
from optimizer.inputs.economics import Sizing
from optimizer.inputs.grid import GridRules
from optimizer.inputs.options import SolverOptions
from optimizer.inputs.resilience import Resilience
from optimizer.inputs.tariff import (
    FACILITY_CHARGE,
    EngineTariff,
    Tariff,
    facility_peaks_mw,
    spec_from_tariff,
)
from optimizer.inputs.timeseries import (
    ALLOWED_INTERVAL_MIN,
    check_input_series,
    check_series,
    to_horizon,
)
from optimizer.inputs.to_files import SERIES_NAMES, write_scenario_dir
from optimizer.tariffs.arrays import TariffArrays, tariff_arrays
from optimizer.tariffs.prices import energy_price_usd_per_mwh, export_price_usd_per_mwh
from optimizer.tariffs.spec import BillingState, PeakRecord, TariffSpec

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

SERIES_FIELDS = SERIES_NAMES
"""Every Series-valued field of a Scenario (``availability_frac`` holds one per group)."""


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
        The tariff as given: a simple :class:`Tariff`, or an :class:`EngineTariff` carrying
        a tariff-engine spec. What is billed is ``tariff_spec``.
    load_mw : pandas.Series
        Site load at the meter without batteries, ``L_t`` [MW], indexed by the horizon.
    month_to_date_peak_mw : dict
        Input only, for a simple tariff: peak import already set before the horizon, by
        billing month ``YYYY-MM`` [MW]. Validated, then moved into ``tariff_spec.state`` (the
        one month-to-date state), so it reads empty on a built Scenario.
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
    grid : GridRules
        Ramp, swing, reserve, events and flexible load (families 8-12).
    swing_up_mw, swing_down_mw : pandas.Series or None
        Sub-interval swing above / below the interval mean, ``wup_t``, ``wdn_t`` [MW]; either
        alone switches family 9 on.
    tariff_spec : TariffSpec
        The tariff that is billed (LP and bill): given, or the simple tariff's conversion
        (:func:`~optimizer.inputs.tariff.spec_from_tariff`); always set on a built Scenario.
    grid_import_limit_mw, grid_export_limit_mw : pandas.Series or None
        Interconnection caps per interval, ``Gimp_t``, ``Gexp_t`` [MW], replacing the site's
        ``import_limit_mw`` / ``export_limit_mw``; ``inf`` is no cap in that interval.
    sell_price_usd_per_mwh : pandas.Series or None
        What one exported MWh earns, ``pix_t`` [USD/MWh]; given with
        ``tariff.export_compensation = "series"``.
    availability_frac : dict of str to pandas.Series
        Share of each group's units in service per interval, ``a_bt`` [-], by group name;
        a group not listed keeps its own ``availability_frac``.
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
    tariff_spec: TariffSpec | None = None
    resilience: Resilience | None = None  # the ride-through floor, SPEC §8 family 14 ([resilience])
    grid_import_limit_mw: pd.Series | None = None
    grid_export_limit_mw: pd.Series | None = None
    sell_price_usd_per_mwh: pd.Series | None = None
    availability_frac: dict[str, pd.Series] = field(default_factory=dict)
    sizing: Sizing | None = (
        None  # the investment view, SPEC §8 family 16 ([sizing]); dispatch ignores it
    )

    def __post_init__(self) -> None:
        self._check_types()
        self._resolve_tariff()
        issues: list[Issue] = []
        for nm in SERIES_FIELDS:
            value = getattr(self, nm)
            if value is not None:
                issues += check_series(
                    value, name=nm, source=self.source_path, allow_inf=nm.startswith("grid_")
                )
        for group, value in self.availability_frac.items():
            issues += check_series(
                value, name=f"availability_frac[{group}]", source=self.source_path
            )
        if issues:
            raise TimeSeriesError(issues=issues)
        index = self.load_mw.index
        self._check_zone(index)
        others = [(getattr(self, nm), nm) for nm in SERIES_FIELDS[1:]]
        others += [(v, f"availability_frac[{g}]") for g, v in self.availability_frac.items()]
        for other, nm in others:
            if other is not None and not other.index.equals(index):
                raise TimeSeriesError(
                    issues=[
                        Issue(
                            "index differs from load_mw's index",
                            path=self.source_path,
                            field=nm,
                            expected=f"{len(index)} intervals from {index[0].isoformat()}",
                            got=f"{len(other)} intervals from {other.index[0].isoformat()}",
                            fix="Put every series on the same horizon (Scenario.from_series does "
                            "this)",
                        )
                    ],
                )
        self.interval_min  # noqa: B018 - validates the step (a supported whole number of minutes)
        if self.resilience is not None:
            self._check_resilience(self.resilience)
        if (self.load_mw < 0).any():
            first = self.load_mw.index[(self.load_mw < 0).to_numpy()][0]
            raise TimeSeriesError(
                issues=[
                    Issue(
                        "negative site load",
                        path=self.source_path,
                        field="load_mw",
                        timestamp=first.isoformat(),
                        expected=">= 0 MW",
                        got=f"{float(self.load_mw.loc[first])} MW",
                        fix="Check the sign convention: load is a positive draw",
                    )
                ],
            )
        issues = self._range_issues() + self._consistency_issues()
        if issues:
            raise InputError(issues=issues)
        self._fold_month_to_date()

    # ------------------------------------------------------------------ tariff
    @property
    def has_simple_tariff(self) -> bool:
        """The tariff was given as a simple :class:`Tariff` (``tariff_spec`` is its conversion)."""
        return not isinstance(self.tariff, EngineTariff)

    def _resolve_tariff(self) -> None:
        """Set ``tariff_spec``: the given spec, the EngineTariff's, or the simple tariff's
        conversion (:func:`~optimizer.inputs.tariff.spec_from_tariff`), validated once here.

        A simple tariff given with a spec that is not its conversion (other than the
        month-to-date state and where the prices are read from) becomes an
        :class:`EngineTariff` of that spec, so ``tariff`` never describes another bill.
        """
        tariff, spec = self.tariff, self.tariff_spec
        if isinstance(tariff, EngineTariff):
            spec = tariff.spec if spec is None else spec
            if spec is not tariff.spec and spec != tariff.spec:
                tariff = EngineTariff(name=spec.name, spec=spec)
        else:
            derived = spec_from_tariff(tariff)
            if spec is None:
                spec = derived
            elif _billed(spec) != _billed(derived):
                tariff = EngineTariff(name=spec.name, spec=spec)
        object.__setattr__(self, "tariff", tariff)
        object.__setattr__(self, "tariff_spec", spec)

    def _fold_month_to_date(self) -> None:
        """Move ``month_to_date_peak_mw`` (a simple tariff's input) into ``tariff_spec.state``.

        The one month-to-date state is the spec's ``state.peaks``; the field is left empty.
        """
        peaks = self.month_to_date_peak_mw
        if not peaks:
            return
        spec = self.tariff_spec
        if spec.facility_demand is not None:
            merged = {**facility_peaks_mw(spec), **{k: float(v) for k, v in peaks.items()}}
            others = tuple(r for r in spec.state.peaks if r.charge != FACILITY_CHARGE)
            records = others + tuple(
                PeakRecord(month=m, charge=FACILITY_CHARGE, peak_mw=v)
                for m, v in sorted(merged.items())
            )
            state = spec.state.model_copy(update={"peaks": records})
            object.__setattr__(self, "tariff_spec", spec.model_copy(update={"state": state}))
        object.__setattr__(self, "month_to_date_peak_mw", {})

    # ----------------------------------------------------------- validation
    def _check_types(self) -> None:
        """Every series is a pandas Series of numbers (not a DataFrame, an array or text)."""
        issues = []
        for nm in SERIES_FIELDS:
            value = getattr(self, nm)
            if value is not None or nm in ("load_mw", "price_usd_per_mwh"):
                issues += check_input_series(value, name=nm, source=self.source_path)
        if not isinstance(self.availability_frac, Mapping):
            issues.append(
                Issue(
                    "availability_frac must map group names to Series",
                    field="availability_frac",
                    got=type(self.availability_frac).__name__,
                    fix="Pass {'group': series} or a DataFrame with one column per group to "
                    "Scenario.from_series",
                )
            )
        else:
            for group, value in self.availability_frac.items():
                issues += check_input_series(
                    value, name=f"availability_frac[{group}]", source=self.source_path
                )
        if not isinstance(self.tariff, Tariff):
            issues.append(
                Issue(
                    "tariff is not a Tariff",
                    field="tariff",
                    got=type(self.tariff).__name__,
                    fix="Pass an optimizer.Tariff, or a TariffSpec as tariff_spec",
                )
            )
        if self.tariff_spec is not None and not isinstance(self.tariff_spec, TariffSpec):
            issues.append(
                Issue(
                    "tariff_spec is not a TariffSpec",
                    field="tariff_spec",
                    got=type(self.tariff_spec).__name__,
                    fix="Pass an optimizer.tariffs.TariffSpec (or read one with "
                    "optimizer.io.tariff_file.load_tariff_spec)",
                )
            )
        if issues:
            raise InputError(issues=issues)

    def _check_zone(self, index: pd.DatetimeIndex) -> None:
        """The horizon is in the site's zone, so billing months are the site's (``SPEC.md`` §1)."""
        zone = str(getattr(index.tz, "key", index.tz))
        if zone != self.site.timezone:
            raise TimeSeriesError(
                issues=[
                    Issue(
                        "horizon is not in the site's time zone",
                        path=self.source_path,
                        field="load_mw",
                        expected=f"interval starts in {self.site.timezone} (billing months are "
                        f"the site's local months)",
                        got=f"stamps in {zone}",
                        fix=f"Convert the series (series.tz_convert({self.site.timezone!r})) or "
                        f"build the scenario with Scenario.from_series, which converts",
                    )
                ]
            )

    def _range_issues(self) -> list[Issue]:
        """Values of the optional series and the month-to-date state in their ranges."""
        issues: list[Issue] = []
        src = self.source_path

        def below(
            series: pd.Series | None,
            nm: str,
            low: float,
            *,
            strict: bool = False,
            high: float | None = None,
        ) -> None:
            if series is None:
                return
            v = series.to_numpy(dtype=float)
            bad = (v <= low) if strict else (v < low)
            if high is not None:
                bad |= v > high
            if bad.any():
                t = int(np.argmax(bad))
                rng = f"{'>' if strict else '>='} {low:g}" + (
                    "" if high is None else f" and <= {high:g}"
                )
                issues.append(
                    Issue(
                        "value out of range",
                        path=src,
                        field=nm,
                        timestamp=series.index[t].isoformat(),
                        expected=rng,
                        got=f"{v[t]:g} ({int(bad.sum())} intervals)",
                        fix=f"Correct {nm}",
                    )
                )

        below(self.gpu_load_mw, "gpu_load_mw", 0.0)
        below(self.swing_up_mw, "swing_up_mw", 0.0)
        below(self.swing_down_mw, "swing_down_mw", 0.0)
        below(self.grid_import_limit_mw, "grid_import_limit_mw", 0.0, strict=True)
        below(self.grid_export_limit_mw, "grid_export_limit_mw", 0.0)
        for group, series in self.availability_frac.items():
            below(series, f"availability_frac[{group}]", 0.0, high=1.0)
        for key, peak in self.month_to_date_peak_mw.items():
            if not isinstance(key, str) or not _MONTH.match(key):
                issues.append(
                    Issue(
                        "month-to-date key is not a month",
                        path=src,
                        field="month_to_date_peak_mw",
                        expected="'YYYY-MM' keys, e.g. '2021-02'",
                        got=repr(key),
                        fix="Key each peak by its local billing month",
                    )
                )
            ok = (
                isinstance(peak, int | float)
                and not isinstance(peak, bool)
                and np.isfinite(peak)
                and 0 <= peak <= 1e9
            )
            if not ok:
                issues.append(
                    Issue(
                        "month-to-date peak out of range",
                        path=src,
                        field=f"month_to_date_peak_mw[{key}]",
                        expected="a finite number of MW >= 0",
                        got=repr(peak),
                        fix="Correct the peak",
                    )
                )
        return issues

    def _consistency_issues(self) -> list[Issue]:
        """Inputs that are valid alone but contradict each other (nothing is silently dropped)."""
        issues: list[Issue] = []
        src = self.source_path
        groups = {g.name: g for g in self.site.battery_groups}
        for name in self.availability_frac:
            if name not in groups:
                issues.append(
                    Issue(
                        "availability series for an unknown battery group",
                        path=src,
                        field=f"availability_frac[{name}]",
                        expected=f"one of {sorted(groups)}",
                        got=repr(name),
                        fix="Name the series after a battery group",
                    )
                )
            elif groups[name].availability_frac != 1.0:
                issues.append(
                    Issue(
                        "availability given twice",
                        path=src,
                        field=f"availability_frac[{name}]",
                        expected="a series or the group's availability_frac, not both",
                        got=f"a series and availability_frac = {groups[name].availability_frac}",
                        fix="Fold the group's availability_frac into the series and leave it at "
                        "1.0",
                    )
                )
        gpu = self.gpu_load_mw
        if gpu is not None:
            g, load = gpu.to_numpy(dtype=float), self.load_mw.to_numpy(dtype=float)
            over = g > load * (1 + 1e-9) + 1e-9
            if over.any():
                t = int(np.argmax(over))
                issues.append(
                    Issue(
                        "GPU load above the site's whole load",
                        path=src,
                        field="gpu_load_mw",
                        timestamp=gpu.index[t].isoformat(),
                        expected="gpu_load_mw <= load_mw (the GPU load is part of the site's load)",
                        got=f"{g[t]:g} MW against load_mw {load[t]:g} MW in {int(over.sum())} "
                        "intervals",
                        fix="Check the two series (units, which is which)",
                    )
                )
        x = self.grid_export_limit_mw
        if x is not None and float(x.max()) > 0 and self.site.export_policy != "allowed":
            issues.append(
                Issue(
                    "export cap series given but the site may not export",
                    path=src,
                    field="grid_export_limit_mw",
                    expected="site.export_policy = 'allowed'",
                    got=f"export_policy = {self.site.export_policy!r}",
                    fix="Allow export on the site or drop the export cap series",
                )
            )
        spec = self.tariff_spec
        comp = spec.export_compensation
        if self.sell_price_usd_per_mwh is not None:
            if comp != "series":
                issues.append(
                    Issue(
                        "sell-price series given but the tariff does not pay it",
                        path=src,
                        field="sell_price_usd_per_mwh",
                        expected="tariff.export_compensation = 'series'",
                        got=repr(comp),
                        fix="Set export_compensation = 'series' on the tariff, or drop the series",
                    )
                )
        elif comp == "series":
            issues.append(
                Issue(
                    "export_compensation = 'series' needs a sell-price series",
                    path=src,
                    field="sell_price_usd_per_mwh",
                    fix="Pass sell_price_usd_per_mwh (or [tariff.sell_price] in the tariff TOML)",
                )
            )
        if not self.has_simple_tariff and self.month_to_date_peak_mw:
            issues.append(
                Issue(
                    "month_to_date_peak_mw applies to the simple tariff only",
                    path=src,
                    field="month_to_date_peak_mw",
                    got=f"tariff-engine tariff {spec.name!r}",
                    fix="Give the peaks as tariff_spec.state.peaks (PeakRecord(month, charge, "
                    "peak_mw))",
                )
            )
        return issues

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
            msg = ""
            raise TimeSeriesError(msg, issues=issues)

    # ----------------------------------------------------------------- builders
    @classmethod
    def from_series(
        cls,
        *,
        name: str,
        site: Site,
        tariff: Tariff | TariffSpec,
        load_mw: pd.Series,
        price_usd_per_mwh: pd.Series | None = None,
        gpu_load_mw: pd.Series | None = None,
        index: pd.DatetimeIndex | None = None,
        options: SolverOptions | None = None,
        notes: tuple[str, ...] = (),
        grid: GridRules | None = None,
        swing_up_mw: pd.Series | None = None,
        swing_down_mw: pd.Series | None = None,
        tariff_spec: TariffSpec | None = None,
        month_to_date_peak_mw: Mapping[str, float] | None = None,
        grid_import_limit_mw: pd.Series | None = None,
        grid_export_limit_mw: pd.Series | None = None,
        sell_price_usd_per_mwh: pd.Series | None = None,
        availability_frac: pd.DataFrame | Mapping[str, pd.Series] | None = None,
    ) -> Scenario:
        """Build a Scenario from pandas Series, resampling each onto one horizon.

        Everything a scenario TOML can say can be said here; what cannot be carried is
        refused with an :class:`~optimizer.errors.InputError`, never dropped. Every
        argument not listed is the Scenario field of that name (see the class docstring);
        each series is resampled onto the horizon and noted.

        Parameters
        ----------
        tariff : Tariff or TariffSpec
            A simple tariff (converted to a TariffSpec here, the same bill), a tariff-engine
            :class:`~optimizer.tariffs.spec.TariffSpec`, or a loaded scenario's ``tariff``.
        price_usd_per_mwh : pandas.Series, optional
            Energy price before the adder [USD/MWh]; required unless a tariff-engine tariff
            prices energy from its schedule alone (then zeros).
        index : pandas.DatetimeIndex, optional
            The horizon; default the load's index, converted to the site's zone.
        grid : GridRules, optional
            Families 8-12; a ``cluster_model`` swing becomes the swing series here.
        tariff_spec : TariffSpec, optional
            The tariff engine's tariff (the same as passing it as ``tariff``).
        month_to_date_peak_mw : mapping of str to float, optional
            Peak import already set per billing month ``YYYY-MM`` [MW] for a simple tariff
            (kept as ``tariff_spec.state``; a TariffSpec holds its own ``state``).
        availability_frac : DataFrame or mapping of str to Series, optional
            Share of units in service per interval [-], one column (or entry) per group.

        Raises
        ------
        InputError, TimeSeriesError
            A series of the wrong type or on a bad index, values out of range, or inputs that
            contradict each other; every problem listed.

        Examples
        --------
        >>> import pandas as pd
        >>> from optimizer.testing import make_unit
        >>> from optimizer import BatteryGroup, Scenario, Site, Tariff
        >>> idx = pd.date_range("2021-02-01", periods=2, freq="1h", tz="America/Chicago")
        >>> site = Site(name="s", timezone="America/Chicago", import_limit_mw=10.0,
        ...             battery_groups=(BatteryGroup(name="b", unit=make_unit(), n_units=1),))
        >>> sc = Scenario.from_series(name="x", site=site, tariff=Tariff(name="t"),
        ...                           load_mw=pd.Series([1.0, 2.0], idx),
        ...                           price_usd_per_mwh=pd.Series([10.0, 50.0], idx))
        >>> sc.n_intervals, sc.interval_min
        (2, 60)
        """
        tariff, tariff_spec = _given_tariff(tariff, tariff_spec)
        groups = _check_arguments(load_mw, price_usd_per_mwh, index, availability_frac, tariff_spec)
        horizon = _horizon(load_mw, index, site.timezone)
        if price_usd_per_mwh is None:
            price_usd_per_mwh = pd.Series(0.0, index=horizon)
        grid = grid or GridRules()
        given = (load_mw, price_usd_per_mwh, gpu_load_mw, swing_up_mw, swing_down_mw)
        given += (grid_import_limit_mw, grid_export_limit_mw, sell_price_usd_per_mwh)
        named = dict(zip(SERIES_FIELDS, given, strict=True))
        named.update({f"availability_frac[{g}]": v for g, v in groups.items()})
        series = _on_horizon(named, horizon, out_notes := list(notes))
        _cluster_swing(grid, series, out_notes)
        return cls(
            name=name,
            site=site,
            tariff=tariff,
            load_mw=series["load_mw"],  # type: ignore[arg-type]
            price_usd_per_mwh=series["price_usd_per_mwh"],  # type: ignore[arg-type]
            gpu_load_mw=series["gpu_load_mw"],
            options=options or SolverOptions(),
            notes=tuple(out_notes),
            grid=grid,
            swing_up_mw=series["swing_up_mw"],
            swing_down_mw=series["swing_down_mw"],
            month_to_date_peak_mw=dict(month_to_date_peak_mw or {}),
            tariff_spec=tariff_spec,
            grid_import_limit_mw=series["grid_import_limit_mw"],
            grid_export_limit_mw=series["grid_export_limit_mw"],
            sell_price_usd_per_mwh=series["sell_price_usd_per_mwh"],
            availability_frac={g: series[f"availability_frac[{g}]"] for g in groups},  # type: ignore[misc]
        )

    def to_dir(self, path: str | Path) -> Path:
        """Write the scenario as TOML plus Parquet that :func:`optimizer.load_scenario` reads back.

        Parameters
        ----------
        path : str or Path
            A folder (created if missing; the files it writes are replaced).

        Returns
        -------
        Path
            The scenario TOML (``<path>/scenario.toml``).

        Raises
        ------
        InputError
            Something the TOML schema cannot say (nothing is dropped silently).
        """
        return write_scenario_dir(self, Path(path))

    def replace(self, **changes: object) -> Scenario:
        """A copy with some fields changed (validated again).

        A new simple ``tariff`` without a ``tariff_spec`` is converted again, keeping the
        month-to-date peaks of the facility charge (unless new ones are given).
        """
        import dataclasses

        new = changes.get("tariff", self.tariff)
        if "tariff_spec" not in changes and new != self.tariff:
            changes["tariff_spec"] = None
            if isinstance(new, Tariff) and not isinstance(new, EngineTariff):
                changes.setdefault("month_to_date_peak_mw", facility_peaks_mw(self.tariff_spec))
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
            self.index,
            field="horizon.interval_min",
            path=self.source_path,
            allowed=ALLOWED_INTERVAL_MIN,
            default_min=60,
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

    def tariff_arrays(self) -> TariffArrays:
        """The tariff's arrays on this horizon (what the LP and the bill read)."""
        return tariff_arrays(
            self.tariff_spec,
            self.index,
            price_usd_per_mwh=self.price_usd_per_mwh,
            sell_price_usd_per_mwh=self.sell_price_usd_per_mwh,
        )

    def availability_array_frac(self, group: str) -> np.ndarray:
        """``a_bt`` of group ``group`` per interval [-]: its series, or its own constant."""
        if group in self.availability_frac:
            return self.availability_frac[group].to_numpy(dtype=float)
        frac = next(g.availability_frac for g in self.site.battery_groups if g.name == group)
        return np.full(self.n_intervals, float(frac))

    def import_price_usd_per_mwh(self) -> np.ndarray:
        """``pi_t``: the tariff's energy price per interval (first tier where tiered) [USD/MWh]."""
        return energy_price_usd_per_mwh(self.tariff_spec, self.index, self.price_usd_per_mwh)

    def export_price_usd_per_mwh(self) -> np.ndarray:
        """``pix_t``: what one exported MWh earns [USD/MWh] (0 when export is not paid)."""
        return export_price_usd_per_mwh(
            self.tariff_spec, self.index, self.price_usd_per_mwh, self.sell_price_usd_per_mwh
        )

    def import_limit_mw(self) -> np.ndarray:
        """``Gimp_t`` [MW]: the series when given (``inf``: no cap), else the site's cap."""
        if self.grid_import_limit_mw is not None:
            return self.grid_import_limit_mw.to_numpy(dtype=float).copy()
        return np.full(self.n_intervals, self.site.import_limit_mw)

    def export_limit_mw(self) -> np.ndarray:
        """``Gexp_t`` [MW]: the series when given, else the site's cap; 0 when the site may not "
        "export."""
        if self.grid_export_limit_mw is not None:
            return self.grid_export_limit_mw.to_numpy(dtype=float).copy()
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
        """Fleet auxiliary load ``sum_b a_bt n_b aux_b`` per interval [MW]."""
        total = np.zeros(self.n_intervals)
        for g in self.site.battery_groups:
            total = total + self.availability_array_frac(g.name) * (g.n_units * g.unit.aux_load_mw)
        return total

    def event_table(self) -> pd.DataFrame:
        """Called events inside the horizon: id, program, start, end, cap [MW], first and last "
        "interval."""
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
        return pd.DataFrame(
            rows, columns=["event_id", "program", "start", "end", "cap_mw", "first", "last"]
        )

    def n_billing_months(self) -> int:
        """Calendar months the horizon touches [-]."""
        return int(self.billing_month().max()) + 1


def _availability_dict(value: object, issues: list[Issue]) -> dict[str, Any]:
    """``availability_frac`` of :meth:`Scenario.from_series` as ``{group: series}``."""
    if value is None:
        return {}
    if isinstance(value, pd.DataFrame):
        return {str(c): value[c] for c in value.columns}
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items()}
    issues.append(
        Issue(
            "availability_frac must be a DataFrame or a mapping of group names to Series",
            field="availability_frac",
            got=type(value).__name__,
            fix="Pass pd.DataFrame({'group': series}) or {'group': series}",
        )
    )
    return {}


# ------------------------------------------------------------- from_series helpers
def _given_tariff(
    tariff: Tariff | TariffSpec, tariff_spec: TariffSpec | None
) -> tuple[Tariff, TariffSpec | None]:
    """``(tariff, tariff_spec)`` of :meth:`Scenario.from_series`: a TariffSpec given as the
    tariff is wrapped in an :class:`EngineTariff`; an EngineTariff lends its spec."""
    if isinstance(tariff, TariffSpec):
        if tariff_spec is not None and tariff_spec != tariff:
            raise InputError(
                issues=[
                    Issue(
                        "two different tariffs given",
                        field="tariff_spec",
                        fix="Pass the TariffSpec once, as tariff",
                    )
                ]
            )
        return EngineTariff(name=tariff.name, spec=tariff), tariff
    if tariff_spec is None and isinstance(tariff, EngineTariff):
        return tariff, tariff.spec
    return tariff, tariff_spec


def _check_arguments(
    load_mw: object,
    price_usd_per_mwh: object,
    index: object,
    availability_frac: object,
    tariff_spec: TariffSpec | None,
) -> dict[str, Any]:
    """The arguments of :meth:`Scenario.from_series` that must be right before any alignment;
    returns ``availability_frac`` as ``{group: series}``."""
    issues = check_input_series(load_mw, name="load_mw")
    if price_usd_per_mwh is None and not (
        tariff_spec is not None and not tariff_spec.energy.uses_market_price
    ):
        issues.append(
            Issue(
                "price_usd_per_mwh missing",
                field="price_usd_per_mwh",
                fix="Pass the energy price series (only a tariff-engine tariff with energy "
                "basis 'schedule' needs none)",
            )
        )
    if index is not None and not isinstance(index, pd.DatetimeIndex):
        issues.append(
            Issue(
                "index is not a DatetimeIndex",
                field="index",
                got=type(index).__name__,
                fix="Pass a tz-aware pandas.DatetimeIndex of interval starts",
            )
        )
    groups = _availability_dict(availability_frac, issues)
    if issues:
        raise InputError(issues=issues)
    return groups


def _horizon(load_mw: pd.Series, index: pd.DatetimeIndex | None, zone: str) -> pd.DatetimeIndex:
    """The horizon of :meth:`Scenario.from_series`: ``index`` (default the load's) in ``zone``."""
    index = load_mw.index if index is None else index
    issues = timeindex.index_issues(
        index, field="index" if index is not load_mw.index else "load_mw"
    )
    if issues:
        raise TimeSeriesError(issues=issues)
    return pd.DatetimeIndex(index).tz_convert(zone).rename("interval_start")


def _on_horizon(
    named: dict[str, Any], horizon: pd.DatetimeIndex, notes: list[str]
) -> dict[str, pd.Series | None]:
    """Each named series checked and resampled onto ``horizon`` (prices as prices, the rest as
    power); notes appended."""
    issues: list[Issue] = []
    for nm, s in named.items():
        if s is not None:
            issues += check_input_series(s, name=nm)
    if issues:
        raise InputError(issues=issues)
    series: dict[str, pd.Series | None] = {}
    for nm, s in named.items():
        if s is None:
            series[nm] = None
            continue
        kind = "price" if nm in ("price_usd_per_mwh", "sell_price_usd_per_mwh") else "power"
        aligned, note = to_horizon(s, horizon, kind=kind, name=nm, allow_inf=nm.startswith("grid_"))  # type: ignore[arg-type]
        series[nm] = aligned
        if note:
            notes.append(note)
    return series


def _cluster_swing(grid: GridRules, series: dict[str, pd.Series | None], notes: list[str]) -> None:
    """Fill the swing series from a ``cluster_model`` swing when none was given."""
    if grid.swing is None or series["swing_up_mw"] is not None:
        return
    if series["swing_down_mw"] is not None:
        return
    sw = grid.swing
    if sw.source != "cluster_model":
        raise InputError(
            issues=[
                Issue(
                    "a telemetry swing needs its series",
                    field="grid.swing",
                    got="source = 'telemetry'",
                    fix="Pass swing_up_mw and swing_down_mw "
                    "(optimizer.loads.swing.swing_from_telemetry makes them), or use "
                    "source = 'cluster_model'",
                )
            ]
        )
    base = series["gpu_load_mw"] if series["gpu_load_mw"] is not None else series["load_mw"]
    series["swing_up_mw"] = (base * sw.up_frac).rename("swing_up_mw")  # type: ignore[operator]
    series["swing_down_mw"] = (base * sw.down_frac).rename("swing_down_mw")  # type: ignore[operator]
    notes.append(
        f"swing: cluster model, up {sw.up_frac:g} and down {sw.down_frac:g} of GPU load "
        f"(assumption)"
    )


def _billed(spec: TariffSpec) -> TariffSpec:
    """``spec`` without its state and price-series source: what two specs must share to bill
    the same (given the same series)."""
    energy = spec.energy.model_copy(update={"price_series": None})
    return spec.model_copy(update={"state": BillingState(), "energy": energy})
