"""A run with its plot loads no pyplot, and Pyomo still gets its matplotlib."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path


def _run(code: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return out.stdout.strip().splitlines()[-1]


def test_a_run_with_its_plot_loads_no_pyplot_and_no_pyomo_environ(tmp_path: Path) -> None:
    # Pyomo's import hook on matplotlib loads pyplot, pylab and a backend (about 0.2 s), and
    # pyomo.environ loads every solver plugin (about 0.1 s); a default run needs neither.
    # If a Pyomo upgrade renames the hook this fails.
    got = _run(
        f"""
        import sys
        import optimizer
        sc = optimizer.load_scenario("default", end="2021-02-02")
        r = optimizer.optimize(sc)
        r.to_dir({str(tmp_path)!r}, plot=True)
        names = ("matplotlib.figure", "matplotlib.pyplot", "pyomo.core", "pyomo.environ")
        print(sorted(m for m in names if m in sys.modules))
        """
    )
    assert got == "['matplotlib.figure', 'pyomo.core']"
    assert (tmp_path / "dispatch.png").stat().st_size > 10_000


def test_pyomo_still_resolves_its_deferred_matplotlib() -> None:
    got = _run(
        """
        import sys
        import pyomo.core
        from optimizer.results.figure import figure_class
        Figure = figure_class()
        from pyomo.common.dependencies import matplotlib, matplotlib_available
        assert bool(matplotlib_available)
        print(matplotlib.figure.Figure is Figure)
        """
    )
    assert got == "True"


def test_only_the_figure_module_imports_matplotlib_figure() -> None:
    # another direct `import matplotlib.figure` before figure_class() brings Pyomo's hook back
    root = Path(__file__).resolve().parents[2] / "optimizer"
    offenders = []
    for path in root.rglob("*.py"):
        if path.name == "figure.py" and path.parent.name == "results":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(n == "matplotlib.figure" for n in names):
                offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    assert offenders == []
