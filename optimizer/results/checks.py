"""Post-solve checks of ``SPEC.md`` §6 on the schedule we return.

Each check returns a list of :class:`~optimizer.errors.Issue`; :func:`check_solution`
runs them all and raises one :class:`~optimizer.errors.ResultCheckError` listing every
violation. Tolerance: 1e-6 relative to the scale of the data (MW, MWh, USD).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from optimizer.errors import Issue, ResultCheckError
from optimizer.formulation.model_data import ModelData, ramp_steps_mw
from optimizer.results.costs import net_draw_steps_mw
from optimizer.results.extract import Solution
from optimizer.tariffs.evaluate import hud_validity

REL_TOL = 1e-6


@dataclass(frozen=True)
class Tolerances:
    """Absolute tolerances derived from the data's scale."""

    mw: float
    mwh: float
    usd: float

    @classmethod
    def for_data(cls, data: ModelData, objective_usd: float) -> Tolerances:
        """1e-6 of the largest power, energy and cost in the study (at least 1e-6)."""
        scale_mw = max(
            1.0,
            float(np.max(np.abs(data.load_mw))) if data.n_intervals else 1.0,
            sum(float(np.max(g.discharge_max_mw, initial=0)) for g in data.groups),
            sum(float(np.max(g.charge_max_mw, initial=0)) for g in data.groups),
        )
        scale_mwh = max(
            1.0,
            sum(g.energy_capacity_mwh for g in data.groups),
            data.flex.max_backlog_mwh if data.flex else 0.0,
        )
        scale_usd = max(1.0, abs(objective_usd))
        return cls(mw=REL_TOL * scale_mw, mwh=REL_TOL * scale_mwh, usd=REL_TOL * scale_usd)


@dataclass(frozen=True)
class Excess:
    """How far a schedule goes past one limit in every interval (``> tol``: a violation).

    Attributes
    ----------
    family : int
        ``SPEC.md`` §4 family (0: exclusivity, §6).
    constraint : str
        The constraint's name, as in the model (``grid_balance``, ``soc_balance[b]``, ...).
    what : str
        What is wrong, in a few words.
    unit : {"MW", "MWh"}
        Unit of ``amount``.
    amount : numpy.ndarray
        Excess per interval [``unit``]; 0 (or negative) where the limit holds.
    """

    family: int
    constraint: str
    what: str
    unit: str
    amount: np.ndarray

    def mask(self, tol: Tolerances) -> np.ndarray:
        """Intervals where the excess is beyond the tolerance."""
        return self.amount > (tol.mwh if self.unit == "MWh" else tol.mw)


def _first(index: pd.DatetimeIndex, mask: np.ndarray) -> str:
    return index[np.flatnonzero(mask)[0]].isoformat()


def _issues(index: pd.DatetimeIndex, excesses: list[Excess], tol: Tolerances) -> list[Issue]:
    """One issue per violated limit: its first interval, worst amount and count."""
    issues = []
    for e in excesses:
        bad = e.mask(tol)
        if bad.any():
            issues.append(
                Issue(
                    e.what,
                    field=e.constraint,
                    timestamp=index[np.flatnonzero(bad)[0]].isoformat(),
                    expected=f"within {tol.mwh if e.unit == 'MWh' else tol.mw:.3g} {e.unit}",
                    got=f"{float(np.max(e.amount)):.6g} {e.unit} past it at worst, {int(bad.sum())} interval(s)",
                )
            )
    return issues


def excess_balance(data: ModelData, sol: Solution) -> list[Excess]:
    """Family 1: ``g - x + sum(d - c) = L - u - v + w + aux`` (the residual, both signs)."""
    net = sol.fleet("discharge_mw") - sol.fleet("charge_mw")
    demand = data.load_mw - sol.curtailed_mw - sol.deferred_mw + sol.recovered_mw + data.aux_load_mw
    resid = sol.grid_import_mw - sol.grid_export_mw + net - demand
    return [Excess(1, "grid_balance", "power balance violated", "MW", np.abs(resid))]


