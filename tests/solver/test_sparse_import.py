"""The solver's scipy import does not drag in scipy.stats, and Pyomo still gets its scipy."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return out.stdout.strip()


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


def test_only_the_sparse_module_imports_scipy() -> None:
    # any other direct `import scipy...` in optimizer/ brings Pyomo's hook back
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "optimizer"
    offenders = []
    for path in root.rglob("*.py"):
        if path.name == "sparse.py" and path.parent.name == "solver":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(n == "scipy" or n.startswith("scipy.") for n in names):
                offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    assert offenders == []
