"""What every command shares: the stderr console, exit codes, and parsing of option values.

Exit codes: 0 ok; 2 bad input or usage; 3 infeasible or unbounded; 4 other solver
failure; 5 a result check failed; 1 is left to genuine bugs (which show a traceback).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from optimizer.errors import (
    InfeasibleError,
    InputError,
    OptimizerError,
    ResultCheckError,
    SolveError,
    UnboundedError,
)

if TYPE_CHECKING:
    from optimizer.inputs.scenario import Scenario

err = Console(stderr=True)

# Options several commands share, with the same help text.
StartOption = Annotated[
    str | None, typer.Option(help="Horizon start, ISO 8601 (site-local if no offset).")
]
EndOption = Annotated[str | None, typer.Option(help="Horizon end (exclusive), ISO 8601.")]
StepOption = Annotated[str | None, typer.Option(help="Step: 5, 15min, 1h ...")]
EnergyBasisOption = Annotated[
    str | None,
    typer.Option(
        "--energy-basis",
        help="Market exposure of a TOU tariff: market (LMP), schedule (TOU rates) or market_plus_schedule.",
    ),
]

EXIT_INPUT, EXIT_INFEASIBLE, EXIT_SOLVER, EXIT_CHECK = 2, 3, 4, 5


def exit_code(exc: OptimizerError) -> int:
    if isinstance(exc, InputError):
        return EXIT_INPUT
    if isinstance(exc, InfeasibleError | UnboundedError):
        return EXIT_INFEASIBLE
    if isinstance(exc, SolveError):
        return EXIT_SOLVER
    if isinstance(exc, ResultCheckError):
        return EXIT_CHECK
    return 1


def _fail(exc: OptimizerError) -> typer.Exit:
    typer.echo(f"{type(exc).__name__}: {exc}", err=True)
    return typer.Exit(code=exit_code(exc))


def _parse_time(value: str | None, option: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError as exc:
        msg = f"{option}: not an ISO 8601 date-time; expected e.g. 2021-02-14 or 2021-02-14T00:00-06:00, got {value!r}. Correct {option}."
        raise InputError(msg) from exc


def _parse_step(value: str | None, option: str = "--step") -> int | None:
    if value is None:
        return None
    from optimizer.inputs.timeseries import ALLOWED_INTERVAL_MIN

    text = value.strip().lower().removesuffix("min").removesuffix("m")
    try:
        minutes = float(text[:-1]) * 60 if text.endswith("h") else float(text)
    except ValueError as exc:
        msg = f"{option}: expected minutes like 15, 15min or 1h, got {value!r}. Correct {option}."
        raise InputError(msg) from exc
    if minutes not in ALLOWED_INTERVAL_MIN:
        msg = f"{option}: unsupported step; expected one of {ALLOWED_INTERVAL_MIN} min, got {value!r}. Choose a supported step."
        raise InputError(msg)
    return int(minutes)


def _parse_duration(value: str, option: str) -> str:
    import pandas as pd

    try:
        ok = not pd.isna(pd.Timedelta(value))
    except ValueError:
        ok = False
    if not ok:
        msg = f"{option}: not a duration; expected e.g. 48h, 90min or 1d, got {value!r}. Correct {option}."
        raise InputError(msg)
    return value


def _scenario_arg(scenario: str | None) -> str:
    from optimizer.io import builtin_scenario

    return str(builtin_scenario("default")) if scenario is None else scenario


def _load_scenario(
    scenario: str | None,
    start: str | None,
    end: str | None,
    step: str | None,
    *,
    step_option: str = "--step",
    energy_basis: str | None = None,
) -> Scenario:
    """The scenario a command names, over the horizon and step of its options."""
    from optimizer.io import load_scenario  # lazy: --help stays light

    return load_scenario(
        _scenario_arg(scenario),
        start=_parse_time(start, "--start"),
        end=_parse_time(end, "--end"),
        interval_min=_parse_step(step, step_option),
        energy_basis=energy_basis,
    )


def _money(x: float | None) -> str:
    return "-" if x is None else f"${x:,.0f}"


def _aware(ts: dt.datetime, tz: Any) -> Any:
    import pandas as pd

    stamp = pd.Timestamp(ts)
    return stamp.tz_localize(tz) if stamp.tzinfo is None else stamp.tz_convert(tz)
