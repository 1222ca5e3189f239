"""Issue 18: every command and Python snippet in README.md is a test, run from outside the clone.

README.md's ```bash blocks are split into commands (``&&`` and line by line, comments dropped)
and its ```python blocks are written to a script; each runs in a subprocess whose current folder
is a fresh temporary folder outside the clone, with the installed CLI (the ``bess-dispatch``
console script next to this interpreter when it works, else
``python -c "from optimizer.cli.app import main; main()"``: ``optimizer.cli.app`` has no
``__main__`` guard, so ``python -m`` would do nothing).

The two install commands (``pip install ...``) are not run; their text is checked instead (the
test command is the one ``.ci/run`` calls). Long commands run shortened by ``--start``/``--end``
(``SHORTEN``) and in full under ``-m slow``; the 96-case sweeps and the README's sweep snippet run
in full under ``-m slow`` and, always, on a two-case, one-day copy of the same study. A README
command or snippet this file does not know fails ``test_every_readme_command_is_covered``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
CI = ROOT / ".ci" / "run"
TIMEOUT_S = 900


# ------------------------------------------------------------------ README parsing
def _blocks(lang: str) -> list[str]:
    return [
        m.group(2)
        for m in re.finditer(r"^```(\w*)\n(.*?)^```", README.read_text(), re.M | re.S)
        if m.group(1) == lang
    ]


def _commands() -> list[str]:
    """Every shell command of the ```bash blocks, in order (``a && b`` gives two)."""
    out = []
    for block in _blocks("bash"):
        for line in block.splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            out += [part.strip() for part in line.split("&&") if part.strip()]
    return [
        c for c in out if not c.startswith("ruff ")
    ]  # the lint steps of the test command (checked against .ci/run)


INSTALL = ["pip install .", 'pip install ".[test]"']
"""The install commands, checked as text, not run."""

SHORTEN = {
    "bess-dispatch run": ["--start", "2021-02-01", "--end", "2021-02-03"],
    "bess-dispatch run grid-stability --report": ["--start", "2021-02-14", "--end", "2021-02-15"],
    "bess-dispatch resilience": [
        "--start",
        "2021-02-01",
        "--end",
        "2021-02-02",
        "--step",
        "30",
    ],  # its default hours include 0.5
    "bess-dispatch resilience --critical training_paused,0.5 --hours 1,2,4": [
        "--start",
        "2021-02-01",
        "--end",
        "2021-02-02",
        "--step",
        "1h",
    ],
    # the last days of February: where the README's operate once ended in exit 3
    "bess-dispatch operate --forecast persistence --window 48h --step 1h --step-data 60": [
        "--start",
        "2021-02-27",
        "--end",
        "2021-03-01",
    ],
}
"""Commands run shortened in the default test run (and in full under ``-m slow``)."""

FAST = [
    "bess-dispatch bill --tariff tva-mlgw-large-tou --load data/memphis_1gw_site_load_2021_15min.parquet --start 2021-02-01 --end 2021-03-01",
]
"""Commands run as written, always."""

SWEEPS = [
    "bess-dispatch sweep models/studies/fleet-size.toml",
    "bess-dispatch sweep models/studies/fleet-size.toml --workers 0",
    "bess-dispatch sweep models/studies/fleet-size.toml --scheduler tcp://10.0.0.5:8786",
]
"""The 96-case study: in full under ``-m slow``; always on a two-case copy (``_tiny_study``)."""

TEST_COMMAND = "pytest"
"""Run by ``.ci/run`` after its install command; this file is part of it."""


# ------------------------------------------------------------------ running
@cache
def _cli() -> list[str]:
    """The installed CLI: the console script if it starts, else the app's ``main`` via ``-c``."""
    script = Path(sys.executable).with_name("bess-dispatch")
    if script.is_file():
        ok = subprocess.run(
            [str(script), "--help"], capture_output=True, text=True, timeout=120, check=False
        )
        if ok.returncode == 0:
            return [str(script)]
    return [sys.executable, "-c", "from optimizer.cli.app import main; main()"]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)  # the installed package, not the clone on the path
    env["COLUMNS"] = "200"  # rich: fewer wrapped lines
    env.setdefault("MPLBACKEND", "Agg")
    return env


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    assert not cwd.resolve().is_relative_to(ROOT.resolve()), "must run outside the clone"
    return subprocess.run(
        argv, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_S, env=_env(), check=False
    )


def _shell(
    command: str, cwd: Path, extra: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    words = shlex.split(command)
    assert words[0] == "bess-dispatch", command
    return _run([*_cli(), *words[1:], *(extra or [])], cwd)


def _ok(res: subprocess.CompletedProcess[str], what: str) -> str:
    text = res.stdout + res.stderr
    assert "Traceback" not in text, text
    assert res.returncode == 0, f"{what}: exit {res.returncode}\n{text[-4000:]}"
    return text


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "user"
    folder.mkdir()
    return folder


# ------------------------------------------------------------------ the README's own text
def test_every_readme_command_is_covered() -> None:
    known = set(SHORTEN) | set(FAST) | set(SWEEPS) | {TEST_COMMAND}
    commands = [c for c in _commands() if not c.startswith("pip install")]
    assert commands, "no commands found in README.md"
    assert set(commands) <= known, (
        f"README commands without a test: {sorted(set(commands) - known)}"
    )
    assert known <= set(commands), (
        f"tests of commands no longer in README.md: {sorted(known - set(commands))}"
    )
    assert len(_blocks("python")) == 2, (
        "a Python snippet was added or removed: add it to test_python_snippet"
    )


def test_install_commands_match_ci_and_the_package() -> None:
    installs = [c for c in _commands() if c.startswith("pip install")]
    assert installs == INSTALL, installs
    ci = CI.read_text()
    command = 'pip install ".[test]" && ruff check . && ruff format --check . && pytest'
    assert command in ci  # the README's second command, verbatim
    assert any(command in block for block in _blocks("bash"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert (
        project["scripts"]["bess-dispatch"] == "optimizer.cli.app:main"
    )  # what `pip install .` puts on the PATH
    assert "test" in project["optional-dependencies"]


# ------------------------------------------------------------------ commands
@pytest.mark.parametrize("command", list(SHORTEN))
def test_readme_command_shortened(command: str, outside: Path) -> None:
    text = _ok(_shell(command, outside, SHORTEN[command]), command)
    _check_outputs(command, outside, text)


@pytest.mark.slow
@pytest.mark.parametrize("command", list(SHORTEN))
def test_readme_command_in_full(command: str, outside: Path) -> None:
    text = _ok(_shell(command, outside), command)
    _check_outputs(command, outside, text)


@pytest.mark.parametrize("command", FAST)
def test_readme_command(command: str, outside: Path) -> None:
    text = _ok(_shell(command, outside), command)
    assert "total" in text
    assert "2021-02" in text
    assert list(outside.iterdir()) == []  # a bill writes nothing without --out


def _check_outputs(command: str, cwd: Path, text: str) -> None:
    words = shlex.split(command)
    if words[1] == "run":
        name = words[2] if len(words) > 2 and not words[2].startswith("-") else "default"
        folder = cwd / "bess-dispatch-out" / name
        for f in ("schedule.parquet", "schedule.csv", "summary.json", "dispatch.png"):
            assert (folder / f).is_file(), f"{folder / f} missing:\n{text[-2000:]}"
        assert ("--report" in words) == (folder / "report.html").is_file()
    elif words[1] == "resilience":
        folder = cwd / "bess-dispatch-out" / "default" / "resilience"
        for f in ("survival.csv", "tradeoff.csv", "survival.png"):
            assert (folder / f).is_file(), f"{folder / f} missing:\n{text[-2000:]}"
    elif words[1] == "operate":
        assert "value of foresight" in text


def test_readme_bill_of_the_run_output(outside: Path) -> None:
    """The README's inline pair: `bess-dispatch run`, then `bill ... --load
    bess-dispatch-out/default/schedule.parquet --column grid_import_mw` (shortened)."""
    _ok(_shell("bess-dispatch run", outside, SHORTEN["bess-dispatch run"] + ["--no-plot"]), "run")
    text = _ok(
        _shell(
            "bess-dispatch bill --tariff tva-mlgw-large-tou --load bess-dispatch-out/default/schedule.parquet --column grid_import_mw",
            outside,
        ),
        "bill",
    )
    assert "HUD block 1" in text
    assert "total" in text


@pytest.mark.parametrize(
    "command", ["bess-dispatch list", "bess-dispatch validate default", "bess-dispatch --help"]
)
def test_readme_inline_commands(command: str, outside: Path) -> None:
    text = _ok(_shell(command, outside), command)
    if command.endswith("list"):
        assert {"default", "year-2021", "grid-stability"} <= {
            line.split("\t")[0] for line in text.splitlines()
        }


# ------------------------------------------------------------------ sweeps
def _tiny_study(cwd: Path) -> None:
    """``models/studies/fleet-size.toml`` in ``cwd``: the built-in study cut to two cases and one day
    (its paths point back at the built-in scenario and price files)."""
    from optimizer.io import builtin_root

    src = builtin_root() / "models" / "studies" / "fleet-size.toml"
    text = src.read_text()
    text = text.replace('"../scenarios/', f'"{src.parent.parent}/scenarios/').replace(
        '"../../data/', f'"{src.parent.parent.parent}/data/'
    )
    text = re.sub(r"start = .*\n", "start = 2021-08-02T00:00:00\n", text, count=1)
    text = re.sub(r"end = .*\n", "end = 2021-08-03T00:00:00\n", text, count=1)
    text = text.split("[axes]")[0] + "[axes]\nfleet_units = [0, 900]\nprice_year = [2022]\n"
    (cwd / "models" / "studies").mkdir(parents=True)
    (cwd / "models" / "studies" / "fleet-size.toml").write_text(text)


def _sweep(command: str, cwd: Path, n_cases: int, *, scheduler: str | None = None) -> None:
    if scheduler is not None:
        command = command.replace("tcp://10.0.0.5:8786", scheduler)
    text = _ok(_shell(command, cwd, ["--no-progress"]), command)
    assert f"{n_cases} cases" in text
    folder = cwd / "bess-sweep-out" / "fleet-size"
    for f in ("cases.parquet", "study.json", "savings_vs_fleet.png"):
        assert (folder / f).is_file(), f"{folder / f} missing:\n{text[-2000:]}"


@pytest.fixture
def scheduler() -> object:
    """A dask scheduler on TCP with one worker process: what `--scheduler tcp://...` expects to find."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, protocol="tcp", dashboard_address=None
    )
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