def excess_battery(data: ModelData, sol: Solution) -> list[Excess]:
    """Families 2-5 for every group: SOC recursion, power and energy limits, terminal band."""
    out = []
    dt = data.interval_h
    n = data.n_intervals
    for gd in data.groups:
        a, b = sol.groups[gd.name], gd.name
        s, c, d = a["soc_mwh"], a["charge_mw"], a["discharge_mw"]
        prev = np.concatenate(([gd.initial_soc_mwh], s[:-1]))
        expect = (
            gd.retention_frac * prev
            + (gd.charge_efficiency_frac * c - d / gd.discharge_efficiency_frac) * dt
        )
        last = np.zeros(n)
        last_max = np.zeros(n)
        if n:
            last[-1] = gd.final_soc_min_mwh - s[-1]
            last_max[-1] = s[-1] - gd.final_soc_max_mwh
        out += [
            Excess(2, f"soc_balance[{b}]", "SOC recursion violated", "MWh", np.abs(s - expect)),
            Excess(3, f"charge_limit[{b}]", "charge above its limit", "MW", c - gd.charge_max_mw),
            Excess(
                3,
                f"discharge_limit[{b}]",
                "discharge above its limit",
                "MW",
                d - gd.discharge_max_mw,
            ),
            Excess(3, f"charge_limit[{b}]", "negative charge", "MW", -c),
            Excess(3, f"discharge_limit[{b}]", "negative discharge", "MW", -d),
            Excess(4, f"energy_limit[{b}]", "SOC below its band", "MWh", gd.soc_min_mwh - s),
            Excess(4, f"energy_limit[{b}]", "SOC above its band", "MWh", s - gd.soc_max_mwh),
            Excess(5, f"soc_terminal[{b}]", "terminal energy not reached", "MWh", last),
            Excess(
                5, f"soc_terminal_max[{b}]", "terminal energy above its target", "MWh", last_max
            ),
        ]
    return out


def excess_grid(data: ModelData, sol: Solution) -> list[Excess]:
    """Families 6 and 11: interconnection caps (``inf``: none) and event caps."""
    g, x = sol.grid_import_mw, sol.grid_export_mw
    with np.errstate(invalid="ignore"):
        out = [
            Excess(
                6,
                "import_limit",
                "import above the interconnection cap",
                "MW",
                np.nan_to_num(g - data.import_limit_mw, neginf=0.0),
            ),
            Excess(
                6,
                "export_limit",
                "export above the interconnection cap",
                "MW",
                np.nan_to_num(x - data.export_limit_mw, neginf=0.0),
            ),
            Excess(6, "import_limit", "negative import", "MW", -g),
            Excess(6, "export_limit", "negative export", "MW", -x),
        ]
        if data.event_cap_mw is not None:
            out.append(
                Excess(
                    11,
                    "event_cap",
                    "import above an event cap",
                    "MW",
                    np.nan_to_num(g - data.event_cap_mw, neginf=0.0),
                )
            )
    return out


def excess_ramp(data: ModelData, g: np.ndarray) -> list[Excess]:
    """Family 8 on the net draw ``g`` [MW per interval]."""
    if data.ramp is None:
        return []
    steps = ramp_steps_mw(data, g)
    return [
        Excess(
            8, "ramp_up", "import rises faster than the ramp limit", "MW", steps - data.ramp.rise_mw
        ),
        Excess(
            8,
            "ramp_down",
            "import falls faster than the ramp limit",
            "MW",
            -steps - data.ramp.fall_mw,
        ),
    ]


def excess_headroom(data: ModelData, sol: Solution) -> list[Excess]:
    """Families 9 and 10: swing plus reserve headroom, and the energy to sustain the reserve."""
    if not data.has_swing:
        return []
    n = data.n_intervals
    up = sum(
        (
            g.discharge_max_mw
            - sol.groups[g.name]["discharge_mw"]
            + sol.groups[g.name]["charge_mw"]
            for g in data.groups
        ),
        np.zeros(n),
    )
    down = sum(
        (
            g.charge_max_mw - sol.groups[g.name]["charge_mw"] + sol.groups[g.name]["discharge_mw"]
            for g in data.groups
        ),
        np.zeros(n),
    )
    wup = data.swing_up_mw if data.swing_up_mw is not None else np.zeros(n)
    wdn = data.swing_down_mw if data.swing_down_mw is not None else np.zeros(n)
    out = [
        Excess(
            9,
            "swing_up",
            "up headroom below swing plus reserve",
            "MW",
            wup + sol.reserve_up_mw - up,
        ),
        Excess(
            9,
            "swing_down",
            "down headroom below swing plus reserve",
            "MW",
            wdn + sol.reserve_down_mw - down,
        ),
    ]
    r = data.reserve
    if r is not None and r.sustain_h > 0 and data.groups:
        s = sol.fleet("soc_mwh")
        etad = min(g.discharge_efficiency_frac for g in data.groups)
        etac = max(g.charge_efficiency_frac for g in data.groups)
        lo = sum(g.soc_min_mwh for g in data.groups)
        hi = sum(g.soc_max_mwh for g in data.groups)
        out += [
            Excess(
                10,
                "reserve_energy_up",
                "stored energy cannot sustain the up reserve",
                "MWh",
                lo - (s - sol.reserve_up_mw * r.sustain_h / etad),
            ),
            Excess(
                10,
                "reserve_energy_down",
                "no room to sustain the down reserve",
                "MWh",
                s + sol.reserve_down_mw * r.sustain_h * etac - hi,
            ),
        ]
    if r is not None:  # family 15: the held up-reserve can reach the grid
        room = sol.grid_import_mw + data.export_limit_mw - sol.grid_export_mw
        out.append(
            Excess(
                15,
                "reserve_deliverable",
                "up reserve above import plus export headroom",
                "MW",
                sol.reserve_up_mw - room,
            )
        )
    return out


