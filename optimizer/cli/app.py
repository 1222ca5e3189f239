"""``bess-dispatch``: a thin typer shell over the library, one module per command.

Commands import the library inside their bodies, so ``bess-dispatch --help``, ``list``,
``validate`` and ``bill`` never load Pyomo. Exit codes are in :mod:`optimizer.cli.common`.
"""

from __future__ import annotations

import logging

import typer

from optimizer.cli import (
    bill,
    evaluate,
    init,
    operate,
    report,
    resilience,
    run,
    size,
    sweep,
    validate,
)

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Battery dispatch for large AI datacenters (Pyomo + HiGHS).",
)
app.command("run")(run.run)
app.command("validate")(validate.validate)
app.command("list")(validate.list_scenarios)
app.command("report")(report.report_command)
app.command("sweep")(sweep.sweep)
app.command("operate")(operate.operate)
app.command("bill")(bill.bill_command)
app.command("init")(init.init)
app.command("resilience")(resilience.resilience_command)
app.command("evaluate")(evaluate.evaluate_command)
app.command("size")(size.size_command)


def main() -> None:
    """Console-script entry point."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()