@pytest.mark.parametrize("command", SWEEPS)
@pytest.mark.dask
def test_readme_sweep_on_a_two_case_copy(
    command: str, outside: Path, request: pytest.FixtureRequest
) -> None:
    """The README's sweep commands as written, on ``models/studies/fleet-size.toml`` cut to two
    cases (the folder holds that copy, as after ``bess-dispatch init``)."""
    _tiny_study(outside)
    address = request.getfixturevalue("scheduler") if "--scheduler" in command else None
    _sweep(command, outside, 2, scheduler=address)


@pytest.mark.slow
@pytest.mark.dask
@pytest.mark.parametrize("command", SWEEPS)
def test_readme_sweep_in_full(command: str, outside: Path, request: pytest.FixtureRequest) -> None:
    """The 96-case study from outside the clone (``models/studies/...`` is the built-in one)."""
    address = request.getfixturevalue("scheduler") if "--scheduler" in command else None
    _sweep(command, outside, 96, scheduler=address)


def test_readme_sweep_scheduler_placeholder_address(outside: Path) -> None:
    """The README's placeholder address, as a user pastes it (where nothing listens, or, as on
    some networks, something that is not dask answers): a clean refusal (exit 2), no traceback,
    nothing written. In-process, with the connect timeout cut to 1 s."""
    from typer.testing import CliRunner

    from optimizer.cli.app import app
    from optimizer.studies import runner as study_runner

    _tiny_study(outside)
    mp = pytest.MonkeyPatch()
    mp.setattr(study_runner, "SCHEDULER_TIMEOUT_S", 1)
    mp.chdir(outside)
    try:
        res = CliRunner().invoke(
            app,
            [
                "sweep",
                "models/studies/fleet-size.toml",
                "--scheduler",
                "tcp://10.0.0.5:8786",
                "--no-progress",
            ],
        )
    finally:
        mp.undo()
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    assert "cannot reach the dask scheduler" in res.output
    assert not (outside / "bess-sweep-out").exists()


