"""Pyomo's import hooks on scipy and matplotlib stay unregistered where the project imports them.

Pyomo registers import callbacks on ``scipy`` (loads scipy.stats, integrate, spatial: about
0.5 s) and on ``matplotlib`` (loads pyplot, pylab and a backend: about 0.2 s).
``optimizer.solver.sparse`` and ``optimizer.results.figure`` unregister them before importing;
any other direct import of the package elsewhere in ``optimizer/`` would bring the hook back.
Pyomo's own deferred imports of both must still resolve.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "optimizer"


def _run(code: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return out.stdout.strip().splitlines()[-1]


def test_a_solve_loads_no_scipy_stats() -> None:
    # Pyomo's import callback on scipy loads scipy.stats/integrate/spatial (about 0.5 s);
    # optimizer.solver.sparse unregisters it. If a Pyomo upgrade renames the hook this fails.
    got = _run(
        """
        import sys
        import optimizer
        sc = optimizer.load_scenario("default", end="2021-02-02")
        r = optimizer.optimize(sc)
        assert r.objective_usd > 0
        print(sorted(m for m in ("scipy.sparse", "scipy.stats", "pyomo.core") if m in sys.modules))
        """
    )
    assert got == "['pyomo.core', 'scipy.sparse']"


def test_pyomo_still_resolves_its_deferred_scipy() -> None:
    got = _run(
        """
        import sys
        from optimizer.solver.sparse import sp
        from pyomo.common.dependencies import scipy, scipy_available
        assert bool(scipy_available)
        print(scipy.sparse is sp, "scipy.stats" in sys.modules)
        """
    )
    assert got == "True True"


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


def _imports(path: Path) -> list[tuple[str, int, int]]:
    """(module, line, line of the first ``figure_class()`` call before it in its function, or 0)."""
    out: list[tuple[str, int, int]] = []

    def visit(node: ast.AST, guard: int) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            calls = [
                n.lineno
                for n in ast.walk(node)
                if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "figure_class"
            ]
            guard = min(calls, default=0)
        if isinstance(node, ast.Import):
            out.extend((a.name, node.lineno, guard) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            out.append((node.module or "", node.lineno, guard))
        for child in ast.iter_child_nodes(node):
            visit(child, guard)

    visit(ast.parse(path.read_text()), 0)
    return out


@pytest.mark.parametrize(
    ("hooked", "owner"),
    [("scipy", "solver/sparse.py"), ("matplotlib", "results/figure.py")],
)
def test_only_the_owner_imports_the_hooked_package(hooked: str, owner: str) -> None:
    # any import of the package (``import matplotlib``, ``from matplotlib import pyplot``,
    # ``import matplotlib.ticker``) fires the hook, except one that follows figure_class()
    # in the same function: by then the hook is gone
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in ROOT.rglob("*.py")
        if path.relative_to(ROOT).as_posix() != owner
        for name, line, guard in _imports(path)
        if (name == hooked or name.startswith(hooked + "."))
        and not (hooked == "matplotlib" and 0 < guard < line)
    ]
    assert offenders == []
