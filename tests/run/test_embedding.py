"""Issue 23: a planning pipeline's inputs from Python, files that travel, and a given schedule
evaluated. Known answers are derived in each docstring (1 h steps, load and prices per hour)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import optimizer
from optimizer import BatteryGroup, InputError, Scenario, Site, Tariff, load_scenario, optimize
from optimizer.inputs.tariff import FACILITY_CHARGE, facility_peaks_mw, spec_from_tariff
from optimizer.tariffs.spec import PeakRecord
from optimizer.testing import ATOL_USD, make_index, make_unit

TZ = "America/Chicago"


def _site(group: BatteryGroup, *, import_limit_mw: float = 100.0, export_mw: float = 0.0) -> Site:
    return Site(
        name="s",
        timezone=TZ,
        battery_groups=(group,),
        import_limit_mw=import_limit_mw,
        export_limit_mw=export_mw,
        export_policy="allowed" if export_mw > 0 else "none",
    )


def _scenario(group, load, price, **kw) -> Scenario:
    idx = make_index(len(load))
    series = {k: pd.Series(v, idx) for k, v in kw.pop("series", {}).items()}
    avail = {k: pd.Series(v, idx) for k, v in kw.pop("availability", {}).items()}
    return Scenario.from_series(
        name="t",
        site=kw.pop("site", None) or _site(group),
        tariff=kw.pop("tariff", Tariff(name="t")),
        load_mw=pd.Series(load, idx, dtype=float),
        price_usd_per_mwh=pd.Series(price, idx, dtype=float),
        availability_frac=avail or None,
        **series,
        **kw,
    )


# ------------------------------------------------------------------------- final SOC
LOSSY = make_unit(
    power_mw=1.0, energy_mwh=1.0, charge_efficiency_frac=0.9, discharge_efficiency_frac=0.9
)


@pytest.mark.parametrize(
    ("final", "expected_usd", "end_mwh"),
    [
        # end full: store 0.5 MWh more, i.e. charge 0.5/0.9 MW in the 10 USD hour: 10 (1 + 5/9) + 50
        ({"final_soc_frac": 1.0}, 10 * (1 + 5 / 9) + 50, 1.0),
        # end empty: fill at 10 (5/9 MW) and sell the full 1 MWh * 0.9 in the 50 USD hour
        ({"final_soc_frac": 0.0}, 10 * (1 + 5 / 9) + 50 * (1 - 0.9), 0.0),
        ({"final_soc_frac": "free"}, 10 * (1 + 5 / 9) + 50 * (1 - 0.9), 0.0),
        # default (SPEC 5): at least the initial 0.5 MWh, so only 0.45 MW is discharged
        ({}, 10 * (1 + 5 / 9) + 50 * (1 - 0.45), 0.5),
        # a band [0.6, 0.7]: the lower side binds, 0.4 MWh * 0.9 = 0.36 MW discharged
        (
            {"final_soc_min_frac": 0.6, "final_soc_max_frac": 0.7},
            10 * (1 + 5 / 9) + 50 * (1 - 0.36),
            0.6,
        ),
    ],
)
def test_final_soc_known_answers(final, expected_usd, end_mwh):
    """1 MW / 1 MWh, 90 % each way, starts at 0.5 MWh; load 1 MW; prices 10 then 50 USD/MWh."""
    group = BatteryGroup(name="b", unit=LOSSY, n_units=1, initial_soc_frac=0.5, **final)
    result = optimize(_scenario(group, [1, 1], [10, 50]))
    assert result.objective_usd == pytest.approx(expected_usd, abs=1e-6)
    assert result.schedule["soc_mwh"].iloc[-1] == pytest.approx(end_mwh, abs=1e-6)


def test_final_soc_target_from_above_is_reached_or_refused():
    """A target below what discharging flat out can reach is named before solving: 0.5 MW for an
    hour at 90 % takes 0.5 / 0.9 = 0.556 MWh out of 1 MWh, so 0.444 MWh is the lowest end."""
    slow = make_unit(
        power_mw=0.5, energy_mwh=1.0, charge_efficiency_frac=0.9, discharge_efficiency_frac=0.9
    )
    group = BatteryGroup(name="b", unit=slow, n_units=1, initial_soc_frac=1.0, final_soc_frac=0.0)
    with pytest.raises(optimizer.InfeasibleError, match="final_soc_max_frac"):
        optimize(_scenario(group, [1], [10]))


def test_final_soc_options_are_exclusive():
    with pytest.raises(ValueError, match="excludes final_soc_min_frac"):
        BatteryGroup(name="b", unit=LOSSY, n_units=1, final_soc_frac=0.5, final_soc_min_frac=0.4)
    with pytest.raises(ValueError, match="band is empty"):
        BatteryGroup(
            name="b", unit=LOSSY, n_units=1, final_soc_min_frac=0.6, final_soc_max_frac=0.5
        )


# ------------------------------------------------------------- caps, availability, sell price
IDEAL = make_unit(power_mw=1.0, energy_mwh=1.0)


def test_time_varying_import_cap_known_answer():
    """Load 10 MW, prices 50 then 10, an empty 1 MW / 1 MWh battery. The site cap is 10 MW, the
    series lifts it (inf) in hour 0 and lowers it to 9.5 MW in hour 1: the battery must buy
    0.5 MWh at 50 to cover hour 1: 10.5 x 50 + 9.5 x 10 = 620 USD (600 USD without the series)."""
    group = BatteryGroup(
        name="b", unit=IDEAL, n_units=1, initial_soc_frac=0.0, final_soc_frac="free"
    )
    site = _site(group, import_limit_mw=10.0)
    assert optimize(_scenario(group, [10, 10], [50, 10], site=site)).objective_usd == pytest.approx(
        600.0
    )
    capped = _scenario(
        group, [10, 10], [50, 10], site=site, series={"grid_import_limit_mw": [np.inf, 9.5]}
    )
    result = optimize(capped)
    assert result.objective_usd == pytest.approx(620.0, abs=ATOL_USD)
    assert result.schedule["grid_import_mw"].tolist() == pytest.approx([10.5, 9.5])
    assert result.schedule["import_cap_mw"].tolist() == [np.inf, 9.5]


def test_availability_per_interval_known_answer():
    """Prices 10 then 50, load 1 MW, an empty 1 MW / 1 MWh battery with 0.1 MW of aux per unit in
    service. A quarter of it is in service in hour 1, so it discharges 0.25 MW there (bought at 10):
    import 1.25 + 0.1 aux at 10 and 0.75 + 0.025 aux at 50: 13.5 + 38.75 = 52.25 USD."""
    unit = make_unit(power_mw=1.0, energy_mwh=1.0, aux_load_mw=0.1)
    group = BatteryGroup(name="b", unit=unit, n_units=1, initial_soc_frac=0.0)
    result = optimize(_scenario(group, [1, 1], [10, 50], availability={"b": [1.0, 0.25]}))
    assert result.objective_usd == pytest.approx(52.25, abs=ATOL_USD)
    assert result.schedule["aux_load_mw"].tolist() == pytest.approx([0.1, 0.025])
    assert result.schedule["discharge_mw"].iloc[1] == pytest.approx(0.25)


def test_sell_price_series_and_export_cap_known_answer():
    """No load, prices 10 then 50, export paid 0 then 40 USD/MWh and capped at 0 then 0.5 MW: the
    empty 1 MW / 1 MWh battery buys 0.5 MWh at 10 and sells it at 40: 5 - 20 = -15 USD."""
    group = BatteryGroup(name="b", unit=IDEAL, n_units=1, initial_soc_frac=0.0)
    sc = _scenario(
        group,
        [0, 0],
        [10, 50],
        site=_site(group, export_mw=5.0),
        tariff=Tariff(name="t", export_compensation="series"),
        series={"sell_price_usd_per_mwh": [0.0, 40.0], "grid_export_limit_mw": [0.0, 0.5]},
    )
    assert optimize(sc).objective_usd == pytest.approx(-15.0, abs=ATOL_USD)


def test_contradictions_are_refused():
    group = BatteryGroup(name="b", unit=IDEAL, n_units=1, availability_frac=0.5)
    with pytest.raises(InputError, match="availability given twice"):
        _scenario(group, [1, 1], [10, 50], availability={"b": [1.0, 1.0]})
    with pytest.raises(InputError, match="unknown battery group"):
        _scenario(
            group.model_copy(update={"availability_frac": 1.0}),
            [1, 1],
            [10, 50],
            availability={"x": [1.0, 1.0]},
        )
    with pytest.raises(InputError, match="does not pay it"):
        _scenario(group, [1, 1], [10, 50], series={"sell_price_usd_per_mwh": [1.0, 1.0]})
    with pytest.raises(InputError, match="may not export"):
        _scenario(group, [1, 1], [10, 50], series={"grid_export_limit_mw": [1.0, 1.0]})
    with pytest.raises(optimizer.TimeSeriesError, match="NaN"):
        _scenario(group, [1, 1], [10, 50], series={"grid_import_limit_mw": [np.nan, 1.0]})


# ------------------------------------------------------------------------- round trip
def _everything() -> Scenario:
    """A scenario built in Python with every embedding input, over a DST change (23 h day)."""
    idx = pd.date_range(
        pd.Timestamp("2021-03-13", tz=TZ),
        pd.Timestamp("2021-03-15", tz=TZ),
        freq="15min",
        inclusive="left",
    )
    t = np.arange(len(idx))
    unit = make_unit(
        power_mw=1.0,
        energy_mwh=4.0,
        charge_efficiency_frac=0.95,
        discharge_efficiency_frac=0.95,
        aux_load_mw=0.002,
        degradation_cost_usd_per_mwh=3.0,
    )
    groups = (
        BatteryGroup(name="east", unit=unit, n_units=20, initial_soc_frac=0.5, final_soc_frac=0.8),
        BatteryGroup(
            name="west",
            unit=unit,
            n_units=10,
            initial_soc_frac=0.5,
            final_soc_min_frac=0.3,
            final_soc_max_frac=0.6,
        ),
    )
    site = Site(
        name="pipeline",
        timezone=TZ,
        battery_groups=groups,
        import_limit_mw=60.0,
        export_limit_mw=10.0,
        export_policy="allowed",
    )
    tariff = Tariff(
        name="lmp",
        demand_charge_usd_per_mw=9000.0,
        fixed_charge_usd_per_month=100.0,
        export_compensation="series",
    )
    price = pd.Series(30 + 20 * np.sin(t / 8), idx)
    cap = pd.Series(np.where(t % 40 < 4, 45.0, np.inf), idx)
    return Scenario.from_series(
        name="pipeline",
        site=site,
        tariff=tariff,
        load_mw=pd.Series(40 + 5 * np.cos(t / 11), idx),
        price_usd_per_mwh=price,
        grid_import_limit_mw=cap,
        grid_export_limit_mw=pd.Series(5.0, idx),
        sell_price_usd_per_mwh=price * 0.8,
        availability_frac={"east": pd.Series(np.where(t < 30, 0.5, 1.0), idx)},
        month_to_date_peak_mw={"2021-03": 42.0},
        grid=optimizer.GridRules(
            ramp=optimizer.RampLimit(rise_mw_per_min=1.0, fall_mw_per_min=1.0),
            swing=optimizer.SwingBuffer(source="cluster_model", up_frac=0.02, down_frac=0.05),
        ),
    )


def test_round_trip_python_files_python(tmp_path):
    sc = _everything()
    toml = sc.to_dir(tmp_path / "sc")
    back = load_scenario(toml)
    for name in (
        "load_mw",
        "price_usd_per_mwh",
        "grid_import_limit_mw",
        "grid_export_limit_mw",
        "sell_price_usd_per_mwh",
        "swing_up_mw",
        "swing_down_mw",
    ):
        pd.testing.assert_series_equal(
            getattr(back, name), getattr(sc, name), check_names=False, check_freq=False
        )
    pd.testing.assert_series_equal(
        back.availability_frac["east"],
        sc.availability_frac["east"],
        check_names=False,
        check_freq=False,
    )
    assert back.site == sc.site
    assert back.tariff_spec.state == sc.tariff_spec.state  # the month-to-date peak, written back
    assert facility_peaks_mw(back.tariff_spec) == {"2021-03": 42.0}
    assert back.grid.ramp == sc.grid.ramp
    a, b = optimize(sc), optimize(back)
    assert b.objective_usd == pytest.approx(a.objective_usd, rel=1e-9)
    assert a.schedule["soc_mwh_east"].iloc[-1] == pytest.approx(0.8 * 80.0)


@pytest.mark.parametrize("name", ["default", "grid-stability"])
def test_round_trip_builtin_scenarios(tmp_path, name):
    """A tariff-engine TOU tariff (with its state) and every grid family survive the files."""
    full = load_scenario(name)
    sc = load_scenario(name, start=full.index[0], end=full.index[0] + pd.Timedelta("1D"))
    back = load_scenario(sc.to_dir(tmp_path / name))

    def rules(spec):  # the spec without where its price series is read from (now series.parquet)
        return None if spec is None else spec.model_dump(exclude={"energy": {"price_series"}})

    assert rules(back.tariff_spec) == rules(sc.tariff_spec)
    where = {"energy_price", "sell_price", "spec"}  # where series are read from: series.parquet now
    assert back.tariff.model_dump(exclude=where) == sc.tariff.model_dump(exclude=where)
    assert back.grid.events == sc.grid.events
    assert optimize(back).objective_usd == pytest.approx(optimize(sc).objective_usd, rel=1e-9)


def test_to_dir_refuses_what_toml_cannot_say(tmp_path):
    sc = load_scenario("default", start=pd.Timestamp("2021-02-01"), end=pd.Timestamp("2021-02-02"))
    spec = sc.tariff_spec.model_copy(update={"demand_interval_min": None})  # TOML has no null
    with pytest.raises(InputError, match="demand_interval_min"):
        sc.replace(tariff_spec=spec).to_dir(tmp_path / "x")


# ------------------------------------------------------------------------- evaluate
@pytest.fixture(scope="module")
def solved():
    sc = _everything()
    return sc, optimize(sc)


def test_evaluate_the_optimum_bills_it_and_finds_nothing(solved):
    sc, result = solved
    ev = optimizer.evaluate(sc, result.schedule)
    assert ev.is_feasible, ev.violations
    pd.testing.assert_series_equal(
        ev.costs["evaluated_usd"], result.costs["optimized_usd"], check_names=False, atol=1e-6
    )
    assert ev.compare(result)["excess_usd"].abs().max() < 1e-6


def test_evaluate_the_default_month_optimum(default_result, default_scenario):
    ev = optimizer.evaluate(default_scenario, default_result.schedule)
    assert ev.is_feasible, ev.violations.head()
    assert ev.total_usd == pytest.approx(default_result.objective_usd, rel=1e-9)


def test_evaluate_finds_exactly_the_broken_rows(solved):
    sc, result = solved
    plan = result.schedule[
        [
            "grid_import_mw",
            "grid_export_mw",
            "charge_mw_east",
            "discharge_mw_east",
            "soc_mwh_east",
            "charge_mw_west",
            "discharge_mw_west",
            "soc_mwh_west",
            "swing_up_mw",
        ]
    ].copy()
    plan.iloc[7, plan.columns.get_loc("grid_import_mw")] += 3.0  # balance broken at row 7
    plan.iloc[50, plan.columns.get_loc("charge_mw_west")] = 25.0  # 15 MW over 10 MW at row 50
    plan.iloc[50, plan.columns.get_loc("soc_mwh_west")] += 25.0 * 0.95 / 4  # ... the SOC follows it
    ev = optimizer.evaluate(sc, plan)
    v = ev.violations
    by_row = {sc.index.get_loc(t) for t in v["interval_start"]}
    assert by_row == {7, 50, 51}, v  # row 51's SOC recursion sees row 50's jump
    assert set(v.loc[v["interval_start"] == sc.index[7], "constraint"]) == {"grid_balance"}
    assert v.loc[v["interval_start"] == sc.index[7], "amount"].iloc[0] == pytest.approx(3.0)
    at50 = v[v["interval_start"] == sc.index[50]].set_index("constraint")
    assert at50.loc["charge_limit[west]", "amount"] == pytest.approx(15.0)
    assert "columns not used: swing_up_mw" in ev.notes


def test_evaluate_derives_what_is_missing(solved):
    """Only the grid import of a one-group site: the battery is what the balance leaves."""
    group = BatteryGroup(name="b", unit=IDEAL, n_units=1, initial_soc_frac=0.0)
    sc = _scenario(group, [1, 1], [10, 50])
    ev = optimizer.evaluate(sc, pd.DataFrame({"grid_import_mw": [2.0, 0.0]}, index=sc.index))
    assert ev.total_usd == pytest.approx(20.0)
    assert ev.schedule["soc_mwh"].tolist() == pytest.approx([1.0, 0.0])
    ev = optimizer.evaluate(sc, pd.DataFrame({"grid_import_mw": [3.0, 0.0]}, index=sc.index))
    # 2 MW charged into a 1 MW / 1 MWh battery in hour 0: 1 MW over its power, 1 MWh over its band
    assert list(ev.violations["constraint"]) == ["charge_limit[b]", "energy_limit[b]"]
    assert ev.violations["amount"].tolist() == pytest.approx([1.0, 1.0])
    with pytest.raises(InputError, match="horizon"):
        optimizer.evaluate(sc, pd.DataFrame({"grid_import_mw": [2.0]}, index=sc.index[:1]))
    with pytest.raises(InputError, match="neither battery nor grid"):
        optimizer.evaluate(sc, pd.DataFrame({"load_mw": [2.0, 1.0]}, index=sc.index))


def test_evaluate_cli(tmp_path, solved):
    from typer.testing import CliRunner

    from optimizer.cli.app import app

    sc, result = solved
    folder = sc.to_dir(tmp_path / "sc")
    plan = result.schedule.copy()
    plan.iloc[7, plan.columns.get_loc("grid_import_mw")] += 3.0
    plan.to_parquet(tmp_path / "plan.parquet")
    out = CliRunner().invoke(
        app,
        [
            "evaluate",
            str(folder),
            str(tmp_path / "plan.parquet"),
            "--violations-csv",
            str(tmp_path / "v.csv"),
        ],
    )
    assert out.exit_code == 0, out.output
    assert "1 violation(s)" in out.output
    assert "grid_balance" in out.output
    assert "above optimum" in out.output
    assert len(pd.read_csv(tmp_path / "v.csv")) == 1


# ------------------------------------------------------------------ one tariff model
def test_simple_tariff_becomes_its_spec_with_the_month_to_date_state():
    """A simple Tariff is billed as its TariffSpec; the month-to-date peak is the spec's state."""
    sc = _everything()
    assert sc.has_simple_tariff
    assert sc.month_to_date_peak_mw == {}  # moved into the one state
    assert sc.tariff_spec == spec_from_tariff(sc.tariff, month_to_date_peak_mw={"2021-03": 42.0})
    assert sc.tariff_spec.state.peaks == (
        PeakRecord(month="2021-03", charge=FACILITY_CHARGE, peak_mw=42.0),
    )
    assert sc.tariff_spec.export_compensation == "series"
    np.testing.assert_array_equal(
        sc.export_price_usd_per_mwh(), sc.sell_price_usd_per_mwh.to_numpy()
    )
    res = optimize(sc)
    assert res.costs.at["demand", "optimized_usd"] >= 9000.0 * 42.0 - 1e-6


def test_replacing_the_simple_tariff_converts_it_again():
    """``replace(tariff=...)`` bills the new tariff and keeps the month-to-date peak; a spec that
    is not the simple tariff's makes the scenario an engine-tariff scenario (never two bills)."""
    sc = _everything()
    dearer = sc.tariff.model_copy(update={"demand_charge_usd_per_mw": 12000.0})
    new = sc.replace(tariff=dearer)
    assert new.tariff_spec.facility_demand.periods[0].rate_usd_per_mw == 12000.0
    assert facility_peaks_mw(new.tariff_spec) == {"2021-03": 42.0}
    again = sc.replace(month_to_date_peak_mw={"2021-03": 50.0})
    assert facility_peaks_mw(again.tariff_spec) == {"2021-03": 50.0}
    other = sc.tariff_spec.model_copy(update={"fixed_charge_usd_per_month": 1.0})
    engine = sc.replace(tariff_spec=other)
    assert not engine.has_simple_tariff
    assert engine.tariff.spec == other