# ------------------------------------------------------------------ the ```toml block
def test_readme_resilience_toml_block_validates(tmp_path: Path) -> None:
    """The README's [resilience] table, added to a copy of the default scenario, validates."""
    from optimizer.io import builtin_root, load_scenario

    (block,) = _blocks("toml")
    root = tmp_path / "copy"
    shutil.copytree(builtin_root() / "models", root / "models")
    (root / "data").symlink_to(builtin_root() / "data")
    scenario = root / "models" / "scenarios" / "default.toml"
    scenario.write_text(scenario.read_text() + "\n" + block)
    sc = load_scenario(
        scenario, start=dt.datetime(2021, 2, 1), end=dt.datetime(2021, 2, 2), interval_min=60
    )
    assert sc.resilience is not None
    assert sc.resilience.hours_h == 4


# ------------------------------------------------------------------ Python snippets
def _snippet(i: int) -> str:
    return _blocks("python")[i]


SHORT_LIBRARY = (
    'optimizer.load_scenario("default")',
    'optimizer.load_scenario("default", start=__import__("datetime").datetime(2021, 2, 1), end=__import__("datetime").datetime(2021, 2, 3))',
)
TINY_STUDY = (
    'study = load_study("fleet-size")',
    'study = load_study("fleet-size").model_copy(update={"axes": {"fleet_units": (0, 900), "import_limit_mw": (1000.0,), "price_year": (2022,)}, '
    '"start": __import__("datetime").datetime(2021, 8, 2), "end": __import__("datetime").datetime(2021, 8, 3)})',
)


