"""The built-in ``models/`` and ``data/`` folders, and models by name."""

from __future__ import annotations

import difflib
from importlib import resources
from pathlib import Path

from optimizer.errors import Issue, ModelFileError


def builtin_root() -> Path:
    """Folder holding the built-in ``models/`` and ``data/``.

    Inside an installed wheel they live in ``optimizer/_builtin``; in a source checkout,
    at the repository root.
    """
    packaged = Path(str(resources.files("optimizer"))) / "_builtin"
    if (packaged / "models").is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent.parent


def builtin_scenario(name: str = "default") -> Path:
    """Path of a built-in scenario TOML by name (``default``, ``year-2021``, ...)."""
    return builtin_root() / "models" / "scenarios" / f"{name}.toml"


def list_builtin_scenarios() -> list[str]:
    """Names of the built-in scenarios."""
    return sorted(p.stem for p in (builtin_root() / "models" / "scenarios").glob("*.toml"))


BUILTIN_KINDS = {
    "scenario": "scenarios",
    "study": "studies",
    "tariff": "tariffs",
    "site": "sites",
    "battery": "batteries",
    "cluster": "clusters",
    "program": "programs",
}
"""Built-in model kinds and their folder under ``models/``."""


def list_builtin(kind: str) -> list[str]:
    """Names of the built-in models of ``kind`` (``scenario``, ``study``, ``tariff``, ...)."""
    folder = builtin_root() / "models" / BUILTIN_KINDS[kind]
    return sorted(p.stem for p in folder.glob("*.toml"))


def resolve_model_path(value: str | Path, kind: str, *, option: str | None = None) -> Path:
    """A model file given as a path, or as the name of a built-in model of ``kind``.

    ``value`` is taken as a path when it exists; otherwise as a built-in name
    (``fleet-size`` for a study, ``mlgw-lgs3-tou-style`` for a tariff).

    Raises
    ------
    ModelFileError
        Neither a file nor a built-in name; the message lists the built-in names and the
        nearest one.
    """
    path = Path(value)
    if path.exists():
        return path.resolve()
    if (
        not path.is_absolute() and (builtin_root() / path).is_file()
    ):  # README's models/... outside the clone
        return builtin_root() / path
    named = builtin_root() / "models" / BUILTIN_KINDS[kind] / f"{path.stem}.toml"
    if path.parent == Path() and named.exists():
        return named
    names = list_builtin(kind)
    near = difflib.get_close_matches(path.stem, names, n=1)
    fix = (
        f"Did you mean the built-in {near[0]!r}?"
        if near
        else f"Give the path of a {kind} TOML or a built-in name"
    )
    msg = ""
    raise ModelFileError(
        msg,
        issues=[
            Issue(
                f"{kind} file not found",
                path=str(path),
                field=option,
                expected=f"a {kind} file or a built-in name ({', '.join(names)})",
                got=str(value),
                fix=fix,
            )
        ],
    )


def resolve_data_path(value: str | Path, *, option: str | None = None) -> Path:
    """A data file given as a path, or as the name of a built-in file in ``data/``.

    Raises
    ------
    ModelFileError
        Neither a file nor a built-in data file; lists the built-in files.
    """
    path = Path(value)
    if path.exists():
        return path.resolve()
    named = builtin_root() / "data" / path.name
    if named.is_file():
        return named
    names = sorted(
        p.name
        for p in (builtin_root() / "data").iterdir()
        if p.suffix in (".parquet", ".csv", ".gz")
    )
    near = difflib.get_close_matches(path.name, names, n=1)
    fix = (
        f"Did you mean the built-in {near[0]!r}?"
        if near
        else "Give the path of a CSV or Parquet file"
    )
    msg = ""
    raise ModelFileError(
        msg,
        issues=[
            Issue(
                "data file not found",
                path=str(path),
                field=option,
                expected=f"a file, or a built-in data file ({', '.join(names)})",
                got=str(value),
                fix=fix,
            )
        ],
    )
