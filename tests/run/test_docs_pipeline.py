"""The documentation's pipeline page (docs/pipeline.md) is a test: its Python block runs as shown.

A scenario built entirely in Python (time-varying import caps with ``inf``, a sell-price series,
availability per interval, a fixed final SOC) solves, round-trips through files to the same
optimum (the block asserts it), and an operator's schedule is evaluated against the optimum.
"""

from __future__ import annotations

import re
from pathlib import Path

PAGE = Path(__file__).resolve().parents[2] / "docs" / "pipeline.md"


def test_pipeline_page_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) == 1
    code = blocks[0]
    assert len(code.strip().splitlines()) <= 40  # "about 30 lines"
    namespace: dict = {"__name__": "__main__"}
    exec(compile(code, str(PAGE), "exec"), namespace)  # noqa: S102 - the page's own code
    check, result = namespace["check"], namespace["result"]
    assert result.schedule["soc_fraction"].iloc[-1] == __import__("pytest").approx(0.5, abs=1e-6)
    assert not check.is_feasible  # the operator's plan breaks the Wednesday cap and the final SOC
    assert set(check.violations["what"]) == {
        "import above the interconnection cap",
        "terminal energy not reached",
    }
    assert check.compare(result).loc["total", "excess_usd"] > 0
    out = capsys.readouterr().out
    assert "excess_usd" in out
    assert "terminal energy not reached" in out
