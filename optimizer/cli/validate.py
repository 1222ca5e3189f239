"""``bess-dispatch validate`` and ``list``: check a scenario without solving; list the built-in ones."""

from __future__ import annotations

from typing import Annotated

import typer

from optimizer.cli.common import (
    _fail,
    err,
)
from optimizer.errors import OptimizerError


def validate(
    scenario: Annotated[str, typer.Argument(help="Scenario TOML or built-in name.")],
) -> None:
    """Check a scenario and every model and series it names, without solving."""
    from optimizer.formulation.precheck import precheck
    from optimizer.io import load_scenario

    try:
        sc = load_scenario(scenario)
        precheck(sc)
    except OptimizerError as exc:
        raise _fail(exc) from None
    err.print(
        f"[green]ok[/]: {sc.name}: {sc.n_intervals} intervals of {sc.interval_min} min from {sc.index[0].isoformat()}, "
        f"{len(sc.site.battery_groups)} battery group(s), fleet {sc.site.fleet_power_discharge_max_mw:,.0f} MW / "
        f"{sc.site.fleet_energy_capacity_mwh:,.0f} MWh, peak load {sc.load_mw.max():,.1f} MW"
    )


def list_scenarios() -> None:
    """List the built-in scenarios."""
    from optimizer.io import builtin_scenario, list_builtin_scenarios

    for name in list_builtin_scenarios():
        typer.echo(f"{name}\t{builtin_scenario(name)}")
