"""Fuzzing the loaders: whatever the bytes on disk, loading ends in a Scenario or an InputError.

Hypothesis mutates the shipped TOML models (deleted, duplicated and swapped lines, changed
values and keys, values of the wrong type, random bytes, truncation) and writes random CSV and
Parquet series, then calls :func:`optimizer.io.load_scenario`,
:func:`optimizer.inputs.timeseries.read_series` and :func:`~optimizer.inputs.timeseries.to_horizon`.
Nothing may escape except :class:`optimizer.errors.InputError`: a KeyError, a pandas or pyarrow
error or a raw pydantic ValidationError is a bug in the loader. Bounded (a few hundred examples
per test) and marked ``slow``: run with ``pytest -m slow tests/test_fuzz_loaders.py``.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer.errors import InputError
from optimizer.inputs.timeseries import make_index, read_series, to_horizon
from optimizer.io import builtin_root, load_scenario

pytestmark = pytest.mark.slow

FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
DAY = "start = 2021-02-14T00:00:00-06:00\nend = 2021-02-15T00:00:00-06:00\ninterval_min = {step}"
EVENTS_CSV = (
    "event_id,program,start,end\n"
    "E1,TVA IP30,2021-02-14T06:00:00-06:00,2021-02-14T07:00:00-06:00\n"
    "E2,TVA IP30,2021-02-14T16:00:00-06:00,2021-02-14T18:00:00-06:00\n"
    "E3,TVA IP30,2021-02-14T20:00:00-06:00,2021-02-14T21:00:00-06:00\n"
)

# what each fuzzed file is loaded through
TARGETS = {
    "models/scenarios/default.toml": "default",
    "models/scenarios/grid-stability.toml": "grid-stability",
    "models/scenarios/events.toml": "events",
    "models/scenarios/events.csv": "events",
    "models/sites/memphis-1gw.toml": "default",
    "models/tariffs/miso-arkansas-lmp-tva-demand.toml": "default",
    "models/batteries/megapack2xl-4h.toml": "default",
    "models/clusters/gpu-1m.toml": "default",
    "models/programs/tva-ip30.toml": "events",
    "models/programs/tva-ip5.toml": "grid-stability",
}
TOML_VALUES = [
    '""',
    '"text"',
    "-1",
    "0",
    "-0.0",
    "1e400",
    "nan",
    "inf",
    "-inf",
    "true",
    "[1, 2]",
    "[]",
    "{ a = 1 }",
    "2021-02-14T00:00:00",
    "2021-11-07T01:30:00",
    "2021-02-14",
    "00:30:00",
    "1021-02-14T00:00:00-06:00",
    "9999-12-31T23:59:59Z",
    "99999999999999999999",
    "0x10",
    '"../../data/nope.parquet"',
    '"/"',
    '"."',
    '"reduce_by"',
    '"telemetry"',
    '"generator"',
    '"file"',
    '"allowed"',
    '"fixed"',
    '"kW"',
    "1e-300",
    "7",
]
KINDS = (
    ["value"] * 6 + ["delete"] * 2 + ["key", "swap", "dup", "insert", "bytes", "truncate", "table"]
)
payloads = st.one_of(
    st.sampled_from(TOML_VALUES),
    st.integers(-(10**6), 10**6).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.text(max_size=12).map(json.dumps),  # a TOML basic string
    st.from_regex(r"[a-z_]{1,16}", fullmatch=True),  # a bare key or a misspelt word
    st.text(max_size=12),
)
ops = st.lists(
    st.tuples(st.sampled_from(KINDS), st.integers(0, 10_000), payloads), min_size=1, max_size=4
)


def mutate(text: str, edits: list[tuple[str, int, str]]) -> bytes:
    """Apply ``edits`` (kind, position, payload) to a TOML or CSV text; may return invalid UTF-8."""
    lines = text.splitlines()
    raw: bytes | None = None
    for kind, at, payload in edits:
        i = at % max(1, len(lines))
        line = lines[i] if lines else ""
        if kind == "delete" and lines:
            del lines[i]
        elif kind == "value" and "=" in line:
            lines[i] = line.split("=", 1)[0] + "= " + payload
        elif kind == "value" and "," in line:  # a CSV row: change one cell
            cells = line.split(",")
            cells[at % len(cells)] = payload
            lines[i] = ",".join(cells)
        elif kind == "key" and "=" in line:
            other = [ln.split("=", 1)[0] for ln in lines if "=" in ln]
            lines[i] = (
                (
                    other[at % len(other)]
                    if payload[:1].isdigit()
                    else payload.replace("\n", "") or "x"
                )
                + " ="
                + line.split("=", 1)[1]
            )
        elif kind == "swap" and lines:
            j = (at // 7) % len(lines)
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "dup" and lines:
            lines.insert(i, line)
        elif kind == "insert":
            lines.insert(i, payload)
        elif kind == "table" and line.startswith("["):
            lines[i] = "[" + payload.replace("\n", "") + "]"
        elif kind == "truncate":
            lines = "\n".join(lines)[: at % (len("\n".join(lines)) + 1)].splitlines()
        elif kind == "bytes":
            raw = "\n".join(lines).encode()
            pos = at % (len(raw) + 1)
            raw = (
                raw[:pos]
                + payload.encode("utf-8", "surrogatepass")
                + bytes([at % 256, (at * 7) % 256])
                + raw[pos:]
            )
            lines = raw.decode("utf-8", "replace").splitlines()
    return raw if raw is not None else ("\n".join(lines) + "\n").encode()


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Models and data in a scratch folder, the scenarios cut to one day so each load is quick."""
    root = tmp_path_factory.mktemp("fuzz")
    src = builtin_root()
    for sub in ("scenarios", "sites", "tariffs", "batteries", "clusters", "programs"):
        shutil.copytree(src / "models" / sub, root / "models" / sub)
    shutil.copytree(
        src / "data",
        root / "data",
        ignore=shutil.ignore_patterns("*2022*", "*2024*", "*.py", "*.md"),
    )
    for name, step in (("default", 15), ("grid-stability", 5)):
        p = root / "models" / "scenarios" / f"{name}.toml"
        text = p.read_text()
        head, rest = text.split("[horizon]\n", 1)
        p.write_text(
            head + "[horizon]\n" + DAY.format(step=step) + "\n" + rest[rest.index("\n[load]") :]
        )
    events = (root / "models" / "scenarios" / "default.toml").read_text()
    events += '\n[grid.events]\nprograms = ["../programs/tva-ip30.toml"]\ncalendar = "events.csv"\n'
    (root / "models" / "scenarios" / "events.toml").write_text(events)
    (root / "models" / "scenarios" / "events.csv").write_text(EVENTS_CSV)
    for scenario in ("default", "grid-stability", "events"):  # the unbroken copies load
        load_scenario(root / "models" / "scenarios" / f"{scenario}.toml")
    return root