def excess_energy_floor(data: ModelData, sol: Solution) -> list[Excess]:
    """Family 14: ``sum_b s[b,t] >= sum_b smin[b] n[b] E[b] + F[t]`` (the ride-through floor,
    the event-readiness floor outside called events, or their elementwise maximum)."""
    f = data.energy_floor
    if f is None:
        return []
    short = f.soc_min_mwh + f.floor_mwh - sol.fleet("soc_mwh")
    what = (
        f"stored energy below the event-readiness floor (a call of up to {f.hours_h:g} h)"
        if f.level == "event readiness"
        else f"stored energy below the ride-through floor ({f.hours_h:g} h of '{f.level}')"
    )
    return [Excess(14, "floor_energy", what, "MWh", short)]


def excess_flexible_load(data: ModelData, sol: Solution) -> list[Excess]:
    """Family 12 and the deferral backlog; deferred energy is conserved."""
    f = data.flex
    if f is None:
        return []
    dt = data.interval_h
    b = sol.backlog_mwh
    prev = np.concatenate(([0.0], b[:-1]))
    end = np.zeros(data.n_intervals)
    if len(b):
        end[-1] = abs(b[-1])
    return [
        Excess(
            12,
            "curtail_limit",
            "curtailment above its limit",
            "MW",
            sol.curtailed_mw - f.curtail_max_mw,
        ),
        Excess(
            12, "defer_limit", "deferral above its limit", "MW", sol.deferred_mw - f.defer_max_mw
        ),
        Excess(
            12,
            "recover_limit",
            "recovery above the GPU rating",
            "MW",
            sol.recovered_mw - f.recover_max_mw,
        ),
        Excess(
            12,
            "flex_floor",
            "curtailed plus deferred below the power floor",
            "MW",
            sol.curtailed_mw + sol.deferred_mw - f.flex_max_mw,
        ),
        Excess(
            12,
            "backlog_balance",
            "backlog recursion violated",
            "MWh",
            np.abs(b - prev - (sol.deferred_mw - sol.recovered_mw) * dt),
        ),
        Excess(12, "backlog_limit", "backlog above its limit", "MWh", b - f.max_backlog_mwh),
        Excess(12, "backlog_end", "deferred energy not recovered by the end", "MWh", end),
    ]


def excess_exclusive(data: ModelData, sol: Solution) -> list[Excess]:
    """SPEC §6: no group both charges and discharges in one interval (the smaller flow) [MW]."""
    return [
        Excess(
            0,
            f"exclusive[{g.name}]",
            "simultaneous charge and discharge",
            "MW",
            np.minimum(sol.groups[g.name]["charge_mw"], sol.groups[g.name]["discharge_mw"]),
        )
        for g in data.groups
    ]


def all_excesses(data: ModelData, sol: Solution, *, exclusive: bool = True) -> list[Excess]:
    """Every limit of every family, on the schedule ``sol`` (the ramp on the net draw ``g - x``)."""
    out = excess_balance(data, sol) + excess_battery(data, sol) + excess_grid(data, sol)
    out += excess_ramp(data, sol.grid_import_mw - sol.grid_export_mw)
    out += (
        excess_headroom(data, sol)
        + excess_flexible_load(data, sol)
        + excess_energy_floor(data, sol)
    )
    if exclusive:
        out += excess_exclusive(data, sol)
    return out


def violations(
    index: pd.DatetimeIndex,
    data: ModelData,
    sol: Solution,
    tol: Tolerances,
    *,
    exclusive: bool = True,
) -> pd.DataFrame:
    """Every violation of every family, one row per (interval, constraint), in time order.

    Columns: ``interval_start``, ``family`` (``SPEC.md`` §4; 0 for exclusivity),
    ``constraint``, ``what``, ``amount`` (how far past the limit) and ``unit``.
    """
    rows = []
    for e in all_excesses(data, sol, exclusive=exclusive):
        for t in np.flatnonzero(e.mask(tol)):
            rows.append((index[t], e.family, e.constraint, e.what, float(e.amount[t]), e.unit))
    frame = pd.DataFrame(
        rows, columns=["interval_start", "family", "constraint", "what", "amount", "unit"]
    )
    return frame.sort_values(["interval_start", "family", "constraint"], kind="stable").reset_index(
        drop=True
    )


