"""``bess-dispatch evaluate``: bill a given schedule, list what it breaks, compare with the optimum."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from optimizer.cli.common import _fail, _money, _parse_time, err
from optimizer.errors import OptimizerError

MAX_ROWS = 20


def evaluate_command(
    scenario: Annotated[str, typer.Argument(help="Scenario TOML or built-in name.")],
    schedule: Annotated[
        Path, typer.Argument(help="Schedule CSV or Parquet (columns: see optimizer.evaluate).")
    ],
    start: Annotated[
        str | None, typer.Option(help="Horizon start (default: the schedule's first interval).")
    ] = None,
    end: Annotated[
        str | None,
        typer.Option(help="Horizon end, exclusive (default: after the schedule's last)."),
    ] = None,
    compare: Annotated[
        bool,
        typer.Option(
            "--compare/--no-compare", help="Also solve the scenario and compare with the optimum."
        ),
    ] = True,
    violations_csv: Annotated[
        Path | None, typer.Option("--violations-csv", help="Write every violation here.")
    ] = None,
) -> None:
    """Bill a given schedule, list every interval it breaks a limit in, compare with the optimum."""
    import pandas as pd

    from optimizer.io import load_scenario
    from optimizer.io.atomic import check_output_file, write_atomic
    from optimizer.results.files import read_schedule
    from optimizer.run.evaluate import evaluate

    try:
        if violations_csv is not None:
            check_output_file(violations_csv)
        frame = read_schedule(schedule)
        stamps = pd.DatetimeIndex(frame.index)
        step = stamps[1] - stamps[0] if len(stamps) > 1 else pd.Timedelta(hours=1)
        t0 = _parse_time(start, "--start") or stamps[0]
        t1 = _parse_time(end, "--end") or stamps[-1] + step
        sc = load_scenario(
            scenario, start=t0, end=t1, interval_min=int(step / pd.Timedelta(minutes=1))
        )
        ev = evaluate(sc, frame)
        optimum = None
        if compare:
            from optimizer.run.optimize import optimize

            optimum = optimize(sc)
        if violations_csv is not None:
            write_atomic(violations_csv, lambda p: ev.violations.to_csv(p, index=False))
    except OptimizerError as exc:
        raise _fail(exc) from None
    table = Table(
        title=f"{sc.name}: {schedule.name}, {sc.index[0].isoformat()}, "
        f"{len(sc.index)} x {sc.interval_min} min"
    )
    for col in ("term", "no battery", "this schedule") + (
        ("optimum", "above optimum") if optimum else ()
    ):
        table.add_column(col, justify="left" if col == "term" else "right")
    costs = ev.compare(optimum) if optimum is not None else ev.costs
    for term in costs.index:
        row = ev.costs.loc[term]
        if (
            term != "total"
            and abs(row["baseline_usd"]) < 0.5
            and abs(row["evaluated_usd"]) < 0.5
            and (optimum is None or abs(optimum.costs.loc[term, "optimized_usd"]) < 0.5)
        ):
            continue
        cells = [f"{term} [USD]", _money(row["baseline_usd"]), _money(row["evaluated_usd"])]
        if optimum is not None:
            cells += [_money(costs.loc[term, "optimal_usd"]), _money(costs.loc[term, "excess_usd"])]
        table.add_row(*cells, style="bold" if term == "total" else None)
    err.print(table)
    v = ev.violations
    if v.empty:
        err.print("[green]feasible[/]: no limit broken (tolerance 1e-6 of the data's scale)")
    else:
        err.print(f"[red]{len(v)} violation(s)[/] in {v['interval_start'].nunique()} interval(s):")
        for (constraint, what), part in v.groupby(["constraint", "what"], sort=False):
            err.print(
                f"  {constraint}: {what}: {len(part)} interval(s), "
                f"worst {part['amount'].max():.6g} {part['unit'].iloc[0]}"
            )
        vt = Table(title=f"first {min(MAX_ROWS, len(v))} of {len(v)}")
        for col in ("interval_start", "family", "constraint", "what", "amount"):
            vt.add_column(col, justify="right" if col in ("family", "amount") else "left")
        for r in v.head(MAX_ROWS).itertuples():
            vt.add_row(
                r.interval_start.isoformat(),
                str(r.family),
                r.constraint,
                r.what,
                f"{r.amount:.6g} {r.unit}",
            )
        err.print(vt)
    for note in ev.notes:
        err.print(f"note: {note}")
