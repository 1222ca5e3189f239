"""``bess-dispatch init``: copy the built-in models and data into a folder, to edit and run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from optimizer.cli.common import EXIT_INPUT, _fail, err
from optimizer.errors import OptimizerError


def init(
    folder: Annotated[
        Path, typer.Argument(help="Folder to create (or an empty one) for the copy.")
    ],
) -> None:
    """Copy the built-in models/ and data/ into FOLDER; the copied scenarios run as they are."""
    import shutil

    from optimizer.io.atomic import check_output_dir
    from optimizer.io.builtin import builtin_root

    clash = [folder / name for name in ("models", "data") if (folder / name).exists()]
    if clash:
        typer.echo(
            f"init: {', '.join(map(str, clash))} already exists; expected a new or empty folder. "
            "Choose another folder, or remove those first (nothing was copied).",
            err=True,
        )
        raise typer.Exit(code=EXIT_INPUT)
    try:
        check_output_dir(folder, option="FOLDER")
    except OptimizerError as exc:
        raise _fail(exc) from None
    root = builtin_root()
    for name in ("models", "data"):
        shutil.copytree(
            root / name, folder / name, ignore=shutil.ignore_patterns("__pycache__", "*.py")
        )
    err.print(f"copied the built-in models and data into {folder}")
    err.print(f"try: bess-dispatch run {folder / 'models' / 'scenarios' / 'default.toml'}")
