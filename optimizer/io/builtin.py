"""The built-in ``models/`` and ``data/`` folders, and scenarios by name."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


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
