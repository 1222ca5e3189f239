"""Issue 18, "Nothing silent": inputs the library used to take and answer wrongly (or with a raw
pandas/attribute error). Each test failed on main before the fix; the bill totals are the
no-battery baseline, recomputed from the model arrays without a solve."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

import optimizer
from optimizer import BatteryGroup, InputError, Scenario, SolverOptions, load_scenario
from optimizer.formulation.model_data import ModelData
from optimizer.formulation.precheck import find_infeasibilities
from optimizer.io import builtin_root
from optimizer.results.costs import baseline_terms
from optimizer.testing import make_index, make_scenario, make_unit


def baseline_usd(scenario: Scenario) -> float:
    """The no-battery bill without the movement term (a grid rule, not the tariff) [USD]."""
    terms = baseline_terms(ModelData.from_scenario(scenario))
    return float(terms["total"] - terms.get("movement", 0.0))


# ---------------------------------------------------------------- from_series carries everything
def test_from_series_keeps_the_tou_tariff_of_a_loaded_scenario():
    """The README's snippet: from_series(tariff=sc.tariff, ...) on `default` used to drop the whole
    TOU tariff (one day billed $534,013 instead of $13,741,234 on the tariff of the time; the
    default is now TVA's seasonal schedule: a winter day bills about $1.1e7 without batteries)."""
    sc = load_scenario("default", start=pd.Timestamp("2021-02-01"), end=pd.Timestamp("2021-02-02"))
    s2 = Scenario.from_series(
        name="mine",
        site=sc.site,
        tariff=sc.tariff,
        load_mw=sc.load_mw,
        price_usd_per_mwh=sc.price_usd_per_mwh,
    )
    assert s2.tariff_spec == sc.tariff_spec
    assert baseline_usd(s2) == pytest.approx(baseline_usd(sc), rel=1e-12)
    assert baseline_usd(sc) > 5e6  # demand charges of the whole month on a one-day horizon


def test_from_series_takes_a_tariff_spec_and_month_to_date_state():
    sc = load_scenario("default", start=pd.Timestamp("2021-02-01"), end=pd.Timestamp("2021-02-02"))
    s2 = Scenario.from_series(
        name="mine",
        site=sc.site,
        tariff=sc.tariff_spec,
        load_mw=sc.load_mw,
        price_usd_per_mwh=sc.price_usd_per_mwh,
    )
    assert baseline_usd(s2) == pytest.approx(baseline_usd(sc), rel=1e-12)
    simple = make_scenario([10.0, 20.0], [1.0, 1.0], demand_charge_usd_per_mw=100.0)
    s3 = Scenario.from_series(
        name="m",
        site=simple.site,
        tariff=simple.tariff,
        load_mw=simple.load_mw,
        price_usd_per_mwh=simple.price_usd_per_mwh,
        month_to_date_peak_mw={"2021-02": 50.0},
    )
    assert baseline_usd(s3) == pytest.approx(2 * 15.0 + 100.0 * 50.0)  # 30 USD energy, 50 MW billed
    # a month-to-date peak cannot be carried by a tariff-engine tariff: refused, not ignored
    with pytest.raises(InputError, match="month_to_date_peak_mw applies to the simple tariff only"):
        Scenario.from_series(
            name="m",
            site=sc.site,
            tariff=sc.tariff,
            load_mw=sc.load_mw,
            price_usd_per_mwh=sc.price_usd_per_mwh,
            month_to_date_peak_mw={"2021-02": 1.0},
        )


def test_series_in_another_zone_are_billed_by_the_sites_months():
    """The same instants in UTC used to be billed by UTC calendar months
    ($22,073,204 instead of $22,498,403 over the February/March edge)."""
    sc = load_scenario(
        "year-2021", start=pd.Timestamp("2021-02-27"), end=pd.Timestamp("2021-03-03")
    )
    local = Scenario.from_series(
        name="local",
        site=sc.site,
        tariff=sc.tariff,
        load_mw=sc.load_mw,
        price_usd_per_mwh=sc.price_usd_per_mwh,
    )
    utc = Scenario.from_series(
        name="utc",
        site=sc.site,
        tariff=sc.tariff,
        load_mw=sc.load_mw.tz_convert("UTC"),
        price_usd_per_mwh=sc.price_usd_per_mwh.tz_convert("UTC"),
    )
    assert str(utc.index.tz) == "America/Chicago"
    assert utc.index.equals(sc.index)
    assert baseline_usd(utc) == pytest.approx(baseline_usd(local), rel=1e-12)
    # the constructor, which does not convert, refuses instead of billing by the wrong calendar
    with pytest.raises(optimizer.TimeSeriesError, match="not in the site's time zone"):
        Scenario(
            name="x",
            site=sc.site,
            tariff=sc.tariff,
            load_mw=sc.load_mw.tz_convert("UTC"),
            price_usd_per_mwh=sc.price_usd_per_mwh.tz_convert("UTC"),
        )


def test_a_down_swing_alone_holds_headroom():
    """A down-swing series without an up-swing series used to be ignored (family 9 off).
    Known answer: a 1 MW / 1 MWh battery that must keep 1 MW of down headroom (Pc - c + d >= 1)
    can never net-charge, so it cannot buy at 10 and sell at 50: the bill is the idle bill
    1 MW x (10 + 50) USD/MWh x 1 h = 60 USD (versus 20 USD with free arbitrage)."""
    base = make_scenario([1.0, 1.0], [10.0, 50.0], export_limit_mw=0.0)
    down = pd.Series([1.0, 1.0], index=base.index)
    sc = Scenario.from_series(
        name="d",
        site=base.site,
        tariff=base.tariff,
        load_mw=base.load_mw,
        price_usd_per_mwh=base.price_usd_per_mwh,
        swing_down_mw=down,
    )
    assert optimizer.optimize(sc).objective_usd == pytest.approx(60.0, abs=1e-6)
    assert optimizer.optimize(base).objective_usd == pytest.approx(20.0, abs=1e-6)


def test_from_series_turns_a_cluster_swing_rule_into_series():
    base = make_scenario([10.0, 10.0], [10.0, 50.0])
    rules = optimizer.GridRules(
        swing=optimizer.SwingBuffer(source="cluster_model", up_frac=0.1, down_frac=0.3)
    )
    sc = Scenario.from_series(
        name="s",
        site=base.site,
        tariff=base.tariff,
        load_mw=base.load_mw,
        price_usd_per_mwh=base.price_usd_per_mwh,
        grid=rules,
    )
    assert sc.swing_up_mw.tolist() == pytest.approx([1.0, 1.0])
    assert sc.swing_down_mw.tolist() == pytest.approx([3.0, 3.0])


def test_a_gpu_load_above_the_site_load_is_refused_with_its_timestamp():
    base = make_scenario([10.0, 10.0], [10.0, 50.0])
    gpu = pd.Series([8.0, 12.5], index=base.load_mw.index)  # the second is above the site's 10
    with pytest.raises(InputError) as exc:
        Scenario.from_series(
            name="s",
            site=base.site,
            tariff=base.tariff,
            load_mw=base.load_mw,
            price_usd_per_mwh=base.price_usd_per_mwh,
            gpu_load_mw=gpu,
        )
    text = str(exc.value)
    assert "gpu_load_mw" in text
    assert base.load_mw.index[1].isoformat() in text
    assert "12.5 MW against load_mw 10 MW in 1 intervals" in text
    ok = Scenario.from_series(
        name="s",
        site=base.site,
        tariff=base.tariff,
        load_mw=base.load_mw,
        price_usd_per_mwh=base.price_usd_per_mwh,
        gpu_load_mw=gpu.clip(upper=10.0),
    )
    assert ok.gpu_load_mw.max() == 10.0


# ---------------------------------------------------------------- wrong types: one clear error
@pytest.mark.parametrize(
    ("value", "what"),
    [
        (np.array([1.0, 2.0]), "not a pandas Series"),
        (pd.DataFrame({"load_mw": [1.0, 2.0]}, index=make_index(2)), "Select the column"),
        (pd.Series(["1", "2"], index=make_index(2), dtype=object), "not numbers"),
        ([1.0, 2.0], "not a pandas Series"),
    ],
)
def test_a_wrong_type_is_an_input_error(value, what):
    base = make_scenario([1.0, 1.0], [10.0, 50.0])
    with pytest.raises(InputError, match=what):
        Scenario.from_series(
            name="x",
            site=base.site,
            tariff=base.tariff,
            load_mw=value,
            price_usd_per_mwh=base.price_usd_per_mwh,
        )
    with pytest.raises(InputError, match=what):
        Scenario.from_series(
            name="x",
            site=base.site,
            tariff=base.tariff,
            load_mw=base.load_mw,
            price_usd_per_mwh=value,
        )


# ---------------------------------------------------------------- every number finite and sane
@pytest.fixture
def model_copy(tmp_path: Path) -> Path:
    """A writable copy of the built-in models and data (paths between them unchanged)."""
    root = builtin_root()
    shutil.copytree(root / "models", tmp_path / "models")
    shutil.copytree(root / "data", tmp_path / "data")
    return tmp_path


def _edit(path: Path, pattern: str, replacement: str) -> None:
    text = path.read_text()
    new, n = re.subn(pattern, replacement, text, count=1, flags=re.MULTILINE)
    assert n == 1, pattern
    path.write_text(new)


@pytest.mark.parametrize(
    ("file", "pattern", "replacement", "field"),
    [
        (
            "tariffs/tva-mlgw-large-tou.toml",
            r"^adder_usd_per_mwh = 0\.0",
            "adder_usd_per_mwh = nan",
            "adder_usd_per_mwh",
        ),
        (
            "tariffs/tva-mlgw-large-tou.toml",
            r"^  \{ rate_usd_per_mwh = 35\.61,",
            "  { rate_usd_per_mwh = nan,",
            "rate_usd_per_mwh",
        ),
        (
            "tariffs/tva-mlgw-large-tou.toml",
            r"^rate_usd_per_mw = 1710\.0",
            "rate_usd_per_mw = inf",
            "rate_usd_per_mw",
        ),
        (
            "batteries/megapack2xl-4h.toml",
            r"^energy_capacity_mwh = 3\.916",
            "energy_capacity_mwh = inf",
            "energy_capacity_mwh",
        ),
        (
            "batteries/megapack2xl-4h.toml",
            r"^power_discharge_max_mw = 0\.979",
            "power_discharge_max_mw = 1e308",
            "power_discharge_max_mw",
        ),
        (
            "scenarios/default.toml",
            r'^gpu_column = "gpu_load_mw"',
            'gpu_column = "gpu_load_mw"\nscale = inf',
            "load.scale",
        ),
    ],
)
def test_validate_refuses_non_finite_or_absurd_numbers(
    model_copy, file, pattern, replacement, field
):
    """NaN in the energy adder or a TOU rate used to pass `validate` and hang HiGHS; inf energy
    or demand rates exited 4 ("report a bug"); 1e308 MW ran and reported inf; load.scale = inf
    blamed the data file."""
    _edit(model_copy / "models" / file, pattern, replacement)
    with pytest.raises(InputError) as err:
        load_scenario(model_copy / "models/scenarios/default.toml")
    assert any(field in (i.field or "") for i in err.value.issues), err.value


def test_unknown_highs_options_are_errors(model_copy):
    with pytest.raises(ValidationError, match="did you mean 'presolve'"):
        SolverOptions(highs_options={"presolv": "off"})
    with pytest.raises(ValidationError, match="takes a float"):
        SolverOptions(highs_options={"time_limit": "ten"})
    assert (
        SolverOptions(highs_options={"presolve": "off", "time_limit": 10}).highs_options[
            "time_limit"
        ]
        == 10
    )
    path = model_copy / "models/scenarios/default.toml"
    _edit(path, r'^algorithm = "auto"', 'algorithm = "auto"\nhighs_options = { presolv = "off" }')
    with pytest.raises(InputError, match="unknown HiGHS option 'presolv'"):
        load_scenario(path)


def test_a_huge_aux_load_blames_aux_not_the_import_cap():
    unit = make_unit(power_mw=1.0, energy_mwh=4.0, aux_load_mw=50.0)
    sc = make_scenario([10.0, 10.0], [10.0, 10.0], unit=unit, n_units=2, import_limit_mw=20.0)
    issues = find_infeasibilities(sc, ModelData.from_scenario(sc))
    assert [i.field for i in issues] == ["site.battery_groups.bess.unit.aux_load_mw"]
    with pytest.raises(optimizer.InfeasibleError, match="auxiliary load"):
        optimizer.optimize(sc)


def test_the_group_count_has_a_sane_limit():
    with pytest.raises(ValidationError, match="less than or equal"):
        BatteryGroup(name="g", unit=make_unit(), n_units=10**400)
