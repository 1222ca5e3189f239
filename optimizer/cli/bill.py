"""``bess-dispatch bill``: bill a series under a tariff, line by line (no optimisation)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from optimizer.cli.common import (
    _aware,
    _fail,
    _money,
    _parse_time,
    err,
)
from optimizer.errors import OptimizerError


def bill_command(
    tariff: Annotated[
        str,
        typer.Option(
            "--tariff",
            help="Tariff TOML or URDB JSON, or a built-in tariff's name (tva-mlgw-large-tou).",
        ),
    ],
    load: Annotated[
        Path,
        typer.Option("--load", help="CSV/Parquet of grid import: interval_start + a MW column."),
    ],
    column: Annotated[str, typer.Option(help="The MW column.")] = "load_mw",
    timestamp_column: Annotated[
        str, typer.Option(help="The interval-start column.")
    ] = "interval_start",
    start: Annotated[str | None, typer.Option(help="First interval, ISO 8601.")] = None,
    end: Annotated[str | None, typer.Option(help="End (exclusive), ISO 8601.")] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the bill lines as CSV here.")
    ] = None,
) -> None:
    """Bill a load (or import) series under a tariff, month by month and line by line (no optimisation)."""
    from optimizer.inputs.timeseries import read_series
    from optimizer.io.atomic import check_output_file, write_atomic
    from optimizer.io.builtin import resolve_data_path, resolve_model_path
    from optimizer.io.tariff_file import load_tariff_spec
    from optimizer.tariffs import bill as run_bill

    try:
        if out is not None:
            check_output_file(out)
        spec = load_tariff_spec(resolve_model_path(tariff, "tariff", option="--tariff"))
        series = read_series(resolve_data_path(load, option="--load"), column, timestamp_column)
        t0, t1 = _parse_time(start, "--start"), _parse_time(end, "--end")
        if t0 is not None:
            series = series[series.index >= _aware(t0, series.index.tz)]
        if t1 is not None:
            series = series[series.index < _aware(t1, series.index.tz)]
        if (t0 is not None or t1 is not None) and series.empty:
            from optimizer.errors import InputError

            msg = f"--start/--end: no data of {load} in {start or '...'} .. {end or '...'}; expected a window inside the file's data, with --end after --start. Correct --start/--end."
            raise InputError(msg)
        price = None
        src = getattr(spec.energy, "price_series", None)
        if src is not None and spec.energy.basis != "schedule":
            import pandas as pd

            p = read_series(Path(src.path), src.column, src.timestamp_column)
            price = p.reindex(pd.DatetimeIndex(series.index).tz_convert(p.index.tz), method="ffill")
            price.index = series.index
        lines = run_bill(series.rename("import_mw"), spec, price_usd_per_mwh=price)
    except OptimizerError as exc:
        raise _fail(exc) from None
    t = Table(title=f"{spec.name}: bill of {load.name}")
    for col in ("month", "line", "quantity", "rate", "amount"):
        t.add_column(col, justify="right" if col != "line" else "left")
    flat = lines.reset_index() if "month" not in lines.columns else lines
    for row in flat.itertuples():
        t.add_row(
            str(row.month),
            str(row.line),
            f"{row.quantity:,.2f} {row.unit}",
            f"{row.rate:,.2f} {row.rate_unit}",
            _money(row.amount_usd),
        )
    t.add_section()
    t.add_row("total", "", "", "", _money(float(lines["amount_usd"].sum())), style="bold")
    err.print(t)
    for row in flat.itertuples():  # how the HUD blocks were sized and which floors applied
        line = str(row.line)
        if row.note and (line.endswith("HUD block 1") or line.startswith("minimum billing")):
            err.print(f"[dim]{row.month} {line}: {row.note}[/]")
    if out is not None:
        try:
            out.parent.mkdir(parents=True, exist_ok=True)  # check_output_file allowed a new folder
            write_atomic(out, lambda p: flat.to_csv(p, index=False))
        except OptimizerError as exc:
            raise _fail(exc) from None
