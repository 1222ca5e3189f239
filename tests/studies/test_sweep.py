"""What-if studies: spec and case ids, sequential and dask runs, failing cases as rows, resume
after SIGKILL, an external `dask scheduler` with two `dask worker` processes, the CLI and plots."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from optimizer.cli.app import app
from optimizer.errors import ModelFileError, TimeSeriesError
from optimizer.inputs.assets import BatteryGroup
from optimizer.io import builtin_root
from optimizer.studies import TIMING_COLUMNS, Study, expand_study, load_study, read_cases, run_study
from optimizer.studies.cases import (
    case_scenario,
    move_to_year,
    prepare_inputs,
    set_fleet_units,
    week_shift_days,
)
from optimizer.studies.pareto import pareto_front
from optimizer.studies.plots import write_study_plots

REPO = Path(__file__).resolve().parents[2]
ROOT = builtin_root()
DATA = ROOT / "data"
runner = CliRunner()

# Three August days at hourly steps: every case solves in a few hundredths of a second.
TINY_TOML = f"""schema_version = 1
[study]
name = "tiny"
base_scenario = "{ROOT / "models" / "scenarios" / "default.toml"}"
start = 2021-08-02T00:00:00
end = 2021-08-05T00:00:00
interval_min = 60
[study.price_files]
2022 = "{DATA / "miso_rt_lmp_arkansas_hub_2022.parquet"}"
2024 = "{DATA / "miso_rt_lmp_arkansas_hub_2024.parquet"}"
[axes]
fleet_units = [0, 300, 900]
import_limit_mw = [1000.0, 850.0]
price_year = [2022, 2024]
"""


def _write(tmp_path: Path, text: str, name: str = "study.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _results(frame: pd.DataFrame) -> pd.DataFrame:
    """Everything but times, the worker that ran a case and whether it was a warm re-solve
    (warm and cold agree to 1e-6, which the comparisons below allow)."""
    drop = [c for c in (*TIMING_COLUMNS, "solve_mode") if c in frame.columns]
    return frame.drop(columns=drop).reset_index(drop=True)


def _assert_same(a: pd.DataFrame, b: pd.DataFrame, **kw) -> None:
    kw.pop("check_dtype", None)
    pd.testing.assert_frame_equal(a, b, check_dtype=False, rtol=1e-6, atol=1e-3)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Study:
    return load_study(_write(tmp_path_factory.mktemp("tiny"), TINY_TOML))


@pytest.fixture(scope="module")
def tiny_reference(tiny, tmp_path_factory) -> pd.DataFrame:
    """The tiny study run sequentially in this process, into a folder."""
    return run_study(tiny, out_dir=tmp_path_factory.mktemp("ref"), progress=False)


# ------------------------------------------------------------------ spec and ids
def test_case_ids_are_stable_hashes_of_the_inputs(tiny, tmp_path):
    cases = expand_study(tiny)
    assert len(cases) == tiny.n_cases == 12
    assert [c.case_id for c in cases] == [c.case_id for c in expand_study(tiny)]
    assert len({c.case_id for c in cases}) == 12
    # the axes written in another order and 1000 written as an integer: same cases, same ids
    reordered = (
        TINY_TOML.split("[axes]")[0]
        + "[axes]\nprice_year = [2024, 2022]\nimport_limit_mw = [850.0, 1000]\nfleet_units = [900, 300, 0]\n"
    )
    other = expand_study(load_study(_write(tmp_path, reordered)))
    assert {c.case_id: c.values for c in other} == {c.case_id: c.values for c in cases}
    # a pinned id: changing the canonical form would orphan every finished case on disk
    study = Study(
        name="pin",
        base_scenario="default",
        start=dt.datetime(2021, 8, 2),
        end=dt.datetime(2021, 8, 3),
        interval_min=60,
        axes={"fleet_units": (0, 450)},
    )
    pinned = [c.case_id for c in expand_study(study)]
    assert pinned == ["08e7d2f65b204fbd", "cc9eb12e095ab93f"]
    # label, study name and position do not enter the id
    renamed = study.model_copy(update={"name": "other", "axes": {"fleet_units": (450, 0, 900)}})
    assert {c.case_id for c in expand_study(renamed)} >= set(pinned)


def test_price_year_moves_the_dates_and_shifts_the_load_by_whole_weeks(tiny):
    assert week_shift_days(365) == 364
    assert week_shift_days(1096) == 1099  # 2021-08 -> 2024-08: 157 weeks is 3 days off, 156 weeks 4
    assert week_shift_days(0) == 0
    assert move_to_year(dt.datetime(2021, 8, 2), dt.datetime(2021, 8, 5), 2024) == (
        dt.datetime(2024, 8, 2),
        dt.datetime(2024, 8, 5),
    )
    case = next(c for c in expand_study(tiny) if c.values["price_year"] == 2024)
    assert case.load_shift_days == 1099
    base = prepare_inputs(case)
    assert base.index[0] == pd.Timestamp("2024-08-02", tz="America/Chicago")
    assert base.n_intervals == 72
    # load: the 2021 load 1099 days (157 weeks) earlier, same weekday and hour
    source = pd.read_parquet(DATA / "memphis_1gw_site_load_2021_15min.parquet").set_index(
        "interval_start"
    )["load_mw"]
    hourly = source.resample("1h").mean()
    earlier = base.index - pd.Timedelta(days=1099)
    assert (earlier.day_of_week == base.index.day_of_week).all()
    np.testing.assert_allclose(
        base.load_mw.to_numpy(), hourly.loc[earlier].to_numpy(), rtol=0, atol=1e-9
    )
    # prices: the 2024 file on those dates, unchanged
    prices = pd.read_parquet(DATA / "miso_rt_lmp_arkansas_hub_2024.parquet").set_index(
        "interval_start"
    )["lmp_usd_per_mwh"]
    np.testing.assert_array_equal(
        base.price_usd_per_mwh.to_numpy(), prices.loc[base.index].to_numpy()
    )


def test_a_window_the_price_file_does_not_cover_stops_the_study_before_solving(tmp_path):
    text = TINY_TOML.replace("2021-08-02T00:00:00", "2021-07-02T00:00:00").replace(
        "2021-08-05T00:00:00", "2021-07-05T00:00:00"
    )
    with pytest.raises(TimeSeriesError, match="2022-07-03") as info:
        run_study(load_study(_write(tmp_path, text)), out_dir=tmp_path / "out", progress=False)
    assert info.value.issues[0].field == "price_year"
    assert not list((tmp_path / "out" / "cases").glob("*.parquet"))


def test_bad_axes_are_reported_all_at_once(tmp_path):
    text = (
        TINY_TOML.split("[axes]")[0]
        + '[axes]\nfleet_units = [-1]\nprice_year = [2023]\n"sight.import_limit_mw" = [1.0]\n'
    )
    with pytest.raises(ModelFileError) as info:
        load_study(_write(tmp_path, text))
    message = str(info.value)
    assert "fleet_units" in message
    assert "2023" in message
    assert "sight.import_limit_mw" in message
    typo = (
        TINY_TOML.split("[axes]")[0]
        + "[axes]\nsite.battery_groups.0.unit.degradation_cost_usd_per_mhw = [1.0]\n"
    )
    with pytest.raises(ModelFileError, match="degradation_cost_usd_per_mhw"):
        run_study(load_study(_write(tmp_path, typo, "typo.toml")), progress=False)


def test_fleet_units_scales_several_groups_in_proportion(default_scenario):
    site = default_scenario.site
    g = site.battery_groups[0]
    three = site.model_copy(
        update={
            "battery_groups": (
                g,
                g.model_copy(update={"name": "b", "n_units": 300}),
                g.model_copy(update={"name": "c", "n_units": 300}),
            )
        }
    )
    scaled = set_fleet_units(three, 1001)  # 900:300:300 -> 600.6, 200.2, 200.2
    assert [x.n_units for x in scaled.battery_groups] == [601, 200, 200]
    assert [x.n_units for x in set_fleet_units(site, 1234).battery_groups] == [1234]
    assert isinstance(scaled.battery_groups[1], BatteryGroup)


# ------------------------------------------------------------------ running
def test_sequential_run_gives_one_row_per_case_matching_optimize(tiny, tiny_reference, tmp_path):
    from optimizer import optimize

    rows = tiny_reference
    assert len(rows) == 12
    assert rows["case_id"].is_unique
    assert list(rows["position"]) == list(range(12))
    ok = rows[rows["status"] == "optimal"]
    bad = rows[rows["status"] != "optimal"]
    # no battery under an 850 MW cap with a ~900 MW peak: infeasible, a row with the reason
    assert set(map(tuple, bad[["fleet_units", "import_limit_mw"]].to_numpy())) == {(0, 850.0)}
    assert (bad["error_type"] == "InfeasibleError").all()
    assert bad["message"].str.contains("import cap").all()
    assert (ok.loc[ok["fleet_units"] == 0, "savings_usd"].abs() < 1e-6).all()
    assert (ok.loc[ok["fleet_units"] > 0, "savings_usd"] > 0).all()
    for col in (
        "bill_baseline_usd",
        "energy_optimized_usd",
        "demand_savings_usd",
        "peak_import_optimized_mw",
        "equivalent_full_cycles",
        "build_s",
        "solve_s",
    ):
        assert ok[col].notna().all(), col
    # a row is what optimize() returns for the same case
    case = expand_study(tiny)[7]
    result = optimize(case_scenario(case))
    row = rows.set_index("case_id").loc[case.case_id]
    assert row["bill_optimized_usd"] == pytest.approx(result.objective_usd, abs=1e-6)
    assert row["peak_import_optimized_mw"] == pytest.approx(
        result.schedule["grid_import_mw"].max(), abs=1e-9
    )
    # in memory (no folder) gives the same rows
    _assert_same(_results(run_study(tiny, progress=False)), _results(rows), check_dtype=False)
    pngs = write_study_plots(rows, tmp_path, axes=tiny.axis_names)
    assert sorted(p.name for p in pngs) == [
        "heatmap_fleet_units__import_limit_mw.png",
        "pareto_cost_vs_peak.png",
        "savings_vs_fleet.png",
    ]
    assert all(p.stat().st_size > 10_000 for p in pngs)


def test_failing_cases_become_rows_and_never_stop_the_sweep(tmp_path):
    text = (
        TINY_TOML.split("[axes]")[0]
        + """