def _script(code: str, cwd: Path) -> str:
    path = cwd / "snippet.py"
    path.write_text(code)
    return _ok(_run([sys.executable, str(path)], cwd), "snippet")


def test_library_snippet_shortened(outside: Path) -> None:
    code = _snippet(0)
    assert SHORT_LIBRARY[0] in code
    text = _script(code.replace(*SHORT_LIBRARY), outside)
    assert re.search(r"^-?\d+(\.\d+)?(e[+-]?\d+)?$", text.strip().splitlines()[-1]), (
        text
    )  # the savings [USD]


@pytest.mark.slow
def test_library_snippet_in_full(outside: Path) -> None:
    _script(_snippet(0), outside)


@pytest.mark.dask
def test_sweep_snippet_on_a_two_case_study(outside: Path) -> None:
    code = _snippet(1)
    assert 'if __name__ == "__main__":' in code
    assert TINY_STUDY[0] in code
    text = _script(code.replace(*TINY_STUDY), outside)
    assert "savings_usd" in text
    assert (outside / "sweep-out" / "cases.parquet").is_file()


@pytest.mark.slow
@pytest.mark.dask
def test_sweep_snippet_in_full(outside: Path) -> None:
    text = _script(_snippet(1), outside)
    assert "savings_usd" in text
