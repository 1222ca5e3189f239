"""The house rules of ``../shared/ARCHITECTURE.md``, enforced: layers, no cycles, a light import.

The import-linter contracts live in ``pyproject.toml`` (``[tool.importlinter]``); imports inside
functions and under ``TYPE_CHECKING`` count, so a lazy import cannot hide a cycle.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "optimizer"
MAX_FUNCTION_LINES = 100


def test_import_linter_contracts_hold() -> None:
    pytest.importorskip("importlinter")
    from importlinter.cli import lint_imports

    code = lint_imports(config_filename=str(REPO / "pyproject.toml"), no_cache=True)
    assert code == 0, (
        "lint-imports found a broken contract; run `lint-imports` from the repository root"
    )


@pytest.mark.parametrize(
    ("statement", "heavy"),
    [
        ("import optimizer", ("pyomo", "scipy", "highspy", "dask", "matplotlib", "plotly")),
        ("import optimizer.tariffs", ("pyomo", "scipy", "highspy", "dask")),
        (
            "import optimizer.cli.app",
            ("pyomo", "scipy", "highspy", "dask", "plotly", "pandas", "numpy", "pydantic"),
        ),
    ],
)
def test_light_imports(statement: str, heavy: tuple[str, ...]) -> None:
    code = f"{statement}\nimport sys\nprint(','.join(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert out.stdout.strip() == "", f"{statement!r} loaded {out.stdout.strip()}"


def test_public_names_resolve() -> None:
    import optimizer

    for name in optimizer.__all__:
        assert getattr(optimizer, name) is not None, name