def _load_or_input_error(call) -> None:
    """Run ``call``: a result or an InputError is fine; anything else fails the test."""
    with contextlib.suppress(InputError):
        call()


@FUZZ
@given(target=st.sampled_from(sorted(TARGETS)), edits=ops)
def test_mutated_models_load_or_raise_input_error(
    root: Path, target: str, edits: list[tuple[str, int, str]]
):
    path = root / target
    original = path.read_bytes()
    try:
        path.write_bytes(mutate(original.decode(), edits))
        _load_or_input_error(
            lambda: load_scenario(root / "models" / "scenarios" / f"{TARGETS[target]}.toml")
        )
    finally:
        path.write_bytes(original)


# ------------------------------------------------------------------------------ series
stamps_text = st.one_of(
    st.sampled_from(
        [
            "2021-02-14T00:00:00-06:00",
            "2021-02-14T00:00:00",
            "2021-03-14T02:30:00-06:00",
            "2021-02-14",
            "0",
            "",
            "NaT",
            "2021-02-14T00:00:00Z",
            "9999-01-01T00:00:00+00:00",
            "x",
        ]
    ),
    st.text(max_size=8),
)
cells = st.one_of(
    st.floats(),
    st.sampled_from(["n/a", "", "1,5", "1e3", "inf", "-", "True"]),
    st.integers(-(10**20), 10**20),
    st.none(),
    st.booleans(),
)


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    """A two-column frame: interval starts (often regular, sometimes broken) and values."""
    n = draw(st.one_of(st.integers(0, 5), st.integers(5, 300)))
    step_s = draw(st.sampled_from([1, 15, 60, 300, 420, 900, 3600, 7200]))
    shift_s = draw(st.one_of(st.sampled_from([0, 0, -900, -3600]), st.integers(-7200, 7200)))
    start = pd.Timestamp("2021-02-14T00:00", tz="America/Chicago") + pd.Timedelta(shift_s, "s")
    stamps: list = list(pd.date_range(start, periods=n, freq=f"{step_s}s"))
    how = draw(
        st.sampled_from(
            ["aware"] * 5 + ["naive", "text", "mixed", "shuffled", "duplicated", "gappy", "numbers"]
        )
    )
    if how == "naive":
        stamps = [s.tz_localize(None) for s in stamps]
    elif how == "text":
        stamps = [draw(stamps_text) for _ in stamps]
    elif how == "mixed" and stamps:
        stamps = [
            s.isoformat() if k % 2 else s.tz_localize(None).isoformat()
            for k, s in enumerate(stamps)
        ]
    elif how == "shuffled":
        stamps = draw(st.permutations(stamps))
    elif how == "duplicated" and stamps:
        stamps = stamps + stamps[: draw(st.integers(1, len(stamps)))]
    elif how == "gappy" and len(stamps) > 2:
        del stamps[draw(st.integers(1, len(stamps) - 2))]
    elif how == "numbers":
        stamps = list(range(len(stamps)))
    clean = st.lists(st.floats(0, 2000), min_size=len(stamps), max_size=len(stamps))
    values = draw(
        st.one_of(
            clean,
            clean,
            st.lists(cells, min_size=len(stamps), max_size=len(stamps)),
            st.just(list(np.linspace(0, 900, len(stamps)))),
        )
    )
    return pd.DataFrame({"interval_start": stamps, "load_mw": values})


