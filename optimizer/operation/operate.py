"""Receding-horizon operation: plan on forecasts, commit one step, apply the actuals, repeat.

At every step (for example 1 h) the next ``window`` (for example 48 h) is optimised on the
forecast load and prices, with the state carried forward: each group's SOC, and the peak
import already set in each billing month (so the demand charge is priced at the margin).
The first step of the plan is committed. The actual load is then applied: the battery holds
the planned grid import by covering the deviation within its power and energy limits, and
the grid takes the rest.

End-of-window myopia: every window must end with each group at least at the study's initial
SOC (the ``terminal = "initial"`` rule, the default), so a window never sells the battery
empty because the window happens to end. ``terminal = "none"`` drops the rule (myopic).
When forecast errors have left the fleet so low that a window cannot get back to that SOC
(typically the last, short windows, with the import cap leaving little room to charge), the
window is re-planned with the rule dropped, and the result counts it
(``violations["terminal_relaxed"]``) instead of stopping the run. When the realised load has
left a state from which no plan meets a grid limit (the ramp from the import before, with the
fleet too empty to cover the gap: Winter Storm Uri on a persistence forecast), the window is
re-planned with that limit elastic, broken by the least MW: the fallback order of
:mod:`optimizer.operation.replan`. The roll never stops on an infeasible window; the result
lists every fallback (``fallbacks``) and where and by how much the realised schedule breaks a
hard grid limit (``realised_breaks``).

Windows of one structure are warm re-solves of one persistent model (:class:`WarmSolver`);
the model is rebuilt only when the structure changes (the last, shorter windows, and windows
that cross a month boundary).

Month-to-date peaks are carried in one state, the tariff's ``TariffSpec.state`` (each
window's metered block-average peak per billing month and charge; a simple tariff is a
TariffSpec whose facility charge meters single intervals). Which demand blocks a TOU window holds is data in the warm model (masked rows), so windows of a
TOU tariff re-solve warm too; only the shrinking last windows and month-crossing windows (more
billing windows) are built.

Events are known only from their notice: a window issued before an event's ``start - notice``
does not see it, and a notice arriving inside a committed step cuts the step short so that the
next window, issued when the notice arrives, plans for it (no preparatory move before the
notice). Each window starts its ramp (family 8) and movement (family 13) from the actual net
import of the interval before.

Scope: families 1-7 and event caps are planned and applied. Ramp, swing and reserve are
honoured in the plan (unless a fallback made them elastic); deviations from the forecast are
absorbed by the battery alone, so the actual schedule may break the import and event caps and
the ramp, and the result counts every such break. Curtailment and
deferral are not carried across windows in this version.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from optimizer.errors import InputError
from optimizer.formulation.model_data import ModelData
from optimizer.inputs.scenario import Scenario
from optimizer.operation.breaks import realised_breaks
from optimizer.operation.forecasts import Forecast, by_name, from_frame
from optimizer.operation.replan import FALLBACK_ORDER, Fallback, WindowPlan, plan_window
from optimizer.results.costs import baseline_terms, bill_terms
from optimizer.results.extract import Solution
from optimizer.run.optimize import optimize
from optimizer.run.warm import WarmSolver
from optimizer.solver.highs import on_solve_thread
from optimizer.tariffs.spec import BillingState, PeakRecord


@dataclass(frozen=True)
class OperationResult:
    """What rolling operation did, against perfect foresight on the same actuals.

    Attributes
    ----------
    schedule : pandas.DataFrame
        Actual schedule: load, grid import/export, charge, discharge, SOC, planned import [MW, MWh].
    costs : pandas.DataFrame
        Per term: ``rolling_usd``, ``rolling_perfect_forecast_usd``, ``perfect_foresight_usd``
        (the full-horizon optimum) and ``baseline_usd`` [USD].
    value_of_foresight_usd : float
        Rolling bill on this forecast minus the rolling bill on a perfect forecast, same window
        and step [USD]: what a better forecast is worth; zero for ``"perfect"``.
    window_myopia_usd : float
        Rolling bill on a perfect forecast minus the full-horizon optimum [USD]: the cost of
        planning one window ahead (demand peaks and storage beyond the window are unseen).
    n_solves, n_builds : int
        Windows solved (the forecast run and, unless the forecast is perfect, the
        perfect-forecast reference run), and how many needed a model build [-].
    wall_s : float
        Seconds for the rolling run [s].
    violations : dict
        Intervals where the actual schedule broke a limit (``import_cap``, ``event_cap``,
        ``ramp``), intervals off the plan (``off_plan``), and windows re-planned without the
        terminal rule (``terminal_relaxed``).
    fallbacks : tuple of Fallback
        Every fallback step of the forecast roll, in time order: window, rule, how far the
        plan breaks it (:mod:`optimizer.operation.replan`).
    realised_breaks : dict
        Per grid limit the realised schedule breaks: intervals, largest break [MW] and where
        (:func:`optimizer.operation.breaks.realised_breaks`).
    reference_fallbacks : int
        Fallback steps of the perfect-forecast reference roll [-].
    """

    schedule: pd.DataFrame
    costs: pd.DataFrame
    value_of_foresight_usd: float
    window_myopia_usd: float
    n_solves: int
    n_builds: int
    wall_s: float
    violations: dict[str, int] = field(default_factory=dict)
    forecast: str = ""
    fallbacks: tuple[Fallback, ...] = ()
    realised_breaks: dict[str, Any] = field(default_factory=dict)
    reference_fallbacks: int = 0

    def summary(self) -> dict[str, Any]:
        """Key figures, JSON-ready."""
        return {
            "forecast": self.forecast,
            "bill_rolling_usd": float(self.costs.loc["total", "rolling_usd"]),
            "bill_perfect_foresight_usd": float(self.costs.loc["total", "perfect_foresight_usd"]),
            "bill_baseline_usd": float(self.costs.loc["total", "baseline_usd"]),
            "bill_rolling_perfect_forecast_usd": float(
                self.costs.loc["total", "rolling_perfect_forecast_usd"]
            ),
            "value_of_foresight_usd": self.value_of_foresight_usd,
            "window_myopia_usd": self.window_myopia_usd,
            "n_solves": self.n_solves,
            "n_builds": self.n_builds,
            "wall_s": self.wall_s,
            "solves_per_s": self.n_solves / self.wall_s if self.wall_s > 0 else float("nan"),
            "violations": dict(self.violations),
            "fallbacks": {
                rule: sum(f.rule == rule for f in self.fallbacks) for rule in FALLBACK_ORDER
            },
            "fallback_windows": [f.to_dict() for f in self.fallbacks],
            "largest_planned_break_mw": max((f.break_mw for f in self.fallbacks), default=0.0),
            "realised_breaks": dict(self.realised_breaks),
            "largest_realised_break_mw": max(
                (b["largest_mw"] for b in self.realised_breaks.values()), default=0.0
            ),
            "reference_fallbacks": self.reference_fallbacks,
        }


def _steps(value: str | pd.Timedelta | int, interval_min: int, name: str) -> int:
    if isinstance(value, int):
        return value
    td = pd.Timedelta(value)
    n = td / pd.Timedelta(minutes=interval_min)
    if n != int(n) or n < 1:
        msg = f"--{name}: must be a whole number of {interval_min}-min intervals; got {value}. Use a multiple of the step"
        raise InputError(msg)
    return int(n)


def operate(
    scenario: Scenario,
    forecast: str | Forecast | pd.DataFrame = "persistence",
    *,
    window: str | pd.Timedelta | int = "48h",
    step: str | pd.Timedelta | int = "1h",
    terminal: Literal["initial", "none"] = "initial",
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> OperationResult:
    """Run ``scenario`` in receding-horizon operation on ``forecast`` and compare with perfect foresight.

    Parameters
    ----------
    scenario : Scenario
        The actuals (load and prices) and everything else.
    forecast : str, callable or DataFrame
        ``"perfect"``, ``"persistence"``, ``"persistence-week"``, ``"noisy"``, a function
        ``f(scenario, issue, stop) -> DataFrame`` or a fixed forecast table.
    window, step : str, Timedelta or int
        Optimisation window and committed step (``"48h"``, ``"1h"``, or intervals).
    terminal : {"initial", "none"}
        End-of-window rule (see the module docstring).
    progress : callable, optional
        Called as ``progress(done, total)`` after each step.
    """
    t_start = time.perf_counter()
    name, fc = _forecast(forecast, seed)
    w = _steps(window, scenario.interval_min, "window")
    k = _steps(step, scenario.interval_min, "step")
    if k > w:
        msg = f"--step: the committed step ({step}) is longer than the window ({window}); expected step <= window. Shorten --step or lengthen --window"
        raise InputError(msg)
    full = ModelData.from_scenario(scenario)
    solver = WarmSolver(max_models=8)
    n_windows = int(np.ceil(scenario.n_intervals / k))
    total = n_windows if name == "perfect" else 2 * n_windows
    # the whole roll runs on the library's one-thread HiGHS thread: one hand-off instead of one
    # per window (each costs two thread wake-ups, ~12 ms a solve on a busy 2-core machine)
    rolled = on_solve_thread(
        lambda: _roll(scenario, full, fc, w, k, terminal, solver, progress, 0, total), 1
    )
    # The same rolling procedure on a perfect forecast: the gap to it is what better forecasts
    # are worth (zero for a perfect forecast); its gap to the full-horizon optimum is the cost
    # of planning only one window ahead.
    reference = (
        rolled
        if name == "perfect"
        else on_solve_thread(
            lambda: _roll(
                scenario,
                full,
                by_name("perfect"),
                w,
                k,
                terminal,
                solver,
                progress,
                n_windows,
                total,
            ),
            1,
        )
    )
    return _result(scenario, full, rolled, reference, solver, time.perf_counter() - t_start, name)


@dataclass
class _Rolled:
    """One rolling run: the committed schedule and what was carried."""

    out: dict[str, np.ndarray]
    per_group: dict[str, dict[str, np.ndarray]]
    state: _State


def _roll(
    scenario: Scenario,
    full: ModelData,
    fc: Forecast,
    w: int,
    k: int,
    terminal: str,
    solver: WarmSolver,
    progress: Callable[[int, int], None] | None,
    done: int,
    total: int,
) -> _Rolled:
    """Plan each window on ``fc``, commit ``k`` intervals, apply the actuals, carry the state."""
    n = scenario.n_intervals
    groups = scenario.site.battery_groups
    state = _State(
        soc={g.name: g.initial_soc_mwh for g in groups},
        peaks={(r.month, r.charge): r.peak_mw for r in scenario.tariff_spec.state.peaks},
    )
    out = {
        key: np.zeros(n)
        for key in ("grid_import_mw", "grid_export_mw", "planned_import_mw", "aux_load_mw")
    }
    per_group = {
        g.name: {key: np.zeros(n) for key in ("charge_mw", "discharge_mw", "soc_mwh")}
        for g in groups
    }
    told = notice_positions(scenario)
    issue, i = 0, 0
    while issue < n:
        stop = min(n, issue + w)
        fcast = fc(scenario, issue, stop)
        sub = _window_scenario(scenario, fcast, issue, stop, state, terminal, out, told)
        plan = _solve_window(solver, sub, terminal, state)
        later = [p for p in told.values() if p > issue]
        commit = min(k, n - issue, min(later, default=n) - issue)  # re-plan when a notice arrives
        _apply(
            scenario,
            full,
            issue,
            commit,
            plan.schedule.iloc[:commit],
            state.soc,
            out,
            per_group,
            scenario.interval_h,
        )
        _tariff_peaks(full.tariff, out["grid_import_mw"], issue + commit, state.peaks)
        issue, i = issue + commit, i + 1
        if progress is not None:
            progress(done + i, max(total, done + i))
    return _Rolled(out, per_group, state)


def notice_positions(scenario: Scenario) -> dict[str, int]:
    """Per event id: the first interval whose plan may know the event [position].

    An event of a programme with ``notice_min`` minutes of notice is announced at
    ``start - notice``; the first window issued at or after that instant knows it, and no
    window before does (no preparatory move before the notice).
    """
    notice = {p.name: p.notice_min for p in scenario.grid.programs}
    idx = scenario.index
    out = {}
    for e in scenario.grid.events:
        told = pd.Timestamp(e.start) - pd.Timedelta(minutes=notice[e.program])
        out[e.event_id] = int(np.searchsorted(idx, told.tz_convert(idx.tz), side="left"))
    return out


@dataclass
class _State:
    """What rolling operation carries from one window to the next."""

    soc: dict[str, float]  # each group's SOC [MWh]
    peaks: dict[tuple[str, str], float]  # (month, charge) -> metered peak so far [MW]
    n_solves: int = 0
    n_relaxed: int = 0
    fallbacks: list[Fallback] = field(default_factory=list)


def _forecast(forecast: str | Forecast | pd.DataFrame, seed: int) -> tuple[str, Forecast]:
    """The forecast's name and function."""
    if isinstance(forecast, str):
        return forecast, by_name(forecast, seed=seed)
    if isinstance(forecast, pd.DataFrame):
        return "table", from_frame(forecast)
    return str(getattr(forecast, "__name__", "custom")), forecast