def check_balance(
    index: pd.DatetimeIndex, data: ModelData, sol: Solution, tol: Tolerances
) -> list[Issue]:
    """Family 1 holds: ``g - x + sum(d - c) = L - u - v + w + aux``."""
    return _issues(index, excess_balance(data, sol), tol)


def check_soc(
    index: pd.DatetimeIndex, data: ModelData, sol: Solution, tol: Tolerances
) -> list[Issue]:
    """Families 2, 3, 4 and 5 hold for every group."""
    return _issues(index, excess_battery(data, sol), tol)


def check_grid_limits(
    index: pd.DatetimeIndex, data: ModelData, sol: Solution, tol: Tolerances
) -> list[Issue]:
    """Families 6 and 11 hold."""
    return _issues(index, excess_grid(data, sol), tol)


def check_ramp(
    index: pd.DatetimeIndex, data: ModelData, g: np.ndarray, tol: Tolerances
) -> list[Issue]:
    """Family 8 holds."""
    return _issues(index, excess_ramp(data, g), tol)


def check_headroom(
    index: pd.DatetimeIndex, data: ModelData, sol: Solution, tol: Tolerances
) -> list[Issue]:
    """Families 9, 10 and 15 hold."""
    return _issues(index, excess_headroom(data, sol), tol)


def check_energy_floor(
    index: pd.DatetimeIndex, data: ModelData, sol: Solution, tol: Tolerances
) -> list[Issue]:
    """Family 14 holds."""
    return _issues(index, excess_energy_floor(data, sol), tol)


def check_movement(
    index: pd.DatetimeIndex, data: ModelData, sol: Solution, tol: Tolerances
) -> list[Issue]:
    """Family 13 holds, and its cost term is ``mu`` times the draw's total variation.

    ``m+ - m- = Δ(g - x)`` on every ``movement_balance`` row, and ``m+ + m- = |Δ(g - x)|``
    (never both sides at once), so ``cost_movement_usd`` recomputes from the schedule.
    """
    if not data.has_movement or sol.movement_up_mw is None or sol.movement_down_mw is None:
        return []
    steps = net_draw_steps_mw(data, sol.grid_import_mw - sol.grid_export_mw)
    up, down = sol.movement_up_mw, sol.movement_down_mw
    if len(up) != len(steps):
        what = "movement rows do not match the schedule"
        return [Issue(what, field="movement_balance", expected=f"{len(steps)}", got=f"{len(up)}")]
    at = index[len(index) - len(steps) :]
    issues = []
    split = np.abs(up - down - steps)
    both = np.abs(up + down - np.abs(steps))
    for what, bad in (
        ("movement split does not add up to the draw's change", split > 2 * tol.mw),
        ("movement counted on both sides (above mu x total variation)", both > 2 * tol.mw),
        ("negative movement", np.minimum(up, down) < -tol.mw),
    ):
        if bad.any():
            issues.append(Issue(what, field="movement_balance", timestamp=_first(at, bad)))
    return issues


def check_hud_blocks(data: ModelData, sol: Solution) -> list[Issue]:
    """The linear hours-use-of-demand form the LP priced held on the schedule (``SPEC.md`` §9).

    The LP bills an HUD period as ``r_n E + c D``, exact only while ``E >= u D``. A month
    where the optimised schedule's load factor fell below that is refused: its bill by the
    LP is an over-estimate (an upper bound when block rates decline), so the schedule may
    not be the optimum. The independent calculator bills the blocks exactly either way.
    """
    if not data.tariff.hud_blocks:
        return []
    table = hud_validity(data.tariff, sol.grid_import_mw)
    return [
        Issue(
            "hours-use-of-demand blocks: the linear form the LP priced does not hold",
            field=f"tariff.energy ({name})",
            expected=(
                f"energy >= {row.min_energy_mwh:,.6g} MWh (the last bounded block x billing "
                f"demand {row.billed_mw:,.6g} MW of {row.window})"
            ),
            got=f"{row.energy_mwh:,.6g} MWh ({row.hours_use:.4g} h use of demand)",
            fix=(
                "The load factor is too low for the linear HUD form: bill this load with flat "
                "rates for that period (no hud_tiers); `bess-dispatch bill` splits the blocks "
                "exactly"
            ),
        )
        for name, row in table.iterrows()
        if not row.valid
    ]