@FUZZ
@given(
    frame=frames(),
    fmt=st.sampled_from(["csv", "parquet", "bytes"]),
    junk=st.binary(max_size=64),
    step=st.sampled_from([1, 5, 15, 60]),
    column=st.sampled_from(["load_mw"] * 4 + ["interval_start", "other"]),
)
def test_random_series_read_or_raise_input_error(
    tmp_path_factory: pytest.TempPathFactory,
    frame: pd.DataFrame,
    fmt: str,
    junk: bytes,
    step: int,
    column: str,
):
    folder = tmp_path_factory.mktemp("series", numbered=True)
    path = folder / f"series.{'csv' if fmt != 'parquet' else 'parquet'}"
    if fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "parquet":
        try:
            frame.to_parquet(path)
        except Exception:  # pyarrow cannot store this mix of types; write it as text
            path = path.with_suffix(".csv")
            frame.to_csv(path, index=False)
    else:
        path.write_bytes(junk)
    index = make_index(
        pd.Timestamp("2021-02-14T00:00-06:00"),
        pd.Timestamp("2021-02-14T01:00-06:00"),
        step,
        "America/Chicago",
    )

    def read_and_place() -> None:
        series = read_series(path, column)
        to_horizon(series, index, kind="power", name="load_mw", source=str(path))

    _load_or_input_error(read_and_place)


@FUZZ
@given(frame=frames(), fmt=st.sampled_from(["csv", "parquet"]))
def test_random_load_file_in_a_scenario_loads_or_raises_input_error(
    root: Path, frame: pd.DataFrame, fmt: str
):
    """The same random series as the scenario's load file (unit check, gpu column, horizon)."""
    name = f"fuzz_load.{fmt}"
    frame = frame.assign(gpu_load_mw=frame["load_mw"])
    try:
        frame.to_parquet(root / "data" / name) if fmt == "parquet" else frame.to_csv(
            root / "data" / name, index=False
        )
    except Exception:  # pyarrow cannot store this mix of types: write it as text
        name = "fuzz_load.csv"
        frame.to_csv(root / "data" / name, index=False)
    scenario = root / "models" / "scenarios" / "fuzz-load.toml"
    text = (root / "models" / "scenarios" / "default.toml").read_text()
    text = text.replace("memphis_1gw_site_load_2021_15min.parquet", name).replace(
        "start = 2021-02-14T00:00:00-06:00\nend = 2021-02-15T00:00:00-06:00",
        "start = 2021-02-14T00:00:00-06:00\nend = 2021-02-14T01:00:00-06:00",
    )
    scenario.write_text(text)
    _load_or_input_error(lambda: load_scenario(scenario))
