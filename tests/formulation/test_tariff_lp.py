"""The LP's reported cost terms equal the independent bill calculator, on every shipped tariff."""

from __future__ import annotations

import pytest

from optimizer import InputError, load_scenario, optimize
from optimizer.io import builtin_root
from optimizer.tariffs import bill

MODELS = builtin_root() / "models"
URDB = sorted((MODELS / "tariffs" / "urdb").glob("*.json"))
TOML = [
    MODELS / "tariffs" / "miso-arkansas-lmp-tva-demand.toml",
    MODELS / "tariffs" / "mlgw-lgs3-tou-style.toml",
]


def _scenario(
    tmp_path, tariff, start="2021-02-08T00:00:00-06:00", end="2021-02-15T00:00:00-06:00", step=15
):
    p = tmp_path / "s.toml"
    p.write_text(f"""schema_version = 1
[scenario]
name = "tariff-check"
site = "{MODELS / "sites" / "memphis-1gw.toml"}"
tariff = "{tariff}"
[horizon]
start = {start}
end = {end}
interval_min = {step}
[load]
source = "file"
path = "{builtin_root() / "data" / "memphis_1gw_site_load_2021_15min.parquet"}"
column = "load_mw"
""")
    return load_scenario(p)


def _compare(res):
    sc = res.scenario
    spec = sc.tariff_spec
    ours = res.costs["optimized_usd"]
    lines = bill(
        res.schedule.grid_import_mw,
        spec,
        export_mw=res.schedule.grid_export_mw,
        price_usd_per_mwh=sc.price_usd_per_mwh,
    )
    by_kind = lines.groupby("kind")["amount_usd"].sum()
    for kind in ("energy", "demand", "excess", "coincident", "fixed", "minimum"):
        assert ours[kind] == pytest.approx(float(by_kind.get(kind, 0.0)), rel=1e-6, abs=1e-3), kind
    assert ours["export"] == pytest.approx(float(by_kind.get("export", 0.0)), rel=1e-6, abs=1e-3)


@pytest.mark.parametrize("tariff", TOML[1:] + URDB, ids=lambda p: p.stem[:40])
def test_lp_bill_equals_calculator(tmp_path, tariff):
    sc = _scenario(tmp_path, tariff)
    if "multi_tier" in tariff.name:  # declining tiers are refused with a message naming the windows
        with pytest.raises(InputError, match="declining tier"):
            optimize(sc)
        return
    res = optimize(sc)
    assert res.objective_usd <= res.costs.loc["total", "baseline_usd"] + 1e-6 * abs(
        res.objective_usd
    )
    _compare(res)


def test_demand_interval_bills_the_block_average(tmp_path):
    """The MLGW-style tariff measures demand on 30-minute averages: at 5-minute steps the billed
    on-peak/off-peak demand is the highest 30-minute average of the optimised import, not the
    highest 5-minute value (checked against the calculator)."""
    sc = _scenario(
        tmp_path,
        TOML[1],
        start="2021-02-08T00:00:00-06:00",
        end="2021-02-10T00:00:00-06:00",
        step=5,
    )
    res = optimize(sc)
    _compare(res)
    g = res.schedule.grid_import_mw
    assert g.rolling(6).mean().max() <= g.max() + 1e-9


def test_simple_tariff_is_billed_as_its_spec(tmp_path):
    """The simple tariff file becomes a TariffSpec at the edge: one facility charge on single
    model intervals, and the LP's bill is the calculator's on that spec."""
    sc = _scenario(tmp_path, TOML[0], end="2021-02-10T00:00:00-06:00")
    assert sc.has_simple_tariff
    assert sc.tariff.demand_charge_usd_per_mw == 12750.0
    spec = sc.tariff_spec
    assert spec.demand_interval_min is None
    assert spec.facility_demand.periods[0].rate_usd_per_mw == 12750.0
    assert spec.fixed_charge_usd_per_month == 1500.0
    res = optimize(sc)
    _compare(res)
    g = res.schedule.grid_import_mw
    assert res.costs.at["demand", "optimized_usd"] == pytest.approx(12750.0 * g.max(), rel=1e-9)