def _window_grid(
    scenario: Scenario, issue: int, out: dict[str, np.ndarray], told: dict[str, int]
) -> Any:
    """The grid rules a window issued at ``issue`` knows: events already announced, and the
    actual net import of the interval before as the ramp's (and movement's) starting point."""
    grid = scenario.grid
    update: dict[str, Any] = {"events": tuple(e for e in grid.events if told[e.event_id] <= issue)}
    if grid.ramp is not None and issue > 0:
        before = float(out["grid_import_mw"][issue - 1] - out["grid_export_mw"][issue - 1])
        update["ramp"] = grid.ramp.model_copy(update={"initial_import_mw": max(0.0, before)})
    return grid.model_copy(update=update)


def _window_scenario(
    scenario: Scenario,
    fcast: pd.DataFrame,
    issue: int,
    stop: int,
    state: _State,
    terminal: str,
    out: dict[str, np.ndarray],
    told: dict[str, int],
) -> Scenario:
    """The scenario of one window: forecast load and prices, SOC, peaks, the import before and the
    events announced so far carried in."""
    groups = tuple(
        g.model_copy(
            update={
                "initial_soc_frac": float(
                    np.clip(
                        state.soc[g.name] / g.energy_capacity_mwh,
                        g.unit.soc_min_frac,
                        g.unit.soc_max_frac,
                    )
                )
                if g.energy_capacity_mwh > 0
                else 0.0,
                "final_soc_min_frac": g.initial_soc_frac
                if terminal == "initial"
                else g.unit.soc_min_frac,
                "final_soc_frac": None,  # a window ends on the rolling rule, not the study's target
                "final_soc_max_frac": None,
            }
        )
        for g in scenario.site.battery_groups
    )
    return scenario.replace(
        name=f"{scenario.name}@{scenario.index[issue].isoformat()}",
        site=scenario.site.model_copy(update={"battery_groups": groups}),
        load_mw=fcast["load_mw"].rename("load_mw"),
        price_usd_per_mwh=fcast["price_usd_per_mwh"].rename("price_usd_per_mwh"),
        gpu_load_mw=None
        if scenario.gpu_load_mw is None
        else scenario.gpu_load_mw.iloc[issue:stop]
        * (fcast["load_mw"] / scenario.load_mw.iloc[issue:stop]).fillna(1.0),
        swing_up_mw=None if scenario.swing_up_mw is None else scenario.swing_up_mw.iloc[issue:stop],
        swing_down_mw=None
        if scenario.swing_down_mw is None
        else scenario.swing_down_mw.iloc[issue:stop],
        source_path=scenario.source_path,
        grid_import_limit_mw=_cut(scenario.grid_import_limit_mw, issue, stop),
        grid_export_limit_mw=_cut(scenario.grid_export_limit_mw, issue, stop),
        sell_price_usd_per_mwh=_cut(scenario.sell_price_usd_per_mwh, issue, stop),
        availability_frac={g: s.iloc[issue:stop] for g, s in scenario.availability_frac.items()},
        tariff_spec=_with_peaks(scenario.tariff_spec, state.peaks),
        grid=_window_grid(scenario, issue, out, told),
    )