def check_flexible_load(
    index: pd.DatetimeIndex, data: ModelData, sol: Solution, tol: Tolerances
) -> list[Issue]:
    """Family 12 and the deferral backlog hold; deferred energy is conserved."""
    return _issues(index, excess_flexible_load(data, sol), tol)


def check_costs(terms: pd.Series, objective_usd: float, tol: Tolerances) -> list[Issue]:
    """The cost terms recomputed from the schedule sum to the solver's objective."""
    diff = abs(float(terms["total"]) - objective_usd)
    if diff > max(tol.usd, 1e-6):
        return [
            Issue(
                "cost terms do not sum to the solver objective",
                field="objective_usd",
                expected=f"{objective_usd:.6f} USD",
                got=f"{float(terms['total']):.6f} USD (difference {diff:.6g})",
            )
        ]
    return []


def simultaneous_pairs(data: ModelData, groups: dict, tol: Tolerances) -> list[tuple[str, int]]:
    """(group, interval) pairs that charge and discharge at once beyond the tolerance."""
    pairs = []
    for gd in data.groups:
        a = groups[gd.name]
        both = np.minimum(a["charge_mw"], a["discharge_mw"]) > tol.mw
        pairs.extend((gd.name, int(t)) for t in np.flatnonzero(both))
    return pairs


def check_exclusive(
    index: pd.DatetimeIndex, data: ModelData, sol: Solution, tol: Tolerances
) -> list[Issue]:
    """No interval both charges and discharges."""
    pairs = simultaneous_pairs(data, sol.groups, tol)
    if pairs:
        b, t = pairs[0]
        return [
            Issue(
                "simultaneous charge and discharge",
                field=b,
                timestamp=index[t].isoformat(),
                got=f"{len(pairs)} intervals",
            )
        ]
    return []


def check_against_baseline(
    optimized: pd.Series, baseline: pd.Series, baseline_feasible: bool, tol: Tolerances
) -> list[Issue]:
    """With a feasible baseline (and no terminal target above the initial SOC), the optimised total never exceeds it."""
    if baseline_feasible and optimized["total"] > baseline["total"] + max(
        tol.usd, REL_TOL * abs(baseline["total"])
    ):
        return [
            Issue(
                "optimised bill above the idle-fleet bill",
                field="total_usd",
                expected=f"<= {baseline['total']:.2f}",
                got=f"{optimized['total']:.2f}",
            )
        ]
    return []


def check_solution(
    index: pd.DatetimeIndex,
    data: ModelData,
    sol: Solution,
    terms: pd.Series,
    baseline: pd.Series,
    baseline_feasible: bool,
    objective_usd: float,
    *,
    require_exclusive: bool = True,
) -> None:
    """Run every ``SPEC.md`` §6 check and raise one ResultCheckError listing all failures."""
    tol = Tolerances.for_data(data, objective_usd)
    issues = check_balance(index, data, sol, tol)
    issues += check_soc(index, data, sol, tol)
    issues += check_grid_limits(index, data, sol, tol)
    issues += check_ramp(index, data, sol.grid_import_mw - sol.grid_export_mw, tol)
    issues += check_movement(index, data, sol, tol)
    issues += check_headroom(index, data, sol, tol)
    issues += check_flexible_load(index, data, sol, tol)
    issues += check_energy_floor(index, data, sol, tol)
    issues += check_hud_blocks(data, sol)
    issues += check_costs(terms, objective_usd, tol)
    if require_exclusive:
        issues += check_exclusive(index, data, sol, tol)
    issues += check_against_baseline(terms, baseline, baseline_feasible, tol)
    if issues:
        msg = ""
        raise ResultCheckError(msg, issues=issues)


def baseline_violations(data: ModelData) -> dict[str, int]:
    """How many intervals the no-battery site breaks each hard limit in (counted, not hidden)."""
    g = data.load_mw
    out = {"import_cap": int(np.sum(g > data.import_limit_mw * (1 + REL_TOL)))}
    if data.ramp is not None:
        steps = ramp_steps_mw(data, g)
        out["ramp"] = int(
            np.sum(
                (steps > data.ramp.rise_mw * (1 + REL_TOL))
                | (-steps > data.ramp.fall_mw * (1 + REL_TOL))
            )
        )
    if data.event_cap_mw is not None:
        out["event_cap"] = int(np.sum(g > data.event_cap_mw * (1 + REL_TOL)))
    return out
