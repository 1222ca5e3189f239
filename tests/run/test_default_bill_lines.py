"""`bess-dispatch bill` on the default's optimised import reproduces the run's bill, line by line.

The default scenario (TVA seasonal TOU for a >25 MW MLGW customer, schedule pricing, the 910 MW
contract demand as a hard cap) is optimised for February (Winter, the default) and for July
(Summer). The independent calculator's lines on the optimised import are compared with what
the LP priced: every demand window's metered, minimum-billing and excess MW (the values the
LP's window variables take, :func:`optimizer.tariffs.window_values`), the HUD blocks against
the LP's linear form, the on-peak energy, the fuel line, and each cost term of the run.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from optimizer import load_scenario, optimize
from optimizer.cli.app import app
from optimizer.tariffs import bill, tariff_arrays, window_values
from optimizer.tariffs.calendar import period_of, tariff_calendar

runner = CliRunner()
REL = 1e-9


def _assert_lines_match_the_lp(scenario, result, lines: pd.DataFrame, season: str) -> None:
    spec = scenario.tariff_spec
    g = result.schedule["grid_import_mw"]
    arrays = tariff_arrays(spec, scenario.index, price_usd_per_mwh=scenario.price_usd_per_mwh)
    vals = window_values(arrays.demand_windows, g.to_numpy())
    line = {str(r.line): r for r in lines.itertuples()}
    assert set(lines["month"].astype(str)) == {scenario.index[0].strftime("%Y-%m")}
    # the run's cost terms, kind by kind
    by_kind = lines.groupby("kind")["amount_usd"].sum()
    for term in ("energy", "demand", "excess", "fixed"):
        want = float(result.costs.loc[term, "optimized_usd"])
        assert by_kind.get(term, 0.0) == pytest.approx(want, rel=REL, abs=1e-3), term
    # every demand window: metered demand, minimum billing top-up, excess over contract
    for w in arrays.demand_windows:
        tag = f" ({season})" if w.charge == "on-peak" else ""
        metered, billed = vals.at[w.name, "metered_mw"], vals.at[w.name, "billed_mw"]
        assert line[f"demand {w.charge}{tag}"].quantity == pytest.approx(metered, rel=REL)
        top = line[f"minimum billing demand {w.charge}{tag}"].quantity
        assert top == pytest.approx(billed - metered, abs=1e-6)
        excess = line[f"excess over contract {w.charge} ({season})"].quantity
        assert excess == pytest.approx(vals.at[w.name, "excess_mw"], abs=1e-6)
        assert excess == pytest.approx(0.0, abs=1e-6)  # under the contract cap
    # HUD blocks: exact blocks = the LP's linear form r3 E + c D
    (hud,) = arrays.hud_blocks
    d = vals.at[hud.window, "billed_mw"]
    e_off = float(g.to_numpy()[hud.positions].sum() * 0.25)
    blocks = [line[f"energy off-peak HUD block {j}"] for j in (1, 2, 3)]
    assert sum(b.quantity for b in blocks) == pytest.approx(e_off, rel=REL)
    assert blocks[0].quantity == pytest.approx(200.0 * d, rel=REL)
    assert blocks[1].quantity == pytest.approx(200.0 * d, rel=REL)
    linear = 2.34 * e_off + hud.rate_usd_per_mw * d
    assert sum(b.amount_usd for b in blocks) == pytest.approx(linear, rel=REL)
    assert "linear form valid" in str(blocks[0].note)
    # on-peak energy at the season's rate, fuel on every MWh
    on = period_of(spec.energy.schedule, tariff_calendar(spec, scenario.index)) == 1
    on_line = line[f"energy on-peak ({season})"]
    assert on_line.quantity == pytest.approx(float(g.to_numpy()[on].sum() * 0.25), rel=REL)
    fuel = line["fuel cost adjustment"]
    assert fuel.quantity == pytest.approx(float(g.sum() * 0.25), rel=REL)
    assert g.max() <= 910.0 + 1e-6  # the contract demand caps import


def test_bill_command_reproduces_the_february_run(default_scenario, default_result, tmp_path):
    """February 2021 is Winter: on-peak 48.10 USD/MWh and 10,190 USD/MW-month, fuel 16.00."""
    run_dir = tmp_path / "run"
    default_result.to_dir(run_dir, plot=False)
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["energy_basis"] == "schedule"
    out = tmp_path / "bill.csv"
    args = ["bill", "--tariff", "tva-mlgw-large-tou", "--load", str(run_dir / "schedule.parquet")]
    res = runner.invoke(app, [*args, "--column", "grid_import_mw", "--out", str(out)])
    assert res.exit_code == 0, res.output
    lines = pd.read_csv(out, keep_default_na=False)
    _assert_lines_match_the_lp(default_scenario, default_result, lines, "winter")
    assert float(lines["amount_usd"].sum()) == pytest.approx(
        summary["costs_usd"]["total"]["optimized_usd"]
        - summary["costs_usd"]["degradation"]["optimized_usd"]
        - summary["costs_usd"]["movement"][
            "optimized_usd"
        ],  # wear and the movement cost are not on the bill
        rel=REL,
    )
    assert lines.loc[lines["line"] == "energy on-peak (winter)", "rate"].item() == 48.10
    assert lines.loc[lines["line"] == "fuel cost adjustment", "rate"].item() == 16.0


def test_the_calculator_reproduces_the_july_run():
    """July 2021 is Summer: on-peak 61.74 USD/MWh and 10,870 USD/MW-month, fuel 21.20."""
    sc = load_scenario("default", start="2021-07-01T00:00", end="2021-08-01T00:00")
    result = optimize(sc)
    g = result.schedule["grid_import_mw"]
    lines = bill(g, sc.tariff_spec).reset_index()
    _assert_lines_match_the_lp(sc, result, lines, "summer")
    assert lines.loc[lines["line"] == "energy on-peak (summer)", "rate"].item() == 61.74
    assert result.costs.loc["total", "optimized_usd"] < result.costs.loc["total", "baseline_usd"]
    base = bill(sc.load_mw, sc.tariff_spec)  # the no-battery bill is the calculator's too
    assert float(base["amount_usd"].sum()) == pytest.approx(
        float(
            result.costs.loc["total", "baseline_usd"] - result.costs.loc["movement", "baseline_usd"]
        ),
        rel=REL,
    )
    assert np.isclose(g.max(), 910.0, atol=1e-6) or g.max() < 910.0


def test_market_is_a_labelled_what_if(tmp_path):
    """`--energy-basis market` prices energy at the MISO LMP: the table and the summary name it
    a what-if; the default (schedule) names the tariff's own rates."""
    args = ["run", "default", "--start", "2021-02-15", "--end", "2021-02-16", "--no-plot"]
    res = runner.invoke(app, [*args, "--energy-basis", "market", "--out", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    assert "what-if energy" in res.output
    assert "WHAT-IF" in res.output
    summary = json.loads((tmp_path / "m" / "summary.json").read_text())
    assert summary["energy_basis"] == "market"
    assert "as if the site were a market load" in summary["energy_basis_label"]
    res = runner.invoke(app, [*args, "--out", str(tmp_path / "s")])
    assert res.exit_code == 0, res.output
    assert "what-if" not in res.output
    assert "energy basis: schedule" in res.output