def _cut(series: pd.Series | None, issue: int, stop: int) -> pd.Series | None:
    """The window's part of an optional series."""
    return None if series is None else series.iloc[issue:stop]


def _solve_window(solver: WarmSolver, sub: Scenario, terminal: str, state: _State) -> WindowPlan:
    """Solve one window; re-plan it in the fallback order when it cannot be planned
    (:func:`optimizer.operation.replan.plan_window`), counting each fallback."""
    plan = plan_window(solver, sub, terminal)
    state.n_solves += 1
    state.n_relaxed += sum(f.rule == "terminal" for f in plan.fallbacks)
    state.fallbacks.extend(plan.fallbacks)
    return plan


def _solution(rolled: _Rolled, n: int) -> Solution:
    """A rolling run as a :class:`Solution` (no curtailment, deferral or reserve)."""
    zeros = np.zeros(n)
    return Solution(
        grid_import_mw=rolled.out["grid_import_mw"],
        grid_export_mw=rolled.out["grid_export_mw"],
        groups=rolled.per_group,
        curtailed_mw=zeros,
        deferred_mw=zeros,
        recovered_mw=zeros,
        backlog_mwh=zeros,
        reserve_up_mw=zeros,
        reserve_down_mw=zeros,
    )


def _result(
    scenario: Scenario,
    full: ModelData,
    rolled: _Rolled,
    reference: _Rolled,
    solver: WarmSolver,
    wall: float,
    name: str,
) -> OperationResult:
    """The rolling schedule and bill against rolling on a perfect forecast and the full-horizon optimum."""
    n = scenario.n_intervals
    sol = _solution(rolled, n)
    pf = optimize(scenario)
    costs = pd.DataFrame(
        {
            "rolling_usd": bill_terms(full, sol),
            "rolling_perfect_forecast_usd": bill_terms(full, _solution(reference, n)),
            "perfect_foresight_usd": pf.costs["optimized_usd"],
            "baseline_usd": baseline_terms(full),
        }
    )
    costs.index.name = "term"
    out = rolled.out
    schedule = pd.DataFrame(
        {
            "load_mw": full.load_mw,
            "grid_import_mw": out["grid_import_mw"],
            "planned_import_mw": out["planned_import_mw"],
            "grid_export_mw": out["grid_export_mw"],
            "charge_mw": sol.fleet("charge_mw"),
            "discharge_mw": sol.fleet("discharge_mw"),
            "soc_mwh": sol.fleet("soc_mwh"),
            "price_usd_per_mwh": full.import_price_usd_per_mwh,
        },
        index=scenario.index,
    )
    breaks = realised_breaks(scenario.index, full, sol)
    violations = {
        "import_cap": int(np.sum(out["grid_import_mw"] > full.import_limit_mw * (1 + 1e-9))),
        "event_cap": 0
        if full.event_cap_mw is None
        else int(np.sum(out["grid_import_mw"] > full.event_cap_mw * (1 + 1e-9))),
        "off_plan": int(
            np.sum(
                np.abs(out["grid_import_mw"] - out["planned_import_mw"])
                > 1e-6 * max(1.0, float(full.load_mw.max()))
            )
        ),
        # a step cannot rise and fall at once: the two counts add up
        "ramp": sum(breaks.get(k, {}).get("intervals", 0) for k in ("ramp_up", "ramp_down")),
        "terminal_relaxed": rolled.state.n_relaxed,
    }
    total = costs.loc["total"]
    return OperationResult(
        schedule=schedule,
        costs=costs,
        value_of_foresight_usd=float(total["rolling_usd"] - total["rolling_perfect_forecast_usd"]),
        window_myopia_usd=float(
            total["rolling_perfect_forecast_usd"] - total["perfect_foresight_usd"]
        ),
        n_solves=rolled.state.n_solves + (0 if reference is rolled else reference.state.n_solves),
        n_builds=solver.n_builds,
        wall_s=wall,
        violations=violations,
        forecast=str(name),
        fallbacks=tuple(rolled.state.fallbacks),
        realised_breaks=breaks,
        reference_fallbacks=0 if reference is rolled else len(reference.state.fallbacks),
    )