[[cases]]
label = "fine"
fleet_units = 300
[[cases]]
label = "efficiency above 1"
"site.battery_groups.0.unit.charge_efficiency_frac" = 1.5
[[cases]]
label = "cap below the load, no battery"
fleet_units = 0
import_limit_mw = 500.0
[[cases]]
label = "dearer wear"
fleet_units = 300
site.battery_groups.0.unit.degradation_cost_usd_per_mwh = 40.0
"""
    )
    study = load_study(_write(tmp_path, text))
    rows = run_study(
        study, out_dir=tmp_path / "out", save_schedules=True, progress=False
    ).set_index("label")
    assert rows.loc["fine", "status"] == "optimal"
    assert rows.loc["efficiency above 1", "status"] == "input_error"
    assert rows.loc["efficiency above 1", "error_type"] == "ModelFileError"
    assert "charge_efficiency_frac" in rows.loc["efficiency above 1", "message"]
    assert rows.loc["cap below the load, no battery", "status"] == "infeasible"
    assert rows.loc["dearer wear", "status"] == "optimal"
    assert rows.loc["dearer wear", "savings_usd"] < rows.loc["fine", "savings_usd"]
    assert rows.loc["dearer wear", "degradation_optimized_usd"] > 0
    schedule = pd.read_parquet(rows.loc["fine", "schedule_path"])
    assert len(schedule) == 72
    assert pd.isna(rows.loc["efficiency above 1", "schedule_path"])


@pytest.mark.dask
def test_local_cluster_in_process_gives_the_same_rows(tiny, tiny_reference):
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        rows = run_study(tiny, client, progress=False)
    _assert_same(_results(rows), _results(tiny_reference), check_dtype=False)


RESUME_TOML = TINY_TOML.replace("2021-08-05T00:00:00", "2021-08-09T00:00:00").replace(
    "fleet_units = [0, 300, 900]", "fleet_units = [100, 300, 600, 900]"
)


def test_resume_after_sigkill_skips_finished_cases_and_gives_identical_results(tmp_path):
    study_path = _write(tmp_path, RESUME_TOML)
    study = load_study(study_path)
    n = study.n_cases
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        "-c",
        "from optimizer.cli.app import main; main()",
        "sweep",
        str(study_path),
        "--workers",
        "0",
        "--out",
        str(out),
        "--no-plots",
        "--no-progress",
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        cmd,
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if len(list((out / "cases").glob("*.parquet"))) >= 3:
                break
            time.sleep(0.005)
        os.killpg(proc.pid, signal.SIGKILL)  # the subprocess we started, by its group id
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode() if proc.stderr else ""
    finished = {p: p.stat().st_mtime_ns for p in (out / "cases").glob("*.parquet")}
    assert 3 <= len(finished) < n, "the kill should land mid-way"
    assert not (out / "cases.parquet").exists()
    for p in finished:  # nothing that looks complete is partial
        assert len(pd.read_parquet(p)) == 1

    resumed = run_study(study, out_dir=out, progress=False)
    assert {p: p.stat().st_mtime_ns for p in finished} == finished, "finished cases were redone"
    assert len(list((out / "cases").glob("*.parquet"))) == n
    assert not list((out / "cases").glob(".*"))
    assert len(resumed) == n
    assert resumed["case_id"].is_unique
    fresh = run_study(study, out_dir=tmp_path / "fresh", progress=False)
    _assert_same(_results(resumed), _results(fresh))
    _assert_same(_results(pd.read_parquet(out / "cases.parquet")), _results(fresh))
    _assert_same(_results(read_cases(out, study)), _results(fresh))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.dask
def test_external_dask_scheduler_and_two_workers(tiny, tiny_reference, tmp_path):
    dask_cli = str(Path(sys.executable).parent / "dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    log = (tmp_path / "dask.log").open("wb")
    procs = [
        subprocess.Popen(
            [dask_cli, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    ]
    try:
        for i in range(2):
            procs.append(
                subprocess.Popen(
                    [
                        dask_cli,
                        "worker",
                        address,
                        "--host",
                        "127.0.0.1",
                        "--nthreads",
                        "1",
                        "--no-dashboard",
                        "--no-nanny",
                        "--name",
                        f"w{i}",
                    ],
                    cwd=tmp_path,
                    env=env,
                    stdout=log,
                    stderr=log,
                    start_new_session=True,
                )
            )
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=30)
            worker_pids = set(client.run(os.getpid).values())
        rows = run_study(tiny, address, out_dir=tmp_path / "out", progress=False)
        assert len(worker_pids) == 2
        assert os.getpid() not in worker_pids
        assert {int(w.rsplit(":", 1)[1]) for w in rows["worker"]} <= worker_pids
        _assert_same(_results(rows), _results(tiny_reference), check_dtype=False)
    finally:
        for p in reversed(procs):  # only the processes this test started, by their group ids
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=15)
        log.close()


# ------------------------------------------------------------------ CLI and plots
def test_cli_sweep_writes_cases_and_plots(tmp_path):
    study = _write(
        tmp_path, TINY_TOML.replace("fleet_units = [0, 300, 900]", "fleet_units = [300, 900]")
    )
    result = runner.invoke(
        app,
        ["sweep", str(study), "--workers", "0", "--out", str(tmp_path / "out"), "--no-progress"],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "cases.parquet").exists()
    assert {p.name for p in (tmp_path / "out").glob("*.png")} == {
        "savings_vs_fleet.png",
        "heatmap_fleet_units__import_limit_mw.png",
        "pareto_cost_vs_peak.png",
    }
    assert len(pd.read_parquet(tmp_path / "out" / "cases.parquet")) == 8
    bad = _write(
        tmp_path, TINY_TOML.replace("fleet_units = [0, 300, 900]", "fleet_units = [-5]"), "bad.toml"
    )
    result = runner.invoke(
        app, ["sweep", str(bad), "--workers", "0", "--out", str(tmp_path / "bad")]
    )
    assert result.exit_code == 2
    assert "fleet_units" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(
        app, ["sweep", str(study), "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"]
    )
    assert result.exit_code == 2


def test_pareto_front_ignores_round_off_on_a_binding_cap():
    cost = np.array([10.0, 9.0, 8.0, 8.5, 7.0])
    peak = np.array([850.0, 849.9999999, 900.0, 950.0, 960.0])
    assert pareto_front(cost, peak).tolist() == [False, True, True, False, True]


def test_tou_cases_of_both_price_years_share_one_warm_model(tiny, tiny_reference):
    """The tiny study runs on the default's TOU tariff: August 2022 and 2024 put on-peak blocks
    on other positions, which in the warm model is data (masked rows), so every solved case
    after the first of its structure is a warm re-solve, and warm rows equal cold ones. Two
    structures: with a fleet, and the zero-fleet cases, which hold no swing or reserve headroom."""
    ok = tiny_reference[tiny_reference["status"] == "optimal"]
    assert set(ok["price_year"]) == {2022, 2024}
    assert (ok["solve_mode"] == "cold").sum() == 2
    cold = run_study(tiny, progress=False, warm=False)
    size = [
        "n_constraints",
        "n_variables",
    ]  # the warm model holds masked block rows for every window
    _assert_same(_results(cold).drop(columns=size), _results(tiny_reference).drop(columns=size))
    assert (
        tiny_reference.loc[ok.index, "n_constraints"] > cold.loc[ok.index, "n_constraints"]
    ).all()