def _with_peaks(spec: Any, peaks: dict[tuple[str, str], float]) -> Any:
    """The tariff spec with the peaks metered so far as its month-to-date state."""
    records = tuple(
        PeakRecord(month=m, charge=c, peak_mw=max(0.0, v)) for (m, c), v in sorted(peaks.items())
    )
    return spec.model_copy(update={"state": BillingState(peaks=records, energy=spec.state.energy)})


def _tariff_peaks(
    arrays: Any, grid_import_mw: np.ndarray, done: int, peaks: dict[tuple[str, str], float]
) -> None:
    """Update the metered peak of every tariff-engine window from the blocks committed so far.

    A block counts once all its intervals are committed (positions < ``done``). Expected-value
    coincident charges are not carried (a documented limit of rolling operation).
    """
    for w in arrays.demand_windows:
        if w.is_expected:
            continue
        full_blocks = w.block_ends <= done
        if not full_blocks.any():
            continue
        avg = w.block_averages_mw(grid_import_mw)[full_blocks]
        key = (w.month, w.charge)
        peaks[key] = max(peaks.get(key, 0.0), float(avg.max()))


def _apply(
    scenario: Scenario,
    full: ModelData,
    issue: int,
    commit: int,
    plan: pd.DataFrame,
    soc: dict[str, float],
    out: dict[str, np.ndarray],
    per_group: dict[str, dict[str, np.ndarray]],
    dt: float,
) -> None:
    """Apply the actual load over the committed intervals; the battery holds the planned import."""
    multi = len(full.groups) > 1
    for j in range(commit):
        t = issue + j
        row = plan.iloc[j]
        planned = float(row["grid_import_mw"]) - float(row["grid_export_mw"])
        need = (
            float(full.load_mw[t] + full.aux_load_mw[t]) - planned
        )  # what the battery must supply net
        net = {}
        for g in full.groups:  # start from the plan's own split
            c = float(row[f"charge_mw_{g.name}"] if multi else row["charge_mw"])
            d = float(row[f"discharge_mw_{g.name}"] if multi else row["discharge_mw"])
            net[g.name] = d - c
        delta = need - sum(net.values())
        for g in full.groups:  # the deviation goes to the groups in order, within limits
            lo = -min(
                g.charge_max_mw[t],
                (g.soc_max_mwh - g.retention_frac * soc[g.name]) / (g.charge_efficiency_frac * dt),
            )
            hi = min(
                g.discharge_max_mw[t],
                (g.retention_frac * soc[g.name] - g.soc_min_mwh) * g.discharge_efficiency_frac / dt,
            )
            want = net[g.name] + delta
            got = float(np.clip(want, min(lo, 0.0), max(hi, 0.0)))
            delta -= got - net[g.name]
            net[g.name] = got
        for g in full.groups:
            c, d = max(-net[g.name], 0.0), max(net[g.name], 0.0)
            soc[g.name] = (
                g.retention_frac * soc[g.name]
                + (g.charge_efficiency_frac * c - d / g.discharge_efficiency_frac) * dt
            )
            per_group[g.name]["charge_mw"][t] = c
            per_group[g.name]["discharge_mw"][t] = d
            per_group[g.name]["soc_mwh"][t] = soc[g.name]
        grid = float(full.load_mw[t] + full.aux_load_mw[t]) - sum(net.values())
        out["grid_import_mw"][t] = max(grid, 0.0)
        out["grid_export_mw"][t] = max(-grid, 0.0)
        out["planned_import_mw"][t] = planned
        out["aux_load_mw"][t] = full.aux_load_mw[t]
